package rdb

import (
	"bytes"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
)

// TestIdleTimeRoundTrip: under an LRU policy the writer records each key's idle time (the
// IDLE opcode) and the reader restores the access time from it; without one, nothing is
// written and the reader leaves the access time unset.
func TestIdleTimeRoundTrip(t *testing.T) {
	now := time.Now().UnixMilli()
	for _, lru := range []bool{true, false} {
		var buf bytes.Buffer
		opts := WriterOptions{CTime: now / 1000}
		if lru {
			opts.LRUNowMs = now
		}
		w, err := NewWriter(&buf, opts)
		if err != nil {
			t.Fatal(err)
		}
		o := keyspace.Object{Str: []byte("v")}
		o.Touch(now - 3600_000)
		w.SelectDB(0, 1, 0)
		w.WriteKey("k", &o, -1)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		err = LoadOptions(&buf, Options{Now: now}, func(_ int, _ string, obj keyspace.Object, _ int64) error {
			want := int64(0)
			if lru {
				want = now - 3600_000
			}
			if got := obj.AccessMs(); got/1000 != want/1000 {
				t.Errorf("lru=%v: access %d, want %d", lru, got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
