package mockserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver"
)

// zeepPython finds a Python 3 that imports zeep (Debian's python3-zeep):
// $ESF_PYTHON, python3 on PATH, then /usr/bin/python3 (a pyenv's python3
// on PATH may lack Debian's packages). It skips t when there is none, or
// fails it under ESF_REQUIRE_TOOLS=1.
func zeepPython(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p := os.Getenv("ESF_PYTHON"); p != "" {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "python3", "/usr/bin/python3")
	for _, c := range candidates {
		path, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import zeep").Run() == nil {
			return path
		}
	}
	testref.Missing(t, "no python3 that imports zeep (Debian package python3-zeep; .ci/run installs it)")
	return ""
}

// zeep, a WSDL-driven SOAP client, built from KGD's real
// InvoiceService.wsdl and UploadInvoiceService.wsdl (from ../shared,
// unchanged; only the service address is the mock's) runs an invoice's
// life against the mock: sync → poll → query by id → confirm (as the
// customer) → revoke → unrevoke, then history, queryUpdates and a
// closed session's fault (testdata/zeep_invoice.py). Here against an
// in-process mock; TestZeepInvoiceClientESFMockServe runs it against
// the esf binary.
func TestZeepInvoiceClient(t *testing.T) {
	if testing.Short() {
		t.Skip("zeep client check skipped in -short mode")
	}
	dir := testref.Dir(t, "reference", "esf-api", "invoice")
	python := zeepPython(t)
	e := newInvoiceEnv(t)
	require.NoError(t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: time.Second, Processing: time.Second}))
	runZeep(t, python, dir, zeepMock{base: e.srv.URL, seller: e.seller, customer: e.customer, sellerKS: e.sellerKS, customerKS: e.customerKS,
		advance: func(d time.Duration) error { e.srv.Advance(d); return nil }}, e.sampleInvoice())
}

// The same against `esf mock serve` as a team runs it: the binary built
// from cmd/esf, its state in SQLite (--state), the parties published,
// their accounts imported and the timing set through the control API,
// the sessions opened with esfclient.
func TestZeepInvoiceClientESFMockServe(t *testing.T) {
	if testing.Short() {
		t.Skip("zeep client check skipped in -short mode")
	}
	dir := testref.Dir(t, "reference", "esf-api", "invoice")
	python := zeepPython(t)
	base := startESFMockServe(t, "--state", filepath.Join(t.TempDir(), "mock.db"), "--allow-test-identities")
	ctx := context.Background()
	ctl, err := mockserver.NewControlClient(base, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	_, err = ctl.SeedTaxpayers(ctx, true, invoiceParties()...)
	require.NoError(t, err)
	_, err = ctl.ImportAccounts(ctx, invoiceAccounts()...)
	require.NoError(t, err)
	require.NoError(t, ctl.SetInvoiceTiming(ctx, mockserver.InvoiceTiming{Queue: time.Second, Processing: time.Second}))
	sellerKS, err := certstest.OpenFixture(certstest.FixtureGOSTCEO)
	require.NoError(t, err)
	customerKS, err := certstest.OpenFixture(certstest.FixtureGOSTEntrepreneur)
	require.NoError(t, err)
	c, err := esfclient.New(esfclient.Options{BaseURL: base})
	require.NoError(t, err)
	open := func(ks *certs.KeyStore, tin string) string {
		s, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: ks, Password: password, TIN: tin})
		require.NoError(t, err)
		return s.ID
	}
	now, err := ctl.Now(ctx)
	require.NoError(t, err)
	e := &invEnv{env: &env{t: t}}
	inv := e.sampleInvoiceAt(now)
	runZeep(t, python, dir, zeepMock{base: base, seller: open(sellerKS, sellerTIN), customer: open(customerKS, customerTIN),
		sellerKS: sellerKS, customerKS: customerKS, advance: func(d time.Duration) error { return ctl.Advance(ctx, d) }}, inv)
}

// startESFMockServe builds cmd/esf and runs `esf mock serve` on a free
// port with args; it returns the mock's URL and stops it when t ends.
func startESFMockServe(t *testing.T, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "esf")
	build := exec.Command("go", "build", "-o", bin, "./cmd/esf")
	build.Dir = testref.Root()
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/esf: %s", out)
	cmd := exec.Command(bin, append([]string{"mock", "serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return strings.TrimSpace(u)
		}
	}
	t.Fatalf("esf mock serve did not start: %s", stderr.String())
	return ""
}

