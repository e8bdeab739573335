package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// DefaultMaxSize bounds a snapshot. Verification holds the whole file in memory, as
// redoubt check-rdb does, and uses the same bound.
const DefaultMaxSize = 16 << 30

// ensurePrivateDir creates dir (0700) when missing and refuses one that other users could
// write to: they could swap a backup for a file of their choosing.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if perm := st.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%s is writable by group or others (mode %04o), who could replace its files: chmod go-w %s", dir, perm, dir)
	}
	return nil
}

// lockDir takes an exclusive lock on dir for the life of the returned file, so two runs
// never write or prune the same directory at once. Closing the file releases it.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: another backup is running in this directory", dir)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return f, nil
}

// createPrivate creates path owner-only (0600), replacing a leftover of an interrupted run.
func createPrivate(path string) (*os.File, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// writeDurable writes data to a new owner-only file at path and fsyncs it.
func writeDurable(path string, data []byte) error {
	f, err := createPrivate(path)
	if err != nil {
		return err
	}
	return finish(f, func() error {
		_, err := f.Write(data)
		return err
	})
}

// finish runs write on f, then fsyncs and closes it, returning the first error.
func finish(f *os.File, write func() error) error {
	err := write()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs a directory so the renames in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync of directory %s: %w", dir, err)
	}
	return nil
}

// readBounded reads the whole file at path, refusing one larger than limit.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w (%d bytes)", path, ErrTooLarge, limit)
	}
	return b, nil
}

// checkRDB decodes every key of the RDB file in data with the server's own loader (as
// redoubt check-rdb does, CRC included) and returns how many keys it holds.
func checkRDB(data []byte) (int, error) {
	keys := 0
	err := rdb.LoadBytes(data, rdb.Options{}, func(int, string, keyspace.Object, int64) error {
		keys++
		return nil
	})
	return keys, err
}

// checksumLine is the .sha256 file of name in sha256sum's text format, so "sha256sum -c"
// verifies a backup with no Redoubt at hand.
func checksumLine(sum [sha256.Size]byte, name string) string {
	return hex.EncodeToString(sum[:]) + "  " + name + "\n"
}

// parseChecksumFile reads a sha256sum-format file that must hold exactly one entry, for
// name, and returns its digest.
func parseChecksumFile(b []byte, name string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	text := strings.TrimSuffix(string(b), "\n")
	if text == "" || strings.Contains(text, "\n") {
		return sum, errors.New("want exactly one line")
	}
	const hexLen = 2 * sha256.Size
	// "<hex> <mode><name>": mode is ' ' (text) or '*' (binary), as sha256sum writes it.
	if len(text) < hexLen+3 || text[hexLen] != ' ' || text[hexLen+1] != ' ' && text[hexLen+1] != '*' {
		return sum, fmt.Errorf("not in sha256sum format: %q", clip(text))
	}
	if _, err := hex.Decode(sum[:], []byte(text[:hexLen])); err != nil {
		return sum, fmt.Errorf("bad digest: %w", err)
	}
	if got := text[hexLen+2:]; got != name {
		return sum, fmt.Errorf("it is for %q, not %q", clip(got), name)
	}
	return sum, nil
}
