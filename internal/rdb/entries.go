package rdb

import (
	"bufio"
	"bytes"

	"github.com/redoubt/redoubt/internal/keyspace"
)

// Entries serializes key entries (what WriteKey writes) into memory. A snapshot uses it to
// keep a value that a write is about to change until its walk reaches that database, then
// hands the bytes to Writer.WriteEntries.
type Entries struct {
	buf bytes.Buffer
	w   Writer
}

// NewEntries returns an empty buffer; compress is rdbcompression, lruNowMs as in
// WriterOptions.
func NewEntries(compress bool, lruNowMs int64) *Entries {
	e := &Entries{}
	e.w = Writer{w: bufio.NewWriterSize(&e.buf, 4<<10), compress: compress, lruNow: lruNowMs}
	return e
}

// Add appends one key entry.
func (e *Entries) Add(key string, o *keyspace.Object, expireMs int64) error {
	if err := e.w.WriteKey(key, o, expireMs); err != nil {
		return err
	}
	return e.w.w.Flush()
}

// Len is the number of bytes buffered.
func (e *Entries) Len() int { return e.buf.Len() }

// Bytes returns the buffered bytes, valid until the next Add or Reset.
func (e *Entries) Bytes() []byte { return e.buf.Bytes() }

// Reset empties the buffer, keeping its memory for reuse.
func (e *Entries) Reset() { e.buf.Reset() }

// Take returns the buffered bytes, which become the caller's, and empties the buffer.
func (e *Entries) Take() []byte {
	b := e.buf.Bytes()
	e.buf = bytes.Buffer{}
	return b
}

// WriteEntries copies serialized entries into the file (inside the checksum).
func (w *Writer) WriteEntries(b []byte) error {
	w.raw(b)
	return w.err
}
