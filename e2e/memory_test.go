package e2e

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fill pipelines n SETs of size-byte values and returns the replies seen.
func fill(t *testing.T, c *conn, prefix string, n, size int) (oks, ooms int) {
	t.Helper()
	val := strings.Repeat("v", size)
	const batch = 1000
	for done := 0; done < n; done += batch {
		var b bytes.Buffer
		for i := done; i < done+batch && i < n; i++ {
			b.Write(encodeCommand("SET", prefix+strconv.Itoa(i), val))
		}
		c.send(b.Bytes())
		for i := done; i < done+batch && i < n; i++ {
			switch r := c.readReply(); {
			case r == "+OK\r\n":
				oks++
			case strings.HasPrefix(r, "-OOM "):
				ooms++
			default:
				t.Fatalf("SET: %q", r)
			}
		}
	}
	return oks, ooms
}

func infoField(t *testing.T, c *conn, name string) int64 {
	t.Helper()
	m := regexp.MustCompile(name + `:(\d+)`).FindStringSubmatch(c.do("INFO", "all"))
	if m == nil {
		t.Fatalf("INFO has no %s", name)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func TestMaxmemoryEvictsUnderLRU(t *testing.T) {
	p := startRedoubt(t, "--maxmemory", "32mb", "--maxmemory-policy", "allkeys-lru")
	c := dial(t, p.addr)
	oks, ooms := fill(t, c, "k:", 200000, 500) // ~100 MB of values into a 32 MB budget
	if ooms != 0 || oks != 200000 {
		t.Fatalf("allkeys-lru refused writes: %d ok, %d OOM", oks, ooms)
	}
	keys, _ := strconv.ParseInt(strings.Trim(c.do("DBSIZE"), ":\r\n"), 10, 64)
	evicted := infoField(t, c, "evicted_keys")
	if evicted == 0 || keys >= 200000 {
		t.Fatalf("nothing evicted: keys=%d evicted=%d", keys, evicted)
	}
	// Everything written was either kept or evicted; nothing vanished otherwise.
	if keys+evicted != 200000 {
		t.Fatalf("keys %d + evicted %d != 200000", keys, evicted)
	}
	// The most recent writes survive LRU eviction.
	if got := c.do("EXISTS", "k:199999"); got != ":1\r\n" {
		t.Fatalf("the newest key was evicted: %q", got)
	}
	t.Logf("kept %d keys, evicted %d, rss %d MB", keys, evicted, p.rssBytes(t)>>20)
}

func TestMaxmemoryNoevictionRefusesWrites(t *testing.T) {
	p := startRedoubt(t, "--maxmemory", "16mb")
	c := dial(t, p.addr)
	_, ooms := fill(t, c, "k:", 100000, 500)
	if ooms == 0 {
		t.Fatal("noeviction never answered OOM past maxmemory")
	}
	if got := c.do("GET", "k:0"); got == "$-1\r\n" {
		t.Fatal("noeviction lost data")
	}
	if got := c.do("DEL", "k:0"); got != ":1\r\n" {
		t.Fatalf("DEL must work when out of memory: %q", got)
	}
}
