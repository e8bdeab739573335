// Package config owns redis.conf: parsing, the directive table, CONFIG GET/SET/REWRITE.
//
// Every directive of Redis 7.0 is known, with Redis's types, defaults, error texts and
// aliases. A directive is either implemented by Redoubt or not yet: a directive that is
// not yet implemented is accepted only at its default value, so a stock redis.conf loads
// but a setting Redoubt would silently ignore is refused.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/redoubt/redoubt/internal/ascii"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/redoubt/redoubt/internal/glob"
)

// Config is a server's configuration. It is safe for concurrent use.
type Config struct {
	mu    sync.RWMutex
	vals  []value
	lines map[string][][]string // file-only directives, by name, in file order
	file  string
	hooks []func(name string) error
	// userLines, when set, supplies the "user" lines CONFIG REWRITE writes (RewriteUsers).
	userLines func() []string

	// setMu serialises CONFIG SET and CONFIG REWRITE, so hooks can read the values being
	// set through the ordinary getters while no other writer runs.
	setMu sync.Mutex
}

// Default returns the configuration of a server started without a config file: Redis 7.0's
// defaults, except the secure ones (bind 127.0.0.1 -::1), with dir set to the working
// directory.
func Default() *Config {
	c := &Config{vals: make([]value, len(table)), lines: map[string][][]string{}}
	for _, d := range table {
		c.vals[d.idx] = d.def.clone()
	}
	if wd, err := os.Getwd(); err == nil {
		if real, err := filepath.EvalSymlinks(wd); err == nil {
			wd = real
		}
		c.vals[byName["dir"].d.idx].s = wd
	}
	return c
}

// File returns the absolute path of the config file, or "" when there is none.
func (c *Config) File() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.file
}

// OnSet registers a hook run by Set for each directive whose value changed, with the
// directive's primary name, once the new values are visible to the getters (other
// goroutines may see them too while the hooks run). A hook error undoes the
// whole SET, runs the hooks again for the restored values, and is returned in Redis's form
// "ERR CONFIG SET failed (possibly related to argument 'name') - <error>". Hooks must not
// call Set, SetLocal, Rewrite or OnSet.
func (c *Config) OnSet(fn func(name string) error) {
	c.setMu.Lock()
	defer c.setMu.Unlock()
	c.hooks = append(c.hooks, fn)
}

// Get returns name, value pairs for CONFIG GET: each pattern is a name, matched without
// regard to case and returned as spelled, or a glob matched against every name and alias.
// A name is returned once. Redis orders the reply by its hash table; Redoubt returns
// names in the order of the patterns, glob matches sorted.
func (c *Config) Get(patterns ...string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	seen := map[string]bool{}
	for _, p := range patterns {
		if !strings.ContainsAny(p, "[*?") {
			e := byName[ascii.Lower(p)]
			if e == nil || seen[e.name] {
				continue
			}
			seen[e.name] = true
			out = append(out, p, e.d.shown(c.vals[e.d.idx]))
			continue
		}
		for _, e := range names {
			if e.d.flags&hidden != 0 || seen[e.name] || !glob.MatchString(p, e.name, true) {
				continue
			}
			seen[e.name] = true
			out = append(out, e.name, e.d.shown(c.vals[e.d.idx]))
		}
	}
	return out
}

// Set is CONFIG SET name value [name value ...] from a remote client. It validates every
// pair before changing anything, and returns Redis's error text (with its "ERR " prefix).
func (c *Config) Set(pairs ...string) error { return c.set(false, pairs) }

// SetLocal is Set for a client on a Unix socket or the loopback interface, which
// enable-protected-configs local lets change dir and dbfilename.
func (c *Config) SetLocal(pairs ...string) error { return c.set(true, pairs) }

