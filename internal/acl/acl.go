// Package acl owns users and their permissions: the Redis 7 ACL rule language, checks, and ACL LOG.
//
// The rule language, the ACL LIST / ACL GETUSER descriptions, the permission checks and
// every error text follow Redis 7.0 (checked against redis-server 7.0.15). Passwords are
// kept only as SHA-256 hex digests and compared in constant time.
//
// A *User is safe to keep for the life of a connection: SetUser swaps a new immutable
// state into the same *User, so connections see rule changes at once and checks take no
// lock. A deleted user (DelUser, or dropped by an ACL LOAD) reports Removed(); the server
// must then disconnect the clients authenticated as it, as Redis does.
package acl

import (
	"crypto/subtle"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// User is one ACL user.
type User struct {
	name    string
	state   atomic.Pointer[userState]
	removed atomic.Bool
}

// Name is the user name.
func (u *User) Name() string { return u.name }

// Enabled reports the "on" flag: only enabled users can authenticate.
func (u *User) Enabled() bool { return u.state.Load().enabled }

// NoPass reports the "nopass" flag: any password authenticates the user.
func (u *User) NoPass() bool { return u.state.Load().nopass }

// SkipSanitizePayload reports "skip-sanitize-payload", which exempts the user's RESTORE
// payloads from deep sanitization when sanitize-dump-payload is "clients".
func (u *User) SkipSanitizePayload() bool { return u.state.Load().skipSanitize }

// Removed reports that the user was deleted (ACL DELUSER, or replaced by ACL LOAD). Redis
// disconnects the clients authenticated as a removed user.
func (u *User) Removed() bool { return u.removed.Load() }

// Describe is the user's rules as ACL LIST shows them, without "user <name> ".
func (u *User) Describe() string { return u.state.Load().describe() }

// Users is the set of ACL users. It is safe for concurrent use.
type Users struct {
	mu    sync.RWMutex
	users map[string]*User
	def   *User
	// pubsubAll is acl-pubsub-default: true for "allchannels". New users, new selectors
	// and "reset" start with it.
	pubsubAll atomic.Bool
}

// NewUsers returns a set holding only the default user, "on nopass ~* &* +@all".
func NewUsers() *Users {
	us := &Users{users: map[string]*User{}}
	us.def = us.createDefault()
	us.users[DefaultUsername] = us.def
	return us
}

// DefaultUsername is the name of the user every new connection starts as.
const DefaultUsername = "default"

func (us *Users) createDefault() *User {
	u := &User{name: DefaultUsername}
	st := newUserState(us.pubsubAll.Load())
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		st.apply(op, false)
	}
	u.state.Store(st)
	return u
}

// SetPubsubDefault sets acl-pubsub-default: allChannels true is "allchannels", false
// (Redis 7's default) is "resetchannels". It affects users and selectors created later.
func (us *Users) SetPubsubDefault(allChannels bool) { us.pubsubAll.Store(allChannels) }

// PubsubDefault reports acl-pubsub-default (true for "allchannels").
func (us *Users) PubsubDefault() bool { return us.pubsubAll.Load() }

// Default returns the default user.
func (us *Users) Default() *User {
	us.mu.RLock()
	defer us.mu.RUnlock()
	return us.def
}

// Get returns the named user, or nil.
func (us *Users) Get(name string) *User {
	us.mu.RLock()
	defer us.mu.RUnlock()
	return us.users[name]
}

// Error is an ACL failure. Its text is Redis's reply without the leading error code: reply
// with "ERR " + err.Error() (WriteError does that).
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func newError(msg string) *Error { return &Error{msg: msg} }

