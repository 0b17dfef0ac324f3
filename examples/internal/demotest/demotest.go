// Package demotest is what the examples' tests share: the real NCA test
// key stores of the shared reference set (../shared/reference/
// nca-test-certs, found by internal/testref in the tests), the flags that
// make an example's mock accept them, a mock that trusts NCA's CA, and a
// run of an example in-process. Only tests import it.
package demotest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/mockserver"
)

// PIN is the PIN of every NCA test key store used here (the reference
// set's README: Qwerty12).
const PIN = "Qwerty12"

// Keys is one person's real NCA key stores from the reference set and what
// an example needs to use them: NCA's CA certificates and CRLs, and a
// clock inside the certificates' validity. Paths are relative to the
// reference folder nca-test-certs.
type Keys struct {
	// Name names the set in t.Run.
	Name string
	// Auth is the authentication key store; Sign the signing one, empty
	// when Auth does both (GOST512_ key stores of 2022 on).
	Auth, Sign  string
	Trust, CRLs []string
	// Now is inside the certificates' validity (and after the CRLs'
	// thisUpdate where the CRL is of that time).
	Now string
	// IIN and BIN are the certificates'; BIN is empty for a person's.
	IIN, BIN string
}

// Folders of the reference set.
const (
	ncanodeKZ = "ncanode-kz_NCANode-Go/internal/testdata/certs/"
	danikarik = "danikarik_ncanode-go/testdata/"
	malikzh   = "malikzh_NCANode/src/test/resources/"
)

// NCA's CA "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022" and its root,
// with its CRL of 2026-08-11, which lists legal/revoked/head.p12.
var (
	gost2022Trust = []string{ncanodeKZ + "root_test_gost_2022.cer", ncanodeKZ + "nca_gost2022_test.cer"}
	gost2022CRLs  = []string{ncanodeKZ + "nca_gost2022_test.crl"}
)

// The key stores the examples' tests run with.
var (
	// GOSTIndividual is a person's GOST 2015-512 key store (log-in and
	// signing), valid 2026-05-08 .. 2027-05-08.
	GOSTIndividual = Keys{Name: "GOST 2015 individual", Auth: ncanodeKZ + "individual/valid/individual_valid.p12",
		Trust: gost2022Trust, CRLs: gost2022CRLs, Now: "2026-09-01T09:00:00Z", IIN: "123456789011"}
	// GOSTHead is a legal entity's first head's (CEO) GOST 2015-512 key
	// store, valid 2026-05-08 .. 2027-05-08.
	GOSTHead = Keys{Name: "GOST 2015 CEO", Auth: ncanodeKZ + "legal/valid/head.p12",
		Trust: gost2022Trust, CRLs: gost2022CRLs, Now: "2026-09-01T09:00:00Z", IIN: "123456789011", BIN: "123456789021"}
	// GOSTHeadRevoked is GOSTHead's revoked twin: listed in the CRL.
	GOSTHeadRevoked = Keys{Name: "GOST 2015 CEO, revoked", Auth: ncanodeKZ + "legal/revoked/head.p12",
		Trust: gost2022Trust, CRLs: gost2022CRLs, Now: "2026-09-01T09:00:00Z", IIN: "123456789011", BIN: "123456789021"}
	// RSAIndividual is a person's AUTH_RSA256_ and RSA256_ key stores
	// of NCA's former test CA "ҰКО 3.0 (RSA TEST)", valid 2020-01-28 ..
	// 2021-01-27.
	RSAIndividual = Keys{Name: "RSA individual AUTH + SIGN",
		Auth:  danikarik + "personal/active/AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12",
		Sign:  danikarik + "personal/active/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12",
		Trust: []string{malikzh + "ca/nca_rsa_test.crt"}, CRLs: []string{malikzh + "crl/nca_rsa_test.crl"},
		Now: "2020-06-01T09:00:00Z", IIN: "123456789011"}
	// RSAHead is a first head's AUTH_RSA256_ key store with his GOSTKNCA_
	// (GOST 34.310-2004) signing one, of the CAs "ҰКО 3.0 (RSA TEST)" and
	// "ҰКО 3.0 (GOST TEST)", valid 2020-01-28 .. 2021-01-27.
	RSAHead = Keys{Name: "RSA AUTH + GOST 2004 SIGN CEO",
		Auth:  danikarik + "organization/active/AUTH_RSA256_d682726b55b3e62600ea8fe1c74e75fc96f47790.p12",
		Sign:  danikarik + "organization/active/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.p12",
		Trust: []string{malikzh + "ca/nca_rsa_test.crt", malikzh + "ca/nca_gost_test.crt"},
		CRLs:  []string{malikzh + "crl/nca_rsa_test.crl", malikzh + "crl/nca_gost_test.crl"},
		Now:   "2020-06-01T09:00:00Z", IIN: "123456789011", BIN: "123456789021"}
)

