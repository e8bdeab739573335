package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitFile polls until path exists (and, with substr, contains it) or the deadline passes.
func waitFile(t *testing.T, path, substr string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), substr) {
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never contained %q", path, substr)
	return ""
}

// TestDaemonizePidfileAndLogRotation starts the server the way an init script does
// (daemonize, pidfile, logfile), rotates the log the logrotate way (move, then SIGHUP) and
// stops it with SIGTERM: the pid file is owner-only and removed at exit, and the new log
// file is created at the configured path.
func TestDaemonizePidfileAndLogRotation(t *testing.T) {
	dir := t.TempDir()
	pidfile, logfile := filepath.Join(dir, "redoubt.pid"), filepath.Join(dir, "redoubt.log")
	port := freePort(t)
	cmd := exec.Command(redoubtBin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--daemonize", "yes", "--pidfile", pidfile, "--logfile", logfile)
	cmd.Dir = dir // the daemon saves dump.rdb in its working directory at SIGTERM
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("daemonize: the parent must exit 0: %v %s", err, out)
	}
	pidText := waitFile(t, pidfile, "\n", 5*time.Second)
	pid, err := strconv.Atoi(strings.TrimSpace(pidText))
	if err != nil {
		t.Fatalf("pid file %q", pidText)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if st, _ := os.Stat(pidfile); st.Mode().Perm() != 0o600 {
		t.Errorf("pid file mode %04o, want 0600", st.Mode().Perm())
	}
	waitFile(t, logfile, "Ready to accept connections", 5*time.Second)
	if st, _ := os.Stat(logfile); st.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %04o, want 0600", st.Mode().Perm())
	}
	if got := dial(t, "127.0.0.1:"+strconv.Itoa(port)).do("PING"); got != "+PONG\r\n" {
		t.Fatalf("daemon PING: %q", got)
	}

	if err := os.Rename(logfile, logfile+".1"); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(pid, syscall.SIGHUP)
	// Signals are not delivered in order: wait for the reopened file before asking to stop.
	waitFile(t, logfile, "", 5*time.Second)
	syscall.Kill(pid, syscall.SIGTERM)
	waitFile(t, logfile, "ready to exit", 5*time.Second)
	for i := 0; i < 250 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Fatal("SIGTERM did not stop the daemon")
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
}

// TestRepeatedSignalsSaveOnce: impatient Ctrl-C presses during the shutdown save must not
// start a second save that the exit cuts short, leaving a temporary file behind.
func TestRepeatedSignalsSaveOnce(t *testing.T) {
	dir := t.TempDir()
	p := startRedoubt(t, "--dir", dir)
	dial(t, p.addr).do("SET", "k", "v")
	for i := 0; i < 3; i++ {
		p.cmd.Process.Signal(syscall.SIGINT)
	}
	if code := p.wait(t, startTimeout); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "dump.rdb" {
		t.Fatalf("files after shutdown: %v, want only dump.rdb", names)
	}
}
