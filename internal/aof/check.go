package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// FileReport is the check of one file.
type FileReport struct {
	Name      string
	Role      string // "BASE", "INCR", or "" for a file checked on its own
	Size      int64
	RDBEnd    int64 // length of the RDB preamble, 0 when none
	RDBKeys   int64
	ValidUpTo int64
	Line      int64 // line reached, a bulk payload counting as one
	Commands  int64
	// Problem is what makes the file invalid: a CorruptError for bad or missing commands,
	// or the RDB reader's error.
	Problem    error
	RDBProblem bool // the problem is in the RDB preamble
	Fixed      bool // truncated to ValidUpTo by --fix
}

// Report is the outcome of Check, with the lines redis-check-aof would print.
type Report struct {
	Manifest bool // a manifest was checked (otherwise a single file)
	Files    []FileReport
	Valid    bool // every file is valid (after the fix, when one was made)
	Fixed    bool
	Lines    []string
}

func (r *Report) printf(format string, a ...any) {
	r.Lines = append(r.Lines, fmt.Sprintf(format, a...))
}

// Print writes the report's lines.
func (r *Report) Print(w io.Writer) {
	for _, l := range r.Lines {
		fmt.Fprintln(w, l)
	}
}

// Check verifies an AOF for `redoubt check-aof [--fix] FILE|MANIFEST`: a manifest (every
// base and incr file it lists), or a single AOF file, which may start with an RDB preamble
// (verified with the server's RDB reader). With fix, a damaged tail of the last file is
// truncated to its last valid command; a base, a file other than the last, an RDB, or
// damage followed by more commands (corruption in the middle) is never truncated. The
// input is treated as hostile. An error means the input could not be examined at all.
func Check(fsys FS, path string, fix bool) (Report, error) {
	var r Report
	head, err := readHead(fsys, path)
	if err != nil {
		return r, err
	}
	if isManifestHead(head) {
		return r, r.checkManifest(fsys, path, fix)
	}
	r.printf("Start checking Old-Style AOF")
	fr, err := checkFile(fsys, path, filepath.Base(path), "", &r)
	if err != nil {
		return r, err
	}
	r.Files = append(r.Files, fr)
	r.Valid = fr.Problem == nil
	if !r.Valid {
		r.conclude(fsys, path, fix)
	}
	if r.Valid {
		r.printf("AOF %s is valid", fr.Name)
	}
	return r, nil
}

func readHead(fsys FS, path string) ([]byte, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("Cannot open file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("Cannot stat file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("Empty file: %s", path)
	}
	head := make([]byte, min(st.Size(), maxManifestLine))
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return head, nil
}

// isManifestHead tells a manifest by its first line that is not a comment starting with
// "file", as redis-check-aof does.
func isManifestHead(head []byte) bool {
	for len(head) > 0 && head[0] == '#' {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			return false
		}
		head = head[i+1:]
	}
	return bytes.HasPrefix(head, []byte("file"))
}

