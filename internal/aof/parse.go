package aof

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"strconv"
)

// An AOF file is RESP multibulk commands ("*<argc>\r\n" then "$<len>\r\n<bytes>\r\n" per
// argument), with "#..." annotation lines (Redis writes "#TS:<unix>\r\n") between them. A
// base file, or a legacy single file, may start with an RDB preamble instead.

// CorruptError is an AOF file that cannot be replayed past a point.
type CorruptError struct {
	File   string
	Offset int64 // where the bad or incomplete data starts
	// ValidUpTo is the end of the last complete command outside a transaction: what
	// loading keeps, and where a fix truncates.
	ValidUpTo int64
	Msg       string
	// Truncated reports a torn tail: the file ends inside a command, or inside a MULTI
	// without its EXEC. Anything else is corruption.
	Truncated bool
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("aof: %s: offset %d: %s (valid up to offset %d); make a backup of the file, then run `redoubt check-aof --fix <manifest>`",
		e.File, e.Offset, e.Msg, e.ValidUpTo)
}

const (
	// maxHeaderLine fits "*<int64>\r\n" and "$<int64>\r\n".
	maxHeaderLine = 24
	// maxAnnotation is Redis's AOF_ANNOTATION_LINE_MAX_LEN, newline included.
	maxAnnotation = 1024
	// initialArgs caps the argument slice preallocated from a declared count.
	initialArgs = 64
)

// scanner reads commands from one file, tracking the offset of every byte. No allocation
// is sized by a declared length beyond the bytes the file still holds.
type scanner struct {
	br    *bufio.Reader
	off   int64 // offset of the next unread byte in the file
	end   int64 // file size
	lines int64 // lines read, counting a bulk payload as one (as redis-check-aof does)
	file  string
}

func newScanner(r io.Reader, file string, start, end int64) *scanner {
	return &scanner{br: bufio.NewReaderSize(r, 64<<10), off: start, end: end, file: file}
}

// scanError is a scanning failure, before replay turns it into a CorruptError: torn when the
// file ends inside a command, malformed otherwise.
type scanError struct {
	off  int64
	msg  string
	torn bool
}

func (e *scanError) Error() string { return e.msg }

func (s *scanner) torn(at int64, format string, a ...any) error {
	return &scanError{off: at, msg: fmt.Sprintf(format, a...), torn: true}
}

func (s *scanner) bad(at int64, format string, a ...any) error {
	return &scanError{off: at, msg: fmt.Sprintf(format, a...)}
}

// readLine reads through the next '\n'. eof reports a last line without one.
func (s *scanner) readLine(limit int) (line []byte, eof bool, err error) {
	at := s.off
	b, err := s.br.ReadSlice('\n')
	switch {
	case len(b) > limit || errors.Is(err, bufio.ErrBufferFull):
		return nil, false, s.bad(at, "line longer than %d bytes", limit)
	case err == io.EOF:
		s.off += int64(len(b))
		return b, true, nil
	case err != nil:
		return nil, false, fmt.Errorf("aof: %s: offset %d: %w", s.file, at, err)
	}
	s.off += int64(len(b))
	s.lines++
	return b, false, nil
}

// header reads "<prefix><digits>\r\n".
func (s *scanner) header(prefix byte) (int64, error) {
	at := s.off
	line, eof, err := s.readLine(maxHeaderLine)
	if err != nil {
		return 0, err
	}
	if eof {
		if headerPrefix(line, prefix) {
			return 0, s.torn(at, "file ends inside a '%c' header", prefix)
		}
		return 0, s.bad(at, "malformed '%c' header %q", prefix, line)
	}
	n, ok := parseHeader(line, prefix)
	if !ok {
		return 0, s.bad(at, "malformed '%c' header %q", prefix, bytes.TrimRight(line, "\r\n"))
	}
	return n, nil
}

