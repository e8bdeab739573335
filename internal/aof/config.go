// Package aof is Redis 7's multi-part append-only file: the layout on disk (a directory
// with a base file, incr files and a manifest, or a pre-7.0 single file), loading it, the
// group-commit writer the server appends to, the rewrite that replaces the base, and the
// offline check. It executes nothing itself: loaded commands go to a Handler, and the
// server feeds the writer the commands it executed.
package aof

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Fsync policies (appendfsync).
const (
	FsyncAlways   = "always"
	FsyncEverySec = "everysec"
	FsyncNo       = "no"
)

// Config places the log and sets its policies.
type Config struct {
	Dir      string // the server's dir; "" is the working directory
	DirName  string // appenddirname (default appendonlydir)
	FileName string // appendfilename (default appendonly.aof)
	// RDBPreamble (aof-use-rdb-preamble) names new base files .base.rdb instead of .base.aof;
	// the caller's base writer decides the content.
	RDBPreamble bool
	Timestamps  bool // aof-timestamp-enabled: "#TS:<unix>" annotations
	// IncrementalFsync (aof-rewrite-incremental-fsync) fsyncs a rewrite's new base every 4 MB.
	IncrementalFsync bool
	// NoFsyncOnRewrite (no-appendfsync-on-rewrite) suspends fsyncs while a rewrite runs.
	NoFsyncOnRewrite bool
	Fsync            string // always | everysec | no (default everysec); see Log.SetFsync
	FS               FS     // default OS
	// Log receives the server log lines; level is "notice" or "warning".
	Log func(level, msg string)
	// Now is the clock (default time.Now).
	Now func() time.Time

	// Timings, shortened by tests: the background loop's period (fsync under everysec), and
	// how long a write waits for a running fsync under everysec.
	tick, postponeLimit time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.DirName == "" {
		c.DirName = "appendonlydir"
	}
	if c.FileName == "" {
		c.FileName = "appendonly.aof"
	}
	if c.Fsync == "" {
		c.Fsync = FsyncEverySec
	}
	if err := checkFileName(c.DirName); err != nil {
		return c, fmt.Errorf("aof: appenddirname %q: %w", c.DirName, err)
	}
	if err := checkFileName(c.FileName); err != nil {
		return c, fmt.Errorf("aof: appendfilename %q: %w", c.FileName, err)
	}
	if !validFsync(c.Fsync) {
		return c, fmt.Errorf("aof: appendfsync %q: must be always, everysec or no", c.Fsync)
	}
	if c.FS == nil {
		c.FS = OS
	}
	if c.Log == nil {
		c.Log = func(string, string) {}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.tick == 0 {
		c.tick = time.Second
	}
	if c.postponeLimit == 0 {
		c.postponeLimit = 2 * time.Second
	}
	return c, nil
}

func validFsync(p string) bool { return p == FsyncAlways || p == FsyncEverySec || p == FsyncNo }

func (c *Config) dirPath() string                { return filepath.Join(c.Dir, c.DirName) }
func (c *Config) path(name string) string        { return filepath.Join(c.dirPath(), name) }
func (c *Config) legacyPath() string             { return filepath.Join(c.Dir, c.FileName) }
func (c *Config) manifestName() string           { return c.FileName + ".manifest" }
func (c *Config) tempPrefix() string             { return "temp-" + c.FileName + "." }
func (c *Config) logf(level, f string, a ...any) { c.Log(level, fmt.Sprintf(f, a...)) }

// layoutKind is what is on disk.
type layoutKind int

const (
	layoutNone     layoutKind = iota // nothing to load
	layoutLegacy                     // a pre-7.0 single file in Dir
	layoutManifest                   // a manifest listing a base and/or incr files
)

type layout struct {
	kind layoutKind
	m    *Manifest // the manifest read, if any (also for a half-finished legacy upgrade)
}

// detect finds the layout as Redis 7.0 does. A legacy file is used when there is no
// directory, no manifest (or one listing nothing), or when the manifest lists only the
// legacy name as base and that file is not in the directory yet: the upgrade wrote the
// manifest and stopped before moving the file.
func detect(c *Config) (layout, error) {
	dirOK, err := isDir(c.FS, c.dirPath())
	if err != nil {
		return layout{}, err
	}
	var m *Manifest
	if dirOK {
		if m, err = readManifest(c.FS, c.path(c.manifestName())); err != nil {
			return layout{}, err
		}
	}
	legacy, err := isFile(c.FS, c.legacyPath())
	if err != nil {
		return layout{}, err
	}
	empty := m == nil || (m.Base == nil && len(m.Incrs) == 0)
	if legacy {
		upgrading := false
		if !empty && m.Base != nil && len(m.Incrs) == 0 && m.Base.Name == c.FileName {
			moved, err := isFile(c.FS, c.path(c.FileName))
			if err != nil {
				return layout{}, err
			}
			upgrading = !moved
		}
		if empty || upgrading {
			return layout{kind: layoutLegacy, m: m}, nil
		}
	}
	if empty {
		return layout{kind: layoutNone, m: m}, nil
	}
	return layout{kind: layoutManifest, m: m}, nil
}

func isDir(fsys FS, path string) (bool, error) {
	st, err := fsys.Stat(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("aof: %w", err)
	}
	return st.IsDir(), nil
}

func isFile(fsys FS, path string) (bool, error) {
	st, err := fsys.Stat(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("aof: %w", err)
	}
	return st.Mode().IsRegular(), nil
}

// readManifest reads and parses a manifest; (nil, nil) when it does not exist.
func readManifest(fsys FS, path string) (*Manifest, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("aof: can't open the AOF manifest: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("aof: reading %s: %w", path, err)
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// writeManifest replaces the manifest atomically: a temp file, fsynced, renamed over the
// old one, and the directory fsynced so the rename (and any new file it lists) survives a
// crash.
func writeManifest(c *Config, m *Manifest) error {
	tmp := c.path("temp-" + c.manifestName())
	f, err := c.FS.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return fmt.Errorf("aof: can't open the temp AOF manifest: %w", err)
	}
	_, err = f.Write(m.Marshal())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = c.FS.Rename(tmp, c.path(c.manifestName()))
	}
	if err == nil {
		err = c.FS.SyncDir(c.dirPath())
	}
	if err != nil {
		_ = c.FS.Remove(tmp)
		return fmt.Errorf("aof: writing the AOF manifest: %w", err)
	}
	return nil
}
