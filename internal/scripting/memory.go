package scripting

import (
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// memCheckEvery is how often the heap is sampled while a script runs.
const memCheckEvery = 10 * time.Millisecond

// memWatch stops a script whose run grows the Go heap past a limit (script-max-memory).
// gopher-lua allocates from the Go heap with no hook to refuse an allocation, so string
// concatenation and table growth cannot be capped where they happen; instead a timer samples
// the heap every memCheckEvery while a script runs, and past the limit stops the script
// at its next instruction, as SCRIPT KILL does. A script can overshoot by what it allocates
// in one interval. Scripts shorter than the interval never pay for a sample.
type memWatch struct {
	limit   atomic.Int64 // bytes; 0: off
	run     atomic.Uint64
	timer   atomic.Pointer[time.Timer]
	base    atomic.Int64  // heap when the current run started
	baseRun atomic.Uint64 // the run base belongs to
	tripped atomic.Bool
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapBytes() int64 {
	metrics.Read(heapSample)
	return int64(heapSample[0].Value.Uint64())
}

// SetMemoryLimit sets script-max-memory: how much the heap may grow while one script runs
// (0 disables the check).
func (e *Engine) SetMemoryLimit(bytes int64) { e.mem.limit.Store(bytes) }

// startMemWatch arms the watch for a run starting now.
func (e *Engine) startMemWatch() {
	m := &e.mem
	m.tripped.Store(false)
	run := m.run.Add(1) // odd while a script runs
	if m.limit.Load() <= 0 {
		return
	}
	m.base.Store(heapBytes())
	m.baseRun.Store(run)
	t := m.timer.Load()
	if t == nil {
		t = time.AfterFunc(time.Hour, e.checkMem)
		t.Stop()
		m.timer.Store(t)
	}
	t.Reset(memCheckEvery)
}

// stopMemWatch disarms the watch when a run ends and reports whether it stopped the run.
func (e *Engine) stopMemWatch() bool {
	m := &e.mem
	m.run.Add(1) // a sample already in flight now belongs to no run
	if t := m.timer.Load(); t != nil {
		t.Stop()
	}
	return m.tripped.Load()
}

// checkMem runs on the timer's goroutine.
func (e *Engine) checkMem() {
	m := &e.mem
	run := m.run.Load()
	if run != m.baseRun.Load() || run%2 == 0 {
		return // the run it was armed for has ended
	}
	if limit := m.limit.Load(); limit > 0 && heapBytes()-m.base.Load() > limit {
		m.tripped.Store(true)
		e.Kill()
		return
	}
	m.timer.Load().Reset(memCheckEvery)
}
