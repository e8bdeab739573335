package command

import (
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
)

// fakeConn and fakeHost let handler tests run commands without a network.
type fakeConn struct {
	id      int64
	proto   int
	name    string
	db      int
	noTouch bool
	closed  bool
	mode    string
}

func (f *fakeConn) ID() int64             { return f.id }
func (f *fakeConn) Proto() int            { return f.proto }
func (f *fakeConn) SetProto(p int)        { f.proto = p }
func (f *fakeConn) Name() string          { return f.name }
func (f *fakeConn) SetName(n string)      { f.name = n }
func (f *fakeConn) DBIndex() int          { return f.db }
func (f *fakeConn) Select(i int)          { f.db = i }
func (f *fakeConn) User() string          { return "default" }
func (f *fakeConn) SetNoTouch(b bool)     { f.noTouch = b }
func (f *fakeConn) NoTouch() bool         { return f.noTouch }
func (f *fakeConn) SetNoEvict(bool)       {}
func (f *fakeConn) SetReplyMode(m string) { f.mode = m }
func (f *fakeConn) CloseAfterReply()      { f.closed = true }
func (f *fakeConn) Reset()                { *f = fakeConn{id: f.id, proto: 2} }
func (f *fakeConn) Authenticate(user, pass string) string {
	return "WRONGPASS invalid username-password pair or user is disabled."
}
func (f *fakeConn) Authenticated() bool { return true }
func (f *fakeConn) IsLocal() bool       { return true }
func (f *fakeConn) Describe() string    { return "id=1" }

type fakeHost struct {
	dbs   []*keyspace.DB
	dirty int // changes counted by tests that run commands through a host
}

func newFakeHost() *fakeHost {
	h := &fakeHost{}
	for i := 0; i < 16; i++ {
		h.dbs = append(h.dbs, keyspace.NewDB(i))
	}
	return h
}

func (h *fakeHost) DB(i int) *keyspace.DB             { return h.dbs[i] }
func (h *fakeHost) NumDBs() int                       { return len(h.dbs) }
func (h *fakeHost) SwapDB(a, b int)                   { keyspace.Swap(h.dbs[a], h.dbs[b]) }
func (h *fakeHost) ClientList(string, []int64) string { return "" }
func (h *fakeHost) KillClients(KillFilter) int        { return 0 }
func (h *fakeHost) Pause(int64, bool)                 {}
func (h *fakeHost) Unpause()                          {}
func (h *fakeHost) UnblockClient(int64, bool) int     { return 0 }
func (h *fakeHost) Config() Config                    { return nil }
func (h *fakeHost) Info([]string) string              { return "" }
func (h *fakeHost) Shutdown(string) string            { return "" }
func (h *fakeHost) ResetStats()                       {}
func (h *fakeHost) Save() string                      { return "" }
func (h *fakeHost) SlowLog() SlowLog                  { return nil }
func (h *fakeHost) LastSave() int64                   { return 0 }
func (h *fakeHost) Version() string                   { return "test" }
func (h *fakeHost) DebugAllowed(Conn) bool            { return true }
func (h *fakeHost) SetActiveExpire(bool)              {}
func (h *fakeHost) PasswordSet() bool                 { return false }
func (h *fakeHost) Limits() *keyspace.Limits          { return &fakeLimits }
func (h *fakeHost) Notify(int, byte, string, string)  {}

// fakeLimits are Redis 7.0's default encoding thresholds.
var fakeLimits = keyspace.Limits{HashListpackEntries: 128, HashListpackValue: 64, SetIntsetEntries: 512,
	ZSetListpackEntries: 128, ZSetListpackValue: 64, ListListpackSize: -2, StreamNodeMaxBytes: 4096, StreamNodeMaxEntries: 100}

// session runs commands against one fake host and connection, the way the server does.
type session struct {
	t    *testing.T
	host *fakeHost
	conn *fakeConn
	now  int64 // unix ms; tests advance it to exercise expiry
}

func newSession(t *testing.T) *session {
	return &session{t: t, host: newFakeHost(), conn: &fakeConn{id: 1, proto: 2}, now: time.Now().UnixMilli()}
}

// do runs one command and returns the raw RESP reply.
func (s *session) do(args ...string) string {
	bargs := make([][]byte, len(args))
	for i, a := range args {
		bargs[i] = []byte(a)
	}
	w := &resp.Writer{Proto: s.conn.proto}
	spec, rej := Resolve(bargs)
	if spec == nil {
		w.Error(rej)
		return string(w.Buf)
	}
	ctx := &Ctx{Args: bargs, W: w, DB: s.host.dbs[s.conn.db], Now: s.now, Conn: s.conn, Host: s.host, Spec: spec}
	spec.Handler(ctx)
	return string(w.Buf)
}
