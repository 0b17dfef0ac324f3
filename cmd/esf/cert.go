package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/esfkit/esf/certs"
)

// envPIN names the environment variable read when --pin is not given, so
// that a PIN need not appear in the process list.
const envPIN = "ESF_PIN"

// input is one FILE argument, read as a certificate or opened as a key store.
type input struct {
	name     string
	cert     *certs.Certificate
	keyStore *certs.KeyStore
}

// readInput reads path as a certificate (DER, PEM or base64) or else as a
// PKCS#12 key store opened with pin.
func readInput(path, pin string) (*input, error) {
	data, err := readLimited(path, certs.MaxKeyStoreSize)
	if err != nil {
		return nil, err
	}
	if c, err := certs.ParseCertificate(data); err == nil {
		return &input{name: path, cert: c}, nil
	}
	ks, err := certs.Open(data, pin)
	switch {
	case errors.Is(err, certs.ErrWrongPIN) && pin == "":
		return nil, fmt.Errorf("%s is a key store: give its PIN with --pin or %s", path, envPIN)
	case errors.Is(err, certs.ErrNotKeyStore):
		return nil, fmt.Errorf("%s is neither a certificate nor a PKCS#12 key store: %w", path, err)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &input{name: path, cert: ks.Certificate, keyStore: ks}, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes: not a certificate or key store", path, limit)
	}
	return data, nil
}

func pinFrom(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return os.Getenv(envPIN)
}

