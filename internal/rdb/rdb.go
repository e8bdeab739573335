// Package rdb reads and writes Redis's RDB snapshot format (as Redis 7.0 writes it, RDB
// version 10), so that a real Redis loads the files written here and the reader loads theirs.
//
// The Writer emits strings (with Redis's integer encodings and LZF compression), lists as
// QUICKLIST_2 with PACKED (listpack) nodes, hashes as RDB_TYPE_HASH, sets as RDB_TYPE_SET,
// sorted sets as RDB_TYPE_ZSET_2 and streams as STREAM_LISTPACKS_2. The reader loads every
// encoding Redis 7.0 writes, the older ziplist/intset/stream ones, and those of Redis 7.2 and
// 7.4 (RDB 11 and 12; hashes with field expiry load as plain hashes, see hashttl.go). Module
// values are refused. The reader treats its input as hostile: every declared length is
// checked against the bytes that remain before anything is allocated from it.
package rdb

import (
	"encoding/binary"
	"fmt"
	"hash/crc64"
)

// Version is the RDB version the Writer emits (Redis 7.0).
const Version = 10

// maxVersion is the newest version the reader accepts: Redis 7.2 writes 11 (new encodings
// SET_LISTPACK and STREAM_LISTPACKS_3), 7.4 writes 12 (hashes with field expiry and the
// SLOT_INFO opcode).
const maxVersion = 12

// Value types.
const (
	typeString           = 0
	typeList             = 1
	typeSet              = 2
	typeZSet             = 3
	typeHash             = 4
	typeZSet2            = 5
	typeModule           = 6
	typeModule2          = 7
	typeHashZipmap       = 9
	typeListZiplist      = 10
	typeSetIntset        = 11
	typeZSetZiplist      = 12
	typeHashZiplist      = 13
	typeListQuicklist    = 14
	typeStreamListpacks  = 15
	typeHashListpack     = 16
	typeZSetListpack     = 17
	typeListQuicklist2   = 18
	typeStreamListpacks2 = 19
	typeSetListpack      = 20
	typeStreamListpacks3 = 21
	// Hashes with field expiry (RDB 12); the PRE_GA ones come from 7.4 release candidates.
	typeHashMetadataPreGA   = 22
	typeHashListpackExPreGA = 23
	typeHashMetadata        = 24
	typeHashListpackEx      = 25
)

// Opcodes.
const (
	opSlotInfo     = 244
	opFunction2    = 245
	opFunction     = 246
	opModuleAux    = 247
	opIdle         = 248
	opFreq         = 249
	opAux          = 250
	opResizeDB     = 251
	opExpireTimeMs = 252
	opExpireTime   = 253
	opSelectDB     = 254
	opEOF          = 255
)

// Length encodings.
const (
	len6bit  = 0
	len14bit = 1
	len32bit = 0x80
	len64bit = 0x81
	encVal   = 3

	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// Quicklist node containers.
const (
	containerPlain  = 1
	containerPacked = 2
)

// crcTable is CRC-64/Jones (Redis's crc64: reflected polynomial 0x95ac9329ac4bc9b5, init 0,
// no final xor). hash/crc64 inverts before and after, which the helper below undoes.
var crcTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// crc64Update continues Redis's CRC over p.
func crc64Update(crc uint64, p []byte) uint64 { return ^crc64.Update(^crc, crcTable, p) }

// Error is a malformed or unsupported file, with the byte offset where it was found.
type Error struct {
	Offset int64
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("rdb: offset %d: %s", e.Offset, e.Msg) }

var le = binary.LittleEndian
var be = binary.BigEndian
