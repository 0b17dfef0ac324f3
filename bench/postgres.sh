#!/usr/bin/env bash
# Replicas of the mock on one PostgreSQL: `esf mock serve --db URL` with
# the binary's defaults, REPLICAS of them (2) over one database of a
# throwaway cluster, driven by `esf mock load` (SOAP session cycles and
# complete registrations), one load generator per replica running at
# once with C/REPLICAS clients each, ROUNDS rounds (7) after a warm-up run
# of each flow that is not counted.
#
#   bash bench/postgres.sh
#   ROUNDS=5 REPLICAS=2 C=16 NSESS=1000 NREG=200 bash bench/postgres.sh
#
# The figure is CPU time per flow, split in the mocks' (utime+stime of
# their processes) and the database's (every process of the cluster:
# the postmaster, its backends, its background workers), over the timed
# phase, from /proc; and the capacity that total implies on this
# machine's cores (cores / CPU per flow). Also per round: the
# serialization failures per flow that Update retried (ERROR lines of
# the cluster's log), and the request p99 as the slowest load generator
# saw it. All of it runs on the same cores, load generators included.
#
# The cluster: initdb into a temporary folder (as the user postgres when
# run as root, since PostgreSQL refuses root), a unix socket there and no
# TCP, synchronous_commit=off (a commit is not flushed before it is
# acknowledged: what SQLite's synchronous=NORMAL does, and the sandbox's
# default; a crash of the mock loses nothing either way), the rest of
# the settings Debian's defaults. Without initdb it says what to install
# and exits 0. Everything is on loopback.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-7}
REPLICAS=${REPLICAS:-2}
C=${C:-16}
NSESS=${NSESS:-1000}
NREG=${NREG:-200}
CORES=$(nproc)

bindir=""
if command -v initdb >/dev/null; then
	bindir=$(dirname "$(readlink -f "$(command -v initdb)")")
else
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/initdb ]] && bindir=$d
	done
fi
if [[ -z $bindir || ! -x $bindir/pg_ctl ]]; then
	echo "postgres.sh: no initdb and pg_ctl (Debian: apt-get install postgresql); skipped"
	exit 0
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
as_pg() { # runs a command as the cluster's owner
	if ((EUID == 0)); then
		su postgres -s /bin/sh -c "$*"
	else
		sh -c "$*"
	fi
}
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[[ -f $tmp/pg/data/postmaster.pid ]] && as_pg "$bindir/pg_ctl -D $tmp/pg/data -m immediate stop" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir "$tmp/pg"
((EUID == 0)) && chown postgres "$tmp/pg"
port=$((20000 + RANDOM % 20000))
as_pg "$bindir/initdb -D $tmp/pg/data -A trust -U esf >/dev/null"
as_pg "$bindir/pg_ctl -D $tmp/pg/data -l $tmp/pg/log -w -o \"-k $tmp/pg -p $port -c listen_addresses= -c synchronous_commit=off -c max_connections=200\" start >/dev/null"
as_pg "$bindir/createdb -h $tmp/pg -p $port -U esf esf"
postmaster=$(head -1 "$tmp/pg/data/postmaster.pid")
dsn="postgres://esf@/esf?host=$tmp/pg&port=$port&sslmode=disable"

go build -o "$tmp/esf" ./cmd/esf
esf=$tmp/esf

urls=() mocks=()
for ((r = 0; r < REPLICAS; r++)); do
	"$esf" mock serve --addr 127.0.0.1:0 --db "$dsn" --log-level error >"$tmp/mock$r.out" 2>"$tmp/mock$r.err" &
	pid=$!
	pids+=("$pid")
	mocks+=("$pid")
	until grep -q '^listening on' "$tmp/mock$r.out" 2>/dev/null; do
		kill -0 "$pid" || { cat "$tmp/mock$r.err"; exit 1; }
		sleep 0.05
	done
	urls+=("$(sed -n 's/^listening on //p' "$tmp/mock$r.out")")
done
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}'), $REPLICAS replicas, $C clients in all"

# cpu PID...: utime+stime of the processes, in clock ticks.
cpu() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0; done | awk '{s += $1} END {print s}'; }
# clusterCPU: the postmaster's, with its ended children's (cutime,
# cstime), and its live children's, one line each.
clusterCPU() { awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"; cpu $(pgrep -P "$postmaster" || true); }
conflicts() { grep -c 'could not serialize' "$tmp/pg/log" || true; }

run() { # flow n (split over the replicas): prints a row
	local flow=$1 n=$2 share=$(($2 / REPLICAS)) per=$((C / REPLICAS)) m0 p0 e0 m1 p1 e1 r loads=()
	m0=$(cpu "${mocks[@]}")
	p0=$(clusterCPU | awk '{s += $1} END {print s}')
	e0=$(conflicts)
	for ((r = 0; r < REPLICAS; r++)); do
		"$esf" mock load --url "${urls[$r]}" --flow "$flow" --n "$share" --c "$per" >"$tmp/load$r.json" 2>>"$tmp/load.err" &
		loads+=($!)
	done
	for p in "${loads[@]}"; do wait "$p" || true; done  # a failed flow is counted below
	m1=$(cpu "${mocks[@]}")
	p1=$(clusterCPU | awk '{s += $1} END {print s}')
	e1=$(conflicts)
	python3 - "$flow" "$((share * REPLICAS))" "$((m1 - m0))" "$((p1 - p0))" "$((e1 - e0))" "$tmp"/load*.json <<'PY'
import json, sys
flow, n, mock, pg, errs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
reps = [json.load(open(f)) for f in sys.argv[6:]]
hz = 100
failed = sum(r["errors"] for r in reps)
done = sum(r["done"] for r in reps)
print(flow, round(mock * 1000 / hz / n, 3), round(pg * 1000 / hz / n, 3), round(errs / n, 2),
      max(r["req_p99_ms"] for r in reps), max(r["p99_ms"] for r in reps), failed, done)
PY
}

echo "== warm-up (not counted)"
run session $((NSESS / 4)) >/dev/null
run registration $((NREG / 4)) >/dev/null
for ((i = 1; i <= ROUNDS; i++)); do
	run session "$NSESS"
	run registration "$NREG"
done | tee "$tmp/rounds.txt"

python3 - "$tmp/rounds.txt" "$CORES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
cores = int(sys.argv[2])
print(f"{'flow':13} {'mocks ms/flow':>14} {'database':>9} {'total min':>10} {'total median':>13} {'capacity/s':>11} {'conflicts/flow':>15} {'request p99':>12} {'flow p99':>9} {'errors':>7}")
for flow in ("session", "registration"):
    r = [x for x in rows if x[0] == flow]
    mock = [float(x[1]) for x in r]; pg = [float(x[2]) for x in r]; tot = [a + b for a, b in zip(mock, pg)]
    m = statistics.median(tot)
    print(f"{flow:13} {statistics.median(mock):14.2f} {statistics.median(pg):9.2f} {min(tot):10.2f} {m:13.2f} {cores*1000/m:11.0f} "
          f"{statistics.median(float(x[3]) for x in r):15.2f} {statistics.median(float(x[4]) for x in r):12.1f} "
          f"{statistics.median(float(x[5]) for x in r):9.1f} {sum(int(x[6]) for x in r):7d}")
PY
