package keyspace

// Candidate is a key offered for eviction with what the policies rank it by.
type Candidate struct {
	Key      string
	Access   int64 // unix ms of last access (LRU; also LFU's approximation, see docs)
	Deadline int64 // unix ms TTL deadline, -1 without one
	Size     int64 // estimated bytes the key costs
}

// SampleEviction returns up to n random keys for eviction: from all keys, or only from keys
// with a TTL when volatile is set. Like Redis, it samples instead of keeping a global order.
func (db *DB) SampleEviction(n int, volatile bool, size func(key string, o *Object) int64) []Candidate {
	out := make([]Candidate, 0, n)
	for i := 0; i < n; i++ {
		var key string
		if volatile {
			if db.expires.Len() == 0 {
				break
			}
			key, _ = db.expires.Random()
		} else {
			if db.data.Len() == 0 {
				break
			}
			key, _ = db.data.Random()
		}
		o := db.data.Get(key)
		if o == nil {
			continue
		}
		out = append(out, Candidate{Key: key, Access: o.AccessMs(), Deadline: db.TTL(key), Size: size(key, o)})
	}
	return out
}
