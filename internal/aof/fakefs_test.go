package aof

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"
)

// memFS is an in-memory FS that records what happens and injects faults: a space limit
// (ENOSPC with a short write), fsync errors, a gate that holds fsyncs, and a hook that can
// fail any operation (a crash point: every operation after it fails).
type memFS struct {
	mu     sync.Mutex
	files  map[string]*memFile
	dirs   map[string]bool
	events []fsEvent

	space     int64 // bytes the files may hold in total; <0 is unlimited
	syncErr   error // returned by File.Sync while set
	syncGate  chan struct{}
	syncDelay time.Duration
	// hook is called before each operation; an error fails it.
	hook func(op, path string) error
	ops  int
}

type memFile struct {
	data   []byte
	synced int // length known to be on disk
	syncs  int
}

type fsEvent struct {
	op   string // write, sync, truncate, rename, remove, create
	path string
	size int // file size after the operation
}

func newMemFS() *memFS {
	return &memFS{files: map[string]*memFile{}, dirs: map[string]bool{".": true, "/": true}, space: -1}
}

func (m *memFS) enter(op, path string) error {
	m.ops++
	if m.hook != nil {
		return m.hook(op, path)
	}
	return nil
}

func (m *memFS) used() int64 {
	var n int64
	for _, f := range m.files {
		n += int64(len(f.data))
	}
	return n
}

func notExist(op, path string) error { return &fs.PathError{Op: op, Path: path, Err: fs.ErrNotExist} }

func (m *memFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if err := m.enter("open", name); err != nil {
		return nil, err
	}
	if !m.dirs[filepath.Dir(name)] {
		return nil, notExist("open", name)
	}
	f := m.files[name]
	if f == nil {
		if flag&os.O_CREATE == 0 {
			return nil, notExist("open", name)
		}
		f = &memFile{}
		m.files[name] = f
		m.events = append(m.events, fsEvent{"create", name, 0})
	}
	if flag&os.O_TRUNC != 0 {
		f.data, f.synced = f.data[:0], 0
	}
	return &memHandle{fs: m, name: name, f: f, flag: flag}, nil
}

func (m *memFS) Rename(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	oldpath, newpath = filepath.Clean(oldpath), filepath.Clean(newpath)
	if err := m.enter("rename", newpath); err != nil {
		return err
	}
	f := m.files[oldpath]
	if f == nil || !m.dirs[filepath.Dir(newpath)] {
		return notExist("rename", oldpath)
	}
	delete(m.files, oldpath)
	m.files[newpath] = f
	m.events = append(m.events, fsEvent{"rename", newpath, len(f.data)})
	return nil
}

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if err := m.enter("remove", name); err != nil {
		return err
	}
	if m.files[name] == nil {
		return notExist("remove", name)
	}
	delete(m.files, name)
	m.events = append(m.events, fsEvent{"remove", name, 0})
	return nil
}

func (m *memFS) MkdirAll(path string, perm fs.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	path = filepath.Clean(path)
	if err := m.enter("mkdir", path); err != nil {
		return err
	}
	for p := path; !m.dirs[p]; p = filepath.Dir(p) {
		m.dirs[p] = true
	}
	return nil
}

func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if err := m.enter("stat", name); err != nil {
		return nil, err
	}
	if m.dirs[name] {
		return memInfo{name: filepath.Base(name), dir: true}, nil
	}
	if f := m.files[name]; f != nil {
		return memInfo{name: filepath.Base(name), size: int64(len(f.data))}, nil
	}
	return nil, notExist("stat", name)
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if err := m.enter("readdir", name); err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for p, f := range m.files {
		if filepath.Dir(p) == name {
			out = append(out, fs.FileInfoToDirEntry(memInfo{name: filepath.Base(p), size: int64(len(f.data))}))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

func (m *memFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.enter("syncdir", filepath.Clean(dir))
}

// note records an event of the test's own, in order with the filesystem's.
func (m *memFS) note(op, path string, size int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, fsEvent{op, filepath.Clean(path), size})
}

// content returns a copy of a file's bytes, nil when it does not exist.
func (m *memFS) content(name string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.files[filepath.Clean(name)]; f != nil {
		return append([]byte{}, f.data...)
	}
	return nil
}

func (m *memFS) put(name string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	for p := filepath.Dir(name); !m.dirs[p]; p = filepath.Dir(p) {
		m.dirs[p] = true
	}
	m.files[name] = &memFile{data: append([]byte{}, data...)}
}

// names lists the files under dir.
func (m *memFS) names(dir string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for p := range m.files {
		if filepath.Dir(p) == filepath.Clean(dir) {
			out = append(out, filepath.Base(p))
		}
	}
	sort.Strings(out)
	return out
}

// clone is the state a restarted process finds: every completed operation, no handles.
func (m *memFS) clone() *memFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemFS()
	for p, f := range m.files {
		c.files[p] = &memFile{data: append([]byte{}, f.data...), synced: f.synced}
	}
	for d := range m.dirs {
		c.dirs[d] = true
	}
	return c
}

