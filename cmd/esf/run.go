package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes: the rule is exitStatusRule, the same for every command.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks a usage error: the command line cannot be carried out as
// written. Run prints the message and the command's synopsis to standard
// error and exits 2.
var errUsage = errors.New("usage error")

// exitStatusRule is the exit status rule of every command, printed in the
// top usage text.
const exitStatusRule = `Exit status, the same for every command:
  0  done: the command did what was asked; a verify found every file valid
     (OK, or UNCHECKED-CHAIN with --no-chain); help (-h) or the version was
     asked for.
  1  the command line was right but the work failed on its input: a verify
     found something INVALID; a FILE or the --keystore is missing, unreadable
     or not what it should be (not a certificate, key store, XML document,
     CMS or agreement), or its PIN is wrong; the key may not sign this (an
     AUTH key, another person's key); the output could not be written; the
     mock could not start (address in use, a corrupt --state file, a database it cannot reach).
  2  a usage error, and nothing was checked or written: an unknown command or
     flag; a malformed flag value (--at, --usage, --kind, --addr …); a
     missing or extra argument; a missing required flag (--ca, --keystore,
     --kind …); flags that contradict each other; a key store given without
     its PIN (no --pin and no $ESF_PIN); a file that a flag names as trust or
     configuration (--ca, --crl, --trust, --seed, the --state directory) that
     cannot be read as one. The message and the command's synopsis go to
     standard error.
`

// command is a node of esf's command tree: a group (esf, cert, xml,
// agreement, cms, invoice, ncalayer, mock), whose first argument names a subcommand, or a leaf
// that runs.
type command struct {
	name string // the word that selects it, "info"; "esf" for the root
	// summary is one line in the group's usage text.
	summary string
	// synopsis lines of a leaf, without "Usage:" (e.g. "esf cert info FILE...").
	synopsis []string
	// about is a leaf's help text after the synopsis and before the flags.
	about string
	subs  []*command // a group's commands
	// run runs a leaf: it defines its flags on fs, parses args with
	// fs.parse, and returns an error wrapping errUsage for a usage error,
	// a verifyFailed when a verify said INVALID (already printed), or any
	// other error when the work failed on its input.
	run func(ctx context.Context, fs *flagSet, args []string, stdout, stderr io.Writer) error
}

