//go:build unix

// Command cmsbench measures package cms beside OpenSSL 3 on the same
// RSA-2048 key (the committed fixture individual signing key), content and
// CMS. bench/cms.sh builds it and bench/cms_bench.c and runs it.
//
// Three operations, each on both sides:
//
//	sign          cms.Sign, attached, with a signing time, DER out —
//	              CMS_sign(CMS_BINARY|CMS_NOSMIMECAP) and i2d, as
//	              `openssl cms -sign -binary -nodetach -nosmimecap`;
//	verify        cms.Verify without a chain — d2i and CMS_verify with
//	              CMS_NO_SIGNER_CERT_VERIFY, as `openssl cms -verify -noverify`;
//	verify-chain  cms.Verify with the signer's chain (root and intermediate,
//	              no CRL) — CMS_verify against a store of the same two, as
//	              `openssl cms -verify -CAfile … -attime … -purpose any`;
//	rsa-sign      the RSA-2048 signature alone, rsa.SignPKCS1v15 of a
//	              SHA-256 digest — EVP_PKEY_sign: what sign costs without
//	              the CMS around it, on each side.
//
// Both verify the same bytes: the CMS cms.Sign made. OpenSSL's side is
// bench/cms_bench.c, a loop over libcrypto's CMS functions (what `openssl
// cms` calls) in its own process, N operations per process; ours is a loop
// in this process. Each round is timed in CPU time of its process
// (clock_gettime(CLOCK_PROCESS_CPUTIME_ID) there, getrusage here: user and
// system, every thread), and the sides alternate round by round (OpenSSL
// round 1, ours round 1, OpenSSL round 2, …), the same N for both, sized so
// that an OpenSSL round takes about -round of CPU. Our round starts from a
// collected heap and ends with a collection, so it pays for its garbage.
//
// Beside them, the cost of the `openssl cms` command as a process per
// operation — what a program that shells out pays — is measured over -proc
// processes per round (their CPU time as the kernel accounts it to each
// child: user and system), with `openssl version` for the start-up alone;
// `openssl cms -verify` reads the system's trust store even with -noverify,
// so it is measured with and without -no-CAfile -no-CApath -no-CAstore.
//
//	go run ./bench/cmsbench -harness PATH [-rounds 7] [-round 0.5s] [-proc 20] [-size 4096]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esfkit/esf/bench/internal/cpu"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/cms"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "cmsbench:", err)
		os.Exit(2)
	}
}

