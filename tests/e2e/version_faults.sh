#!/usr/bin/env bash
# Every acknowledged version counted, under faults.
#
# Two campuses of one school edit a shared pool of hazards, round after round,
# and sync through a TCP proxy that cuts connections mid-frame, while clients
# and the server are SIGKILLed mid-sync. Some rounds run one campus's clock an
# hour fast; some freeze both clocks at one instant, so that both campuses
# issue the same stamps (libfaketime). Every version a campus writes goes into
# a ledger (record, hlc, writer, title). After each round both outboxes must be
# empty (every version acknowledged, none rejected) and, in PostgreSQL:
#   - each acknowledged version is the stored one (same hlc, writer and title)
#     or superseded by a newer one in the order (hlc, writer): lost = 0;
#   - the stored version of every record is one of the ledger's: no phantom;
#   - one row per record: duplicated = 0;
# and both stores hold the server's version of every record.
#
# Knobs: VF_ROUNDS (default 6; tests/soak/versions.sh runs many), VF_SEED,
# VF_POOL (shared records, default 6). Prints the counts at the end; lost and
# duplicated are the most any round's check found.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init version_faults

FAULTPROXY=${SC_FAULTPROXY:-$SC_BIN_DIR/tests/faultproxy}
ROUNDS=${VF_ROUNDS:-6}
SEED=${VF_SEED:-$(date +%s)}
POOL=${VF_POOL:-6}
RANDOM=$SEED
[[ -x "$FAULTPROXY" ]] || { echo "missing $FAULTPROXY (build the tests)"; exit 1; }
FT_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[[ -n "$FT_LIB" ]] || { echo "libfaketime is missing (deploy/deps.sh --test installs faketime)"; exit 1; }
echo "# seed $SEED rounds $ROUNDS pool $POOL"

cat >>"$T/server.conf" <<CONF
handshake_timeout_ms = 3000
hello_timeout_ms = 2000
idle_timeout_ms = 5000
CONF
client_new main schoolA main
client_new east schoolA east
server_start || exit 1

# ---- the proxy, steered through its control file
CTL=$T/proxy.ctl
: >"$CTL"
PPORT=$(e2e_free_port) || exit 1
"$FAULTPROXY" "$PPORT" 127.0.0.1 "$PORT" --control "$CTL" >"$T/proxy.log" 2>&1 &
PROXY=$!
for _ in $(seq 1 50); do grep -q "listening port=" "$T/proxy.log" && break; sleep 0.1; done
vf_cleanup() { kill -KILL "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; e2e_cleanup; }
trap vf_cleanup EXIT
for c in main east; do
  sc "$c" init --server "127.0.0.1:$PPORT" --server-name localhost >/dev/null || exit 1
done
clean_path() { proxy_control "$CTL" "$T/proxy.log"; }
faulty_path() {
  proxy_control "$CTL" "$T/proxy.log" "cut-at-random $RANDOM" "cut-min 1" "cut-max 6000" \
    "dir both" "cut-with random"
}

# ---- clocks
FT_ENV=(LD_PRELOAD="$FT_LIB" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
declare -A CLOCK   # campus -> FAKETIME value, "" for the real clock
scc() {
  local c=$1
  shift
  if [[ -n "${CLOCK[$c]:-}" ]]; then
    env "${FT_ENV[@]}" FAKETIME="${CLOCK[$c]}" "$SAFECAMPUS" --store "$T/$c.db" "$@"
  else
    "$SAFECAMPUS" --store "$T/$c.db" "$@"
  fi
}

# ---- the ledger: every version written, as id|hlc|writer|title
LEDGER=$T/ledger
: >"$LEDGER"
ledger_add() {  # campus id title
  local h
  h=$(sqlite3 "$T/$1.db" "select hlc from outbox where record_id = '$2'")
  [[ -n "$h" ]] || { echo "no outbox entry for $2 at $1"; return 1; }
  echo "$2|$h|$1|$3" >>"$LEDGER"
}
POOL_IDS=()
write_errors=0
for i in $(seq 1 "$POOL"); do
  title="pool $i r0 main"
  id=$(scc main hazard report --title "$title" --area building --severity low --reporter "Guard Wu") || exit 1
  ledger_add main "$id" "$title" || exit 1
  POOL_IDS+=("$id")
done

# ---- one sync attempt with a fault drawn at random
sync_faulty() {
  local c=$1 pid
  case $((RANDOM % 4)) in
    0) faulty_path; scc "$c" sync --timeout-ms 4000 >/dev/null 2>&1; clean_path ;;
    1) scc "$c" sync --timeout-ms 4000 >/dev/null 2>&1 &
       pid=$!
       sleep "0.0$((RANDOM % 10))"
       kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
       CLIENT_KILLS=$((CLIENT_KILLS + 1)) ;;
    2) scc "$c" sync --timeout-ms 4000 >/dev/null 2>&1 &
       pid=$!
       sleep "0.0$((RANDOM % 10))"
       server_kill KILL
       wait "$pid" 2>/dev/null
       SERVER_KILLS=$((SERVER_KILLS + 1))
       server_start >/dev/null || { echo "server did not restart"; exit 1; } ;;
    3) scc "$c" sync --timeout-ms 4000 >/dev/null 2>&1 ;;
  esac
}
sync_clean() { scc "$1" sync --timeout-ms 10000 >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; return 1; }; }

