package backup

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// testMark has no border (no proper prefix that is also a suffix), so payload+mark holds the
// mark only at its end unless the payload itself contains it.
const testMark = "d41d8cd98f00b204e9800998ecf8427e3a7b9c05"

// chunkReader returns its input in reads of at most size bytes, then err (io.EOF if nil).
type chunkReader struct {
	data []byte
	size int
	err  error
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		return 0, io.EOF
	}
	n := min(len(p), c.size, len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// splitReader returns data as two reads, split at i.
func splitReader(data []byte, i int) io.Reader {
	return io.MultiReader(bytes.NewReader(data[:i]), bytes.NewReader(data[i:]))
}

func eofFramed(payload string) string { return "$EOF:" + testMark + "\r\n" + payload + testMark }

func TestReadPayload(t *testing.T) {
	rdbBytes := "REDIS0010\xfa\x09redis-ver\x057.0.15\xff" + strings.Repeat("x", 200)
	big := strings.Repeat("0123456789", 20000) // spans several copy chunks
	cases := []struct {
		name    string
		in      string
		limit   int64
		want    string
		wantErr error  // checked with errors.Is when set
		errText string // checked as a substring when set
	}{
		{name: "eof mark", in: eofFramed(rdbBytes), want: rdbBytes},
		{name: "eof mark, large payload", in: eofFramed(big), want: big},
		{name: "eof mark, empty payload", in: eofFramed(""), want: ""},
		{name: "eof mark, bytes after the mark ignored", in: eofFramed("abc") + "\r\n+PING\r\n", want: "abc"},
		{name: "eof mark, payload holds a mark prefix", in: eofFramed("a" + testMark[:39] + "b"), want: "a" + testMark[:39] + "b"},
		{name: "length", in: "$5\r\nhello", want: "hello"},
		{name: "length zero", in: "$0\r\n", want: ""},
		{name: "keepalives then length", in: "\n\n\n$5\r\nhello", want: "hello"},
		{name: "keepalives then eof mark", in: "\n\n" + eofFramed("abc"), want: "abc"},
		{name: "NOAUTH", in: "-NOAUTH Authentication required.\r\n", errText: "SYNC refused: NOAUTH Authentication required."},
		{name: "NOPERM", in: "-NOPERM this user has no permissions to run the 'sync' command\r\n", errText: "NOPERM this user has no permissions"},
		{name: "ERR after keepalives", in: "\n\n-ERR Replication is not supported\r\n", errText: "SYNC refused: ERR Replication"},
		{name: "truncated length form", in: "$10\r\nhello", wantErr: ErrTruncated, errText: "5 of 10 announced bytes"},
		{name: "mark never comes", in: "$EOF:" + testMark + "\r\n" + rdbBytes, wantErr: ErrTruncated, errText: "before its end mark"},
		{name: "mark cut short", in: "$EOF:" + testMark + "\r\nabc" + testMark[:20], wantErr: ErrTruncated},
		{name: "oversize length", in: "$1000001\r\nabc", limit: 1000000, wantErr: ErrTooLarge, errText: "announced 1000001 bytes"},
		{name: "huge length", in: "$9223372036854775807\r\n", wantErr: ErrTooLarge},
		{name: "length overflow", in: "$99999999999999999999\r\n", errText: "bad snapshot length"},
		{name: "eof stream over the limit", in: eofFramed(big), limit: 1000, wantErr: ErrTooLarge},
		{name: "negative length", in: "$-1\r\n", errText: "bad snapshot length"},
		{name: "short mark", in: "$EOF:abc\r\nxyzabc", errText: "end mark is 3 bytes"},
		{name: "status instead of payload", in: "+FULLRESYNC 0123 0\r\n", errText: "unexpected reply to SYNC"},
		{name: "header without CR", in: "$5\nhello", errText: "not terminated by CRLF"},
		{name: "endless header line", in: "$" + strings.Repeat("9", 2*maxReplyLine), errText: "longer than"},
		{name: "nothing", in: "", wantErr: ErrTruncated},
		{name: "only keepalives", in: "\n\n\n", wantErr: ErrTruncated},
		{name: "header cut short", in: "$EOF:" + testMark[:10], wantErr: ErrTruncated},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"7 bytes":  func(s string) io.Reader { return &chunkReader{data: []byte(s), size: 7} },
	}
	for _, c := range cases {
		for rname, mk := range readers {
			t.Run(c.name+"/"+rname, func(t *testing.T) {
				limit := c.limit
				if limit == 0 {
					limit = 1 << 30
				}
				var out bytes.Buffer
				n, err := readPayload(bufio.NewReader(mk(c.in)), &out, limit)
				if c.wantErr == nil && c.errText == "" {
					if err != nil {
						t.Fatalf("error %v", err)
					}
					if out.String() != c.want || n != int64(len(c.want)) {
						t.Fatalf("got %d bytes %q, want %q", n, clip(out.String()), clip(c.want))
					}
					return
				}
				if err == nil {
					t.Fatalf("no error, got %q", clip(out.String()))
				}
				if c.wantErr != nil && !errors.Is(err, c.wantErr) {
					t.Errorf("error %v, want %v", err, c.wantErr)
				}
				if !strings.Contains(err.Error(), c.errText) {
					t.Errorf("error %q, want it to contain %q", err, c.errText)
				}
				if out.Len() > int(limit) {
					t.Errorf("wrote %d bytes past the limit %d", out.Len(), limit)
				}
			})
		}
	}
}

// TestReadPayloadMarkSplitAnywhere splits the stream at every offset, so the mark (and the
// header) arrive cut at every possible place.
func TestReadPayloadMarkSplitAnywhere(t *testing.T) {
	payload := "REDIS0010" + strings.Repeat("y", 100) + "\xff12345678"
	in := []byte("\n" + eofFramed(payload))
	for i := 0; i <= len(in); i++ {
		var out bytes.Buffer
		n, err := readPayload(bufio.NewReader(splitReader(in, i)), &out, 1<<20)
		if err != nil || out.String() != payload || n != int64(len(payload)) {
			t.Fatalf("split at %d: n=%d err=%v got %q", i, n, err, out.String())
		}
	}
}

func TestReadPayloadServerError(t *testing.T) {
	_, err := readPayload(bufio.NewReader(strings.NewReader("-NOPERM no permissions\r\n")), io.Discard, 100)
	var se *ServerError
	if !errors.As(err, &se) || se.Command != "SYNC" || se.Reply != "NOPERM no permissions" {
		t.Fatalf("error %#v, want a ServerError for SYNC", err)
	}
}

func TestReadPayloadPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := &chunkReader{data: []byte("$EOF:" + testMark + "\r\n" + strings.Repeat("z", 100)), size: 16, err: boom}
	n, err := readPayload(bufio.NewReader(r), io.Discard, 1<<20)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "after 100 bytes") {
		t.Fatalf("error %v after %d bytes, want the read error with the byte count", err, n)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestReadPayloadWriteError(t *testing.T) {
	for _, in := range []string{eofFramed(strings.Repeat("a", 100)), "$100\r\n" + strings.Repeat("a", 100)} {
		_, err := readPayload(bufio.NewReader(strings.NewReader(in)), failingWriter{}, 1<<20)
		if err == nil || !strings.Contains(err.Error(), "no space left") {
			t.Errorf("%q: error %v, want the write error", clip(in), err)
		}
	}
}

func TestReadStatus(t *testing.T) {
	cases := []struct{ in, errText string }{
		{"+OK\r\n", ""},
		{"-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH refused: WRONGPASS invalid"},
		{":1\r\n", "unexpected reply to AUTH"},
		{"+OK", "connection closed in the middle of a reply line"},
		{"", "connection closed"},
	}
	for _, c := range cases {
		err := readStatus(bufio.NewReader(strings.NewReader(c.in)), "AUTH")
		if c.errText == "" {
			if err != nil {
				t.Errorf("%q: %v", c.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.errText) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.errText)
		}
	}
}

// FuzzReadPayload feeds arbitrary server bytes in arbitrary read sizes: no panic, no more
// than the limit written, a count that matches the bytes written; and any payload framed
// either way comes back intact.
func FuzzReadPayload(f *testing.F) {
	f.Add([]byte(eofFramed("REDIS0010\xff")), uint8(3))
	f.Add([]byte("\n\n$5\r\nhello"), uint8(1))
	f.Add([]byte("-NOPERM x\r\n"), uint8(200))
	f.Add([]byte("$EOF:"+testMark+"\r\n"+testMark[:39]), uint8(39))
	f.Fuzz(func(t *testing.T, raw []byte, chunk uint8) {
		size := int(chunk%64) + 1
		const limit = 1 << 16
		var out bytes.Buffer
		n, err := readPayload(bufio.NewReader(&chunkReader{data: raw, size: size}), &out, limit)
		if out.Len() > limit || n != int64(out.Len()) {
			t.Fatalf("n=%d, wrote %d bytes (limit %d), err %v", n, out.Len(), limit, err)
		}
		if len(raw) > limit || bytes.Contains(raw, []byte(testMark)) {
			return
		}
		for _, framed := range [][]byte{
			[]byte(eofFramed(string(raw))),
			append([]byte("$"+strconv.Itoa(len(raw))+"\r\n"), raw...),
		} {
			out.Reset()
			n, err := readPayload(bufio.NewReader(&chunkReader{data: framed, size: size}), &out, limit)
			if err != nil || !bytes.Equal(out.Bytes(), raw) || n != int64(len(raw)) {
				t.Fatalf("round trip of %q: n=%d err=%v got %q", raw, n, err, out.Bytes())
			}
		}
	})
}