// headerPrefix reports whether b could still become a valid header.
func headerPrefix(b []byte, prefix byte) bool {
	if len(b) == 0 {
		return true
	}
	if b[0] != prefix {
		return false
	}
	digits := b[1:]
	if len(digits) > 0 && digits[len(digits)-1] == '\r' {
		digits = digits[:len(digits)-1]
		if len(digits) == 0 {
			return false
		}
	}
	return len(digits) <= 18 && allDigits(digits)
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseHeader parses a complete "<prefix><digits>\r\n" line; 18 digits keep it in int64.
func parseHeader(line []byte, prefix byte) (int64, bool) {
	if len(line) < 4 || line[0] != prefix || line[len(line)-2] != '\r' {
		return 0, false
	}
	digits := line[1 : len(line)-2]
	if len(digits) > 18 || !allDigits(digits) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(digits), 10, 64)
	return n, err == nil
}

// next returns the next command, skipping annotations; io.EOF at a clean end of file.
func (s *scanner) next() (args [][]byte, start int64, err error) {
	for {
		start = s.off
		c, err := s.br.Peek(1)
		if err == io.EOF {
			return nil, start, io.EOF
		}
		if err != nil {
			return nil, start, fmt.Errorf("aof: %s: offset %d: %w", s.file, start, err)
		}
		switch c[0] {
		case '#':
			if _, eof, err := s.readLine(maxAnnotation); err != nil {
				return nil, start, err
			} else if eof {
				return nil, start, s.torn(start, "file ends inside an annotation")
			}
		case '*':
			args, err := s.command()
			return args, start, err
		default:
			return nil, start, s.bad(start, "expected '*' or '#', found byte 0x%02x", c[0])
		}
	}
}

func (s *scanner) command() ([][]byte, error) {
	at := s.off
	argc, err := s.header('*')
	if err != nil {
		return nil, err
	}
	if argc < 1 {
		return nil, s.bad(at, "invalid argument count %d", argc)
	}
	args := make([][]byte, 0, min(argc, initialArgs))
	for range argc {
		arg, err := s.bulk()
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	return args, nil
}

func (s *scanner) bulk() ([]byte, error) {
	n, err := s.header('$')
	if err != nil {
		return nil, err
	}
	if left := s.end - s.off; n+2 > left {
		return nil, s.torn(s.off, "bulk of %d bytes but the file has %d left", n, left)
	}
	arg := make([]byte, n)
	if _, err := io.ReadFull(s.br, arg); err != nil {
		return nil, s.readErr(err)
	}
	s.off += n
	s.lines++
	var crlf [2]byte
	if _, err := io.ReadFull(s.br, crlf[:]); err != nil {
		return nil, s.readErr(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return nil, s.bad(s.off, "expected \\r\\n after a %d byte argument, found %q", n, crlf[:])
	}
	s.off += 2
	return arg, nil
}

// readErr classifies a read error: the file shrinking under us is a torn tail.
func (s *scanner) readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return s.torn(s.off, "unexpected end of file")
	}
	return fmt.Errorf("aof: %s: offset %d: %w", s.file, s.off, err)
}

// replayResult is what reading one file found.
type replayResult struct {
	ValidUpTo int64
	Commands  int64
	Lines     int64
}

