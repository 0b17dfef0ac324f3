#!/usr/bin/env bash
# Compares the speed of our Streebog-512 (certs/gost, New512) with Debian's
# gost12sum -l on the same random file (64 MiB by default), measured so that
# the comparison holds on a shared machine:
#
#   - the two alternate round by round: gost12sum round 1, ours round 1,
#     gost12sum round 2, … (ROUNDS rounds, at least 5);
#   - a round is one process that reads the file and hashes it, start-up
#     included (ours reads 64 KiB at a time), timed in CPU time, user and
#     system (bash's time: getrusage of the child), not wall time;
#   - it prints the minimum and the median per side in CPU seconds and in
#     MB per CPU second (10^6 bytes, as go test -bench counts), and the
#     ratios ours/gost12sum of the median and of the minimum CPU times
#     (above 1: ours is slower), after checking that the digests agree.
#
# Needs gost12sum (Debian package gostsum); without it the script says so
# and exits 0. Uses no network (GOTOOLCHAIN=local; only the standard library
# and this module are built).
#
# Usage: [ROUNDS=7] bench/streebog.sh [size-in-MiB]
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
rounds=${ROUNDS:-7}
if ! [[ $mib =~ ^[0-9]+$ ]] || ((mib < 1)); then
  echo "bench/streebog.sh: the size must be a whole number of MiB, not $mib" >&2
  exit 2
fi
if ! [[ $rounds =~ ^[0-9]+$ ]] || ((rounds < 5)); then
  echo "bench/streebog.sh: ROUNDS must be a whole number of at least 5, not $rounds" >&2
  exit 2
fi
bytes=$((mib * 1024 * 1024))

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

# cputime CMD... runs CMD, leaves its first output word in $digest and the
# CPU time it used (user + system, milliseconds) in $ms.
cputime() {
  local TIMEFORMAT='%3U %3S' t
  t=$({ time "$@" >"$tmp/out"; } 2>&1)
  digest=$(cut -d' ' -f1 "$tmp/out")
  ms=$(awk -v t="$t" 'BEGIN { split(t, f, " "); printf "%d\n", (f[1] + f[2]) * 1000 + 0.5 }')
}

cat "$file" >/dev/null # warm the page cache
gost_ms=() our_ms=()
gost_digest= our_digest=
for ((r = 1; r <= rounds; r++)); do
  cputime gost12sum -l "$file"
  gost_digest=$digest gost_ms+=("$ms")
  cputime "$tmp/streebogsum" "$file"
  our_digest=$digest our_ms+=("$ms")
  echo "round $r: gost12sum ${gost_ms[-1]} ms, ours ${our_ms[-1]} ms (CPU)"
done

if [ "$our_digest" != "$gost_digest" ]; then
  echo "bench/streebog.sh: digests differ!" >&2
  echo "  gost12sum -l: $gost_digest" >&2
  echo "  ours:         $our_digest" >&2
  exit 1
fi

# stats prints the minimum and the median of its arguments.
stats() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print v[1], m
  }'
}
read -r gmin gmed < <(stats "${gost_ms[@]}")
read -r omin omed < <(stats "${our_ms[@]}")

awk -v b="$bytes" -v gmin="$gmin" -v gmed="$gmed" -v omin="$omin" -v omed="$omed" -v mib="$mib" -v rounds="$rounds" \
  -v date="$(date -u +%Y-%m-%d)" -v cores="$(nproc)" 'BEGIN {
  printf "\n== %s, %d cores: Streebog-512 of %d MiB, %d rounds each, interleaved (digests agree)\n", date, cores, mib, rounds
  printf "CPU time per file, min / median, and MB per CPU second at those times\n"
  printf "  gost12sum -l     : %5d / %5d ms  %6.1f / %6.1f MB/s\n", gmin, gmed, b / gmin / 1e3, b / gmed / 1e3
  printf "  certs/gost New512: %5d / %5d ms  %6.1f / %6.1f MB/s\n", omin, omed, b / omin / 1e3, b / omed / 1e3
  printf "  CPU time ours/gost12sum: %.2f (medians), %.2f (minimums); above 1, ours is slower\n", omed / gmed, omin / gmin
}'
