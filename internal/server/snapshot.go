package server

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redoubt/redoubt/internal/aof"
	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// snapJob is one point-in-time snapshot of the keyspace being serialized (BGSAVE, SYNC, the
// AOF rewrite's base). See keyspace.Snapshot for why it is consistent without fork or a copy.
type snapJob struct {
	snap   *keyspace.Snapshot
	format snapFormat
	// pending holds, per database, values writers changed before the walk reached them,
	// serialized at once (small ones, see detach); held holds the others, handed over as they
	// were (the key continues on a copy, or is gone) and serialized by the walker outside
	// the lock.
	pending  []entryBuffer
	held     [][]heldValue
	cowBytes atomic.Int64 // bytes of preserved values serialized so far (current_cow_size)
	err      error        // a value that could not be serialized; the job fails with it
	keysDone int64
	total    int64
	// dirtyAtStart is subtracted from the change counter when the save succeeds: changes made
	// during the walk are not in the file.
	dirtyAtStart int64
	started      time.Time
	aborted      atomic.Bool
	tmp          string   // the background save's temporary file
	functions    []string // the function libraries' code when the snapshot began
	// keyDelay is rdb-key-save-delay: a pause per key walked, outside the lock, with which
	// tests (Redis's and ours) make a walk last long enough to act during it.
	keyDelay time.Duration
}

// snapFormat is what a walk produces: an RDB file, or AOF commands (aof-use-rdb-preamble no).
type snapFormat struct {
	aof      bool
	compress bool  // rdbcompression
	checksum bool  // rdbchecksum
	lruNow   int64 // idle times are written, as of this unix ms, under an LRU policy
	usedMem  int64
}

// entryBuffer serializes key entries into memory: rdb.Entries, or aofEntries.
type entryBuffer interface {
	Add(key string, o *keyspace.Object, expireMs int64) error
	Len() int
	Take() []byte  // the bytes become the caller's (they outlive the lock)
	Bytes() []byte // valid until the next Add or Reset
	Reset()
}

func (f snapFormat) newBuffer() entryBuffer {
	if f.aof {
		e := &aofEntries{}
		e.kw = aof.NewKeyWriter(&e.buf)
		return e
	}
	return rdb.NewEntries(f.compress, f.lruNow)
}

// aofEntries is entryBuffer for the commands that rebuild keys.
type aofEntries struct {
	buf bytes.Buffer
	kw  *aof.KeyWriter
}

func (e *aofEntries) Add(key string, o *keyspace.Object, exp int64) error {
	return e.kw.Key(key, o, exp)
}
func (e *aofEntries) Len() int      { return e.buf.Len() }
func (e *aofEntries) Bytes() []byte { return e.buf.Bytes() }
func (e *aofEntries) Reset()        { e.buf.Reset() }
func (e *aofEntries) Take() []byte {
	b := e.buf.Bytes()
	e.buf = bytes.Buffer{}
	return b
}

// heldValue is a value the snapshot keeps to serialize outside the lock: handed over by a
// write (see detach), or met by the walk itself.
type heldValue struct {
	key string
	o   keyspace.Object
	exp int64
}

// errSnapshotAborted ends a walk that shutdown superseded.
var errSnapshotAborted = errors.New("snapshot aborted")

// snapshotBudget is how many keys one step serializes under the lock, small enough that
// other clients wait at most a fraction of a millisecond for it.
const snapshotBudget = 256

