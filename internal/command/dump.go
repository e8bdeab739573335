package command

import (
	"errors"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// DUMP and RESTORE, as Redis 7.0's cluster.c: the payload is the value's RDB serialization
// with the RDB version and a CRC64 appended. RESTORE decodes and validates the whole payload
// before it touches the keyspace.

const (
	errBusyKey     = "BUSYKEY Target key name already exists."
	errBadTTL      = "ERR Invalid TTL value, must be >= 0"
	errBadIdle     = "ERR Invalid IDLETIME value, must be >= 0"
	errBadFreq     = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	errDumpPayload = "ERR DUMP payload version or checksum are wrong"
	errBadData     = "ERR Bad data format"
)

var dumpCommands = []*Spec{
	{Name: "dump", Arity: 2, Flags: Readonly, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RO|Access)},
		Tips: tipsNondetOut, Handler: dumpCmd,
		Summary: "Return a serialized version of the value stored at the specified key.", Since: "2.6.0", Group: "generic",
		Complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)."},
	{Name: "restore", Arity: -4, Flags: Write | DenyOOM, Categories: CatKeyspace | CatDangerous, Keys: []KeySpec{keyAt(1, OW|Update)},
		Handler: restoreCmd,
		Summary: "Create a key using the provided serialized value, previously obtained using DUMP.", Since: "2.6.0", Group: "generic",
		Complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."},
}

func dumpCmd(c *Ctx) {
	o := c.Read(c.Key(1))
	if o == nil {
		c.W.Null()
		return
	}
	payload, err := rdb.EncodeValue(o)
	if err != nil {
		// Every type serializes; an error means a value the codec refuses, reported not crashed on.
		c.Err("ERR DUMP is not supported for " + o.Type.String() + " values")
		return
	}
	c.W.Bulk(payload)
}

// rdbOptions are the decoder's encoding thresholds from the live configuration.
func rdbOptions(c *Ctx) rdb.Options {
	l := c.Host.Limits()
	return rdb.Options{
		Hash:    hash.Limits{Entries: l.HashListpackEntries, Value: l.HashListpackValue},
		ZSet:    zset.Limits{Entries: l.ZSetListpackEntries, Value: l.ZSetListpackValue},
		SetInts: l.SetIntsetEntries,
	}
}

func restoreCmd(c *Ctx) {
	replace, absttl := false, false
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(c.Args); j++ {
		more := len(c.Args) - j - 1
		switch {
		case isOpt(c.Args[j], "replace"):
			replace = true
		case isOpt(c.Args[j], "absttl"):
			absttl = true
		case isOpt(c.Args[j], "idletime") && more >= 1 && freq == -1:
			n, ok := intArg(c, c.Args[j+1])
			if !ok {
				return
			}
			if n < 0 {
				c.Err(errBadIdle)
				return
			}
			idle = n
			j++
		case isOpt(c.Args[j], "freq") && more >= 1 && idle == -1:
			n, ok := intArg(c, c.Args[j+1])
			if !ok {
				return
			}
			if n < 0 || n > 255 {
				c.Err(errBadFreq)
				return
			}
			freq = n
			j++
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	key := c.Key(1)
	if !replace && lookupIn(c, c.DB, key) != nil {
		c.Err(errBusyKey)
		return
	}
	ttl, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	if ttl < 0 {
		c.Err(errBadTTL)
		return
	}
	// Decode and validate everything before the keyspace changes.
	obj, err := rdb.DecodeValue(c.Args[3], rdbOptions(c))
	if err != nil {
		if errors.Is(err, rdb.ErrDumpPayload) {
			c.Err(errDumpPayload)
		} else {
			c.Err(errBadData)
		}
		return
	}
	deleted := false
	if replace {
		deleted = c.DB.Delete(key, c.Now)
	}
	if ttl != 0 && !absttl {
		ttl += c.Now
	}
	if ttl != 0 && ttl <= c.Now {
		// Already expired: the key is (left) deleted, as Redis's checkAlreadyExpired.
		if deleted {
			c.Notify(NotifyGeneric, "del", key)
			c.Changed(1)
			c.Propagate([]byte("DEL"), c.Args[1])
		}
		c.W.OK()
		return
	}
	obj = keyspace.Stamped(obj, c.Now)
	if idle >= 0 && !lfuPolicy(c) {
		// Redis's LRU clock has second resolution; an idle time beyond the epoch clamps to it.
		at := int64(0)
		if idle < c.Now/1000 {
			at = c.Now - idle*1000
		}
		obj.Touch(at)
	}
	// FREQ is accepted and validated; objects carry no LFU counter to set.
	c.DB.Set(key, obj, false)
	c.Notify(NotifyNew, "new", key)
	if ttl != 0 {
		c.DB.SetExpire(key, ttl)
	}
	c.Notify(NotifyGeneric, "restore", key)
	c.Changed(1)
	if ttl != 0 && !absttl {
		propagateAbsoluteRestore(c, ttl)
	}
	c.W.OK()
}

// propagateAbsoluteRestore records a RESTORE with a relative TTL as one with the deadline it
// set and ABSTTL appended, so a later replay sets the same deadline.
func propagateAbsoluteRestore(c *Ctx, deadline int64) {
	args := make([][]byte, 0, len(c.Args)+1)
	args = append(args, c.Args[0], c.Args[1], propInt(deadline))
	args = append(args, c.Args[3:]...)
	c.Propagate(append(args, []byte("ABSTTL"))...)
}