// at is inside the committed fixtures' validity: the signing time, and the
// time the chain is checked at.
var at = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// ops are the operations compared, in the order of each round.
var ops = []string{"sign", "rsa-sign", "verify", "verify-chain"}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cmsbench", flag.ContinueOnError)
	harness := fs.String("harness", "", "the built bench/cms_bench.c")
	rounds := fs.Int("rounds", 7, "rounds per side (at least 5)")
	round := fs.Duration("round", 500*time.Millisecond, "CPU time an OpenSSL round should take")
	procs := fs.Int("proc", 20, "openssl processes per round and command")
	size := fs.Int("size", 4096, "bytes of content")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rounds < 5 {
		return fmt.Errorf("-rounds %d: at least 5 rounds are needed for a median", *rounds)
	}
	if *harness == "" {
		return errors.New("-harness is required")
	}
	dir, err := os.MkdirTemp("", "cmsbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	b, err := setUp(dir, *size)
	if err != nil {
		return err
	}
	// What is measured must work: the harness checks that OpenSSL verifies
	// its CMS and ours, and writes one of its CMS for us to verify.
	if msg, err := exec.CommandContext(ctx, *harness, dir, "check").CombinedOutput(); err != nil {
		return fmt.Errorf("%s check: %v: %s", *harness, err, msg)
	}
	theirs, err := os.ReadFile(filepath.Join(dir, "theirs.der"))
	if err != nil {
		return err
	}
	if _, err := cms.Verify(theirs, cms.VerifyOptions{Chain: &b.chain, Now: func() time.Time { return at }}); err != nil {
		return fmt.Errorf("package cms does not verify OpenSSL's CMS: %w", err)
	}
	for _, op := range ops {
		if err := b.op(op)(); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}

	// N per operation: an OpenSSL round of about -round.
	n := map[string]int{}
	for _, op := range ops {
		perOp, err := openSSLRound(ctx, *harness, dir, op, 50)
		if err != nil {
			return err
		}
		n[op] = max(20, int(float64(*round/time.Microsecond)/perOp))
		if _, _, err := cpu.Measure(b.op(op), n[op]/10+1); err != nil { // warm-up
			return err
		}
	}

	ossl, _ := exec.CommandContext(ctx, "openssl", "version").Output()
	fmt.Fprintf(out, "package cms beside %s (libcrypto loop, and the openssl command as a process), RSA-2048, %d bytes of content\n",
		strings.TrimSpace(string(ossl)), *size)
	fmt.Fprintf(out, "%s, %d CPUs, %s; CPU time per operation in µs, %d rounds interleaved (OpenSSL round, then ours)\n\n",
		runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"), *rounds)
	procCmds := []struct{ name string }{{"openssl cms -sign"}, {"openssl cms -verify -noverify"}, {"… -no-CAfile -no-CApath -no-CAstore"}, {"openssl version"}}
	theirsUS, oursUS, procUS := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	allocs := map[string]cpu.Allocs{}
	for r := range *rounds {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := fmt.Sprintf("round %d:", r+1)
		for _, op := range ops {
			t, err := openSSLRound(ctx, *harness, dir, op, n[op])
			if err != nil {
				return err
			}
			o, m, err := cpu.Measure(b.op(op), n[op])
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			theirsUS[op] = append(theirsUS[op], t)
			oursUS[op] = append(oursUS[op], cpu.Micros(o))
			allocs[op] = m
			line += fmt.Sprintf("  %s %.1f/%.1f", op, t, cpu.Micros(o))
		}
		for _, p := range procCmds {
			c, err := processRound(ctx, dir, p.name, *procs)
			if err != nil {
				return err
			}
			procUS[p.name] = append(procUS[p.name], c)
			line += fmt.Sprintf("  [%s %.0f]", p.name, c)
		}
		fmt.Fprintln(out, line)
	}

	fmt.Fprintf(out, "\n%-13s %18s %18s %9s %9s %s\n", "operation", "ours min / med", "OpenSSL min / med", "med ×", "min ×", "ours per op")
	for _, op := range ops {
		o, t := oursUS[op], theirsUS[op]
		fmt.Fprintf(out, "%-13s %8.1f / %7.1f %8.1f / %7.1f %8.2f× %8.2f× %d allocs, %.1f KB\n", op,
			slices.Min(o), cpu.Median(o), slices.Min(t), cpu.Median(t), cpu.Median(o)/cpu.Median(t), slices.Min(o)/slices.Min(t),
			allocs[op].Allocs, float64(allocs[op].Bytes)/1000)
	}
	fmt.Fprintf(out, "\nthe openssl command, one process per operation (%d per round), CPU µs per process, min / median:\n", *procs)
	for _, p := range procCmds {
		fmt.Fprintf(out, "  %-38s %8.0f / %8.0f\n", p.name, slices.Min(procUS[p.name]), cpu.Median(procUS[p.name]))
	}
	return nil
}

// bench is what the operations work on.
type bench struct {
	key     *rsa.PrivateKey
	cert    *certs.Certificate
	content []byte
	signed  []byte // cms.Sign's attached CMS of content
	chain   certs.VerifyOptions
}

func (b *bench) op(name string) func() error {
	switch name {
	case "sign":
		return func() error {
			_, err := cms.Sign(b.content, b.key, b.cert, cms.SignOptions{SigningTime: at})
			return err
		}
	case "verify":
		return func() error {
			_, err := cms.Verify(b.signed, cms.VerifyOptions{})
			return err
		}
	case "rsa-sign":
		digest := sha256.Sum256(b.content)
		return func() error {
			_, err := rsa.SignPKCS1v15(nil, b.key, crypto.SHA256, digest[:])
			return err
		}
	}
	return func() error {
		_, err := cms.Verify(b.signed, cms.VerifyOptions{Chain: &b.chain, Now: func() time.Time { return at }})
		return err
	}
}

// setUp writes the files bench/cms_bench.c reads and returns our side.
func setUp(dir string, size int) (*bench, error) {
	ks, err := certstest.OpenFixture(certstest.FixtureIndividualSign)
	if err != nil {
		return nil, fmt.Errorf("the RSA fixture key store: %w", err)
	}
	key, ok := ks.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the fixture key is a %T, not RSA", ks.PrivateKey)
	}
	b := &bench{key: key, cert: ks.Certificate}
	var ca bytes.Buffer
	for _, name := range []string{certstest.FixtureRootCA, certstest.FixtureIntermediateCA} {
		der, err := certstest.ReadFixture(name)
		if err != nil {
			return nil, err
		}
		c, err := certs.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		if name == certstest.FixtureRootCA {
			b.chain.Roots = append(b.chain.Roots, c)
		} else {
			b.chain.Intermediates = append(b.chain.Intermediates, c)
		}
		_ = pem.Encode(&ca, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	// An XML-like document of size bytes.
	var doc bytes.Buffer
	doc.WriteString("<invoice>")
	for i := 0; doc.Len() < size-len("</invoice>"); i++ {
		fmt.Fprintf(&doc, "<line n=\"%d\">Тауар %d</line>", i, i)
	}
	b.content = append(doc.Bytes()[:min(doc.Len(), size-len("</invoice>"))], "</invoice>"...)
	if b.signed, err = cms.Sign(b.content, key, ks.Certificate, cms.SignOptions{SigningTime: at}); err != nil {
		return nil, err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		"key.pem":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}),
		"cert.pem":    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ks.Certificate.X509.Raw}),
		"ca.pem":      ca.Bytes(),
		"content.bin": b.content,
		"signed.der":  b.signed,
		"time":        []byte(strconv.FormatInt(at.Unix(), 10)),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// openSSLRound runs one round of the harness and returns its µs per op.
