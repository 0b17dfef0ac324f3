#!/usr/bin/env bash
# GOST R 34.10 signing and verifying: certs/gost against OpenSSL 3 with the
# GOST engine (Debian's libengine-gost-openssl), on the same keys.
#
#   bash bench/gost-sign.sh            # from any directory
#   BENCHTIME=5s bash bench/gost-sign.sh
#
# It writes the fixed keys of certs/gost/bench_sign_test.go under the
# Russian OIDs (TestWriteBenchKeys), checks that OpenSSL derives the same
# public keys, times OpenSSL with bench/gost_sign_bench.c, runs BenchmarkSign
# and BenchmarkVerify, and prints a table of µs/op with the ratio
# ours/OpenSSL. It skips (exit 0) when gcc, OpenSSL's headers or the GOST
# engine are missing. Everything is local: no network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BENCHTIME=${BENCHTIME:-2s}
secs=${BENCHTIME%s}
if ! [[ $secs =~ ^[0-9]+([.][0-9]+)?$ ]]; then
	echo "gost-sign: BENCHTIME must be a duration in seconds such as 2s, not $BENCHTIME" >&2
	exit 2
fi

skip() {
	echo "gost-sign: SKIP: $*"
	exit 0
}

command -v go >/dev/null || skip "no go on PATH"
command -v gcc >/dev/null || skip "no gcc (apt-get install gcc)"
command -v openssl >/dev/null || skip "no openssl (apt-get install openssl libengine-gost-openssl)"
if ! printf '#include <openssl/engine.h>\n#include <openssl/evp.h>\n' | gcc -E -x c - >/dev/null 2>&1; then
	skip "no OpenSSL headers (apt-get install libssl-dev)"
fi
if ! openssl engine gost >/dev/null 2>&1; then
	skip "no OpenSSL GOST engine (apt-get install libengine-gost-openssl)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name:digest bytes, as the sub-benchmarks are named.
curves=(GOST2015-512:64 GOST2004:32)

echo "== building bench/gost_sign_bench.c"
gcc -O2 -Wall -Wno-deprecated-declarations -o "$tmp/gost_sign_bench" bench/gost_sign_bench.c -lcrypto

echo "== writing the benchmark keys (certs/gost TestWriteBenchKeys)"
GOST_BENCH_KEYDIR=$tmp go test -count=1 -run '^TestWriteBenchKeys$' ./certs/gost/ >"$tmp/keys.log" 2>&1 || {
	cat "$tmp/keys.log" >&2
	exit 1
}

# The raw public key (X ‖ Y little-endian) of a PEM SubjectPublicKeyInfo:
# the last 2·size bytes of its DER.
rawpub() { # pem size
	sed '1d;$d' "$1" | base64 -d | tail -c "$((2 * $2))" | od -An -tx1 | tr -d ' \n'
}

for c in "${curves[@]}"; do
	name=${c%%:*} size=${c##*:}
	if ! openssl pkey -engine gost -in "$tmp/$name.pem" -pubout -out "$tmp/$name.openssl.pub.pem" >"$tmp/pkey.log" 2>&1; then
		echo "gost-sign: OpenSSL cannot read the $name key:" >&2
		cat "$tmp/pkey.log" >&2
		exit 1
	fi
	if [[ $(rawpub "$tmp/$name.pub.pem" "$size") != $(rawpub "$tmp/$name.openssl.pub.pem" "$size") ]]; then
		echo "gost-sign: OpenSSL derives another public key than certs/gost for $name" >&2
		exit 1
	fi
	head -c "$size" /dev/urandom >"$tmp/$name.digest"
done

declare -A theirs ours
for c in "${curves[@]}"; do
	name=${c%%:*}
	echo "== OpenSSL $name (${secs}s per operation)"
	"$tmp/gost_sign_bench" "$tmp/$name.pem" "$tmp/$name.digest" "$secs" | tee "$tmp/$name.openssl"
	theirs[sign,$name]=$(awk '$1 == "sign" { print $(NF-1) }' "$tmp/$name.openssl")
	theirs[verify,$name]=$(awk '$1 == "verify" { print $(NF-1) }' "$tmp/$name.openssl")
done

echo "== certs/gost: go test -run '^\$' -bench 'Benchmark(Sign|Verify)' -benchtime $BENCHTIME ./certs/gost/"
go test -run '^$' -bench 'Benchmark(Sign|Verify)' -benchtime "$BENCHTIME" ./certs/gost/ | tee "$tmp/go.bench"

for op in sign verify; do
	Op=${op^}
	for c in "${curves[@]}"; do
		name=${c%%:*}
		# BenchmarkSign/GOST2015-512-2: the -N GOMAXPROCS suffix is absent
		# when it is 1, so the name is matched whole.
		ours[$op,$name]=$(awk -v want="Benchmark$Op/$name" '
			{ n = $1; sub(/-[0-9]+$/, "", n) }
			($1 == want || n == want) {
				for (i = 2; i <= NF; i++) if ($i == "ns/op") { printf "%.2f\n", $(i-1) / 1000; exit }
			}' "$tmp/go.bench")
	done
done

echo
echo "== $(date -u +%Y-%m-%d) on $(nproc) cores, $(openssl version | cut -d' ' -f1-2), $(go version | cut -d' ' -f3)"
printf '%-9s %-14s %14s %16s %10s\n' operation curve 'ours µs/op' 'OpenSSL µs/op' ours/OSSL
slow=0
for op in sign verify; do
	for c in "${curves[@]}"; do
		name=${c%%:*}
		o=${ours[$op,$name]:-} t=${theirs[$op,$name]:-}
		if [[ -z $o || -z $t ]]; then
			echo "gost-sign: no figure for $op $name (ours '$o', OpenSSL '$t')" >&2
			exit 1
		fi
		ratio=$(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", o / t }')
		mark=
		if awk -v r="$ratio" 'BEGIN { exit !(r > 2) }'; then
			mark='  > 2× slower'
			slow=1
		fi
		printf '%-9s %-14s %14s %16s %9s×%s\n' "$op" "$name" "$o" "$t" "$ratio" "$mark"
	done
done
if ((slow)); then
	echo
	echo "certs/gost is more than 2× slower than OpenSSL's GOST engine where marked."
fi
