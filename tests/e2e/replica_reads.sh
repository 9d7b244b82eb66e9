#!/usr/bin/env bash
# Read replica (issue 8, docs/internals/database.md "Read replica"): a
# streaming standby made with pg_basebackup -R serves dashboards and Pulls
# within replica_max_lag_ms, and never gives a client anything older than
# what it already has; a paused, lagging or stopped standby is not used and
# the client notices nothing. One client (scprobe session: one connection,
# request after request) pushes, reads, pushes again while the standby's
# replay is paused, reads again; which database answered each read is read
# from the server's log (db=replica|primary).
#
# It runs its own primary (tests/lib/pg.sh) rather than the suite's shared
# cluster: replication needs a pg_hba line, and the standby copies the whole
# cluster.
source "$SC_SOURCE_DIR/tests/lib/pg.sh"
PGD=$(mktemp -d /tmp/sc-rr-pg.XXXXXX)
RD=$(mktemp -d /tmp/sc-rr-st.XXXXXX)
replica_stop() {
  if [[ -f "$RD/data/postmaster.pid" ]]; then
    _pg_as_owner "$RD" "$SC_PG_BINDIR/pg_ctl" -D "$RD/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf -- "$RD"
}
trap 'replica_stop; pg_stop "$PGD"' EXIT
pg_start "$PGD" 2>/dev/null || { echo "cannot start the primary"; exit 1; }
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
E2E_LOG_LEVEL=debug # the Pull's log line (db=...) is at debug
e2e_init replica_reads
trap 'exec 3>&- 2>/dev/null; e2e_cleanup; replica_stop; pg_stop "$PGD"' EXIT
SCPROBE=${SC_SCPROBE:-$SC_BIN_DIR/tests/scprobe}
for who in "schoolA main" "schoolA east"; do
  set -- $who
  "$PKI" issue "$T/pki" "$1" "$2" >/dev/null
done

# --- the standby: a base backup of the primary, streaming from it
echo "local replication all trust" >>"$PGD/data/pg_hba.conf"
pg_psql "$PGD" -qAt -c "SELECT pg_reload_conf()" >/dev/null
if [[ $(id -u) -eq 0 ]]; then
  _pg_traversable "$RD" && chown postgres: "$RD"
fi
RPORT=$(sc_free_port)
check "pg_basebackup -R makes a standby" _pg_as_owner "$RD" "$SC_PG_BINDIR/pg_basebackup" \
  -h "$PGD" -p "$PGPORT" -U "$SC_PG_SUPERUSER" -D "$RD/data" -R -X stream -c fast
cat >>"$RD/data/postgresql.conf" <<EOF
# the standby's own place (tests/e2e/replica_reads.sh)
port = $RPORT
unix_socket_directories = '$RD'
listen_addresses = ''
EOF
check "the standby starts on port $RPORT" _pg_as_owner "$RD" "$SC_PG_BINDIR/pg_ctl" -D "$RD/data" \
  -l "$RD/postgres.log" -w -t 60 start
rsql() { # SQL on the standby, as superuser
  _pg_as_owner "$RD" "$SC_PG_BINDIR/psql" -qAtX -h "$RD" -p "$RPORT" -U "$SC_PG_SUPERUSER" \
    -d "$E2E_DB" -c "$1"
}
check "it is in recovery" eq "$(rsql 'SELECT pg_is_in_recovery()')" t

cat >>"$T/server.conf" <<EOF
replica = host=$RD port=$RPORT user=$PGUSER dbname=$E2E_DB
replica_max_lag_ms = 60000
EOF
server_start
wait_log() { # PATTERN SECONDS [N]: until the server log has it (N times)
  local end=$(($(date +%s) + $2))
  until (($(grep -c -- "$1" "$T/server.log") >= ${3:-1})); do
    (($(date +%s) >= end)) && return 1
    sleep 0.1
  done
}
check "the server uses the standby" wait_log "replica serving reads" 20

probe() { # CERT MODE [ARG]
  local cert=$1
  shift
  timeout 60 "$SCPROBE" 127.0.0.1 "$PORT" "$T/pki/$cert.crt" "$T/pki/$cert.key" "$T/pki/ca.crt" "$@"
}

