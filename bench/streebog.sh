#!/usr/bin/env bash
# Compares the speed of our Streebog-512 (certs/gost, New512) with Debian's
# gost12sum -l on the same random file (64 MiB by default). Both are timed
# the same way: wall time of one process that reads the file in 64 KiB
# pieces and hashes it, start-up included; runs alternate between the two
# tools and the best of 3 of each counts. Prints both rates in MB/s (10^6
# bytes per second, as `go test -bench` does) and their ratio, after
# checking that the digests agree.
#
# Needs gost12sum (Debian package gostsum); without it the script says so
# and exits 0. Uses no network (GOTOOLCHAIN=local; only the standard library
# and this module are built).
#
# Usage: bench/streebog.sh [size-in-MiB]
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export GOTOOLCHAIN=local

if ! command -v gost12sum >/dev/null 2>&1; then
  echo "bench/streebog.sh: gost12sum not found (apt-get install gostsum); skipping"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "bench/streebog.sh: go not found; skipping"
  exit 0
fi

mib=${1:-64}
bytes=$((mib * 1024 * 1024))
runs=3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
file="$tmp/data.bin"
head -c "$bytes" /dev/urandom >"$file"

# The Go side: a gost12sum -l look-alike on certs/gost.New512.
cat >"$tmp/main.go" <<'GO'
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/esfkit/esf/certs/gost"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	h := gost.New512()
	if _, err := io.CopyBuffer(h, f, make([]byte, 64<<10)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%x %s\n", h.Sum(nil), os.Args[1])
}
GO
go build -o "$tmp/streebogsum" "$tmp/main.go"

# timed CMD... runs CMD, leaves its first output word in $digest and its
# wall time in nanoseconds in $ns.
timed() {
  local t0 t1 out
  t0=$(date +%s%N)
  out=$("$@")
  t1=$(date +%s%N)
  digest=${out%% *}
  ns=$((t1 - t0))
}

cat "$file" >/dev/null # warm the page cache
gost_ns= our_ns= gost_digest= our_digest=
for _ in $(seq "$runs"); do
  timed gost12sum -l "$file"
  gost_digest=$digest
  if [ -z "$gost_ns" ] || [ "$ns" -lt "$gost_ns" ]; then gost_ns=$ns; fi
  timed "$tmp/streebogsum" "$file"
  our_digest=$digest
  if [ -z "$our_ns" ] || [ "$ns" -lt "$our_ns" ]; then our_ns=$ns; fi
done

if [ "$our_digest" != "$gost_digest" ]; then
  echo "bench/streebog.sh: digests differ!" >&2
  echo "  gost12sum -l: $gost_digest" >&2
  echo "  ours:         $our_digest" >&2
  exit 1
fi

awk -v b="$bytes" -v g="$gost_ns" -v o="$our_ns" -v mib="$mib" -v runs="$runs" 'BEGIN {
  gr = b / (g / 1e9) / 1e6
  orr = b / (o / 1e9) / 1e6
  printf "Streebog-512 of %d MiB, best of %d runs each (digests agree)\n", mib, runs
  printf "  gost12sum -l    : %7.1f MB/s (%.3f s)\n", gr, g / 1e9
  printf "  certs/gost New512: %7.1f MB/s (%.3f s)\n", orr, o / 1e9
  printf "  ratio ours/gost12sum: %.2f\n", orr / gr
}'
