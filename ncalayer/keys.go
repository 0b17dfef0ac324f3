package ncalayer

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
)

// Storage names NCALayer gives key stores (docs/ncalayer.md §4.3).
const (
	StoragePKCS12     = "PKCS12" // a key store file (.p12); never reported by getActiveTokens
	StorageJKS        = "JKS"    // a Java key store file
	StorageKaztoken   = "AKKaztokenStore"
	StorageIDCard     = "AKKZIDCardStore"
	StorageEToken72K  = "AKEToken72KStore"
	StorageEToken5110 = "AKEToken5110Store"
	StorageJaCarta    = "AKJaCartaStore"
	StorageAKey       = "AKAKEYStore"
)

// storages are the storage names NCALayer knows, in the order
// getActiveTokens lists the devices present. A name outside it is
// "storage.unknown".
var storages = []string{StoragePKCS12, StorageJKS, StorageKaztoken, StorageIDCard, StorageEToken72K, StorageEToken5110, StorageJaCarta, StorageAKey}

func knownStorage(name string) bool {
	for _, s := range storages {
		if s == name {
			return true
		}
	}
	return false
}

// isToken reports whether a storage is a hardware device, which
// getActiveTokens reports when present, rather than a file.
func isToken(name string) bool { return name != StoragePKCS12 && name != StorageJKS }

// Key is one key the emulator may sign with: an opened key store and
// where NCALayer would find it.
type Key struct {
	// KeyStore is the opened key store (certs.Open, certs.OpenFile).
	KeyStore *certs.KeyStore
	// Storage is the storage the key is offered from: StoragePKCS12 when
	// empty (a .p12 file the user picks). A device name such as
	// StorageKaztoken makes the emulator act as if that device were
	// plugged in: getActiveTokens reports it and requests for it find
	// this key.
	Storage string
	// Name labels the key in logs and prompts, such as its file name.
	Name string
}

// StorageName returns k.Storage, or StoragePKCS12 when it is empty.
func (k *Key) StorageName() string {
	if k.Storage == "" {
		return StoragePKCS12
	}
	return k.Storage
}

// Filter is what a request asks of the key: commonUtils' storage and key
// type, basics.sign's allowedStorages and signerParams. The zero Filter
// lets every key valid at At through.
type Filter struct {
	// Storages, if not empty, are the storages the key must be in.
	Storages []string
	// Usage, if not zero, is what the key must be issued for:
	// certs.UsageAuth for keyType "AUTHENTICATION", certs.UsageSign for
	// "SIGNATURE". NCA's GOST 2015 keys have both.
	Usage certs.Usage
	// ExtKeyUsageOIDs are OIDs the certificate must all carry, each in
	// its extendedKeyUsage or its certificate policies.
	ExtKeyUsageOIDs []string
	// IIN, BIN and SerialNumber, when not empty, must equal the holder's
	// IIN, the organisation's BIN and the certificate's serial number (hex,
	// any case, or decimal).
	IIN, BIN, SerialNumber string
	// Issuers, when not nil, are CA certificates the key's certificate
	// must chain to (signerParams.chain); an empty non-nil slice (chain
	// []) accepts any issuer.
	Issuers []*certs.Certificate
	// At is when the certificate must be valid; the zero time skips the
	// check.
	At time.Time
}

// Fits reports whether k meets every condition of f.
func (f *Filter) Fits(k *Key) bool { return f.reject(k) == "" }

