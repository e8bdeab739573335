// Package tlsconf builds and reloads the server's TLS configuration from Redis's tls-* directives.
//
// A [Manager] is built once with [Load] from a [Settings] (one field per Redis 7.0 tls-*
// directive). [Manager.ServerConfig] returns a *tls.Config for the TLS listener whose
// GetConfigForClient callback hands every new handshake the configuration of the current
// generation, so [Manager.Reload] (CONFIG SET tls-*) and [Manager.Watch] (certificate files
// replaced on disk) change what new connections see without touching established ones. A
// reload that fails (unreadable file, key that does not match the certificate, expired
// certificate, wrong passphrase...) returns an error and leaves the previous generation
// serving.
//
// Differences from Redis/OpenSSL, all deliberate:
//
//   - TLS 1.2 is the minimum: "TLSv1" and "TLSv1.1" in tls-protocols are an error.
//   - TLS 1.2 offers only the six ECDHE AEAD suites (AES-GCM, ChaCha20-Poly1305). tls-ciphers
//     is parsed as an OpenSSL cipher list and can narrow that set but never widen it.
//   - tls-ciphersuites (TLS 1.3) is validated but has no effect: Go always enables its three
//     TLS 1.3 suites and offers no way to configure them.
//   - tls-dh-params-file is validated (it must hold DH PARAMETERS) but not used: Go has no
//     finite-field DHE, only ECDHE (X25519, NIST curves and the hybrid X25519MLKEM768).
//   - tls-prefer-server-ciphers is accepted and ignored: Go chooses the suite itself,
//     preferring AES-GCM when both sides have AES hardware and ChaCha20 otherwise.
//   - tls-session-caching uses encrypted stateless session tickets; Go has no server-side
//     session cache, so tls-session-cache-size has nothing to bound and is only validated.
//     tls-session-cache-timeout is enforced on the tickets. A reload starts a new ticket key,
//     so sessions from before it are not resumed (as Redis, which builds a new SSL_CTX).
//   - A served certificate that has already expired is refused.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Settings holds the tls-* directives. The zero value is not Redis's default: start from
// [Defaults] and override what the configuration sets.
type Settings struct {
	CertFile    string // tls-cert-file: server certificate (PEM; the leaf first, then any intermediates)
	KeyFile     string // tls-key-file: its private key (PEM: PKCS#8, PKCS#1 or SEC 1)
	KeyFilePass string // tls-key-file-pass: passphrase of an encrypted KeyFile

	// ClientCertFile and ClientKeyFile (tls-client-cert-file, tls-client-key-file,
	// tls-client-key-file-pass) are what Redoubt presents when it is the client (replication,
	// cluster bus). When unset, CertFile/KeyFile are used, as in Redis.
	ClientCertFile    string
	ClientKeyFile     string
	ClientKeyFilePass string

	// CACertFile (tls-ca-cert-file) and CACertDir (tls-ca-cert-dir) hold the CA certificates
	// that client certificates are verified against (and, for outgoing connections, server
	// certificates). Every file of CACertDir that holds PEM certificates is loaded, so both a
	// c_rehash'ed directory and a plain one work. At least one is required unless
	// AuthClients is "no".
	CACertFile string
	CACertDir  string

	// AuthClients is tls-auth-clients: "yes" (the default; a client must present a
	// certificate signed by a configured CA), "optional" (a certificate is verified if one is
	// presented) or "no" (none is requested).
	AuthClients string

	// Protocols is tls-protocols: a space-separated list of "TLSv1.2" and "TLSv1.3"
	// (case-insensitive). Empty means both.
	Protocols string

	// Ciphers is tls-ciphers, an OpenSSL cipher list for TLS 1.2 (see the package doc).
	// Empty means all six ECDHE AEAD suites.
	Ciphers string

	// Ciphersuites is tls-ciphersuites (TLS 1.3): names are validated, but Go always
	// enables TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and
	// TLS_CHACHA20_POLY1305_SHA256, whatever the list says.
	Ciphersuites string

	PreferServerCiphers bool // tls-prefer-server-ciphers: accepted, no effect in Go

	SessionCaching      bool // tls-session-caching: issue and accept session tickets
	SessionCacheSize    int  // tls-session-cache-size: validated (>= 0), no effect
	SessionCacheTimeout int  // tls-session-cache-timeout in seconds; 0 means 300

	DHParamsFile string // tls-dh-params-file: validated, not used

	// ClientCertUser maps a verified client certificate to an ACL user, like Valkey's and
	// Redis 8.6's tls-auth-clients-user: "" or "off" (no mapping), "CN" (the subject common
	// name of the leaf) or "URI" (its first URI SAN, whole, e.g. a SPIFFE ID). See
	// [UserFromCert]. It only has an effect when AuthClients is "yes" or "optional".
	ClientCertUser string
}

