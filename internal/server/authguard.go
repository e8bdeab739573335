package server

import (
	"net"
	"sync"
	"time"
)

// authGuard is brute-force protection for AUTH, which Redis lacks: an address that fails
// auth-max-failures times within a window is locked out for auth-lockout-seconds, doubling
// on each repeat up to an hour. While locked out, credentials are not even checked, so
// guessing speed is bounded no matter how many connections the attacker opens.
type authGuard struct {
	mu    sync.Mutex
	hosts map[string]*authRecord
}

type authRecord struct {
	failures    int
	windowStart time.Time
	lockedUntil time.Time
	lockouts    int
}

const (
	authWindow     = time.Minute
	maxLockout     = time.Hour
	maxGuardedHost = 100000 // bounds the table itself against address-spraying
)

// ErrAuthLocked is the reply while an address is locked out.
const ErrAuthLocked = "WRONGPASS too many failed authentication attempts from this address; try again later"

func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// locked reports whether host may not try to authenticate now.
func (g *authGuard) locked(host string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.hosts[host]
	return r != nil && now.Before(r.lockedUntil)
}

// failed records a failure and reports whether it started a lockout.
func (g *authGuard) failed(host string, now time.Time, maxFailures int64, lockout time.Duration) bool {
	if maxFailures <= 0 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hosts == nil {
		g.hosts = map[string]*authRecord{}
	}
	r := g.hosts[host]
	if r == nil {
		if len(g.hosts) >= maxGuardedHost {
			g.evict(now)
		}
		r = &authRecord{windowStart: now}
		g.hosts[host] = r
	}
	if now.Sub(r.windowStart) > authWindow {
		r.failures, r.windowStart = 0, now
	}
	r.failures++
	if int64(r.failures) < maxFailures {
		return false
	}
	d := lockout << min(r.lockouts, 10)
	if d > maxLockout {
		d = maxLockout
	}
	r.lockouts++
	r.failures = 0
	r.lockedUntil = now.Add(d)
	return true
}

// succeeded clears the failure count of host (not its lockout history).
func (g *authGuard) succeeded(host string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r := g.hosts[host]; r != nil {
		r.failures = 0
	}
}

// evict drops records that are neither locked nor recently failing.
func (g *authGuard) evict(now time.Time) {
	for h, r := range g.hosts {
		if now.After(r.lockedUntil) && now.Sub(r.windowStart) > authWindow {
			delete(g.hosts, h)
		}
	}
}