// replay reads every command through the end of the file and hands each to exec, in order.
// The commands of a MULTI are handed over only once its EXEC has been read, without the
// MULTI and EXEC themselves, so a torn transaction is never half applied.
func (s *scanner) replay(exec func(args [][]byte) error) (replayResult, error) {
	res := replayResult{ValidUpTo: s.off}
	var queued [][][]byte
	inMulti := false
	multiAt := int64(0)
	for {
		args, start, err := s.next()
		if err == io.EOF {
			res.Lines = s.lines
			if inMulti {
				return res, s.corrupt(s.torn(multiAt, "MULTI without EXEC at the end of the file"), res.ValidUpTo)
			}
			res.ValidUpTo = s.off // trailing annotations included
			return res, nil
		}
		if err != nil {
			res.Lines = s.lines + 1
			return res, s.corrupt(err, res.ValidUpTo)
		}
		switch {
		case bytes.EqualFold(args[0], []byte("MULTI")):
			if inMulti {
				return res, s.corrupt(s.bad(start, "MULTI inside MULTI"), res.ValidUpTo)
			}
			inMulti, multiAt, queued = true, start, queued[:0]
			continue
		case bytes.EqualFold(args[0], []byte("EXEC")):
			if !inMulti {
				return res, s.corrupt(s.bad(start, "EXEC without MULTI"), res.ValidUpTo)
			}
			inMulti = false
			for _, q := range queued {
				if err := s.exec(exec, q, multiAt); err != nil {
					return res, err
				}
			}
			res.Commands += int64(len(queued))
			queued = queued[:0]
		case inMulti:
			queued = append(queued, args)
			continue
		default:
			if err := s.exec(exec, args, start); err != nil {
				return res, err
			}
			res.Commands++
		}
		res.ValidUpTo = s.off
	}
}

func (s *scanner) exec(exec func([][]byte) error, args [][]byte, at int64) error {
	if err := exec(args); err != nil {
		return fmt.Errorf("aof: %s: offset %d: command %q: %w", s.file, at, clip(string(args[0])), err)
	}
	return nil
}

// corrupt turns a scanning failure into a CorruptError; I/O errors pass through.
func (s *scanner) corrupt(err error, validUpTo int64) error {
	var se *scanError
	if !errors.As(err, &se) {
		return err
	}
	return &CorruptError{File: s.file, Offset: se.off, ValidUpTo: validUpTo, Msg: se.msg, Truncated: se.torn}
}

// crcTable is Redis's CRC-64/Jones; hash/crc64 inverts before and after, which rdbCRC undoes.
var crcTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

func rdbCRC(crc uint64, p []byte) uint64 { return ^crc64.Update(^crc, crcTable, p) }

// maxZeroCRCCandidates bounds the parses spent on a preamble written with rdbchecksum no,
// whose end can only be confirmed by parsing.
const maxZeroCRCCandidates = 16

var errNoRDBEnd = errors.New("no end of the RDB preamble found (truncated or corrupt)")

// rdbEnd finds where the RDB at the start of r ends: an EOF opcode (0xFF) followed by the
// 8-byte CRC-64 of everything up to and including it. An all-zero checksum (rdbchecksum no)
// matches any 0xFF followed by eight zeros, so such a candidate counts only if verify
// confirms it.
func rdbEnd(r io.Reader, verify func(end int64) bool) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var crc uint64
	var off int64
	zeroTries := 0
	for {
		chunk, err := br.ReadSlice(0xFF)
		crc = rdbCRC(crc, chunk)
		off += int64(len(chunk))
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			return 0, errNoRDBEnd
		case err != nil:
			return 0, err
		}
		sum, err := br.Peek(9)
		if len(sum) < 8 {
			if err == io.EOF {
				return 0, errNoRDBEnd
			}
			return 0, err
		}
		want := binary.LittleEndian.Uint64(sum)
		if want == crc {
			return off + 8, nil
		}
		// Only the end of the file or a command can follow a preamble, which rules out most
		// zero runs inside binary values before paying for a parse.
		if want == 0 && (len(sum) == 8 || sum[8] == '*' || sum[8] == '#') && zeroTries < maxZeroCRCCandidates {
			zeroTries++
			if verify(off + 8) {
				return off + 8, nil
			}
		}
	}
}

// hasRDBMagic reports whether the file starts like an RDB file.
func hasRDBMagic(f io.ReaderAt) (bool, error) {
	var magic [5]byte
	n, err := f.ReadAt(magic[:], 0)
	if n == len(magic) {
		return string(magic[:]) == "REDIS", nil
	}
	if err == io.EOF {
		return false, nil
	}
	return false, err
}
