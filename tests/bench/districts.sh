#!/usr/bin/env bash
# districts.sh BUILD_DIR: push throughput per district with 1, 5 and 20
# districts in one database (issue 8; docs/PERFORMANCE.md "Districts").
#
# Self-contained, like run_ingest.sh (whose pieces it uses): a throwaway
# PostgreSQL (tests/lib/pg.sh), one database, MAX districts in it (one schema
# each, db_schema = dist_NN, one safecampusd each on its own port), every
# district filled with scgen's generated schools (one COPY set, loaded into
# each schema), then for each count D in DISTRICTS: D districts push at once,
# each driven by its own tests/bench/ingest end-to-end run (--only e2e
# --append: CLIENTS schools over mutual TLS, N records in Pushes of BATCH),
# and one district alone takes the same D x CLIENTS clients, for contrast.
# Two modes, each with freshly started servers:
#   cpu   the servers as deployed: what the 2 cores give, shared by the districts;
#   lock  SAFECAMPUS_FAULT=server_slow_commit: every push holds its district's
#         sync lock 0.3 s after drawing its seqs, so the lock, not the CPU,
#         bounds a district (at most 1/0.3 Pushes a second); districts that
#         shared a lock would share that bound.
#
#   tests/bench/districts.sh build
#   DISTRICTS="1 5" MODES=lock tests/bench/districts.sh build
#
# Environment:
#   DISTRICTS   district counts (default "1 5 20"); the largest is made
#   MODES       "cpu lock" (default), or one of them
#   N           records per district and run, cpu mode (default 2000)
#   LOCK_N      the same in lock mode (default 500)
#   BATCH       records per Push (default 50)
#   CLIENTS     schools pushing at once per district (default 2)
#   FILL        SCHOOLS:START:END generated per district (scgen --seed 7;
#               default 20:2026-09-01:2026-11-30), 0 for empty districts
#   LOCK_CONTRAST_MAX  largest client count of lock mode's one-district
#               contrast (default 10; 40 clients' Pushes time out)
#   KEEP=1      keep the scratch directory
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
src=$(cd "$here/../.." && pwd -P)
build=${1:?usage: districts.sh BUILD_DIR}
build=$(cd "$build" && pwd -P) || exit 1
INGEST=$build/tests/bench/ingest
SAFECAMPUSD=${SAFECAMPUSD:-$build/safecampusd}
SCGEN=$build/scgen
for b in "$INGEST" "$SAFECAMPUSD" "$SCGEN"; do
	[[ -x $b ]] || { echo "districts: $b not built (cmake --build $build)" >&2; exit 1; }
done
DISTRICTS=${DISTRICTS:-1 5 20}
MODES=${MODES:-cpu lock}
N=${N:-2000}
LOCK_N=${LOCK_N:-500}
BATCH=${BATCH:-50}
CLIENTS=${CLIENTS:-2}
FILL=${FILL:-20:2026-09-01:2026-11-30}
MAX=0
for d in $DISTRICTS; do ((d > MAX)) && MAX=$d; done

