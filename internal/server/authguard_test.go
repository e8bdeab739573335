package server

import (
	"testing"
	"time"
)

func TestAuthGuardLocksOutAndBacksOff(t *testing.T) {
	var g authGuard
	now := time.Unix(1000, 0)
	for i := 1; i < 5; i++ {
		if g.failed("10.0.0.1", now, 5, time.Minute) {
			t.Fatalf("locked after %d failures, want 5", i)
		}
	}
	if !g.failed("10.0.0.1", now, 5, time.Minute) {
		t.Fatal("not locked after 5 failures")
	}
	if !g.locked("10.0.0.1", now.Add(59*time.Second)) {
		t.Fatal("lockout ended early")
	}
	if g.locked("10.0.0.2", now) {
		t.Fatal("another address is locked too")
	}
	if g.locked("10.0.0.1", now.Add(61*time.Second)) {
		t.Fatal("lockout did not end")
	}
	later := now.Add(2 * time.Minute)
	for i := 0; i < 5; i++ {
		g.failed("10.0.0.1", later, 5, time.Minute)
	}
	if !g.locked("10.0.0.1", later.Add(119*time.Second)) {
		t.Fatal("second lockout did not double")
	}
}

func TestAuthGuardWindowAndDisable(t *testing.T) {
	var g authGuard
	now := time.Unix(1000, 0)
	for i := 0; i < 4; i++ {
		g.failed("h", now, 5, time.Minute)
	}
	// Failures older than the window do not count toward a lockout.
	if g.failed("h", now.Add(2*time.Minute), 5, time.Minute) {
		t.Fatal("old failures counted")
	}
	if g.failed("h", now, 0, time.Minute) || g.locked("x", now) {
		t.Fatal("auth-max-failures 0 must disable the guard")
	}
}
