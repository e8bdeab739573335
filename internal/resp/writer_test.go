package resp

import (
	"math"
	"testing"
)

var writerTests = []struct {
	name  string
	proto int
	write func(w *Writer)
	want  string
}{
	{"null resp2", 2, func(w *Writer) { w.Null() }, "$-1\r\n"},
	{"null resp3", 3, func(w *Writer) { w.Null() }, "_\r\n"},
	{"null array resp2", 2, func(w *Writer) { w.NullArray() }, "*-1\r\n"},
	{"map resp2", 2, func(w *Writer) { w.Map(2) }, "*4\r\n"},
	{"map resp3", 3, func(w *Writer) { w.Map(2) }, "%2\r\n"},
	{"set resp3", 3, func(w *Writer) { w.Set(1) }, "~1\r\n"},
	{"double resp2", 2, func(w *Writer) { w.Double(1.5) }, "$3\r\n1.5\r\n"},
	{"double resp3", 3, func(w *Writer) { w.Double(0.1) }, ",0.10000000000000001\r\n"},
	{"inf", 3, func(w *Writer) { w.Double(math.Inf(-1)) }, ",-inf\r\n"},
	{"bool resp2", 2, func(w *Writer) { w.Bool(true) }, ":1\r\n"},
	{"bool resp3", 3, func(w *Writer) { w.Bool(false) }, "#f\r\n"},
	{"verbatim resp3", 3, func(w *Writer) { w.Verbatim("txt", "hi") }, "=6\r\ntxt:hi\r\n"},
	{"verbatim resp2", 2, func(w *Writer) { w.Verbatim("txt", "hi") }, "$2\r\nhi\r\n"},
	{"error sanitized", 2, func(w *Writer) { w.Error("ERR bad\r\n+OK") }, "-ERR bad  +OK\r\n"},
	{"int", 2, func(w *Writer) { w.Int(-42) }, ":-42\r\n"},
}

func TestWriter(t *testing.T) {
	for _, tt := range writerTests {
		w := &Writer{Proto: tt.proto}
		tt.write(w)
		if got := string(w.Buf); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestErrorCounting(t *testing.T) {
	w := &Writer{}
	w.Error("WRONGTYPE Operation against a key holding the wrong kind of value")
	if w.Errors != 1 || w.LastErr != "WRONGTYPE" {
		t.Fatalf("Errors=%d LastErr=%q", w.Errors, w.LastErr)
	}
}
