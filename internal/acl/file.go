package acl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LoadFile parses an ACL file (the aclfile directive; ACL LOAD) into a new user set, with
// Redis 7.0's rules and messages: every non-blank line is "user <name> <rules...>", split
// on single spaces; a file without a "default" line gets the standard default user; a
// "default" line defines it from scratch. Every problem is collected, with its line number,
// and any problem refuses the whole file: the error then holds Redis's one-line report,
// ending "WARNING: ACL errors detected, no change to the previously active ACL rules was
// performed". pubsubAll is acl-pubsub-default ("allchannels" when true).
//
// Redis 7.0.15 crashes on a line whose selector is unclosed after another rule ("user a on
// (+get"); we report "Unmatched parenthesis in selector definition." as it does when the
// selector comes first.
func LoadFile(path string, pubsubAll bool) (*Users, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, newError(fmt.Sprintf("Error loading ACLs, opening file '%s': %s", path, strerror(err)))
	}
	return parseFile(string(data), path, pubsubAll)
}

// parseFile is LoadFile's work on the file's text; path names it in messages.
func parseFile(text, path string, pubsubAll bool) (*Users, error) {
	// Redis reads the file as C strings and loses what follows a NUL byte on its line (and
	// the line break). We keep the bytes: a NUL then fails the line's user name or rule
	// check, and so the whole file.
	loaded := &Users{users: map[string]*User{}}
	loaded.pubsubAll.Store(pubsubAll)
	var errs strings.Builder
	for i, line := range strings.Split(text, "\n") {
		linenum := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", path, linenum)
			continue
		}
		name := argv[1]
		if hasSpaces(name) {
			fmt.Fprintf(&errs, "'%s:%d: username '%s' contains invalid characters. ", path, linenum, cstr(name))
			continue
		}
		if loaded.users[name] != nil {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", name, linenum)
			continue
		}
		st := newUserState(pubsubAll)
		u := &User{name: name}
		loaded.users[name] = u
		merged, bad := mergeSelectors(argv[2:])
		if bad >= 0 {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", path, linenum)
			continue
		}
		syntaxReported := false
		for _, op := range merged {
			op = strings.Trim(op, "\t\r\n")
			k := st.apply(op, pubsubAll)
			switch {
			case k == 0:
			case k == errUnknown:
				// Unknown commands are all reported, with the rule: they hold no secret.
				fmt.Fprintf(&errs, "%s:%d: Error in applying operation '%s': %s. ", path, linenum, cstr(op), k)
			case !syntaxReported:
				// Other errors only once a line: they may follow from the first one.
				fmt.Fprintf(&errs, "%s:%d: %s. ", path, linenum, k)
				syntaxReported = true
			}
		}
		u.state.Store(st)
	}
	if errs.Len() > 0 {
		errs.WriteString("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		return nil, newError(errs.String())
	}
	if d := loaded.users[DefaultUsername]; d != nil {
		loaded.def = d
	} else {
		loaded.def = loaded.createDefault()
		loaded.users[DefaultUsername] = loaded.def
	}
	return loaded, nil
}

// strerror renders an OS error as C's strerror does ("No such file or directory").
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s
	}
	return err.Error()
}

// Load is ACL LOAD: it parses path with LoadFile and, if the file is valid, installs its
// users with Replace. It returns the users that were replaced (their clients must be
// disconnected); on error nothing changes.
func (us *Users) Load(path string) (removed []*User, err error) {
	loaded, err := LoadFile(path, us.pubsubAll.Load())
	if err != nil {
		return nil, err
	}
	return us.Replace(loaded), nil
}

// SaveFile is ACL SAVE: it writes every user as "user <name> <rules>", ordered by name, to
// a temporary file in the same directory (mode 0600), syncs it, renames it over path and
// syncs the directory. Passwords are written as hashes only.
func (us *Users) SaveFile(path string) error {
	var b strings.Builder
	for _, line := range us.List() {
		b.WriteString(line)
		b.WriteString("\n")
	}
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("opening temp ACL file for ACL SAVE: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.WriteString(b.String()); err != nil {
		return fmt.Errorf("writing ACL file for ACL SAVE: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing ACL file for ACL SAVE: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing ACL file for ACL SAVE: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		ok = true
		return fmt.Errorf("renaming ACL file for ACL SAVE: %w", err)
	}
	ok = true
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