# --- one client, one connection, driven line by line
mkfifo "$T/s.in"
probe schoolA-main session <"$T/s.in" >"$T/s.log" 2>&1 &
SESSION=$!
exec 3>"$T/s.in"
NMARK=0
say() { # COMMAND: runs it and waits until the session has answered it
  NMARK=$((NMARK + 1))
  printf '%s\nmark %d\n' "$1" "$NMARK" >&3
  local end=$(($(date +%s) + 60))
  until grep -qx "mark $NMARK" "$T/s.log"; do
    if (($(date +%s) >= end)) || ! kill -0 "$SESSION" 2>/dev/null; then
      echo "session did not answer: $1"
      return 1
    fi
    sleep 0.05
  done
}
# the session's request ids: hello 1, then one per line sent (marks too);
# next_rid after each say: CMD_RID is the command's
RID=1
next_rid() {
  CMD_RID=$((RID + 1))
  RID=$((RID + 2))
}
# hazards_open of the session's last dashboard
last_open() {
  awk '/^dashboard scope=/ {v = "none"} $1 == "indicator" && $2 == "key=hazards_open" {
    sub("value=", "", $4); v = $4 } END { print v }' "$T/s.log"
}
# db=replica|primary of the server's answer to the session's request RID
served_by() { # KIND RID
  grep -- "$1 conn=schoolA/main " "$T/server.log" | grep -- "rid=$2 " |
    sed -n 's/.* db=\([a-z]*\).*/\1/p' | tail -1
}
pull_served_by() { # the session's last pull
  grep -- "pull conn=schoolA/main " "$T/server.log" | sed -n 's/.* db=\([a-z]*\).*/\1/p' | tail -1
}
dash() { # one dashboard; sets OPEN and BY
  say dashboard || return 1
  next_rid
  OPEN=$(last_open)
  BY=$(served_by dashboard "$CMD_RID")
}
# Reads until the standby answers one (it does once its probe has seen it
# pass this client's last write): at most 40 tries
dash_until_replica() {
  for _ in $(seq 1 40); do
    dash || return 1
    [[ $BY == replica ]] && return 0
    sleep 0.25
  done
  return 1
}
OPENS=() # every dashboard the session got, in order

say "push first hazard"
next_rid
check "the client's first hazard is accepted" grep -q "accepted=1" "$T/s.log"
check "a dashboard comes from the standby once it has the push" dash_until_replica
OPENS+=("$OPEN")
check "and it shows the client's own push" eq "$OPEN" 1

# pulls: from the standby too (its last read was the standby's: no new floor)
say "pull 0"
next_rid
check "a Pull from the standby" eq "$(pull_served_by)" replica
check "returns the hazard" grep -q "^changes n=1 " "$T/s.log"

# --- replay paused: the standby stays within the 60 s bound but stops
check "replay paused on the standby" rsql "SELECT pg_wal_replay_pause()"
sleep 0.5
say "push second hazard"
next_rid
check "the second hazard is accepted" test "$(grep -c 'accepted=1' "$T/s.log")" -eq 2
dash
OPENS+=("$OPEN")
check "after its push the client's dashboard comes from the primary" eq "$BY" primary
check "and shows both hazards" eq "$OPEN" 2
# another client has seen nothing newer: the stale standby (within the bound) is fine for it
out=$(PROBE_CAMPUS=east probe schoolA-east dashboard)
# the server may log its answer after the probe has it and exits (a loaded machine)
wait_log "dashboard conn=schoolA/east " 10
east_rid2=$(grep "dashboard conn=schoolA/east " "$T/server.log" | tail -1 | sed -n 's/.* db=\([a-z]*\).*/\1/p')
check "another client is served by the paused standby (within the bound)" eq "$east_rid2" replica
check "which does not have the second hazard yet" \
  grep -q "indicator key=hazards_open has=1 value=1 " <<<"$out"
# its Pull: the standby is tried, but this worker knows schoolA's head (the
# second hazard's seq) and the standby's answer stops short of it
out=$(PROBE_CAMPUS=east probe schoolA-east pull 0)
check "another client's Pull is retried on the primary: the standby lacks the head" \
  grep -q "pull on the replica behind the head: retrying on the primary conn=schoolA/east" "$T/server.log"
check "it gets both hazards" grep -q "^changes n=2 " <<<"$out"
check "answered by the primary" eq "$(grep "pull conn=schoolA/east " "$T/server.log" | tail -1 |
  sed -n 's/.* db=\([a-z]*\).*/\1/p')" primary
dash
OPENS+=("$OPEN")
check "the first client, again: the primary (it has seen newer)" eq "$BY" primary
check "never an older dashboard" eq "$OPEN" 2
say "pull 0"
next_rid
check "its Pull goes to the primary too" eq "$(pull_served_by)" primary
check "and has both hazards" grep -q "^changes n=2 " "$T/s.log"