// Args are the example's flags for k under the reference folder dir:
// -now, -pin, -auth, -sign, -trust and -crl, then extra.
func (k Keys) Args(dir string, extra ...string) []string {
	args := []string{"-now", k.Now, "-pin", PIN, "-auth", filepath.Join(dir, k.Auth)}
	if k.Sign != "" {
		args = append(args, "-sign", filepath.Join(dir, k.Sign))
	}
	for _, f := range k.Trust {
		args = append(args, "-trust", filepath.Join(dir, f))
	}
	for _, f := range k.CRLs {
		args = append(args, "-crl", filepath.Join(dir, f))
	}
	return append(args, extra...)
}

// Open opens k's key stores under dir (sign is auth when k has no Sign).
func (k Keys) Open(t testing.TB, dir string) (auth, sign *certs.KeyStore) {
	t.Helper()
	open := func(rel string) *certs.KeyStore {
		ks, err := certs.OpenFile(filepath.Join(dir, rel), PIN)
		if err != nil {
			t.Fatalf("demotest: %v", err)
		}
		return ks
	}
	auth, sign = open(k.Auth), nil
	if k.Sign != "" {
		sign = open(k.Sign)
	} else {
		sign = auth
	}
	return auth, sign
}

// Clock is k.Now as a time.
func (k Keys) Clock(t testing.TB) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, k.Now)
	if err != nil {
		t.Fatalf("demotest: %s: Now %q: %v", k.Name, k.Now, err)
	}
	return at
}

// Mock starts a mock for t that trusts k's CAs and CRLs (under dir) and
// the certs/certstest CAs, accepts the published test identities, and
// whose clock is k.Now.
func Mock(t testing.TB, dir string, k Keys) *mockserver.TestServer {
	t.Helper()
	abs := func(list []string) []string {
		out := make([]string, len(list))
		for i, f := range list {
			out[i] = filepath.Join(dir, f)
		}
		return out
	}
	trust, err := demo.ReadTrust(abs(k.Trust), abs(k.CRLs))
	if err != nil {
		t.Fatalf("demotest: %v", err)
	}
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(k.Clock(t)), func(o *mockserver.Options) {
		o.CRLs = trust.CRLs
	})
	for _, c := range trust.Roots {
		if err := srv.Trust(c); err != nil {
			t.Fatalf("demotest: %v", err)
		}
	}
	return srv
}

// RegisterIndividual registers the holder of auth and sign as an
// individual on srv with email and password, through the portal as the
// individual example does, so that his IIN has an account.
func RegisterIndividual(ctx context.Context, srv *mockserver.TestServer, auth, sign *certs.KeyStore, email, password string) error {
	c, err := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: srv.Now})
	if err != nil {
		return err
	}
	if _, err := c.Register(ctx, esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign,
		Form: demo.Form(esfreg.Individual, email, password)}); err != nil {
		return fmt.Errorf("registering %s as an individual: %w", auth.Certificate.IIN, err)
	}
	mails := srv.MailTo(email)
	i := slices.IndexFunc(mails, func(m mockserver.Mail) bool { return m.Subject == demo.SubjectRegistration })
	if i < 0 {
		return fmt.Errorf("no e-mail «%s» to %s", demo.SubjectRegistration, email)
	}
	if _, err := c.CompleteRegistration(ctx, mails[i].Link, auth, password); err != nil {
		return fmt.Errorf("completing the registration of %s: %w", auth.Certificate.IIN, err)
	}
	return nil
}

// InProcess makes an example start its own mock: it clears the variables
// that name a server (demo.EnvURL and the deprecated demo.EnvURLDeprecated).
func InProcess(t *testing.T) {
	t.Helper()
	t.Setenv(demo.EnvURL, "")
	t.Setenv(demo.EnvURLDeprecated, "")
}

// Against makes an example run against the mock at url.
func Against(t *testing.T, url string) {
	t.Helper()
	t.Setenv(demo.EnvURL, url)
	t.Setenv(demo.EnvURLDeprecated, "")
}

// Run runs an example's run function in-process with args and returns its
// exit code and output.
func Run(t testing.TB, run func(context.Context, []string, io.Writer) int, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	code := run(ctx, args, &out)
	return code, out.String()
}
