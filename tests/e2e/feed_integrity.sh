#!/usr/bin/env bash
# What one school can do to the feed others read, with real certificates:
#  1. ids are unique in the district for each kind: school A cannot push a
#     record under the id of school B's record (the bureau's feed would hold two
#     rows with one id, and a client applying rows by id would show A's row for
#     B's); B still edits its own record; A's record with a fresh id is fine;
#  2. a Pull cursor beyond the feed's head is refused (it would skip every row
#     committed below it), one at the head is fine;
#  3. a school's Notify.head is the newest seq of its own rows (or the
#     bureau's), not the district's: it never learns how much others write.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init feed_integrity
client_new amain schoolA main
client_new bmain schoolB main
client_new bureau "" bureau 2>/dev/null || true
server_start

probe_as() {  # SCHOOL-CAMPUS MODE [ARG]
  local who=$1 mode=$2
  shift 2
  timeout 30 "$SC_BIN_DIR/tests/scprobe" 127.0.0.1 "$PORT" "$T/pki/$who.crt" "$T/pki/$who.key" \
    "$T/pki/ca.crt" "$mode" "$@" 2>&1
}
has() { grep -q -- "$2" <<<"$1" || { echo "missing [$2] in:"; echo "$1"; return 1; }; }

# ---- 1. ids unique in the district
hzb=$(sc bmain hazard report --title "B's handrail" --area building --severity high --reporter "Guard Li")
check "school B syncs its hazard" sc bmain sync
out=$(PROBE_ID=$hzb PROBE_SCHOOL=schoolA PROBE_CAMPUS=main probe_as schoolA-main push-hazard "A under B's id")
check "school A's hazard under B's id is refused" has "$out" "result i=0 accepted=0 seq=0 reason=2"
check "the refusal says the id belongs to another school" has "$out" "already used by another school"
check "no second row with that id" eq "$(sql "select count(*) from hazard where id = '$hzb'")" 1
check "B's row is untouched" eq "$(sql "select school || '|' || title from hazard where id = '$hzb'")" "schoolB|B's handrail"
out=$(PROBE_SCHOOL=schoolA PROBE_CAMPUS=main probe_as schoolA-main push-hazard "A's own")
check "school A's hazard under a fresh id is accepted" has "$out" "result i=0 accepted=1"
check "school B still edits its own record" sc bmain edit "$hzb" --title "B's handrail, fixed"
check "and syncs the edit" sc bmain sync
check "B's edit is stored" eq "$(sql "select title from hazard where id = '$hzb'")" "B's handrail, fixed"
check "B's outbox is empty" eq "$(sqlite3 "$T/bmain.db" "select count(*) from outbox")" 0

# ---- 2. the cursor range
head=$(sql "select last_value from sync_seq")
out=$(probe_as schoolA-main pull "$head")
check "a cursor at the head is fine" has "$out" "changes n=0 cursor=$head more=0"
out=$(probe_as schoolA-main pull 0)
check "cursor 0 returns A's rows" has "$out" "changes n=1 "
out=$(probe_as schoolA-main pull "$((head + 1000000))")
check "a cursor beyond the head is refused: ERROR_BAD_REQUEST" has "$out" "error code=10 "
check "the refusal says to pull from 0" has "$out" "pull again from cursor 0"
# ---- 3. Notify.head: what the school may see, not the district's volume
for i in $(seq 1 5); do
  PROBE_SCHOOL=schoolA PROBE_CAMPUS=main probe_as schoolA-main push-hazard "A's volume $i" >/dev/null
done
b_head=$(sql "select max(seq) from hazard where school = 'schoolB'")
d_head=$(sql "select last_value from sync_seq")
out=$(probe_as schoolB-main watch-dashboard 1)
check "B's Notify.head is B's own newest seq ($b_head), not the district's ($d_head)" \
  has "$out" "notify head=$b_head\$"
out=$(probe_as schoolA-main watch-dashboard 1)
check "A's Notify.head is A's newest seq ($d_head)" has "$out" "notify head=$d_head\$"

out=$(probe_as schoolA-main handshake)
check "the server still serves" has "$out" "welcome school=schoolA"
e2e_done
