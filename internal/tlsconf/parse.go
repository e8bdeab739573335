package tlsconf

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

func parseAuthClients(v string) (tls.ClientAuthType, error) {
	switch strings.ToLower(v) {
	case "", "yes":
		return tls.RequireAndVerifyClientCert, nil
	case "optional":
		return tls.VerifyClientCertIfGiven, nil
	case "no":
		return tls.NoClientCert, nil
	}
	return 0, fmt.Errorf("invalid tls-auth-clients %q: use yes, no or optional", v)
}

// parseClientCertUser returns the canonical mode: "", "CN" or "URI".
func parseClientCertUser(v string) (string, error) {
	switch strings.ToUpper(v) {
	case "", "OFF":
		return "", nil
	case "CN":
		return "CN", nil
	case "URI":
		return "URI", nil
	}
	return "", fmt.Errorf("invalid tls-auth-clients-user %q: use off, CN or URI", v)
}

// parseProtocols reads tls-protocols into a version range.
func parseProtocols(v string) (minV, maxV uint16, err error) {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return tls.VersionTLS12, tls.VersionTLS13, nil
	}
	for _, f := range fields {
		var ver uint16
		switch strings.ToLower(f) {
		case "tlsv1.2":
			ver = tls.VersionTLS12
		case "tlsv1.3":
			ver = tls.VersionTLS13
		case "tlsv1", "tlsv1.0", "tlsv1.1", "sslv3":
			return 0, 0, fmt.Errorf("tls-protocols: %s is not supported: Redoubt requires TLSv1.2 or later", f)
		default:
			return 0, 0, fmt.Errorf("invalid tls-protocols %q: use a combination of 'TLSv1.2' and 'TLSv1.3'", v)
		}
		if minV == 0 || ver < minV {
			minV = ver
		}
		if ver > maxV {
			maxV = ver
		}
	}
	return minV, maxV, nil
}

// suite describes one TLS 1.2 suite that Redoubt offers.
type suite struct {
	name string // OpenSSL's
	id   uint16
	tags []string // the OpenSSL cipher-string aliases it matches
}

// offered lists the TLS 1.2 suites Redoubt can offer: ECDHE key exchange with an AEAD.
var offered = []suite{
	{"ECDHE-ECDSA-AES128-GCM-SHA256", tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, []string{"aECDSA", "ECDSA", "AES", "AESGCM", "AES128", "SHA256"}},
	{"ECDHE-RSA-AES128-GCM-SHA256", tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, []string{"aRSA", "AES", "AESGCM", "AES128", "SHA256"}},
	{"ECDHE-ECDSA-AES256-GCM-SHA384", tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, []string{"aECDSA", "ECDSA", "AES", "AESGCM", "AES256", "SHA384"}},
	{"ECDHE-RSA-AES256-GCM-SHA384", tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, []string{"aRSA", "AES", "AESGCM", "AES256", "SHA384"}},
	{"ECDHE-ECDSA-CHACHA20-POLY1305", tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, []string{"aECDSA", "ECDSA", "CHACHA20", "SHA256"}},
	{"ECDHE-RSA-CHACHA20-POLY1305", tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, []string{"aRSA", "CHACHA20", "SHA256"}},
}

// allOfOffered are the aliases that match every offered suite.
var allOfOffered = []string{
	"ALL", "DEFAULT", "HIGH", "FIPS", "ECDHE", "EECDH", "kECDHE", "kEECDH", "AEAD", "TLSv1.2",
}

// notOffered are OpenSSL aliases and suite names that are valid in a cipher list but match
// nothing Redoubt offers (no RSA or DHE key exchange, no CBC, no CCM, no NULL, anonymous,
// export, RC4, 3DES, PSK...). Including one adds nothing; excluding one removes nothing.
var notOffered = []string{
	// Aliases.
	"COMPLEMENTOFDEFAULT", "COMPLEMENTOFALL", "LOW", "MEDIUM", "EXP", "EXPORT", "EXPORT40",
	"EXPORT56", "eNULL", "NULL", "aNULL", "kRSA", "RSA", "kDHr", "kDHd", "kDH", "kDHE", "kEDH",
	"DH", "DHE", "EDH", "ADH", "AECDH", "aDSS", "DSS", "aDH", "aECDH", "ECDH", "kECDHr",
	"kECDHe", "aGOST", "aGOST01", "kGOST", "GOST94", "GOST89MAC", "PSK", "kPSK", "kECDHEPSK",
	"kDHEPSK", "kRSAPSK", "aPSK", "SRP", "kSRP", "aSRP", "SSLv3", "TLSv1", "TLSv1.0", "SHA1",
	"SHA", "MD5", "DES", "3DES", "RC4", "RC2", "IDEA", "SEED", "CAMELLIA", "CAMELLIA128",
	"CAMELLIA256", "ARIA", "ARIA128", "ARIA256", "AESCCM", "AESCCM8", "CCM", "CCM8", "CBC",
	"SUITEB128", "SUITEB128ONLY", "SUITEB192",
	// Suites Go cannot or Redoubt will not offer, common in published cipher lists.
	"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
	"ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
	"ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "AES128-SHA", "AES256-SHA",
	"AES128-SHA256", "AES256-SHA256", "AES128-GCM-SHA256", "AES256-GCM-SHA384",
	"DES-CBC3-SHA", "ECDHE-RSA-DES-CBC3-SHA", "ECDHE-ECDSA-DES-CBC3-SHA", "RC4-SHA", "RC4-MD5",
	"ECDHE-RSA-RC4-SHA", "ECDHE-ECDSA-RC4-SHA", "DHE-RSA-AES128-GCM-SHA256",
	"DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-SHA",
	"DHE-RSA-AES256-SHA", "DHE-RSA-AES128-SHA256", "DHE-RSA-AES256-SHA256",
	"ECDHE-ECDSA-AES128-CCM", "ECDHE-ECDSA-AES256-CCM", "ECDHE-ECDSA-AES128-CCM8",
	"ECDHE-ECDSA-AES256-CCM8", "DHE-RSA-AES128-CCM", "DHE-RSA-AES256-CCM",
}

