package aof

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// Handler executes what Load reads. The loader owns parsing, ordering and truncation.
type Handler interface {
	// BeginFile is called before each file is replayed. Its commands run as from a new
	// client, in database 0: Redis replays every file with a fresh fake client.
	BeginFile(name string)
	// LoadRDB loads an RDB preamble: a base file in RDB format, or the head of a legacy
	// file. r holds exactly the RDB bytes.
	LoadRDB(r io.Reader) error
	// Exec runs one command (SELECT included). The commands of a MULTI arrive once its EXEC
	// has been read, without the MULTI and EXEC. An error stops loading.
	Exec(args [][]byte) error
}

// LoadInfo describes what Load found and replayed.
type LoadInfo struct {
	Existed  bool      // there was an AOF (possibly empty)
	Legacy   bool      // a pre-7.0 single file; Open moves it into the directory
	Manifest *Manifest // the manifest read; nil for a legacy file or nothing
	Files    []string  // the files replayed, in order
	Commands int64     // commands executed (SELECT included, MULTI/EXEC not)
	// BaseSize and TotalSize are the sizes of the base and of base plus incr files, after
	// any truncation (INFO's aof_base_size and aof_current_size start from them).
	BaseSize, TotalSize int64
	// Truncated describes the torn tail cut off the last file, nil when there was none.
	Truncated *CorruptError
}

// fileRef is one file to replay.
type fileRef struct {
	name     string // as logged and listed
	path     string
	preamble bool // may start with an RDB
}

// Load replays the AOF that cfg points at into h: the manifest's base then its incr files
// in order, or a legacy single file. A torn tail of the last file (the file ends inside a
// command, or inside a MULTI without EXEC) is cut off when truncatedOK (aof-load-truncated)
// is set, with a warning and the file truncated to its last complete command so appends
// continue cleanly; otherwise, and for any other damage, Load fails with the file, the
// offset and the hint to run check-aof --fix.
func Load(cfg Config, truncatedOK bool, h Handler) (LoadInfo, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return LoadInfo{}, err
	}
	lay, err := detect(&c)
	if err != nil {
		return LoadInfo{}, err
	}
	var files []fileRef
	info := LoadInfo{}
	switch lay.kind {
	case layoutNone:
		return info, nil
	case layoutLegacy:
		info.Legacy = true
		files = []fileRef{{name: c.FileName, path: c.legacyPath(), preamble: true}}
	case layoutManifest:
		info.Manifest = lay.m
		if b := lay.m.Base; b != nil {
			files = append(files, fileRef{name: b.Name, path: c.path(b.Name), preamble: true})
		}
		for _, fi := range lay.m.Incrs {
			files = append(files, fileRef{name: fi.Name, path: c.path(fi.Name)})
		}
	}
	info.Existed = true
	// Every listed file must exist before anything is replayed.
	for _, f := range files {
		if ok, err := isFile(c.FS, f.path); err != nil {
			return info, err
		} else if !ok {
			return info, fmt.Errorf("aof: %s is listed in the manifest but does not exist", f.path)
		}
	}
	ld := loader{c: &c, h: h, truncatedOK: truncatedOK, info: &info}
	for i, f := range files {
		size, err := ld.file(f, i == len(files)-1)
		if err != nil {
			return info, err
		}
		info.Files = append(info.Files, f.name)
		info.TotalSize += size
		if f.preamble {
			info.BaseSize = size
		}
	}
	return info, nil
}

type loader struct {
	c           *Config
	h           Handler
	truncatedOK bool
	info        *LoadInfo
}

// file replays one file and returns its size after any truncation.
func (ld *loader) file(ref fileRef, last bool) (int64, error) {
	f, err := ld.c.FS.OpenFile(ref.path, os.O_RDONLY, 0)
	if err != nil {
		return 0, fmt.Errorf("aof: can't open the append log file %s for reading: %w", ref.name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("aof: %s: %w", ref.name, err)
	}
	size := st.Size()
	ld.h.BeginFile(ref.name)
	if size == 0 {
		return 0, nil
	}
	start := int64(0)
	if ref.preamble {
		if start, err = ld.preamble(f, ref.name, size); err != nil {
			return 0, err
		}
	}
	sc := newScanner(io.NewSectionReader(f, start, size-start), ref.name, start, size)
	res, err := sc.replay(func(args [][]byte) error { return ld.h.Exec(args) })
	ld.info.Commands += res.Commands
	var ce *CorruptError
	if !errors.As(err, &ce) || !ce.Truncated {
		return size, err
	}
	if !last {
		ce.Msg += "; the truncated file is not the last file, so this is not a torn write"
		return size, ce
	}
	if !ld.truncatedOK {
		ce.Msg += "; set aof-load-truncated yes to load the valid part"
		return size, ce
	}
	if err := ld.truncate(ref, ce); err != nil {
		return size, err
	}
	return ce.ValidUpTo, nil
}

// preamble loads the RDB a base or legacy file starts with, if any, and returns where the
// commands after it begin.
func (ld *loader) preamble(f File, name string, size int64) (int64, error) {
	isRDB, err := hasRDBMagic(f)
	if err != nil {
		return 0, fmt.Errorf("aof: %s: %w", name, err)
	}
	if !isRDB {
		return 0, nil
	}
	ld.c.logf("notice", "Reading RDB preamble from AOF file %s...", name)
	end, err := findPreamble(f, name, size)
	if err != nil {
		return 0, err
	}
	if err := ld.h.LoadRDB(io.NewSectionReader(f, 0, end)); err != nil {
		return 0, fmt.Errorf("aof: %s: error reading the RDB preamble, AOF loading aborted: %w", name, err)
	}
	return end, nil
}

// findPreamble locates the end of the RDB at the start of f.
func findPreamble(f File, name string, size int64) (int64, error) {
	end, err := rdbEnd(io.NewSectionReader(f, 0, size), func(end int64) bool {
		b := make([]byte, end)
		if _, err := f.ReadAt(b, 0); err != nil {
			return false
		}
		return rdb.LoadBytes(b, rdb.Options{}, func(int, string, keyspace.Object, int64) error { return nil }) == nil
	})
	if errors.Is(err, errNoRDBEnd) {
		return 0, &CorruptError{File: name, Offset: size, Msg: err.Error()}
	}
	if err != nil {
		return 0, fmt.Errorf("aof: %s: %w", name, err)
	}
	return end, nil
}

// truncate cuts the torn tail off the last file so that appends continue after its last
// complete command.
func (ld *loader) truncate(ref fileRef, ce *CorruptError) error {
	ld.c.logf("warning", "!!! Warning: short read while loading the AOF file %s!!! (%s at offset %d)", ref.name, ce.Msg, ce.Offset)
	ld.c.logf("warning", "!!! Truncating the AOF %s at offset %d !!!", ref.name, ce.ValidUpTo)
	f, err := ld.c.FS.OpenFile(ref.path, os.O_WRONLY, 0)
	if err == nil {
		err = f.Truncate(ce.ValidUpTo)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("aof: error truncating the AOF file %s at offset %d: %w", ref.name, ce.ValidUpTo, err)
	}
	ld.c.logf("warning", "AOF %s loaded anyway because aof-load-truncated is enabled", ref.name)
	ld.info.Truncated = ce
	return nil
}
