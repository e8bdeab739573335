package server

import (
	"fmt"
	"math/rand/v2"
	"runtime/metrics"
	"time"

	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/config"
	"github.com/redoubt/redoubt/internal/keyspace"
)

func init() { config.MarkImplemented("maxmemory", "maxmemory-policy", "maxmemory-samples") }

// ErrOOM is Redis's reply to a denyoom command that eviction could not make room for.
const ErrOOM = "OOM command not allowed when used memory > 'maxmemory'."

// memory tracks used_memory: the Go heap's live object bytes, read from runtime/metrics at
// most every memSampleEvery, minus what eviction freed since (the collector returns that
// memory later, and counting it as still used would evict far too much).
type memory struct {
	sampledAt time.Time
	heap      int64
	freed     int64
	evicted   int64
}

const memSampleEvery = 50 * time.Millisecond

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

// used returns the current estimate of used memory. Called under s.mu.
func (m *memory) used(now time.Time) int64 {
	if now.Sub(m.sampledAt) >= memSampleEvery {
		metrics.Read(heapSample)
		m.heap = int64(heapSample[0].Value.Uint64())
		m.freed = 0
		m.sampledAt = now
	}
	return m.heap - m.freed
}

// makeRoom evicts keys per maxmemory-policy until used memory is under maxmemory. It returns
// false when the command must be refused with OOM. Called under s.mu before denyoom commands.
func (s *Server) makeRoom(now time.Time) bool {
	limit := s.cfg.Int("maxmemory")
	if limit <= 0 {
		return true
	}
	used := s.mem.used(now)
	if used <= limit {
		return true
	}
	policy := s.cfg.String("maxmemory-policy")
	if policy == "noeviction" {
		return false
	}
	volatile := policy[:9] == "volatile-"
	samples := int(s.cfg.Int("maxmemory-samples"))
	nowMs := now.UnixMilli()
	// Like Redis's eviction time limit, one command evicts a bounded number of keys; having
	// made progress it proceeds, and the following commands evict the rest.
	evicted := 0
	for tries := 0; used > limit && tries < 1000; tries++ {
		victimDB, victim := s.pickVictim(policy, volatile, samples)
		if victim == nil {
			return evicted > 0
		}
		db := s.dbs[victimDB]
		if db.Delete(victim.Key, nowMs) {
			s.mem.freed += victim.Size
			s.mem.evicted++
			evicted++
			s.dirty++
			s.propagateDel(victimDB, victim.Key)
			s.Notify(victimDB, command.NotifyEvicted, "evicted", victim.Key)
		}
		used = s.mem.heap - s.mem.freed
	}
	return used <= limit || evicted > 0
}

// pickVictim samples every database and returns the best candidate for the policy.
func (s *Server) pickVictim(policy string, volatile bool, samples int) (int, *keyspace.Candidate) {
	bestDB := -1
	var best *keyspace.Candidate
	for i, db := range s.dbs {
		for _, c := range db.SampleEviction(samples, volatile, command.MemoryUsage) {
			c := c
			if best == nil || better(policy, &c, best) {
				best, bestDB = &c, i
			}
		}
	}
	return bestDB, best
}

// better reports whether a is a better eviction victim than b under policy.
func better(policy string, a, b *keyspace.Candidate) bool {
	switch policy {
	case "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu":
		return a.Access < b.Access
	case "volatile-ttl":
		return a.Deadline >= 0 && (b.Deadline < 0 || a.Deadline < b.Deadline)
	default: // the random policies
		return rand.IntN(2) == 0
	}
}

func (s *Server) infoEvicted() string { return fmt.Sprint(s.mem.evicted) }
