package server

import (
	"errors"
	"fmt"
	"os"

	"github.com/redoubt/redoubt/internal/acl"
	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/config"
)

func init() {
	config.MarkImplemented("user", "aclfile", "acllog-max-len", "acl-pubsub-default")
}

// setupUsers builds the user store from the configuration: user lines in redis.conf or an
// aclfile (both at once is refused, as Redis refuses it), then requirepass for the default user.
func (s *Server) setupUsers() error {
	s.users = acl.NewUsers()
	s.acllog = acl.NewLog(int(s.cfg.Int("acllog-max-len")))
	s.users.SetPubsubDefault(s.cfg.String("acl-pubsub-default") == "allchannels")
	lines := s.cfg.Lines("user")
	aclfile := s.cfg.String("aclfile")
	if len(lines) > 0 && aclfile != "" {
		return errors.New("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.")
	}
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		if err := s.users.SetUser(l[0], l[1:]); err != nil {
			return fmt.Errorf("Error in user declaration '%s': %v", l[0], err)
		}
	}
	if aclfile != "" {
		if _, err := s.users.Load(aclfile); err != nil {
			return fmt.Errorf("Aborting Redis startup because of ACL errors: %v", err)
		}
		warnIfExposed(s, aclfile, "aclfile")
	}
	if pass := s.cfg.String("requirepass"); pass != "" {
		s.users.SetDefaultPassword(pass)
	}
	if aclfile == "" {
		s.cfg.RewriteUsers(s.users.List)
	}
	return nil
}

// warnIfExposed warns when a file holding password hashes is readable by group or others.
func warnIfExposed(s *Server, path, what string) {
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		s.log.Warn(fmt.Sprintf("WARNING: the %s %s is accessible by other users (mode %04o); it holds credentials, chmod 600 it.", what, path, st.Mode().Perm()))
	}
}

// authRequired is Redis's rule: a new connection must authenticate unless the default user
// is enabled and has nopass.
func (s *Server) authRequired() bool {
	d := s.users.Default()
	return !d.NoPass() || !d.Enabled()
}

// checkACL applies the caller's permissions to a resolved command and logs a denial.
// It returns false after replying -NOPERM.
func (c *client) checkACL(spec *command.Spec, args [][]byte, where acl.Context) bool {
	ok, reason, pos := c.user.Check(spec, args)
	if ok {
		return true
	}
	c.s.acllog.AddDenial(spec, args, reason, pos, where, c.user.Name(), c.describe(timeNow()))
	c.out.Error(acl.NoPermError(spec, reason))
	return false
}

// ACL implements the ACL command's subcommands for command.ACLHost.
func (s *Server) ACL(c *command.Ctx, sub string) {
	args := c.Args[2:]
	opt := func() []byte {
		if len(args) > 0 {
			return args[0]
		}
		return nil
	}
	switch sub {
	case "setuser":
		s.users.WriteSetUser(c.W, args)
		s.enforceChannelPerms()
	case "deluser":
		s.disconnectUsers(s.users.WriteDelUser(c.W, args))
	case "getuser":
		s.users.WriteGetUser(c.W, args[0])
	case "list":
		s.users.WriteList(c.W)
	case "users":
		s.users.WriteUsers(c.W)
	case "cat":
		if len(args) > 1 {
			c.Err("ERR Unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.")
			return
		}
		acl.WriteCat(c.W, opt())
	case "genpass":
		if len(args) > 1 {
			c.Err("ERR Unknown subcommand or wrong number of arguments for 'GENPASS'. Try ACL HELP.")
			return
		}
		acl.WriteGenPass(c.W, opt())
	case "dryrun":
		s.users.WriteDryRun(c.W, args)
	case "log":
		if len(args) > 1 {
			c.Err("ERR Unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.")
			return
		}
		s.acllog.WriteLog(c.W, opt())
	case "load":
		s.disconnectUsers(s.users.WriteLoad(c.W, s.cfg.String("aclfile")))
		s.enforceChannelPerms()
	case "save":
		if err := s.users.WriteSave(c.W, s.cfg.String("aclfile")); err != nil {
			s.log.Warn("Error saving ACLs: " + err.Error())
		}
	case "whoami":
		c.W.BulkString(c.Conn.User())
	case "help":
		command.WriteHelp(c, "ACL", acl.HelpLines)
	}
}

// disconnectUsers closes the connections of deleted or replaced users, as Redis does, so a
// revoked identity cannot keep acting through an open connection. Called under s.mu.
func (s *Server) disconnectUsers(removed []*acl.User) {
	if len(removed) == 0 {
		return
	}
	gone := map[*acl.User]bool{}
	for _, u := range removed {
		gone[u] = true
	}
	for _, c := range s.snapshotClients() {
		if gone[c.user] {
			if c.executing {
				c.closeAfter = true
			} else {
				c.kill()
			}
		}
	}
}

// enforceChannelPerms disconnects subscribers whose user lost access to one of their channels
// or patterns (Redis 7 does the same after ACL SETUSER and ACL LOAD). Called under s.mu.
func (s *Server) enforceChannelPerms() {
	for _, c := range s.snapshotClients() {
		if !c.Subscribed() {
			continue
		}
		if !c.channelsAllowed() {
			if c.executing {
				c.closeAfter = true
			} else {
				c.kill()
			}
		}
	}
}

func (c *client) channelsAllowed() bool {
	for kind, sub := range c.subs {
		for _, name := range sub.names {
			if !c.user.CheckChannel([]byte(name), command.SubKind(kind) == command.KindPattern) {
				return false
			}
		}
	}
	return true
}

// CanReadAllKeys is Redis's "full key access" test for SORT's BY and GET patterns, which
// read keys named by the data: the user must be able to read the key "*".
func (s *Server) CanReadAllKeys(user string) bool {
	u := s.users.Get(user)
	return u != nil && u.CheckKey([]byte("*"), command.RO|command.Access)
}
