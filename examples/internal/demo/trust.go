package demo

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/esfkit/esf/certs"
)

// files is a repeatable flag of file names.
type files []string

func (f *files) String() string { return strings.Join(*f, ",") }

func (f *files) Set(v string) error {
	if v == "" {
		return fmt.Errorf("an empty file name")
	}
	*f = append(*f, v)
	return nil
}

// Trust is what -trust and -crl name: NCA's CA certificates (or any CA's)
// and their revocation lists.
type Trust struct {
	// Roots are every certificate the -trust files hold: each is a trust
	// anchor, as "esf mock serve --trust" makes it.
	Roots []*certs.Certificate
	// Intermediates are those of Roots that are not self-signed (an
	// intermediate CA such as NCA's "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST)
	// TEST 2022"), also offered for building chains.
	Intermediates []*certs.Certificate
	CRLs          []*certs.CRL

	rootFiles, crlFiles []string // the file of each Roots and CRLs entry
}

// Empty reports whether neither -trust nor -crl was given.
func (t *Trust) Empty() bool { return len(t.Roots) == 0 && len(t.CRLs) == 0 }

// ReadTrust reads the CA certificates of trustFiles (DER, PEM — every
// CERTIFICATE block — or base64 DER) and the CRLs of crlFiles (DER or
// PEM). A certificate that is not a CA's is refused: trusting a key
// store's own certificate would trust nothing else.
func ReadTrust(trustFiles, crlFiles []string) (*Trust, error) {
	t := &Trust{}
	for _, path := range trustFiles {
		list, err := readCertificates(path)
		if err != nil {
			return nil, fmt.Errorf("-trust %s: %w", path, err)
		}
		for _, c := range list {
			if !c.X509.BasicConstraintsValid || !c.X509.IsCA {
				return nil, fmt.Errorf("-trust %s: %q is not a CA certificate (basicConstraints cA is not set)", path, c.CommonName)
			}
			t.Roots = append(t.Roots, c)
			t.rootFiles = append(t.rootFiles, path)
			if !bytes.Equal(c.X509.RawSubject, c.X509.RawIssuer) {
				t.Intermediates = append(t.Intermediates, c)
			}
		}
	}
	for _, path := range crlFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("-crl: %w", err)
		}
		crl, err := certs.ParseCRL(data)
		if err != nil {
			return nil, fmt.Errorf("-crl %s: %w", path, err)
		}
		t.CRLs = append(t.CRLs, crl)
		t.crlFiles = append(t.crlFiles, path)
	}
	return t, nil
}

// readCertificates reads every certificate of a file: all the CERTIFICATE
// blocks of a PEM file, else the one DER or base64 certificate.
func readCertificates(path string) ([]*certs.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*certs.Certificate
	if rest := bytes.TrimSpace(data); bytes.HasPrefix(rest, []byte("-----BEGIN")) {
		for {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if b.Type != "CERTIFICATE" {
				continue
			}
			c, err := certs.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certificate %d: %w", len(out)+1, err)
			}
			out = append(out, c)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: no CERTIFICATE block in the PEM file", certs.ErrNotCertificate)
		}
		return out, nil
	}
	c, err := certs.ParseCertificate(data)
	if err != nil {
		return nil, err
	}
	return []*certs.Certificate{c}, nil
}

// printTrust says what the mock was told to trust, and where it went.
func (e *Env) printTrust(t *Trust, where string) {
	for i, c := range t.Roots {
		e.Printf("  Доверенный УЦ: %s, до %s (%s%s)\n", c.CommonName, c.NotAfter.Format("02.01.2006"), filepath.Base(t.rootFiles[i]), where)
	}
	for i, crl := range t.CRLs {
		e.Printf("  Список отзыва: %s от %s, отозвано: %d (%s%s)\n", crl.Issuer.CommonName, crl.ThisUpdate.Format("02.01.2006"),
			len(crl.Revoked), filepath.Base(t.crlFiles[i]), where)
	}
}