// cstr cuts s at its first NUL, as Redis's %s does when it formats a message.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// SetUser creates or modifies a user, as ACL SETUSER: the rules are applied in order to a
// copy of the user, and the copy replaces the user only if every rule is valid.
func (us *Users) SetUser(name string, rules []string) error {
	if hasSpaces(name) {
		return newError("Usernames can't contain spaces or null characters")
	}
	merged, bad := mergeSelectors(rules)
	if bad >= 0 {
		return newError("Unmatched parenthesis in acl selector starting at '" + cstr(rules[bad]) + "'.")
	}
	us.mu.Lock()
	defer us.mu.Unlock()
	all := us.pubsubAll.Load()
	u := us.users[name]
	var st *userState
	if u != nil {
		st = u.state.Load().clone()
	} else {
		st = newUserState(all)
	}
	for _, op := range merged {
		if k := st.apply(op, all); k != 0 {
			return newError("Error in ACL SETUSER modifier '" + cstr(op) + "': " + k.String())
		}
	}
	if u == nil {
		u = &User{name: name}
		us.users[name] = u
	}
	u.state.Store(st)
	return nil
}

// DelUser deletes users, as ACL DELUSER, and returns how many existed. The default user
// cannot be deleted: naming it fails the whole call.
func (us *Users) DelUser(names ...string) (int, error) {
	removed, err := us.delUsers(names)
	return len(removed), err
}

func (us *Users) delUsers(names []string) ([]*User, error) {
	for _, n := range names {
		if n == DefaultUsername {
			return nil, newError("The 'default' user cannot be removed")
		}
	}
	us.mu.Lock()
	defer us.mu.Unlock()
	var removed []*User
	for _, n := range names {
		if u := us.users[n]; u != nil {
			delete(us.users, n)
			u.removed.Store(true)
			removed = append(removed, u)
		}
	}
	return removed, nil
}

// Authenticate checks a user name and password as AUTH and HELLO do: the user must exist
// and be on, and be nopass or have the password. The password is hashed and compared with
// every stored hash in constant time.
func (us *Users) Authenticate(user, pass string) (*User, bool) {
	h := hashPassword(pass)
	u := us.Get(user)
	if u == nil {
		return nil, false
	}
	st := u.state.Load()
	if !st.enabled {
		return nil, false
	}
	if st.nopass {
		return u, true
	}
	ok := 0
	for _, p := range st.passwords {
		ok |= subtle.ConstantTimeCompare([]byte(h), []byte(p))
	}
	if ok == 1 {
		return u, true
	}
	return nil, false
}

// SetDefaultPassword implements the requirepass directive: "" makes the default user
// nopass, anything else makes it the default user's only password.
func (us *Users) SetDefaultPassword(pass string) {
	us.mu.Lock()
	defer us.mu.Unlock()
	st := us.def.state.Load().clone()
	st.apply("resetpass", false)
	if pass != "" {
		st.apply(">"+pass, false)
	} else {
		st.apply("nopass", false)
	}
	us.def.state.Store(st)
}

// sorted returns the users ordered by name (bytewise), as Redis's radix tree lists them.
func (us *Users) sorted() []*User {
	us.mu.RLock()
	defer us.mu.RUnlock()
	out := make([]*User, 0, len(us.users))
	for _, u := range us.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Usernames lists the user names in ACL USERS order.
func (us *Users) Usernames() []string {
	users := us.sorted()
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.name
	}
	return out
}

// List returns the ACL LIST lines: "user <name> <rules>", ordered by name.
func (us *Users) List() []string {
	users := us.sorted()
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = "user " + u.name + " " + u.Describe()
	}
	return out
}

// Replace installs the users of from (typically from LoadFile) in place of all current
// users, as a successful ACL LOAD does. The default user keeps its identity and takes the
// new rules; every other current user is marked removed (even when from has a user of the
// same name) and returned, so the server can disconnect their clients as Redis does.
func (us *Users) Replace(from *Users) (removed []*User) {
	from.mu.RLock()
	newUsers := make(map[string]*User, len(from.users))
	for n, u := range from.users {
		newUsers[n] = u
	}
	newDef := from.def
	from.mu.RUnlock()

	us.mu.Lock()
	defer us.mu.Unlock()
	for n, u := range us.users {
		if n != DefaultUsername {
			u.removed.Store(true)
			removed = append(removed, u)
		}
	}
	us.def.state.Store(newDef.state.Load())
	newUsers[DefaultUsername] = us.def
	us.users = newUsers
	return removed
}
