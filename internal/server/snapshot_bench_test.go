package server

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkSnapshotWalk measures a BGSAVE walk of 100k small strings with nothing writing:
// what it allocates per key is garbage the collector charges as assist work to whoever
// allocates during marking, including lock holders.
func BenchmarkSnapshotWalk(b *testing.B) {
	s := newTestServer(b)
	c := s.testClient()
	const keys = 100_000
	for i := 0; i < keys; i += 1000 {
		args := []string{"MSET"}
		for k := i; k < i+1000; k++ {
			args = append(args, fmt.Sprint("key:", k), "xxx")
		}
		c.do(args...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.mu.Lock()
		j := s.newSnapJob(false)
		s.mu.Unlock()
		if err := s.writeSnapshot(j, io.Discard); err != nil {
			b.Fatal(err)
		}
		s.mu.Lock()
		s.endWalk()
		s.mu.Unlock()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*keys), "ns/key")
}