T=$(mktemp -d /tmp/sc-bench-districts.XXXXXX)
declare -a PIDS=()
stop_servers() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}
cleanup() {
	stop_servers
	pg_stop "$T/pg" 2>/dev/null
	if [[ ${KEEP:-0} == 1 ]]; then echo "districts: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../lib/pg.sh
source "$src/tests/lib/pg.sh"
# shellcheck source=../lib/ports.sh
source "$src/tests/lib/ports.sh"
pg_start "$T/pg" 2>"$T/pg_start.log" || { cat "$T/pg_start.log" >&2; exit 1; }

# one CA and certificate set: every district's server trusts it (the
# district id only has to match the certificates; what is measured is the
# database side). Enough schools for one district to take everyone's clients.
"$src/deploy/pki.sh" "$T/pki" d1 localhost >/dev/null 2>>"$T/pki.log" || exit 1
for ((s = 1; s <= MAX * CLIENTS; s++)); do
	"$src/deploy/pki.sh" issue "$T/pki" "$(printf 'school%03d' "$s")" main >/dev/null 2>>"$T/pki.log" || exit 1
done

schema() { printf 'dist_%02d' "$1"; }
conninfo() { echo "$SC_PG_CONNINFO options='-csearch_path=$(schema "$1")'"; }
declare -a PORTS=()
start_servers() { # [FAULT]
	local k port
	for ((k = 1; k <= MAX; k++)); do
		port=$(sc_free_port)
		PORTS[k]=$port
		cat >"$T/server$k.conf" <<CONF
listen = 127.0.0.1:$port
cert = $T/pki/server.crt
key = $T/pki/server.key
ca = $T/pki/ca.crt
district = d1
database = $SC_PG_CONNINFO
db_schema = $(schema "$k")
log_level = warn
escalation_enabled = 0
require_signatures = 0
# 20 districts x (db_pool + 1 LISTEN) under pg.sh's max_connections = 100
db_pool = 2
max_connections_per_cert = 0
CONF
		SAFECAMPUS_FAULT=${1:-} "$SAFECAMPUSD" --config "$T/server$k.conf" >>"$T/server$k.log" 2>&1 &
		PIDS[k]=$!
		# one at a time: each migrates its schema on the first start
		local up=0
		for _ in $(seq 1 300); do
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { up=1; break; }
			kill -0 "${PIDS[k]}" 2>/dev/null || break
			sleep 0.1
		done
		((up)) || { echo "districts: server $k did not start" >&2; tail "$T/server$k.log" >&2; exit 1; }
	done
}

ingest() { # DISTRICT LABEL [ingest options]: one end-to-end run, its table to stdout
	local k=$1 label=$2
	shift 2
	"$INGEST" -d "$(conninfo "$k")" --server "127.0.0.1:${PORTS[k]}" --pki "$T/pki" \
		--server-pid "${PIDS[k]}" --only e2e --append -b "$BATCH" --label "$label" "$@"
}
# records/s and Pushes/s of an ingest table's end-to-end line
rate() { awk 'index($0, "end to end") == 1 { split(substr($0, 36), f, " "); print f[3], f[4] }' "$1"; }

echo "districts: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "districts: $MAX districts in one database; counts: $DISTRICTS; $CLIENTS clients per district, Pushes of $BATCH"

start_servers ""
if [[ $FILL != 0 ]]; then
	IFS=: read -r f_schools f_start f_end <<<"$FILL"
	t0=$(date +%s)
	"$SCGEN" --seed 7 --schools "$f_schools" --term-start "$f_start" --term-end "$f_end" \
		--today "$f_end" --copy "$T/fill" >"$T/scgen.log" 2>&1 || { cat "$T/scgen.log" >&2; exit 1; }
	for ((k = 1; k <= MAX; k++)); do
		"$T/fill/load.sh" -d "$(conninfo "$k")" >"$T/load.log" 2>&1 || { tail "$T/load.log" >&2; exit 1; }
	done
	pg_psql "$T/pg" -q -c "VACUUM ANALYZE" >/dev/null 2>&1
	echo "districts: each district filled with $(tail -1 "$T/scgen.log" | sed 's/^scgen: //')" \
		"($f_start..$f_end), $MAX loaded and analysed in $(($(date +%s) - t0)) s," \
		"$(pg_psql "$T/pg" -XAt -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
fi
stop_servers

for mode in $MODES; do
	n=$N
	fault=
	if [[ $mode == lock ]]; then n=$LOCK_N; fault=server_slow_commit; fi
	start_servers "$fault"
	echo
	echo "== mode $mode: $n records per district${fault:+, every push holding its lock 0.3 s}"
	printf '%-44s %10s %10s %10s %12s %12s\n' "run" "min rec/s" "med rec/s" "max rec/s" "sum rec/s" "wall rec/s"
	for d in $DISTRICTS; do
		# D districts at once, each its own schools (seeds apart: other ids)
		t0=$(date +%s.%N)
		for ((k = 1; k <= d; k++)); do
			ingest "$k" "$mode: district $k of $d" -n "$n" -c "$CLIENTS" -s "$((100 + k))" \
				>"$T/run-$mode-$d-$k.txt" 2>&1 &
		done
		fail=0
		for ((k = 1; k <= d; k++)); do wait -n || fail=1; done
		t1=$(date +%s.%N)
		if ((fail)); then
			for ((k = 1; k <= d; k++)); do tail -3 "$T/run-$mode-$d-$k.txt"; done
			echo "districts: a run failed" >&2
			exit 1
		fi
		for ((k = 1; k <= d; k++)); do rate "$T/run-$mode-$d-$k.txt"; done >"$T/rates-$mode-$d"
		sort -n "$T/rates-$mode-$d" |
			awk -v label="$d district(s) at once, $CLIENTS clients each" -v total=$((d * n)) -v a="$t0" -v b="$t1" '
			{ r[NR] = $1; s += $1 } END {
				med = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
				printf "%-44s %10.0f %10.0f %10.0f %12.0f %12.0f\n", label, r[1], med, r[NR], s, total / (b - a) }'
		# the contrast: one district takes all D x CLIENTS clients. Not in
		# lock mode past LOCK_CONTRAST_MAX clients: their Pushes queue behind
		# one 0.3 s lock longer than the pool's 10 s acquire timeout (db.h)
		# and are refused, which is the point, but leaves nothing to time
		if ((d > 1)) && [[ $mode == lock ]] && ((d * CLIENTS > ${LOCK_CONTRAST_MAX:-10})); then
			printf '%-44s %s\n' "one district, $((d * CLIENTS)) clients" \
				"not run: $((d * CLIENTS * 2)) Pushes in flight behind one lock time out"
		elif ((d > 1)); then
			t0=$(date +%s.%N)
			ingest 1 "$mode: one district, $((d * CLIENTS)) clients" -n "$((d * n))" -c "$((d * CLIENTS))" \
				-s 99 >"$T/one-$mode-$d.txt" 2>&1 || { tail "$T/one-$mode-$d.txt"; exit 1; }
			t1=$(date +%s.%N)
			read -r r1 _ <<<"$(rate "$T/one-$mode-$d.txt")"
			awk -v label="one district, $((d * CLIENTS)) clients" -v r="$r1" -v total=$((d * n)) -v a="$t0" -v b="$t1" \
				'BEGIN { printf "%-44s %10.0f %10.0f %10.0f %12.0f %12.0f\n", label, r, r, r, r, total / (b - a) }'
		fi
	done
	stop_servers
done
echo
echo "rec/s: a district's records per second, from its ingest run's end-to-end line (first send to"
echo "last PushAck); sum: of the districts running at once; wall: all their records over the time"
echo "from the first start to the last exit (includes each run's set-up: generating, handshakes)."
echo "districts: load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
