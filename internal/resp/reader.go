// Package resp implements the RESP2/RESP3 wire protocol: a bounded request parser and a reply encoder.
package resp

import (
	"bytes"
	"errors"

	"github.com/redoubt/redoubt/internal/sdsargs"
)

// Limits bound what a client may make the server hold. They are checked while parsing,
// before any buffer is sized from a client-declared length (Redis CVE-2021-32675).
type Limits struct {
	MaxMultibulk int   // most arguments in one command
	MaxBulk      int64 // largest single argument for this client
	HardMaxBulk  int64 // proto-max-bulk-len: checked first, so its error wins, as in Redis
	MaxInline    int   // longest inline command line
}

// Redis's own limits for clients that have not authenticated yet.
const (
	UnauthMaxMultibulk  = 10
	UnauthMaxBulk       = 16384
	DefaultMaxInline    = 64 * 1024
	DefaultMaxMultibulk = 1024 * 1024
)

// ProtocolError is a malformed request; the server replies with it and closes the connection,
// as Redis does, because the stream can no longer be trusted to be in sync.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

func protoErr(msg string) error { return &ProtocolError{Msg: msg} }

// ErrIncomplete means the buffer does not yet hold a whole command.
var ErrIncomplete = errors.New("resp: incomplete command")

// Parser extracts commands from a byte buffer owned by the caller. It keeps the state of a
// partially received multibulk so that a large argument is not re-scanned on every read.
type Parser struct {
	Limits Limits

	// state of the multibulk being parsed
	pending  int // arguments still to read; 0 means at a command boundary
	bulkLen  int64
	args     [][]byte
	argBytes int
}

// Reset drops any half-parsed command.
func (p *Parser) Reset() {
	p.pending, p.bulkLen, p.args, p.argBytes = 0, -1, p.args[:0], 0
}

// InCommand reports whether a multibulk command has been partly parsed.
func (p *Parser) InCommand() bool { return p.pending > 0 }

// Parse parses one command from buf. It returns the arguments (slices of a fresh block owned
// by the command, never of buf) and the number of bytes consumed. When buf holds only part of
// a command it returns ErrIncomplete together with the bytes it consumed so far.
func (p *Parser) Parse(buf []byte) (args [][]byte, n int, err error) {
	if p.pending == 0 {
		if len(buf) == 0 {
			return nil, 0, ErrIncomplete
		}
		if buf[0] != '*' {
			return p.parseInline(buf)
		}
		line, adv, ok := readLine(buf)
		if !ok || len(line) > p.Limits.MaxInline {
			if ok || partialLineLen(buf) > p.Limits.MaxInline {
				return nil, 0, protoErr("too big mbulk count string")
			}
			return nil, 0, ErrIncomplete
		}
		count, perr := parseLen(line[1:])
		if perr != nil || count > 1<<31 {
			return nil, 0, protoErr("invalid multibulk length")
		}
		if count > int64(p.Limits.MaxMultibulk) {
			if p.Limits.MaxMultibulk == UnauthMaxMultibulk {
				return nil, 0, protoErr("unauthenticated multibulk length")
			}
			return nil, 0, protoErr("invalid multibulk length")
		}
		n = adv
		if count <= 0 {
			return nil, n, nil // empty command: Redis silently skips it
		}
		p.pending = int(count)
		p.bulkLen = -1
		// Sized from the declared count only up to a small bound: a client-declared length
		// never sizes an allocation beyond that.
		p.args = make([][]byte, 0, min(count, 16))
	}
	for p.pending > 0 {
		if p.bulkLen < 0 {
			line, adv, ok := readLine(buf[n:])
			if !ok || len(line) > p.Limits.MaxInline {
				if ok || partialLineLen(buf[n:]) > p.Limits.MaxInline {
					return nil, n, protoErr("too big bulk count string")
				}
				return nil, n, ErrIncomplete
			}
			if len(line) == 0 || line[0] != '$' {
				got := byte('\r')
				if len(line) > 0 {
					got = line[0]
				}
				return nil, n, protoErr("expected '$', got '" + printable(got) + "'")
			}
			l, perr := parseLen(line[1:])
			hard := p.Limits.HardMaxBulk
			if hard == 0 {
				hard = p.Limits.MaxBulk
			}
			if perr != nil || l < 0 || l > hard {
				return nil, n, protoErr("invalid bulk length")
			}
			if l > p.Limits.MaxBulk {
				return nil, n, protoErr("unauthenticated bulk length")
			}
			p.bulkLen = l
			n += adv
		}
		if int64(len(buf)-n) < p.bulkLen+2 {
			return nil, n, ErrIncomplete
		}
		end := n + int(p.bulkLen)
		// One small copy per argument detaches it from the read buffer, which is reused.
		p.args = append(p.args, append([]byte(nil), buf[n:end]...))
		n = end + 2
		p.bulkLen = -1
		p.pending--
	}
	args = p.args
	p.args = nil
	return args, n, nil
}

func (p *Parser) parseInline(buf []byte) ([][]byte, int, error) {
	i := bytes.IndexByte(buf, '\n')
	// The limit applies whether or not the newline has arrived yet, so the outcome does not
	// depend on how the bytes were split across reads.
	if i > p.Limits.MaxInline {
		return nil, 0, protoErr("too big inline request")
	}
	if i < 0 {
		if len(buf) > p.Limits.MaxInline {
			return nil, 0, protoErr("too big inline request")
		}
		return nil, 0, ErrIncomplete
	}
	line := buf[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	words, err := sdsargs.Split(string(line))
	if err != nil {
		return nil, 0, protoErr("unbalanced quotes in request")
	}
	if len(words) > p.Limits.MaxMultibulk {
		return nil, 0, protoErr("invalid multibulk length")
	}
	args := make([][]byte, len(words))
	for j, w := range words {
		args[j] = []byte(w)
	}
	return args, i + 1, nil
}

// readLine returns the CRLF-terminated line at the start of b, without the CRLF.
func readLine(b []byte) (line []byte, adv int, ok bool) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, 0, false
	}
	return b[:i], i + 2, true
}

// errBadLen is parseLen's error; callers turn it into Redis's protocol error text.
var errBadLen = errors.New("resp: bad length")

// parseLen parses a *N or $N header number: an optional '-', then 1 to 18 digits, which
// cannot overflow int64. It replaces strconv on the hot path (no string conversion).
func parseLen(b []byte) (int64, error) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, errBadLen
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errBadLen
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// partialLineLen is the length an unterminated line already has for certain: a trailing CR
// may be the start of its CRLF.
func partialLineLen(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return len(b) - 1
	}
	return len(b)
}

func printable(c byte) string {
	if c < 32 || c > 126 {
		return " "
	}
	return string([]byte{c})
}
