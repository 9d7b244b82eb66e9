#!/usr/bin/env bash
# The bureau issues a notice to schoolA; A acks and reports; the
# bureau changes it; A's report on the old version is refused until it re-acks.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init notice_flow
client_new amain schoolA main
client_new bmain schoolB main
client_new bureau bureau office
server_start

n=$(sc bureau add notice --title "Safety education day" --issue-date 2026-03-16 --due-date 2026-04-10 \
      --targets schoolA --campaign safety_education_day --required-action "class meeting")
check "bureau adds a notice" test ${#n} -eq 36
check_fail "a school may not add a notice" sc amain add notice --title x --issue-date 2026-03-16 --due-date 2026-04-10
check "bureau syncs" sc bureau sync
check "notice row in school ''" eq "$(sql "select school||'|'||targets from notice where id='$n'")" "|schoolA"
check "A pulls" sc amain sync
check "B pulls" sc bmain sync
check "A sees the notice" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" list notice | grep -q 'Safety education day'"
check "B does not" bash -c "! \"$SAFECAMPUS\" --store \"$T/bmain.db\" list notice | grep -q 'Safety education day'"
hlc=$(sc amain show "$n" | sed -n 's/.*(hlc \([0-9]*\)).*/\1/p')
check "hlc shown" test -n "$hlc"
check "A acks" sc amain add notice_event --notice-id "$n" --action ack --actor "Safety office" --notice-hlc "$hlc" --at-ms 1773800000000
check "A reports" sc amain add notice_event --notice-id "$n" --action report --actor "Safety office" --notice-hlc "$hlc" \
   --report-date 2026-04-12 --channels "class_meeting;parent_letter" --evidence "minutes.pdf" --at-ms 1775900000000
check "A syncs" sc amain sync
check "status acked, reported late" eq "$(sql "select acked_hlc||'|'||reported_hlc||'|'||report_date||'|'||late from notice_status where school='schoolA' and notice_id='$n'")" "$hlc|$hlc|2026-04-12|true"
check "bureau changes the notice" sc bureau edit "$n" --due-date 2026-04-20
check "bureau syncs" sc bureau sync
check "A pulls" sc amain sync
check "A reports on the old version" sc amain add notice_event --notice-id "$n" --action report --actor x --notice-hlc "$hlc" \
   --report-date 2026-04-13 --channels lecture --evidence e
sc amain sync >/dev/null 2>&1
check "that report was rejected" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" status | grep -Ei 'reject'"
check "status unchanged" eq "$(sql "select count(*) from notice_event where school='schoolA'")" 2
# bus trip mismatch
b=$(sc amain add bus --plate "A-12345" --seats 45)
check "trip with a mismatch is accepted" sc amain add bus_trip --bus-id "$b" --trip-date 2026-03-09 --direction from_school --boarded 42 --alighted 41 --checked-by He
check_fail "negative count refused" sc amain add bus_trip --bus-id "$b" --trip-date 2026-03-09 --direction from_school --boarded -1 --checked-by He
check "A syncs" sc amain sync
check "mismatch flagged" eq "$(sql "select count(*) from bus_trip where mismatch")" 1
e2e_done
