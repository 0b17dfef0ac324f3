#!/usr/bin/env bash
# Building and signing one invoice against the bare GOST signature of its
# bytes: an invoice.Invoice built, Marshal and invoice.Sign (Streebog-512,
# GOST R 34.10-2015 512-bit, base64) against gost.Sum512 and
# PrivateKey.Sign of the same body with the same key (the committed
# fixture's company head), by bench/invoicebench, measured so that the
# comparison holds on a shared machine:
#
#   - the two alternate round by round in one process: build+sign round 1,
#     bare GOST round 1, build+sign round 2, … (ROUNDS rounds, at least 5),
#     the same number of signatures in each, sized so that a build+sign
#     round takes about ROUNDTIME of CPU;
#   - a round is timed in CPU time of the process (getrusage: user and
#     system, every thread, so the garbage collector's work counts), not
#     wall time, from a collected heap to a collected heap;
#   - it prints each round, the minimum and the median per side, the
#     ratios of the medians and of the minimums, and the allocations per
#     signature, and fails (exit 1) when the ratio of the medians exceeds
#     BUDGET (1.3, issue 14: building + signing one invoice costs at most
#     1.3× the bare GOST signature of its bytes);
#   - it runs twice: the invoice of docs/esf-invoice-api.md §2.4 (one
#     product line) and one of LINES product lines (100).
#
#   bash bench/invoice-sign.sh                    # this working tree
#   REV=7964959 bash bench/invoice-sign.sh        # a commit, with this driver
#   ROUNDS=9 ROUNDTIME=1s LINES=500 bash bench/invoice-sign.sh
#
# Everything is local: no network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-7}
ROUNDTIME=${ROUNDTIME:-0.5s}
BUDGET=${BUDGET:-1.3}
LINES=${LINES:-100}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

src=.
if [[ -n ${REV:-} ]]; then
	# The commit's invoice package, timed by this tree's driver.
	mkdir -p "$tmp/src"
	git archive "$REV" | tar -x -C "$tmp/src"
	mkdir -p "$tmp/src/bench/invoicebench"
	cp bench/invoicebench/main.go "$tmp/src/bench/invoicebench/"
	# The driver measures with bench/internal: this tree's, too.
	rm -rf "$tmp/src/bench/internal" && cp -r bench/internal "$tmp/src/bench/"
	src=$tmp/src
	echo "== $(git log -1 --format='%h %s' "$REV" | cut -c1-72)"
else
	echo "== this working tree ($(git log -1 --format=%h 2>/dev/null || echo 'no git')$(git diff --quiet HEAD -- invoice certs 2>/dev/null || echo ' with changes in invoice or certs'))"
fi
(cd "$src" && go build -o "$tmp/invoicebench" ./bench/invoicebench)
status=0
"$tmp/invoicebench" -rounds "$ROUNDS" -round "$ROUNDTIME" -budget "$BUDGET" -lines 1 || status=$?
echo
"$tmp/invoicebench" -rounds "$ROUNDS" -round "$ROUNDTIME" -budget "$BUDGET" -lines "$LINES" || status=$?
exit "$status"
