package e2e

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashWriter increments its own counter as fast as the server acknowledges, remembering the
// last value acknowledged and the number of INCRs sent.
type crashWriter struct {
	key       string
	acked     int64
	sent      int64
	ackedLock sync.Mutex
}

func (w *crashWriter) run(addr string, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	req := encodeCommand("INCR", w.key)
	for {
		select {
		case <-stop:
			return
		default:
		}
		w.ackedLock.Lock()
		w.sent++
		w.ackedLock.Unlock()
		nc.SetDeadline(time.Now().Add(ioTimeout))
		if _, err := nc.Write(req); err != nil {
			return
		}
		line, err := br.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, ":") {
			return // the server died before acknowledging: this INCR is in doubt
		}
		v, _ := strconv.ParseInt(strings.TrimSpace(line[1:]), 10, 64)
		w.ackedLock.Lock()
		w.acked = v
		w.ackedLock.Unlock()
	}
}

// TestCrashKeepsAcknowledgedWrites kills the server with SIGKILL at random moments while
// writers hammer it, 50 times on the same AOF directory, and checks after every restart that
// each acknowledged INCR is there and nothing that was never sent is. With appendfsync always
// that is the durability promise. With everysec the promise is for OS crashes (up to about two
// seconds lost); a killed process loses nothing either, because Redoubt, like Redis, write()s
// the AOF before replying — so the same check applies.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("crash rounds take ~30 s")
	}
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) {
			dir := t.TempDir()
			rounds := 25
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
			writers := make([]*crashWriter, 4)
			for i := range writers {
				writers[i] = &crashWriter{key: fmt.Sprint("counter:", i)}
			}
			for round := 0; round < rounds; round++ {
				p := startRedoubt(t, "--dir", dir, "--appendonly", "yes", "--appendfsync", policy, "--save", "")
				c := dial(t, p.addr)
				for _, w := range writers {
					got := c.do("GET", w.key)
					n := int64(0)
					if got != "$-1\r\n" {
						node, _ := parseReply(got)
						n, _ = strconv.ParseInt(node.str(), 10, 64)
					}
					if n < w.acked || n > w.sent {
						t.Fatalf("round %d: %s = %d after restart; acknowledged %d, sent %d", round, w.key, n, w.acked, w.sent)
					}
					// What survived is the new truth for both bounds.
					w.acked, w.sent = n, n
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for _, w := range writers {
					wg.Add(1)
					go w.run(p.addr, stop, &wg)
				}
				time.Sleep(time.Duration(20+r.IntN(200)) * time.Millisecond)
				p.kill()
				close(stop)
				wg.Wait()
			}
			total := int64(0)
			for _, w := range writers {
				total += w.acked
			}
			if total == 0 {
				t.Fatal("no write was ever acknowledged: the test tested nothing")
			}
			t.Logf("%s: %d rounds, %d acknowledged INCRs survived SIGKILL", policy, rounds, total)
		})
	}
}
