package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

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
		return nil, missingPIN(path)
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

// missingPIN is the usage error of a key store given without a PIN.
func missingPIN(path string) error {
	return fmt.Errorf("%w: %s is a key store: give its PIN with --pin or $%s", errUsage, path, envPIN)
}

func pinFrom(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return os.Getenv(envPIN)
}

// certInfoAbout is the help of "esf cert info" after its synopsis.
var certInfoAbout = `Describes each FILE — a key store (.p12, opened with --pin or $` + envPIN + `) or
a certificate (DER, PEM or base64) — as a table, or with --json as a JSON
array with one object per FILE, in NCANode's shape where NCANode has the
field. Nothing is verified: "valid" is the validity period alone; esf cert
verify checks the chain and revocation. --demo describes the key stores of
the built-in NCA-shaped test PKI, issued in memory.

A FILE that cannot be read is reported on standard error and the others are
still printed, with exit status 1; a key store without a PIN is a usage
error (2) and nothing is printed on standard output.

JSON fields (an empty field is left out where the list says so):
` + certInfoFieldsText()

// certInfo implements "esf cert info".
func certInfo(_ context.Context, fs *flagSet, args []string, stdout, stderr io.Writer) error {
	pin := fs.String("pin", "", "PIN of the key stores (default: $"+envPIN+")")
	asJSON := fs.Bool("json", false, "print NCANode-shaped JSON instead of a table (fields above)")
	demo := fs.Bool("demo", false, "describe the key stores of the built-in NCA-shaped test PKI")
	files, err := fs.parse(args)
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
		return fmt.Errorf("%w: no FILE given", errUsage)
	}
	for _, f := range files {
		in, err := readInput(f, pinFrom(*pin))
		if errors.Is(err, errUsage) {
			return err
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", fs.path, err)
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
// field, plus this project's own (file, algorithm, holder, fileKind, ski,
// usage, keyStore). Every field is documented in certInfoFields; a test
// holds the two together.
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
	Issuer       issuerJSON    `json:"issuer"`
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

type issuerJSON struct {
	CommonName string `json:"commonName,omitempty"`
	Country    string `json:"country,omitempty"`
	DN         string `json:"dn,omitempty"`
}

type keyStoreJSON struct {
	FriendlyName string `json:"friendlyName,omitempty"`
	KeyType      string `json:"keyType"`
	CACerts      int    `json:"caCertificates"`
}

// fieldDoc documents one field of esf cert info --json.
type fieldDoc struct {
	key     string // the JSON path: "subject.iin"
	origin  string // originNCANode, originNCANodeDiffers or originOurs
	example string // a JSON value
	meaning string
}

// Where a field of esf cert info --json comes from.
const (
	originNCANode        = "NCANode"          // NCANode's name and meaning
	originNCANodeDiffers = "NCANode, differs" // NCANode's name; the meaning says how ours differs
	originOurs           = "ours"             // not in NCANode's JSON
)

// certInfoFields documents every field of esf cert info --json, in the
// order printed. It is the source of the help text and the README table.
var certInfoFields = []fieldDoc{
	{"file", originOurs, `"RSA256_9f2c….p12"`, "the FILE as given; with --demo, \"demo:\" and NCA's file name; left out when empty"},
	{"valid", originNCANodeDiffers, "true", "whether now lies within notBefore..notAfter. The time alone: neither the chain nor revocation is checked here (esf cert verify does); NCANode's valid also reflects its chain and revocation checks"},
	{"notBefore", originNCANodeDiffers, `"2026-01-01T00:00:00Z"`, "start of the validity period, RFC 3339 in UTC (NCANode writes milliseconds: 2026-01-01T00:00:00.000Z)"},
	{"notAfter", originNCANodeDiffers, `"2027-01-01T00:00:00Z"`, "end of the validity period, as notBefore"},
	{"keyUsage", originNCANode, `"SIGN"`, "NCANode's one word from the keyUsage bits: SIGN when digitalSignature and nonRepudiation are set (a GOST 2015-512 key, which logs in too, included), else AUTH when digitalSignature and keyEncipherment, else UNKNOWN (CA certificates); usage says both"},
	{"serialNumber", originNCANode, `"6c42561f…"`, "the serial number in lowercase hex, without leading zeros"},
	{"signAlg", originNCANode, `"SHA256WithRSAEncryption"`, "the algorithm the CA signed the certificate with, in NCANode's words: SHA1WithRSAEncryption, SHA256WithRSAEncryption, SHA384WithRSAEncryption, SHA512WithRSAEncryption, ECGOST34310 (GOST 2004), ECGOST3410-2015-512, ECGOST3410-2015-256; any other as its dotted OID"},
	{"keyUser", originNCANodeDiffers, `["ORGANIZATION","CEO"]`, "the holder's NCA roles from the extendedKeyUsage OIDs (INDIVIDUAL, ORGANIZATION, CEO, CAN_SIGN, CAN_SIGN_FINANCIAL, HR, EMPLOYEE, NCA_…, IDENTIFICATION_…), in the certificate's order, [] when none; ours also names INDIVIDUAL_INFORMATION_SYSTEM, INFORMATION_SYSTEM, K2_TREASURY_CLIENT and NOTARY, which NCANode drops, and NCANode puts the role before ORGANIZATION"},
	{"subject", originNCANode, "{…}", "the holder, from the subject DN; its empty fields are left out"},
	{"subject.commonName", originNCANode, `"ТЕСТОВ ТЕСТ"`, "CN: SURNAME FIRSTNAME for a person (the first name is only here); an information system's name"},
	{"subject.surName", originNCANode, `"ТЕСТОВ"`, "SURNAME (2.5.4.4): the surname"},
	{"subject.lastName", originNCANode, `"ТЕСТОВИЧ"`, "GIVENNAME (2.5.4.42), which NCA fills with the patronymic (отчество): NCANode's name for it, kept as NCANode has it"},
	{"subject.iin", originNCANode, `"123456789011"`, "the IIN: the 12 digits of SERIALNUMBER=IIN…"},
	{"subject.bin", originNCANode, `"123456789021"`, "the BIN: the 12 digits of OU=BIN…; legal entities' certificates only"},
	{"subject.organization", originNCANode, `"АО \"ТЕСТ\""`, "O: the legal entity's name"},
	{"subject.email", originNCANode, `"info@example.kz"`, "E in the DN, else the first e-mail address of subjectAltName (NCA's test certificates have none)"},
	{"subject.country", originNCANode, `"KZ"`, "C"},
	{"subject.dn", originNCANodeDiffers, `"CN=ТЕСТОВ ТЕСТ, SURNAME=ТЕСТОВ, SERIALNUMBER=IIN123456789011, C=KZ, GIVENNAME=ТЕСТОВИЧ"`, "the whole subject DN, in the certificate's order with NCA's attribute names (NCANode prints Java's string, in reverse order)"},
	{"issuer", originNCANode, "{…}", "the CA that issued the certificate; its empty fields are left out"},
	{"issuer.commonName", originNCANode, `"ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022"`, "the issuer's CN"},
	{"issuer.country", originNCANode, `"KZ"`, "the issuer's C"},
	{"issuer.dn", originNCANodeDiffers, `"CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022, C=KZ"`, "the whole issuer DN, as subject.dn"},
	{"algorithm", originOurs, `"GOST2015-512"`, "the key's algorithm: RSA, GOST2004 (GOST 34.310-2004), GOST2015-512 (GOST R 34.10-2015, 512-bit) or UNKNOWN"},
	{"holder", originOurs, `"LEGAL_ENTITY"`, "LEGAL_ENTITY when the certificate names a BIN or the ORGANIZATION role, else INDIVIDUAL when an IIN or the INDIVIDUAL role, else UNKNOWN (a CA)"},
	{"fileKind", originOurs, `"GOST512_"`, "the prefix of the file name NCA gives this kind of key store: AUTH_RSA256_, RSA256_, GOSTKNCA_, GOST512_ (older: AUTH_RSA_, RSA_, GOSTKZ_); left out for a CA certificate"},
	{"ski", originOurs, `"9f2c…"`, "the SubjectKeyIdentifier in lowercase hex; NCA names the key store fileKind + ski + .p12; left out when the certificate has none"},
	{"usage", originOurs, `"AUTH+SIGN"`, "what NCA issued the key for: AUTH (log-in), SIGN, AUTH+SIGN (GOST 2015-512 keys since 2022) or UNKNOWN, where keyUsage gives one word"},
	{"keyStore", originOurs, "{…}", "the key store, when FILE is one; left out for a certificate"},
	{"keyStore.friendlyName", originOurs, `"9f2c…"`, "the key's alias (friendlyName); NCA writes the SKI in hex; left out when empty"},
	{"keyStore.keyType", originOurs, `"*gost.PrivateKey"`, "the Go type of the private key: *rsa.PrivateKey, *gost.PrivateKey …"},
	{"keyStore.caCertificates", originOurs, "0", "how many certificates the file carries besides the holder's (NCA's files: none)"},
}

// certInfoFieldsText is certInfoFields as help text.
func certInfoFieldsText() string {
	b := new(strings.Builder)
	for _, f := range certInfoFields {
		fmt.Fprintf(b, "  %s (%s), e.g. %s\n", f.key, f.origin, f.example)
		for _, l := range wrap(f.meaning, 72) {
			fmt.Fprintf(b, "      %s\n", l)
		}
	}
	b.WriteString("NCANode's revocations, publicKey and signature, and subject gender, locality\nand state, are not printed.\n")
	return b.String()
}

// certInfoFieldsMarkdown is certInfoFields as the README's table.
func certInfoFieldsMarkdown() string {
	b := new(strings.Builder)
	b.WriteString("| field | meaning | example | NCANode's or ours |\n|---|---|---|---|\n")
	for _, f := range certInfoFields {
		meaning := strings.ReplaceAll(f.meaning, "*", `\*`) // *rsa.PrivateKey is not emphasis
		fmt.Fprintf(b, "| `%s` | %s | `%s` | %s |\n", f.key, meaning, f.example, f.origin)
	}
	return b.String()
}

// wrap breaks s into lines of at most width runes, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width:
			lines = append(lines, line)
			line = w
		default:
			line += " " + w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

func newCertInfoJSON(in *input, now time.Time) certInfoJSON {
	c := in.cert
	out := certInfoJSON{
		File:         in.name,
		Valid:        c.ValidAt(now),
		NotBefore:    c.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:     c.NotAfter.UTC().Format(time.RFC3339),
		KeyUsage:     ncanodeKeyUsage(c.Usage),
		SerialNumber: c.X509.SerialNumber.Text(16),
		SignAlg:      signAlgName(c),
		KeyUser:      make([]string, 0, len(c.Roles)),
		Subject: subjectJSON{
			CommonName: c.CommonName, SurName: c.Surname, LastName: c.Patronymic,
			IIN: c.IIN, BIN: c.BIN, Organization: c.Organization, Email: c.Email, Country: c.Country,
			DN: c.SubjectDN(),
		},
		Issuer:    issuerJSON{CommonName: c.Issuer, Country: strings.Join(c.X509.Issuer.Country, ","), DN: c.IssuerDN()},
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
	row("Serial", c.X509.SerialNumber.Text(16))
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

// certVerifyAbout is the help of "esf cert verify" after its synopsis.
const certVerifyAbout = `Checks the certificate's chain (to a --ca), validity period, usage and
holder, and with --crl its revocation; FILE is a certificate or a key store.
It prints "OK: NAME; chain and revocation checked" (without --crl: "OK: NAME;
chain checked; revocation not checked (no --crl)") and the chain, or
"INVALID: reason" and the error.
Exit status: 0 valid; 1 INVALID, or FILE missing, unreadable, not a
certificate or key store, or its PIN wrong; 2 a usage error (among them: no
--ca, an unreadable --ca or --crl, a key store without a PIN).
`

// certVerify implements "esf cert verify".
func certVerify(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	tf := addTrustFlags(fs.FlagSet, false)
	pin := fs.String("pin", "", "PIN when FILE is a key store (default: $"+envPIN+")")
	usage := fs.String("usage", "", "require the key to be issued for AUTH or SIGN")
	holder := fs.String("holder", "", "require the holder to be INDIVIDUAL or LEGAL_ENTITY")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("%w: want exactly one FILE, got %d", errUsage, len(files))
	}
	if len(tf.cas) == 0 {
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
		return err // a missing PIN is a usage error, the rest failures on the input
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
