package aof

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/redoubt/redoubt/internal/sdsargs"
	"math"
	"strconv"
	"strings"
)

// FileType is the role of a file in the manifest.
type FileType byte

const (
	TypeBase    FileType = 'b' // the snapshot the incr files apply to
	TypeHistory FileType = 'h' // replaced by a rewrite, waiting to be deleted
	TypeIncr    FileType = 'i' // commands appended after the base, replayed in seq order
)

// FileInfo is one line of the manifest.
type FileInfo struct {
	Name string
	Seq  int64
	Type FileType
}

// Manifest lists the files of a multi-part AOF, as Redis 7's <appendfilename>.manifest does.
type Manifest struct {
	Base    *FileInfo // nil when there is none
	History []FileInfo
	Incrs   []FileInfo // strictly increasing seq: the replay order
}

const (
	// maxManifestLine is Redis's MANIFEST_MAX_LINE: a line, newline included, must fit.
	maxManifestLine = 1024
	// maxManifestSize bounds what is read of a manifest; a real one is a few lines.
	maxManifestSize = 4 << 20
	// maxSeq keeps every "next seq" computation far from overflow.
	maxSeq = math.MaxInt64 / 2
)

// ManifestError is a manifest that cannot be used, with the line at fault (0 when the
// problem is not one line).
type ManifestError struct {
	Line int
	Text string
	Msg  string
}

func (e *ManifestError) Error() string {
	if e.Line == 0 {
		return "aof manifest: " + e.Msg
	}
	return fmt.Sprintf("aof manifest: line %d: %s: %q", e.Line, e.Msg, e.Text)
}

// ParseManifest parses a manifest with Redis 7.0's rules: one "file NAME seq N type T"
// line per file (keys in any order, case-insensitive, unknown keys ignored for forward
// compatibility), '#' comment lines, no blank lines, every line newline-terminated and at
// most 1024 bytes. It is stricter than Redis where Redis is unsafe: names must be plain file
// names (CVE-2025-27151), a name may appear once, and seq must be a plain positive number.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) == 0 {
		return nil, &ManifestError{Msg: "Found an empty AOF manifest"}
	}
	if len(b) > maxManifestSize {
		return nil, &ManifestError{Msg: fmt.Sprintf("larger than %d bytes", maxManifestSize)}
	}
	m := &Manifest{}
	names := map[string]bool{}
	for n := 1; len(b) > 0; n++ {
		i := bytes.IndexByte(b, '\n')
		if i < 0 || i+1 > maxManifestLine {
			return nil, &ManifestError{Line: n, Text: clip(string(b)), Msg: "line too long or not newline-terminated"}
		}
		raw := string(b[:i])
		b = b[i+1:]
		if strings.HasPrefix(raw, "#") {
			continue
		}
		fi, err := parseManifestLine(raw)
		if err != nil {
			return nil, &ManifestError{Line: n, Text: raw, Msg: err.Error()}
		}
		if names[fi.Name] {
			return nil, &ManifestError{Line: n, Text: raw, Msg: "file listed twice"}
		}
		names[fi.Name] = true
		if err := m.add(fi); err != nil {
			return nil, &ManifestError{Line: n, Text: raw, Msg: err.Error()}
		}
	}
	return m, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func (m *Manifest) add(fi FileInfo) error {
	switch fi.Type {
	case TypeBase:
		if m.Base != nil {
			return errors.New("Found duplicate base file information")
		}
		m.Base = &fi
	case TypeHistory:
		m.History = append(m.History, fi)
	case TypeIncr:
		if n := len(m.Incrs); n > 0 && fi.Seq <= m.Incrs[n-1].Seq {
			return errors.New("Found a non-monotonic sequence number")
		}
		m.Incrs = append(m.Incrs, fi)
	default:
		return errors.New("Unknown AOF file type")
	}
	return nil
}