CLIENT_KILLS=0 SERVER_KILLS=0 EQUAL=0 LOST_MAX=0 DUP_MAX=0
check_round() {
  local r=$1
  psql -qAtX -d "$E2E_DB" -c "SET client_min_messages = warning" \
    -c "CREATE TABLE IF NOT EXISTS vf_ledger(id uuid, hlc bigint, writer text, title text)" \
    -c "TRUNCATE vf_ledger" -c "\\copy vf_ledger FROM '$LEDGER' WITH (FORMAT text, DELIMITER '|')" >/dev/null
  LOST=$(sql "SELECT count(*) FROM vf_ledger l LEFT JOIN hazard h ON h.id = l.id
              WHERE h.id IS NULL OR h.hlc < l.hlc
                 OR (h.hlc = l.hlc AND h.written_by COLLATE \"C\" < l.writer COLLATE \"C\")
                 OR (h.hlc = l.hlc AND h.written_by = l.writer AND h.title <> l.title)")
  PHANTOM=$(sql "SELECT count(*) FROM hazard h WHERE NOT EXISTS (SELECT 1 FROM vf_ledger l
                 WHERE l.id = h.id AND l.hlc = h.hlc AND l.writer = h.written_by AND l.title = h.title)")
  DUP=$(sql "SELECT count(*) - count(DISTINCT id) FROM hazard")
  ((LOST > LOST_MAX)) && LOST_MAX=$LOST
  ((DUP > DUP_MAX)) && DUP_MAX=$DUP
  check "round $r: no acknowledged version lost" eq "$LOST" 0
  check "round $r: every stored version is one that was written" eq "$PHANTOM" 0
  check "round $r: no record stored twice" eq "$DUP" 0
  sql "SELECT id || '|' || hlc || '|' || written_by FROM hazard ORDER BY id" >"$T/pg.versions"
  for c in main east; do
    check "round $r: $c's outbox is empty (all acknowledged, none rejected)" \
      eq "$(sqlite3 "$T/$c.db" "select count(*) from outbox")" 0
    sqlite3 "$T/$c.db" "select id || '|' || hlc || '|' || written_by from records where kind = 'hazard' order by id" \
      >"$T/$c.versions"
    check "round $r: $c holds the server's version of every record" diff -q "$T/$c.versions" "$T/pg.versions"
  done
}

for r in $(seq 1 "$ROUNDS"); do
  # the clock of each round is drawn at random, but round 2 is always frozen:
  # with 6 rounds, (2/3)^6 = 9 % of seeds would otherwise draw no round of
  # equal stamps, the case under test (a frozen round makes them: below)
  pick=$((RANDOM % 3))
  ((r == 2)) && pick=2
  case $pick in
    0) CLOCK[main]="" CLOCK[east]="" mode=real ;;
    1) CLOCK[main]="" CLOCK[east]="+1h" mode="east+1h" ;;
    2) f="$(date -u -d "+$((30 + RANDOM % 60)) minutes" '+%Y-%m-%d %H:%M:%S')"
       CLOCK[main]=$f CLOCK[east]=$f mode=frozen ;;
  esac
  # both campuses start the round from the same state, so frozen clocks collide
  sync_clean main && sync_clean east && sync_clean main || { check "round $r: clean sync" false; break; }
  for c in main east; do
    for id in "${POOL_IDS[@]}"; do
      # frozen: both campuses edit every record in the same order, so their
      # counters run alike and each record gets equal stamps from both (with
      # random gaps the counters drift apart, and seed 1796422516 drew none)
      [[ $mode != frozen ]] && ((RANDOM % 3 == 0)) && continue
      title="r$r $c $RANDOM"
      if scc "$c" edit "$id" --title "$title" >/dev/null 2>"$T/edit.err"; then
        ledger_add "$c" "$id" "$title" || write_errors=$((write_errors + 1))
      else
        write_errors=$((write_errors + 1)); cat "$T/edit.err"
      fi
    done
    title="new r$r $c"
    if id=$(scc "$c" hazard report --title "$title" --area fire --severity low --reporter "Guard Wu"); then
      ledger_add "$c" "$id" "$title" || write_errors=$((write_errors + 1))
    else
      write_errors=$((write_errors + 1))
    fi
  done
  eq_round=$(sqlite3 "$T/main.db" "attach '$T/east.db' as e; select count(*) from outbox o join e.outbox x on x.record_id = o.record_id and x.hlc = o.hlc")
  EQUAL=$((EQUAL + eq_round))
  for _ in 1 2 3; do
    if ((RANDOM % 2)); then sync_faulty main; sync_faulty east; else sync_faulty east; sync_faulty main; fi
  done
  # then a clean path, until both have everything
  ok=1
  for c in main east main east; do sync_clean "$c" || ok=0; done
  check "round $r ($mode, $eq_round equal stamps): both campuses sync on a clean path" test "$ok" = 1
  check_round "$r"
done

written=$(wc -l <"$LEDGER")
stored=$(sql "SELECT count(*) FROM hazard")
superseded=$(sql "SELECT count(*) FROM vf_ledger l JOIN hazard h ON h.id = l.id
                  WHERE (h.hlc, h.written_by COLLATE \"C\") > (l.hlc, l.writer COLLATE \"C\")")
check "no write failed at a client" eq "$write_errors" 0
check "some rounds had equal stamps from both campuses (the case under test)" \
  test "$EQUAL" -gt 0 -o "$ROUNDS" -lt 4
echo "# versions written=$written acknowledged=$written stored=$stored superseded=$superseded" \
     "lost=$LOST_MAX duplicated=$DUP_MAX equal_stamps=$EQUAL client_kills=$CLIENT_KILLS" \
     "server_kills=$SERVER_KILLS proxy_cuts=$(grep -c 'cut=' "$T/proxy.log")"
e2e_done
