package rdb

import (
	"errors"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/keyspace"
)

// The RDB 12 encodings are written by hand here: no Redis 7.4 is available to produce them.

const testNow = int64(1_700_000_000_000)

// loadKeys loads an RDB file and renders every key it reports.
func loadKeys(b []byte) (map[string]string, error) {
	got := map[string]string{}
	err := LoadBytes(b, Options{Now: testNow}, func(_ int, key string, o keyspace.Object, _ int64) error {
		got[key] = render(o)
		return nil
	})
	return got, err
}

func TestHashFieldExpiry(t *testing.T) {
	past, future := testNow-1000, testNow+1_000_000
	lpTriplets := lpOf("a", "1", 0, "b", "2", int(past), "c", "3", int(future), "d", "4", int(testNow))
	cases := []struct {
		name string
		body func(w *Writer)
	}{
		{"HASH_LISTPACK_EX_PRE_GA", func(w *Writer) {
			w.byte1(typeHashListpackExPreGA)
			w.str([]byte("h"))
			w.str(lpTriplets)
		}},
		{"HASH_LISTPACK_EX", func(w *Writer) {
			w.byte1(typeHashListpackEx)
			w.str([]byte("h"))
			w.millis(past)
			w.str(lpTriplets)
		}},
		{"HASH_METADATA_PRE_GA", func(w *Writer) {
			w.byte1(typeHashMetadataPreGA)
			w.str([]byte("h"))
			w.length(4)
			for _, f := range []struct {
				deadline int64
				f, v     string
			}{{0, "a", "1"}, {past, "b", "2"}, {future, "c", "3"}, {testNow, "d", "4"}} {
				w.length(uint64(f.deadline))
				w.str([]byte(f.f))
				w.str([]byte(f.v))
			}
		}},
		{"HASH_METADATA", func(w *Writer) {
			w.byte1(typeHashMetadata)
			w.str([]byte("h"))
			w.millis(past)
			w.length(4)
			// Deadlines relative to the smallest one, plus one: 0 still means none.
			for _, f := range []struct {
				rel  int64
				f, v string
			}{{0, "a", "1"}, {1, "b", "2"}, {future - past + 1, "c", "3"}, {testNow - past + 1, "d", "4"}} {
				w.length(uint64(f.rel))
				w.str([]byte(f.f))
				w.str([]byte(f.v))
			}
		}},
	}
	// Fields without a deadline or whose deadline is not yet past stay, without a TTL; the
	// one whose deadline passed is gone.
	want := render(mkHash(hashLim, "a", "1", "c", "3", "d", "4"))
	for _, c := range cases {
		got, err := loadKeys(rdbFile(c.body))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got["h"] != want {
			t.Errorf("%s: got %s, want %s", c.name, got["h"], want)
		}
	}
}

func TestHashFieldExpiryAllExpired(t *testing.T) {
	got, err := loadKeys(rdbFile(func(w *Writer) {
		w.byte1(typeHashListpackExPreGA)
		w.str([]byte("gone"))
		w.str(lpOf("a", "1", int(testNow-1)))
		w.byte1(typeString)
		w.str([]byte("s"))
		w.str([]byte("v"))
	}))
	if err != nil {
		t.Fatal(err)
	}
	// A hash left without fields is not a key, as Redis skips empty collections.
	if _, ok := got["gone"]; ok || got["s"] != `string:"v"` {
		t.Errorf("got %v", got)
	}
}

func TestHashFieldExpiryHostile(t *testing.T) {
	lpHash := func(lp []byte) func(w *Writer) {
		return func(w *Writer) {
			w.byte1(typeHashListpackExPreGA)
			w.str([]byte("h"))
			w.str(lp)
		}
	}
	meta := func(smallest int64, triplets ...any) func(w *Writer) {
		return func(w *Writer) {
			w.byte1(typeHashMetadata)
			w.str([]byte("h"))
			w.millis(smallest)
			w.length(uint64(len(triplets) / 3))
			for i := 0; i < len(triplets); i += 3 {
				w.length(uint64(triplets[i].(int)))
				w.str([]byte(triplets[i+1].(string)))
				w.str([]byte(triplets[i+2].(string)))
			}
		}
	}
	cases := []struct {
		name string
		body func(w *Writer)
		want string
	}{
		{"duplicate field", lpHash(lpOf("a", "1", 0, "a", "2", 0)), "duplicate hash field"},
		{"duplicate of an expired field", lpHash(lpOf("a", "1", 5, "a", "2", 0)), "duplicate hash field"},
		{"expired duplicate", lpHash(lpOf("a", "1", 0, "a", "2", 5)), "duplicate hash field"},
		{"deadline not an integer", lpHash(lpOf("a", "1", "soon")), "invalid deadline"},
		{"negative deadline", lpHash(lpOf("a", "1", -5)), "invalid deadline"},
		{"deadline beyond 48 bits", lpHash(lpOf("a", "1", 1<<48)), "out of range"},
		{"incomplete triplet", lpHash(lpOf("a", "1", 0, "b", "2")), "whole triplets"},
		{"smallest deadline out of range", meta(1<<50, 0, "a", "1"), "out of range"},
		{"relative deadline out of range", meta(5, 1<<49, "a", "1"), "out of range"},
		{"metadata duplicate", meta(5, 0, "a", "1", 0, "a", "1"), "duplicate hash field"},
		{"metadata count beyond input", func(w *Writer) {
			w.byte1(typeHashMetadataPreGA)
			w.str([]byte("h"))
			w.length(1 << 40)
		}, "exceeds the remaining input"},
	}
	for _, c := range cases {
		_, err := loadKeys(rdbFile(c.body))
		var e *Error
		if err == nil || !errors.As(err, &e) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want *Error with %q", c.name, err, c.want)
		}
	}
}

func TestRDB12Framing(t *testing.T) {
	// SLOT_INFO (cluster slot sizes) is skipped.
	got, err := loadKeys(rdbFile(func(w *Writer) {
		w.byte1(opSlotInfo)
		w.length(12182)
		w.length(1)
		w.length(0)
		w.byte1(typeString)
		w.str([]byte("k"))
		w.str([]byte("v"))
	}))
	if err != nil || got["k"] != `string:"v"` {
		t.Fatalf("got %v, %v", got, err)
	}
	b := rdbFile(func(*Writer) {})
	copy(b, "REDIS0013")
	if _, err := loadKeys(b); err == nil || !strings.Contains(err.Error(), "unsupported RDB version") {
		t.Errorf("version 13: %v", err)
	}
}

func TestModuleValueRefused(t *testing.T) {
	// A module type id packs its 9-character name, 6 bits a character, above a 10-bit
	// encoding version.
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var id uint64
	for _, c := range "ReJSON-RL" {
		id = id<<6 | uint64(strings.IndexRune(charset, c))
	}
	id = id<<10 | 3
	_, err := loadKeys(rdbFile(func(w *Writer) {
		w.byte1(typeModule2)
		w.str([]byte("json"))
		w.length(id)
	}))
	if err == nil || !strings.Contains(err.Error(), `module type "ReJSON-RL" (encoding version 3)`) {
		t.Errorf("err = %v", err)
	}
}
