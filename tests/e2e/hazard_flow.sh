#!/usr/bin/env bash
# The foundation path, end to end: school A (campuses main and east), school B
# and the bureau. A-main reports a hazard while the server is down; the
# principal on A-east assigns it; A-main rectifies; A-east's vice principal
# verifies, each step signed by the person who takes it. Both A campuses see
# the whole history, B sees none of it, the bureau sees all, and PostgreSQL
# holds the derived state.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init hazard_flow

client_new amain schoolA main
client_new aeast schoolA east
client_new bmain schoolB main
client_new bureau bureau office
# people: the principal (district admin key) enrols A-east's staff; A-main's
# are enrolled with the admin key there (the principal's key is at A-east)
person_new aeast chen principal
person_new aeast liu vice_principal chen
person_new aeast sun head_teacher chen
person_new amain zhao logistics
person_new amain li department_head

# offline: the server is not running yet
hz=$(sc amain hazard report --title "Loose handrail, stairwell 2" --area building \
       --severity high --location "Teaching block, stairwell 2" --reporter "Wang Li")
check "report works offline and prints an id" test ${#hz} -eq 36
check "status shows the record waiting in the outbox (with two enrolments)" \
  bash -c "sc() { \"$SAFECAMPUS\" --store \"$T/\$1.db\" \"\${@:2}\"; }; sc amain status | grep -Ei 'pending[^0-9]*3'"
check_fail "sync fails clearly while the server is down" sc amain sync --timeout-ms 2000

server_start
check "A-main pushes its offline hazard" sc amain sync
check "outbox empty after the ack" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" status | grep -Ei 'pending[^0-9]*0'"
check "hazard row is in PostgreSQL" eq "$(sql "select title||'|'||state||'|'||campus from hazard where id='$hz'")" \
  "Loose handrail, stairwell 2|reported|main"

check "A-east pulls it" sc aeast sync
check "A-east sees the hazard" bash -c "\"$SAFECAMPUS\" --store \"$T/aeast.db\" list hazards | grep -q 'Loose handrail'"
check_fail "a teacher may not assign" sc_as aeast sun hazard assign "$hz" --owner "Zhao Gang" \
  --deadline 2030-01-15
check_fail "a typed --role grants nothing" sc aeast hazard assign "$hz" --owner "Zhao Gang" \
  --deadline 2030-01-15 --actor "Principal Chen" --role principal
check "the principal on A-east assigns it" sc_as aeast chen hazard assign "$hz" --owner "Zhao Gang" \
  --deadline 2030-01-15
check "A-east syncs the assignment" sc aeast sync
check "server state is assigned" eq "$(sql "select state||'|'||owner||'|'||deadline from hazard where id='$hz'")" \
  "assigned|Zhao Gang|2030-01-15"

check "A-main pulls the assignment" sc amain sync
check_fail "verify before rectify is refused" sc_as amain li hazard verify "$hz" --note "looks fine"
check "A-main rectifies" sc_as amain zhao hazard rectify "$hz" --note "Handrail re-anchored with 4 new bolts"
check "A-main syncs" sc amain sync
check "A-east pulls" sc aeast sync
check_fail "a head teacher may not verify" sc_as aeast sun hazard verify "$hz" --note "ok"
check "A-east verifies" sc_as aeast liu hazard verify "$hz" --note "Checked by the leadership group, firm"
check "A-east syncs" sc aeast sync
check "verified, it is no longer open (as the dashboard's open hazards count it)" bash -c \
  "\"$SAFECAMPUS\" --store \"$T/aeast.db\" list hazard --status verified | grep -q '^${hz:0:8}' &&
   ! \"$SAFECAMPUS\" --store \"$T/aeast.db\" list hazard --status open | grep -q '^${hz:0:8}'"
check "everyone syncs" bash -c "for c in amain bmain bureau; do \"$SAFECAMPUS\" --store \"$T/\$c.db\" sync || exit 1; done"

check "server state is verified" eq "$(sql "select state||'|'||rectified_by from hazard where id='$hz'")" \
  "verified|Name zhao"
check "three events stored" eq "$(sql "select count(*) from hazard_event where hazard_id='$hz'")" 3
check "each signed, one chain" eq "$(sql "select string_agg(signer||':'||pos, ',' order by pos) from signoff where chain_id='$hz'")" \
  "chen:1,zhao:2,liu:3"

for c in amain aeast bureau; do
  sc "$c" show "$hz" >"$T/show-$c.txt" 2>&1
  check "$c sees the full history" bash -c "grep -qi assign '$T/show-$c.txt' && grep -qi rectif '$T/show-$c.txt' && grep -qi verif '$T/show-$c.txt' && grep -q 'Handrail re-anchored' '$T/show-$c.txt'"
  check "$c sees the state verified" grep -qi "verified" "$T/show-$c.txt"
done
check "school B sees none of A's rows" bash -c "! \"$SAFECAMPUS\" --store \"$T/bmain.db\" list hazards | grep -q 'Loose handrail'"
check_fail "school B cannot show A's hazard" sc bmain show "$hz"
check "bureau lists A's hazard" bash -c "\"$SAFECAMPUS\" --store \"$T/bureau.db\" list hazards | grep -q 'Loose handrail'"

e2e_done
