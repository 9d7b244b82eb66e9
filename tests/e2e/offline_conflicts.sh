#!/usr/bin/env bash
# Two campuses of one school edit the same hazard while offline, then both
# sync: every legal step of both histories is kept, the record's fields
# converge by last writer (HLC), and the one step that became illegal (a second
# rectification) is rejected for that record alone, shown by `status`, and can
# be discarded without blocking the outbox.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init offline_conflicts
client_new amain schoolA main
client_new aeast schoolA east
# the person each client signs its sign-offs with (tests/lib/e2e.sh)
person_new amain vp-amain vice_principal; as_default amain vp-amain
person_new aeast vp-aeast vice_principal; as_default aeast vp-aeast
server_start

hz=$(sc amain hazard report --title "Blocked fire exit" --area fire --severity critical \
       --location "Canteen back door" --reporter "Guard Wu")
check "A-main syncs the new hazard" sc amain sync
check "A-east pulls it" sc aeast sync

server_kill TERM   # both campuses now work offline

check "offline, A-east's principal assigns" sc aeast hazard assign "$hz" --owner "Logistics Zhou" \
  --deadline 2030-03-01
check "offline, A-main adds a note" sc amain hazard note "$hz" --note "Boxes moved out, door still jammed" \
  --actor "Guard Wu"
check "offline, A-main edits the description" sc amain edit "$hz" --description "Door jammed by stacked boxes"
sleep 0.01
check "offline, A-east edits the title later" sc aeast edit "$hz" --title "Blocked fire exit (canteen)"

server_start
check "A-main syncs" sc amain sync
check "A-east syncs" sc aeast sync
check "A-main syncs again" sc amain sync

check "both events are on the server" \
  eq "$(sql "select string_agg(action, ',' order by seq) from hazard_event where hazard_id = '$hz'")" "note,assign"
check "the later title edit won everywhere on the server" \
  eq "$(sql "select title from hazard where id = '$hz'")" "Blocked fire exit (canteen)"
check "the server state is assigned" eq "$(sql "select state from hazard where id = '$hz'")" "assigned"
for c in amain aeast; do
  sc "$c" show "$hz" >"$T/$c.show" 2>&1
  check "$c shows the assignment" grep -q "Logistics Zhou" "$T/$c.show"
  check "$c shows the note" grep -q "door still jammed" "$T/$c.show"
  check "$c shows the winning title" grep -q "Blocked fire exit (canteen)" "$T/$c.show"
done
check "both campuses hold the same two events" \
  eq "$(sqlite3 "$T/amain.db" "select count(*) from records where kind='hazard_event'")" \
     "$(sqlite3 "$T/aeast.db" "select count(*) from records where kind='hazard_event'")"

# Now both rectify offline: only one rectification can stand.
server_kill TERM
check "offline, A-main rectifies" sc amain hazard rectify "$hz" --note "Door re-hung, opens freely"
check "offline, A-east rectifies too" sc aeast hazard rectify "$hz" --note "Hinges replaced"
check "A-east also records an unrelated new hazard" sc aeast hazard report --title "Cracked window pane" \
  --area building --severity low
server_start
check "A-main syncs first: its rectification stands" sc amain sync
sc aeast sync >"$T/aeast.sync" 2>&1
check "A-east's sync completes and reports one rejection" grep -Eqi "rejected[^0-9]*1" "$T/aeast.sync"
check "the unrelated hazard got through in the same sync" \
  eq "$(sql "select count(*) from hazard where title = 'Cracked window pane'")" 1
sc aeast status >"$T/aeast.status" 2>&1
check "status lists the rejected rectification with its reason" grep -qi "not allowed in state rectified" "$T/aeast.status"
check "... and says another campus took the step first: discard, not edit" \
  grep -q "another campus probably took this step first.*outbox discard" "$T/aeast.status"
rej=$(sqlite3 "$T/aeast.db" "select record_id from outbox where state <> 'pending'" | head -1)
check "the rejected entry is still kept locally" test -n "$rej"
check "the user discards it" sc aeast outbox discard "$rej"
check "A-east's outbox is now empty" eq "$(sqlite3 "$T/aeast.db" "select count(*) from outbox")" 0
check "A-east pulls A-main's rectification" sc aeast sync
check "A-east now shows the state rectified" grep -qi "rectified" <(sc aeast show "$hz")
check "server holds exactly one rectification" \
  eq "$(sql "select count(*) from hazard_event where hazard_id = '$hz' and action = 'rectify'")" 1
e2e_done
