package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redoubt/redoubt/internal/config"
	"github.com/redoubt/redoubt/internal/tlsconf"
)

func init() {
	config.MarkImplemented("tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass",
		"tls-client-cert-file", "tls-client-key-file", "tls-client-key-file-pass",
		"tls-dh-params-file", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-protocols",
		"tls-ciphers", "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-session-caching",
		"tls-session-cache-size", "tls-session-cache-timeout", "tls-auth-clients")
}

// tlsHandshakeTimeout bounds a handshake, so a peer that never completes one holds nothing.
const tlsHandshakeTimeout = 10 * time.Second

// tlsSettings reads the tls-* directives.
func tlsSettings(cfg *config.Config) tlsconf.Settings {
	s := tlsconf.Defaults()
	s.CertFile = cfg.String("tls-cert-file")
	s.KeyFile = cfg.String("tls-key-file")
	s.KeyFilePass = cfg.String("tls-key-file-pass")
	s.ClientCertFile = cfg.String("tls-client-cert-file")
	s.ClientKeyFile = cfg.String("tls-client-key-file")
	s.ClientKeyFilePass = cfg.String("tls-client-key-file-pass")
	s.DHParamsFile = cfg.String("tls-dh-params-file")
	s.CACertFile = cfg.String("tls-ca-cert-file")
	s.CACertDir = cfg.String("tls-ca-cert-dir")
	s.Protocols = cfg.String("tls-protocols")
	s.Ciphers = cfg.String("tls-ciphers")
	s.Ciphersuites = cfg.String("tls-ciphersuites")
	s.PreferServerCiphers = cfg.Bool("tls-prefer-server-ciphers")
	s.SessionCaching = cfg.Bool("tls-session-caching")
	s.SessionCacheSize = int(cfg.Int("tls-session-cache-size"))
	s.SessionCacheTimeout = int(cfg.Int("tls-session-cache-timeout"))
	s.AuthClients = cfg.String("tls-auth-clients")
	s.ClientCertUser = cfg.String("tls-auth-clients-user")
	return s
}

// setupTLS loads the certificates when a TLS port is configured and starts the watcher that
// swaps in rotated certificate files.
func (s *Server) setupTLS() error {
	if s.cfg.Int("tls-port") == 0 {
		return nil
	}
	m, err := tlsconf.Load(tlsSettings(s.cfg))
	if err != nil {
		return fmt.Errorf("Failed to configure TLS. Check logs for more info: %w", err)
	}
	for _, w := range m.Warnings() {
		s.log.Warn("TLS: " + w)
	}
	s.tls = m
	if iv := s.cfg.Int("tls-auto-reload-interval"); iv > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-s.stopped; cancel() }()
		go m.Watch(ctx, time.Duration(iv)*time.Second, func(format string, args ...any) {
			s.log.Warn(fmt.Sprintf(format, args...))
		})
	}
	return nil
}

// reloadTLS applies CONFIG SET tls-*: a bad new certificate keeps the old one serving and
// fails the SET (the config package prefixes Redis's "CONFIG SET failed" text).
func (s *Server) reloadTLS(name string) error {
	if s.tls == nil {
		if s.cfg.Int("tls-port") == 0 {
			return nil
		}
		return errors.New("TLS was not configured at startup (no tls-port)")
	}
	if err := s.tls.Reload(tlsSettings(s.cfg)); err != nil {
		s.log.Warn("Failed applying new TLS configuration: " + err.Error())
		return errors.New("Unable to update TLS configuration. Check server logs.")
	}
	return nil
}

// listenTLSAll binds tls-port on every bind address, like listenTCPAll does for port.
func (s *Server) listenTLSAll() ([]net.Listener, error) {
	port := s.cfg.Int("tls-port")
	if port == 0 || s.tls == nil {
		return nil, nil
	}
	var out []net.Listener
	for _, b := range s.cfg.Strings("bind") {
		optional := strings.HasPrefix(b, "-")
		host := strings.TrimPrefix(b, "-")
		switch host {
		case "*":
			host = "0.0.0.0"
		case "::*":
			host = "::"
		}
		ln, err := listenTCP(host, int(port))
		if err != nil {
			if optional && isAddrUnavailable(err) {
				continue
			}
			for _, l := range out {
				l.Close()
			}
			return nil, fmt.Errorf("Failed listening on port %d (tls), aborting: %w", port, err)
		}
		out = append(out, tlsListener{Listener: ln, cfg: s.tls.ServerConfig()})
	}
	return out, nil
}

// tlsListener wraps accepted connections in TLS; the handshake itself runs in the
// connection's goroutine (serveConn), under a deadline, never in the accept loop.
type tlsListener struct {
	net.Listener
	cfg *tls.Config
}

func (l tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return tls.Server(c, l.cfg), nil
}

// tlsHandshake completes the handshake of a TLS connection and, with tls-auth-clients-user,
// logs the client in as the user its verified certificate names. It returns false when the
// connection must be dropped.
func (c *client) tlsHandshake() bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return true
	}
	c.isTLS = true
	if err := tlsconf.Handshake(tc, tlsHandshakeTimeout); err != nil {
		c.s.log.Debug("TLS handshake failed with " + c.addr + ": " + err.Error())
		return false
	}
	c.s.stats.tlsConns.Add(1)
	mode := c.s.cfg.String("tls-auth-clients-user")
	if mode == "" || strings.EqualFold(mode, "off") {
		return true
	}
	name := tlsconf.UserFromCert(tc.ConnectionState(), mode)
	if name == "" {
		return true
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if u := c.s.users.Get(name); u != nil && u.Enabled() {
		c.user, c.authed = u, true
		c.setLimits()
		c.s.log.Info("TLS client certificate authenticated " + c.addr + " as user " + name)
		return true
	}
	// A certificate naming no enabled user falls back to the default user's rules; the
	// attempt is recorded like a failed AUTH.
	c.s.acllog.AddAuthFailure("tls-client-cert", 0, name, c.describe(time.Now()))
	return true
}

// tlsInfo is the TLS part of INFO server.
func (s *Server) tlsInfo() (port string, notAfter string) {
	port = strconv.FormatInt(s.cfg.Int("tls-port"), 10)
	if s.tls != nil {
		notAfter = s.tls.NotAfter().UTC().Format(time.RFC3339)
	}
	return
}
