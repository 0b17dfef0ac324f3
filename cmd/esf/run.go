package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks a usage error; commands print their usage and exit 2.
var errUsage = errors.New("usage error")

const topUsage = `esf — NCA key stores and the ESF registration toolkit

Usage:
  esf cert info [--pin PIN] [--json] FILE...     describe key stores and certificates
  esf cert info --demo [--json]                   describe the built-in test PKI's key stores
  esf cert verify --ca FILE [--crl FILE] [--at RFC3339] [--pin PIN] FILE
                                                  check a certificate's chain, time and revocation
  esf xml sign --keystore F --pin P [--out F] FILE
                                                  append an NCA-shaped enveloped XML signature
  esf xml verify --ca F [--ca F]... [--crl F] [--at RFC3339] FILE...
  esf xml verify --no-chain FILE...               verify every signature of every file (esf xml verify -h)
  esf agreement new --kind individual|entrepreneur|legal-entity --lang ru|kk --iin … --name … [requisites]
                                                  write the user agreement (unsigned)
  esf agreement sign --keystore F --pin P [--out F] FILE
  esf agreement verify --ca F [--crl F] [--at RFC3339] [--kind K] [--head-of BIN] FILE...
  esf agreement verify --no-chain [--kind K] [--head-of BIN] FILE...
  esf mock serve [--addr H:P] [--state F] [--trust F]... [--crl F]... [--seed F] [--allow-test-identities]
                 [--control=false] [--control-token T] [--allow-missing-username-token] [--smtp H:P] [--log-level L]
                                                  run the ESF mock server (esf mock serve -h)
  esf help                                        this text
`

// Run runs the command line args (without the program name) and returns
// the exit status. It is main without the process: tests call it.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topUsage)
		return exitOK
	case "cert":
		return runCert(ctx, args[1:], stdout, stderr)
	case "xml":
		return runXML(ctx, args[1:], stdout, stderr)
	case "agreement":
		return runAgreement(ctx, args[1:], stdout, stderr)
	case "mock":
		return runMock(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "esf: unknown command %q\n\n%s", args[0], topUsage)
	return exitUsage
}

func runCert(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "info":
		err = certInfo(ctx, args[1:], stdout, stderr)
	case "verify":
		err = certVerify(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "esf cert: unknown command %q\n\n%s", args[0], topUsage)
		return exitUsage
	}
	return exitCode(err, stderr)
}

// exitCode prints err and maps it to an exit status.
func exitCode(err error, stderr io.Writer) int {
	var ve verifyFailed
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "esf:", strings.TrimSpace(err.Error()))
		return exitUsage
	case errors.As(err, &ve):
		return exitFailure // the reason is already printed
	}
	fmt.Fprintln(stderr, "esf:", err)
	return exitFailure
}

// parseInterleaved parses flags that may come before or after the
// positional arguments ("esf cert info FILE --json"), returning the
// positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
