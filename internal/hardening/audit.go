package hardening

import (
	"fmt"
	"os"
	"strings"

	"github.com/redoubt/redoubt/internal/config"
)

// Finding is one result of the security self-check.
type Finding struct {
	Severity string // "high", "medium", "low", "ok"
	Check    string
	Detail   string
}

// Audit reviews a configuration against the controls the RU330 course teaches: network
// exposure, authentication, the Wannamine path (writable dir/dbfilename), files and root.
// euid is the effective uid the server would run as.
func Audit(cfg *config.Config, configPath string, euid int) []Finding {
	var out []Finding
	add := func(sev, check, detail string) { out = append(out, Finding{sev, check, detail}) }

	binds := cfg.Strings("bind")
	public := false
	for _, b := range binds {
		h := strings.TrimPrefix(b, "-")
		if h == "*" || h == "::*" || h == "0.0.0.0" || h == "::" || !isLoopback(h) {
			public = true
		}
	}
	noPass := cfg.String("requirepass") == "" && len(cfg.Lines("user")) == 0 && cfg.String("aclfile") == ""
	switch {
	case public && noPass && !cfg.Bool("protected-mode"):
		add("high", "exposure", "listening beyond loopback ("+strings.Join(binds, " ")+") with no password and protected-mode off: anyone who can reach the port owns the server")
	case public && noPass:
		add("medium", "exposure", "listening beyond loopback with no password: only protected mode keeps remote clients out; set a password or ACL users")
	case public:
		add("low", "exposure", "listening beyond loopback ("+strings.Join(binds, " ")+"): make sure a firewall limits who can reach it")
	default:
		add("ok", "exposure", "listening on loopback only")
	}
	if noPass {
		add("medium", "authentication", "the default user has no password (requirepass, user lines or aclfile)")
	} else if p := cfg.String("requirepass"); p != "" && len(p) < 32 {
		add("medium", "authentication", fmt.Sprintf("requirepass is %d characters; use a long random secret (ACL GENPASS gives 64 hex characters)", len(p)))
	} else {
		add("ok", "authentication", "a password or ACL users are configured")
	}
	if cfg.Int("tls-port") == 0 && public {
		add("medium", "transport", "no TLS on a non-loopback listener: passwords and data cross the network in clear (redoubt gencert, tls-port)")
	} else if cfg.Int("tls-port") != 0 && cfg.String("tls-auth-clients") == "no" {
		add("low", "transport", "TLS without client certificates (tls-auth-clients no)")
	}
	if cfg.String("enable-protected-configs") != "no" {
		add("high", "wannamine", "enable-protected-configs is "+cfg.String("enable-protected-configs")+": CONFIG SET dir/dbfilename can turn a data file into a cron job")
	} else {
		add("ok", "wannamine", "CONFIG SET dir/dbfilename refused at runtime")
	}
	if v := cfg.String("enable-debug-command"); v != "no" {
		add("medium", "debug", "enable-debug-command is "+v+": DEBUG can stall or crash the server")
	}
	if cfg.Int("auth-max-failures") == 0 {
		add("medium", "brute-force", "auth-max-failures 0 disables the AUTH lockout")
	}
	if euid == 0 {
		switch {
		case cfg.String("run-as-user") != "":
			add("ok", "root", "starts as root but drops to "+cfg.String("run-as-user")+" after binding")
		default:
			add("high", "root", "runs as root: a compromise is a root compromise (run-as-user, or start it as an unprivileged user)")
		}
	}
	if configPath != "" {
		if why := ExposedCredentials(configPath); why != "" {
			add("high", "files", why)
		}
	}
	if f := cfg.String("aclfile"); f != "" {
		if why := ExposedCredentials(f); why != "" {
			add("high", "files", why)
		}
	}
	if st, err := os.Stat(cfg.String("dir")); err == nil && st.Mode().Perm()&0o002 != 0 {
		add("high", "files", "the data directory "+cfg.String("dir")+" is world-writable")
	}
	return out
}

func isLoopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || host == "localhost" || strings.HasPrefix(host, "127.")
}
