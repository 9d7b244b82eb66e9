#!/usr/bin/env bash
# Sync health is right after the sync it describes (issue 10: "last sync
# never" right after a pull): a campus reports its health in Hello, before
# the sync; the server records the end of the sync itself when it answers a
# Pull with everything up to the head, and counts what the campus pushed as no
# longer pending. Checked in client_health and in the bureau's dashboard.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init sync_health
client_new amain schoolA main
client_new bureau bureau office
person_new amain vp-amain vice_principal; as_default amain vp-amain
server_start

health() { sql "SELECT coalesce(extract(epoch FROM now() - last_sync)::int::text, 'never'), outbox_pending, oldest_pending IS NULL FROM client_health WHERE school = 'schoolA' AND campus = 'main'"; }

check "two meetings offline" sc amain add meeting --type guard --meeting-date 2026-03-02 --title "Gate rules"
check "..." sc amain add meeting --type guard --meeting-date 2026-03-03 --title "Visitors"
check "the first sync ever" sc amain sync
IFS='|' read -r ago pending none <<<"$(health)"
check "after the first sync, last sync is now (not never)" test "$ago" != never -a "${ago:-99}" -le 10
check "... and the two records pushed are not pending" eq "$pending" 0
check "... nor is there an oldest pending record" eq "$none" t

sql "UPDATE client_health SET last_sync = now() - interval '2 days' WHERE school = 'schoolA'" >/dev/null
check "a third meeting" sc amain add meeting --type guard --meeting-date 2026-03-04 --title "Drill plan"
check "the next sync" sc amain sync
IFS='|' read -r ago pending none <<<"$(health)"
check "the next sync moves last sync at once" test "${ago:-99}" -le 10
check "... nothing pending" eq "$pending" 0

# a Hello from a client whose clock says an older sync does not move it back
check "a sync with nothing to do" sc amain sync
IFS='|' read -r ago pending none <<<"$(health)"
check "last sync stays now" test "${ago:-99}" -le 10

# the bureau sees it on its dashboard
check "the bureau fetches its dashboard" sc bureau dashboard --refresh --csv "$T/csv"
row=$(grep '^schoolA,' "$T/csv/health.csv" | grep ',main,')
check "the bureau's sync health has a row for schoolA/main" test -n "$row"
last=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "last_sync") c = i } NR > 1 && $1 == "schoolA" && $3 == "main" { gsub(/\r/, ""); print $c }' "$T/csv/health.csv")
check "... with a last sync ($last)" test -n "$last"
pend=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "outbox_pending") c = i } NR > 1 && $1 == "schoolA" && $3 == "main" { print $c }' "$T/csv/health.csv")
check "... and 0 pending" eq "$pend" 0

e2e_done
