#!/usr/bin/env bash
# agreement.Sign against the RSA signature it wraps: rsa.SignPKCS1v15 of a
# SHA-256 digest with the same RSA-2048 key (the committed fixture
# individual signing key), by bench/agreementsign, measured so that the
# comparison holds on a shared machine:
#
#   - the two alternate round by round in one process: agreement.Sign
#     round 1, rsa.SignPKCS1v15 round 1, agreement.Sign round 2, …
#     (ROUNDS rounds, at least 5), the same number of signatures in each,
#     sized so that an agreement.Sign round takes about ROUNDTIME of CPU;
#   - a round is timed in CPU time of the process (getrusage: user and
#     system, every thread, so the garbage collector's work counts), not
#     wall time, from a collected heap to a collected heap;
#   - it prints each round, the minimum and the median per side, the
#     ratios of the medians and of the minimums, and the allocations per
#     signature, and fails (exit 1) when the ratio of the medians exceeds
#     BUDGET (1.15: agreement.Sign may cost at most 15% more than the RSA
#     signature alone).
#
#   bash bench/agreement-sign.sh                    # this working tree
#   REV=94627ef bash bench/agreement-sign.sh        # a commit, with this driver
#   ROUNDS=9 ROUNDTIME=1s bash bench/agreement-sign.sh
#
# Everything is local: no network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-7}
ROUNDTIME=${ROUNDTIME:-0.5s}
BUDGET=${BUDGET:-1.15}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

src=.
if [[ -n ${REV:-} ]]; then
	# The commit's agreement and xmlsig, timed by this tree's driver.
	mkdir -p "$tmp/src"
	git archive "$REV" | tar -x -C "$tmp/src"
	mkdir -p "$tmp/src/bench/agreementsign"
	cp bench/agreementsign/main.go "$tmp/src/bench/agreementsign/"
	# The driver measures with bench/internal: this tree's, too.
	rm -rf "$tmp/src/bench/internal" && cp -r bench/internal "$tmp/src/bench/"
	src=$tmp/src
	echo "== $(git log -1 --format='%h %s' "$REV" | cut -c1-72)"
else
	echo "== this working tree ($(git log -1 --format=%h 2>/dev/null || echo 'no git')$(git diff --quiet HEAD -- agreement xmlsig 2>/dev/null || echo ' with changes in agreement or xmlsig'))"
fi
(cd "$src" && go build -o "$tmp/agreementsign" ./bench/agreementsign)
"$tmp/agreementsign" -rounds "$ROUNDS" -round "$ROUNDTIME" -budget "$BUDGET"
