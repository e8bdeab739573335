package dict

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

const benchSize = 1 << 20

// benchKeys and benchOrder (a random visiting order, so that lookups miss the caches as a
// server's do) are built on first use: the tests need neither.
var (
	benchKeys  []string
	benchOrder []int
)

func benchInit() {
	if benchKeys != nil {
		return
	}
	benchKeys = make([]string, benchSize)
	for i := range benchKeys {
		benchKeys[i] = "field:" + strconv.Itoa(i)
	}
	benchOrder = rand.New(rand.NewPCG(1, 1)).Perm(benchSize)
}

func fullTable() *Table[int] {
	benchInit()
	t := New[int](0)
	for i, k := range benchKeys {
		t.Set(k, i)
	}
	return t
}

func fullMap() map[string]int {
	benchInit()
	m := make(map[string]int)
	for i, k := range benchKeys {
		m[k] = i
	}
	return m
}

func BenchmarkGet(b *testing.B) {
	b.Run("dict", func(b *testing.B) {
		t := fullTable()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t.Get(benchKeys[benchOrder[i%benchSize]])
		}
	})
	b.Run("map", func(b *testing.B) {
		m := fullMap()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_ = m[benchKeys[benchOrder[i%benchSize]]]
		}
	})
}

func BenchmarkUpdate(b *testing.B) {
	b.Run("dict", func(b *testing.B) {
		t := fullTable()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t.Set(benchKeys[benchOrder[i%benchSize]], i)
		}
	})
	b.Run("map", func(b *testing.B) {
		m := fullMap()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			m[benchKeys[benchOrder[i%benchSize]]] = i
		}
	})
}

// BenchmarkInsert grows a table from empty to 1M entries, over and over.
func BenchmarkInsert(b *testing.B) {
	benchInit()
	b.Run("dict", func(b *testing.B) {
		t := New[int](0)
		for i := 0; i < b.N; i++ {
			if i%benchSize == 0 {
				t = New[int](0)
			}
			t.Set(benchKeys[i%benchSize], i)
		}
	})
	b.Run("map", func(b *testing.B) {
		m := map[string]int{}
		for i := 0; i < b.N; i++ {
			if i%benchSize == 0 {
				m = map[string]int{}
			}
			m[benchKeys[i%benchSize]] = i
		}
	})
}

// BenchmarkDeleteInsert deletes a random entry of a 1M table and puts it back.
func BenchmarkDeleteInsert(b *testing.B) {
	b.Run("dict", func(b *testing.B) {
		t := fullTable()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			k := benchKeys[benchOrder[i%benchSize]]
			t.Delete(k)
			t.Set(k, i)
		}
	})
	b.Run("map", func(b *testing.B) {
		m := fullMap()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			k := benchKeys[benchOrder[i%benchSize]]
			delete(m, k)
			m[k] = i
		}
	})
}

func BenchmarkClone(b *testing.B) {
	t := fullTable()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t.Clone()
	}
}

// BenchmarkFirstWriteAfterClone is what a snapshot costs a client writing a 1M-entry value:
// the Clone and the copy of the shard its write touches.
func BenchmarkFirstWriteAfterClone(b *testing.B) {
	t := fullTable()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t.Clone().Set(benchKeys[benchOrder[i%benchSize]], i)
	}
}

func BenchmarkRandom(b *testing.B) {
	t := fullTable()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t.Random()
	}
}
