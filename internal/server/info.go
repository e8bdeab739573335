package server

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/redoubt/redoubt/internal/command"
)

var defaultInfoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}

// Info renders INFO with Redis 7.0's section and field names. Called with s.mu held.
func (s *Server) Info(sections []string) string {
	want := map[string]bool{}
	all := false
	if len(sections) == 0 {
		sections = []string{"default"}
	}
	for _, sec := range sections {
		sec = strings.ToLower(sec)
		switch sec {
		case "default":
			for _, d := range defaultInfoSections {
				want[d] = true
			}
		case "all", "everything":
			all = true
		default:
			want[sec] = true
		}
	}
	var b strings.Builder
	add := func(name string, render func(*strings.Builder)) {
		if !all && !want[name] {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + strings.ToUpper(name[:1]) + name[1:] + "\r\n")
		render(&b)
	}
	add("server", s.infoServer)
	add("clients", s.infoClients)
	add("memory", s.infoMemory)
	add("persistence", s.infoPersistence)
	add("stats", s.infoStats)
	add("replication", s.infoReplication)
	add("cpu", s.infoCPU)
	add("modules", func(*strings.Builder) {})
	if all || want["commandstats"] {
		add("commandstats", s.infoCommandStats)
	}
	add("errorstats", s.infoErrorStats)
	add("cluster", func(b *strings.Builder) { field(b, "cluster_enabled", 0) })
	add("keyspace", s.infoKeyspace)
	return b.String()
}

func field(b *strings.Builder, name string, v any) {
	fmt.Fprintf(b, "%s:%v\r\n", name, v)
}

func (s *Server) infoServer(b *strings.Builder) {
	up := time.Since(s.start)
	field(b, "redis_version", "7.0.15")
	field(b, "redoubt_version", s.version)
	field(b, "redis_git_sha1", "00000000")
	field(b, "redis_git_dirty", 0)
	field(b, "redis_build_id", "0")
	field(b, "redis_mode", "standalone")
	field(b, "os", runtime.GOOS+" "+runtime.GOARCH)
	field(b, "arch_bits", 64)
	field(b, "monotonic_clock", "POSIX clock_gettime")
	field(b, "multiplexing_api", "epoll")
	field(b, "atomicvar_api", "c11-builtin")
	field(b, "gcc_version", "0.0.0")
	field(b, "go_version", runtime.Version())
	field(b, "process_id", os.Getpid())
	field(b, "process_supervised", "no")
	field(b, "run_id", s.runID)
	port := s.cfg.Int("port")
	field(b, "tcp_port", port)
	tlsPort, notAfter := s.tlsInfo()
	field(b, "redoubt_tls_port", tlsPort)
	field(b, "redoubt_tls_cert_not_after", notAfter)
	field(b, "redoubt_tls_connections_received", s.stats.tlsConns.Load())
	field(b, "server_time_usec", time.Now().UnixMicro())
	field(b, "uptime_in_seconds", int64(up.Seconds()))
	field(b, "uptime_in_days", int64(up.Hours()/24))
	field(b, "hz", s.cfg.Int("hz"))
	field(b, "configured_hz", s.cfg.Int("hz"))
	field(b, "lru_clock", time.Now().Unix()&(1<<24-1))
	exe, _ := os.Executable()
	field(b, "executable", exe)
	field(b, "config_file", s.cfg.File())
	field(b, "io_threads_active", 0)
	root := 0
	if os.Geteuid() == 0 {
		root = 1
	}
	field(b, "redoubt_running_as_root", root)
}

func (s *Server) infoClients(b *strings.Builder) {
	field(b, "connected_clients", s.nclients.Load())
	field(b, "cluster_connections", 0)
	field(b, "maxclients", s.cfg.Int("maxclients"))
	field(b, "client_recent_max_input_buffer", 0)
	field(b, "client_recent_max_output_buffer", 0)
	field(b, "blocked_clients", s.blockedCount)
	field(b, "tracking_clients", 0)
	field(b, "clients_in_timeout_table", 0)
}

func (s *Server) infoMemory(b *strings.Builder) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used := uint64(s.mem.used(time.Now()))
	field(b, "used_memory", used)
	field(b, "used_memory_human", humanBytes(used))
	rss := rssBytes()
	field(b, "used_memory_rss", rss)
	field(b, "used_memory_rss_human", humanBytes(rss))
	field(b, "used_memory_peak", ms.HeapSys)
	field(b, "used_memory_peak_human", humanBytes(ms.HeapSys))
	field(b, "total_system_memory", totalMemory())
	field(b, "maxmemory", s.cfg.Int("maxmemory"))
	field(b, "maxmemory_human", humanBytes(uint64(s.cfg.Int("maxmemory"))))
	field(b, "maxmemory_policy", s.cfg.String("maxmemory-policy"))
	ratio := 0.0
	if used > 0 {
		ratio = float64(rss) / float64(used)
	}
	field(b, "mem_fragmentation_ratio", fmt.Sprintf("%.2f", ratio))
	field(b, "mem_allocator", "go-"+runtime.Version())
	field(b, "lazyfree_pending_objects", 0)
}