// newSnapJob starts a snapshot of every database; s.walk must be nil (one walk at a time:
// each value has one snapshot mark). Called under s.mu.
func (s *Server) newSnapJob(asAOF bool) *snapJob {
	now := time.Now()
	j := &snapJob{started: now, pending: make([]entryBuffer, len(s.dbs)), held: make([][]heldValue, len(s.dbs)), dirtyAtStart: s.dirty,
		format: snapFormat{aof: asAOF, compress: s.cfg.Bool("rdbcompression"), checksum: s.cfg.Bool("rdbchecksum"), lruNow: s.lruNow(now), usedMem: s.mem.used(now)}}
	for i := range j.pending {
		j.pending[i] = j.format.newBuffer()
	}
	j.functions = s.FunctionLibraries()
	j.keyDelay = time.Duration(max(s.cfg.Int("rdb-key-save-delay"), 0)) * time.Microsecond
	j.snap = keyspace.NewSnapshot(s.dbs, j.preserve)
	for i := range s.dbs {
		n, _ := j.snap.Sizes(i)
		j.total += int64(n)
	}
	s.walk = j
	return j
}

// preserve keeps the value a write is about to change, for the snapshot; it runs under the
// lock, so its cost is a stall for every client. What can be kept without serializing it
// here is held (see detach) and serialized later by the walker outside the lock.
func (j *snapJob) preserve(db int, key string, o *keyspace.Object, exp int64, gone bool) {
	j.keysDone++
	if h, ok := detach(key, o, exp, gone); ok {
		j.held[db] = append(j.held[db], h)
		return
	}
	before := j.pending[db].Len()
	if err := j.pending[db].Add(key, o, exp); err != nil && j.err == nil {
		j.err = err
	}
	j.cowBytes.Add(int64(j.pending[db].Len() - before))
}

// heldMin is the element count from which a collection that stays in the keyspace is cloned
// for the snapshot instead of serialized under the lock: below it serializing costs about as
// much as cloning and makes no garbage (a walk that copied every small value made 400–650
// bytes of garbage per key, which the collector charges to lock holders as assists).
const heldMin = 128

// elements is the number of elements of a collection value.
func elements(v any) int64 {
	switch v := v.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case interface{ Len() int64 }:
		return v.Len()
	}
	return 0
}

// detach moves a value out of the keyspace for the snapshot when that is cheaper than
// serializing it under the lock. A value that is leaving the keyspace (gone) is simply kept,
// whatever its type: nothing will write to it again. So is a string, unless it is a short
// one marked Raw: Raw marks a buffer owned by its value, and every in-place edit copies a
// buffer without it first (command.unshareString), so clearing it on the key's side means
// the bytes are copied only if an edit comes; past 44 bytes OBJECT ENCODING says "raw"
// either way, and most strings (stored by SET) never had it. A big collection that stays
// leaves the key a copy-on-write clone: lists and streams share their nodes, hashes, sets
// and sorted sets the shards of their hash table (internal/types/dict) and the nodes of their
// B-tree, and whichever side writes first copies the one node or shard it changes — so the
// clone costs microseconds whatever the size (bench/bigvalue_stall.py). Small values are
// serialized instead.
func detach(key string, o *keyspace.Object, exp int64, gone bool) (heldValue, bool) {
	switch {
	case gone:
		return heldValue{key, *o, exp}, true
	case o.Type == keyspace.TypeString && (!o.Raw || len(o.Str) > 44):
		h := heldValue{key, *o, exp}
		o.Raw = false
		return h, true
	case o.Type != keyspace.TypeList && o.Type != keyspace.TypeHash && o.Type != keyspace.TypeSet &&
		o.Type != keyspace.TypeZSet && o.Type != keyspace.TypeStream:
		return heldValue{}, false
	case !o.Cloneable() || elements(o.Val) < heldMin:
		return heldValue{}, false
	}
	original := *o
	c := o.Clone()
	o.Str, o.Val = c.Str, c.Val
	return heldValue{key, original, exp}, true
}

// endWalk marks the running walk finished and wakes those waiting to start one. Called under
// s.mu.
func (s *Server) endWalk() {
	if s.walk != nil {
		s.walk.abort()
		s.walk = nil
	}
	s.walkDone.Broadcast()
}

// waitWalk waits until no walk runs. Called under s.mu, which it releases while waiting.
func (s *Server) waitWalk() {
	for s.walk != nil {
		s.walkDone.Wait()
	}
}

