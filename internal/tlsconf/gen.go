package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Authority is a private certificate authority with an ECDSA P-256 key.
type Authority struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// NewAuthority creates a self-signed CA valid from notBefore to notAfter. It may sign leaf
// certificates only (path length 0).
func NewAuthority(commonName string, notBefore, notAfter time.Time) (*Authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"Redoubt"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Authority{Cert: cert, Key: key}, nil
}

// LoadAuthority reads a CA certificate and its unencrypted private key (as Generate writes
// them), e.g. to issue more client certificates with an existing CA.
func LoadAuthority(certFile, keyFile string) (*Authority, error) {
	pair, err := loadKeyPair(certFile, keyFile, "", "CA certificate", "CA key")
	if err != nil {
		return nil, err
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("CA key %s is not an ECDSA key", keyFile)
	}
	if !pair.Leaf.IsCA {
		return nil, fmt.Errorf("%s is not a CA certificate", certFile)
	}
	return &Authority{Cert: pair.Leaf, Key: key}, nil
}

// CertPEM returns the CA certificate in PEM.
func (a *Authority) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Cert.Raw})
}

// KeyPEM returns the CA private key, unencrypted PKCS#8 PEM.
func (a *Authority) KeyPEM() ([]byte, error) { return keyPEM(a.Key) }

// Leaf describes a certificate for Authority.Issue to sign.
type Leaf struct {
	CommonName  string
	DNSNames    []string
	IPAddresses []net.IP
	URIs        []*url.URL
	NotBefore   time.Time
	NotAfter    time.Time
	Server      bool // extended key usage serverAuth
	Client      bool // extended key usage clientAuth
}

// Issue creates a new ECDSA P-256 key and a certificate for it signed by a, both in PEM
// (the key unencrypted PKCS#8).
func (a *Authority) Issue(l Leaf) (certPEM, keyPEMBytes []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	certPEM, err = a.sign(l, &key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	keyPEMBytes, err = keyPEM(key)
	return certPEM, keyPEMBytes, err
}

func (a *Authority) sign(l Leaf, pub crypto.PublicKey) ([]byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: l.CommonName},
		DNSNames:              l.DNSNames,
		IPAddresses:           l.IPAddresses,
		URIs:                  l.URIs,
		NotBefore:             l.NotBefore,
		NotAfter:              l.NotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		AuthorityKeyId:        a.Cert.SubjectKeyId,
	}
	if ec, ok := pub.(*ecdsa.PublicKey); ok {
		tmpl.SubjectKeyId = keyID(ec)
	}
	if l.Server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if l.Client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, pub, a.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func keyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// randomSerial returns a positive 127-bit serial number (RFC 5280 allows up to 20 octets).
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}

// keyID is RFC 5280's method 1 subject key identifier.
func keyID(pub *ecdsa.PublicKey) []byte {
	raw, err := pub.Bytes()
	if err != nil {
		return nil
	}
	sum := sha1.Sum(raw)
	return sum[:]
}

// GenerateOptions are the inputs of Generate (redoubt gencert).
type GenerateOptions struct {
	Dir     string   // output directory, created 0700 if missing
	Days    int      // validity of every certificate, 1 to 3650
	Clients []string // one client certificate per name (CN=name)
	Hosts   []string // extra server names: DNS names or IP addresses
	Force   bool     // overwrite existing files
	Now     time.Time
}

// Generated lists the files Generate wrote.
type Generated struct {
	CACert, CAKey         string
	ServerCert, ServerKey string
	Clients               []ClientFiles
}

// ClientFiles are one client's certificate and key.
type ClientFiles struct{ Name, Cert, Key string }

// Files returns every path written, certificates and keys alternating.
func (g *Generated) Files() []string {
	out := []string{g.CACert, g.CAKey, g.ServerCert, g.ServerKey}
	for _, c := range g.Clients {
		out = append(out, c.Cert, c.Key)
	}
	return out
}

// File modes: certificates are public; private keys are readable by their owner only.
const (
	CertFileMode fs.FileMode = 0o644
	KeyFileMode  fs.FileMode = 0o600
)

var clientNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// Generate creates a private CA, a server certificate for localhost, 127.0.0.1, ::1 and
// o.Hosts, and one client certificate per o.Clients name, and writes them to o.Dir as
// ca.crt/ca.key, server.crt/server.key and NAME.crt/NAME.key. Nothing is written if any of
// these files already exists, unless o.Force.
//
// The server certificate carries both serverAuth and clientAuth, because Redis (and
// Redoubt) present tls-cert-file as the client certificate of replication and cluster
// connections when tls-client-cert-file is unset. Client certificates carry clientAuth
// only. Every certificate, the CA's included, ends at the same time: reissue all together.
func Generate(o GenerateOptions) (*Generated, error) {
	if o.Dir == "" {
		return nil, errors.New("no output directory")
	}
	if o.Days < 1 || o.Days > 3650 {
		return nil, fmt.Errorf("--days must be between 1 and 3650, got %d", o.Days)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	dns := []string{"localhost"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	for _, h := range o.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else if validHostname(h) {
			dns = append(dns, strings.TrimSuffix(strings.ToLower(h), "."))
		} else {
			return nil, fmt.Errorf("--host %q is neither an IP address nor a DNS name", h)
		}
	}
	seen := map[string]bool{}
	for _, c := range o.Clients {
		if !clientNameRE.MatchString(c) {
			return nil, fmt.Errorf("--client %q: use 1 to 64 letters, digits, '.', '_', '@' or '-', not starting with a punctuation mark", c)
		}
		lc := strings.ToLower(c)
		if lc == "ca" || lc == "server" {
			return nil, fmt.Errorf("--client %q would overwrite %s.crt", c, lc)
		}
		if seen[lc] {
			return nil, fmt.Errorf("--client %q given twice", c)
		}
		seen[lc] = true
	}

	g := &Generated{
		CACert: filepath.Join(o.Dir, "ca.crt"), CAKey: filepath.Join(o.Dir, "ca.key"),
		ServerCert: filepath.Join(o.Dir, "server.crt"), ServerKey: filepath.Join(o.Dir, "server.key"),
	}
	for _, c := range o.Clients {
		g.Clients = append(g.Clients, ClientFiles{c, filepath.Join(o.Dir, c+".crt"), filepath.Join(o.Dir, c+".key")})
	}
	if !o.Force {
		var exist []string
		for _, p := range g.Files() {
			if _, err := os.Lstat(p); err == nil {
				exist = append(exist, p)
			}
		}
		if len(exist) > 0 {
			return nil, fmt.Errorf("refusing to overwrite %s (use --force)", strings.Join(exist, ", "))
		}
	}

	// Backdated an hour so that a client with a slightly slow clock accepts them at once.
	notBefore := o.Now.Add(-time.Hour).Truncate(time.Second)
	notAfter := o.Now.AddDate(0, 0, o.Days).Truncate(time.Second)
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	ca, err := NewAuthority("Redoubt private CA "+hex.EncodeToString(suffix), notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	caKey, err := ca.KeyPEM()
	if err != nil {
		return nil, err
	}
	type file struct {
		path string
		data []byte
		mode fs.FileMode
	}
	files := []file{{g.CACert, ca.CertPEM(), CertFileMode}, {g.CAKey, caKey, KeyFileMode}}
	srvCert, srvKey, err := ca.Issue(Leaf{
		CommonName: "Redoubt server", DNSNames: dns, IPAddresses: ips,
		NotBefore: notBefore, NotAfter: notAfter, Server: true, Client: true,
	})
	if err != nil {
		return nil, err
	}
	files = append(files, file{g.ServerCert, srvCert, CertFileMode}, file{g.ServerKey, srvKey, KeyFileMode})
	for _, c := range g.Clients {
		cert, key, err := ca.Issue(Leaf{CommonName: c.Name, NotBefore: notBefore, NotAfter: notAfter, Client: true})
		if err != nil {
			return nil, err
		}
		files = append(files, file{c.Cert, cert, CertFileMode}, file{c.Key, key, KeyFileMode})
	}

	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := writeFile(f.path, f.data, f.mode, o.Force); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// writeFile writes data to path with exactly mode (whatever the umask). Without overwrite
// it fails if path exists (O_EXCL, so a file appearing meanwhile is not clobbered); with
// it, the file is replaced atomically through a temporary file in the same directory.
func writeFile(path string, data []byte, mode fs.FileMode, overwrite bool) error {
	var f *os.File
	var err error
	if overwrite {
		f, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	} else {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	}
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		if overwrite {
			os.Remove(tmp)
		}
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		if overwrite {
			os.Remove(tmp)
		}
		return err
	}
	if overwrite {
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	return nil
}

func validHostname(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
