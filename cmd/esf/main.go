// Command esf is the command line of the esf project: it reads NCA key
// stores and certificates (esf cert), signs and verifies XML (esf xml),
// writes, signs and verifies the ESF user agreement (esf agreement), signs
// and verifies CMS (esf cms), writes, signs and checks invoices (esf
// invoice), runs a headless NCALayer that signs for web
// pages (esf ncalayer serve), and runs the ESF mock server (esf mock serve).
//
// Usage (esf -h prints it in full; every command takes -h):
//
//	esf cert info [--pin PIN] [--json] FILE...
//	esf cert info --demo [--json]
//	esf cert verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] [--pin PIN] [--usage AUTH|SIGN] [--holder INDIVIDUAL|LEGAL_ENTITY] FILE
//	esf xml sign --keystore FILE [--pin PIN] [--at RFC3339] [--out FILE] [--cr] FILE
//	esf xml verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] FILE...
//	esf xml verify --no-chain FILE...
//	esf agreement new --kind KIND [--lang ru|kk] --iin IIN --name NAME --doc-number N --doc-issuer I --doc-date D --address A [--bin B --company C --basis S] [--date D] [--out FILE]
//	esf agreement sign --keystore FILE [--pin PIN] [--at RFC3339] [--out FILE] FILE
//	esf agreement verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] [--kind KIND] [--head-of BIN] FILE...
//	esf agreement verify --no-chain [--kind KIND] [--head-of BIN] FILE...
//	esf cms sign --keystore FILE [--pin PIN] [--detached] [--at RFC3339] [--pem] [--out FILE] FILE
//	esf cms verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] [--content FILE] FILE...
//	esf cms verify --no-chain [--content FILE] FILE...
//	esf invoice new --seller-tin TIN --customer-tin TIN --num N --unit-price P [--date D] [--nds-rate R] [--quantity Q] [flags] [--out FILE]
//	esf invoice new --from JSON [--out FILE]
//	esf invoice sign --keystore FILE [--pin PIN] [--at RFC3339] [--json] [--no-check] FILE
//	esf invoice check FILE...
//	esf ncalayer serve --keystore FILE [--pin PIN]... [--demo] [--addr HOST:PORT] [--plain | --tls-cert FILE --tls-key FILE] [--cert-out FILE] [--origin URL]... [--any-origin] [--version V]
//	esf mock serve [--addr HOST:PORT] [--state FILE | --db URL] [--trust FILE]... [--crl FILE]... [--seed FILE] [--allow-test-identities] [--control=false] [--control-token TOKEN] [--allow-missing-username-token] [--smtp HOST:PORT] [--log-level LEVEL]
//	esf mock load --url URL --flow registration|session|invoice --n N [--c C] [flags]
//	esf mock populate --url URL --accounts N [flags]
//	esf mock export --url URL [--out FILE]
//	esf mock import --url URL FILE
//	esf version (also esf --version)
//	esf help [COMMAND...]
//
// Exit status, the same for every command: 0 done (every file valid, or
// help or the version asked for); 1 the command line was right but the
// work failed on its input (a verify found something INVALID, a FILE or key
// store unreadable or its PIN wrong, a key that may not sign, the mock
// unable to start); 2 a usage error, nothing checked or written (an unknown
// command or flag, a malformed flag value, a missing or extra argument or
// required flag, a key store without a PIN, an unreadable --ca, --crl,
// --trust or --seed). esf -h says it in full.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