// abort stops the job's walk; writers stop preserving for it. Called under s.mu.
func (j *snapJob) abort() {
	j.aborted.Store(true)
	j.snap.Abort()
}

// frame writes what surrounds the entries: the RDB header, SELECTDB and checksum, or the
// SELECT commands of an AOF base.
type frame interface {
	selectDB(db, keys, volatile int) error
	entries(b []byte) error
	close() error
}

type rdbFrame struct{ w *rdb.Writer }

func (f rdbFrame) selectDB(db, keys, volatile int) error { return f.w.SelectDB(db, keys, volatile) }
func (f rdbFrame) entries(b []byte) error                { return f.w.WriteEntries(b) }
func (f rdbFrame) close() error                          { return f.w.Close() }

type aofFrame struct {
	w  io.Writer
	kw *aof.KeyWriter
}

func (f aofFrame) selectDB(db, _, _ int) error { return f.kw.Select(db) }
func (f aofFrame) entries(b []byte) error {
	_, err := f.w.Write(b)
	return err
}
func (f aofFrame) close() error { return nil }

func (j *snapJob) open(w io.Writer) (frame, error) {
	if j.format.aof {
		kw := aof.NewKeyWriter(w)
		return aofFrame{w: w, kw: kw}, writeFunctionLoads(kw, j.functions)
	}
	rw, err := rdb.NewWriter(w, rdb.WriterOptions{CTime: j.started.Unix(), UsedMem: j.format.usedMem, NoCompression: !j.format.compress, NoChecksum: !j.format.checksum, LRUNowMs: j.format.lruNow})
	if err == nil {
		err = writeFunctions(rw, j.functions)
	}
	return rdbFrame{rw}, err
}

// writeFunctions writes each library as an RDB FUNCTION2 record, before the databases.
func writeFunctions(rw *rdb.Writer, codes []string) error {
	for _, code := range codes {
		if err := rw.WriteFunction(code); err != nil {
			return err
		}
	}
	return nil
}

// writeFunctionLoads writes each library as FUNCTION LOAD, as Redis's AOF rewrite does.
func writeFunctionLoads(kw *aof.KeyWriter, codes []string) error {
	for _, code := range codes {
		if err := kw.Command([]byte("FUNCTION"), []byte("LOAD"), []byte(code)); err != nil {
			return err
		}
	}
	return nil
}

// writeSnapshot serializes the snapshot to w, taking the lock for each step and releasing it
// while bytes go to w, so clients keep being served during the walk.
func (s *Server) writeSnapshot(j *snapJob, w io.Writer) error {
	fr, err := j.open(w)
	if err != nil {
		return err
	}
	walked := j.format.newBuffer()
	var walkErr error
	// own holds what the walk itself kept, cow what writers handed over (current_cow_size).
	var own, cow []heldValue
	var debt time.Duration // walking time not yet matched by a pause
	for db := range j.pending {
		keys, volatile := j.snap.Sizes(db)
		if keys == 0 {
			continue
		}
		if err := fr.selectDB(db, keys, volatile); err != nil {
			return err
		}
		for done := false; !done; {
			stepStart := time.Now()
			s.mu.Lock()
			if j.aborted.Load() {
				s.mu.Unlock()
				return errSnapshotAborted
			}
			preserved := j.pending[db].Take()
			cow = j.takeHeld(db, cow[:0])
			own = own[:0]
			stepKeys := 0
			done = j.snap.Step(db, snapshotBudget, func(key string, o *keyspace.Object, exp int64) {
				j.keysDone++
				stepKeys++
				// The walk, too, keeps what it can and serializes it after unlocking.
				if h, ok := detach(key, o, exp, false); ok {
					own = append(own, h)
					return
				}
				if err := walked.Add(key, o, exp); err != nil && walkErr == nil {
					walkErr = err
				}
			})
			if done {
				preserved = append(preserved, j.pending[db].Take()...)
				cow = j.takeHeld(db, cow)
			}
			err := j.err
			s.mu.Unlock()
			if err == nil {
				err = walkErr
			}
			if err != nil {
				return err
			}
			// The held values belong to the snapshot alone now: serialized without the lock.
			if err := serializeHeld(walked, own); err != nil {
				return err
			}
			before := walked.Len()
			if err := serializeHeld(walked, cow); err != nil {
				return err
			}
			j.cowBytes.Add(int64(walked.Len() - before))
			if err := fr.entries(preserved); err != nil {
				return err
			}
			// Reused: garbage made while the lock is held is what the collector charges to
			// the lock holder as assist work, and everyone waits for the lock.
			if err := fr.entries(walked.Bytes()); err != nil {
				return err
			}
			walked.Reset()
			clear(own) // drop the references, keep the room
			clear(cow)
			debt += time.Since(stepStart)
			time.Sleep(time.Duration(stepKeys) * j.keyDelay)
			// Background work: the walk leaves half the CPU time to clients, sleeping as
			// long as it worked once that adds up to walkYield. Measured on 2 cores (GET at
			// -c 50 during a BGSAVE of 1M keys): p99 5.0 -> 3.7 ms and 44k -> 53k ops/s, for
			// a walk of 2.4 s instead of 1.3 (docs/PERFORMANCE.md).
			if debt >= walkYield {
				time.Sleep(debt)
				debt = 0
			}
		}
	}
	return fr.close()
}

