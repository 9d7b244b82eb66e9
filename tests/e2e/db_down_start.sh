#!/usr/bin/env bash
# safecampusd started while PostgreSQL is down: it runs (no exit, so no
# systemd restart loop), answers clients ERROR_UNAVAILABLE saying the district
# database is unavailable, retries with a backoff, and once PostgreSQL is up
# the same client's sync succeeds without restarting the server. A one-shot
# sync waits out the unavailable database within its --timeout-ms (retrying,
# and saying so), as it must through a PostgreSQL failover: one started while
# the database is down succeeds once it is up.
# Uses a private cluster (tests/lib/pg.sh), stopped and started by the test;
# the shared cluster is never touched.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
source "$SC_SOURCE_DIR/tests/lib/pg.sh"
e2e_init db_down_start
client_new a schoolA main

# a private cluster: its port and data, then stopped
saved_env=$(declare -p PGHOST PGPORT PGUSER 2>/dev/null)
unset PGDATABASE
pg_start "$T/pg" >/dev/null 2>"$T/pg_start.err" || { cat "$T/pg_start.err"; exit 1; }
PRIV_PORT=$PGPORT
PRIV_DIR=$SC_PG_DIR
eval "$saved_env"
unset PGDATABASE SC_PG_DIR
cleanup_all() {
  pg_stop "$PRIV_DIR" 2>/dev/null
  e2e_cleanup
}
trap cleanup_all EXIT
pgctl() { _pg_as_owner "$PRIV_DIR" "$SC_PG_BINDIR/pg_ctl" -D "$PRIV_DIR/data" "$@" >/dev/null 2>&1; }
priv_sql() { psql -qAtX -h 127.0.0.1 -p "$PRIV_PORT" -U safecampus -d safecampus -c "$1"; }
pgctl -m fast -w stop
check "the private PostgreSQL is stopped" bash -c "! psql -qAtX -h 127.0.0.1 -p $PRIV_PORT -U safecampus -d safecampus -c 'select 1' 2>/dev/null"

cat >>"$T/server.conf" <<CONF
database = host=127.0.0.1 port=$PRIV_PORT dbname=safecampus user=safecampus sslmode=disable connect_timeout=5
db_retry_max_ms = 1000
CONF

# --migrate-only still fails at once: it is a one-shot command
timeout 30 "$SAFECAMPUSD" --config "$T/server.conf" --migrate-only >"$T/migrate.out" 2>&1
check "--migrate-only with the database down exits 1" eq "$?" 1

server_start || exit 1
# wait for its second attempt (500 ms after the first) instead of a fixed
# 1.5 s: the server lives through a failed retry before it is checked
for _ in $(seq 1 100); do
  (($(grep -c 'database unavailable' "$T/server.log") >= 2)) && break
  sleep 0.1
done
check "the server runs with PostgreSQL down" kill -0 "$SERVER_PID"
check "... and says it is waiting for the database" grep -q 'database unavailable, requests are answered ERROR_UNAVAILABLE until it is up attempt=[0-9]* retry_in_ms=' "$T/server.log"
check "... retrying with a backoff (several attempts)" test "$(grep -c 'database unavailable' "$T/server.log")" -ge 2

sc a add hazard --title "while the database is down" --area facility --severity low >/dev/null
t0=$(date +%s%N)
sc a sync --timeout-ms 4000 >"$T/down.out" 2>"$T/down.err"
rc=$?
t1=$(date +%s%N)
echo "  sync while down: exit $rc after $(((t1 - t0) / 1000000)) ms: $(tail -n +1 "$T/down.err" | grep -m1 'sync failed')"
check "the client's sync fails with exit 6 (database unavailable)" eq "$rc" 6
check "... with ERROR_UNAVAILABLE saying the district database is unavailable" \
  grep -q 'server error 8: the district database is unavailable' "$T/down.err"
check "... after retrying within its timeout, saying so" grep -q 'unavailable.*retrying in [0-9.]* s' "$T/down.err"
check "... and giving up near its 4 s timeout (took $(((t1 - t0) / 1000000)) ms)" \
  bash -c "(( $t1 - $t0 >= 2500000000 && $t1 - $t0 < 9000000000 ))"
check "... and the record waits in its outbox" eq "$(sqlite3 "$T/a.db" 'select count(*) from outbox')" 1
P=$SC_BIN_DIR/tests/scprobe
out=$(timeout 20 "$P" 127.0.0.1 "$PORT" "$T/pki/schoolA-main.crt" "$T/pki/schoolA-main.key" "$T/pki/ca.crt" pull 0 2>&1)
check "a Pull gets the same answer (code 8)" grep -q 'error code=8 message=the district database is unavailable' <<<"$out"

# a sync started while the database is still down rides through its return
sc a sync --timeout-ms 30000 >"$T/ride.out" 2>"$T/ride.err" &
ride=$!
# PostgreSQL comes back once the sync was told it is down (not after a fixed
# 1.5 s, which a slow start of the client could outlast)
for _ in $(seq 1 100); do grep -q 'unavailable.*retrying in' "$T/ride.err" && break; sleep 0.1; done
pgctl -w -o "-p $PRIV_PORT" start
wait "$ride"
rc=$?
echo "  sync started while down: exit $rc: $(grep -m1 . "$T/ride.err")"
check "a sync started while the database is down succeeds once it is up (exit $rc)" eq "$rc" 0
check "... after saying it was retrying" grep -q 'unavailable.*retrying in' "$T/ride.err"
for _ in $(seq 1 100); do grep -q 'database ready' "$T/server.log" && break; sleep 0.2; done
check "once PostgreSQL is up the server migrates and serves (database ready)" grep -q 'database ready attempts=' "$T/server.log"
check "the migrations ran against it" grep -q 'migrations up to date\|migration applied' "$T/server.log"
pid_before=$SERVER_PID
ok=0
for _ in $(seq 1 20); do
  if sc a sync --timeout-ms 10000 >"$T/up.out" 2>"$T/up.err"; then ok=1; break; fi
  sleep 0.5
done
check "the same client's sync succeeds again" eq "$ok" 1
check "... its record is in PostgreSQL" eq "$(priv_sql "select count(*) from hazard where school = 'schoolA'")" 1
check "... and its outbox is empty" eq "$(sqlite3 "$T/a.db" 'select count(*) from outbox')" 0
check "the server was never restarted" eq "$SERVER_PID" "$pid_before"
check "it is alive" kill -0 "$SERVER_PID"
server_kill
check "it stops cleanly (exit 0 on SIGTERM)" bash -c "! grep -q 'handles still open' $T/server.log"
e2e_done
