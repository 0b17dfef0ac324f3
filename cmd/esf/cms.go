package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/esfkit/esf/cms"
)

// cmsSignAbout is the help of "esf cms sign" after its synopsis.
const cmsSignAbout = `Signs the bytes of FILE with the key store's key as NCALayer's
createCMSSignatureFromBase64 does (without its time-stamp): CMS SignedData
with the content attached (or --detached), the signer's certificate, and the
signed attributes content type, signing time (--at or now) and message
digest; RSA with SHA-256, GOST 2015-512 with Streebog-512 or GOST 2004 with
GOST 34.311-95, after the key. It writes DER, or with --pem the PEM
(-----BEGIN CMS-----) NCALayer's basics module returns.
Exit status: 0 signed; 1 FILE or the key store missing, unreadable or not
what it should be, a wrong PIN, or the certificate not valid at --at or now;
2 a usage error (no --keystore, a key store without a PIN …).
`

// cmsVerifyAbout is the help of "esf cms verify" after its synopsis.
const cmsVerifyAbout = `Verifies every signer of every CMS FILE (DER, BER, PEM or base64, as NCA's
tools write it): the content type and message digest signed, the signature,
the signing-certificate attribute and any time-stamp token (its signature and
its imprint of the signature; the time-stamp authority's chain is not
checked). One line per signer, or one for a FILE that does not verify. A
detached CMS needs its content: --content FILE (given for an attached CMS,
it must be the content it carries).

` + verifyVerdicts

// cmsSign implements "esf cms sign".
func cmsSign(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	kf := addKeyStoreFlags(fs.FlagSet)
	detached := fs.Bool("detached", false, "leave the content out of the CMS (a detached signature)")
	pemOut := fs.Bool("pem", false, "write PEM (-----BEGIN CMS-----) as NCALayer's basics module does, not DER")
	out := fs.String("out", "", "write the CMS here (default: standard output)")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	ks, clock, content, err := kf.openFor(files, cms.DefaultMaxSize)
	if err != nil {
		return err
	}
	signer, err := ks.Signer()
	if err != nil {
		return err
	}
	der, err := cms.Sign(content, signer, ks.Certificate, cms.SignOptions{
		Detached: *detached, SigningTime: clock(), Certificates: ks.CACertificates})
	if err != nil {
		return err
	}
	if *pemOut {
		der = cms.EncodePEM(der)
	}
	return writeOut(*out, der, stdout)
}

// cmsVerify implements "esf cms verify": every signer of every file.
func cmsVerify(_ context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	tf := addTrustFlags(fs.FlagSet, true)
	contentPath := fs.String("content", "", "the `FILE` a detached CMS signs (its content)")
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
	opts := cms.VerifyOptions{Now: func() time.Time { return at }}
	if !tf.skipChain() {
		opts.Chain = &chain
	}
	if *contentPath != "" {
		if opts.Content, err = readLimited(*contentPath, cms.DefaultMaxSize); err != nil {
			return fmt.Errorf("--content: %w", err)
		}
	}
	failed := 0
	for _, f := range files {
		lines, err := cmsVerifyFile(f, opts, tf)
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s %s: %s\n", verdictInvalid, f, invalidReason(err))
			continue
		}
		for _, l := range lines {
			fmt.Fprintf(stdout, "%s %s: %s\n", tf.verdict(), f, l)
		}
	}
	if failed > 0 {
		return verifyFailed{fmt.Errorf("%d of %d files did not verify", failed, len(files))}
	}
	return nil
}

// cmsVerifyFile verifies one file and returns a line per signer.
func cmsVerifyFile(path string, opts cms.VerifyOptions, tf *trustFlags) ([]string, error) {
	data, err := readLimited(path, cms.DefaultMaxSize)
	if err != nil {
		return nil, err
	}
	der, err := cms.DecodePEM(data)
	if err != nil {
		return nil, err
	}
	all, err := cms.VerifyAll(der, opts)
	if err != nil {
		return nil, err
	}
	lines := make([]string, len(all))
	for i, v := range all {
		by := "by"
		if tf.skipChain() {
			by = "valid, by"
		}
		lines[i] = fmt.Sprintf("signer %d %s %s (%s); %s", i, by, describeSigner(v.Signer), describeCMS(v), tf.checked())
	}
	return lines, nil
}

// describeCMS says what a verified signer signed, how and when.
func describeCMS(v *cms.Verified) string {
	parts := []string{v.Signer.Algorithm.String()}
	if v.Detached {
		parts = append(parts, fmt.Sprintf("detached, %d bytes of content", len(v.Content)))
	} else {
		parts = append(parts, fmt.Sprintf("attached, %d bytes of content", len(v.Content)))
	}
	if !v.ContentType.Equal(cms.OIDData) {
		parts = append(parts, "content type "+v.ContentType.String())
	}
	if !v.SigningTime.IsZero() {
		parts = append(parts, "signing time "+v.SigningTime.UTC().Format(time.RFC3339))
	}
	for _, ts := range v.TimeStamps {
		parts = append(parts, fmt.Sprintf("time-stamp %s by %s, its chain not checked", ts.Time.UTC().Format(time.RFC3339), ts.Signer.CommonName))
	}
	return strings.Join(parts, ", ")
}
