package command

import (
	"strconv"

	"github.com/redoubt/redoubt/internal/keyspace"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// parseFloat parses a float argument the way Redis's strtold-based parsers accept it.
func parseFloat(b []byte) (float64, error) { return strconv.ParseFloat(string(b), 64) }

// MemoryUsage estimates the bytes a key costs: key and value bytes plus the per-entry
// overhead of the dict node and object header.
func MemoryUsage(key string, o *keyspace.Object) int64 {
	const overhead = 72
	n := int64(len(key) + len(o.Str) + overhead)
	if sz, ok := o.Val.(interface{ MemoryUsage() int64 }); ok {
		n += sz.MemoryUsage()
	}
	return n
}
