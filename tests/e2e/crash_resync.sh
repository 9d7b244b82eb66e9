#!/usr/bin/env bash
# Processes killed mid-sync, then every acknowledged record counted:
#  1. the server is killed (SIGKILL) right after it commits a batch and before
#     the client reads the ack; the client re-syncs: no duplicate, no loss;
#  2. the client is killed after the server committed, before it records the
#     ack; it re-syncs: no duplicate, no loss;
#  3. another campus then pulls everything.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init crash_resync
echo "max_push_records = 25" >>"$T/server.conf"

client_new amain schoolA main
client_new aeast schoolA east

for i in $(seq 1 60); do
  sc amain hazard report --title "Offline hazard $i" --area fire --severity low >/dev/null || exit 1
done
check "60 records wait in the outbox" eq "$(sqlite3 "$T/amain.db" "select count(*) from outbox")" 60

SAFECAMPUS_FAULT=server_kill_after_commit server_start
check_fail "sync fails: the server died after its first commit" sc amain sync --timeout-ms 5000
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
check "the first batch of 25 was committed" eq "$(sql "select count(*) from hazard")" 25
check "the client still holds all 60 (no ack was received)" \
  eq "$(sqlite3 "$T/amain.db" "select count(*) from outbox")" 60

server_start
check "re-sync after restart succeeds" sc amain sync
check "exactly 60 rows, no duplicates" eq "$(sql "select count(*)||'/'||count(distinct id) from hazard")" "60/60"
check "outbox is empty" eq "$(sqlite3 "$T/amain.db" "select count(*) from outbox")" 0
check "every local record has its server seq" \
  eq "$(sqlite3 "$T/amain.db" "select count(*) from records where seq > 0")" 60

for i in $(seq 1 30); do
  sc amain hazard report --title "Second wave $i" --area building --severity medium >/dev/null || exit 1
done
SAFECAMPUS_FAULT=client_kill_before_ack sc amain sync >/dev/null 2>&1
rc=$?
check "the client died by SIGKILL before recording the ack" eq "$rc" 137
check "the server committed that batch" eq "$(sql "select count(*) from hazard")" 85
check "the client kept all 30 in its outbox" eq "$(sqlite3 "$T/amain.db" "select count(*) from outbox")" 30
check "re-sync succeeds" sc amain sync
check "exactly 90 rows, no duplicates" eq "$(sql "select count(*)||'/'||count(distinct id) from hazard")" "90/90"
check "outbox is empty" eq "$(sqlite3 "$T/amain.db" "select count(*) from outbox")" 0
check "seqs are unique" eq "$(sql "select count(distinct seq) from hazard")" 90

check "the other campus pulls everything" sc aeast sync
check "A-east holds all 90 hazards" \
  eq "$(sqlite3 "$T/aeast.db" "select count(*) from records where kind = 'hazard'")" 90

e2e_done
