package config

import (
	"github.com/redoubt/redoubt/internal/ascii"
	"math"
	"sort"
	"sync/atomic"
)

type kind uint8

const (
	kindBool kind = iota
	kindNum
	kindEnum
	kindString
	kindDir
	kindSave
	kindBind
	kindOutputLimit
	kindOOMValues
	kindNotify
	kindReplicaOf
	kindPercentiles
	kindFileOnly // include, rename-command, user, loadmodule, sentinel: never in CONFIG GET
)

type flags uint16

const (
	immutable   flags = 1 << iota
	protected         // CONFIG SET needs enable-protected-configs
	sensitive         // the value must not be echoed in logs, slowlog or MONITOR
	hidden            // CONFIG GET returns it only when asked by exact name
	multiArg          // takes any number of words: several on a file line, space separated in CONFIG SET
	memory            // numeric with units
	octal             // numeric in base 8
	percent           // numeric that also takes N% (stored as -N)
	unsigned          // numeric whose bounds Redis checks as unsigned (its C type is)
	bitflags          // enum whose words combine, like shutdown-on-sigint "nosave now"
	emptyIsNull       // string whose "" means unset, which CONFIG REWRITE leaves out
)

type enumValue struct {
	name string
	val  int64
}

// value holds a directive's setting: n for bool (0/1), numeric and enum kinds, s for
// strings and dir, words for the multi-word kinds in CONFIG GET order.
type value struct {
	n     int64
	s     string
	words []string
}

func (v value) clone() value {
	if v.words != nil {
		v.words = append([]string(nil), v.words...)
	}
	return v
}

type directive struct {
	name   string
	alias  string
	kind   kind
	flags  flags
	lo, hi int64
	enum   []enumValue
	def    value
	// check validates a parsed value beyond its type; it returns Redis's error text.
	check func(v value, w *working) string
	// implemented is flipped by MarkImplemented; atomic because the table is shared by
	// every Config and read on every SET.
	implemented atomic.Bool
	idx         int
}

// nameEntry is one name CONFIG GET and SET know: a directive's name or its alias, which
// Redis treats as separate entries sharing one value.
type nameEntry struct {
	name  string
	d     *directive
	alias bool
}

var (
	table   []*directive
	byName  = map[string]*nameEntry{}
	names   []*nameEntry // sorted, for glob matching in a stable order
	fileTag = map[string]*directive{}
)

const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	ullMax   = -1 // ULLONG_MAX as stored in int64; bounds with this are compared unsigned
	mb       = 1024 * 1024
	notifyOK = "Ag$lshzxeKEtmdn"
)

var protectedAction = []enumValue{{"no", 0}, {"yes", 1}, {"local", 2}}

var shutdownFlags = []enumValue{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}}

func boolean(name, alias string, f flags, def bool) *directive {
	d := &directive{name: name, alias: alias, kind: kindBool, flags: f}
	if def {
		d.def.n = 1
	}
	return d
}

func number(name, alias string, f flags, lo, hi, def int64) *directive {
	return &directive{name: name, alias: alias, kind: kindNum, flags: f, lo: lo, hi: hi, def: value{n: def}}
}

func enumeration(name, alias string, f flags, vals []enumValue, def int64) *directive {
	return &directive{name: name, alias: alias, kind: kindEnum, flags: f, enum: vals, def: value{n: def}}
}

func str(name, alias string, f flags, def string) *directive {
	return &directive{name: name, alias: alias, kind: kindString, flags: f, def: value{s: def}}
}

func special(name, alias string, k kind, f flags, def value) *directive {
	return &directive{name: name, alias: alias, kind: k, flags: f, def: def}
}

func words(w ...string) value { return value{words: w} }

func withCheck(d *directive, check func(value, *working) string) *directive {
	d.check = check
	return d
}

