package conformance

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
)

// Options configure Run. The zero value runs every scenario the target
// can run, on the target's own clock, with a minute for each.
type Options struct {
	// Time, when set and the target has a Control, is where the target's
	// clock is set before each scenario. Zero keeps the target's clock.
	// The key stores the suite issues are valid from the target's time.
	Time time.Time
	// Timeout bounds each scenario; zero means a minute.
	Timeout time.Duration
	// HTTPClient sends the client's requests; nil means one with a 30 s
	// timeout.
	HTTPClient *http.Client
	// Skip names scenarios not to run (see Scenarios).
	Skip []string
	// Stand is what a real ESF test stand (a target without Control) needs:
	// key stores and an account registered there. Without it only the
	// scenarios that need neither run.
	Stand *Stand
}

// Stand describes an account on a real ESF test stand, registered
// beforehand, and the key stores that go with it. The suite never
// registers anyone on a stand, never types a wrong password there and
// never changes the account's e-mail or password.
type Stand struct {
	// Auth is the authentication key store (AUTH_RSA…, or the one GOST512_
	// key) of a person registered on the stand.
	Auth KeyStoreFile
	// Password is that account's password.
	Password string
	// TIN is the taxpayer to open the API session for: the person's IIN,
	// or the BIN of an entity he heads; empty means the IIN.
	TIN string
	// ProfileType picks the profile when the TIN has several.
	ProfileType esfreg.ProfileType
	// Revoked, if set, is a key store whose certificate the stand's CRL
	// lists (NCA publishes revoked test key stores); its registration must
	// be refused as revoked.
	Revoked *KeyStoreFile
	// RevokedCategory is the category Revoked is tried in; zero means
	// esfreg.Individual (esfreg.LegalEntity for a legal entity's key).
	RevokedCategory esfreg.Category
}

// KeyStoreFile is a PKCS#12 key store (.p12) on disk and its PIN.
type KeyStoreFile struct {
	Path string
	PIN  string
}

// Open reads and opens the key store.
func (k KeyStoreFile) Open() (*certs.KeyStore, error) {
	ks, err := certs.OpenFile(k.Path, k.PIN)
	if err != nil {
		return nil, fmt.Errorf("conformance: key store %s: %w", k.Path, err)
	}
	return ks, nil
}

// The environment variables StandFromEnv reads. Nothing in this package
// contacts a real ESF stand unless EnvStandURL names one.
const (
	// EnvStandURL is the stand's base URL, e.g. https://test3.esf.kgd.gov.kz:8443.
	EnvStandURL = "ESF_TEST_STAND_URL"
	// EnvStandAuth and EnvStandPIN are the path and PIN of Stand.Auth.
	EnvStandAuth = "ESF_TEST_STAND_AUTH"
	EnvStandPIN  = "ESF_TEST_STAND_PIN"
	// EnvStandPassword is Stand.Password.
	EnvStandPassword = "ESF_TEST_STAND_PASSWORD"
	// EnvStandTIN is Stand.TIN.
	EnvStandTIN = "ESF_TEST_STAND_TIN"
	// EnvStandRevoked and EnvStandRevokedPIN are Stand.Revoked (the PIN
	// defaults to EnvStandPIN's).
	EnvStandRevoked    = "ESF_TEST_STAND_REVOKED"
	EnvStandRevokedPIN = "ESF_TEST_STAND_REVOKED_PIN"
)

// StandFromEnv returns the target and options of the real ESF test stand
// the environment names (EnvStandURL and the others above), and false
// when EnvStandURL is unset: real-stand mode is opt-in.
//
//	ESF_TEST_STAND_URL=https://… ESF_TEST_STAND_AUTH=AUTH_RSA256_….p12 ESF_TEST_STAND_PIN=… \
//	ESF_TEST_STAND_PASSWORD=… go test ./conformance -run Stand
func StandFromEnv() (Target, Options, bool) {
	base := os.Getenv(EnvStandURL)
	if base == "" {
		return nil, Options{}, false
	}
	st := &Stand{Password: os.Getenv(EnvStandPassword), TIN: os.Getenv(EnvStandTIN)}
	pin := os.Getenv(EnvStandPIN)
	if p := os.Getenv(EnvStandAuth); p != "" {
		st.Auth = KeyStoreFile{Path: p, PIN: pin}
	}
	if p := os.Getenv(EnvStandRevoked); p != "" {
		rpin := os.Getenv(EnvStandRevokedPIN)
		if rpin == "" {
			rpin = pin
		}
		st.Revoked = &KeyStoreFile{Path: p, PIN: rpin}
	}
	return NewStandTarget(base), Options{Stand: st}, true
}
