package acl

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/resp"
)

// Reply texts of the commands around ACL, code included.
const (
	// ErrWrongPass is AUTH's and HELLO's reply to bad credentials or a disabled user.
	ErrWrongPass = "WRONGPASS invalid username-password pair or user is disabled."
	// ErrAuthNoPassword is the one-argument AUTH's reply when the default user is nopass.
	ErrAuthNoPassword = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	// ErrNoACLFile is ACL LOAD's and ACL SAVE's reply when aclfile is not set.
	ErrNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."
	// ErrSaveFailed is ACL SAVE's reply when writing fails (log the error itself).
	ErrSaveFailed = "ERR There was an error trying to save the ACLs. Please check the server logs for more information"
)

// HelpLines is ACL HELP's text, Redis 7.0's.
var HelpLines = []string{
	"CAT [<category>]",
	"    List all commands that belong to <category>, or all command categories",
	"    when no category is specified.",
	"DELUSER <username> [<username> ...]",
	"    Delete a list of users.",
	"DRYRUN <username> <command> [<arg> ...]",
	"    Returns whether the user can execute the given command without executing the command.",
	"GETUSER <username>",
	"    Get the user's details.",
	"GENPASS [<bits>]",
	"    Generate a secure 256-bit user password. The optional `bits` argument can",
	"    be used to specify a different size.",
	"LIST",
	"    Show users details in config file format.",
	"LOAD",
	"    Reload users from the ACL file.",
	"LOG [<count> | RESET]",
	"    Show the ACL log entries.",
	"SAVE",
	"    Save the current config to the ACL file.",
	"SETUSER <username> <attribute> [<attribute> ...]",
	"    Create or modify a user with the specified attributes.",
	"USERS",
	"    List all the registered usernames.",
	"WHOAMI",
	"    Return the current connection username.",
}

// WriteError replies with an error returned by this package ("ERR " + its text).
func WriteError(w *resp.Writer, err error) { w.Error("ERR " + err.Error()) }

func toStrings(args [][]byte) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

// WriteSetUser answers ACL SETUSER; args are the arguments after SETUSER: the user name,
// then the rules. The handler must redact args from MONITOR and SLOWLOG: they hold
// passwords.
func (us *Users) WriteSetUser(w *resp.Writer, args [][]byte) {
	if err := us.SetUser(string(args[0]), toStrings(args[1:])); err != nil {
		WriteError(w, err)
		return
	}
	w.OK()
}

// WriteDelUser answers ACL DELUSER name [name ...] and returns the removed users: the
// server must disconnect their clients.
func (us *Users) WriteDelUser(w *resp.Writer, names [][]byte) (removed []*User) {
	removed, err := us.delUsers(toStrings(names))
	if err != nil {
		WriteError(w, err)
		return nil
	}
	w.Int(int64(len(removed)))
	return removed
}

// SelectorInfo is one selector as ACL GETUSER describes it.
type SelectorInfo struct {
	Commands string // command rules, "+@all -get"
	Keys     string // "~*", or the patterns joined by spaces ("~a %R~b")
	Channels string // "&*", or the patterns joined by spaces ("&a &b"), "" for none
}

// UserInfo is ACL GETUSER's data: the root selector's fields at the top level, as Redis
// keeps them for compatibility, and the other selectors after.
type UserInfo struct {
	Flags     []string // on|off, nopass, skip-sanitize-payload, sanitize-payload
	Passwords []string // SHA-256 hex
	SelectorInfo
	Selectors []SelectorInfo
}

func (s *selector) info() SelectorInfo {
	return SelectorInfo{Commands: s.commandRules(), Keys: s.keysString(), Channels: s.channelsString()}
}

// GetUser returns the named user's ACL GETUSER data, or nil.
func (us *Users) GetUser(name string) *UserInfo {
	u := us.Get(name)
	if u == nil {
		return nil
	}
	st := u.state.Load()
	info := &UserInfo{
		Flags:        st.flagNames(),
		Passwords:    append([]string{}, st.passwords...),
		SelectorInfo: st.root().info(),
	}
	for _, s := range st.selectors[1:] {
		info.Selectors = append(info.Selectors, s.info())
	}
	return info
}

// WriteGetUser answers ACL GETUSER name: a map of flags (a set), passwords (hashes),
// commands, keys, channels and selectors (an array of maps of commands, keys, channels),
// or a null reply for an unknown user.
func (us *Users) WriteGetUser(w *resp.Writer, name []byte) {
	info := us.GetUser(string(name))
	if info == nil {
		w.Null()
		return
	}
	w.Map(6)
	w.BulkString("flags")
	w.Set(len(info.Flags))
	for _, f := range info.Flags {
		w.BulkString(f)
	}
	w.BulkString("passwords")
	w.StringArray(info.Passwords)
	writeSelector(w, info.SelectorInfo)
	w.BulkString("selectors")
	w.Array(len(info.Selectors))
	for _, s := range info.Selectors {
		w.Map(3)
		writeSelector(w, s)
	}
}

func writeSelector(w *resp.Writer, s SelectorInfo) {
	w.BulkString("commands")
	w.BulkString(s.Commands)
	w.BulkString("keys")
	w.BulkString(s.Keys)
	w.BulkString("channels")
	w.BulkString(s.Channels)
}

