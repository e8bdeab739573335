package server

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkSnapshotWalk measures a BGSAVE walk of 100k keys of one shape with nothing
// writing: what it allocates per key is garbage the collector charges as assist work to
// whoever allocates during marking, lock holders included.
func BenchmarkSnapshotWalk(b *testing.B) {
	const keys = 100_000
	for _, shape := range []struct {
		name string
		cmd  func(k int) []string
	}{
		{"string", func(k int) []string { return []string{"SET", fmt.Sprint("key:", k), "xxx"} }},
		{"hash", func(k int) []string { return []string{"HSET", fmt.Sprint("h:", k), "a", "1", "b", "2", "c", "3"} }},
		{"list", func(k int) []string { return []string{"RPUSH", fmt.Sprint("l:", k), "a", "b", "c"} }},
		{"set", func(k int) []string { return []string{"SADD", fmt.Sprint("s:", k), "a", "b", "c"} }},
		{"zset", func(k int) []string { return []string{"ZADD", fmt.Sprint("z:", k), "1", "a", "2", "b", "3", "c"} }},
	} {
		b.Run(shape.name, func(b *testing.B) {
			s := newTestServer(b)
			c := s.testClient()
			for k := range keys {
				c.do(shape.cmd(k)...)
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
		})
	}
}
