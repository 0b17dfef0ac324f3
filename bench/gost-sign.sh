#!/usr/bin/env bash
# GOST R 34.10 signing and verifying: certs/gost against OpenSSL 3 with the
# GOST engine (Debian's libengine-gost-openssl), on the same keys and
# digest, measured so that the comparison holds on a shared machine:
#
#   - the two sides alternate round by round: OpenSSL round 1, ours round 1,
#     OpenSSL round 2, ours round 2, … (ROUNDS rounds, at least 5), for each
#     curve and operation, so that a burst of other work hits both sides;
#   - a round is one process that times N operations, after a warm-up, in
#     CPU time of the process (bench/gost_sign_bench.c: clock_gettime
#     CLOCK_PROCESS_CPUTIME_ID; bench/gostsign: getrusage), not wall time;
#     N is the same for both sides, sized so that an OpenSSL round takes
#     about ROUNDTIME seconds of CPU;
#   - it prints the minimum and the median per side, and the ratios
#     ours/OpenSSL of the medians and of the minimums.
#
#   bash bench/gost-sign.sh                      # from any directory
#   ROUNDS=9 ROUNDTIME=1 bash bench/gost-sign.sh # more and longer rounds
#
# It writes the fixed keys of certs/gost/bench_sign_test.go under the
# Russian OIDs (TestWriteBenchKeys) and checks that OpenSSL and bench/gostsign
# derive the same public keys from them. It skips (exit 0) when gcc,
# OpenSSL's headers or the GOST engine are missing. Everything is local:
# no network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-7}
ROUNDTIME=${ROUNDTIME:-0.5}
if ! [[ $ROUNDS =~ ^[0-9]+$ ]] || ((ROUNDS < 5)); then
	echo "gost-sign: ROUNDS must be a whole number of at least 5 (min and median need them), not $ROUNDS" >&2
	exit 2
fi
if ! [[ $ROUNDTIME =~ ^[0-9]+([.][0-9]+)?$ ]]; then
	echo "gost-sign: ROUNDTIME must be seconds such as 0.5, not $ROUNDTIME" >&2
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

# name:digest bytes.
curves=(GOST2015-512:64 GOST2004:32)
ops=(sign verify)

echo "== building bench/gost_sign_bench.c and bench/gostsign"
gcc -O2 -Wall -Wno-deprecated-declarations -o "$tmp/gost_sign_bench" bench/gost_sign_bench.c -lcrypto
go build -o "$tmp/gostsign" ./bench/gostsign

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

# One round: prints the µs/op of the last field but one of the harness's line.
openssl_round() { # name op n
	"$tmp/gost_sign_bench" "$tmp/$1.pem" "$tmp/$1.digest" "$2" "$3" | awk '{ print $(NF-1) }'
}
ours_round() { # name op n
	"$tmp/gostsign" -curve "$1" -key "$tmp/$1.pem" -pub "$tmp/$1.pub.pem" -digest "$tmp/$1.digest" -op "$2" -n "$3" |
		awk '{ print $(NF-1) }'
}

# N per curve and operation: an OpenSSL round of about ROUNDTIME CPU seconds
# (gostsign checks the key and a signature before timing, in this call too).
declare -A n theirs ours
for c in "${curves[@]}"; do
	name=${c%%:*}
	for op in "${ops[@]}"; do
		ours_round "$name" "$op" 10 >/dev/null
		us=$(openssl_round "$name" "$op" 200)
		n[$op,$name]=$(awk -v us="$us" -v t="$ROUNDTIME" 'BEGIN { k = int(t * 1e6 / us); print (k < 20 ? 20 : k) }')
	done
done

echo "== $ROUNDS rounds, OpenSSL then ours in each, CPU time per operation in µs"
for ((r = 1; r <= ROUNDS; r++)); do
	line="round $r:"
	for c in "${curves[@]}"; do
		name=${c%%:*}
		for op in "${ops[@]}"; do
			t=$(openssl_round "$name" "$op" "${n[$op,$name]}")
			o=$(ours_round "$name" "$op" "${n[$op,$name]}")
			theirs[$op,$name]+=" $t"
			ours[$op,$name]+=" $o"
			line+=" $op $name $t/$o"
		done
	done
	echo "$line"
done

# stats prints the minimum and the median of its arguments.
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f\n", v[1], m
	}'
}

echo
echo "== $(date -u +%Y-%m-%d), $(nproc) cores, $(openssl version | cut -d' ' -f1-2), $(go version | cut -d' ' -f3), $ROUNDS rounds"
echo "CPU time per operation, µs (min / median); ratio ours/OpenSSL of the medians and of the minimums"
printf '%-7s %-13s %8s %8s %9s %9s %8s %8s\n' op curve 'ours min' 'ours med' 'OSSL min' 'OSSL med' 'med ×' 'min ×'
slow=0
for op in "${ops[@]}"; do
	for c in "${curves[@]}"; do
		name=${c%%:*}
		# shellcheck disable=SC2086 # the lists are space-separated numbers
		read -r omin omed < <(stats ${ours[$op,$name]})
		# shellcheck disable=SC2086
		read -r tmin tmed < <(stats ${theirs[$op,$name]})
		read -r rmed rmin < <(awk -v a="$omed" -v b="$tmed" -v c="$omin" -v d="$tmin" 'BEGIN { printf "%.2f %.2f\n", a / b, c / d }')
		mark=
		if awk -v r="$rmed" 'BEGIN { exit !(r > 2) }'; then
			mark='  > 2× slower'
			slow=1
		fi
		printf '%-7s %-13s %8s %8s %9s %9s %7s× %7s×%s\n' "$op" "$name" "$omin" "$omed" "$tmin" "$tmed" "$rmed" "$rmin" "$mark"
	done
done
if ((slow)); then
	echo
	echo "certs/gost is more than 2× slower than OpenSSL's GOST engine where marked (ratio of medians)."
fi
