#!/usr/bin/env bash
# Networks cut mid-frame, then every acknowledged record counted.
#
# A TCP proxy (tests/tools/faultproxy) sits between clients and safecampusd:
#  1. an acknowledgement cut in the middle of its frame: the server committed,
#     the client never heard; the re-send stores nothing twice;
#  2. a campus with NF_RECORDS (300) offline hazards syncs again and again
#     while the proxy cuts every connection at a seeded random byte offset, in
#     either direction (requests going up, acks and Changes coming down), with
#     FIN or RST; after each failed attempt every record the client considers
#     acknowledged must be in PostgreSQL; then a final sync on a clean path;
#  3. a second campus pulls through a proxy that cuts Changes frames;
#  4. black holes (the path stays open and says nothing): from the first byte,
#     half a Push then silence toward the server, silence toward the client
#     after the server committed; `sync --timeout-ms 2000` fails within a
#     bounded time with exit code 1 and loses nothing; the server's own
#     timeouts close its side;
#  5. half a frame then silence, straight to the server (scprobe half-frame):
#     timed out and closed, while other campuses are served meanwhile;
#  6. a slow (delayed) path still syncs.
# Counts are always taken in PostgreSQL and in the clients' SQLite stores.
# Knobs: NF_SEED (cut offsets), NF_RECORDS, NF_MAX_ATTEMPTS.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init network_faults

FAULTPROXY=${SC_FAULTPROXY:-$SC_BIN_DIR/tests/faultproxy}
SCPROBE=${SC_SCPROBE:-$SC_BIN_DIR/tests/scprobe}
N=${NF_RECORDS:-300}
SEED=${NF_SEED:-20261129}
MAX_ATTEMPTS=${NF_MAX_ATTEMPTS:-40}
for b in "$FAULTPROXY" "$SCPROBE"; do
  [[ -x "$b" ]] || { echo "missing test tool $b (build the tests)"; exit 1; }
done

# cut offsets are calibrated in bytes on a full handshake: no resumption here
# (a resumed handshake is shorter); resumption has its own tests
cat >>"$T/server.conf" <<CONF
session_ticket_lifetime_s = 0
max_push_records = 25
pull_limit = 40
handshake_timeout_ms = 3000
hello_timeout_ms = 2000
idle_timeout_ms = 3000
CONF

# ---- proxies: faultproxy LISTEN TARGET_HOST TARGET_PORT [faults], log in $T
declare -A PROXY_PID
PPORT=
proxy_start() {
  local name=$1 target=$2 port pid
  shift 2
  port=$(e2e_free_port) || { echo "no free port"; exit 1; }
  "$FAULTPROXY" "$port" 127.0.0.1 "$target" "$@" >"$T/proxy-$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 50); do
    grep -q "listening port=" "$T/proxy-$name.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "listening port=" "$T/proxy-$name.log" || { echo "faultproxy $name did not start"; cat "$T/proxy-$name.log"; exit 1; }
  PROXY_PID[$name]=$pid
  PPORT=$port
}
proxy_stop() {
  local name=$1 pid=${PROXY_PID[$1]} rc
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  unset "PROXY_PID[$name]"
  check "proxy $name exits 0 on SIGTERM" eq "$rc" 0
}
proxy_cleanup() {
  local p
  for p in "${PROXY_PID[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  e2e_cleanup
}
trap proxy_cleanup EXIT
# "up@123 down@4567 ..." for the cuts a proxy made
cuts_of() { grep -o 'cut=[a-z]*@[0-9]*' "$T/proxy-$1.log" | sed 's/^cut=//' | tr '\n' ' '; }

