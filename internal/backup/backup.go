// Package backup takes cold backups of a running Redoubt or Redis 7.0 server and restores
// them into a stopped server's data directory.
//
// A backup is a point-in-time RDB snapshot fetched over the replication protocol, as
// redis-cli --rdb does (the server serves it from a copy-on-write view, or Redis from a
// fork), verified with the server's own RDB loader, and stored with a sha256sum-format
// checksum beside it. Only verified, fsynced files ever get a backup's name: a truncated or
// corrupt stream leaves nothing behind.
package backup

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DefaultKeep is how many backups retention keeps by default: a week of daily backups.
const DefaultKeep = 7

// Options configure Backup.
type Options struct {
	Source
	Dir     string // the backup directory; created 0700 when missing
	Keep    int    // how many complete backups to keep, newest first (at least 1)
	MaxSize int64  // the largest snapshot accepted; 0 means DefaultMaxSize
}

// Result describes a backup that was written.
type Result struct {
	Path   string   // the new .rdb file
	Bytes  int64    // its size
	Keys   int      // the keys it holds, all databases together
	SHA256 string   // its digest, in hex, as in the .sha256 file beside it
	Pruned []string // the names retention deleted from the directory
}

// Backup takes a snapshot of the server described by o.Source into o.Dir, then deletes the
// backups beyond the newest o.Keep. On error no new backup file is left behind, except when
// only pruning failed: then the returned Result describes the backup that was written.
func Backup(ctx context.Context, o Options) (Result, error) {
	if o.Dir == "" {
		return Result{}, errors.New("no backup directory given")
	}
	if o.Keep < 1 {
		return Result{}, fmt.Errorf("keep must be at least 1, got %d", o.Keep)
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if err := ensurePrivateDir(o.Dir); err != nil {
		return Result{}, err
	}
	lock, err := lockDir(o.Dir)
	if err != nil {
		return Result{}, err
	}
	defer lock.Close()
	name, err := freshName(ctx, o.Dir)
	if err != nil {
		return Result{}, err
	}
	res, err := take(ctx, o, name)
	if err != nil {
		return Result{}, err
	}
	res.Pruned, err = prune(o.Dir, o.Keep, name)
	if err != nil {
		return res, fmt.Errorf("backup %s written, but: %w", res.Path, err)
	}
	return res, nil
}

// freshName picks the name of a new backup from the current time. Names have a resolution of
// one second, so a second run within the same second waits for the next one; the directory
// lock makes the check race-free.
func freshName(ctx context.Context, dir string) (string, error) {
	for range 3 {
		now := time.Now()
		name := backupName(now)
		taken, err := nameTaken(dir, name)
		if err != nil {
			return "", err
		}
		if !taken {
			return name, nil
		}
		wait := now.Truncate(time.Second).Add(time.Second).Sub(now)
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
	}
	return "", fmt.Errorf("%s: backups keep being named for a time that already has one; is the clock stuck?", dir)
}

func nameTaken(dir, name string) (bool, error) {
	for _, n := range []string{name, name + sumSuffix} {
		_, err := os.Lstat(filepath.Join(dir, n))
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return false, err
		}
	}
	return false, nil
}

// take fetches the snapshot into a temporary file, verifies it and only then gives it and
// its checksum file their names.
func take(ctx context.Context, o Options, name string) (Result, error) {
	tmp := filepath.Join(o.Dir, tmpPrefix+name)
	tmpSum := tmp + sumSuffix
	// No-ops once renamed; otherwise nothing of a failed run stays.
	defer os.Remove(tmp)
	defer os.Remove(tmpSum)
	if err := download(ctx, o, tmp); err != nil {
		return Result{}, err
	}
	data, err := readBounded(tmp, o.MaxSize)
	if err != nil {
		return Result{}, err
	}
	keys, err := checkRDB(data)
	if err != nil {
		return Result{}, fmt.Errorf("the snapshot from %s is not a valid RDB file, not kept: %w", o.Address, err)
	}
	sum := sha256.Sum256(data)
	if err := writeDurable(tmpSum, []byte(checksumLine(sum, name))); err != nil {
		return Result{}, err
	}
	final := filepath.Join(o.Dir, name)
	// The .rdb first: a crash in between leaves a lone .rdb, which retention never counts
	// as a backup.
	if err := os.Rename(tmp, final); err != nil {
		return Result{}, err
	}
	if err := os.Rename(tmpSum, final+sumSuffix); err != nil {
		os.Remove(final)
		return Result{}, err
	}
	if err := syncDir(o.Dir); err != nil {
		return Result{}, err
	}
	return Result{Path: final, Bytes: int64(len(data)), Keys: keys, SHA256: hex.EncodeToString(sum[:])}, nil
}

// download streams the snapshot into a new owner-only file at path and fsyncs it.
func download(ctx context.Context, o Options, path string) error {
	f, err := createPrivate(path)
	if err != nil {
		return err
	}
	return finish(f, func() error {
		w := bufio.NewWriterSize(f, 1<<20)
		if _, err := Fetch(ctx, o.Source, w, o.MaxSize); err != nil {
			return fmt.Errorf("snapshot from %s: %w", o.Address, err)
		}
		return w.Flush()
	})
}