func parseManifestLine(raw string) (FileInfo, error) {
	var fi FileInfo
	if strings.IndexByte(raw, 0) >= 0 {
		return fi, errors.New("NUL byte in line")
	}
	line := strings.Trim(raw, " \t\r\n")
	if line == "" {
		return fi, errors.New("Invalid AOF manifest file format")
	}
	args, err := sdsargs.Split(line)
	// At least the three pairs, and pairs only; more keys are allowed for forward compatibility.
	if err != nil || len(args) < 6 || len(args)%2 != 0 {
		return fi, errors.New("Invalid AOF manifest file format")
	}
	var haveName, haveSeq, haveType bool
	for i := 0; i < len(args); i += 2 {
		k, v := args[i], args[i+1]
		switch {
		case strings.EqualFold(k, "file"):
			if err := checkFileName(v); err != nil {
				return fi, err
			}
			fi.Name, haveName = v, true
		case strings.EqualFold(k, "seq"):
			seq, err := parseSeq(v)
			if err != nil {
				return fi, err
			}
			fi.Seq, haveSeq = seq, true
		case strings.EqualFold(k, "type"):
			if len(v) != 1 {
				return fi, errors.New("Unknown AOF file type")
			}
			fi.Type, haveType = FileType(v[0]), true
		}
	}
	if !haveName || !haveSeq || !haveType {
		return fi, errors.New("Invalid AOF manifest file format")
	}
	return fi, nil
}

func parseSeq(v string) (int64, error) {
	if v == "" || len(v) > 19 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, errors.New("seq is not a positive number")
	}
	seq, err := strconv.ParseInt(v, 10, 64)
	if err != nil || seq < 1 || seq > maxSeq {
		return 0, fmt.Errorf("seq out of range 1..%d", int64(maxSeq))
	}
	return seq, nil
}

// checkFileName accepts a plain file name only: the manifest must never make the server
// read, truncate or delete a file outside the AOF directory.
func checkFileName(name string) error {
	switch {
	case name == "":
		return errors.New("empty file name")
	case name == "." || name == "..":
		return fmt.Errorf("file name %q is not a file", name)
	case strings.ContainsAny(name, "/\\"):
		return errors.New("File can't be a path, just a filename")
	case strings.IndexByte(name, 0) >= 0:
		return errors.New("NUL byte in file name")
	}
	return nil
}

// Marshal renders the manifest as Redis writes it: base, history, then incr files.
func (m *Manifest) Marshal() []byte {
	var b []byte
	line := func(fi FileInfo) {
		b = append(b, "file "...)
		b = appendName(b, fi.Name)
		b = append(b, " seq "...)
		b = strconv.AppendInt(b, fi.Seq, 10)
		b = append(b, " type "...)
		b = append(b, byte(fi.Type), '\n')
	}
	if m.Base != nil {
		line(*m.Base)
	}
	for _, fi := range m.History {
		line(fi)
	}
	for _, fi := range m.Incrs {
		line(fi)
	}
	return b
}

// Clone returns a deep copy.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{History: append([]FileInfo(nil), m.History...), Incrs: append([]FileInfo(nil), m.Incrs...)}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	return c
}

// newFile names the next base or incr file as Redis does (<appendfilename>.<seq>.base.rdb,
// .base.aof or .incr.aof, seq one above the current one of that kind), skipping any seq whose
// name the manifest still lists.
func (m *Manifest) newFile(fileName string, t FileType, rdbBase bool) FileInfo {
	var seq int64
	suffix := ".incr.aof"
	if t == TypeBase {
		suffix = ".base.aof"
		if rdbBase {
			suffix = ".base.rdb"
		}
		if m.Base != nil {
			seq = m.Base.Seq
		}
	} else if n := len(m.Incrs); n > 0 {
		seq = m.Incrs[n-1].Seq
	}
	for {
		seq++
		fi := FileInfo{Name: fileName + "." + strconv.FormatInt(seq, 10) + suffix, Seq: seq, Type: t}
		if !m.listed(fi.Name) {
			return fi
		}
	}
}

// listed reports whether name is one of the manifest's files.
func (m *Manifest) listed(name string) bool {
	if m.Base != nil && m.Base.Name == name {
		return true
	}
	for _, fi := range m.History {
		if fi.Name == name {
			return true
		}
	}
	for _, fi := range m.Incrs {
		if fi.Name == name {
			return true
		}
	}
	return false
}

// appendName writes a file name, quoted with escapes as Redis's sdscatrepr does when needed.
func appendName(b []byte, s string) []byte {
	if sdsargs.NeedsRepr(s) {
		return append(b, sdsargs.Repr(s)...)
	}
	return append(b, s...)
}