func openSSLRound(ctx context.Context, harness, dir, op string, n int) (float64, error) {
	out, err := exec.CommandContext(ctx, harness, dir, op, strconv.Itoa(n)).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %v: %s", harness, op, err, out)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 {
		return 0, fmt.Errorf("%s %s printed %q", harness, op, out)
	}
	return strconv.ParseFloat(f[len(f)-2], 64)
}

// processRound runs an openssl command k times and returns the mean CPU
// time of a process (user and system, as the kernel accounts it to the
// child), in µs.
func processRound(ctx context.Context, dir, name string, k int) (float64, error) {
	var args []string
	switch name {
	case "openssl cms -sign":
		args = []string{"cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-in", filepath.Join(dir, "content.bin"),
			"-signer", filepath.Join(dir, "cert.pem"), "-inkey", filepath.Join(dir, "key.pem"), "-outform", "DER", "-out", os.DevNull}
	case "openssl cms -verify -noverify":
		args = []string{"cms", "-verify", "-binary", "-noverify", "-inform", "DER", "-in", filepath.Join(dir, "signed.der"), "-out", os.DevNull}
	case "… -no-CAfile -no-CApath -no-CAstore":
		// Without them, openssl cms -verify reads the system's trust store
		// (Debian's ca-certificates bundle) even with -noverify.
		args = []string{"cms", "-verify", "-binary", "-noverify", "-no-CAfile", "-no-CApath", "-no-CAstore",
			"-inform", "DER", "-in", filepath.Join(dir, "signed.der"), "-out", os.DevNull}
	default:
		args = []string{"version"}
	}
	var total time.Duration
	for range k {
		cmd := exec.CommandContext(ctx, "openssl", args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("%s: %v: %s", name, err, firstLine(stderr.String()))
		}
		total += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return cpu.Micros(total / time.Duration(k)), nil
}

func firstLine(s string) string {
	line, _, _ := bufio.NewReader(strings.NewReader(s)).ReadLine()
	return string(line)
}
