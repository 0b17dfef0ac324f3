#!/usr/bin/env bash
# CMS SignedData signing and verifying: package cms beside OpenSSL 3 on the
# same RSA-2048 key (the committed fixture individual signing key), the
# same content (4 KB) and the same CMS, measured so that the comparison
# holds on a shared machine:
#
#   - like with like: OpenSSL's side is bench/cms_bench.c, a loop over the
#     libcrypto calls `openssl cms -sign|-verify` makes (CMS_sign + i2d;
#     d2i + CMS_verify), N operations per process, so that no process
#     start-up is counted; ours is bench/cmsbench, a loop over cms.Sign and
#     cms.Verify; both verify the same bytes (the CMS cms.Sign made), and
#     the RSA signature alone (rsa-sign) is measured on both sides too;
#   - the two alternate round by round (OpenSSL round 1, ours round 1,
#     OpenSSL round 2, …; ROUNDS rounds, at least 5), the same N per round,
#     sized so that an OpenSSL round takes about ROUNDTIME of CPU;
#   - a round is timed in CPU time of its process (clock_gettime
#     CLOCK_PROCESS_CPUTIME_ID there, getrusage here: user and system, every
#     thread), not wall time; ours from a collected heap to a collected heap;
#   - it prints every round, then per operation the minimum and the median
#     of both sides and the ratios ours/OpenSSL, with our allocations;
#   - separately, what the openssl command costs as one process per
#     operation (PROC processes per round and command, each child's CPU
#     time as the kernel accounts it), with `openssl version` for the
#     start-up alone: what a program that shells out to openssl pays.
#
#   bash bench/cms.sh                               # from any directory
#   ROUNDS=9 ROUNDTIME=1s PROC=50 bash bench/cms.sh
#
# It skips (exit 0) when gcc, OpenSSL's headers or openssl are missing.
# Everything is local: no network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-7}
ROUNDTIME=${ROUNDTIME:-0.5s}
PROC=${PROC:-20}
if ! [[ $ROUNDS =~ ^[0-9]+$ ]] || ((ROUNDS < 5)); then
	echo "cms: ROUNDS must be a whole number of at least 5 (min and median need them), not $ROUNDS" >&2
	exit 2
fi

skip() {
	echo "cms: SKIP: $*"
	exit 0
}

command -v go >/dev/null || skip "no go on PATH"
command -v gcc >/dev/null || skip "no gcc (apt-get install gcc)"
command -v openssl >/dev/null || skip "no openssl (apt-get install openssl)"
if ! printf '#include <openssl/cms.h>\n' | gcc -E -x c - >/dev/null 2>&1; then
	skip "no OpenSSL headers (apt-get install libssl-dev)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== this working tree ($(git log -1 --format=%h 2>/dev/null || echo 'no git')$(git diff --quiet HEAD -- cms certs 2>/dev/null || echo ' with changes in cms or certs'))"
echo "== building bench/cms_bench.c and bench/cmsbench"
gcc -O2 -Wall -o "$tmp/cms_bench" bench/cms_bench.c -lcrypto
go build -o "$tmp/cmsbench" ./bench/cmsbench
"$tmp/cmsbench" -harness "$tmp/cms_bench" -rounds "$ROUNDS" -round "$ROUNDTIME" -proc "$PROC"
