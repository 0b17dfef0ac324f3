//go:build unix

// Command invoicebench measures what building and signing an invoice costs
// beside the bare GOST signature of its bytes: invoice.Invoice built,
// Marshal, invoice.Sign (Streebog-512, GOST R 34.10-2015 512-bit, base64)
// against gost.Sum512 and PrivateKey.Sign of the same body with the same
// key (the committed fixture's company head). bench/invoice-sign.sh runs it.
//
// The two sides alternate round by round (build+sign round 1, bare round
// 1, build+sign round 2, …). A round is a loop of the same number of
// signatures, timed in CPU time of the whole process (getrusage: user +
// system, every thread, so the garbage collector's work is counted). Each
// round starts after a collection (outside the measurement) and ends with
// one (inside it), so every byte a round allocates is collected on its own
// account. It prints each round, the minimum and the median per side and
// the ratios of medians and of minimums, and exits with status 1 when the
// ratio of medians exceeds -budget.
//
//	go run ./bench/invoicebench [-rounds 7] [-round 0.5s] [-lines 1] [-budget 1.3]
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/esfkit/esf/bench/internal/cpu"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/invoice"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "invoicebench:", err)
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

// build returns the invoice of docs/esf-invoice-api.md §2.4 with lines
// product lines (one: §2.4's body byte for byte).
func build(lines int) *invoice.Invoice {
	rate := 12
	inv := &invoice.Invoice{
		Date:             "15.01.2026",
		InvoiceType:      invoice.OrdinaryInvoice,
		Num:              "1001",
		OperatorFullname: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		TurnoverDate:     "15.01.2026",
		Customers:        []invoice.Customer{{CountryCode: "KZ", Name: "ИП ТЕСТОВ", TIN: "123456789011"}},
		ProductSet: invoice.ProductSet{
			CurrencyCode:      "KZT",
			Products:          make([]invoice.Product, 0, lines),
			TotalExciseAmount: "0",
		},
		Sellers: []invoice.Seller{{Name: `АО "ТЕСТ"`, TIN: "123456789021"}},
	}
	for range lines {
		inv.ProductSet.Products = append(inv.ProductSet.Products, invoice.Product{
			CatalogTruID: "1", Description: "Консультационные услуги", NDSAmount: "1200", NDSRate: &rate,
			PriceWithTax: "11200", PriceWithoutTax: "10000", Quantity: "1", TruOriginCode: "6",
			TurnoverSize: "10000", UnitNomenclature: "796", UnitPrice: "10000",
		})
	}
	n := int64(lines)
	inv.ProductSet.TotalNDSAmount = invoice.Decimal(strconv.FormatInt(1200*n, 10))
	inv.ProductSet.TotalPriceWithTax = invoice.Decimal(strconv.FormatInt(11200*n, 10))
	inv.ProductSet.TotalPriceWithoutTax = invoice.Decimal(strconv.FormatInt(10000*n, 10))
	inv.ProductSet.TotalTurnoverSize = invoice.Decimal(strconv.FormatInt(10000*n, 10))
	return inv
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("invoicebench", flag.ContinueOnError)
	rounds := fs.Int("rounds", 7, "rounds per side (at least 5)")
	round := fs.Duration("round", 500*time.Millisecond, "CPU time a round of building and signing should take")
	lines := fs.Int("lines", 1, "product lines of the invoice (1: the body of docs/esf-invoice-api.md §2.4)")
	budget := fs.Float64("budget", 1.3, "largest acceptable ratio of medians build+sign / bare GOST signature")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *lines < 1 {
		return fmt.Errorf("-lines %d: at least one product line", *lines)
	}

	ks, err := certstest.OpenFixture(certstest.FixtureGOSTCEO)
	if err != nil {
		return fmt.Errorf("the GOST 2015 fixture key store: %w", err)
	}
	key, ok := ks.PrivateKey.(*gost.PrivateKey)
	if !ok {
		return fmt.Errorf("the fixture key is a %T, not GOST", ks.PrivateKey)
	}
	body, err := build(*lines).Marshal()
	if err != nil {
		return err
	}
	// What is measured must work: a valid body whose signature verifies.
	if err := invoice.Check(body); err != nil {
		return fmt.Errorf("the body is not valid: %w", err)
	}
	sig, err := invoice.Sign(body, key)
	if err != nil {
		return err
	}
	if err := invoice.VerifySignature(body, sig, ks.Certificate); err != nil {
		return fmt.Errorf("the signature does not verify: %w", err)
	}

	sides := []cpu.Side{
		{Name: "build+sign", Op: func() error {
			b, err := build(*lines).Marshal()
			if err != nil {
				return err
			}
			_, err = invoice.Sign(b, key)
			return err
		}},
		{Name: "bare GOST", Op: func() error {
			d := gost.Sum512(body)
			_, err := key.Sign(rand.Reader, d[:], nil)
			return err
		}},
	}

	return cpu.Compare(ctx, out, cpu.Comparison{
		What:   fmt.Sprintf("an invoice of %d product line(s), %d bytes: built, Marshal and invoice.Sign against gost.Sum512 + PrivateKey.Sign of its bytes,\none GOST 2015-512 key", *lines, len(body)),
		Rounds: *rounds,
		Round:  *round,
		Budget: *budget,
		Width:  16,
	}, sides[0], sides[1])
}
