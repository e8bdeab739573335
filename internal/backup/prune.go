package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Names in a backup directory. A backup is the pair redoubt-<stamp>.rdb and
// redoubt-<stamp>.rdb.sha256; the stamp is UTC and sorts as text in time order.
const (
	namePrefix  = "redoubt-"
	rdbSuffix   = ".rdb"
	sumSuffix   = ".sha256"
	stampLayout = "20060102T150405Z"
	tmpPrefix   = ".tmp-"
	lockName    = ".redoubt-backup.lock"
)

// backupName names the backup taken at t.
func backupName(t time.Time) string {
	return namePrefix + t.UTC().Format(stampLayout) + rdbSuffix
}

// stampOf returns the stamp of a backup file name (the .rdb or its .sha256), or "" for any
// other name.
func stampOf(name string) string {
	base := strings.TrimSuffix(name, sumSuffix)
	stamp, ok := strings.CutPrefix(base, namePrefix)
	if !ok {
		return ""
	}
	stamp, ok = strings.CutSuffix(stamp, rdbSuffix)
	if !ok {
		return ""
	}
	if _, err := time.Parse(stampLayout, stamp); err != nil {
		return ""
	}
	return stamp
}

// planPrune chooses, from the names in a backup directory, what retention deletes:
//   - every backup file (complete or not) older than the keep newest complete backups;
//   - temporary files of interrupted runs (the caller holds the directory lock, so none is
//     in use).
//
// A lone .rdb or .sha256 newer than that is left alone: it is not a backup to count, but
// not provably garbage either. current, the backup just written, is never deleted, even if
// a clock set back made it sort as old. Other names are never touched. The result is sorted.
func planPrune(names []string, keep int, current string) []string {
	halves := map[string]int{}
	for _, n := range names {
		if s := stampOf(n); s != "" {
			halves[s]++
		}
	}
	var complete []string
	for s, n := range halves {
		if n == 2 {
			complete = append(complete, s)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(complete)))
	oldestKept := ""
	if len(complete) >= keep && keep > 0 {
		oldestKept = complete[keep-1]
	}
	keepStamp := stampOf(current)
	var del []string
	for _, n := range names {
		s := stampOf(n)
		switch {
		case strings.HasPrefix(n, tmpPrefix+namePrefix):
			del = append(del, n)
		case s != "" && s != keepStamp && s < oldestKept:
			del = append(del, n)
		}
	}
	sort.Strings(del)
	return del
}

// prune applies planPrune to dir and returns the names it deleted.
func prune(dir string, keep int, current string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	var deleted []string
	var errs []error
	for _, n := range planPrune(names, keep, current) {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, n)
	}
	if len(deleted) > 0 {
		errs = append(errs, syncDir(dir))
	}
	if err := errors.Join(errs...); err != nil {
		return deleted, fmt.Errorf("pruning %s: %w", dir, err)
	}
	return deleted, nil
}
