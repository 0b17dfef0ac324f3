package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/xmlsig"
)

// trustFlags are the --ca, --crl and --at flags shared by the verify
// commands, and --no-chain where a command may check a signature alone.
type trustFlags struct {
	cas, crls multiFlag
	at        *string
	// noChain is --no-chain; nil for a command without it (esf cert
	// verify, whose job is the chain).
	noChain *bool
	// subject names what the chain is of, in the missing --ca message.
	subject string
}

// The first word of each line the verify commands print for a file.
const (
	verdictOK        = "OK"              // valid, and the signer's chain checked against --ca
	verdictUnchecked = "UNCHECKED-CHAIN" // the signature valid; the chain not checked (--no-chain)
	verdictInvalid   = "INVALID"         // not valid; the reason follows
)

// addTrustFlags adds --ca, --crl and --at, and --no-chain if noChain.
func addTrustFlags(fs *flag.FlagSet, noChain bool) *trustFlags {
	tf := &trustFlags{subject: "the certificate's"}
	fs.Var(&tf.cas, "ca", "a trusted CA certificate (DER or PEM); repeat for more; each is a trust anchor")
	fs.Var(&tf.crls, "crl", "a CRL (DER or PEM) to check revocation against; repeat for more")
	tf.at = fs.String("at", "", "check at this time (RFC 3339), not now")
	if noChain {
		tf.subject = "the signer's"
		tf.noChain = fs.Bool("no-chain", false, "check the signature alone, without --ca: the signer's certificate is not checked\n"+
			"against any CA, nor its validity period or revocation; each line then starts "+verdictUnchecked)
	}
	return tf
}

// skipChain reports whether --no-chain was given.
func (tf *trustFlags) skipChain() bool { return tf.noChain != nil && *tf.noChain }

// options reads the CA certificates and CRLs the flags name. Without --ca
// it is a usage error (nothing could be said valid), unless --no-chain,
// which excludes --ca and --crl.
func (tf *trustFlags) options() (certs.VerifyOptions, time.Time, error) {
	var opts certs.VerifyOptions
	at := time.Now()
	switch {
	case tf.skipChain() && len(tf.cas) > 0:
		return opts, at, fmt.Errorf("%w: --no-chain and --ca contradict each other: give --ca FILE to check the chain, or --no-chain alone", errUsage)
	case tf.skipChain() && len(tf.crls) > 0:
		return opts, at, fmt.Errorf("%w: --no-chain and --crl contradict each other: revocation is checked along the chain (give --ca FILE)", errUsage)
	case !tf.skipChain() && len(tf.cas) == 0:
		return opts, at, tf.noCA()
	}
	if *tf.at != "" {
		t, err := time.Parse(time.RFC3339, *tf.at)
		if err != nil {
			return opts, at, fmt.Errorf("%w: --at %q is not RFC 3339 (e.g. 2026-11-23T10:00:00+05:00)", errUsage, *tf.at)
		}
		at = t
	}
	for _, path := range tf.cas {
		data, err := readLimited(path, certs.MaxKeyStoreSize)
		if err != nil {
			return opts, at, fmt.Errorf("%w: --ca: %w", errUsage, err)
		}
		c, err := certs.ParseCertificate(data)
		if err != nil {
			return opts, at, fmt.Errorf("%w: --ca %s: %w", errUsage, path, err)
		}
		opts.Roots = append(opts.Roots, c)
	}
	for _, path := range tf.crls {
		data, err := readLimited(path, 256<<20)
		if err != nil {
			return opts, at, fmt.Errorf("%w: --crl: %w", errUsage, err)
		}
		crl, err := certs.ParseCRL(data)
		if err != nil {
			return opts, at, fmt.Errorf("%w: --crl %s: %w", errUsage, path, err)
		}
		opts.CRLs = append(opts.CRLs, crl)
	}
	return opts, at, nil
}

// noCA is the usage error of a verify command given no --ca.
func (tf *trustFlags) noCA() error {
	if tf.noChain != nil {
		return fmt.Errorf("%w: no --ca given: %s chain cannot be checked; give --ca FILE, or --no-chain to check the signature alone", errUsage, tf.subject)
	}
	return fmt.Errorf("%w: no --ca given: %s chain cannot be checked; give --ca FILE", errUsage, tf.subject)
}

// verdict is the first word of a valid file's lines.
func (tf *trustFlags) verdict() string {
	if tf.skipChain() {
		return verdictUnchecked
	}
	return verdictOK
}

