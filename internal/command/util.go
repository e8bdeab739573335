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

// removeMembers is the shape of HDEL and SREM: remove each argument from the aggregate at
// key (remove reports whether it was there and the length left), delete the key when it
// empties (Redis never keeps empty aggregates), notify, count changes, reply the count.
func removeMembers(c *Ctx, t keyspace.Type, class byte, event string, remove func(val any, m []byte) (bool, int)) {
	key := c.Key(1)
	o, ok := c.LookupType(key, t)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	deleted, emptied := 0, false
	for _, m := range c.Args[2:] {
		if gone, left := remove(o.Val, m); gone {
			deleted++
			if left == 0 {
				c.DB.Delete(key, c.Now)
				emptied = true
				break
			}
		}
	}
	if deleted > 0 {
		if !emptied {
			c.DB.Modified(key)
		}
		c.Notify(class, event, key)
		if emptied {
			c.Notify(NotifyGeneric, "del", key)
		}
		c.Changed(deleted)
	}
	c.W.Int(int64(deleted))
}
