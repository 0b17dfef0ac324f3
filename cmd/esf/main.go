// Command esf is the command line of the esf project: it reads NCA key
// stores and certificates (esf cert), and — as the project grows — signs the
// ESF user agreement and runs the ESF mock server.
//
// Usage:
//
//	esf cert info [--pin PIN] [--json] FILE...
//	esf cert info --demo [--json]
//	esf cert verify --ca FILE [--ca FILE] [--crl FILE] [--at RFC3339] [--pin PIN] [--usage AUTH|SIGN] [--holder INDIVIDUAL|LEGAL_ENTITY] FILE
//	esf xml sign --keystore FILE --pin PIN [--out FILE] [--cr] FILE
//	esf xml verify [--ca FILE]... [--crl FILE] [--at RFC3339] FILE...
//	esf agreement new --kind KIND --lang ru|kk --iin IIN --name NAME --doc-number N --doc-issuer I --doc-date D --address A [--bin B --company C --basis S] [--date D]
//	esf agreement sign --keystore FILE --pin PIN [--out FILE] FILE
//	esf agreement verify --ca FILE [--crl FILE] [--at RFC3339] [--kind KIND] FILE...
//	esf mock serve [--addr HOST:PORT] [--state FILE] [--trust FILE]... [--crl FILE]... [--seed FILE] [--allow-test-identities] [--require-username-token] [--smtp HOST:PORT] [--log-level LEVEL]
//
// Exit status: 0 on success, 1 when a certificate does not verify or a
// file cannot be read as asked, 2 on a usage error.
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
