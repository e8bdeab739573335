// Package logging writes the server log in Redis's line format behind log/slog, honours
// loglevel, and reopens the log file on demand so logrotate's move-and-signal works.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// Redis's four levels. slog's Debug and Info sit at -4 and 0; verbose goes between them.
const (
	LevelDebug   = slog.LevelDebug
	LevelVerbose = slog.Level(-2)
	LevelNotice  = slog.LevelInfo
	LevelWarning = slog.LevelWarn
)

// ParseLevel maps a loglevel directive value to a level.
func ParseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "debug":
		return LevelDebug, true
	case "verbose":
		return LevelVerbose, true
	case "notice":
		return LevelNotice, true
	case "warning":
		return LevelWarning, true
	}
	return 0, false
}

// Sink is the log destination: stdout, or a file opened in append mode (so copytruncate
// rotation works) and reopened by Reopen (so move-and-SIGHUP rotation works).
type Sink struct {
	mu    sync.Mutex
	path  string
	w     io.Writer
	f     *os.File
	level slog.LevelVar
	role  byte // 'M' for a master, as Redis prints
}

// NewSink opens path ("" = stdout).
func NewSink(path string, level slog.Level) (*Sink, error) {
	s := &Sink{role: 'M'}
	s.level.Set(level)
	if err := s.open(path); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sink) open(path string) error {
	if path == "" {
		s.path, s.w, s.f = "", os.Stdout, nil
		return nil
	}
	// Owner-only regardless of umask: logs can hold client addresses and key names.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("can't open the log file: %w", err)
	}
	s.path, s.w, s.f = path, f, f
	return nil
}

// Reopen closes and reopens the log file (SIGHUP, CONFIG SET logfile).
func (s *Sink) Reopen(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.f
	if err := s.open(path); err != nil {
		return err
	}
	if old != nil {
		old.Close()
	}
	return nil
}

// Path is the current log file path ("" for stdout).
func (s *Sink) Path() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.path
}

// SetLevel changes the minimum level at runtime.
func (s *Sink) SetLevel(l slog.Level) { s.level.Set(l) }

// Logger returns a slog.Logger writing to this sink.
func (s *Sink) Logger() *slog.Logger { return slog.New(&handler{sink: s}) }

type handler struct {
	sink  *Sink
	attrs []slog.Attr
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.sink.level.Level() }

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &handler{sink: h.sink, attrs: append(append([]slog.Attr{}, h.attrs...), as...)}
}

func (h *handler) WithGroup(string) slog.Handler { return h }

// Handle writes "pid:M 27 Nov 2026 02:20:36.123 * message key=value", the shape Redis uses,
// so existing log parsers and the tools that wait for "Ready to accept connections" work.
func (h *handler) Handle(_ context.Context, r slog.Record) error {
	mark := byte('*')
	switch {
	case r.Level < LevelVerbose:
		mark = '.'
	case r.Level < LevelNotice:
		mark = '-'
	case r.Level >= LevelWarning:
		mark = '#'
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d:%c %s %c %s", os.Getpid(), h.sink.role, r.Time.Format("02 Jan 2006 15:04:05.000"), mark, r.Message)
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	_, err := io.WriteString(h.sink.w, b.String())
	return err
}