// checked says, at the end of a valid file's line, what was checked
// besides the signature.
func (tf *trustFlags) checked() string {
	switch {
	case tf.skipChain():
		return "chain, validity and revocation not checked (--no-chain)"
	case len(tf.crls) == 0:
		return "chain checked; revocation not checked (no --crl)"
	}
	return "chain and revocation checked"
}

// verifyVerdicts is the part of each verify command's usage text that says
// what its output lines and exit status mean.
const verifyVerdicts = `Each line starts with its verdict:
  OK FILE: …               valid, and the signer's chain checked against --ca, at --at or
                           now (and revocation with --crl; without it the line says
                           "revocation not checked (no --crl)")
  UNCHECKED-CHAIN FILE: …  the signature is valid; the signer's certificate was not checked
                           against any CA, nor its validity or revocation (--no-chain)
  INVALID FILE: …          not valid: the reason (a certificate's first: revoked, expired …)
  (a FILE that is missing, unreadable or not XML is INVALID too)
Exit status: 0 every file valid (OK, or UNCHECKED-CHAIN with --no-chain), 1 any INVALID,
2 a usage error (among them: no --ca and no --no-chain, an unreadable --ca or --crl).
`

// keyStoreFlags are --keystore and --pin for the signing commands.
type keyStoreFlags struct{ path, pin, at *string }

func addKeyStoreFlags(fs *flag.FlagSet) *keyStoreFlags {
	return &keyStoreFlags{
		path: fs.String("keystore", "", "the signing key store (.p12)"),
		pin:  fs.String("pin", "", "its PIN (default: $"+envPIN+")"),
		at:   fs.String("at", "", "sign as at this time (RFC 3339): the certificate must be valid then"),
	}
}

// openFor is the start of every "sign" command: exactly one FILE, the
// key store opened, FILE read (at most limit bytes).
func (kf *keyStoreFlags) openFor(files []string, limit int64) (*certs.KeyStore, func() time.Time, []byte, error) {
	if len(files) != 1 {
		return nil, nil, nil, fmt.Errorf("%w: want exactly one FILE, got %d", errUsage, len(files))
	}
	ks, clock, err := kf.open()
	if err != nil {
		return nil, nil, nil, err
	}
	data, err := readLimited(files[0], limit)
	if err != nil {
		return nil, nil, nil, err
	}
	return ks, clock, data, nil
}

func (kf *keyStoreFlags) open() (*certs.KeyStore, func() time.Time, error) {
	if *kf.path == "" {
		return nil, nil, fmt.Errorf("%w: --keystore is required", errUsage)
	}
	clock := time.Now
	if *kf.at != "" {
		t, err := time.Parse(time.RFC3339, *kf.at)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: --at %q is not RFC 3339", errUsage, *kf.at)
		}
		clock = func() time.Time { return t }
	}
	pin := pinFrom(*kf.pin)
	ks, err := certs.OpenFile(*kf.path, pin)
	if errors.Is(err, certs.ErrWrongPIN) && pin == "" {
		return nil, nil, missingPIN(*kf.path)
	}
	if err != nil {
		return nil, nil, err
	}
	return ks, clock, nil
}

func writeOut(path string, data []byte, stdout io.Writer) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// xmlSignAbout is the help of "esf xml sign" after its synopsis.
const xmlSignAbout = `Signs the XML document FILE with the key store's key as NCALayer's signXml
does — an enveloped ds:Signature appended to the document element (RSA-SHA256,
GOST 2015-512 or GOST 2004, after the key) — and writes the signed document.
Exit status: 0 signed; 1 FILE or the key store missing, unreadable or not
what it should be, a wrong PIN, or the certificate not valid at --at or now;
2 a usage error (no --keystore, a key store without a PIN …).
`

// xmlVerifyAbout is the help of "esf xml verify" after its synopsis.
const xmlVerifyAbout = `Verifies every XML signature of every FILE: one line per signature, or one
for a FILE that does not verify.

` + verifyVerdicts

// xmlSign implements "esf xml sign".
func xmlSign(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	kf := addKeyStoreFlags(fs.FlagSet)
	out := fs.String("out", "", "write the signed document here (default: standard output)")
	cr := fs.Bool("cr", false, "end base64 lines with &#13; as Kalkan does")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	ks, clock, doc, err := kf.openFor(files, xmlsig.DefaultMaxSize)
	if err != nil {
		return err
	}
	signer, err := ks.Signer()
	if err != nil {
		return err
	}
	signed, err := xmlsig.Sign(doc, signer, ks.Certificate, xmlsig.SignOptions{Now: clock, CarriageReturns: *cr})
	if err != nil {
		return err
	}
	return writeOut(*out, signed, stdout)
}

