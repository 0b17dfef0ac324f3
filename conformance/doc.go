// Package conformance is one scenario suite for registration in ИС ЭСФ,
// written once over a base URL: every flow of docs/domain.md, run with
// esfclient.Client against the mock in-process, the "esf mock serve" binary,
// or — only when an environment variable names one — a real ESF test stand.
//
//	target := conformance.NewHTTPTarget(baseURL)      // a mock, set up through its /_mock/ routes
//	conformance.Run(t, target, conformance.Options{}) // every scenario, as a subtest of t
//	// a scenario that needs what the target lacks is skipped, saying why
//
// # In a vendor's CI
//
// Start the mock, point the suite at it, and keep the test in your own
// repository so that your CI checks the mock you test against behaves as
// ESF does (and this module's CI checks the same of every release):
//
//	// esf_conformance_test.go
//	package myapp_test
//
//	import (
//		"os"
//		"testing"
//
//		"github.com/esfkit/esf/conformance"
//	)
//
//	func TestESFConformance(t *testing.T) {
//		conformance.Run(t, conformance.NewHTTPTarget(os.Getenv("ESF_MOCK_URL")), conformance.Options{})
//	}
//
// and in the CI job:
//
//	go run github.com/esfkit/esf/cmd/esf mock serve --addr 127.0.0.1:8080 &
//	ESF_MOCK_URL=http://127.0.0.1:8080 go test -run ESFConformance ./...
//
// With ESF_MOCK_URL unset the test skips. The suite resets the mock before
// each scenario (POST /_mock/reset), so give it a mock of its own. The
// mock must trust certs/certstest's built-in test CAs — its default, not
// with --trust — since the suite issues its key stores from them, valid
// from the mock's current time; it needs no --allow-test-identities (its
// IINs and BIN pass the checksum).
//
// # Targets
//
// A Target is a base URL and, for a mock, a Control: reset, the clock, the
// tax register, the outbox, accounts, CRLs. NewHTTPTarget controls a mock
// over HTTP (HTTPControl), which works alike for the binary and for a
// mockserver.Server served in-process; NewTarget takes a Control of your
// own; NewStandTarget has none.
//
// # Scenarios and modes
//
// Scenarios lists them. Against a mock every scenario runs:
//
//	version                          VersionService answers
//	individual                       four steps, one agreement, the e-mailed link, log-in; wrong password; the link reused
//	entrepreneur                     a listed entrepreneur registers; an unlisted one is refused
//	legal-entity-two-agreements      a head (AUTH RSA + GOST signing key) signs the entity's and his own agreement
//	legal-entity-registered-person   a registered individual: current password, one agreement, two profiles
//	login-and-api-session            portal log-in; createAuthTicket → createSessionSigned → currentUser →
//	                                 currentUserProfiles → closeSession; one session per user, and its recovery
//	change-of-head                   refused before the register refresh, accepted after; the old head blocked
//	legal-entity-already-registered  «Юридическое лицо уже зарегистрировано в системе»
//	change-of-email                  signed with the signing key; AUTH key and another person's key refused
//	password-reset                   by the e-mailed link, signed with GOST; reused and expired links refused
//	auth-key-signs-agreement         refused by the client, and by the server when sent anyway
//	revoked-key                      refused once the target trusts the CA's CRL
//	expired-key                      refused by the server, not only by the client
//	session-needs-account-password   createSession, createSessionSigned, closeSessionByCredentials demand
//	                                 the UsernameToken; an IIN without an account answered as a wrong password
//	password-throttle                five failed password checks (UsernameToken and portal alike) lock the IIN
//	                                 out for fifteen minutes, right password included
//	cert-info-refuses-untrusted-key  xmlDsigCertInfo refuses a key of an untrusted CA, and a signing-only key
//	individual-agreement-with-entity-key  an individual's agreement signed with his CEO key is refused
//	control-api-validates-input      out-of-range times, bad faults, unknown fields, keys given twice: 400, field named
//	invoice-registration             syncInvoice → IN_QUEUE/IN_PROCESSING → CREATED, ESF-<BIN>-<yyyyMMdd>-<8 digits>;
//	                                 the body back byte for byte; SESSION_CLOSED after closeSession
//	invoice-declined-format-error    a body breaking InvoiceV2.xsd: declinedSet, a format code naming the element
//	invoice-failed-bad-signature     queued, then FAILED with SIGNATURE_VERIFICATION_FAILED; deleteInvoiceById
//	invoice-confirm                  the customer sees it (queryUpdates INBOUND) once registered; DELIVERED
//	invoice-revoke-and-rejection     REVOKED by the seller, DELIVERED again by the customer; WRONG_TYPE, WRONG_STATUS
//	invoice-updates-paging           1,000 invoices on a frozen clock, paged by both parties (queryUpdates in
//	                                 blocks splitting shared timestamps, and queryInvoice): none lost or repeated
//	invoice-read                     queryUpdates, queryInvoice, summaries, history, by key, enterpriseValidation:
//	                                 reading only
//
// The invoice scenarios move the mock's clock to run its processing step
// (esfclient.WaitOptions.Sleep), and skip against a target that does not
// serve InvoiceService.
//
// The security scenarios check the mock's defaults: a mock started with
// --allow-missing-username-token fails session-needs-account-password, by
// design (skip it with Options.Skip if that is what you run). A mock whose
// control API needs a token (one listening beyond loopback) is reached with
// NewHTTPTarget(url, WithControlToken(os.Getenv("ESF_MOCK_CONTROL_TOKEN"))) —
// the variable the examples read too.
//
// Against a real ESF test stand (no Control) only version,
// login-and-api-session and invoice-read (with Options.Stand.Auth and
// Password: an account registered there beforehand; invoice-read reads the
// account's invoices of the last 30 days and this quarter, at most ten
// blocks or pages each way), revoked-key (with Options.Stand.Revoked) and
// cert-info-refuses-untrusted-key run; the rest skip. The suite never
// uploads, confirms, revokes or deletes an invoice on a stand. The suite never registers anyone on a stand, never
// types a wrong password there and never changes its e-mail or password.
// Real-stand mode is opt-in: StandFromEnv reads ESF_TEST_STAND_URL,
// ESF_TEST_STAND_AUTH, ESF_TEST_STAND_PIN, ESF_TEST_STAND_PASSWORD,
// ESF_TEST_STAND_TIN and ESF_TEST_STAND_REVOKED(_PIN), and nothing is
// contacted unless ESF_TEST_STAND_URL is set:
//
//	func TestESFStand(t *testing.T) {
//		target, opts, ok := conformance.StandFromEnv()
//		if !ok {
//			t.Skip("ESF_TEST_STAND_URL not set")
//		}
//		conformance.Run(t, target, opts)
//	}
package conformance