// shown is what CONFIG GET prints: a secret (requirepass, masterauth, ...) is never echoed;
// its SHA-256 is shown with ACL's "#" prefix, which tells whether one is set and which.
// Redis prints the plaintext here; this is a deliberate difference (docs/SECURITY.md).
func (d *directive) shown(v value) string {
	s := d.format(v)
	if d.flags&sensitive == 0 || s == "" {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "#" + hex.EncodeToString(sum[:])
}

func setFailed(name, msg string) error {
	return errors.New("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + msg)
}

func (c *Config) set(local bool, pairs []string) error {
	if len(pairs) < 2 {
		return errors.New("ERR wrong number of arguments for 'config|set' command")
	}
	if len(pairs)%2 != 0 {
		return errors.New("ERR syntax error")
	}
	c.setMu.Lock()
	defer c.setMu.Unlock()

	// Redis reports the first problem it meets while looking the names up, before it
	// parses any value.
	entries := make([]*nameEntry, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		name := pairs[i]
		e := byName[ascii.Lower(name)]
		if e == nil {
			return errors.New("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'")
		}
		if e.d.flags&immutable != 0 {
			return setFailed(name, "can't set immutable config")
		}
		if e.d.flags&protected != 0 && !c.protectedAllowed(local) {
			return setFailed(name, "can't set protected config")
		}
		for _, prev := range entries {
			if prev == e {
				return setFailed(name, "duplicate parameter")
			}
		}
		entries = append(entries, e)
	}

	c.mu.RLock()
	old := c.vals
	w := &working{vals: make([]value, len(old))}
	copy(w.vals, old)
	c.mu.RUnlock()
	for i, e := range entries {
		arg := pairs[2*i+1]
		args := []string{arg}
		if e.d.flags&multiArg != 0 {
			// Redis splits on single spaces (sdssplitlen), not with the file's quoting.
			args = strings.Split(arg, " ")
			if arg == "" {
				args = nil
			}
		}
		v, msg := e.d.parse(args, w)
		if msg == "" && !e.d.implemented.Load() && e.d.format(v) != e.d.format(e.d.def) {
			msg = "not supported by Redoubt yet"
		}
		if msg != "" {
			return setFailed(e.name, msg)
		}
		w.vals[e.d.idx] = v
	}

	var changed []*nameEntry
	for _, e := range entries {
		d := e.d
		if d.format(w.vals[d.idx]) == d.format(old[d.idx]) {
			continue
		}
		dup := false
		for _, o := range changed {
			dup = dup || o.d == d
		}
		if !dup {
			changed = append(changed, e)
		}
	}
	c.mu.Lock()
	c.vals = w.vals
	c.mu.Unlock()
	for i, e := range changed {
		err := c.runHooks(e.d.name)
		if err == nil {
			continue
		}
		c.mu.Lock()
		c.vals = old
		c.mu.Unlock()
		// Let the hooks that already acted see the old values again, as Redis re-applies
		// its backup; their errors cannot be reported better than the one that stopped us.
		for _, undo := range changed[:i+1] {
			_ = c.runHooks(undo.d.name)
		}
		return setFailed(e.name, err.Error())
	}
	return nil
}

func (c *Config) runHooks(name string) error {
	for _, h := range c.hooks {
		if err := h(name); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) protectedAllowed(local bool) bool {
	switch c.String("enable-protected-configs") {
	case "yes":
		return true
	case "local":
		return local
	}
	return false
}

// lookup finds a directive for the typed getters; an unknown name is a programming error.
func lookup(name string) *directive {
	e := byName[ascii.Lower(name)]
	if e == nil {
		panic("config: unknown directive " + name)
	}
	return e.d
}

func (c *Config) get(d *directive) value {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.vals[d.idx]
}

// Int returns a numeric directive. Memory values are in bytes; maxmemory-clients holds a
// percentage as its negation, as in Redis. It panics on an unknown or non-numeric name.
func (c *Config) Int(name string) int64 {
	d := lookup(name)
	if d.kind != kindNum {
		panic("config: " + name + " is not numeric")
	}
	return c.get(d).n
}

// Bool returns a yes/no directive. It panics on an unknown or non-boolean name.
func (c *Config) Bool(name string) bool {
	d := lookup(name)
	if d.kind != kindBool {
		panic("config: " + name + " is not yes/no")
	}
	return c.get(d).n != 0
}

// String returns any directive as CONFIG GET prints it (enum names, octal unixsocketperm,
// words joined by spaces). It panics on an unknown name.
func (c *Config) String(name string) string {
	d := lookup(name)
	return d.format(c.get(d))
}

// Strings returns the words of a multi-word directive: bind's addresses, save's
// seconds/changes pairs, client-output-buffer-limit's four words per class, and so on. It
// panics on an unknown or single-valued name.
func (c *Config) Strings(name string) []string {
	d := lookup(name)
	if d.flags&multiArg == 0 || d.kind == kindEnum {
		panic("config: " + name + " is not a multi-word directive")
	}
	return append([]string(nil), c.get(d).words...)
}

// Lines returns the arguments of each line of a file-only directive (rename-command, user,
// loadmodule, sentinel) once it is implemented. It panics on any other name.
func (c *Config) Lines(name string) [][]string {
	d := fileTag[ascii.Lower(name)]
	if d == nil || d.name == "include" {
		panic("config: " + name + " is not a file-only directive")
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([][]string, len(c.lines[d.name]))
	for i, l := range c.lines[d.name] {
		out[i] = append([]string(nil), l...)
	}
	return out
}