// commands is esf's command tree.
func commands() *command {
	return &command{name: "esf", subs: []*command{
		{name: "cert", summary: "NCA key stores and certificates", subs: []*command{
			{name: "info", run: certInfo, summary: "describe key stores and certificates (--json: NCANode-shaped JSON)",
				synopsis: []string{"esf cert info [--pin PIN] [--json] FILE...", "esf cert info --demo [--json]"}, about: certInfoAbout},
			{name: "verify", run: certVerify, summary: "check a certificate's chain, validity, usage, holder and revocation",
				synopsis: []string{"esf cert verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] [--pin PIN] [--usage AUTH|SIGN] [--holder INDIVIDUAL|LEGAL_ENTITY] FILE"},
				about:    certVerifyAbout},
		}},
		{name: "xml", summary: "NCA-shaped XML signatures", subs: []*command{
			{name: "sign", run: xmlSign, summary: "append an NCA-shaped enveloped XML signature",
				synopsis: []string{"esf xml sign --keystore FILE [--pin PIN] [--at RFC3339] [--out FILE] [--cr] FILE"}, about: xmlSignAbout},
			{name: "verify", run: xmlVerify, summary: "verify every signature of every file",
				synopsis: []string{"esf xml verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] FILE...", "esf xml verify --no-chain FILE..."},
				about:    xmlVerifyAbout},
		}},
		{name: "agreement", summary: "the ESF user agreement (Соглашение о пользовании ИС ЭСФ)", subs: []*command{
			{name: "new", run: agreementNew, summary: "write the user agreement, unsigned",
				synopsis: []string{"esf agreement new --kind individual|entrepreneur|legal-entity [--lang ru|kk] --iin IIN --name NAME --doc-number N",
					"                  --doc-issuer I --doc-date YYYY-MM-DD --address A [--bin BIN --company C --basis B] [--date YYYY-MM-DD] [--out FILE]"},
				about: agreementNewAbout},
			{name: "sign", run: agreementSign, summary: "sign an agreement, after checking the key may sign it",
				synopsis: []string{"esf agreement sign --keystore FILE [--pin PIN] [--at RFC3339] [--out FILE] FILE"}, about: agreementSignAbout},
			{name: "verify", run: agreementVerify, summary: "verify signed agreements against ESF's policy",
				synopsis: []string{"esf agreement verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] [--kind K] [--head-of BIN] FILE...",
					"esf agreement verify --no-chain [--kind K] [--head-of BIN] FILE..."},
				about: agreementVerifyAbout},
		}},
		{name: "cms", summary: "NCA-shaped CMS signatures (SignedData, attached or detached)", subs: []*command{
			{name: "sign", run: cmsSign, summary: "sign a file's bytes into an NCA-shaped CMS SignedData",
				synopsis: []string{"esf cms sign --keystore FILE [--pin PIN] [--detached] [--at RFC3339] [--pem] [--out FILE] FILE"}, about: cmsSignAbout},
			{name: "verify", run: cmsVerify, summary: "verify every signer of every CMS file",
				synopsis: []string{"esf cms verify --ca FILE [--ca FILE]... [--crl FILE]... [--at RFC3339] [--content FILE] FILE...",
					"esf cms verify --no-chain [--content FILE] FILE..."},
				about: cmsVerifyAbout},
		}},
		{name: "invoice", summary: "ESF invoices (ЭСФ, InvoiceV2): write, sign, check against the XSD", subs: []*command{
			{name: "new", run: invoiceNew, summary: "write an invoice body from flags (one product line) or JSON, checked against the XSD",
				synopsis: []string{"esf invoice new --seller-tin TIN --customer-tin TIN --num N --unit-price P [--date D] [--nds-rate R] [--quantity Q] [flags] [--out FILE]",
					"esf invoice new --from JSON [--out FILE]"},
				about: invoiceNewAbout},
			{name: "sign", run: invoiceSign, summary: "sign an invoice body as ESF wants: the raw signature over its bytes, base64",
				synopsis: []string{"esf invoice sign --keystore FILE [--pin PIN] [--at RFC3339] [--json] [--no-check] FILE"}, about: invoiceSignAbout},
			{name: "check", run: invoiceCheck, summary: "check invoice bodies against KGD's InvoiceV2.xsd, naming each element that breaks a rule",
				synopsis: []string{"esf invoice check FILE..."}, about: invoiceCheckAbout},
		}},
		{name: "ncalayer", summary: "a headless NCALayer for tests and sandboxes", subs: []*command{
			{name: "serve", run: ncalayerServe, summary: "serve NCALayer's WebSocket protocol, signing with the key stores given, without asking",
				synopsis: []string{"esf ncalayer serve --keystore FILE [--pin PIN] [--keystore FILE [--pin PIN]]... [--demo] [--addr HOST:PORT]",
					"                   [--plain | --tls-cert FILE --tls-key FILE] [--cert-out FILE] [--origin URL]... [--any-origin] [--version V]"},
				about: ncalayerServeAbout},
		}},
		{name: "mock", summary: "the ESF mock server", subs: []*command{
			{name: "serve", run: mockServe, summary: "run the ESF mock: SOAP API, portal, mail and control API",
				synopsis: []string{"esf mock serve [--addr HOST:PORT] [--state FILE | --db URL] [--trust FILE]... [--crl FILE]... [--seed FILE] [--allow-test-identities]",
					"               [--control=false] [--control-token TOKEN] [--allow-missing-username-token] [--smtp HOST:PORT] [--log-level LEVEL] [limits]"},
				about: mockServeAbout},
			{name: "load", run: mockLoad, summary: "drive complete registrations, API session cycles or invoice uploads against a running mock; one JSON line of rates and latencies",
				synopsis: []string{"esf mock load --url URL --flow registration|session|invoice --n N [--c C] [--timeout 5m] [--alg rsa|gost]",
					"              [--seed S] [--from I] [--populated] [--batch B] [--password P] [--control-token T] [--server-pid PID]"},
				about: mockLoadAbout},
			{name: "populate", run: mockPopulate, summary: "fill a running mock with N registered accounts through its bulk import",
				synopsis: []string{"esf mock populate --url URL --accounts N [--seed S] [--from I] [--password P] [--batch B]",
					"                  [--control-token T] [--server-pid PID]"},
				about: mockPopulateAbout},
			{name: "export", run: mockExport, summary: "write a running mock's whole state as JSON (a backup of a sandbox)",
				synopsis: []string{"esf mock export --url URL [--out FILE] [--control-token T]"},
				about:    mockExportAbout},
			{name: "import", run: mockImport, summary: "replace a running mock's whole state with one esf mock export wrote",
				synopsis: []string{"esf mock import --url URL [--control-token T] FILE"},
				about:    mockImportAbout},
		}},
		{name: "version", run: versionCmd, summary: "print the version, the VCS revision and the Go toolchain (also: esf --version)",
			synopsis: []string{"esf version"}, about: versionAbout},
	}}
}

// sub returns the subcommand named name, or nil.
func (c *command) sub(name string) *command {
	for _, s := range c.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// Run runs the command line args (without the program name) and returns
// the exit status. It is main without the process: tests call it.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	return dispatch(ctx, commands(), "esf", args, stdout, stderr)
}

// dispatch runs c, called as path ("esf cert"), with args.
func dispatch(ctx context.Context, c *command, path string, args []string, stdout, stderr io.Writer) int {
	if c.run != nil {
		if len(args) == 1 && args[0] == "help" {
			args = []string{"-h"} // "esf cert info help"; ./help names a file called help
		}
		fs := newFlagSet(c, path, stdout)
		return exitCode(fs, c.run(ctx, fs, args, stdout, stderr), stderr)
	}
	if len(args) == 0 {
		if c.name != "esf" {
			fmt.Fprintf(stderr, "%s: no command given\n\n", path)
		}
		printGroupUsage(stderr, c, path)
		return exitUsage
	}
	if isHelp(args[0]) {
		if args[0] == "help" && len(args) > 1 {
			// "esf help cert info" is "esf cert info -h".
			return dispatch(ctx, c, path, append(args[1:len(args):len(args)], "-h"), stdout, stderr)
		}
		printGroupUsage(stdout, c, path)
		return exitOK
	}
	s := c.sub(args[0])
	if s == nil {
		fmt.Fprintf(stderr, "%s: unknown command %q\n\n", path, args[0])
		printGroupUsage(stderr, c, path)
		return exitUsage
	}
	return dispatch(ctx, s, path+" "+s.name, args[1:], stdout, stderr)
}