// Defaults returns Redis 7.0's defaults for the tls-* directives: no files,
// tls-auth-clients yes, both TLS 1.2 and 1.3, session caching on with 20480 entries and a
// 300 second timeout.
func Defaults() Settings {
	return Settings{
		AuthClients:         "yes",
		SessionCaching:      true,
		SessionCacheSize:    20 * 1024,
		SessionCacheTimeout: 300,
	}
}

// DefaultHandshakeTimeout is the deadline [Handshake] uses when it is given none.
const DefaultHandshakeTimeout = 10 * time.Second

// generation is one loaded configuration; a Manager serves exactly one at a time.
type generation struct {
	settings    Settings
	fingerprint string // of the files, taken before they were read
	leaf        *x509.Certificate
	server      *tls.Config
	client      *tls.Config
	warnings    []string
}

// Manager serves the current TLS configuration and replaces it on reload. Its methods are
// safe for concurrent use.
type Manager struct {
	mu  sync.Mutex // serializes Reload and Watch's reloads
	cur atomic.Pointer[generation]
	now func() time.Time // for tests
}

// Load validates s, reads every file it names and returns a Manager serving the result.
func Load(s Settings) (*Manager, error) {
	m := &Manager{now: time.Now}
	g, err := m.build(s)
	if err != nil {
		return nil, err
	}
	m.cur.Store(g)
	return m, nil
}

// Reload replaces the configuration with one built from s, for new handshakes only. On
// error nothing changes: the previous certificate and settings keep serving.
func (m *Manager) Reload(s Settings) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.build(s)
	if err != nil {
		return err
	}
	m.cur.Store(g)
	return nil
}

// Settings returns the settings currently served, e.g. to change one directive and Reload.
func (m *Manager) Settings() Settings { return m.cur.Load().settings }

// Certificate returns the leaf of the certificate currently served.
func (m *Manager) Certificate() *x509.Certificate { return m.cur.Load().leaf }

// NotAfter returns the expiry of the certificate currently served.
func (m *Manager) NotAfter() time.Time { return m.cur.Load().leaf.NotAfter }

// Warnings lists what the current settings ask for that Go cannot do (ignored cipher names,
// DH parameters, TLS 1.3 suite restrictions...), one sentence each, for the startup log.
func (m *Manager) Warnings() []string {
	return append([]string(nil), m.cur.Load().warnings...)
}

// ServerConfig returns the configuration for the TLS listener (tls.NewListener or
// tls.Server). Each handshake gets the generation current at its ClientHello, so the
// returned value never needs replacing. Do not modify it.
func (m *Manager) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return m.cur.Load().server, nil
		},
		// Not consulted while GetConfigForClient answers; kept so that a caller who clones
		// this config without the callback still serves the current certificate.
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &m.cur.Load().server.Certificates[0], nil
		},
	}
}

// ClientConfig returns a configuration for Redoubt's outgoing TLS connections (replication,
// cluster bus): the client certificate (ClientCertFile, or CertFile when unset), the
// configured CAs as roots (the system roots when none is configured), and the same
// protocol and cipher limits. It is a fresh copy: set ServerName on it, and call it for
// each dial so that reloads are picked up.
func (m *Manager) ClientConfig() *tls.Config { return m.cur.Load().client.Clone() }

// UserFromCert returns the ACL user that a client certificate maps to under mode ("CN" or
// "URI", case-insensitive; see Settings.ClientCertUser): the subject common name, or the
// first URI SAN, of the leaf of the first verified chain. It returns "" when the mode is
// off or unknown, when no certificate was verified (none presented, tls-auth-clients no),
// or when the field is empty.
func UserFromCert(state tls.ConnectionState, mode string) string {
	if !state.HandshakeComplete || len(state.VerifiedChains) == 0 || len(state.VerifiedChains[0]) == 0 {
		return ""
	}
	leaf := state.VerifiedChains[0][0]
	switch strings.ToUpper(mode) {
	case "CN":
		return leaf.Subject.CommonName
	case "URI":
		if len(leaf.URIs) > 0 {
			return leaf.URIs[0].String()
		}
	}
	return ""
}

// Handshake runs the server side of the handshake under a deadline of timeout
// (DefaultHandshakeTimeout when timeout <= 0), so that a client that connects and stalls
// holds a connection for at most that long. On failure it closes conn and returns the
// error (a timeout satisfies net.Error's Timeout()); on success it clears the deadline.
func Handshake(conn *tls.Conn, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		conn.Close()
		return err
	}
	if err := conn.Handshake(); err != nil {
		conn.Close()
		return fmt.Errorf("tls handshake: %w", err)
	}
	return conn.SetDeadline(time.Time{})
}

