package zset

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

const benchN = 1_000_000

var benchLim = Limits{Entries: 128, Value: 64}

func benchMember(i int) string { return "member:" + strconv.Itoa(i) }

func buildBench(n int, seed uint64) *ZSet {
	r := rand.New(rand.NewPCG(seed, 1))
	z := New()
	for i := 0; i < n; i++ {
		z.Add(benchMember(i), float64(r.IntN(1<<30)), 0, benchLim)
	}
	return z
}

var (
	sharedOnce sync.Once
	shared     *ZSet
)

func sharedBench() *ZSet {
	sharedOnce.Do(func() { shared = buildBench(benchN, 1) })
	return shared
}

// The benchmarks use only the exported API, so the same file measures an older version of
// the package copied elsewhere.

func BenchmarkZAdd(b *testing.B) {
	z := buildBench(benchN, 2)
	r := rand.New(rand.NewPCG(3, 3))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.Add("new:"+strconv.Itoa(i), float64(r.IntN(1<<30)), 0, benchLim)
	}
}

func BenchmarkZScore(b *testing.B) {
	z := sharedBench()
	r := rand.New(rand.NewPCG(4, 4))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.Score(benchMember(r.IntN(benchN)))
	}
}

func BenchmarkZRank(b *testing.B) {
	z := sharedBench()
	r := rand.New(rand.NewPCG(5, 5))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.Rank(benchMember(r.IntN(benchN)), false)
	}
}

func BenchmarkZRange100(b *testing.B) {
	z := sharedBench()
	r := rand.New(rand.NewPCG(6, 6))
	out := make([]Entry, 0, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = out[:0]
		for c := z.FromRank(r.IntN(benchN-100), false); c.Valid() && len(out) < 100; c.Next() {
			out = append(out, c.Entry())
		}
	}
}

func BenchmarkCloneFirstWrite(b *testing.B) {
	z := sharedBench()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := z.Clone().(*ZSet)
		c.Add("clone:"+strconv.Itoa(i), float64(i), 0, benchLim)
	}
}

func heapAlloc() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkMemory reports the heap bytes per member of a 1M-member zset built by random ZADDs
// (member strings included) and by FromSorted from its entries (strings shared, so excluded).
func BenchmarkMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		before := heapAlloc()
		z := buildBench(benchN, 7)
		added := heapAlloc()
		var sorted []Entry
		z.Descending(func(e Entry) bool { sorted = append(sorted, e); return true })
		for l, r := 0, len(sorted)-1; l < r; l, r = l+1, r-1 {
			sorted[l], sorted[r] = sorted[r], sorted[l]
		}
		beforeSorted := heapAlloc()
		f := FromSorted(sorted, benchLim)
		built := heapAlloc()
		b.ReportMetric(float64(added-before)/benchN, "B/member-zadd")
		b.ReportMetric(float64(built-beforeSorted)/benchN, "B/member-fromsorted")
		runtime.KeepAlive(z)
		runtime.KeepAlive(f)
		runtime.KeepAlive(sorted)
	}
}

func BenchmarkZIncrBy(b *testing.B) {
	z := buildBench(benchN, 8)
	r := rand.New(rand.NewPCG(9, 9))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.Add(benchMember(r.IntN(benchN)), float64(r.IntN(1000)), Incr, benchLim)
	}
}