// zeepMock is the mock the zeep client runs against: its URL, the two
// parties' open sessions and keys, and how to move its clock.
type zeepMock struct {
	base, seller, customer string
	sellerKS, customerKS   *certs.KeyStore
	advance                func(time.Duration) error
}

// runZeep runs testdata/zeep_invoice.py against m, answering its
// requests (the invoice to send, signatures, moving the clock), and checks
// what it reports.
func runZeep(t *testing.T, python, dir string, m zeepMock, inv *invoice.Invoice) {
	t.Helper()
	e := &invEnv{env: &env{t: t}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "zeep_invoice.py"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Wait() }()

	var result map[string]any
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	answer := func(v any) {
		line, err := json.Marshal(v)
		require.NoError(t, err)
		_, err = stdin.Write(append(line, '\n'))
		require.NoError(t, err)
	}
	for sc.Scan() {
		// Numbers as json.Number: ids are 17 digits, beyond float64's.
		var msg map[string]any
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&msg), "zeep client said %q; stderr:\n%s", sc.Text(), stderr.String())
		switch msg["op"] {
		case "config":
			answer(map[string]string{
				"invoiceWsdl": filepath.Join(dir, "InvoiceService.wsdl"), "uploadWsdl": filepath.Join(dir, "UploadInvoiceService.wsdl"),
				"base": m.base, "seller": m.seller, "customer": m.customer})
		case "invoice":
			u := e.signed(m.sellerKS, inv)
			answer(map[string]string{"body": u.body, "signature": u.signature, "signatureType": u.signatureType, "certificate": certText(m.sellerKS)})
		case "sign":
			ks := m.sellerKS
			if msg["as"] == "customer" {
				ks = m.customerKS
			}
			var items []invoice.IDWithReason
			for _, it := range msg["items"].([]any) {
				pair := it.([]any)
				id, err := pair[0].(json.Number).Int64()
				require.NoError(t, err)
				items = append(items, invoice.IDWithReason{ID: id, Reason: pair[1].(string)})
			}
			sig, err := invoice.SignIDsWithReasons(items, signerOf(t, ks))
			require.NoError(t, err)
			answer(map[string]string{"signature": sig, "certificate": certText(ks)})
		case "advance":
			n, err := msg["seconds"].(json.Number).Int64()
			require.NoError(t, err)
			require.NoError(t, m.advance(time.Duration(n)*time.Second))
			answer(map[string]bool{"ok": true})
		case "result":
			result = msg
			answer(map[string]bool{"ok": true})
		default:
			t.Fatalf("unknown request %v", msg)
		}
	}
	require.NoError(t, sc.Err())
	require.NoError(t, cmd.Wait(), "zeep client failed:\n%s", stderr.String())
	require.NotNil(t, result, "no result; stderr:\n%s", stderr.String())
	t.Logf("zeep: %v", result)

	assert.Len(t, result["operations"], 15, "KGD's 14 InvoiceService operations and syncInvoice")
	assert.Equal(t, inv.Num, result["num"])
	assert.Equal(t, []any{"IN_QUEUE", "IN_PROCESSING", "CREATED"}, result["statuses"])
	assert.Regexp(t, `^ESF-123456789021-\d{8}-\d{8}$`, result["registrationNumber"])
	assert.Equal(t, json.Number("1"), result["rsCount"])
	assert.Equal(t, true, result["bodySame"], "the body comes back byte for byte")
	assert.Equal(t, true, result["signatureValid"])
	assert.Equal(t, "DELIVERED", result["confirmed"])
	assert.Equal(t, map[string]any{"isChanged": true, "status": "REVOKED", "errorCode": nil}, result["revoked"])
	assert.Equal(t, map[string]any{"isChanged": true, "status": "DELIVERED", "errorCode": nil}, result["unrevoked"])
	assert.Equal(t, []any{"IN_QUEUE", "IN_PROCESSING", "CREATED", "DELIVERED", "REVOKED", "DELIVERED"}, result["history"])
	assert.Equal(t, []any{[]any{result["id"], "DELIVERED"}}, result["updates"])
	assert.Regexp(t, `^2\d{16}$`, result["id"], "17 digits, exact")
	assert.Equal(t, true, result["updatesLastBlock"])
	assert.Equal(t, map[string]any{"message": mockserver.SessionClosedText, "detail": "{esf}sessionClosedException"}, result["fault"])
}