// The directive table of Redis 7.0 (config.c's static_configs as shipped in 7.0.15), with
// Redis's defaults except bind, which is the secure default Redis's own redis.conf sets.
func init() {
	all := []*directive{
		boolean("rdbchecksum", "", immutable, true),
		boolean("daemonize", "", immutable, false),
		boolean("io-threads-do-reads", "", immutable, false),
		boolean("always-show-logo", "", immutable, false),
		boolean("protected-mode", "", 0, true),
		boolean("rdbcompression", "", 0, true),
		boolean("rdb-del-sync-files", "", 0, false),
		boolean("activerehashing", "", 0, true),
		boolean("stop-writes-on-bgsave-error", "", 0, true),
		boolean("set-proc-title", "", immutable, true),
		boolean("dynamic-hz", "", 0, true),
		boolean("lazyfree-lazy-eviction", "", 0, false),
		boolean("lazyfree-lazy-expire", "", 0, false),
		boolean("lazyfree-lazy-server-del", "", 0, false),
		boolean("lazyfree-lazy-user-del", "", 0, false),
		boolean("lazyfree-lazy-user-flush", "", 0, false),
		boolean("repl-disable-tcp-nodelay", "", 0, false),
		boolean("repl-diskless-sync", "", 0, true),
		boolean("aof-rewrite-incremental-fsync", "", 0, true),
		boolean("no-appendfsync-on-rewrite", "", 0, false),
		boolean("cluster-require-full-coverage", "", 0, true),
		boolean("rdb-save-incremental-fsync", "", 0, true),
		boolean("aof-load-truncated", "", 0, true),
		boolean("aof-use-rdb-preamble", "", 0, true),
		boolean("aof-timestamp-enabled", "", 0, false),
		boolean("cluster-replica-no-failover", "cluster-slave-no-failover", 0, false),
		boolean("replica-lazy-flush", "slave-lazy-flush", 0, false),
		boolean("replica-serve-stale-data", "slave-serve-stale-data", 0, true),
		boolean("replica-read-only", "slave-read-only", 0, true),
		boolean("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true),
		boolean("jemalloc-bg-thread", "", 0, true),
		boolean("activedefrag", "", 0, false),
		boolean("syslog-enabled", "", immutable, false),
		boolean("cluster-enabled", "", immutable, false),
		boolean("appendonly", "", 0, false),
		boolean("cluster-allow-reads-when-down", "", 0, false),
		boolean("cluster-allow-pubsubshard-when-down", "", 0, true),
		boolean("crash-log-enabled", "", 0, true),
		boolean("crash-memcheck-enabled", "", 0, true),
		boolean("use-exit-on-panic", "", hidden, false),
		boolean("disable-thp", "", immutable, true),
		boolean("cluster-allow-replica-migration", "", 0, true),
		boolean("replica-announced", "", 0, true),
		boolean("latency-tracking", "", 0, true),
		boolean("aof-disable-auto-gc", "", 0, false),
		boolean("replica-ignore-disk-write-errors", "", 0, false),
		boolean("tls-cluster", "", 0, false),
		boolean("tls-replication", "", 0, false),
		boolean("tls-prefer-server-ciphers", "", 0, false),
		boolean("tls-session-caching", "", 0, true),

		str("aclfile", "", immutable, ""),
		str("unixsocket", "", immutable|emptyIsNull, ""),
		str("pidfile", "", immutable|emptyIsNull, ""),
		str("replica-announce-ip", "slave-announce-ip", emptyIsNull, ""),
		str("masteruser", "", sensitive|emptyIsNull, ""),
		str("cluster-announce-ip", "", emptyIsNull, ""),
		str("cluster-config-file", "", immutable, "nodes.conf"),
		withCheck(str("cluster-announce-hostname", "", emptyIsNull, ""), checkHostname),
		str("syslog-ident", "", immutable, "redis"),
		withCheck(str("dbfilename", "", protected, "dump.rdb"), checkBaseName("dbfilename", "filename", false)),
		withCheck(str("appendfilename", "", immutable, "appendonly.aof"), checkBaseName("appendfilename", "filename", true)),
		withCheck(str("appenddirname", "", immutable, "appendonlydir"), checkBaseName("appenddirname", "dirname", true)),
		str("server_cpulist", "", immutable|emptyIsNull, ""),
		str("bio_cpulist", "", immutable|emptyIsNull, ""),
		str("aof_rewrite_cpulist", "", immutable|emptyIsNull, ""),
		str("bgsave_cpulist", "", immutable|emptyIsNull, ""),
		str("ignore-warnings", "", 0, ""),
		withCheck(str("proc-title-template", "", 0, "{title} {listen-addr} {server-mode}"), checkProcTitle),
		str("bind-source-addr", "", emptyIsNull, ""),
		str("logfile", "", immutable, ""),
		str("masterauth", "", sensitive|emptyIsNull, ""),
		str("requirepass", "", sensitive|emptyIsNull, ""),
		str("tls-cert-file", "", emptyIsNull, ""),
		str("tls-key-file", "", emptyIsNull, ""),
		// Redis does not redact the two passphrases; Redoubt treats them like passwords.
		str("tls-key-file-pass", "", sensitive|emptyIsNull, ""),
		str("tls-client-cert-file", "", emptyIsNull, ""),
		str("tls-client-key-file", "", emptyIsNull, ""),
		str("tls-client-key-file-pass", "", sensitive|emptyIsNull, ""),
		str("tls-dh-params-file", "", emptyIsNull, ""),
		str("tls-ca-cert-file", "", emptyIsNull, ""),
		str("tls-ca-cert-dir", "", emptyIsNull, ""),
		str("tls-protocols", "", emptyIsNull, ""),
		str("tls-ciphers", "", emptyIsNull, ""),
		str("tls-ciphersuites", "", emptyIsNull, ""),

		enumeration("supervised", "", immutable, []enumValue{{"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}}, 0),
		enumeration("syslog-facility", "", immutable, []enumValue{{"user", 8}, {"local0", 128}, {"local1", 136}, {"local2", 144}, {"local3", 152}, {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184}}, 128),
		enumeration("repl-diskless-load", "", 0, []enumValue{{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}, 0),
		enumeration("loglevel", "", 0, []enumValue{{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}}, 2),
		enumeration("maxmemory-policy", "", 0, []enumValue{{"volatile-lru", 1}, {"volatile-lfu", 2}, {"volatile-random", 3}, {"volatile-ttl", 4}, {"allkeys-lru", 5}, {"allkeys-lfu", 6}, {"allkeys-random", 7}, {"noeviction", 8}}, 8),
		enumeration("appendfsync", "", 0, []enumValue{{"everysec", 2}, {"always", 1}, {"no", 0}}, 2),
		enumeration("oom-score-adj", "", 0, []enumValue{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}, 0),
		enumeration("acl-pubsub-default", "", 0, []enumValue{{"allchannels", 1}, {"resetchannels", 0}}, 0),
		enumeration("sanitize-dump-payload", "", 0, []enumValue{{"no", 0}, {"yes", 1}, {"clients", 2}}, 0),
		enumeration("enable-protected-configs", "", immutable, protectedAction, 0),
		enumeration("enable-debug-command", "", immutable, protectedAction, 0),
		enumeration("enable-module-command", "", immutable, protectedAction, 0),
		enumeration("cluster-preferred-endpoint-type", "", 0, []enumValue{{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}, 0),
		enumeration("propagation-error-behavior", "", 0, []enumValue{{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}, 0),
		withCheck(enumeration("shutdown-on-sigint", "", multiArg|bitflags, shutdownFlags, 0), checkShutdownFlags),
		withCheck(enumeration("shutdown-on-sigterm", "", multiArg|bitflags, shutdownFlags, 0), checkShutdownFlags),
		enumeration("tls-auth-clients", "", 0, []enumValue{{"no", 0}, {"yes", 1}, {"optional", 2}}, 1),

		number("databases", "", immutable, 1, intMax, 16),
		number("port", "", 0, 0, 65535, 6379),
		number("io-threads", "", immutable, 1, 128, 1),
		number("auto-aof-rewrite-percentage", "", 0, 0, intMax, 100),
		number("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, intMax, 10),
		number("list-max-listpack-size", "list-max-ziplist-size", 0, intMin, intMax, -2),
		number("tcp-keepalive", "", 0, 0, intMax, 300),
		number("cluster-migration-barrier", "", 0, 0, intMax, 1),
		number("active-defrag-cycle-min", "", 0, 1, 99, 1),
		number("active-defrag-cycle-max", "", 0, 1, 99, 25),
		number("active-defrag-threshold-lower", "", 0, 0, 1000, 10),
		number("active-defrag-threshold-upper", "", 0, 0, 1000, 100),
		number("lfu-log-factor", "", 0, 0, intMax, 10),
		number("lfu-decay-time", "", 0, 0, intMax, 1),
		number("replica-priority", "slave-priority", 0, 0, intMax, 100),
		number("repl-diskless-sync-delay", "", 0, 0, intMax, 5),
		number("maxmemory-samples", "", 0, 1, intMax, 5),
		number("maxmemory-eviction-tenacity", "", 0, 0, 100, 10),
		number("timeout", "", 0, 0, intMax, 0),
		number("replica-announce-port", "slave-announce-port", 0, 0, 65535, 0),
		number("tcp-backlog", "", immutable, 0, intMax, 511),
		number("cluster-port", "", immutable, 0, 65535, 0),
		number("cluster-announce-bus-port", "", 0, 0, 65535, 0),
		number("cluster-announce-port", "", 0, 0, 65535, 0),
		number("cluster-announce-tls-port", "", 0, 0, 65535, 0),
		number("repl-timeout", "", 0, 1, intMax, 60),
		number("repl-ping-replica-period", "repl-ping-slave-period", 0, 1, intMax, 10),
		number("list-compress-depth", "", 0, 0, intMax, 0),
		number("rdb-key-save-delay", "", hidden, intMin, intMax, 0),
		number("key-load-delay", "", hidden, intMin, intMax, 0),
		number("active-expire-effort", "", 0, 1, 10, 1),
		number("hz", "", 0, 0, intMax, 10),
		number("min-replicas-to-write", "min-slaves-to-write", 0, 0, intMax, 0),
		number("min-replicas-max-lag", "min-slaves-max-lag", 0, 0, intMax, 10),
		number("watchdog-period", "", hidden, 0, intMax, 0),
		number("shutdown-timeout", "", 0, 0, intMax, 10),
		number("repl-diskless-sync-max-replicas", "", 0, 0, intMax, 0),
		number("tls-port", "", 0, 0, 65535, 0),
		number("tls-session-cache-size", "", 0, 0, intMax, 20*1024),
		number("tls-session-cache-timeout", "", 0, 0, intMax, 300),
		number("maxclients", "", unsigned, 1, uintMax, 10000),
		number("unixsocketperm", "", immutable|unsigned|octal, 0, 0o777, 0),
		number("socket-mark-id", "", immutable|unsigned, 0, uintMax, 0),
		number("active-defrag-max-scan-fields", "", 0, 1, longMax, 1000),
		number("slowlog-max-len", "", 0, 0, longMax, 128),
		number("acllog-max-len", "", 0, 0, longMax, 128),
		number("busy-reply-threshold", "lua-time-limit", 0, 0, longMax, 5000),
		number("cluster-node-timeout", "", 0, 0, longMax, 15000),
		number("slowlog-log-slower-than", "", 0, -1, longMax, 10000),
		number("latency-monitor-threshold", "", 0, 0, longMax, 0),
		number("proto-max-bulk-len", "", memory, mb, longMax, 512*mb),
		number("stream-node-max-entries", "", 0, 0, longMax, 100),
		number("repl-backlog-size", "", memory, 1, longMax, mb),
		number("maxmemory", "", memory|unsigned, 0, ullMax, 0),
		number("cluster-link-sendbuf-limit", "", memory|unsigned, 0, ullMax, 0),
		number("hash-max-listpack-entries", "hash-max-ziplist-entries", unsigned, 0, longMax, 512),
		number("set-max-intset-entries", "", unsigned, 0, longMax, 512),
		number("zset-max-listpack-entries", "zset-max-ziplist-entries", unsigned, 0, longMax, 128),
		number("active-defrag-ignore-bytes", "", memory|unsigned, 1, longMax, 100*mb),
		number("hash-max-listpack-value", "hash-max-ziplist-value", memory|unsigned, 0, longMax, 64),
		number("stream-node-max-bytes", "", memory|unsigned, 0, longMax, 4096),
		number("zset-max-listpack-value", "zset-max-ziplist-value", memory|unsigned, 0, longMax, 64),
		number("hll-sparse-max-bytes", "", memory|unsigned, 0, longMax, 3000),
		number("tracking-table-max-keys", "", unsigned, 0, longMax, 1000000),
		number("client-query-buffer-limit", "", memory|unsigned, mb, longMax, 1024*mb),
		number("maxmemory-clients", "", memory|percent, -100, longMax, 0),
		number("repl-backlog-ttl", "", 0, 0, longMax, 3600),
		number("auto-aof-rewrite-min-size", "", memory, 0, longMax, 64*mb),
		number("loading-process-events-interval-bytes", "", hidden, 1024, intMax, 2*mb),

		special("dir", "", kindDir, protected, value{}),
		special("save", "", kindSave, multiArg, words("3600", "1", "300", "100", "60", "10000")),
		special("client-output-buffer-limit", "", kindOutputLimit, multiArg,
			words("normal", "0", "0", "0", "slave", "268435456", "67108864", "60", "pubsub", "33554432", "8388608", "60")),
		special("oom-score-adj-values", "", kindOOMValues, multiArg, words("0", "200", "800")),
		special("notify-keyspace-events", "", kindNotify, 0, value{}),
		special("bind", "", kindBind, multiArg, words("127.0.0.1", "-::1")),
		special("replicaof", "slaveof", kindReplicaOf, immutable|multiArg, words()),
		special("latency-tracking-info-percentiles", "", kindPercentiles, multiArg, words("50", "99", "99.9")),

		special("include", "", kindFileOnly, 0, value{}),
		special("rename-command", "", kindFileOnly, 0, value{}),
		// Redoubt's own host-hardening directives; Redis has no equivalent (docs/SECURITY.md).
		boolean("refuse-root", "", immutable, false),
		str("run-as-user", "", immutable|emptyIsNull, ""),
		number("auth-max-failures", "", 0, 0, intMax, 10),
		str("tls-auth-clients-user", "", 0, "off"),
		number("tls-auto-reload-interval", "", 0, 0, 86400, 10),
		number("auth-lockout-seconds", "", 0, 1, 86400, 60),
		// Lua has no allocator hook in gopher-lua: scripts are stopped past this much heap growth.
		number("script-max-memory", "", memory, 0, longMax, 256*mb),
		special("user", "", kindFileOnly, sensitive, value{}),
		special("loadmodule", "", kindFileOnly, 0, value{}),
		special("sentinel", "", kindFileOnly, 0, value{}),
	}
	for i, d := range all {
		d.idx = i
		if d.kind == kindFileOnly {
			fileTag[d.name] = d
			continue
		}
		register(&nameEntry{name: d.name, d: d})
		if d.alias != "" {
			register(&nameEntry{name: d.alias, d: d, alias: true})
		}
	}
	table = all
	sort.Slice(names, func(i, j int) bool { return names[i].name < names[j].name })

	MarkImplemented(
		"bind", "port", "protected-mode", "tcp-backlog", "timeout", "tcp-keepalive",
		"unixsocket", "unixsocketperm", "daemonize", "pidfile", "loglevel", "logfile",
		"databases", "maxclients", "hz", "dynamic-hz", "proto-max-bulk-len",
		"client-query-buffer-limit", "client-output-buffer-limit", "enable-debug-command",
		"enable-protected-configs", "requirepass", "dir", "dbfilename", "save",
		"slowlog-log-slower-than", "slowlog-max-len",
		"lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del",
		"lazyfree-lazy-user-del", "lazyfree-lazy-user-flush",
		"latency-tracking", "include", "always-show-logo", "set-proc-title",
		"proc-title-template", "supervised", "crash-log-enabled", "crash-memcheck-enabled",
		"io-threads", "io-threads-do-reads", "oom-score-adj", "oom-score-adj-values", "disable-thp",
		"hash-max-listpack-entries", "hash-max-listpack-value", "zset-max-listpack-entries",
		"zset-max-listpack-value", "list-max-listpack-size", "set-max-intset-entries",
		"list-compress-depth", "stream-node-max-bytes", "stream-node-max-entries",
		"hll-sparse-max-bytes", "activerehashing", "active-expire-effort",
		"refuse-root", "run-as-user", "auth-max-failures", "auth-lockout-seconds",
		"tls-auth-clients-user", "tls-auto-reload-interval", "script-max-memory",
	)
}

func register(e *nameEntry) {
	if _, dup := byName[e.name]; dup {
		panic("config: duplicate directive " + e.name)
	}
	byName[e.name] = e
	names = append(names, e)
}

// directiveNamed finds a directive by its name, an alias, or a file-only name.
func directiveNamed(name string) *directive {
	name = ascii.Lower(name)
	if e := byName[name]; e != nil {
		return e.d
	}
	return fileTag[name]
}

// redoubtOnly names the directives Redoubt adds; Redis does not know them, so the
// differential tests leave them out.
var redoubtOnly = map[string]bool{"refuse-root": true, "run-as-user": true, "auth-max-failures": true, "auth-lockout-seconds": true,
	"tls-auth-clients-user": true, "tls-auto-reload-interval": true, "script-max-memory": true}

// MarkImplemented declares directives as handled by Redoubt, so that non-default values
// are accepted from redis.conf, the command line and CONFIG SET. Packages call it from init
// for the directives they implement. It panics on an unknown name.
func MarkImplemented(names ...string) {
	for _, n := range names {
		d := directiveNamed(n)
		if d == nil {
			panic("config: MarkImplemented of unknown directive " + n)
		}
		d.implemented.Store(true)
	}
}

// Sensitive reports whether a directive's value must be kept out of logs, the slow log and
// MONITOR (requirepass, masterauth, masteruser, the TLS key passphrases, user).
func Sensitive(name string) bool {
	d := directiveNamed(name)
	return d != nil && d.flags&sensitive != 0
}
