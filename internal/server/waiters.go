package server

import (
	"time"

	"github.com/redoubt/redoubt/internal/command"
)

// dbKey names a key in one database.
type dbKey struct {
	db  int
	key string
}

// blocked is a client parked by a blocking command (BLPOP, BZPOPMIN, XREAD BLOCK, ...).
type blocked struct {
	c    *client
	args [][]byte
	spec *command.Spec
	req  *command.BlockRequest
	db   int
	// done is closed, under s.mu, when the command was served or timed out.
	done   chan struct{}
	closed bool
}

// waiters tracks, under s.mu, the clients blocked on keys and the clients watching keys.
// The keyspace calls keyTouched for every modified key only while either map is non-empty,
// so ordinary writes pay nothing.
type waiters struct {
	blocking map[dbKey][]*blocked
	watching map[dbKey]map[*client]struct{}
	ready    []dbKey
	isReady  map[dbKey]bool
}

func (s *Server) initWaiters() {
	s.waiters = waiters{
		blocking: map[dbKey][]*blocked{},
		watching: map[dbKey]map[*client]struct{}{},
		isReady:  map[dbKey]bool{},
	}
}

// updateHooks installs the keyspace hook only when someone waits or watches.
func (s *Server) updateHooks() {
	var hook func(db int, key string)
	if len(s.waiters.blocking) > 0 || len(s.waiters.watching) > 0 {
		hook = s.keyTouched
	}
	for _, db := range s.dbs {
		db.Touched = hook
	}
}

// keyTouched runs under s.mu for every modified key: it invalidates WATCHes and marks keys
// with blocked clients ready to be served after the current command.
func (s *Server) keyTouched(db int, key string) {
	k := dbKey{db, key}
	for c := range s.waiters.watching[k] {
		c.watchDirty = true
	}
	if _, ok := s.waiters.blocking[k]; ok && !s.waiters.isReady[k] {
		s.waiters.isReady[k] = true
		s.waiters.ready = append(s.waiters.ready, k)
	}
}

// block parks c on the keys of req. Called under s.mu.
func (s *Server) block(c *client, args [][]byte, spec *command.Spec, req *command.BlockRequest) *blocked {
	b := &blocked{c: c, args: args, spec: spec, req: req, db: c.db, done: make(chan struct{})}
	for _, key := range req.Keys {
		k := dbKey{c.db, key}
		s.waiters.blocking[k] = append(s.waiters.blocking[k], b)
	}
	s.blockedCount++
	s.updateHooks()
	return b
}

// unblock removes b from every key it waits on and wakes its client. Called under s.mu.
func (s *Server) unblock(b *blocked) {
	if b.closed {
		return
	}
	b.closed = true
	for _, key := range b.req.Keys {
		k := dbKey{b.db, key}
		list := s.waiters.blocking[k]
		for i, x := range list {
			if x == b {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.waiters.blocking, k)
		} else {
			s.waiters.blocking[k] = list
		}
	}
	s.blockedCount--
	s.updateHooks()
	close(b.done)
}

// serveReady re-runs the commands of clients blocked on keys that were written, in the order
// they blocked (Redis's fairness), until no key is ready. Serving one client can make another
// key ready (BLMOVE pushes), hence the loop. Called under s.mu after each command.
func (s *Server) serveReady(now time.Time) {
	for len(s.waiters.ready) > 0 {
		k := s.waiters.ready[0]
		s.waiters.ready = s.waiters.ready[1:]
		delete(s.waiters.isReady, k)
		for _, b := range append([]*blocked(nil), s.waiters.blocking[k]...) {
			if b.closed {
				continue
			}
			c := b.c
			mark := len(c.out.Buf)
			ctx := command.Ctx{Args: b.args, W: &c.out, DB: s.dbs[b.db], Now: now.UnixMilli(), Conn: c, Host: s, Spec: b.spec, Rerun: true}
			b.spec.Handler(&ctx)
			s.dirty += int64(ctx.Dirty)
			if ctx.Blocked != nil {
				c.out.Buf = c.out.Buf[:mark] // still nothing for it: keep waiting
				continue
			}
			if s.aof != nil {
				if seq := s.propagate(b.db, ctx.Propagation()); seq > 0 {
					c.aofSeq.Store(seq)
				}
			}
			s.stats.called(b.spec, time.Since(now), c.out.Errors > 0, c.out.LastErr)
			s.unblock(b)
		}
	}
}

// waitBlocked parks the calling connection's goroutine (without the lock) until its
// blocking command is served, times out, the client is killed, or the server stops.
func (c *client) waitBlocked(b *blocked) {
	var timeout <-chan time.Time
	if b.req.Deadline > 0 {
		t := time.NewTimer(time.Until(time.UnixMilli(b.req.Deadline)))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-b.done:
		return
	case <-timeout:
	case <-c.killCh:
	case <-c.s.stopped:
	}
	s := c.s
	s.mu.Lock()
	if !b.closed {
		s.unblock(b)
		b.req.OnTimeout(&c.out)
	}
	s.mu.Unlock()
}

// Watch implements WATCH: a later write to any of keys makes EXEC fail.
func (c *client) Watch(db int, keys []string) {
	s := c.s
	for _, key := range keys {
		k := dbKey{db, key}
		set := s.waiters.watching[k]
		if set == nil {
			set = map[*client]struct{}{}
			s.waiters.watching[k] = set
		}
		if _, dup := set[c]; !dup {
			set[c] = struct{}{}
			c.watched = append(c.watched, k)
		}
	}
	s.updateHooks()
}

// Unwatch forgets every watched key. Called under s.mu.
func (c *client) Unwatch() {
	s := c.s
	for _, k := range c.watched {
		if set := s.waiters.watching[k]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(s.waiters.watching, k)
			}
		}
	}
	c.watched, c.watchDirty = nil, false
	s.updateHooks()
}