# ---- counts
point() { sc "$1" init --server "127.0.0.1:$2" --server-name localhost >/dev/null; }
outbox() { sqlite3 "$T/$1.db" "select count(*) from outbox"; }
local_hazards() { sqlite3 "$T/$1.db" "select count(*) from records where kind = 'hazard'"; }
pg_hazards() { sql "select count(*) from hazard where school = '$1'"; }
pg_hazards_distinct() { sql "select count(*)||'/'||count(distinct id) from hazard where school = '$1'"; }
# Records the client no longer holds in its outbox (so it was told they are
# stored) that PostgreSQL does not have: must always be 0.
acked_missing() {
  sqlite3 "$T/$1.db" "select id from records where kind = 'hazard' and school = '$2' and id not in (select record_id from outbox)" | sort >"$T/acked.ids"
  sql "select id from hazard where school = '$2'" | sort >"$T/pg.ids"
  comm -23 "$T/acked.ids" "$T/pg.ids" | wc -l
}
# id and seq as the client recorded them, against PostgreSQL
seqs_match() {
  sqlite3 "$T/$1.db" "select id||' '||seq from records where kind = 'hazard' and school = '$2'" | sort >"$T/local.seq"
  sql "select id||' '||seq from hazard where school = '$2'" | sort >"$T/pg.seq"
  diff -q "$T/local.seq" "$T/pg.seq" >/dev/null && [[ -s "$T/pg.seq" ]]
}
ms() { date +%s%3N; }

client_new amain schoolA main
client_new aeast schoolA east
client_new bmain schoolB main
client_new cmain schoolC main

for i in $(seq 1 "$N"); do
  sc amain add hazard --title "Offline hazard $i" --area fire --severity low >/dev/null || exit 1
done
for i in $(seq 1 25); do
  sc bmain add hazard --title "B hazard $i" --area building --severity medium >/dev/null || exit 1
done
check "$N records wait in A-main's outbox" eq "$(outbox amain)" "$N"
server_start || exit 1
echo "# seed $SEED"

# ---- 0. calibration: bytes of an empty sync on a clean path
proxy_start cal "$PORT"
point aeast "$PPORT"
check "an empty sync through a clean proxy" sc aeast sync --timeout-ms 5000
proxy_stop cal
read -r U0 D0 < <(sed -n 's/.* up=\([0-9]*\) down=\([0-9]*\) end=.*/\1 \2/p' "$T/proxy-cal.log" | head -1)
echo "# an empty sync moves up=$U0 down=$D0 bytes"
check "calibration measured the handshake" test "${D0:-0}" -gt 500

# ---- 1. the acknowledgement cut mid-frame, after the commit
ACK_CUT=$((D0 + 300))
proxy_start ackcut "$PORT" --dir down --cut-after-bytes "$ACK_CUT"
point bmain "$PPORT"
check_fail "sync fails: its PushAck was cut at byte $ACK_CUT" sc bmain sync --timeout-ms 5000
check "the server committed the batch of 25" eq "$(pg_hazards schoolB)" 25
check "the client kept all 25 in its outbox (no ack arrived)" eq "$(outbox bmain)" 25
proxy_stop ackcut
point bmain "$PORT"
check "re-sync on a clean path" sc bmain sync --timeout-ms 5000
check "schoolB: exactly 25 rows, no duplicate" eq "$(pg_hazards_distinct schoolB)" "25/25"
check "B-main's outbox is empty" eq "$(outbox bmain)" 0
check "B-main's seqs are the server's" seqs_match bmain schoolB

# ---- 2. random cuts, both directions, while A-main pushes N records
proxy_start push "$PORT" --cut-at-random "$SEED" --cut-min 1 --cut-max 9000 --dir both --cut-with random
point amain "$PPORT"
ok=0 attempts=0 lost_acks=0 violations=0 prev_pending=$N
for attempt in $(seq 1 "$MAX_ATTEMPTS"); do
  attempts=$attempt
  if sc amain sync --timeout-ms 5000 >"$T/sync.out" 2>"$T/sync.err"; then
    ok=1
    echo "  attempt $attempt: $(head -1 "$T/sync.out")"
    break
  fi
  pending=$(outbox amain)
  committed=$(pg_hazards schoolA)
  missing=$(acked_missing amain schoolA)
  violations=$((violations + missing))
  ((committed + pending > N)) && lost_acks=$((lost_acks + 1))
  echo "  attempt $attempt: $(head -1 "$T/sync.out"); $(sed 's/^safecampus: sync failed: //' "$T/sync.err" | head -1 | cut -c1-60)"
  echo "      server holds $committed, outbox $pending, acknowledged but not in PostgreSQL: $missing"
  if ((pending > prev_pending)); then violations=$((violations + 1)); fi
  prev_pending=$pending
