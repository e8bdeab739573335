package command

// ACLHost is the server's side of the ACL command: the user store and log live with the
// server (the acl package builds on this one, so the handlers delegate).
type ACLHost interface {
	ACL(c *Ctx, sub string)
}

func aclSub(name string, arity int, admin bool, summary, since, complexity string) *Spec {
	flags := NoScript | Loading | Stale
	if admin {
		flags |= Admin
	}
	return &Spec{Name: name, Arity: arity, Flags: flags, Handler: func(c *Ctx) { c.Host.(ACLHost).ACL(c, name) },
		Summary: summary, Since: since, Group: "server", Complexity: complexity}
}

var aclCommands = []*Spec{
	{Name: "acl", Arity: -2, Categories: CatSlow, Summary: "A container for Access List Control commands", Since: "6.0.0", Group: "server", Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			aclSub("cat", -2, false, "List the ACL categories or the commands inside a category", "6.0.0", "O(1) since the categories and commands are a fixed set."),
			aclSub("deluser", -3, true, "Remove the specified ACL users and the associated rules", "6.0.0", "O(1) amortized time considering the typical user."),
			aclSub("dryrun", -4, true, "Returns whether the user can execute the given command without executing the command.", "7.0.0", "O(1)."),
			aclSub("genpass", -2, false, "Generate a pseudorandom secure password to use for ACL users", "6.0.0", "O(1)"),
			aclSub("getuser", 3, true, "Get the rules for a specific ACL user", "6.0.0", "O(N). Where N is the number of password, command and pattern rules that the user has."),
			aclSub("list", 2, true, "List the current ACL rules in ACL config file format", "6.0.0", "O(N). Where N is the number of configured users."),
			aclSub("load", 2, true, "Reload the ACLs from the configured ACL file", "6.0.0", "O(N). Where N is the number of configured users."),
			aclSub("log", -2, true, "List latest events denied because of ACLs in place", "6.0.0", "O(N) with N being the number of entries shown."),
			aclSub("save", 2, true, "Save the current ACL rules in the configured ACL file", "6.0.0", "O(N). Where N is the number of configured users."),
			aclSub("setuser", -3, true, "Modify or create the rules for a specific ACL user", "6.0.0", "O(N). Where N is the number of rules provided."),
			aclSub("users", 2, true, "List the username of all the configured ACL rules", "6.0.0", "O(N). Where N is the number of configured users."),
			aclSub("whoami", 2, false, "Return the name of the user associated to the current connection", "6.0.0", "O(1)"),
			{Name: "help", Arity: 2, Flags: Loading | Stale, Handler: func(c *Ctx) { c.Host.(ACLHost).ACL(c, "help") },
				Summary: "Show helpful text about the different subcommands", Since: "6.0.0", Group: "server", Complexity: "O(1)"},
		}},
}
