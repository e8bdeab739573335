// Package hardening owns the host-level controls: root detection and refusal, dropping
// privileges after binding, and warnings about credential files other users can read.
package hardening

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// ErrRoot is returned when refuse-root is set and the process runs as root.
var ErrRoot = errors.New("Refusing to run as root (refuse-root yes): start Redoubt as an unprivileged user, or set run-as-user")

// RootPolicy decides what to do about running as root before the listeners open: refuse
// (an error), or nothing (the caller warns, and may drop privileges after binding).
func RootPolicy(euid int, refuse bool, runAs string) error {
	if euid != 0 {
		return nil
	}
	if refuse && runAs == "" {
		return ErrRoot
	}
	return nil
}

// DropPrivileges switches the whole process to the named account: supplementary groups,
// then the group, then the user, so that no root capability is left behind. Go applies
// setuid to every thread since Go 1.16.
func DropPrivileges(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("run-as-user %q: %w", name, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return fmt.Errorf("run-as-user %q: bad uid %q", name, u.Uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return fmt.Errorf("run-as-user %q: bad gid %q", name, u.Gid)
	}
	if uid == 0 {
		return fmt.Errorf("run-as-user %q is root", name)
	}
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	if os.Geteuid() == 0 {
		return errors.New("still root after setuid")
	}
	return nil
}

// ExposedCredentials reports why path, a file holding credentials, is readable or writable
// by others than its owner ("" when it is not).
func ExposedCredentials(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return ""
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Sprintf("%s is accessible by group or others (mode %04o); it holds credentials: chmod 600 %s", path, perm, path)
	}
	return ""
}
