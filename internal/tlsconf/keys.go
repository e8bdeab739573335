package tlsconf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// loadKeyPair reads a certificate chain and its private key, decrypting the key with pass
// when it is encrypted. certDirective and keyDirective name the files in errors.
func loadKeyPair(certFile, keyFile, pass, certDirective, keyDirective string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: %w", certDirective, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: %w", keyDirective, err)
	}
	keyDER, err := decodeKey(keyPEM, pass)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s %s: %w", keyDirective, keyFile, err)
	}
	plain := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, plain)
	clear(keyDER)
	clear(plain)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s %s / %s %s: %w", certDirective, certFile, keyDirective, keyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return tls.Certificate{}, fmt.Errorf("%s %s: %w", certDirective, certFile, err)
		}
	}
	return cert, nil
}

// decodeKey returns the DER of the first private key in data (PKCS#1, PKCS#8 or SEC 1),
// decrypting it with pass when it is encrypted: legacy OpenSSL PEM encryption
// ("Proc-Type: 4,ENCRYPTED", e.g. openssl genrsa -aes256, openssl ec -aes256 -traditional)
// or PKCS#8 "ENCRYPTED PRIVATE KEY" with PBES2 (PBKDF2 with HMAC-SHA1/-SHA224/-SHA256/
// -SHA384/-SHA512, AES-128/192/256-CBC or DES-EDE3-CBC: what OpenSSL 1.1 and 3 write by
// default). PKCS#8 keys encrypted with scrypt or the old PBES1/PKCS#12 schemes are refused
// with a message saying how to convert them.
func decodeKey(data []byte, pass string) ([]byte, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PEM private key found")
		}
		switch {
		case block.Type == "ENCRYPTED PRIVATE KEY":
			if pass == "" {
				return nil, errors.New("the key is encrypted and no passphrase is configured")
			}
			return decryptPKCS8(block.Bytes, []byte(pass))
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			// Deprecated in Go (the format is weak and unauthenticated), but it is what
			// tls-key-file-pass meets in the wild, so it is still read.
			if x509.IsEncryptedPEMBlock(block) {
				if pass == "" {
					return nil, errors.New("the key is encrypted and no passphrase is configured")
				}
				der, err := x509.DecryptPEMBlock(block, []byte(pass))
				// The format has no integrity check: a wrong passphrase can pass the
				// padding check (1 time in 256) and yield garbage, so parse it too.
				if err != nil || !parsesAsKey(der) {
					return nil, errors.New("cannot decrypt the key (wrong passphrase?)")
				}
				return der, nil
			}
			return block.Bytes, nil
		}
	}
}

func parsesAsKey(der []byte) bool {
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return true
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return true
	}
	_, err := x509.ParseECPrivateKey(der)
	return err == nil
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidScrypt     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type encryptedPrivateKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF pkix.AlgorithmIdentifier
	Enc pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt   []byte
	Iter   int
	KeyLen int                      `asn1:"optional"`
	PRF    pkix.AlgorithmIdentifier `asn1:"optional"`
}

// maxPBKDF2Iterations bounds the work a key file can ask for.
const maxPBKDF2Iterations = 10_000_000

const convertHint = "convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -in OLD -out NEW"