func (m *memFS) syncedLen(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.files[filepath.Clean(name)]; f != nil {
		return f.synced
	}
	return -1
}

func (m *memFS) syncCount(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.files[filepath.Clean(name)]; f != nil {
		return f.syncs
	}
	return 0
}

type memHandle struct {
	fs     *memFS
	name   string
	f      *memFile
	flag   int
	off    int64
	closed bool
}

func (h *memHandle) Read(p []byte) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.off >= int64(len(h.f.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.f.data[h.off:])
	h.off += int64(n)
	return n, nil
}

func (h *memHandle) ReadAt(p []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if off >= int64(len(h.f.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (h *memHandle) Write(p []byte) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return 0, os.ErrClosed
	}
	if err := h.fs.enter("write", h.name); err != nil {
		return 0, err
	}
	if h.flag&os.O_APPEND != 0 {
		h.off = int64(len(h.f.data))
	}
	n, err := len(p), error(nil)
	if h.fs.space >= 0 {
		if free := h.fs.space - h.fs.used(); int64(n) > free {
			n, err = int(max(free, 0)), &fs.PathError{Op: "write", Path: h.name, Err: syscall.ENOSPC}
		}
	}
	end := h.off + int64(n)
	for int64(len(h.f.data)) < end {
		h.f.data = append(h.f.data, 0)
	}
	copy(h.f.data[h.off:], p[:n])
	h.off = end
	h.fs.events = append(h.fs.events, fsEvent{"write", h.name, len(h.f.data)})
	return n, err
}

func (h *memHandle) Seek(offset int64, whence int) (int64, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	switch whence {
	case io.SeekStart:
		h.off = offset
	case io.SeekCurrent:
		h.off += offset
	case io.SeekEnd:
		h.off = int64(len(h.f.data)) + offset
	}
	return h.off, nil
}

func (h *memHandle) Sync() error {
	h.fs.mu.Lock()
	gate, delay := h.fs.syncGate, h.fs.syncDelay
	h.fs.mu.Unlock()
	if gate != nil {
		<-gate
	}
	time.Sleep(delay)
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return os.ErrClosed
	}
	if err := h.fs.enter("sync", h.name); err != nil {
		return err
	}
	h.f.syncs++
	if h.fs.syncErr != nil {
		return h.fs.syncErr
	}
	h.f.synced = len(h.f.data)
	h.fs.events = append(h.fs.events, fsEvent{"sync", h.name, len(h.f.data)})
	return nil
}

func (h *memHandle) Truncate(size int64) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.fs.enter("truncate", h.name); err != nil {
		return err
	}
	if size < int64(len(h.f.data)) {
		h.f.data = h.f.data[:size]
	}
	h.f.synced = min(h.f.synced, int(size))
	h.fs.events = append(h.fs.events, fsEvent{"truncate", h.name, len(h.f.data)})
	return nil
}

func (h *memHandle) Stat() (fs.FileInfo, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	return memInfo{name: filepath.Base(h.name), size: int64(len(h.f.data))}, nil
}

func (h *memHandle) Close() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return os.ErrClosed
	}
	h.closed = true
	return nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o700
	}
	return 0o600
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

// failAfter returns a hook failing every operation but stat and readdir after the first
// n: a crash at that point.
func failAfter(n int) func(op, path string) error {
	count := 0
	return func(op, path string) error {
		if op == "stat" || op == "readdir" {
			return nil
		}
		if count++; count > n {
			return &fs.PathError{Op: op, Path: path, Err: syscall.EIO}
		}
		return nil
	}
}