// matchTerm returns the offered suites (as indexes into offered) matched by one name or
// alias, and whether the term is known.
func matchTerm(term string) ([]int, bool) {
	for i, s := range offered {
		if strings.EqualFold(term, s.name) {
			return []int{i}, true
		}
	}
	// Aliases are case-sensitive in OpenSSL (aRSA vs ARSA); suite names are not.
	if slices.Contains(allOfOffered, term) {
		return []int{0, 1, 2, 3, 4, 5}, true
	}
	var out []int
	for i, s := range offered {
		if slices.Contains(s.tags, term) {
			out = append(out, i)
		}
	}
	if out != nil {
		return out, true
	}
	for _, n := range notOffered {
		if term == n || (strings.Contains(n, "-") && strings.EqualFold(term, n)) {
			return nil, true
		}
	}
	return nil, false
}

// parseCiphers reads an OpenSSL cipher list (tls-ciphers) the way OpenSSL does, restricted
// to the suites Redoubt offers: elements separated by ':', ',' or spaces; "A+B" is the
// intersection of A and B; "!X" removes X for good, "-X" removes X (a later element may add
// it back), "+X" only reorders and is validated but ignored (Go orders suites itself);
// "@STRENGTH" and "@SECLEVEL=n" are ignored. A name or alias this parser does not know is
// an error, and so is a list that selects no offered suite. Known suites that are not
// offered (CBC, DHE, RSA key exchange...) are skipped with a warning.
func parseCiphers(v string) ([]uint16, []string, error) {
	all := make([]uint16, len(offered))
	for i, s := range offered {
		all[i] = s.id
	}
	if strings.TrimSpace(v) == "" {
		return all, nil, nil
	}
	var (
		selected []int
		banned   = map[int]bool{}
		skipped  []string
	)
	for _, elem := range strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if strings.HasPrefix(elem, "@") {
			if elem == "@STRENGTH" || strings.HasPrefix(elem, "@SECLEVEL=") {
				continue
			}
			return nil, nil, fmt.Errorf("tls-ciphers: unknown directive %q", elem)
		}
		op := byte(0)
		if elem[0] == '!' || elem[0] == '-' || elem[0] == '+' {
			op, elem = elem[0], elem[1:]
		}
		var match []int
		for n, term := range strings.Split(elem, "+") {
			m, ok := matchTerm(term)
			if !ok {
				return nil, nil, fmt.Errorf("tls-ciphers: unknown cipher or alias %q", term)
			}
			if n == 0 {
				match = m
			} else {
				match = slices.DeleteFunc(match, func(i int) bool { return !slices.Contains(m, i) })
			}
		}
		switch op {
		case '!':
			for _, i := range match {
				banned[i] = true
			}
			selected = slices.DeleteFunc(selected, func(i int) bool { return banned[i] })
		case '-':
			selected = slices.DeleteFunc(selected, func(i int) bool { return slices.Contains(match, i) })
		case '+':
			// Reordering only.
		default:
			if len(match) == 0 && strings.Contains(elem, "-") {
				skipped = append(skipped, elem)
			}
			for _, i := range match {
				if !banned[i] && !slices.Contains(selected, i) {
					selected = append(selected, i)
				}
			}
		}
	}
	if len(selected) == 0 {
		return nil, nil, fmt.Errorf("tls-ciphers %q selects no usable cipher: Redoubt offers only %s", v, offeredNames())
	}
	var warnings []string
	if len(skipped) > 0 {
		warnings = append(warnings, fmt.Sprintf("tls-ciphers: %s not offered (TLS 1.2 is limited to ECDHE with AES-GCM or ChaCha20-Poly1305)", strings.Join(skipped, ", ")))
	}
	ids := make([]uint16, len(selected))
	for n, i := range selected {
		ids[n] = offered[i].id
	}
	return ids, warnings, nil
}

func offeredNames() string {
	names := make([]string, len(offered))
	for i, s := range offered {
		names[i] = s.name
	}
	return strings.Join(names, ":")
}

// tls13Suites are OpenSSL's TLS 1.3 suite names; true for those Go implements.
var tls13Suites = map[string]bool{
	"TLS_AES_128_GCM_SHA256":       true,
	"TLS_AES_256_GCM_SHA384":       true,
	"TLS_CHACHA20_POLY1305_SHA256": true,
	"TLS_AES_128_CCM_SHA256":       false,
	"TLS_AES_128_CCM_8_SHA256":     false,
}

// parseCiphersuites validates tls-ciphersuites; Go cannot apply it (see Settings).
func parseCiphersuites(v string) ([]string, error) {
	names := strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ',' || r == ' ' })
	if len(names) == 0 {
		return nil, nil
	}
	implemented := 0
	for _, n := range names {
		impl, ok := tls13Suites[strings.ToUpper(n)]
		if !ok {
			return nil, fmt.Errorf("tls-ciphersuites: unknown TLS 1.3 cipher suite %q", n)
		}
		if impl {
			implemented++
		}
	}
	if implemented == 0 {
		return nil, fmt.Errorf("tls-ciphersuites %q names no suite Go implements (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256)", v)
	}
	return []string{"tls-ciphersuites has no effect: Go always enables TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256"}, nil
}
