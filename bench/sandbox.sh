#!/usr/bin/env bash
# The sandbox on SQLite: `esf mock serve --state FILE` with the binary's
# default flags, driven by `esf mock load` (complete registrations and
# SOAP session cycles), measured so that the figures hold on a shared
# machine:
#
#   - two sandboxes run side by side: one empty, one populated with
#     ACCOUNTS accounts (esf mock populate); the rounds alternate between
#     them (empty round 1, full round 1, full round 2, empty round 2, …),
#     ROUNDS rounds (at least 5), after one warm-up run of each flow on
#     each side that is not counted (a fresh process fills its caches —
#     parsed and verified certificates, SQLite's pages, the heap — in its
#     first requests);
#   - the figure is the mock's CPU time per flow (utime+stime of the mock's
#     process over the timed phase, from /proc, esf mock load
#     --server-pid), and the capacity it implies on this machine's cores:
#     cores / CPU per flow; the client's own CPU is not counted;
#   - p99 is of single HTTP requests (req_p99_ms) as C concurrent clients
#     see them, the clients running on the same cores (flow p99 beside);
#   - it prints each round, then the minimum and the median per side and
#     flow, and the start-up time and RSS of the full sandbox.
#
#   bash bench/sandbox.sh
#   ROUNDS=7 ACCOUNTS=100000 C=32 bash bench/sandbox.sh
#   REV=4c4cff9 bash bench/sandbox.sh   # this tree beside the build of REV
#
# With REV, the mock built from git revision REV serves two more
# sandboxes (base-empty, base-full), populated alike, and every round
# runs all four in an order that alternates between the builds, so that
# a before/after comparison holds even while the machine's speed drifts;
# the same load generator (this tree's) drives them all, and the summary
# gives this build's CPU per flow over REV's.
#
# Everything is on loopback: no network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-7}
ACCOUNTS=${ACCOUNTS:-100000}
C=${C:-32}
NSESS=${NSESS:-2000}
NREG=${NREG:-300}
CORES=$(nproc)

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/esf" ./cmd/esf
esf=$tmp/esf
REV=${REV:-}
if [[ -n $REV ]]; then
	mkdir "$tmp/base"
	git archive "$REV" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go build -o "$tmp/esf-base" ./cmd/esf)
fi

# serve NAME [BINARY]: starts a sandbox on DB $tmp/NAME.db; sets url_NAME,
# pid_NAME.
serve() {
	local name=$1 bin=${2:-$esf} start end
	start=$(date +%s.%N)
	"$bin" mock serve --addr 127.0.0.1:0 --state "$tmp/$name.db" --log-level error >"$tmp/$name.out" 2>"$tmp/$name.err" &
	local pid=$!
	pids+=("$pid")
	until grep -q '^listening on' "$tmp/$name.out" 2>/dev/null; do
		kill -0 "$pid" || { cat "$tmp/$name.err"; exit 1; }
		sleep 0.01
	done
	end=$(date +%s.%N)
	printf -v "url_$name" '%s' "$(sed -n 's/^listening on //p' "$tmp/$name.out")"
	printf -v "pid_$name" '%s' "$pid"
	printf -v "startup_$name" '%s' "$(echo "$end - $start" | bc)"
}

rss() { awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/$1/status"; }

sides="empty full"
serve empty
serve full
if [[ -n $REV ]]; then
	sides="empty full base_empty base_full"
	serve base_empty "$tmp/esf-base"
	serve base_full "$tmp/esf-base"
fi
for full in full ${REV:+base_full}; do
	url=url_$full
	echo "== populating $full with $ACCOUNTS accounts"
	"$esf" mock populate --url "${!url}" --accounts "$ACCOUNTS" >"$tmp/populate.json"
	cat "$tmp/populate.json"
done
# Restart the full sandbox: its start-up with ACCOUNTS accounts.
kill "$pid_full"; wait "$pid_full" 2>/dev/null || true
serve full
echo "start-up with $ACCOUNTS accounts: ${startup_full} s (listening line after exec), RSS $(rss "$pid_full")"
if [[ -n $REV ]]; then
	kill "$pid_base_full"; wait "$pid_base_full" 2>/dev/null || true
	serve base_full "$tmp/esf-base"
	echo "$REV: start-up with $ACCOUNTS accounts: ${startup_base_full} s, RSS $(rss "$pid_base_full")"
fi

run() { # side flow n
	local side=$1 flow=$2 n=$3 url pid
	url=url_$side; pid=pid_$side
	"$esf" mock load --url "${!url}" --flow "$flow" --n "$n" --c "$C" --server-pid "${!pid}" 2>>"$tmp/load.err" |
		python3 -c "import json,sys; r=json.load(sys.stdin); print('$side', '$flow', r['server_cpu_ms_per_flow'], r['req_p99_ms'], r['per_second'], r['errors'], r['p99_ms'])"
}

echo "== warm-up (not counted)"
for side in $sides; do
	run "$side" session $((NSESS / 4)) >/dev/null
	run "$side" registration $((NREG / 4)) >/dev/null
done

for ((i = 1; i <= ROUNDS; i++)); do
	if ((i % 2)); then order="empty full"; else order="full empty"; fi
	if [[ -n $REV ]]; then
		if ((i % 2)); then order="empty base_empty base_full full"; else order="base_full full empty base_empty"; fi
	fi
	for side in $order; do
		run "$side" session "$NSESS"
		run "$side" registration "$NREG"
	done
done | tee "$tmp/rounds.txt"

echo "RSS after the rounds: empty $(rss "$pid_empty"), full $(rss "$pid_full"); database files: empty $(du -sh "$tmp/empty.db"* | awk '{s=s $1 " "} END {print s}'), full $(du -sh "$tmp/full.db"* | awk '{s=s $1 " "} END {print s}')"
python3 - "$tmp/rounds.txt" "$CORES" "$sides" "$REV" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
cores = int(sys.argv[2]); sides = sys.argv[3].split(); rev = sys.argv[4]
print(f"{'side':10} {'flow':13} {'CPU ms/flow min':>15} {'median':>8} {'capacity/s (median)':>20} {'request p99 ms':>15} {'flow p99 ms':>12} {'errors':>7}")
med = {}; mins = {}
for side in sides:
    for flow in ("session", "registration"):
        r = [x for x in rows if x[0] == side and x[1] == flow]
        cpu = [float(x[2]) for x in r]; p99 = [float(x[3]) for x in r]; fp99 = [float(x[6]) for x in r]; errs = sum(int(x[5]) for x in r)
        m = statistics.median(cpu); med[side, flow] = m; mins[side, flow] = min(cpu)
        print(f"{side:10} {flow:13} {min(cpu):15.3f} {m:8.3f} {cores*1000/m:20.0f} {statistics.median(p99):15.1f} {statistics.median(fp99):12.1f} {errs:7d}")
for flow in ("session", "registration"):
    print(f"{flow}: full/empty capacity ratio (medians) {med['empty', flow]/med['full', flow]:.2f}")
if rev:
    for side in ("empty", "full"):
        for flow in ("session", "registration"):
            print(f"{side} {flow}: CPU per flow, this tree / {rev}: median {med[side, flow]/med['base_'+side, flow]:.3f}, min {mins[side, flow]/mins['base_'+side, flow]:.3f}")
PY
