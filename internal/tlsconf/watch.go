package tlsconf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ExpiryWarningWindow is how close to its expiry the served certificate must be for
// Watch to start warning (once a day).
const ExpiryWarningWindow = 30 * 24 * time.Hour

// fingerprint identifies the state of every file s names: path, size, modification time
// and inode (so that a rename over the file, or Kubernetes swapping a symlinked directory,
// is seen even when size and time match). Files are stat'ed through symlinks.
func fingerprint(s Settings) string {
	var b strings.Builder
	add := func(path string) {
		fi, err := os.Stat(path)
		if err != nil {
			fmt.Fprintf(&b, "%s:missing;", path)
			return
		}
		fmt.Fprintf(&b, "%s:%d:%d:%d;", path, fi.Size(), fi.ModTime().UnixNano(), inode(fi))
	}
	for _, p := range []string{s.CertFile, s.KeyFile, s.ClientCertFile, s.ClientKeyFile, s.CACertFile, s.DHParamsFile} {
		if p != "" {
			add(p)
		}
	}
	if s.CACertDir != "" {
		add(s.CACertDir)
		if entries, err := os.ReadDir(s.CACertDir); err == nil {
			for _, e := range entries {
				add(filepath.Join(s.CACertDir, e.Name()))
			}
		}
	}
	return b.String()
}

// Watch polls the files of the current settings every interval (a second when interval <=
// 0) until ctx is done, and reloads when they change: certificate rotation without a
// restart or a CONFIG SET. A change is acted on once it has been stable for one interval,
// so that a rotation that writes the certificate and the key one after the other is
// usually picked up as a whole. A reload that fails keeps the current certificate and is
// logged, and is retried only when the files change again. Watch also logs, once a day,
// when the served certificate expires within ExpiryWarningWindow. logf may be nil. Watch
// blocks: run it in its own goroutine.
func (m *Manager) Watch(ctx context.Context, interval time.Duration, logf func(format string, args ...any)) {
	if interval <= 0 {
		interval = time.Second
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var pending, failed string
	var warnedSerial string
	var warnedAt time.Time
	for {
		m.expiryWarning(logf, &warnedSerial, &warnedAt)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := m.cur.Load()
		fp := fingerprint(cur.settings)
		if fp == cur.fingerprint || fp == failed {
			pending = ""
			continue
		}
		if fp != pending {
			pending = fp // changed since the last look: wait for it to settle
			continue
		}
		pending = ""
		reloaded, err := m.reloadIfCurrent(cur)
		if err != nil {
			failed = fp
			leaf := cur.leaf
			logf("TLS files changed but could not be reloaded; still serving the certificate with serial %s (expires %s): %v",
				leaf.SerialNumber.Text(16), leaf.NotAfter.UTC().Format(time.RFC3339), err)
			continue
		}
		failed = ""
		if !reloaded {
			continue // a concurrent Reload already replaced cur
		}
		leaf := m.Certificate()
		logf("TLS files changed: reloaded %s (serial %s, expires %s)",
			cur.settings.CertFile, leaf.SerialNumber.Text(16), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
}

// reloadIfCurrent reloads with cur's settings unless another reload got there first.
func (m *Manager) reloadIfCurrent(cur *generation) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur.Load() != cur {
		return false, nil
	}
	g, err := m.build(cur.settings)
	if err != nil {
		return false, err
	}
	m.cur.Store(g)
	return true, nil
}

func (m *Manager) expiryWarning(logf func(string, ...any), serial *string, at *time.Time) {
	leaf := m.Certificate()
	now := m.now()
	left := leaf.NotAfter.Sub(now)
	if left > ExpiryWarningWindow {
		return
	}
	s := leaf.SerialNumber.Text(16)
	if s == *serial && now.Sub(*at) < 24*time.Hour {
		return
	}
	*serial, *at = s, now
	if left <= 0 {
		logf("WARNING: the TLS certificate (serial %s) EXPIRED at %s; clients will refuse it", s, leaf.NotAfter.UTC().Format(time.RFC3339))
		return
	}
	logf("WARNING: the TLS certificate (serial %s) expires at %s, in %d days", s, leaf.NotAfter.UTC().Format(time.RFC3339), int(left.Hours()/24))
}
