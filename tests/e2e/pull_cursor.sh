#!/usr/bin/env bash
# A pull cursor never skips a row that commits later with a smaller seq.
#
# Four schools push concurrently in small batches while the server holds every
# push transaction open for 0.3 s after it drew its sequence numbers
# (SAFECAMPUS_FAULT=server_slow_commit), across two worker processes, and the
# bureau pulls in a loop the whole time. A cursor that skipped a row would
# leave it out of the bureau's store for good (later pulls start after the
# cursor), so the final counts must match PostgreSQL exactly.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init pull_cursor
cat >>"$T/server.conf" <<CONF
max_push_records = 5
workers = 2
db_pool = 4
CONF

schools=(schoolA schoolB schoolC schoolD)
for s in "${schools[@]}"; do
  client_new "$s" "$s" main
  for i in $(seq 1 30); do
    sc "$s" hazard report --title "$s hazard $i" --area facility --severity low >/dev/null || exit 1
  done
done
client_new bureau bureau office

SAFECAMPUS_FAULT=server_slow_commit server_start

pids=()
for s in "${schools[@]}"; do
  sc "$s" sync --timeout-ms 60000 >"$T/$s.sync" 2>&1 &
  pids+=($!)
done
pulls=0
while :; do
  running=0
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
  ((running)) || break
  sc bureau sync --timeout-ms 60000 >/dev/null 2>&1 && pulls=$((pulls + 1))
  ((pulls > 400)) && break
done
ok=1
for p in "${pids[@]}"; do wait "$p" || ok=0; done
check "all four schools synced" test "$ok" -eq 1
check "the bureau pulled while pushes were in flight ($pulls pulls)" test "$pulls" -ge 3
check "the server stored 120 hazards" eq "$(sql "select count(*) from hazard")" 120
check "final bureau sync" sc bureau sync
check "the bureau holds every row: no cursor skipped one" \
  eq "$(sqlite3 "$T/bureau.db" "select count(*) from records where kind='hazard'")" 120
check "the bureau's cursor is the highest seq" \
  eq "$(sqlite3 "$T/bureau.db" "select value from meta where key='cursor'")" "$(sql "select max(seq) from hazard")"

e2e_done
