package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// DUMP payloads (Redis's DUMP/RESTORE serialization): the value's RDB type byte and body,
// exactly as in an RDB file after the key, then the RDB version as two little-endian bytes,
// then the CRC64 (Redis's crc64, little-endian) of everything before it.

// ErrDumpPayload is a payload too short to hold its footer, of a newer RDB version, or whose
// checksum does not match (Redis answers "DUMP payload version or checksum are wrong").
var ErrDumpPayload = errors.New("DUMP payload version or checksum are wrong")

// ErrBadData wraps every other decoding failure (Redis answers "Bad data format").
var ErrBadData = errors.New("Bad data format")

// dumpFooter is the version and checksum trailer.
const dumpFooter = 10

// maxDumpType is the newest value type Redis 7.0 accepts in a payload (rdbIsObjectType:
// 0-7 and 9-19; SET_LISTPACK and STREAM_LISTPACKS_3 came with RDB 11).
const maxDumpType = typeStreamListpacks2

// EncodeValue serializes o as Redis's DUMP does.
func EncodeValue(o *keyspace.Object) ([]byte, error) {
	var buf bytes.Buffer
	w := &Writer{w: bufio.NewWriter(&buf), compress: true}
	// WriteKey writes type, key, value: with the empty key the key is the single length
	// byte 0 right after the type byte, which is cut out below.
	if err := w.WriteKey("", o, -1); err != nil {
		return nil, err
	}
	if err := w.w.Flush(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if len(b) < 2 || b[1] != 0 {
		return nil, fmt.Errorf("rdb: unexpected key encoding in value serialization")
	}
	out := make([]byte, 0, len(b)-1+dumpFooter)
	out = append(out, b[0])
	out = append(out, b[2:]...)
	out = append(out, byte(Version), byte(Version>>8))
	var crc [8]byte
	le.PutUint64(crc[:], crc64Update(0, out))
	return append(out, crc[:]...), nil
}

// VerifyPayload checks a DUMP payload's length, RDB version and checksum (verifyDumpPayload).
func VerifyPayload(payload []byte) error {
	if len(payload) < dumpFooter {
		return ErrDumpPayload
	}
	footer := payload[len(payload)-dumpFooter:]
	if ver := int(footer[0]) | int(footer[1])<<8; ver > Version {
		return ErrDumpPayload
	}
	if crc64Update(0, payload[:len(payload)-8]) != le.Uint64(footer[2:]) {
		return ErrDumpPayload
	}
	return nil
}

// DecodeValue parses a DUMP payload: it verifies the footer (ErrDumpPayload), then decodes the
// value with the file reader's hardened decoders, requiring the value to fill the payload up
// to the footer exactly. Every other failure wraps ErrBadData. Empty collections (but not
// empty streams, which Redis keeps) and module values are refused. The whole value is
// decoded and checked before it is returned, so RESTORE stores nothing from a bad payload.
// Nothing of the payload is aliased by the result.
func DecodeValue(payload []byte, o Options) (keyspace.Object, error) {
	if err := VerifyPayload(payload); err != nil {
		return keyspace.Object{}, err
	}
	if o.Hash == (hash.Limits{}) {
		o.Hash = hash.Limits{Entries: 128, Value: 64}
	}
	if o.ZSet == (zset.Limits{}) {
		o.ZSet = zset.Limits{Entries: 128, Value: 64}
	}
	if o.SetInts == 0 {
		o.SetInts = 512
	}
	body := payload[:len(payload)-dumpFooter]
	r := &reader{b: body, o: o, ver: Version}
	bad := func(err error) (keyspace.Object, error) {
		return keyspace.Object{}, fmt.Errorf("%w: %v", ErrBadData, err)
	}
	t, err := r.byte1()
	if err != nil {
		return bad(err)
	}
	if t > maxDumpType || t == 8 {
		return bad(fmt.Errorf("unknown value type %d", t))
	}
	obj, ok, err := r.value(t)
	if err != nil {
		return bad(err)
	}
	if !ok {
		return bad(errors.New("empty collection"))
	}
	if r.p != len(body) {
		return bad(fmt.Errorf("%d trailing bytes after the value", len(body)-r.p))
	}
	return obj, nil
}