// WriteList answers ACL LIST.
func (us *Users) WriteList(w *resp.Writer) { w.StringArray(us.List()) }

// WriteUsers answers ACL USERS.
func (us *Users) WriteUsers(w *resp.Writer) { w.StringArray(us.Usernames()) }

// Categories lists the ACL categories in ACL CAT order.
func Categories() []string { return append([]string(nil), command.CategoryNames...) }

// CategoryCommands lists the commands and subcommands of a category in the order ACL CAT
// gives them; ok is false for an unknown category.
func CategoryCommands(name string) (names []string, ok bool) {
	flag := categoryFlag(name)
	if flag == 0 {
		return nil, false
	}
	index().walk(func(s *command.Spec) {
		if s.Categories&flag != 0 {
			names = append(names, s.Name)
		}
	})
	return names, true
}

// WriteCat answers ACL CAT [category]; category is nil when absent.
func WriteCat(w *resp.Writer, category []byte) {
	if category == nil {
		w.StringArray(command.CategoryNames)
		return
	}
	names, ok := CategoryCommands(string(category))
	if !ok {
		n := cstr(string(category))
		if len(n) > 128 {
			n = n[:128]
		}
		w.Error("ERR Unknown category '" + n + "'")
		return
	}
	w.StringArray(names)
}

// GenPassMaxBits is the largest ACL GENPASS size.
const GenPassMaxBits = 4096

// GenPass returns a random password of bits bits as (bits+3)/4 hex digits, from crypto/rand.
func GenPass(bits int) (string, error) {
	if bits <= 0 || bits > GenPassMaxBits {
		return "", newError("ACL GENPASS argument must be the number of bits for the output password, a positive number up to " + strconv.Itoa(GenPassMaxBits))
	}
	chars := (bits + 3) / 4
	buf := make([]byte, (chars+1)/2)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(buf)[:chars], nil
}

// WriteGenPass answers ACL GENPASS [bits]; bits is nil when absent (256 bits).
func WriteGenPass(w *resp.Writer, bits []byte) {
	n := int64(256)
	if bits != nil {
		var ok bool
		if n, ok = command.ParseInt(bits); !ok {
			w.Error("ERR value is not an integer or out of range")
			return
		}
	}
	p, err := GenPass(int(n))
	if err != nil {
		WriteError(w, err)
		return
	}
	w.BulkString(p)
}

// DryRun is ACL DRYRUN's logic: args are the arguments after DRYRUN (user name, command,
// command arguments). It returns "" when the user may run the command, else the denial
// text; err is an error reply (unknown user or command, wrong arity).
func (us *Users) DryRun(args [][]byte) (denial string, err error) {
	u := us.Get(string(args[0]))
	if u == nil {
		return "", newError("User '" + cstr(string(args[0])) + "' not found")
	}
	cargs := args[1:]
	spec := command.Lookup(cargs[0])
	if spec != nil && len(spec.Subs) > 0 && len(cargs) > 1 {
		spec = spec.Sub(cargs[1])
	}
	if spec == nil {
		return "", newError("Command '" + cstr(string(cargs[0])) + "' not found")
	}
	if (spec.Arity > 0 && spec.Arity != len(cargs)) || len(cargs) < -spec.Arity {
		return "", newError("wrong number of arguments for '" + spec.Name + "' command")
	}
	ok, r, pos := u.Check(spec, cargs)
	if ok {
		return "", nil
	}
	switch r {
	case DeniedKey:
		return "This user has no permissions to access the '" + cstr(string(cargs[pos])) + "' key", nil
	case DeniedChannel:
		return "This user has no permissions to access the '" + cstr(string(cargs[pos])) + "' channel", nil
	}
	return "This user has no permissions to run the '" + spec.Name + "' command", nil
}

// WriteDryRun answers ACL DRYRUN username command [arg ...]: +OK, or the denial text as a
// bulk string.
func (us *Users) WriteDryRun(w *resp.Writer, args [][]byte) {
	denial, err := us.DryRun(args)
	switch {
	case err != nil:
		WriteError(w, err)
	case denial != "":
		w.BulkString(denial)
	default:
		w.OK()
	}
}

// WriteLoad answers ACL LOAD from path (the aclfile setting). On success it returns the
// users that were replaced: the server must disconnect their clients.
func (us *Users) WriteLoad(w *resp.Writer, path string) (removed []*User) {
	if path == "" {
		w.Error(ErrNoACLFile)
		return nil
	}
	removed, err := us.Load(path)
	if err != nil {
		WriteError(w, err)
		return nil
	}
	w.OK()
	return removed
}

// WriteSave answers ACL SAVE to path (the aclfile setting); a write failure is returned for
// the server log, the client gets Redis's generic message.
func (us *Users) WriteSave(w *resp.Writer, path string) error {
	if path == "" {
		w.Error(ErrNoACLFile)
		return nil
	}
	if err := us.SaveFile(path); err != nil {
		w.Error(ErrSaveFailed)
		return err
	}
	w.OK()
	return nil
}