func decryptPKCS8(der, pass []byte) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, errors.New("malformed ENCRYPTED PRIVATE KEY")
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("unsupported PKCS#8 encryption %v (only PBES2 is supported); %s", info.Algo.Algorithm, convertHint)
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &params); err != nil {
		return nil, errors.New("malformed PBES2 parameters")
	}
	if params.KDF.Algorithm.Equal(oidScrypt) {
		return nil, errors.New("PKCS#8 keys encrypted with scrypt are not supported; " + convertHint)
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("unsupported PBES2 key derivation %v; %s", params.KDF.Algorithm, convertHint)
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, errors.New("malformed PBKDF2 parameters")
	}
	if kdf.Iter < 1 || kdf.Iter > maxPBKDF2Iterations {
		return nil, fmt.Errorf("PBKDF2 iteration count %d out of range", kdf.Iter)
	}

	var (
		newBlock func([]byte) (cipher.Block, error)
		keyLen   int
	)
	switch enc := params.Enc.Algorithm; {
	case enc.Equal(oidAES128CBC):
		newBlock, keyLen = aes.NewCipher, 16
	case enc.Equal(oidAES192CBC):
		newBlock, keyLen = aes.NewCipher, 24
	case enc.Equal(oidAES256CBC):
		newBlock, keyLen = aes.NewCipher, 32
	case enc.Equal(oidDESEDE3CBC):
		newBlock, keyLen = des.NewTripleDESCipher, 24
	default:
		return nil, fmt.Errorf("unsupported PBES2 cipher %v; %s", enc, convertHint)
	}
	if kdf.KeyLen != 0 && kdf.KeyLen != keyLen {
		return nil, errors.New("PBKDF2 key length does not match the cipher")
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Enc.Parameters.FullBytes, &iv); err != nil {
		return nil, errors.New("malformed PBES2 cipher parameters")
	}

	prf := kdf.PRF.Algorithm
	var key []byte
	var err error
	switch {
	case len(prf) == 0 || prf.Equal(oidHMACSHA1):
		key, err = pbkdf2.Key(sha1.New, string(pass), kdf.Salt, kdf.Iter, keyLen)
	case prf.Equal(oidHMACSHA224):
		key, err = pbkdf2.Key(sha256.New224, string(pass), kdf.Salt, kdf.Iter, keyLen)
	case prf.Equal(oidHMACSHA256):
		key, err = pbkdf2.Key(sha256.New, string(pass), kdf.Salt, kdf.Iter, keyLen)
	case prf.Equal(oidHMACSHA384):
		key, err = pbkdf2.Key(sha512.New384, string(pass), kdf.Salt, kdf.Iter, keyLen)
	case prf.Equal(oidHMACSHA512):
		key, err = pbkdf2.Key(sha512.New, string(pass), kdf.Salt, kdf.Iter, keyLen)
	default:
		return nil, fmt.Errorf("unsupported PBKDF2 PRF %v; %s", prf, convertHint)
	}
	if err != nil {
		return nil, fmt.Errorf("PBKDF2: %w", err)
	}
	defer clear(key)
	block, err := newBlock(key)
	if err != nil {
		return nil, err
	}
	bs := block.BlockSize()
	if len(iv) != bs || len(info.Data) == 0 || len(info.Data)%bs != 0 {
		return nil, errors.New("malformed encrypted key data")
	}
	plain := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, info.Data)
	// PKCS#7 padding; a wrong passphrase almost always breaks it or the parse below.
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > bs || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, errors.New("cannot decrypt the key (wrong passphrase?)")
	}
	plain = plain[:len(plain)-pad]
	if _, err := x509.ParsePKCS8PrivateKey(plain); err != nil {
		return nil, errors.New("cannot decrypt the key (wrong passphrase?)")
	}
	return plain, nil
}

// loadCAs builds the pool of trusted CAs from a PEM bundle and/or a directory of PEM files.
func loadCAs(file, dir string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("tls-ca-cert-file: %w", err)
		}
		n, err := addPEMCerts(pool, data)
		if err != nil {
			return nil, fmt.Errorf("tls-ca-cert-file %s: %w", file, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("tls-ca-cert-file %s: no PEM certificate found", file)
		}
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("tls-ca-cert-dir: %w", err)
		}
		total := 0
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			fi, err := os.Stat(path) // follows c_rehash's symlinks
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("tls-ca-cert-dir: %w", err)
			}
			n, err := addPEMCerts(pool, data)
			if err != nil {
				return nil, fmt.Errorf("tls-ca-cert-dir %s: %w", path, err)
			}
			total += n
		}
		if total == 0 {
			return nil, fmt.Errorf("tls-ca-cert-dir %s: no PEM certificate found", dir)
		}
	}
	return pool, nil
}

// addPEMCerts adds every CERTIFICATE block of data to pool; other blocks (CRLs, keys,
// parameters) are skipped, a CERTIFICATE that does not parse is an error.
func addPEMCerts(pool *x509.CertPool, data []byte) (int, error) {
	n := 0
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return n, nil
		}
		if block.Type != "CERTIFICATE" && block.Type != "TRUSTED CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			if block.Type == "TRUSTED CERTIFICATE" {
				continue // OpenSSL's X509_AUX trailer; Go cannot parse it
			}
			return n, err
		}
		pool.AddCert(cert)
		n++
	}
}

// checkDHParams verifies that tls-dh-params-file is readable and holds DH parameters.
func checkDHParams(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("tls-dh-params-file: %w", err)
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return fmt.Errorf("tls-dh-params-file %s: no DH PARAMETERS found", path)
		}
		if block.Type == "DH PARAMETERS" || block.Type == "X9.42 DH PARAMETERS" {
			return nil
		}
	}
}
