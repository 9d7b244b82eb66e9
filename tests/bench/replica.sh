#!/usr/bin/env bash
# Benchmark: the bureau's dashboard during a push load, read from the primary
# and from a streaming standby (replica = ..., docs/OPERATIONS.md "Read
# replica").
#
#   tests/bench/replica.sh [SCHOOLS] [ROUNDS]      (defaults: 40 schools, 2 rounds)
#
# Makes its own primary (tests/lib/pg.sh) and a standby of it (pg_basebackup
# -R, same machine), fills a district (scgen, one term up to today), then per
# round runs safecampusd twice, without and with `replica`, each time: warms
# the pool with 4 dashboards, starts one push loop (scprobe push-hazard for one
# school, one TLS connection per push, as fast as it goes), and times 11
# DashboardRequests of the bureau (the district), one connection each (scprobe
# dashboard: to the last byte). Prints per run the median and p90 in ms, the
# pushes per second meanwhile and how many dashboards the standby served (from
# the server log). Primary and standby share this machine's cores, so the
# standby adds no CPU here: what it shows is the cost of reading on a standby
# (its dashboard cache is the primary's, refreshed only there) and the
# primary's relief. SC_BIN_DIR: build directory (default ./build).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${SC_BIN_DIR:-$ROOT/build}
SCHOOLS=${1:-40}
ROUNDS=${2:-2}
SCPROBE=$BIN/tests/scprobe
SCGEN=
for g in "$BIN/scgen" "$BIN/tests/data/scgen"; do [[ -x $g ]] && SCGEN=$g && break; done
[[ -x $BIN/safecampusd && -x $SCPROBE && -n $SCGEN ]] || {
  echo "replica.sh: build first (safecampusd, tests/scprobe, scgen in $BIN)" >&2
  exit 1
}
# shellcheck source=tests/lib/pg.sh
source tests/lib/pg.sh
TMP=$(mktemp -d /tmp/sc-bench-rr.XXXXXX)
PGD=$TMP/pg
RD=$TMP/st
SERVER_PID=
LOOP_PID=
cleanup() {
  [[ -n $LOOP_PID ]] && kill "$LOOP_PID" 2>/dev/null
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [[ -f $RD/data/postmaster.pid ]]; then
    _pg_as_owner "$RD" "$SC_PG_BINDIR/pg_ctl" -D "$RD/data" -m immediate -w stop >/dev/null 2>&1
  fi
  pg_stop "$PGD" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
[[ $(id -u) -eq 0 ]] && chmod o+x "$TMP"
pg_start "$PGD" 2>/dev/null
db=bench
psql -qX -d postgres -c "CREATE DATABASE $db" -c "ALTER DATABASE $db SET timezone = 'Asia/Shanghai'" >/dev/null
CI="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db"
"$BIN/safecampusd" --migrate-only --cert /dev/null --key /dev/null --ca /dev/null --district d1 \
  --log-level warn --database "$CI"
today=$(date -u +%F)
"$SCGEN" --schools "$SCHOOLS" --term-start 2026-09-01 --term-end 2027-01-15 --today "$today" \
  --copy "$TMP/copy" >/dev/null
(cd "$TMP/copy" && ./load.sh -d "$db")
psql -qX -d "$db" -c "SET client_min_messages = error" -c "VACUUM ANALYZE" >/dev/null
school=$(psql -qAtX -d "$db" -c "SELECT min(school) FROM sc_schools()")

# the standby
echo "local replication all trust" >>"$PGD/data/pg_hba.conf"
pg_psql "$PGD" -qAt -c "SELECT pg_reload_conf()" >/dev/null
mkdir "$RD"
[[ $(id -u) -eq 0 ]] && chown postgres: "$RD"
RPORT=$(sc_free_port)
_pg_as_owner "$RD" "$SC_PG_BINDIR/pg_basebackup" -h "$PGD" -p "$PGPORT" -U "$SC_PG_SUPERUSER" \
  -D "$RD/data" -R -X stream -c fast
printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = ''\n" "$RPORT" "$RD" \
  >>"$RD/data/postgresql.conf"
_pg_as_owner "$RD" "$SC_PG_BINDIR/pg_ctl" -D "$RD/data" -l "$RD/postgres.log" -w -t 60 start >/dev/null

deploy/pki.sh "$TMP/pki" d1 localhost >/dev/null 2>&1
deploy/pki.sh issue "$TMP/pki" bureau office >/dev/null 2>&1
deploy/pki.sh issue "$TMP/pki" "$school" main >/dev/null 2>&1
probe() { # CERT MODE [ARG]
  "$SCPROBE" 127.0.0.1 "$PORT" "$TMP/pki/$1.crt" "$TMP/pki/$1.key" "$TMP/pki/ca.crt" "${@:2}"
}
dash_ms() { PROBE_QUIET=1 probe bureau-office dashboard | sed -n 's/.* ms=\([0-9]*\) bytes=.*/\1/p'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
p90() { sort -n | awk '{a[NR]=$1} END {i = int(NR * 0.9 + 0.5); if (i < 1) i = 1; print a[i]}'; }
ms_now() { date +%s%3N; }

run() { # LABEL REPLICA(0|1)
  local extra=() log=$TMP/server-$1.log t0 t1 n0 n1
  PORT=$(sc_free_port)
  (($2)) && extra=(--replica "host=$RD port=$RPORT user=$PGUSER dbname=$db" --replica-max-lag-ms 2000)
  "$BIN/safecampusd" --listen "127.0.0.1:$PORT" --cert "$TMP/pki/server.crt" --key "$TMP/pki/server.key" \
    --ca "$TMP/pki/ca.crt" --district d1 --log-level info --database "$CI" "${extra[@]}" >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do ss -Htln | awk '{print $4}' | grep -q ":$PORT\$" && break; sleep 0.1; done
  if (($2)); then
    for _ in $(seq 1 100); do grep -q "replica serving reads" "$log" && break; sleep 0.1; done
  fi
  for _ in 1 2 3 4; do dash_ms >/dev/null; done
  (while :; do PROBE_SCHOOL=$school probe "$school-main" push-hazard load >/dev/null 2>&1; done) &
  LOOP_PID=$!
  sleep 1
  n0=$(grep -c " push conn=" "$log" || true)
  t0=$(ms_now)
  for _ in $(seq 1 11); do dash_ms; done >"$TMP/ms-$1.txt"
  t1=$(ms_now)
  n1=$(grep -c " push conn=" "$log" || true)
  kill "$LOOP_PID"
  wait "$LOOP_PID" 2>/dev/null || true
  LOOP_PID=
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  printf '%-10s %8s %8s %10s %14s\n' "$1" "$(median <"$TMP/ms-$1.txt")" "$(p90 <"$TMP/ms-$1.txt")" \
    "$(((n1 - n0) * 1000 / (t1 - t0)))" \
    "$(grep "dashboard conn=bureau/office" "$log" | tail -n 11 | grep -c "db=replica" || true)/11"
}

echo "schools=$SCHOOLS today=$today nproc=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %8s %8s %10s %14s\n' run "p50 ms" "p90 ms" "pushes/s" "on standby"
for r in $(seq 1 "$ROUNDS"); do
  run "primary$r" 0
  run "replica$r" 1
done
echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