// topAbout heads the top usage text.
const topAbout = `esf — NCA key stores and certificates, NCA-shaped XML and CMS signatures, the
ESF user agreement, and a mock of the ESF portal and SOAP API.
`

// printGroupUsage writes a group's usage: the synopsis and summary of every
// command under it; for the root also the exit status rule.
func printGroupUsage(w io.Writer, c *command, path string) {
	b := new(strings.Builder)
	if c.name == "esf" {
		b.WriteString(topAbout + "\n")
	}
	b.WriteString("Usage:\n")
	var walk func(c *command)
	walk = func(c *command) {
		if c.run != nil {
			for _, s := range c.synopsis {
				fmt.Fprintf(b, "  %s\n", s)
			}
			fmt.Fprintf(b, "        %s\n", c.summary)
			return
		}
		for _, s := range c.subs {
			walk(s)
		}
	}
	walk(c)
	if c.name == "esf" {
		b.WriteString("  esf help [COMMAND...]\n        this text, or a command's: the same as esf COMMAND... -h\n")
		b.WriteString(`
Every command and group takes -h, --help or help (alone after a command):
its usage on standard output, exit status 0. Flags may come before or after the FILE arguments;
"--" ends the flags. A key store's PIN is --pin, else $` + envPIN + `.

` + exitStatusRule)
	} else {
		fmt.Fprintf(b, "\n%q shows a command's flags and what it prints.\nExit status: 0 done, 1 failed on its input or INVALID, 2 usage error (esf -h says exactly).\n", path+" COMMAND -h")
	}
	_, _ = io.WriteString(w, b.String())
}

// flagSet is a leaf command's flags. It prints nothing itself: parse
// writes the help to standard output when asked for it, and Run writes a
// usage error with the command's synopsis to standard error.
type flagSet struct {
	*flag.FlagSet
	cmd    *command
	path   string // "esf cert info"
	stdout io.Writer
}

func newFlagSet(c *command, path string, stdout io.Writer) *flagSet {
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, cmd: c, path: path, stdout: stdout}
}

// parse parses flags that may come before or after the positional
// arguments ("esf cert info FILE --json"), returning the positional ones.
// Asked for help (-h, -help, --help), it prints the help to standard output
// and returns flag.ErrHelp; a bad flag is a usage error.
func (fs *flagSet) parse(args []string) ([]string, error) {
	positional, err := parseInterleaved(fs.FlagSet, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.printHelp(fs.stdout)
	}
	return positional, err
}

// printSynopsis writes the command's "Usage:" lines.
func (fs *flagSet) printSynopsis(w io.Writer) {
	for i, s := range fs.cmd.synopsis {
		if i == 0 {
			fmt.Fprintf(w, "Usage: %s\n", s)
		} else {
			fmt.Fprintf(w, "       %s\n", s)
		}
	}
}

// printHelp writes the synopsis, what the command does, and its flags.
func (fs *flagSet) printHelp(w io.Writer) {
	b := new(strings.Builder)
	fs.printSynopsis(b)
	if fs.cmd.about != "" {
		b.WriteString("\n" + fs.cmd.about)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		b.WriteString("\nFlags:\n")
		fs.SetOutput(b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	_, _ = io.WriteString(w, b.String())
}

// exitCode prints err and maps it to an exit status (exitStatusRule).
func exitCode(fs *flagSet, err error, stderr io.Writer) int {
	var ve verifyFailed
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK // the help is printed
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "%s: %s\n", fs.path, strings.TrimSpace(err.Error()))
		fs.printSynopsis(stderr)
		fmt.Fprintf(stderr, "Run %q for help.\n", fs.path+" -h")
		return exitUsage
	case errors.As(err, &ve):
		return exitFailure // the reason is already printed
	}
	fmt.Fprintf(stderr, "%s: %v\n", fs.path, err)
	return exitFailure
}

// parseInterleaved parses flags that may come before or after the
// positional arguments, returning the positional ones.
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
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" && (used == 1 || !takesValue(fs, args[used-2])) {
			return append(positional, rest...), nil // "--" ended the flags
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// takesValue reports whether arg is a flag that takes the next argument
// as its value ("--pin", not "--pin=x" nor a bool flag).
func takesValue(fs *flag.FlagSet, arg string) bool {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok || strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(strings.TrimPrefix(name, "-"))
	if f == nil {
		return false
	}
	b, isBool := f.Value.(interface{ IsBoolFlag() bool })
	return !isBool || !b.IsBoolFlag()
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
