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
	"runtime"
	"slices"
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

// errOverBudget is returned when agreement.Sign costs more than the budget.
var errOverBudget = errors.New("agreement.Sign is over budget")

func exitCode(err error) int {
	switch {
	case errors.Is(err, errOverBudget):
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
	if *rounds < 5 {
		return fmt.Errorf("-rounds %d: at least 5 rounds are needed for a median", *rounds)
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
	sides := []side{
		{name: "agreement.Sign", op: func() error {
			_, err := agreement.Sign(a, key, ks.Certificate, opts)
			return err
		}},
		{name: "rsa.SignPKCS1v15", op: func() error {
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

	// Warm up and size the rounds: n signatures of agreement.Sign take
	// about -round of CPU time; both sides run n per round.
	var n int
	for i, s := range sides {
		c, _, err := cpu.Measure(s.op, 20)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if i == 0 {
			n = max(10, int(*round/c))
		}
	}

	fmt.Fprintf(out, "agreement.Sign against rsa.SignPKCS1v15 (SHA-256), one RSA-2048 key, %s, %d CPUs, %s\n",
		runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(out, "CPU time per signature (getrusage user+sys), %d rounds interleaved, %d signatures per round\n\n", *rounds, n)
	fmt.Fprintf(out, "%-7s %18s %18s %8s\n", "round", sides[0].name+" µs", sides[1].name+" µs", "ratio")
	for r := range *rounds {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range sides {
			c, m, err := cpu.Measure(sides[i].op, n)
			if err != nil {
				return fmt.Errorf("%s: %w", sides[i].name, err)
			}
			sides[i].perOp = append(sides[i].perOp, cpu.Micros(c))
			sides[i].mem = m
		}
		fmt.Fprintf(out, "%-7d %18.1f %18.1f %7.3f×\n", r+1, sides[0].perOp[r], sides[1].perOp[r], sides[0].perOp[r]/sides[1].perOp[r])
	}
	s, r := sides[0], sides[1]
	fmt.Fprintf(out, "%-7s %18.1f %18.1f %7.3f×\n", "min", s.min(), r.min(), s.min()/r.min())
	fmt.Fprintf(out, "%-7s %18.1f %18.1f %7.3f×\n", "median", s.median(), r.median(), s.median()/r.median())
	fmt.Fprintf(out, "\nper signature: %s %d allocations, %.1f KB; %s %d allocations, %.1f KB\n",
		s.name, s.mem.Allocs, float64(s.mem.Bytes)/1000, r.name, r.mem.Allocs, float64(r.mem.Bytes)/1000)
	ratio := s.median() / r.median()
	fmt.Fprintf(out, "ratio of medians %.3f×, of minimums %.3f×: ", ratio, s.min()/r.min())
	if ratio > *budget {
		fmt.Fprintf(out, "over the %.2f× budget\n", *budget)
		return fmt.Errorf("%w: %.3f× > %.2f×", errOverBudget, ratio, *budget)
	}
	fmt.Fprintf(out, "within the %.2f× budget\n", *budget)
	return nil
}

// side is one of the two things compared, with its per-round figures.
type side struct {
	name  string
	op    func() error
	perOp []float64  // µs of CPU time per operation, one per round
	mem   cpu.Allocs // of the last round
}

func (s side) min() float64 { return slices.Min(s.perOp) }

func (s side) median() float64 { return cpu.Median(s.perOp) }
