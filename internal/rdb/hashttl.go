package rdb

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hash"
)

// Hashes with field expiry (HEXPIRE, Redis 7.4, RDB 12) load as plain hashes: Redoubt has no
// per-field TTL, so a field whose deadline had passed at Options.Now is dropped and every
// other field is kept without a TTL. The four encodings are:
//
//   - HASH_LISTPACK_EX_PRE_GA (7.4 release candidates): a listpack of field, value, deadline
//     triplets, deadline 0 meaning none;
//   - HASH_LISTPACK_EX: the same, preceded by the smallest deadline (8 bytes, unused);
//   - HASH_METADATA_PRE_GA: a count, then per field its deadline as a length (0 for none),
//     the field and the value;
//   - HASH_METADATA: the same, preceded by the smallest deadline, to which each stored
//     deadline is relative (stored = deadline - smallest + 1, so that 0 still means none).

// maxFieldDeadline is the largest deadline Redis accepts (EB_EXPIRE_TIME_MAX, 48 bits).
const maxFieldDeadline = 1<<48 - 1

// hashTTL collects the fields of a hash with field expiry.
type hashTTL struct {
	h       *hash.Hash
	expired map[string]bool // dropped fields, still checked for duplicates
	now     int64
	lim     hash.Limits
}

func (r *reader) newHashTTL() *hashTTL {
	return &hashTTL{h: hash.New(), now: r.now(), lim: r.o.Hash}
}

func (ht *hashTTL) add(field, value []byte, deadline uint64) error {
	if deadline > maxFieldDeadline {
		return fmt.Errorf("field %q: deadline %d out of range", field, deadline)
	}
	if ht.expired[string(field)] || ht.h.Has(field) {
		return fmt.Errorf("duplicate hash field %q", field)
	}
	if deadline != 0 && int64(deadline) < ht.now {
		if ht.expired == nil {
			ht.expired = map[string]bool{}
		}
		ht.expired[string(field)] = true
		return nil
	}
	ht.h.Set(field, value, ht.lim)
	return nil
}

func (r *reader) hashListpackTTL(t byte) (keyspace.Object, bool, error) {
	if t == typeHashListpackEx {
		if _, err := r.take(8); err != nil { // the smallest deadline
			return keyspace.Object{}, false, err
		}
	}
	ht := r.newHashTTL()
	var field, value []byte
	i := 0
	if err := r.blob(lpEach, func(v []byte) error {
		i++
		switch i % 3 {
		case 1:
			field = bytes.Clone(v)
		case 2:
			value = bytes.Clone(v)
		default:
			deadline, ok := canonicalInt(v)
			if !ok || deadline < 0 {
				return fmt.Errorf("field %q: invalid deadline %q", field, v)
			}
			return ht.add(field, value, uint64(deadline))
		}
		return nil
	}); err != nil {
		return keyspace.Object{}, false, err
	}
	if i%3 != 0 {
		return keyspace.Object{}, false, errors.New("hash listpack with field TTLs does not hold whole triplets")
	}
	return hashObj(ht.h)
}

func (r *reader) hashMetadata(t byte) (keyspace.Object, bool, error) {
	var smallest uint64
	if t == typeHashMetadata {
		b, err := r.take(8)
		if err != nil {
			return keyspace.Object{}, false, err
		}
		if smallest = le.Uint64(b); smallest > maxFieldDeadline+1 {
			return keyspace.Object{}, false, fmt.Errorf("smallest field deadline %d out of range", smallest)
		}
	}
	n, err := r.count(3)
	if err != nil {
		return keyspace.Object{}, false, err
	}
	ht := r.newHashTTL()
	for range n {
		stored, err := r.length()
		if err != nil {
			return keyspace.Object{}, false, err
		}
		deadline := stored
		if t == typeHashMetadata && stored != 0 {
			if stored > maxFieldDeadline+1 {
				return keyspace.Object{}, false, fmt.Errorf("relative field deadline %d out of range", stored)
			}
			deadline = stored + smallest - 1
		}
		f, err := r.str()
		if err != nil {
			return keyspace.Object{}, false, err
		}
		v, err := r.str()
		if err != nil {
			return keyspace.Object{}, false, err
		}
		if err := ht.add(f, v, deadline); err != nil {
			return keyspace.Object{}, false, err
		}
	}
	return hashObj(ht.h)
}