done
proxy_stop push
push_cuts=$(grep -c 'end=cut' "$T/proxy-push.log")
echo "# $push_cuts cuts while pushing: $(cuts_of push)"
echo "# attempts where the server had committed records whose ack was lost: $lost_acks"
check "the proxy cut connections ($push_cuts cuts)" test "$push_cuts" -ge 3
check "cuts landed in both directions" \
  eval "grep -q 'cut=up@' '$T/proxy-push.log' && grep -q 'cut=down@' '$T/proxy-push.log'"
check "after every cut, every acknowledged record was in PostgreSQL" eq "$violations" 0
check "the outbox never grew" test "$prev_pending" -le "$N"
echo "# sync through the cutting proxy succeeded: $ok (after $attempts attempts)"
point amain "$PORT"
check "final sync on a clean path" sc amain sync --timeout-ms 10000
check "PostgreSQL holds exactly $N (count/distinct)" eq "$(pg_hazards_distinct schoolA)" "$N/$N"
check "A-main's outbox is empty" eq "$(outbox amain)" 0
check "every local record has a server seq" \
  eq "$(sqlite3 "$T/amain.db" "select count(*) from records where kind = 'hazard' and seq > 0")" "$N"
check "A-main's seqs are exactly the server's" seqs_match amain schoolA
check "seqs are unique" eq "$(sql "select count(distinct seq) from hazard")" "$(sql "select count(*) from hazard")"

# ---- 3. another campus pulls through a proxy that cuts Changes frames
proxy_start pull "$PORT" --cut-at-random "$((SEED + 1))" --cut-min 1600 --cut-max 12000 --dir down --cut-with random
point aeast "$PPORT"
ok=0 prev=0 advanced=0 regress=0
for attempt in $(seq 1 "$MAX_ATTEMPTS"); do
  if sc aeast sync --timeout-ms 5000 >"$T/sync.out" 2>"$T/sync.err"; then
    ok=1
    echo "  pull attempt $attempt: $(head -1 "$T/sync.out")"
    break
  fi
  have=$(local_hazards aeast)
  ((have < prev)) && regress=1
  ((have > prev)) && advanced=$((advanced + 1))
  echo "  pull attempt $attempt: $(head -1 "$T/sync.out"); $(sed 's/^safecampus: sync failed: //' "$T/sync.err" | head -1 | cut -c1-60); A-east holds $have"
  prev=$have
done
proxy_stop pull
echo "# $(grep -c 'end=cut' "$T/proxy-pull.log") cuts while pulling: $(cuts_of pull)"
check "A-east synced through the cutting proxy" test "$ok" -eq 1
check "cut pulls still moved the cursor forward ($advanced times)" test "$advanced" -ge 1
check "A-east never lost rows between attempts" test "$regress" -eq 0
check "A-east holds all $N hazards" eq "$(local_hazards aeast)" "$N"
check "A-east holds exactly PostgreSQL's rows and seqs" seqs_match aeast schoolA
check "no local row lies beyond A-east's cursor" eq "$(sqlite3 "$T/aeast.db" \
  "select count(*) from records where seq > (select value from meta where key = 'cursor')")" 0

# ---- 4. black holes: the path stays open and silent
for i in $(seq 1 30); do
  sc amain add hazard --title "Black hole $i" --area traffic --severity high >/dev/null || exit 1
done
blackhole_sync() { # NAME DESC: one sync through proxy NAME must fail in bounded time
  local name=$1 desc=$2 t0 t1 rc
  point amain "$PPORT"
  t0=$(ms)
  sc amain sync --timeout-ms 2000 >"$T/bh.out" 2>"$T/bh.err"
  rc=$?
  t1=$(ms)
  echo "  $desc: exit $rc after $((t1 - t0)) ms: $(head -1 "$T/bh.err")"
  check "$desc: sync exits 3 or 4 (unreachable, or lost mid-sync)" bash -c "[[ $rc == 3 || $rc == 4 ]]"
  check "$desc: it gave up within 5 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 5000
  # and not a second after its 2000 ms: a timed-out connection is dropped at
  # once, not closed gracefully, which waited up to 2 s more for the silent
  # peer's EOF (here it came from the server's own 3 s timeouts, through the
  # proxy: every case ended at ~3.03 s); 800 ms for the process to start
  check "$desc: it ended within 800 ms of its timeout ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 2800
  check "$desc: a clear message" grep -qiE 'no answer|within 2000 ms|timed out' "$T/bh.err"
  check "$desc: all 30 stay in the outbox" eq "$(outbox amain)" 30
}
proxy_start bh0 "$PORT" --drop-after 0
blackhole_sync bh0 "black hole from the first byte"
check "black hole from the first byte: nothing stored" eq "$(pg_hazards schoolA)" "$N"
proxy_stop bh0