# --- the bound: 300 ms, reloaded (SIGHUP); the paused standby is now too far behind
nlag=$(grep -c "replica lagging" "$T/server.log")
sed -i 's/^replica_max_lag_ms = .*/replica_max_lag_ms = 300/' "$T/server.conf"
kill -HUP "$SERVER_PID"
check "the server sees the standby lagging past the new bound" \
  wait_log "replica lagging" 10 $((nlag + 1))
neast=$(grep -c "dashboard conn=schoolA/east " "$T/server.log")
out=$(PROBE_CAMPUS=east probe schoolA-east dashboard)
wait_log "dashboard conn=schoolA/east " 10 $((neast + 1))
east_by=$(grep "dashboard conn=schoolA/east " "$T/server.log" | tail -1 | sed -n 's/.* db=\([a-z]*\).*/\1/p')
check "a lagging standby is not used, even for a client that saw nothing" eq "$east_by" primary
check "that client gets the current data" grep -q "indicator key=hazards_open has=1 value=2 " <<<"$out"

# --- replay resumed: the standby catches up and serves again
nserve=$(grep -c "replica serving reads" "$T/server.log")
sed -i 's/^replica_max_lag_ms = .*/replica_max_lag_ms = 5000/' "$T/server.conf"
kill -HUP "$SERVER_PID"
check "replay resumed" rsql "SELECT pg_wal_replay_resume()"
check "the server sees it caught up" wait_log "replica serving reads" 20 $((nserve + 1))
check "the client's dashboards come from the standby again" dash_until_replica
OPENS+=("$OPEN")
check "with both hazards" eq "$OPEN" 2

# --- pushed dashboards (Subscribe dashboards = true): computed on the standby
# once it has the change that caused them
PROBE_CAMPUS=east probe schoolA-east watch-dashboard 12 >"$T/watch.log" 2>&1 &
WATCH=$!
count_pushed() { local n; n=$(grep -c " dashboard scope=" "$T/watch.log" 2>/dev/null); echo "${n:-0}"; }
wait_pushed() { # N SECONDS
  local end=$(($(date +%s) + $2))
  until (($(count_pushed) >= $1)); do
    (($(date +%s) >= end)) && return 1
    sleep 0.1
  done
}
check "the watcher gets a dashboard after subscribing" wait_pushed 1 8
say "push third hazard"
next_rid
check "the third hazard is accepted" test "$(grep -c 'accepted=1' "$T/s.log")" -eq 3
check "the watcher gets a new dashboard for it" wait_pushed 2 8
check "showing the new hazard" bash -c "awk '/ dashboard scope=/ {v=\"\"} \$1 == \"indicator\" && \$2 == \"key=hazards_open\" {v=\$4} END {print v}' '$T/watch.log' | grep -qx value=3"
check "computed on the standby" grep -q "dashboard pushed scopes=.* db=replica" "$T/server.log"
kill "$WATCH" 2>/dev/null
wait "$WATCH" 2>/dev/null

# --- the standby stops: reads go to the primary, no error, one log line
replica_stop_fast() {
  _pg_as_owner "$RD" "$SC_PG_BINDIR/pg_ctl" -D "$RD/data" -m fast -w stop >/dev/null
}
check "the standby stops" replica_stop_fast
for i in 1 2 3; do
  dash
  OPENS+=("$OPEN")
  check "dashboard $i with the standby down: from the primary" eq "$BY" primary
  check "dashboard $i shows the three hazards" eq "$OPEN" 3
done
say "pull 0"
next_rid
check "a Pull with the standby down: from the primary" eq "$(pull_served_by)" primary
check "with the three hazards" grep -q "^changes n=3 " "$T/s.log"
check "the client saw no error" bash -c "! grep -q '^error' '$T/s.log'"
check "the outage is logged once" eq "$(grep -c 'replica unavailable' "$T/server.log")" 1
check "the client's dashboards never went back (hazards: ${OPENS[*]})" \
  bash -c 'p=0; for v in "$@"; do [[ $v =~ ^[0-9]+$ ]] && ((v >= p)) || exit 1; p=$v; done' _ "${OPENS[@]}"

exec 3>&-
wait "$SESSION"
check "the session ended cleanly" grep -q "^session done" "$T/s.log"
server_kill
# the worker's own count of where reads went, logged as it stops
counts=$(grep "replica closing" "$T/server.log")
num() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$counts"; }
check "its counters: reads on the standby" test "$(num picked)" -ge 4
check "reads sent to the primary for a client that had seen newer" test "$(num primary_behind_client)" -ge 3
check "for a lagging standby" test "$(num primary_lagging)" -ge 1
check "for a standby down" test "$(num primary_down)" -ge 3
check "the server stopped cleanly" bash -c "! grep -qi 'AddressSanitizer\|runtime error' '$T/server.log'"
e2e_done