func (s *Server) infoPersistence(b *strings.Builder) {
	s.infoLoading(b)
	var cow, done, total, current int64
	if j := s.bg; j != nil {
		cow, done, total = j.cowBytes.Load(), j.keysDone, j.total
		current = int64(time.Since(j.started).Seconds())
	}
	field(b, "current_cow_peak", cow)
	field(b, "current_cow_size", cow)
	field(b, "current_cow_size_age", 0)
	field(b, "current_fork_perc", "0.00")
	field(b, "current_save_keys_processed", done)
	field(b, "current_save_keys_total", total)
	field(b, "rdb_changes_since_last_save", s.dirty)
	field(b, "rdb_bgsave_in_progress", boolInt(s.bg != nil))
	field(b, "rdb_last_save_time", s.lastSave)
	status := "ok"
	if !s.lastSaveOK {
		status = "err"
	}
	field(b, "rdb_last_bgsave_status", status)
	field(b, "rdb_last_bgsave_time_sec", s.lastBGSaveSecs)
	if s.bg == nil {
		current = -1
	}
	field(b, "rdb_current_bgsave_time_sec", current)
	field(b, "rdb_saves", s.rdbSaves)
	field(b, "rdb_last_cow_size", s.lastCOWBytes)
	field(b, "rdb_last_load_keys_expired", s.load.keysExpired)
	field(b, "rdb_last_load_keys_loaded", s.load.keysLoaded)
	s.infoAOF(b)
}

func (s *Server) infoStats(b *strings.Builder) {
	st := &s.stats
	field(b, "total_connections_received", st.connections.Load())
	field(b, "total_commands_processed", st.commands)
	field(b, "total_net_input_bytes", st.netInput.Load())
	field(b, "total_net_output_bytes", st.netOutput.Load())
	field(b, "rejected_connections", st.rejectedConns.Load())
	field(b, "expired_keys", st.expiredKeys.Load())
	field(b, "evicted_keys", s.infoEvicted())
	field(b, "keyspace_hits", st.hits)
	field(b, "keyspace_misses", st.misses)
	field(b, "pubsub_channels", 0)
	field(b, "pubsub_patterns", 0)
	field(b, "total_error_replies", st.errTotal)
	field(b, "unexpected_error_replies", 0)
}

func (s *Server) infoReplication(b *strings.Builder) {
	field(b, "role", "master")
	field(b, "connected_slaves", 0)
	field(b, "master_replid", s.runID)
	field(b, "master_repl_offset", 0)
}

func (s *Server) infoCPU(b *strings.Builder) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	tv := func(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }
	field(b, "used_cpu_sys", tv(ru.Stime))
	field(b, "used_cpu_user", tv(ru.Utime))
}

func (s *Server) infoCommandStats(b *strings.Builder) {
	var walk func(sp *command.Spec)
	walk = func(sp *command.Spec) {
		cs := s.stats.perCmd[sp.Id]
		if cs.calls > 0 || cs.rejected > 0 || cs.failed > 0 {
			per := 0.0
			if cs.calls > 0 {
				per = float64(cs.usec) / float64(cs.calls)
			}
			fmt.Fprintf(b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
				sp.Name, cs.calls, cs.usec, per, cs.rejected, cs.failed)
		}
		for _, sub := range sp.Subs {
			walk(sub)
		}
	}
	for _, sp := range command.All() {
		walk(sp)
	}
}

func (s *Server) infoErrorStats(b *strings.Builder) {
	codes := make([]string, 0, len(s.stats.errors))
	for k := range s.stats.errors {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	for _, k := range codes {
		fmt.Fprintf(b, "errorstat_%s:count=%d\r\n", k, s.stats.errors[k])
	}
}

func (s *Server) infoKeyspace(b *strings.Builder) {
	for _, db := range s.dbs {
		if n := db.Len(); n > 0 {
			fmt.Fprintf(b, "db%d:keys=%d,expires=%d,avg_ttl=0\r\n", db.ID, n, db.ExpiresLen())
		}
	}
}

func humanBytes(n uint64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", float64(n)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", float64(n)/(1024*1024))
	default:
		return fmt.Sprintf("%.2fG", float64(n)/(1024*1024*1024))
	}
}

// rssBytes reads the resident set size from /proc, as Redis's zmalloc_get_rss does.
func rssBytes() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, rss uint64
	fmt.Sscanf(string(data), "%d %d", &size, &rss)
	return rss * uint64(os.Getpagesize())
}

func totalMemory() uint64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return si.Totalram * uint64(si.Unit)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// infoLoading writes the loading fields; while loading, Redis adds the progress ones.
func (s *Server) infoLoading(b *strings.Builder) {
	if !s.loading.Load() {
		field(b, "loading", 0)
		field(b, "async_loading", 0)
		return
	}
	total, done := s.load.total.Load(), s.load.done.Load()
	elapsed := time.Since(s.load.started).Seconds()
	perc, eta := 0.0, 1
	if total > 0 {
		perc = float64(done) * 100 / float64(total)
	}
	if done > 0 && total > done {
		eta = int(elapsed * float64(total-done) / float64(done))
	}
	field(b, "loading", 1)
	field(b, "async_loading", 0)
	field(b, "loading_start_time", s.load.started.Unix())
	field(b, "loading_total_bytes", total)
	field(b, "loading_rdb_used_mem", 0)
	field(b, "loading_loaded_bytes", done)
	field(b, "loading_loaded_perc", fmt.Sprintf("%.2f", perc))
	field(b, "loading_eta_seconds", eta)
}