# the Push is cut off part way and nothing follows: the server sees half a
# frame then silence, and must close it by its idle timeout
proxy_start bhup "$PORT" --dir up --drop-after "$((U0 + 300))"
blackhole_sync bhup "half a Push then silence"
check "half a Push: nothing stored" eq "$(pg_hazards schoolA)" "$N"
closed=0
for _ in $(seq 1 60); do
  grep -q 'end=dropped' "$T/proxy-bhup.log" && { closed=1; break; }
  sleep 0.1
done
check "the server closed its side of the silent connection by itself" test "$closed" -eq 1
check "the server logged the idle timeout" grep -q 'idle too long' "$T/server.log"
proxy_stop bhup

# the server commits the first batch; its ack falls into the hole
proxy_start bhdown "$PORT" --dir down --drop-after "$ACK_CUT"
blackhole_sync bhdown "PushAck into a black hole"
stored=$(pg_hazards schoolA)
echo "  PushAck into a black hole: the server holds $stored (first batch committed: $((stored > N)))"
check "PushAck into a black hole: all or none of the first batch" eval "[[ $stored == $N || $stored == $((N + 25)) ]]"
proxy_stop bhdown

point amain "$PORT"
check "re-sync after the black holes" sc amain sync --timeout-ms 10000
check "PostgreSQL holds exactly $((N + 30))" eq "$(pg_hazards_distinct schoolA)" "$((N + 30))/$((N + 30))"
check "A-main's outbox is empty" eq "$(outbox amain)" 0
check "A-main's seqs are exactly the server's" seqs_match amain schoolA

# ---- 5. half a frame then silence, straight to the server
probes=()
t0=$(ms)
for i in 1 2 3; do
  "$SCPROBE" 127.0.0.1 "$PORT" "$T/pki/schoolC-main.crt" "$T/pki/schoolC-main.key" "$T/pki/ca.crt" \
    half-frame >"$T/probe$i.out" 2>&1 &
  probes+=($!)
done
sleep 0.3
for i in $(seq 1 5); do
  sc cmain add hazard --title "Meanwhile $i" --area food --severity low >/dev/null || exit 1
done
check "another campus is served while three half frames hang" sc cmain sync --timeout-ms 5000
waiting=0
for p in "${probes[@]}"; do kill -0 "$p" 2>/dev/null && waiting=$((waiting + 1)); done
echo "  probes still waiting on their half frame during that sync: $waiting"
probe_fail=0
for p in "${probes[@]}"; do wait "$p" || probe_fail=$((probe_fail + 1)); done
t1=$(ms)
echo "  half-frame probes closed after $((t1 - t0)) ms"
check "the half frames were closed by the server's timeout (< 8 s)" test $((t1 - t0)) -lt 8000
check "every probe exited 0 (under ASan: nothing leaked)" eq "$probe_fail" 0
check "every probe saw the close" eval "[[ \$(cat '$T'/probe?.out | grep -c '^closed') == 3 ]]"
check "the server logged the Hello timeouts" test "$(grep -c 'timeout conn=.*state=hello' "$T/server.log")" -ge 3
check "schoolC: exactly 5 rows" eq "$(pg_hazards_distinct schoolC)" "5/5"

# ---- 6. a slow path (every chunk delayed 40 ms) still syncs
for i in $(seq 1 60); do
  sc cmain add hazard --title "Slow path $i" --area other --severity low >/dev/null || exit 1
done
proxy_start slow "$PORT" --delay-ms 40
point cmain "$PPORT"
check "sync through a 40 ms delay" sc cmain sync --timeout-ms 10000
proxy_stop slow
check "schoolC: exactly 65 rows" eq "$(pg_hazards_distinct schoolC)" "65/65"
check "C-main's outbox is empty" eq "$(outbox cmain)" 0

check "the server is still running" kill -0 "$SERVER_PID"
check "no hazard is stored twice anywhere" eq "$(sql "select count(*) - count(distinct id) from hazard")" 0
e2e_done
