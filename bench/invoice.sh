#!/usr/bin/env bash
# The mock's invoice services on SQLite, measured so that the figures hold
# on a shared machine (as sandbox.sh measures the sandbox):
#
#   - one sandbox, `esf mock serve --state FILE` with the binary's default
#     flags, driven by `esf mock load --flow invoice --alg gost`: C sellers
#     upload invoices signed with GOST 2015 keys (signed before the timed
#     phase) and poll queryInvoiceSummaryById until each has its
#     registration number — the upload, the processing step (certificate,
#     signature, register, VAT) and the polls;
#   - rounds alternate one invoice per syncInvoice and BATCH per call
#     (1, B, B, 1, …), ROUNDS rounds (at least 5) of N invoices each;
#   - the figure is the mock's CPU time per invoice registered (utime +
#     stime of its process over the timed phase, from /proc, esf mock load
#     --server-pid) and the capacity it gives this machine's cores: cores /
#     CPU per invoice. The load generator runs on the same cores; its own
#     CPU is not counted;
#   - then queryUpdates's cost per page over EVENTS events (100,000), by
#     tenth of the feed (TestInvoiceUpdatesPagingCost: SQLite, 100 a page).
#
#   bash bench/invoice.sh
#   ROUNDS=7 N=3000 C=16 BATCH=10 EVENTS=100000 bash bench/invoice.sh
#
# Everything is on loopback: no network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-5}
N=${N:-2000}
C=${C:-16}
BATCH=${BATCH:-10}
EVENTS=${EVENTS:-100000}
CORES=$(nproc)

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

export GOFLAGS=${GOFLAGS:--buildvcs=false}
go build -o "$tmp/esf" ./cmd/esf
esf=$tmp/esf

"$esf" mock serve --addr 127.0.0.1:0 --state "$tmp/mock.db" --log-level error >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
until grep -q '^listening on' "$tmp/serve.out" 2>/dev/null; do
	kill -0 "$pid" || { cat "$tmp/serve.err"; exit 1; }
	sleep 0.01
done
url=$(sed -n 's/^listening on //p' "$tmp/serve.out")

run() { # batch
	local b=$1
	"$esf" mock load --url "$url" --flow invoice --alg gost --batch "$b" --n $((N / b)) --c "$C" --server-pid "$pid" 2>>"$tmp/load.err" |
		python3 -c "import json,sys; r=json.load(sys.stdin); print($b, r['server_cpu_ms_per_invoice'], r['invoices']/r['elapsed_s'], r['req_p99_ms'], r['p99_ms'], r['errors'])"
}

echo "== $ROUNDS rounds of $N invoices, $C sellers at once, batches of 1 and $BATCH"
for ((i = 1; i <= ROUNDS; i++)); do
	if ((i % 2)); then order="1 $BATCH"; else order="$BATCH 1"; fi
	for b in $order; do run "$b"; done
done | tee "$tmp/rounds.txt"

echo "database: $(du -sh "$tmp/mock.db"* | awk '{s=s $1 " "} END {print s}'), mock RSS $(awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/$pid/status")"
python3 - "$tmp/rounds.txt" "$CORES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
cores = int(sys.argv[2])
print(f"{'batch':>5} {'CPU ms/invoice min':>18} {'median':>7} {'capacity/s (median)':>20} {'client-observed/s':>18} {'request p99 ms':>15} {'flow p99 ms':>12} {'errors':>7}")
for b in sorted({r[0] for r in rows}, key=int):
    r = [x for x in rows if x[0] == b]
    cpu = [float(x[1]) for x in r]
    m = statistics.median(cpu)
    print(f"{b:>5} {min(cpu):18.2f} {m:7.2f} {cores*1000/m:20.0f} {statistics.median(float(x[2]) for x in r):18.0f} "
          f"{statistics.median(float(x[3]) for x in r):15.1f} {statistics.median(float(x[4]) for x in r):12.1f} {sum(int(x[5]) for x in r):7d}")
PY

echo "== queryUpdates over $EVENTS events"
ESF_BENCH_EVENTS=$EVENTS go test -count=1 -run '^TestInvoiceUpdatesPagingCost$' -v ./mockserver/ | grep -E 'events|PASS|FAIL'
