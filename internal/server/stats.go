package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/redoubt/redoubt/internal/command"
)

// stats are the counters INFO reports. Per-command counters are indexed by command id and
// only written under s.mu; connection counters are atomics touched outside it.
type stats struct {
	connections   atomic.Int64
	rejectedConns atomic.Int64
	netInput      atomic.Int64
	netOutput     atomic.Int64
	expiredKeys   atomic.Int64
	tlsConns      atomic.Int64

	mu       sync.Mutex // guards errors, for CONFIG RESETSTAT from outside the lock
	commands int64
	perCmd   []cmdStat
	errors   map[string]int64
	errTotal int64
	hits     int64
	misses   int64
}

type cmdStat struct {
	calls, usec, rejected, failed int64
}

func (st *stats) init() {
	st.perCmd = make([]cmdStat, command.Count())
	st.errors = map[string]int64{}
}

func (st *stats) called(spec *command.Spec, d time.Duration, failed bool, errCode string) {
	st.commands++
	cs := &st.perCmd[spec.Id]
	cs.calls++
	cs.usec += d.Microseconds()
	if failed {
		cs.failed++
		st.countError(errCode)
	}
}

func (st *stats) rejected(spec *command.Spec, errCode string) {
	if spec != nil {
		st.perCmd[spec.Id].rejected++
	}
	st.countError(errCode)
}

// countError bounds the number of distinct error codes kept, as Redis caps errorstats at 128,
// so a client cannot grow the map by provoking errors with arbitrary prefixes.
func (st *stats) countError(code string) {
	st.errTotal++
	if _, ok := st.errors[code]; !ok && len(st.errors) >= 128 {
		return
	}
	st.errors[code]++
}

func (st *stats) reset() {
	st.commands = 0
	for i := range st.perCmd {
		st.perCmd[i] = cmdStat{}
	}
	st.errors = map[string]int64{}
	st.errTotal, st.hits, st.misses = 0, 0, 0
	st.rejectedConns.Store(0)
	st.netInput.Store(0)
	st.netOutput.Store(0)
	st.expiredKeys.Store(0)
	st.connections.Store(0)
}
