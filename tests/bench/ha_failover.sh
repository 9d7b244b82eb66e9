#!/usr/bin/env bash
# PostgreSQL failover during pushes, with pg_auto_failover (Debian's
# postgresql-15-auto-failover): a monitor and two PostgreSQL nodes (primary and
# synchronous standby) on loopback, one safecampusd whose `database` names both
# nodes with target_session_attrs=read-write, and three campuses that keep
# recording and syncing (one-shot `sync`, one record each time) through
#
#   round 1  a planned switchover (`pg_autoctl perform switchover`);
#   round 2  an unplanned failure of the primary: its keeper and its postmaster
#            are killed with SIGKILL (the machine "dies"), the monitor notices
#            by its health checks and promotes the standby; then the old node's
#            keeper is started again and it rejoins as the standby.
#
#   SC_BIN_DIR=build tests/bench/ha_failover.sh
#
# Checks that every record a campus made is on the node that is primary at
# the end, once (so nothing a campus saw acknowledged was lost: an
# acknowledged record leaves the outbox and is never sent again), that every
# outbox empties, that no sync gave up, and that the standby has them all.
# Prints, per round, when the new primary was writable (and, after the
# switchover, both nodes settled), how long no push
# succeeded (the unavailability window, from the failure to the first
# successful push after it) and the longest sync. Exit 1 when a check fails.
#
# The monitor's failure detection is tightened for the run (HA_HEALTH_* below;
# pg_auto_failover's defaults detect a dead primary in about 30-60 s, see
# docs/OPERATIONS.md); HA_DEFAULT_DETECT=1 keeps the defaults.
# Needs root (the nodes run as the postgres user, as PostgreSQL refuses root)
# and installs the package if missing. About 2 minutes; not part of
# tests/run.sh. Results: docs/PERFORMANCE.md ("High availability").
set -uo pipefail
cd "$(dirname "$0")/../.."
SC_SOURCE_DIR=$PWD
SC_BIN_DIR=${SC_BIN_DIR:-$PWD/build}
[[ $SC_BIN_DIR = /* ]] || SC_BIN_DIR=$PWD/$SC_BIN_DIR
export SC_SOURCE_DIR SC_BIN_DIR
PGBIN=/usr/lib/postgresql/15/bin
SYNC_TIMEOUT_MS=${HA_SYNC_TIMEOUT_MS:-90000}
[[ $(id -u) = 0 ]] || { echo "ha_failover: run as root (nodes run as postgres)"; exit 1; }
command -v pg_autoctl >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends postgresql-15-auto-failover >/dev/null; } || {
  echo "ha_failover: cannot install postgresql-15-auto-failover"; exit 1; }

# shellcheck source=tests/lib/ports.sh
source tests/lib/ports.sh
HA=$(mktemp -d /tmp/sc-ha.XXXXXX)
chown postgres "$HA"
chmod 755 "$HA"
PM=$(sc_free_port)
P1=$(sc_free_port)
P2=$(sc_free_port)
for _ in $(seq 1 50); do
  [[ $P2 != "$P1" && $P1 != "$PM" && $P2 != "$PM" ]] && break
  P1=$(sc_free_port); P2=$(sc_free_port)
done
# pg_autoctl as postgres, with none of the harness's PG* variables: a keeper
# started with PGUSER=safecampus connects to its own node as that user and
# then fails every state change that needs a superuser (seen: the old primary
# stuck in "catchingup" for minutes, "must be superuser or replication role to
# use replication slots")
autoctl() { runuser -u postgres -- env -u PGUSER -u PGHOST -u PGPORT -u PGDATABASE \
  PATH="$PGBIN:$PATH" pg_autoctl "$@"; }
# a keeper in the background, in its own session (so a "machine death" can
# kill the keeper and its children at once)
autoctl_bg() { local log=$1; shift
  runuser -u postgres -- env -u PGUSER -u PGHOST -u PGPORT -u PGDATABASE \
    PATH="$PGBIN:$PATH" setsid pg_autoctl "$@" >>"$log" 2>&1 &
  AUTOCTL_PIDS+=($!); }
AUTOCTL_PIDS=()
LOOPS=()
ha_cleanup() {
  local sids self
  [[ -n ${T:-} ]] && touch "$T/stop" 2>/dev/null
  for p in "${LOOPS[@]}"; do kill "$p" 2>/dev/null; done
  # the keepers' sessions (setsid): a keeper's subprocesses can outlive it
  self=$(ps -o sid= -p $$ | tr -d ' ')
  sids=$(pgrep -f -- "$HA/" | xargs -r ps -o sid= -p | tr -d ' ' | sort -u)
  for d in n1 n2 mon; do
    [[ -d $HA/$d ]] && timeout 30 runuser -u postgres -- env -u PGUSER -u PGHOST -u PGPORT \
      PATH="$PGBIN:$PATH" pg_autoctl stop --pgdata "$HA/$d" --immediate >/dev/null 2>&1
  done
  for p in "${AUTOCTL_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 1
  for d in n1 n2 mon; do
    [[ -f $HA/$d/postmaster.pid ]] && kill -KILL "$(head -1 "$HA/$d/postmaster.pid")" 2>/dev/null
  done
  for sid in $sids; do
    [[ $sid -gt 1 && $sid != "$self" ]] && pkill -KILL -s "$sid" 2>/dev/null
  done
  # runuser reaps its child and exits: wait for it, a few seconds at most
  for _ in $(seq 1 50); do
    local alive=0
    for p in "${AUTOCTL_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  [[ ${E2E_KEEP:-0} = 1 ]] && echo "kept $HA" || rm -rf "$HA"
}
trap 'ha_cleanup' EXIT
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
monitor_sql() { psql -X -q -At -h 127.0.0.1 -p "$PM" -U autoctl_node -d pg_auto_failover -c "$1" 2>/dev/null; }
node_sql() { psql -X -q -At -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3" 2>/dev/null; }

# ---- the formation: monitor, then the two nodes
t0=$(date +%s.%N)
autoctl create monitor --pgdata "$HA/mon" --pgport "$PM" --hostname 127.0.0.1 \
  --auth trust --no-ssl >"$HA/mon-create.log" 2>&1 || { tail "$HA/mon-create.log"; exit 1; }
autoctl_bg "$HA/mon.log" run --pgdata "$HA/mon"
MON="postgres://autoctl_node@127.0.0.1:$PM/pg_auto_failover?sslmode=disable"
for _ in $(seq 1 100); do monitor_sql 'select 1' >/dev/null && break; sleep 0.2; done
if [[ ${HA_DEFAULT_DETECT:-0} != 1 ]]; then
  # a dead primary is declared unhealthy after about 6 s instead of 20-30 s
  node_sql "$PM" pg_auto_failover "alter system set pgautofailover.health_check_period = 1000" >/dev/null
  node_sql "$PM" pg_auto_failover "alter system set pgautofailover.health_check_timeout = 1000" >/dev/null
  node_sql "$PM" pg_auto_failover "alter system set pgautofailover.health_check_retry_delay = 500" >/dev/null
  node_sql "$PM" pg_auto_failover "alter system set pgautofailover.node_considered_unhealthy_timeout = 5000" >/dev/null
  node_sql "$PM" pg_auto_failover "select pg_reload_conf()" >/dev/null
fi
DETECT=$(node_sql "$PM" pg_auto_failover "select string_agg(name || '=' || setting, ' ' order by name) from pg_settings where name in ('pgautofailover.health_check_period','pgautofailover.health_check_timeout','pgautofailover.health_check_max_retries','pgautofailover.health_check_retry_delay','pgautofailover.node_considered_unhealthy_timeout')")
for i in 1 2; do
  port_var=P$i
  autoctl_bg "$HA/n$i.log" create postgres --pgdata "$HA/n$i" --pgport "${!port_var}" \
    --hostname 127.0.0.1 --name "n$i" --auth trust --no-ssl --monitor "$MON" --run
  # the second node clones the first: start it once the first is up
  for _ in $(seq 1 300); do
    [[ $(monitor_sql "select count(*) from pgautofailover.node where reportedstate in ('single','primary','secondary') and reportedstate = goalstate") = "$i" ]] && break
    sleep 0.2
  done
done
# primary + secondary, agreed by the monitor (bounded: 2 minutes)
ha_wait_stable() {
  local _
  for _ in $(seq 1 600); do
    [[ $(monitor_sql "select string_agg(reportedstate::text, ',' order by reportedstate::text) from pgautofailover.node where reportedstate = goalstate") = "primary,secondary" ]] && return 0
    sleep 0.2
  done
  echo "ha_failover: the formation did not settle:"; autoctl show state --pgdata "$HA/mon"
  return 1
}
ha_primary() { monitor_sql "select nodeport from pgautofailover.node where reportedstate = 'primary' and goalstate = 'primary'"; }
ha_wait_stable || exit 1
printf 'formation up (monitor + 2 nodes, synchronous standby) in %.1f s\n' "$(fsub "$(date +%s.%N)" "$t0")"
echo "monitor failure detection: $DETECT"

# ---- the e2e harness (PKI, server config, clients), its database on the primary
export PGHOST=127.0.0.1 PGPORT=$(ha_primary) PGUSER=safecampus
node_sql "$PGPORT" postgres 'create role safecampus login createdb' >/dev/null
# shellcheck source=tests/lib/e2e.sh
source tests/lib/e2e.sh
e2e_init ha_failover
trap 'e2e_cleanup; ha_cleanup' EXIT
sed -i "s|^database = .*|database = host=127.0.0.1,127.0.0.1 port=$P1,$P2 user=safecampus dbname=$E2E_DB target_session_attrs=read-write|" "$T/server.conf"
grep '^database' "$T/server.conf"
server_start || exit 1
client_new a schoolA main
client_new b schoolA east
client_new c schoolB main

# each campus: record one hazard, sync it; log "start end rc n" of each
# sync, until the stop file appears
campus_loop() {
  local name=$1 i=0 t1 t2 rc
  while [[ ! -e $T/stop ]]; do
    i=$((i + 1))
    sc "$name" hazard report --title "ha-$name-$i" --area building --severity low >/dev/null || {
      echo "record-failed $i" >>"$T/$name.err"; continue; }
    t1=$(date +%s.%N)
    sc "$name" sync --timeout-ms "$SYNC_TIMEOUT_MS" >>"$T/$name.sync.log" 2>&1
    rc=$?
    t2=$(date +%s.%N)
    echo "$t1 $t2 $rc $i" >>"$T/$name.times"
  done
}
for n in a b c; do campus_loop "$n" & LOOPS+=($!); done
sleep 5
ROUND_INFO=()

# ---- round 1: planned switchover
# the other node writable: the monitor has it in wait_primary or primary
ha_wait_promoted() { # OLD-PRIMARY-PORT
  local _
  for _ in $(seq 1 900); do
    [[ $(monitor_sql "select count(*) from pgautofailover.node where nodeport <> $1 and reportedstate in ('primary','wait_primary') and reportedstate = goalstate") = 1 ]] && return 0
    sleep 0.2
  done
  return 1
}
before=$(ha_primary)
t1=$(date +%s.%N)
autoctl perform switchover --pgdata "$HA/mon" >>"$HA/perform.log" 2>&1 &
sw=$!
ha_wait_promoted "$before" || { echo "FAIL - round 1: no new primary"; exit 1; }
t2=$(date +%s.%N)
wait "$sw"
ha_wait_stable || { echo "FAIL - the switchover did not settle"; exit 1; }
t3=$(date +%s.%N)
ROUND_INFO+=("1|planned switchover|$before|$(ha_primary)|$t1|$t2|$t3")
sleep 8

# ---- round 2: the primary's machine dies (keeper + PostgreSQL, SIGKILL)
before=$(ha_primary)
node=n1; [[ $before = "$P2" ]] && node=n2
pm=$(head -1 "$HA/$node/postmaster.pid")
# the keeper's session (its `pg_autoctl run`, started with setsid above) is
# that of the postmaster's parent, the keeper's postgres service
keeper_sid=$(ps -o sid= -p "$(ps -o ppid= -p "$pm" | tr -d ' ')" | tr -d ' ')
[[ $keeper_sid =~ ^[0-9]+$ && $keeper_sid -gt 1 && $(ps -o comm= -p "$keeper_sid") = pg_autoctl ]] ||
  { echo "FAIL - round 2: cannot find the keeper of $node (session '$keeper_sid')"; exit 1; }
t1=$(date +%s.%N)
pkill -KILL -s "$keeper_sid"
kill -KILL "$pm" 2>/dev/null
# the standby promoted (wait_primary: it runs alone until the old node is back)
ha_wait_promoted "$before" || { echo "FAIL - round 2: no failover"; autoctl show state --pgdata "$HA/mon"; exit 1; }
t2=$(date +%s.%N)
after=$(monitor_sql "select nodeport from pgautofailover.node where nodeport <> $before")
sleep 5
# the machine is back: its keeper rejoins it as the standby (pg_rewind)
autoctl_bg "$HA/$node.log" run --pgdata "$HA/$node"
t4=$(date +%s.%N)
ha_wait_stable || { echo "FAIL - round 2: the old primary did not rejoin"; exit 1; }
t3=$(date +%s.%N)
ROUND_INFO+=("2|SIGKILL of the primary's keeper and postmaster|$before|$after|$t1|$t2|")
printf 'round 2: the old primary rejoined as standby %.1f s after its keeper was started again\n' \
  "$(fsub "$t3" "$t4")"
sleep 8
touch "$T/stop"
wait "${LOOPS[@]}"

# ---- counts: every record once on the final primary, every outbox empty
for n in a b c; do sc "$n" sync --timeout-ms 30000 >>"$T/$n.sync.log" 2>&1; done
final=$(ha_primary)
standby=$P1; [[ $final = "$P1" ]] && standby=$P2
total=0
for n in a b c; do
  made=$(wc -l <"$T/$n.times")
  acked=$(awk '$3 == 0' "$T/$n.times" | wc -l)
  total=$((total + made))
  check "campus $n: outbox empty" eq "$(sqlite3 "$T/$n.db" 'select count(*) from outbox')" 0
  check "campus $n: its $made hazards ($acked acknowledged by their own sync) are on the primary (port $final)" eq \
    "$(node_sql "$final" "$E2E_DB" "select count(distinct title) from hazard where title like 'ha-$n-%'")" "$made"
  gaveup=$(awk '$3 != 0' "$T/$n.times" | wc -l)
  check "campus $n: no sync gave up (within its $SYNC_TIMEOUT_MS ms)" eq "$gaveup" 0
done
check "no record stored twice" eq \
  "$(node_sql "$final" "$E2E_DB" "select count(*) - count(distinct title) from hazard where title like 'ha-%'")" 0
check "no record failed to be made locally" bash -c "! cat '$T'/?.err 2>/dev/null | grep -q ."
check "the standby (port $standby) has every hazard too" eq \
  "$(node_sql "$standby" "$E2E_DB" "select count(*) from hazard where title like 'ha-%'")" "$total"

echo
echo "| round | how | primary before -> after | new primary writable after | both nodes settled after | no push succeeded for | longest sync | syncs |"
echo "|---|---|---|---|---|---|---|---|"
for f in "${ROUND_INFO[@]}"; do
  IFS='|' read -r r how before after t1 t2 t3 <<<"$f"
  settled="-"
  [[ -n $t3 ]] && settled="$(fsub "$t3" "$t1" | awk '{ printf "%.1f s", $1 }')"
  # successful sync completions from the failure to 20 s after the monitor
  # settled, in time order: the window is the widest gap between the failure
  # or one success and the next success (no campus got a push through)
  read -r gap worst n < <(cat "$T"/?.times | sort -n -k2 |
    awk -v a="$t1" -v b="$t2" 'BEGIN { prev = a }
      $3 == 0 && $2 >= a && $2 < b + 20 { if ($2 - prev > g) g = $2 - prev; prev = $2 }
      $2 >= a && $1 <= b + 1 { n++; if ($2 - $1 > w) w = $2 - $1 }
      END { printf "%.2f %.2f %d\n", g, w, n }')
  printf '| %s | %s | %s -> %s | %.1f s | %s | %s s | %s s | %s |\n' "$r" "$how" "$before" "$after" \
    "$(fsub "$t2" "$t1")" "$settled" "$gap" "$worst" "$n"
done
echo "records: $total, in $(cat "$T"/?.times | wc -l) syncs of one record each (SYNC_TIMEOUT_MS=$SYNC_TIMEOUT_MS)"
e2e_done