// xmlVerify implements "esf xml verify": every signature of every file.
func xmlVerify(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	tf := addTrustFlags(fs.FlagSet, true)
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: no FILE given", errUsage)
	}
	chain, at, err := tf.options()
	if err != nil {
		return err
	}
	opts := xmlsig.VerifyOptions{Now: func() time.Time { return at }}
	if !tf.skipChain() {
		opts.Chain = &chain
	}
	return verifyEach(files, tf.verdict(), stdout, func(doc []byte) ([]string, error) {
		all, err := xmlsig.VerifyAll(doc, opts)
		if err != nil {
			return nil, err
		}
		lines := make([]string, len(all))
		for i, v := range all {
			if tf.skipChain() {
				lines[i] = fmt.Sprintf("signature %d valid, by %s (%s); %s", i, describeSigner(v.Signer), v.Method, tf.checked())
			} else {
				lines[i] = fmt.Sprintf("signature %d by %s (%s); %s", i, describeSigner(v.Signer), v.Method, tf.checked())
			}
		}
		return lines, nil
	})
}

// verifyEach verifies every file with verify and prints, for each, the
// lines verify returns after verdict and the file's name ("OK FILE: …"),
// or "INVALID FILE: reason"; any INVALID makes the command exit 1.
func verifyEach(files []string, verdict string, stdout io.Writer, verify func([]byte) ([]string, error)) error {
	failed := 0
	for _, f := range files {
		doc, err := readLimited(f, xmlsig.DefaultMaxSize)
		var lines []string
		if err == nil {
			lines, err = verify(doc)
		}
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s %s: %s\n", verdictInvalid, f, invalidReason(err))
			continue
		}
		for _, l := range lines {
			fmt.Fprintf(stdout, "%s %s: %s\n", verdict, f, l)
		}
	}
	if failed > 0 {
		return verifyFailed{fmt.Errorf("%d of %d files did not verify", failed, len(files))}
	}
	return nil
}

// invalidReason is err, led by the certificate's reason (revoked, expired,
// unknown authority …) when a certificate check failed.
func invalidReason(err error) string {
	var ve *certs.VerifyError
	if errors.As(err, &ve) {
		return fmt.Sprintf("%s: %v", ve.Reason, err)
	}
	return err.Error()
}

func describeSigner(c *certs.Certificate) string {
	s := c.FullName()
	if c.IIN != "" {
		s += ", IIN " + c.IIN
	}
	if c.BIN != "" {
		s += ", BIN " + c.BIN
	}
	return s
}

// agreementNewAbout is the help of "esf agreement new" after its synopsis.
const agreementNewAbout = `Writes the ESF user agreement (Соглашение о пользовании ИС ЭСФ) of the
participant the flags describe, unsigned, in Russian or Kazakh: an
individual's, an entrepreneur's, or a legal entity's (which also needs
--bin, --company and --basis). Sign it with esf agreement sign.
Exit status: 0 written; 1 the output could not be written; 2 a usage error
(a requisite missing or malformed: the message names its flag).
`

// agreementSignAbout is the help of "esf agreement sign" after its synopsis.
const agreementSignAbout = `Signs an agreement written by esf agreement new, after checking the signer
rules: a signing key (not AUTH), of the participant's IIN (and BIN), of a
kind that fits the agreement (a personal key for an individual's or an
entrepreneur's, the head's legal-entity key for a legal entity's).
Exit status: 0 signed; 1 FILE not an agreement, the key store missing,
unreadable or its PIN wrong, or the key may not sign this agreement; 2 a
usage error (no --keystore, a key store without a PIN …).
`

// agreementVerifyAbout is the help of "esf agreement verify" after its synopsis.
const agreementVerifyAbout = `Verifies each signed agreement FILE against the policy: the signature, the
document, the kind, a signing key of the participant's IIN (and BIN) of a
kind that fits the agreement, and the signer's chain. An individual's
agreement needs a personal key; a head who signed his own beside his
legal entity's, with the entity's head key, is accepted with --head-of BIN.

` + verifyVerdicts

