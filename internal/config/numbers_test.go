package config

import (
	"math"
	"testing"
)

func TestMemToBytes(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"1024", 1024, true},
		{"1b", 1, true},
		{"1k", 1000, true},
		{"1K", 1000, true},
		{"1kb", 1024, true},
		{"1KB", 1024, true},
		{"1kB", 1024, true},
		{"2m", 2000000, true},
		{"2mb", 2 << 20, true},
		{"3g", 3000000000, true},
		{"3Gb", 3 << 30, true},
		{"", 0, true},   // Redis accepts an empty value as 0
		{"kb", 0, true}, // and a bare unit
		{"18446744073709551615", math.MaxUint64, true},
		{"18446744073709551616", math.MaxUint64, true}, // strtoull saturates
		{"20000000000gb", 3028092406290448384, true},   // and the unit wraps, as Redis shows
		{"-1", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.5mb", 0, false},
		{"1tb", 0, false},
		{"0x10", 0, false},
	}
	for _, tt := range tests {
		got, ok := memToBytes(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("memToBytes(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFormatMemory(t *testing.T) {
	for in, want := range map[uint64]string{0: "0", 1000: "1000", 1024: "1kb", 3 << 20: "3mb", 2 << 30: "2gb", 1536: "1536"} {
		if got := formatMemory(in); got != want {
			t.Errorf("formatMemory(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestString2ll(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-1", -1, true}, {"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false}, {"-0", 0, false}, {"007", 0, false}, {"+5", 0, false},
		{"", 0, false}, {"-", 0, false}, {" 1", 0, false}, {"1x", 0, false},
		{"000000000000000000001", 0, false},
	}
	for _, tt := range tests {
		got, ok := string2ll(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("string2ll(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStrtoll(t *testing.T) {
	tests := []struct {
		in   string
		base int
		want int64
		rest string
		ok   bool
	}{
		{"755", 8, 0o755, "", true},
		{"0755", 8, 0o755, "", true},
		{"8", 8, 0, "8", true},
		{"", 8, 0, "", true},
		{"  -12x", 10, -12, "x", true},
		{"+7", 10, 7, "", true},
		{"-", 10, 0, "-", true},
		{"99999999999999999999", 10, math.MaxInt64, "", false},
		{"-99999999999999999999", 10, math.MinInt64, "", false},
	}
	for _, tt := range tests {
		got, rest, ok := strtoll(tt.in, tt.base)
		if got != tt.want || rest != tt.rest || ok != tt.ok {
			t.Errorf("strtoll(%q, %d) = %d, %q, %v; want %d, %q, %v", tt.in, tt.base, got, rest, ok, tt.want, tt.rest, tt.ok)
		}
	}
}

func TestFormatFloat(t *testing.T) {
	for in, want := range map[float64]string{50: "50", 99.9: "99.9", 99.99999: "99.99999", 0: "0", 0.0000001: "0", 12.5: "12.5"} {
		if got := formatFloat(in); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", in, got, want)
		}
	}
}