func (r *Report) checkManifest(fsys FS, path string, fix bool) error {
	r.Manifest = true
	r.printf("Start checking Multi Part AOF")
	m, err := readManifest(fsys, path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	r.Valid = true
	if m.Base != nil {
		r.printf("Start to check BASE AOF.")
		fr, err := checkFile(fsys, filepath.Join(dir, m.Base.Name), m.Base.Name, "BASE", r)
		if err != nil {
			return err
		}
		r.add(fr)
	}
	if len(m.Incrs) > 0 {
		r.printf("Start to check INCR files.")
	}
	for _, fi := range m.Incrs {
		fr, err := checkFile(fsys, filepath.Join(dir, fi.Name), fi.Name, "INCR", r)
		if err != nil {
			return err
		}
		r.add(fr)
	}
	if len(r.Files) == 0 {
		r.printf("The manifest lists no base and no incr file")
	}
	if !r.Valid {
		last := r.Files[len(r.Files)-1]
		r.conclude(fsys, filepath.Join(dir, last.Name), fix)
	}
	if r.Valid {
		r.printf("All AOF files and manifest are valid")
	}
	return nil
}

func (r *Report) add(fr FileReport) {
	r.Files = append(r.Files, fr)
	if fr.Problem != nil {
		r.Valid = false
	}
}

// checkFile checks one file. Its Problem says what is wrong; the error is for a file that
// cannot be read.
func checkFile(fsys FS, path, name, role string, r *Report) (FileReport, error) {
	fr := FileReport{Name: name, Role: role}
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fr, fmt.Errorf("Cannot open file %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fr, fmt.Errorf("Cannot stat file %s: %w", name, err)
	}
	fr.Size = st.Size()
	if role != "INCR" {
		if done, err := checkPreamble(f, &fr, r); err != nil || done {
			return fr, err
		}
	}
	sc := newScanner(io.NewSectionReader(f, fr.RDBEnd, fr.Size-fr.RDBEnd), name, fr.RDBEnd, fr.Size)
	res, err := sc.replay(func([][]byte) error { return nil })
	fr.ValidUpTo, fr.Commands, fr.Line = res.ValidUpTo, res.Commands, max(res.Lines, 1)
	var ce *CorruptError
	if errors.As(err, &ce) {
		fr.Problem = ce
		r.printf("[offset %d] %s", ce.Offset, ce.Msg)
	} else if err != nil {
		return fr, err
	}
	r.printf("AOF analyzed: filename=%s, size=%d, ok_up_to=%d, ok_up_to_line=%d, diff=%d",
		name, fr.Size, fr.ValidUpTo, fr.Line, fr.Size-fr.ValidUpTo)
	if fr.Problem == nil && role != "" {
		r.printf("%s AOF %s is valid", role, name)
	}
	return fr, nil
}

// checkPreamble verifies the RDB a base or single file may start with; done reports that
// the file cannot be checked further.
func checkPreamble(f File, fr *FileReport, r *Report) (done bool, err error) {
	isRDB, err := hasRDBMagic(f)
	if err != nil || !isRDB {
		return false, err
	}
	r.printf("[offset 0] Checking RDB preamble of %s", fr.Name)
	end, err := findPreamble(f, fr.Name, fr.Size)
	var ce *CorruptError
	if errors.As(err, &ce) {
		fr.Problem, fr.RDBProblem = ce, true
		r.printf("RDB preamble of %s: %s", fr.Name, ce.Msg)
		return true, nil
	}
	if err != nil {
		return true, err
	}
	b := make([]byte, end)
	if _, err := f.ReadAt(b, 0); err != nil {
		return true, fmt.Errorf("reading %s: %w", fr.Name, err)
	}
	err = rdb.LoadBytes(b, rdb.Options{Aux: func(k, v string) error {
		r.printf("[info] AUX FIELD %s = '%s'", k, v)
		return nil
	}}, func(int, string, keyspace.Object, int64) error {
		fr.RDBKeys++
		return nil
	})
	if err != nil {
		fr.Problem, fr.RDBProblem = err, true
		r.printf("RDB preamble of %s is not valid: %v", fr.Name, err)
		return true, nil
	}
	fr.RDBEnd, fr.ValidUpTo = end, end
	r.printf("[info] %d keys read", fr.RDBKeys)
	r.printf("RDB preamble is OK, proceeding with AOF tail...")
	return false, nil
}

// conclude reports an invalid check and, with fix, truncates the last file when its
// damage is a tail that can be cut without losing valid commands.
func (r *Report) conclude(fsys FS, lastPath string, fix bool) {
	bad := 0
	for i, fr := range r.Files {
		if fr.Problem != nil {
			bad = i
			break
		}
	}
	fr := &r.Files[bad]
	if !fix {
		r.printf("AOF %s is not valid. Use the --fix option to try fixing it.", fr.Name)
		return
	}
	if reason := r.unfixable(fsys, lastPath, bad); reason != "" {
		r.printf("AOF %s is not valid and will not be fixed: %s", fr.Name, reason)
		return
	}
	r.printf("This will shrink the AOF %s from %d bytes, with %d bytes, to %d bytes", fr.Name, fr.Size, fr.Size-fr.ValidUpTo, fr.ValidUpTo)
	if err := truncateFile(fsys, lastPath, fr.ValidUpTo); err != nil {
		r.printf("Failed to truncate AOF %s: %v", fr.Name, err)
		return
	}
	r.printf("Successfully truncated AOF %s", fr.Name)
	fr.Fixed, r.Fixed, r.Valid = true, true, true
}

// unfixable says why the damage in file bad cannot be cut off, or "" when it can.
func (r *Report) unfixable(fsys FS, lastPath string, bad int) string {
	fr := r.Files[bad]
	var ce *CorruptError
	switch {
	case bad != len(r.Files)-1:
		return "it is not the last file: truncating it would drop the files after it; restore it from a backup"
	case fr.Role == "BASE":
		return "it is the base file: restore it from a backup"
	case fr.RDBProblem || !errors.As(fr.Problem, &ce):
		return "its RDB preamble is damaged: restore it from a backup"
	case ce.Truncated:
		return ""
	}
	if at, err := commandAfter(fsys, lastPath, ce.Offset); err != nil {
		return err.Error()
	} else if at >= 0 {
		return fmt.Sprintf("the damage at offset %d is followed by more commands (at offset %d): this is corruption in the middle of the file, not a torn tail; repair it by hand or restore it from a backup", ce.Offset, at)
	}
	return ""
}

// commandAfter returns the offset of the first "*<count>\r\n$" at or after from: the start
// of what looks like another command, -1 when there is none.
func commandAfter(fsys FS, path string, from int64) (int64, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return -1, err
	}
	br := bufio.NewReaderSize(io.NewSectionReader(f, from, st.Size()-from), 64<<10)
	state, digits, start := 0, 0, int64(-1)
	for off := from; ; off++ {
		c, err := br.ReadByte()
		if err == io.EOF {
			return -1, nil
		}
		if err != nil {
			return -1, err
		}
		switch {
		case state == 2 && c >= '0' && c <= '9' && digits < 18:
			digits++
		case state == 2 && c == '\r' && digits > 0:
			state = 3
		case state == 3 && c == '\n':
			state = 4
		case state == 4 && c == '$':
			return start, nil
		case c == '*':
			state, digits, start = 2, 0, off
		default:
			state = 0
		}
	}
}

func truncateFile(fsys FS, path string, size int64) error {
	f, err := fsys.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
