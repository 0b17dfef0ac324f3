//go:build unix

// Command agreementsign measures what agreement.Sign costs beside the RSA
// signature it wraps: rsa.SignPKCS1v15 (SHA-256) with the same RSA-2048
// key. bench/agreement-sign.sh runs it.
//
// The two sides alternate round by round (agreement.Sign round 1,
// rsa.SignPKCS1v15 round 1, agreement.Sign round 2, …). A round is a loop
// of the same number of signatures, timed in CPU time of the whole process
// (getrusage: user + system, every thread, so the garbage collector's work
// is counted): a machine shared with other jobs slows the wall clock, not
// the CPU time a signature takes. Each round starts after a collection
// (outside the measurement) and ends with one (inside it), so every byte a
// round allocates is collected on its own account. It prints each round,
// the minimum and the median per side and the ratios of medians and of
// minimums, and exits with status 1 when the ratio of medians exceeds
// -budget.
//
//	go run ./bench/agreementsign [-rounds 7] [-round 0.5s] [-budget 1.15]
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/bench/internal/cpu"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/xmlsig"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "agreementsign:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	switch {
	case errors.Is(err, cpu.ErrOverBudget):
		return 1
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	return 2
}

// at is inside the committed fixtures' validity (as agreement's tests pin it).
var at = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("agreementsign", flag.ContinueOnError)
	rounds := fs.Int("rounds", 7, "rounds per side (at least 5)")
	round := fs.Duration("round", 500*time.Millisecond, "CPU time a round of agreement.Sign should take")
	budget := fs.Float64("budget", 1.15, "largest acceptable ratio of medians agreement.Sign / rsa.SignPKCS1v15")
	if err := fs.Parse(args); err != nil {
		return err
	}

	ks, err := certstest.OpenFixture(certstest.FixtureIndividualSign)
	if err != nil {
		return fmt.Errorf("the RSA fixture key store: %w", err)
	}
	key, ok := ks.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return fmt.Errorf("the fixture key is a %T, not RSA", ks.PrivateKey)
	}
	a, err := agreement.New(agreement.Individual, agreement.Russian, agreement.Requisites{
		IIN:                 certstest.TestIIN,
		FullName:            "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		IDDocumentNumber:    "012345678",
		IDDocumentIssuer:    "МВД РК",
		IDDocumentIssueDate: time.Date(2019, 3, 14, 0, 0, 0, 0, time.UTC),
		Address:             "г. Астана, ул. Бейбітшілік, 10",
	}, at)
	if err != nil {
		return err
	}
	doc, err := a.XML()
	if err != nil {
		return err
	}
	digest := sha256.Sum256(doc)
	opts := xmlsig.SignOptions{Now: func() time.Time { return at }}
	sides := []cpu.Side{
		{Name: "agreement.Sign", Op: func() error {
			_, err := agreement.Sign(a, key, ks.Certificate, opts)
			return err
		}},
		{Name: "rsa.SignPKCS1v15", Op: func() error {
			_, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
			return err
		}},
	}
	// What is measured must work: a signed agreement that verifies.
	signed, err := agreement.Sign(a, key, ks.Certificate, opts)
	if err != nil {
		return err
	}
	if _, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{}); err != nil {
		return fmt.Errorf("the signed agreement does not verify: %w", err)
	}

	return cpu.Compare(ctx, out, cpu.Comparison{
		What:   "agreement.Sign against rsa.SignPKCS1v15 (SHA-256), one RSA-2048 key",
		Rounds: *rounds,
		Round:  *round,
		Budget: *budget,
		Width:  18,
	}, sides[0], sides[1])
}
