package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
)

// Function libraries are stored as the FUNCTION2 opcode followed by the library's code (its
// "#!lua name=..." line included), in RDB files and in FUNCTION DUMP payloads. A payload is
// those records, then the RDB version as two little-endian bytes and the CRC64 of everything
// before it, like a DUMP payload.

// Errors of DecodeFunctions besides ErrDumpPayload; their texts are Redis's FUNCTION RESTORE
// replies (after "ERR "), and the errors returned wrap them with the offset.
var (
	ErrNotFunction    = errors.New("given type is not a function")
	ErrLibraryPayload = errors.New("Failed loading library payload")
)

// WriteFunction writes one function library (FUNCTION2 opcode and its code), before the
// databases as Redis does.
func (w *Writer) WriteFunction(code string) error {
	w.byte1(opFunction2)
	w.str([]byte(code))
	return w.err
}

// EncodeFunctions serializes libraries as FUNCTION DUMP does.
func EncodeFunctions(codes []string) []byte {
	var buf bytes.Buffer
	w := &Writer{w: bufio.NewWriter(&buf), compress: true}
	for _, code := range codes {
		w.WriteFunction(code)
	}
	w.w.Flush() // a bytes.Buffer does not fail
	out := buf.Bytes()
	out = append(out, byte(Version), byte(Version>>8))
	return le.AppendUint64(out, crc64Update(0, out))
}

// DecodeFunctions parses a FUNCTION DUMP payload into the libraries' code. The footer is
// verified first (ErrDumpPayload); records must fill the payload up to the footer exactly.
// The pre-release FUNCTION opcode of Redis 7.0 release candidates (name, engine, optional
// description, code) is converted to its "#!<engine> name=<name>" form, as Redis does.
func DecodeFunctions(payload []byte) ([]string, error) {
	if err := VerifyPayload(payload); err != nil {
		return nil, err
	}
	r := &reader{b: payload[:len(payload)-dumpFooter], ver: Version}
	var codes []string
	for r.p < len(r.b) {
		at := r.p
		op, _ := r.byte1()
		var code string
		var err error
		switch op {
		case opFunction2:
			code, err = r.functionCode()
		case opFunction:
			code, err = r.preReleaseFunction()
		default:
			return nil, fmt.Errorf("%w (opcode %d at offset %d)", ErrNotFunction, op, at)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrLibraryPayload, err)
		}
		codes = append(codes, code)
	}
	return codes, nil
}

func (r *reader) functionCode() (string, error) {
	b, err := r.str()
	return string(b), err
}

// preReleaseFunction reads a FUNCTION (246) record: library name, engine name, a flag saying
// whether a description follows, the description, and the code.
func (r *reader) preReleaseFunction() (string, error) {
	name, err := r.str()
	if err != nil {
		return "", err
	}
	engine, err := r.str()
	if err != nil {
		return "", err
	}
	hasDesc, err := r.length()
	if err != nil {
		return "", err
	}
	if hasDesc != 0 {
		if _, err := r.str(); err != nil {
			return "", err
		}
	}
	code, err := r.str()
	if err != nil {
		return "", err
	}
	return "#!" + string(engine) + " name=" + string(name) + "\n" + string(code), nil
}