// certInfo implements "esf cert info".
func certInfo(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("esf cert info", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pin := fs.String("pin", "", "PIN of the key stores (default: $"+envPIN+")")
	asJSON := fs.Bool("json", false, "print NCANode-shaped JSON instead of a table")
	demo := fs.Bool("demo", false, "describe the key stores of the built-in NCA-shaped test PKI")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: esf cert info [--pin PIN] [--json] FILE...\n       esf cert info --demo [--json]")
		fs.PrintDefaults()
	}
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	now := time.Now()
	var inputs []*input
	failed := 0
	switch {
	case *demo && len(files) > 0:
		return fmt.Errorf("%w: --demo takes no FILE", errUsage)
	case *demo:
		if inputs, err = demoInputs(now); err != nil {
			return err
		}
	case len(files) == 0:
		fs.Usage()
		return fmt.Errorf("%w: no FILE given", errUsage)
	}
	for _, f := range files {
		in, err := readInput(f, pinFrom(*pin))
		if err != nil {
			fmt.Fprintln(stderr, "esf:", err)
			failed++
			continue
		}
		inputs = append(inputs, in)
	}
	if *asJSON {
		out := make([]certInfoJSON, 0, len(inputs))
		for _, in := range inputs {
			out = append(out, newCertInfoJSON(in, now))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		for i, in := range inputs {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			printTable(stdout, in, now)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read", failed, len(files))
	}
	return nil
}

// certInfoJSON is NCANode's certificate-info shape where NCANode has the
// field, plus this project's own (algorithm, holder, fileKind, ski, usage).
type certInfoJSON struct {
	File         string        `json:"file,omitempty"`
	Valid        bool          `json:"valid"`
	NotBefore    string        `json:"notBefore"`
	NotAfter     string        `json:"notAfter"`
	KeyUsage     string        `json:"keyUsage"`
	SerialNumber string        `json:"serialNumber"`
	SignAlg      string        `json:"signAlg"`
	KeyUser      []string      `json:"keyUser"`
	Subject      subjectJSON   `json:"subject"`
	Issuer       subjectJSON   `json:"issuer"`
	Algorithm    string        `json:"algorithm"`
	Holder       string        `json:"holder"`
	FileKind     string        `json:"fileKind,omitempty"`
	SKI          string        `json:"ski,omitempty"`
	Usage        string        `json:"usage"`
	KeyStore     *keyStoreJSON `json:"keyStore,omitempty"`
}

type subjectJSON struct {
	CommonName   string `json:"commonName,omitempty"`
	SurName      string `json:"surName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	IIN          string `json:"iin,omitempty"`
	BIN          string `json:"bin,omitempty"`
	Organization string `json:"organization,omitempty"`
	Email        string `json:"email,omitempty"`
	Country      string `json:"country,omitempty"`
	DN           string `json:"dn,omitempty"`
}

type keyStoreJSON struct {
	FriendlyName string `json:"friendlyName,omitempty"`
	KeyType      string `json:"keyType"`
	CACerts      int    `json:"caCertificates"`
}

func newCertInfoJSON(in *input, now time.Time) certInfoJSON {
	c := in.cert
	out := certInfoJSON{
		File:         in.name,
		Valid:        c.ValidAt(now),
		NotBefore:    c.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:     c.NotAfter.UTC().Format(time.RFC3339),
		KeyUsage:     ncanodeKeyUsage(c.Usage),
		SerialNumber: hex.EncodeToString(c.X509.SerialNumber.Bytes()),
		SignAlg:      signAlgName(c),
		KeyUser:      make([]string, 0, len(c.Roles)),
		Subject: subjectJSON{
			CommonName: c.CommonName, SurName: c.Surname, LastName: c.Patronymic,
			IIN: c.IIN, BIN: c.BIN, Organization: c.Organization, Email: c.Email, Country: c.Country,
			DN: c.SubjectDN(),
		},
		Issuer:    subjectJSON{CommonName: c.Issuer, Country: strings.Join(c.X509.Issuer.Country, ","), DN: c.IssuerDN()},
		Algorithm: c.Algorithm.String(),
		Holder:    c.Holder.String(),
		FileKind:  string(c.FileKind),
		SKI:       hex.EncodeToString(c.SKI),
		Usage:     c.Usage.String(),
	}
	for _, r := range c.Roles {
		out.KeyUser = append(out.KeyUser, string(r))
	}
	if ks := in.keyStore; ks != nil {
		out.KeyStore = &keyStoreJSON{FriendlyName: ks.FriendlyName, KeyType: fmt.Sprintf("%T", ks.PrivateKey), CACerts: len(ks.CACertificates)}
	}
	return out
}

// ncanodeKeyUsage is NCANode's keyUsage: SIGN when the key signs (GOST 2015
// keys that also log in included), AUTH for log-in keys, else UNKNOWN.
func ncanodeKeyUsage(u certs.Usage) string {
	switch {
	case u.Has(certs.UsageSign):
		return "SIGN"
	case u.Has(certs.UsageAuth):
		return "AUTH"
	}
	return "UNKNOWN"
}

// signAlgName gives the signature algorithm in NCANode's words.
func signAlgName(c *certs.Certificate) string {
	names := map[string]string{
		"1.2.840.113549.1.1.5":   "SHA1WithRSAEncryption",
		"1.2.840.113549.1.1.11":  "SHA256WithRSAEncryption",
		"1.2.840.113549.1.1.12":  "SHA384WithRSAEncryption",
		"1.2.840.113549.1.1.13":  "SHA512WithRSAEncryption",
		"1.2.398.3.10.1.1.1.2":   "ECGOST34310",
		"1.3.6.1.4.1.6801.1.2.2": "ECGOST34310",
		"1.2.398.3.10.1.1.2.3.2": "ECGOST3410-2015-512",
		"1.2.398.3.10.1.1.2.3.1": "ECGOST3410-2015-256",
	}
	if n, ok := names[c.SignatureAlgorithm.String()]; ok {
		return n
	}
	return c.SignatureAlgorithm.String()
}

func printTable(w io.Writer, in *input, now time.Time) {
	c := in.cert
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("File", in.name)
	row("Holder", c.Holder.String())
	row("Name", c.FullName())
	row("IIN", c.IIN)
	row("BIN", c.BIN)
	row("Organization", c.Organization)
	row("E-mail", c.Email)
	row("Usage", c.Usage.String())
	roles := make([]string, len(c.Roles))
	for i, r := range c.Roles {
		roles[i] = string(r)
	}
	row("Roles", strings.Join(roles, ", "))
	row("Algorithm", c.Algorithm.String())
	row("Signed with", signAlgName(c))
	row("File kind", string(c.FileKind))
	row("NCA file name", c.FileName())
	row("SKI", hex.EncodeToString(c.SKI))
	row("Serial", hex.EncodeToString(c.X509.SerialNumber.Bytes()))
	row("Subject", c.SubjectDN())
	row("Issuer", c.Issuer)
	validity := fmt.Sprintf("%s .. %s", c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	switch {
	case now.Before(c.NotBefore):
		validity += " (not yet valid)"
	case now.After(c.NotAfter):
		validity += " (expired)"
	default:
		validity += " (valid now)"
	}
	row("Validity", validity)
	if ks := in.keyStore; ks != nil {
		key := fmt.Sprintf("%T", ks.PrivateKey)
		if ks.FriendlyName != "" {
			key += fmt.Sprintf(", alias %q", ks.FriendlyName)
		}
		row("Key", key)
	}
	tw.Flush()
}

// verifyFailed is the error of a verification that ran and said no; its
// reason is already printed.
type verifyFailed struct{ err error }

func (v verifyFailed) Error() string { return v.err.Error() }
func (v verifyFailed) Unwrap() error { return v.err }

// certVerify implements "esf cert verify".
func certVerify(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("esf cert verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tf := addTrustFlags(fs, false)
	pin := fs.String("pin", "", "PIN when FILE is a key store (default: $"+envPIN+")")
	usage := fs.String("usage", "", "require the key to be issued for AUTH or SIGN")
	holder := fs.String("holder", "", "require the holder to be INDIVIDUAL or LEGAL_ENTITY")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: esf cert verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] [--pin PIN] [--usage AUTH|SIGN] [--holder INDIVIDUAL|LEGAL_ENTITY] FILE

Checks the certificate's chain (to a --ca), time, usage and holder, and with
--crl its revocation. It prints "OK: NAME; chain and revocation checked"
(without --crl: "OK: NAME; chain checked; revocation not checked (no --crl)")
and the chain, or "INVALID: reason" and the error.
Exit status: 0 valid, 1 not valid, 2 a usage error (among them: no --ca).

Flags:
`)
		fs.PrintDefaults()
	}
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: want exactly one FILE, got %d", errUsage, len(files))
	}
	if len(tf.cas) == 0 {
		fs.Usage()
		return tf.noCA()
	}
	var kind certs.VerifyOptions // the --usage and --holder asked for
	switch strings.ToUpper(*usage) {
	case "":
	case "AUTH":
		kind.Usage = certs.UsageAuth
	case "SIGN":
		kind.Usage = certs.UsageSign
	default:
		return fmt.Errorf("%w: --usage %q: want AUTH or SIGN", errUsage, *usage)
	}
	switch strings.ToUpper(*holder) {
	case "":
	case "INDIVIDUAL":
		kind.Holder = certs.HolderIndividual
	case "LEGAL_ENTITY", "LEGAL":
		kind.Holder = certs.HolderLegalEntity
	default:
		return fmt.Errorf("%w: --holder %q: want INDIVIDUAL or LEGAL_ENTITY", errUsage, *holder)
	}
	opts, at, err := tf.options()
	if err != nil {
		return err
	}
	opts.CurrentTime, opts.Usage, opts.Holder = at, kind.Usage, kind.Holder
	in, err := readInput(files[0], pinFrom(*pin))
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if in.keyStore != nil {
		opts.Intermediates = in.keyStore.CACertificates
	}
	chain, err := certs.Verify(in.cert, opts)
	if err != nil {
		var ve *certs.VerifyError
		if errors.As(err, &ve) {
			fmt.Fprintf(stdout, "%s: %s\n", verdictInvalid, ve.Reason)
		}
		fmt.Fprintf(stdout, "%v\n", err)
		return verifyFailed{err}
	}
	names := make([]string, len(chain))
	for i, c := range chain {
		names[i] = fmt.Sprintf("%q", c.CommonName)
	}
	fmt.Fprintf(stdout, "%s: %s; %s\nchain: %s\n", verdictOK, in.cert.FullName(), tf.checked(), strings.Join(names, " → "))
	return nil
}