// build loads everything s names into a new generation.
func (m *Manager) build(s Settings) (*generation, error) {
	g := &generation{settings: s, fingerprint: fingerprint(s)}
	if s.CertFile == "" {
		return nil, errors.New("No tls-cert-file configured!")
	}
	if s.KeyFile == "" {
		return nil, errors.New("No tls-key-file configured!")
	}
	auth, err := parseAuthClients(s.AuthClients)
	if err != nil {
		return nil, err
	}
	userMode, err := parseClientCertUser(s.ClientCertUser)
	if err != nil {
		return nil, err
	}
	if userMode != "" && auth == tls.NoClientCert {
		g.warnings = append(g.warnings, "tls-auth-clients-user has no effect while tls-auth-clients is no")
	}
	minV, maxV, err := parseProtocols(s.Protocols)
	if err != nil {
		return nil, err
	}
	suites, warn, err := parseCiphers(s.Ciphers)
	if err != nil {
		return nil, err
	}
	g.warnings = append(g.warnings, warn...)
	warn, err = parseCiphersuites(s.Ciphersuites)
	if err != nil {
		return nil, err
	}
	g.warnings = append(g.warnings, warn...)
	if s.SessionCacheSize < 0 {
		return nil, fmt.Errorf("tls-session-cache-size must be >= 0, got %d", s.SessionCacheSize)
	}
	if s.SessionCacheTimeout < 0 {
		return nil, fmt.Errorf("tls-session-cache-timeout must be >= 0, got %d", s.SessionCacheTimeout)
	}
	if s.DHParamsFile != "" {
		if err := checkDHParams(s.DHParamsFile); err != nil {
			return nil, err
		}
		g.warnings = append(g.warnings, "tls-dh-params-file is not used: Go offers only ECDHE key exchange")
	}

	now := m.now()
	cert, err := loadKeyPair(s.CertFile, s.KeyFile, s.KeyFilePass, "tls-cert-file", "tls-key-file")
	if err != nil {
		return nil, err
	}
	if now.After(cert.Leaf.NotAfter) {
		return nil, fmt.Errorf("tls-cert-file %s: certificate expired at %s", s.CertFile, cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	g.leaf = cert.Leaf
	clientCert := cert
	if s.ClientCertFile != "" || s.ClientKeyFile != "" {
		if s.ClientCertFile == "" || s.ClientKeyFile == "" {
			return nil, errors.New("tls-client-cert-file and tls-client-key-file must be set together")
		}
		clientCert, err = loadKeyPair(s.ClientCertFile, s.ClientKeyFile, s.ClientKeyFilePass, "tls-client-cert-file", "tls-client-key-file")
		if err != nil {
			return nil, err
		}
	}

	var pool *x509.CertPool
	if s.CACertFile != "" || s.CACertDir != "" {
		if pool, err = loadCAs(s.CACertFile, s.CACertDir); err != nil {
			return nil, err
		}
	} else if auth != tls.NoClientCert {
		return nil, errors.New("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is enabled!")
	}

	srv := &tls.Config{
		MinVersion:             minV,
		MaxVersion:             maxV,
		CipherSuites:           suites,
		Certificates:           []tls.Certificate{cert},
		ClientAuth:             auth,
		ClientCAs:              pool,
		SessionTicketsDisabled: !s.SessionCaching,
		Time:                   m.now,
	}
	if s.SessionCaching {
		timeout := time.Duration(s.SessionCacheTimeout) * time.Second
		if timeout == 0 {
			timeout = 300 * time.Second
		}
		addTicketTimeout(srv, timeout, m.now)
	}
	g.server = srv
	g.client = &tls.Config{
		MinVersion:   minV,
		MaxVersion:   maxV,
		CipherSuites: suites,
		Certificates: []tls.Certificate{clientCert},
		RootCAs:      pool,
	}
	return g, nil
}

// ticketStamp tags the Extra entry in which addTicketTimeout records a ticket's issue time.
const ticketStamp = "redoubt-issued:"

// addTicketTimeout makes cfg's session tickets expire after timeout. The tickets are
// encrypted with cfg's own automatically rotated keys: every generation has its own, so
// tickets do not outlive a reload.
func addTicketTimeout(cfg *tls.Config, timeout time.Duration, now func() time.Time) {
	cfg.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		stamp := make([]byte, len(ticketStamp)+8)
		copy(stamp, ticketStamp)
		binary.BigEndian.PutUint64(stamp[len(ticketStamp):], uint64(now().Unix()))
		extra := ss.Extra[:0:0]
		for _, e := range ss.Extra {
			if !strings.HasPrefix(string(e), ticketStamp) {
				extra = append(extra, e)
			}
		}
		ss.Extra = append(extra, stamp)
		return cfg.EncryptTicket(cs, ss)
	}
	cfg.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := cfg.DecryptTicket(identity, cs)
		if err != nil || ss == nil {
			return nil, nil // not ours, or undecryptable: full handshake
		}
		for _, e := range ss.Extra {
			if len(e) == len(ticketStamp)+8 && strings.HasPrefix(string(e), ticketStamp) {
				issued := time.Unix(int64(binary.BigEndian.Uint64(e[len(ticketStamp):])), 0)
				if now().Sub(issued) <= timeout {
					return ss, nil
				}
				return nil, nil
			}
		}
		return nil, nil
	}
}
