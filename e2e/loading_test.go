package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// TestLoadingReplies: clients that connect while a large dump loads get Redis's -LOADING
// error (and INFO says loading:1) instead of a refused connection or a partial dataset, then
// the data once loading ends.
func TestLoadingReplies(t *testing.T) {
	dir := t.TempDir()
	const n = 1000000
	f, err := os.Create(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := rdb.NewWriter(bw, rdb.WriterOptions{CTime: time.Now().Unix()})
	if err != nil {
		t.Fatal(err)
	}
	w.SelectDB(0, n, 0)
	for i := 0; i < n; i++ {
		o := keyspace.Object{Str: []byte(strconv.Itoa(i))}
		if err := w.WriteKey(fmt.Sprint("key:", i), &o, -1); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	f.Close()

	port := freePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	launch(t, "redoubt", redoubtBin, []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""})
	var nc net.Conn
	for deadline := time.Now().Add(startTimeout); nc == nil; {
		if nc, err = net.Dial("tcp", addr); err != nil {
			if time.Now().After(deadline) {
				t.Fatalf("never accepted a connection: %v", err)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	c := &conn{t: t, nc: nc, br: bufio.NewReader(nc)}
	defer nc.Close()
	loadingReplies, sawInfo := 0, false
	for deadline := time.Now().Add(30 * time.Second); ; {
		got := c.do("GET", "key:999999")
		if got == "$6\r\n999999\r\n" {
			break
		}
		if got != "-LOADING Redis is loading the dataset in memory\r\n" {
			t.Fatalf("during load: %q", got)
		}
		loadingReplies++
		if info := c.do("INFO", "persistence"); strings.Contains(info, "loading:1\r\n") && strings.Contains(info, "loading_loaded_perc:") {
			sawInfo = true
		}
		if time.Now().After(deadline) {
			t.Fatal("still loading after 30 s")
		}
	}
	if loadingReplies == 0 || !sawInfo {
		t.Fatalf("connected during the load but saw %d LOADING replies, INFO loading:1 %v", loadingReplies, sawInfo)
	}
	if got := c.do("DBSIZE"); got != fmt.Sprintf(":%d\r\n", n) {
		t.Fatalf("DBSIZE after load %q", got)
	}
}
