package cpu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"
)

// Side is one of the two operations Compare sets against each other.
type Side struct {
	Name string
	Op   func() error
}

// Comparison says what Compare measures and how it reports.
type Comparison struct {
	// What opens the report: what is compared, with which key.
	What string
	// Rounds per side (at least 5: a median needs them).
	Rounds int
	// Round is the CPU time a round of the first side should take; both
	// sides run as many operations per round.
	Round time.Duration
	// Budget is the largest acceptable ratio of medians, first / second.
	Budget float64
	// Width of the figures' columns.
	Width int
}

// ErrOverBudget is Compare's error when the ratio of medians exceeds
// Comparison.Budget.
var ErrOverBudget = errors.New("over budget")

// Compare warms both sides up, sizes the rounds, then runs them
// alternately round by round (first round 1, second round 1, first round
// 2, …), each timed in CPU time with Measure. It prints each round, the
// minimum and the median per side, the allocations per operation and the
// ratios of medians and of minimums, and returns ErrOverBudget when the
// ratio of medians exceeds the budget.
func Compare(ctx context.Context, out io.Writer, c Comparison, first, second Side) error {
	if c.Rounds < 5 {
		return fmt.Errorf("-rounds %d: at least 5 rounds are needed for a median", c.Rounds)
	}
	sides := []*result{{Side: first}, {Side: second}}
	var n int
	for i, s := range sides {
		t, _, err := Measure(s.Op, 20)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		if i == 0 {
			n = max(10, int(c.Round/max(t, 1)))
		}
	}

	fmt.Fprintf(out, "%s, %s, %d CPUs, %s\n", c.What, runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(out, "CPU time per signature (getrusage user+sys), %d rounds interleaved, %d signatures per round\n\n", c.Rounds, n)
	w := c.Width
	fmt.Fprintf(out, "%-7s %*s %*s %8s\n", "round", w, first.Name+" µs", w, second.Name+" µs", "ratio")
	for r := range c.Rounds {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, s := range sides {
			t, m, err := Measure(s.Op, n)
			if err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			s.perOp = append(s.perOp, Micros(t))
			s.mem = m
		}
		fmt.Fprintf(out, "%-7d %*.1f %*.1f %7.3f×\n", r+1, w, sides[0].perOp[r], w, sides[1].perOp[r], sides[0].perOp[r]/sides[1].perOp[r])
	}
	a, b := sides[0], sides[1]
	fmt.Fprintf(out, "%-7s %*.1f %*.1f %7.3f×\n", "min", w, a.min(), w, b.min(), a.min()/b.min())
	fmt.Fprintf(out, "%-7s %*.1f %*.1f %7.3f×\n", "median", w, a.median(), w, b.median(), a.median()/b.median())
	fmt.Fprintf(out, "\nper signature: %s %d allocations, %.1f KB; %s %d allocations, %.1f KB\n",
		a.Name, a.mem.Allocs, float64(a.mem.Bytes)/1000, b.Name, b.mem.Allocs, float64(b.mem.Bytes)/1000)
	ratio := a.median() / b.median()
	fmt.Fprintf(out, "ratio of medians %.3f×, of minimums %.3f×: ", ratio, a.min()/b.min())
	if ratio > c.Budget {
		fmt.Fprintf(out, "over the %.2f× budget\n", c.Budget)
		return fmt.Errorf("%w: %.3f× > %.2f×", ErrOverBudget, ratio, c.Budget)
	}
	fmt.Fprintf(out, "within the %.2f× budget\n", c.Budget)
	return nil
}

// result is a side with its per-round figures.
type result struct {
	Side
	perOp []float64 // µs of CPU time per operation, one per round
	mem   Allocs    // of the last round
}

func (r *result) min() float64 { return slices.Min(r.perOp) }

func (r *result) median() float64 { return Median(r.perOp) }
