package backup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// markLen is the length of the random end mark a server sends with "REPLCONF capa eof":
// Redis uses 40 hex characters, the size of a run id.
const markLen = 40

// maxReplyLine bounds one reply line (a status, an error, the SYNC header). Real replies are
// a few dozen bytes; the bound only stops a hostile peer from growing the buffer forever.
const maxReplyLine = 16 << 10

// copyChunk is how much of the payload is read at a time.
const copyChunk = 64 << 10

// ServerError is an error reply, such as "NOPERM this user has no permissions to run the
// 'replconf' command" or "WRONGPASS invalid username-password pair or user is disabled.".
type ServerError struct {
	Command string // what was refused, e.g. "AUTH" or "REPLCONF capa eof"; never a secret
	Reply   string // the error text, without the leading '-'
}

func (e *ServerError) Error() string { return e.Command + " refused: " + e.Reply }

// ErrTruncated reports a snapshot stream that ended before its announced end.
var ErrTruncated = errors.New("stream ended early")

// ErrTooLarge reports a snapshot larger than the configured limit.
var ErrTooLarge = errors.New("snapshot larger than the limit")

// readLine reads one CRLF-terminated line of at most maxReplyLine bytes and returns it
// without the CRLF.
func readLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxReplyLine {
			return "", fmt.Errorf("reply line longer than %d bytes", maxReplyLine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return "", fmt.Errorf("%w: connection closed in the middle of a reply line (%q)", ErrTruncated, clip(string(line)))
		}
		if err != nil {
			return "", err
		}
		break
	}
	if !bytes.HasSuffix(line, []byte("\r\n")) {
		return "", fmt.Errorf("reply line not terminated by CRLF: %q", clip(string(line)))
	}
	return string(line[:len(line)-2]), nil
}

// readStatus reads the reply to command and accepts only a status reply ("+OK").
func readStatus(r *bufio.Reader, command string) error {
	line, err := readLine(r)
	if err != nil {
		return fmt.Errorf("reading the reply to %s: %w", command, err)
	}
	switch {
	case strings.HasPrefix(line, "+"):
		return nil
	case strings.HasPrefix(line, "-"):
		return &ServerError{Command: command, Reply: line[1:]}
	}
	return fmt.Errorf("unexpected reply to %s: %q", command, clip(line))
}

// skipKeepalives consumes the bare newlines Redis sends every second while it prepares the
// snapshot, so the client's read timeout does not fire during a long BGSAVE.
func skipKeepalives(r *bufio.Reader) error {
	for {
		b, err := r.Peek(1)
		if err == io.EOF {
			return fmt.Errorf("%w: connection closed before the reply to SYNC", ErrTruncated)
		}
		if err != nil {
			return err
		}
		if b[0] != '\n' {
			return nil
		}
		r.Discard(1)
	}
}

// readPayload reads the reply to SYNC from r and copies the RDB bytes it carries to dst. The
// reply is "$EOF:<mark>\r\n<rdb><mark>" (streamed, after "REPLCONF capa eof") or
// "$<length>\r\n<rdb>" (no trailing CRLF), possibly preceded by keepalive newlines. At most
// limit bytes are accepted. It returns the number of RDB bytes written to dst.
func readPayload(r *bufio.Reader, dst io.Writer, limit int64) (int64, error) {
	if err := skipKeepalives(r); err != nil {
		return 0, err
	}
	line, err := readLine(r)
	if err != nil {
		return 0, fmt.Errorf("reading the reply to SYNC: %w", err)
	}
	switch {
	case strings.HasPrefix(line, "-"):
		return 0, &ServerError{Command: "SYNC", Reply: line[1:]}
	case strings.HasPrefix(line, "$EOF:"):
		mark := line[len("$EOF:"):]
		if len(mark) != markLen {
			return 0, fmt.Errorf("SYNC end mark is %d bytes, want %d: %q", len(mark), markLen, clip(line))
		}
		return copyUntilMark(dst, r, []byte(mark), limit)
	case strings.HasPrefix(line, "$"):
		n, err := strconv.ParseInt(line[1:], 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad snapshot length in the reply to SYNC: %q", clip(line))
		}
		if n > limit {
			return 0, fmt.Errorf("%w: the server announced %d bytes, the limit is %d", ErrTooLarge, n, limit)
		}
		return copyExactly(dst, r, n)
	}
	return 0, fmt.Errorf("unexpected reply to SYNC: %q", clip(line))
}

// copyExactly copies the n announced bytes from r to dst.
func copyExactly(dst io.Writer, r io.Reader, n int64) (int64, error) {
	done, err := io.CopyN(dst, r, n)
	if err == io.EOF {
		return done, fmt.Errorf("%w: connection closed after %d of %d announced bytes", ErrTruncated, done, n)
	}
	if err != nil {
		return done, fmt.Errorf("after %d of %d announced bytes: %w", done, n, err)
	}
	return done, nil
}

// copyUntilMark copies r to dst up to the end mark. The mark may arrive split across reads,
// so the last markLen-1 bytes seen are held back until the next read shows whether they
// begin the mark. Anything after the mark is ignored.
func copyUntilMark(dst io.Writer, r io.Reader, mark []byte, limit int64) (int64, error) {
	buf := make([]byte, markLen-1+copyChunk)
	held, written := 0, int64(0)
	for {
		n, rerr := r.Read(buf[held:])
		held += n
		if i := bytes.Index(buf[:held], mark); i >= 0 {
			return written + int64(i), writeLimited(dst, buf[:i], written, limit)
		}
		if keep := markLen - 1; held > keep {
			out := buf[:held-keep]
			if err := writeLimited(dst, out, written, limit); err != nil {
				return written, err
			}
			written += int64(len(out))
			held = copy(buf, buf[held-keep:held])
		}
		if rerr == io.EOF {
			return written, fmt.Errorf("%w: connection closed after %d bytes of the snapshot, before its end mark", ErrTruncated, written+int64(held))
		}
		if rerr != nil {
			return written, fmt.Errorf("after %d bytes of the snapshot: %w", written+int64(held), rerr)
		}
	}
}

// writeLimited writes p to dst unless that would take the total past limit.
func writeLimited(dst io.Writer, p []byte, written, limit int64) error {
	if written+int64(len(p)) > limit {
		return fmt.Errorf("%w: more than %d bytes streamed", ErrTooLarge, limit)
	}
	if _, err := dst.Write(p); err != nil {
		return fmt.Errorf("writing the snapshot: %w", err)
	}
	return nil
}

// clip shortens a peer-supplied text for an error message.
func clip(s string) string {
	const max = 120
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