// walkYield is how much walking a snapshot does before pausing as long: shorter pauses
// would cost more than they give back (a sleep takes at least tens of microseconds).
const walkYield = 2 * time.Millisecond

// takeHeld appends the values writers handed over for db to dst and empties the job's list,
// keeping its room. Called under s.mu.
func (j *snapJob) takeHeld(db int, dst []heldValue) []heldValue {
	dst = append(dst, j.held[db]...)
	clear(j.held[db])
	j.held[db] = j.held[db][:0]
	return dst
}

func serializeHeld(b entryBuffer, held []heldValue) error {
	for i := range held {
		if err := b.Add(held[i].key, &held[i].o, held[i].exp); err != nil {
			return err
		}
	}
	return nil
}

// writeRDBLocked writes the whole dataset as an RDB while the caller holds s.mu (SAVE,
// shutdown, a new AOF base): nothing can change, so it needs no snapshot.
func (s *Server) writeRDBLocked(w io.Writer) error {
	now := time.Now()
	rw, err := rdb.NewWriter(w, rdb.WriterOptions{CTime: now.Unix(), UsedMem: s.mem.used(now),
		NoCompression: !s.cfg.Bool("rdbcompression"), NoChecksum: !s.cfg.Bool("rdbchecksum"), LRUNowMs: s.lruNow(now)})
	if err == nil {
		err = writeFunctions(rw, s.FunctionLibraries())
	}
	if err != nil {
		return err
	}
	for _, db := range s.dbs {
		if err := rw.WriteDB(db, now.UnixMilli()); err != nil {
			return err
		}
	}
	return rw.Close()
}

// writeAOFLocked is writeRDBLocked for an AOF base in command form.
func (s *Server) writeAOFLocked(w io.Writer) error {
	kw := aof.NewKeyWriter(w)
	if err := writeFunctionLoads(kw, s.FunctionLibraries()); err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	for _, db := range s.dbs {
		if err := kw.WriteDB(db, now); err != nil {
			return err
		}
	}
	return nil
}

// lruNow is the time idle times are written against: set under an LRU maxmemory-policy
// only, as Redis writes them (it writes LFU counters under LFU policies; Redoubt's LFU is
// approximated by the LRU clock and writes nothing).
func (s *Server) lruNow(now time.Time) int64 {
	if strings.HasSuffix(s.cfg.String("maxmemory-policy"), "-lru") {
		return now.UnixMilli()
	}
	return 0
}
