// Package cpu is what the benchmark programs under bench/ measure with:
// the process's CPU time, operations timed in CPU time with their
// allocations, and the median of rounds.
package cpu

import (
	"fmt"
	"runtime"
	"slices"
	"syscall"
	"time"
)

// Time is the CPU time the process has used so far, user and system,
// over all its threads.
func Time() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// Allocs are the allocations per operation.
type Allocs struct{ Allocs, Bytes uint64 }

// Measure runs op n times and returns the CPU time per call and the
// allocations per call. The heap is collected before the clock starts and
// again before it stops, so the round pays for its own garbage.
func Measure(op func() error, n int) (time.Duration, Allocs, error) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	c0, err := Time()
	if err != nil {
		return 0, Allocs{}, err
	}
	for range n {
		if err := op(); err != nil {
			return 0, Allocs{}, err
		}
	}
	runtime.GC()
	c1, err := Time()
	if err != nil {
		return 0, Allocs{}, err
	}
	runtime.ReadMemStats(&m1)
	per := Allocs{(m1.Mallocs - m0.Mallocs) / uint64(n), (m1.TotalAlloc - m0.TotalAlloc) / uint64(n)}
	return (c1 - c0) / time.Duration(n), per, nil
}

// Median of xs (the mean of the middle two when their number is even).
func Median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Micros is d in microseconds.
func Micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