// reject says why k does not fit f, or "" when it does.
func (f *Filter) reject(k *Key) string {
	if k == nil || k.KeyStore == nil || k.KeyStore.Certificate == nil {
		return "no key"
	}
	c := k.KeyStore.Certificate
	if len(f.Storages) > 0 {
		ok := false
		for _, s := range f.Storages {
			ok = ok || s == k.StorageName()
		}
		if !ok {
			return fmt.Sprintf("in storage %s, not %s", k.StorageName(), strings.Join(f.Storages, ", "))
		}
	}
	if f.Usage != 0 && !c.Usage.Has(f.Usage) {
		return fmt.Sprintf("a %s key, not %s", c.Usage, f.Usage)
	}
	if !f.At.IsZero() && !c.ValidAt(f.At) {
		return fmt.Sprintf("not valid at %s (valid %s to %s)", f.At.UTC().Format(time.RFC3339), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	}
	if f.IIN != "" && c.IIN != f.IIN {
		return fmt.Sprintf("IIN %q, not %q", c.IIN, f.IIN)
	}
	if f.BIN != "" && c.BIN != f.BIN {
		return fmt.Sprintf("BIN %q, not %q", c.BIN, f.BIN)
	}
	if f.SerialNumber != "" && !serialMatches(c.X509.SerialNumber, f.SerialNumber) {
		return fmt.Sprintf("serial number %x, not %s", c.X509.SerialNumber, f.SerialNumber)
	}
	if len(f.ExtKeyUsageOIDs) > 0 {
		have := certOIDs(c.X509)
		for _, want := range f.ExtKeyUsageOIDs {
			if !have[strings.TrimSpace(want)] {
				return fmt.Sprintf("no extended key usage or policy %s", want)
			}
		}
	}
	if f.Issuers != nil && len(f.Issuers) > 0 {
		opts := certs.VerifyOptions{Roots: f.Issuers, Intermediates: f.Issuers, CurrentTime: f.At}
		if f.At.IsZero() {
			opts.CurrentTime = c.NotBefore
		}
		if _, err := certs.Verify(c, opts); err != nil {
			return fmt.Sprintf("not issued under the chain asked for: %v", err)
		}
	}
	return ""
}

// serialMatches compares a serial number with one given as hex (any
// case, leading zeros allowed) or as decimal.
func serialMatches(serial *big.Int, s string) bool {
	if serial == nil {
		return false
	}
	s = strings.TrimSpace(s)
	if v, ok := new(big.Int).SetString(strings.TrimPrefix(strings.ToLower(s), "0x"), 16); ok && v.Cmp(serial) == 0 {
		return true
	}
	v, ok := new(big.Int).SetString(s, 10)
	return ok && v.Cmp(serial) == 0
}

// extKeyUsageOIDs are the OIDs of crypto/x509's named extended key usages.
var extKeyUsageOIDs = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "2.5.29.37.0",
	x509.ExtKeyUsageServerAuth:      "1.3.6.1.5.5.7.3.1",
	x509.ExtKeyUsageClientAuth:      "1.3.6.1.5.5.7.3.2",
	x509.ExtKeyUsageCodeSigning:     "1.3.6.1.5.5.7.3.3",
	x509.ExtKeyUsageEmailProtection: "1.3.6.1.5.5.7.3.4",
	x509.ExtKeyUsageIPSECEndSystem:  "1.3.6.1.5.5.7.3.5",
	x509.ExtKeyUsageIPSECTunnel:     "1.3.6.1.5.5.7.3.6",
	x509.ExtKeyUsageIPSECUser:       "1.3.6.1.5.5.7.3.7",
	x509.ExtKeyUsageTimeStamping:    "1.3.6.1.5.5.7.3.8",
	x509.ExtKeyUsageOCSPSigning:     "1.3.6.1.5.5.7.3.9",
}

// certOIDs returns the certificate's extended key usage and policy OIDs.
func certOIDs(c *x509.Certificate) map[string]bool {
	have := map[string]bool{}
	for _, u := range c.ExtKeyUsage {
		if oid, ok := extKeyUsageOIDs[u]; ok {
			have[oid] = true
		}
	}
	add := func(oid asn1.ObjectIdentifier) { have[oid.String()] = true }
	for _, oid := range c.UnknownExtKeyUsage {
		add(oid)
	}
	for _, oid := range c.PolicyIdentifiers {
		add(oid)
	}
	return have
}

// Prompt is what NCALayer's key dialog would show: the request, and the
// keys the user may choose from. A ChooseFunc sees it.
type Prompt struct {
	// Module and Method name the request, such as
	// "kz.gov.pki.knca.commonUtils" and "signXml", or
	// "kz.gov.pki.knca.basics" and "sign".
	Module, Method string
	// Format is basics.sign's format ("xml", "cms"); empty for commonUtils.
	Format string
	// KeyType is commonUtils' keyType argument as the page sent it
	// ("AUTHENTICATION", "SIGNATURE", or anything else for any key);
	// empty for getKeyInfo and basics.
	KeyType string
	// Filter is what the request asks of the key.
	Filter Filter
	// Keys are the keys that fit, in the order Options.Keys gives them;
	// never empty: when none fits the user is not asked and the answer is
	// a cancel.
	Keys []*Key
	// Locale is the dialog language the page asked for (changeLocale,
	// basics' locale), empty if none.
	Locale string
	// Origin is the Origin header of the page's WebSocket connection,
	// empty for a client that sent none.
	Origin string
}

// ChooseFunc plays the user at NCALayer's dialog: it returns the key to
// sign with (one of p.Keys), or nil or ErrCanceled to press Cancel. Any
// other error also cancels and is logged. It is called from one goroutine
// per connection, so from several at once when several pages are
// connected; ctx ends when the page disconnects or the server closes.
type ChooseFunc func(ctx context.Context, p *Prompt) (*Key, error)

// ErrCanceled is what a ChooseFunc returns to cancel the dialog.
var ErrCanceled = errors.New("ncalayer: canceled by the user")

// FirstKey is the default ChooseFunc: it picks the first key offered, as
// a user pressing Enter in NCALayer's dialog signs with the key it
// preselects.
func FirstKey(_ context.Context, p *Prompt) (*Key, error) {
	if len(p.Keys) == 0 {
		return nil, ErrCanceled
	}
	return p.Keys[0], nil
}

// Cancel is a ChooseFunc that always presses Cancel.
func Cancel(context.Context, *Prompt) (*Key, error) { return nil, ErrCanceled }
