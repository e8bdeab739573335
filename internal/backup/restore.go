package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// DefaultDBFilename is the server's default dbfilename.
const DefaultDBFilename = "dump.rdb"

// maxChecksumFile bounds the .sha256 file read: one line of a digest and a file name.
const maxChecksumFile = 4 << 10

// RestoreOptions configure Restore.
type RestoreOptions struct {
	From       string // the backup's .rdb file; its .sha256 must be beside it
	Dir        string // the server's data directory (its "dir"); created 0700 when missing
	DBFilename string // the server's dbfilename; "" means dump.rdb
	// Force replaces an existing file, which is kept as <dbfilename>.before-restore-<stamp>.
	Force   bool
	MaxSize int64 // the largest file accepted; 0 means DefaultMaxSize
}

// RestoreResult describes a restored file.
type RestoreResult struct {
	Path     string   // the file the server will load
	Bytes    int64    // its size
	Keys     int      // the keys it holds
	Previous string   // where the file it replaced was kept; "" when there was none
	Warnings []string // conditions under which the server may not load the file
}

// Restore checks a backup against its .sha256 file and the RDB loader, then installs it as
// the data file of a stopped server: written to a temporary file, fsynced, renamed into
// place, directory fsynced. The server must be stopped: a running one would overwrite the
// file on its next save or at shutdown.
func Restore(o RestoreOptions) (RestoreResult, error) {
	if o.DBFilename == "" {
		o.DBFilename = DefaultDBFilename
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if err := validFilename(o.DBFilename); err != nil {
		return RestoreResult{}, err
	}
	data, keys, err := verifiedBackup(o.From, o.MaxSize)
	if err != nil {
		return RestoreResult{}, err
	}
	if err := ensurePrivateDir(o.Dir); err != nil {
		return RestoreResult{}, err
	}
	target := filepath.Join(o.Dir, o.DBFilename)
	exists, err := existingTarget(target, o.Force)
	if err != nil {
		return RestoreResult{}, err
	}
	tmp := filepath.Join(o.Dir, tmpPrefix+"restore-"+o.DBFilename)
	defer os.Remove(tmp) // a no-op once renamed
	if err := writeDurable(tmp, data); err != nil {
		return RestoreResult{}, err
	}
	if err := giveToServerUser(tmp, o.Dir, target); err != nil {
		return RestoreResult{}, err
	}
	res := RestoreResult{Path: target, Bytes: int64(len(data)), Keys: keys}
	if exists {
		// A hard link keeps the old file while the rename replaces the name atomically:
		// at no moment is there no data file.
		res.Previous = target + ".before-restore-" + time.Now().UTC().Format(stampLayout)
		if err := os.Link(target, res.Previous); err != nil {
			return RestoreResult{}, fmt.Errorf("keeping the current file: %w", err)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return RestoreResult{}, err
	}
	if err := syncDir(o.Dir); err != nil {
		return RestoreResult{}, err
	}
	res.Warnings = aofWarnings(o.Dir)
	return res, nil
}

// validFilename refuses a dbfilename that is a path: as in Redis, it names a file in dir.
func validFilename(name string) error {
	if name == "." || name == ".." || filepath.Base(name) != name {
		return fmt.Errorf("dbfilename %q must be a plain file name", name)
	}
	return nil
}

// verifiedBackup reads the backup at path and checks it against its .sha256 file and the
// RDB loader; it returns the bytes and the number of keys.
func verifiedBackup(path string, limit int64) ([]byte, int, error) {
	if path == "" {
		return nil, 0, errors.New("no backup file given")
	}
	sumFile, err := readBounded(path+sumSuffix, maxChecksumFile)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the checksum of %s (a backup must have its .sha256 beside it): %w", path, err)
	}
	want, err := parseChecksumFile(sumFile, filepath.Base(path))
	if err != nil {
		return nil, 0, fmt.Errorf("%s%s: %w", path, sumSuffix, err)
	}
	data, err := readBounded(path, limit)
	if err != nil {
		return nil, 0, err
	}
	if got := sha256.Sum256(data); got != want {
		return nil, 0, fmt.Errorf("%s: SHA-256 is %s but %s%s says %s: the file is damaged or was replaced",
			path, hex.EncodeToString(got[:]), path, sumSuffix, hex.EncodeToString(want[:]))
	}
	keys, err := checkRDB(data)
	if err != nil {
		return nil, 0, fmt.Errorf("%s is not a valid RDB file: %w", path, err)
	}
	return data, keys, nil
}

// existingTarget reports whether target exists, and refuses to go on when it does unless
// force is set.
func existingTarget(target string, force bool) (bool, error) {
	st, err := os.Lstat(target)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() {
		return false, fmt.Errorf("%s exists and is not a regular file", target)
	}
	if !force {
		return false, fmt.Errorf("%s exists: make sure the server is stopped, then use --force to replace it (the current file is kept as %s.before-restore-<time>)", target, filepath.Base(target))
	}
	return true, nil
}

// giveToServerUser makes a file written by root owned like the data it replaces (or like
// the data directory), so a server running as its own user can read it. Run as another
// user, the file is that user's, as the directory's other files presumably are.
func giveToServerUser(path, dir, target string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	st, err := os.Stat(target)
	if err != nil {
		st, err = os.Stat(dir)
	}
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || sys.Uid == 0 && sys.Gid == 0 {
		return nil
	}
	return os.Chown(path, int(sys.Uid), int(sys.Gid))
}

// aofWarnings reports an append-only directory in dir: with appendonly yes the server loads
// the AOF at startup and ignores the restored RDB file.
func aofWarnings(dir string) []string {
	aofDir := filepath.Join(dir, "appendonlydir")
	if _, err := os.Stat(aofDir); err != nil {
		return nil
	}
	return []string{fmt.Sprintf("%s exists: a server started with appendonly yes loads it and ignores the restored file; move it aside (or start with appendonly no and enable it afterwards with CONFIG SET appendonly yes)", aofDir)}
}