// agreementNew implements "esf agreement new": an unsigned agreement.
func agreementNew(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	kind := fs.String("kind", "", "individual, entrepreneur or legal-entity")
	lang := fs.String("lang", "ru", "ru or kk")
	var r agreement.Requisites
	fs.StringVar(&r.IIN, "iin", "", "the participant's IIN")
	fs.StringVar(&r.FullName, "name", "", "full name (ФИО)")
	fs.StringVar(&r.IDDocumentNumber, "doc-number", "", "ID document number")
	fs.StringVar(&r.IDDocumentIssuer, "doc-issuer", "", "who issued the ID document")
	docDate := fs.String("doc-date", "", "the ID document's date of issue (YYYY-MM-DD)")
	fs.StringVar(&r.Address, "address", "", "address")
	fs.StringVar(&r.BIN, "bin", "", "the legal entity's BIN")
	fs.StringVar(&r.CompanyName, "company", "", "the legal entity's name")
	fs.StringVar(&r.ActingOnBasisOf, "basis", "", "what the head acts on the basis of (e.g. Устава)")
	date := fs.String("date", "", "the agreement's date (YYYY-MM-DD; default today)")
	out := fs.String("out", "", "write here (default: standard output)")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: esf agreement new takes no arguments, got %q", errUsage, rest)
	}
	k, err := agreement.ParseKind(*kind)
	if err != nil {
		return fmt.Errorf("%w: --kind: %v", errUsage, err)
	}
	if *docDate != "" {
		if r.IDDocumentIssueDate, err = time.Parse(time.DateOnly, *docDate); err != nil {
			return fmt.Errorf("%w: --doc-date %q is not YYYY-MM-DD", errUsage, *docDate)
		}
	}
	d := time.Now()
	if *date != "" {
		if d, err = time.Parse(time.DateOnly, *date); err != nil {
			return fmt.Errorf("%w: --date %q is not YYYY-MM-DD", errUsage, *date)
		}
	}
	a, err := agreement.New(k, agreement.Lang(*lang), r, d)
	if err != nil {
		var fe *agreement.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("%w: %s (flag --%s)", errUsage, err, flagFor(fe.Field))
		}
		return err
	}
	doc, err := a.XML()
	if err != nil {
		return err
	}
	return writeOut(*out, doc, stdout)
}

// flagFor names the flag that sets a requisite field.
func flagFor(field string) string {
	m := map[string]string{"iin": "iin", "fullName": "name", "idDocumentNumber": "doc-number", "idDocumentIssuer": "doc-issuer",
		"idDocumentIssueDate": "doc-date", "address": "address", "bin": "bin", "companyName": "company",
		"actingOnBasisOf": "basis", "date": "date", "kind": "kind", "lang": "lang"}
	if f, ok := m[field]; ok {
		return f
	}
	return field
}

// agreementSign implements "esf agreement sign": an agreement made by
// "esf agreement new", signed after the signer rules are checked.
func agreementSign(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	kf := addKeyStoreFlags(fs.FlagSet)
	out := fs.String("out", "", "write the signed agreement here (default: standard output)")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	ks, clock, doc, err := kf.openFor(files, xmlsig.DefaultMaxSize)
	if err != nil {
		return err
	}
	a, err := agreement.Parse(doc)
	if err != nil {
		return err
	}
	signer, err := ks.Signer()
	if err != nil {
		return err
	}
	signed, err := agreement.Sign(a, signer, ks.Certificate, xmlsig.SignOptions{Now: clock})
	if err != nil {
		return err
	}
	return writeOut(*out, signed, stdout)
}

// agreementVerify implements "esf agreement verify".
func agreementVerify(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	tf := addTrustFlags(fs.FlagSet, true)
	kind := fs.String("kind", "", "require this kind: individual, entrepreneur or legal-entity")
	headOf := fs.String("head-of", "", "accept the head's key of this `BIN` on an individual's agreement (signed beside that entity's agreement)")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: no FILE given", errUsage)
	}
	chain, at, err := tf.options()
	if err != nil {
		return err
	}
	p := agreement.Policy{Chain: chain, Now: func() time.Time { return at }, InsecureSkipChain: tf.skipChain(), HeadOf: *headOf}
	if *kind != "" {
		if p.Kind, err = agreement.ParseKind(*kind); err != nil {
			return fmt.Errorf("%w: --kind: %v", errUsage, err)
		}
	}
	return verifyEach(files, tf.verdict(), stdout, func(doc []byte) ([]string, error) {
		v, err := agreement.Verify(doc, p)
		if err != nil {
			return nil, err
		}
		what := fmt.Sprintf("%s agreement (%s) of %s", v.Agreement.Kind, v.Agreement.Lang, strings.TrimSpace(v.Agreement.Requisites.FullName))
		if tf.skipChain() {
			return []string{fmt.Sprintf("%s, signature valid, signed by %s; %s", what, describeSigner(v.Signer), tf.checked())}, nil
		}
		return []string{fmt.Sprintf("%s signed by %s; %s", what, describeSigner(v.Signer), tf.checked())}, nil
	})
}
