#!/usr/bin/env bash
# Notices end to end, through the `notice` verbs: the bureau issues a notice to
# schoolA and a campaign-day notice from a template to every school; a school
# may not issue one; A acknowledges and reports (late); the bureau's list
# counts it; the bureau changes the notice, so A's standing becomes "re-ack"
# and a report is refused locally until A acknowledges again; a report made
# offline against the old version is refused by the server. Also the generic
# `add notice_event` path and a bus trip mismatch flagged on the server.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init notice_flow
client_new amain schoolA main
client_new aeast schoolA east
client_new bmain schoolB main
client_new bureau bureau office
# the person each client signs its sign-offs with (tests/lib/e2e.sh)
person_new amain vp-amain vice_principal; as_default amain vp-amain
person_new aeast vp-aeast vice_principal; as_default aeast vp-aeast
person_new bmain vp-bmain vice_principal; as_default bmain vp-bmain
person_new bureau officer-bureau bureau_officer; as_default bureau officer-bureau
server_start

# ---------------------------------------------------------------- issue
n=$(sc bureau notice issue --title "Drowning prevention" --body "Teach the six don'ts." \
      --issue-date 2026-03-16 --due-date 2026-04-10 --targets schoolA \
      --campaign drowning --required-action "class meeting; letter to parents")
check "bureau issues a notice" test ${#n} -eq 36
sc amain notice issue --title x --issue-date 2026-03-16 --due-date 2026-04-10 >"$T/o" 2>"$T/e"
check "a school may not issue a notice (exit 1)" eq "$?" 1
check "the refusal says only the bureau issues notices" grep -q "only the bureau issues notices" "$T/e"
check_fail "a school may not add a notice either" sc amain add notice --title x --issue-date 2026-03-16 --due-date 2026-04-10
check_fail "due before issue is refused" sc bureau notice issue --title x --issue-date 2026-04-16 --due-date 2026-04-10
check_fail "a bad target id is refused" sc bureau notice issue --title x --due-date 2030-04-10 --targets "school A"
check_fail "the bureau may not acknowledge" sc bureau notice ack "$n"

# a campaign day from the template: safety education day 2026 = last Monday of March
sc bureau notice template safety_education_day --year 2026 --dry-run >"$T/dry" 2>&1
check "template dry run: the date is the last Monday of March" grep -q "2026-03-30" "$T/dry"
check "template dry run: due 7 days later" grep -q "^due_date: *2026-04-06" "$T/dry"
check "template text in Chinese" grep -q "全国中小学生安全教育日" "$T/dry"
check "template text in English" grep -q "National Safety Education Day" "$T/dry"
sc bureau notice template fire_day_119 --year 2027 --dry-run >"$T/dry119" 2>&1
check "119 day is 9 November" grep -q "^due_date: *2027-11-16" "$T/dry119"
sc bureau notice template national_security_day --year 2026 --dry-run --due-date 2026-04-30 >"$T/dryns" 2>&1
check "a given due date wins" grep -q "^due_date: *2026-04-30" "$T/dryns"
sc bureau notice template disaster_prevention_day --year 2026 --dry-run >"$T/drydp" 2>&1
check "disaster prevention day is 12 May" grep -q "2026-05-12" "$T/drydp"
sc bureau notice template safety_month --year 2026 --dry-run >"$T/drysm" 2>&1
check "safety month is June, due 7 days after it" grep -q "^due_date: *2026-07-07" "$T/drysm"
check_fail "a campaign without a fixed day has no template" sc bureau notice template helmet_belt --year 2026
t=$(sc bureau notice template safety_education_day --year 2026)
check "template issues a notice to every school" test ${#t} -eq 36
check "its campaign and dates are stored" bash -c "\"$SAFECAMPUS\" --store \"$T/bureau.db\" show $t | grep -q 'campaign *safety_education_day'"

check "bureau syncs" sc bureau sync
check "notice row in school ''" eq "$(sql "select school||'|'||targets from notice where id='$n'")" "|schoolA"
check "template row: dates and campaign" eq "$(sql "select issue_date||'|'||due_date||'|'||campaign from notice where id='$t'")" \
  "2026-03-16|2026-04-06|safety_education_day"
for c in amain aeast bmain; do check "$c pulls" sc $c sync; done
check "A sees the targeted notice" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" notice list | grep -q 'Drowning prevention'"
check "B does not" bash -c "! \"$SAFECAMPUS\" --store \"$T/bmain.db\" notice list | grep -q 'Drowning prevention'"
check "B sees the notice for every school" bash -c "\"$SAFECAMPUS\" --store \"$T/bmain.db\" notice list | grep -q '安全教育日'"
sc amain notice list >"$T/alist"
check "A's standing: unread" grep -Eq "^${n:0:8} .* unread!? " "$T/alist"

# ---------------------------------------------------------------- not yours reads as not there
# B answers A's notice, and a notice that does not exist, by hand: the server
# must give the same answer, so B cannot tell whether A has a notice.
probe() { timeout 60 "${SC_SCPROBE:-$SC_BIN_DIR/tests/scprobe}" 127.0.0.1 "$PORT" \
  "$T/pki/schoolB-main.crt" "$T/pki/schoolB-main.key" "$T/pki/ca.crt" "$@"; }
ghost=00000000-0000-4000-8000-000000000000
PROBE_SCHOOL=schoolB probe push-notice-ack "$n" >"$T/p1" 2>&1
PROBE_SCHOOL=schoolB probe push-notice-ack "$ghost" >"$T/p2" 2>&1
check "B's ack of A's notice is refused as not found" grep -q "^result i=0 accepted=0 seq=0 reason=5 " "$T/p1"
check "the same answer as for no notice at all" eq "$(sed -n "s/$n/ID/p" "$T/p1" | grep '^result')" \
  "$(sed -n "s/$ghost/ID/p" "$T/p2" | grep '^result')"

# ---------------------------------------------------------------- answer
check_fail "report before ack is refused locally" sc amain notice report "$n" --report-date 2026-04-01 \
  --channels class_meeting --evidence minutes.pdf
sc amain notice report "$n" --report-date 2026-04-01 --channels class_meeting --evidence x >/dev/null 2>"$T/e"
check "the refusal says to acknowledge first" grep -q "must be acknowledged" "$T/e"
check "A acknowledges" sc amain notice ack "$n"
hlc=$(sc amain show "$n" | sed -n 's/.*(hlc \([0-9]*\)).*/\1/p' | head -1)
check "the ack names the notice's version" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" export notice_event --csv | grep -q ',ack,Name vp-amain,$hlc,'"
check "acking again is harmless" sc amain notice ack "$n"
check_fail "a report without channels is a usage error" sc amain notice report "$n" --evidence x
check_fail "an unknown channel is refused" sc amain notice report "$n" --channels carrier_pigeon --evidence x
check_fail "a report dated before the issue date is refused" sc amain notice report "$n" \
  --report-date 2026-03-01 --channels class_meeting --evidence x
check "A reports (late)" sc amain notice report "$n" --report-date 2026-04-12 \
  --channels "class_meeting;parent_letter" --evidence "minutes.pdf"
sc amain notice list >"$T/alist"
check "A's standing: late" grep -Eq "^${n:0:8} .* late " "$T/alist"
check "A syncs" sc amain sync
check "server status: acked, reported late" eq "$(sql "select acked_hlc||'|'||reported_hlc||'|'||report_date||'|'||late from notice_status where school='schoolA' and notice_id='$n'")" "$hlc|$hlc|2026-04-12|true"
check "A-east pulls" sc aeast sync
sc aeast notice list >"$T/elist"
check "A-east sees the same standing" grep -Eq "^${n:0:8} .* late " "$T/elist"

check "B records something (so the bureau knows B)" sc bmain add meeting --type guard \
  --meeting-date 2026-03-20 --title "Guard meeting"
check "B syncs" sc bmain sync
check "bureau pulls the answers" sc bureau sync
sc bureau notice list >"$T/blist"
# columns: ID TITLE [ISSUED, when there is room] DUE STATUS SCHOOLS ACK RPT LATE MISS
check "bureau counts: 1 school, 1 acked, 0 on time, 1 late, 0 missing" \
  grep -Eq "^${n:0:8} +Drowning prevention +(2026-03-16 +)?2026-04-10 +past_due +1 +1 +0 +1 +0 " "$T/blist"
check "bureau counts the template notice over the schools it knows: B is missing" \
  grep -Eq "^${t:0:8} .* past_due! +all:2 +0 +0 +0 +2 " "$T/blist"
sc bureau show "$n" >"$T/bshow"
check "bureau show lists the school's standing" grep -Eq "^  schoolA +late " "$T/bshow"
check "bureau --status past_due" bash -c "\"$SAFECAMPUS\" --store \"$T/bureau.db\" list notice --status overdue | grep -q '^${t:0:8}'"

# ---------------------------------------------------------------- a changed notice must be acknowledged again
check "bureau changes the notice" sc bureau edit "$n" --due-date 2026-04-20
check "bureau syncs" sc bureau sync
# offline, before it pulls the change, A adds evidence to its report
check "A reports again on the version it knows" sc amain notice report "$n" --report-date 2026-04-13 \
  --channels lecture --evidence "photos.zip"
sc amain sync >/dev/null 2>&1
check "the server refused that report: the notice changed" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" status | grep -Ei 'illegal_transition.*changed after'"
check "A pulls" sc amain sync
sc amain notice list >"$T/alist"
check "A's standing: re-ack" grep -Eq "^${n:0:8} .* re-ack " "$T/alist"
sc amain notice report "$n" --report-date 2026-04-13 --channels lecture --evidence e >/dev/null 2>"$T/e"
check "a report on the changed notice is refused until it is acknowledged again" grep -q "acknowledge it again" "$T/e"
check_fail "so is one naming the old version through add" sc amain add notice_event --notice-id "$n" \
  --action report --notice-hlc "$hlc" --report-date 2026-04-13 --channels lecture --evidence e
check "server kept two events" eq "$(sql "select count(*) from notice_event where school='schoolA'")" 2
check "A acknowledges the new version" sc amain notice ack "$n"
check "A reports on it, on time now" sc amain notice report "$n" --report-date 2026-04-13 --channels lecture --evidence e
check "A syncs" sc amain sync
check "server status: the new version, not late" eq "$(sql "select (acked_hlc > $hlc)::text||'|'||(reported_hlc > $hlc)::text||'|'||late from notice_status where school='schoolA' and notice_id='$n'")" "true|true|false"
sc amain notice list >"$T/alist"
check "A's standing: reported" grep -Eq "^${n:0:8} .* reported " "$T/alist"
check "A lists only notices to report on" bash -c "! \"$SAFECAMPUS\" --store \"$T/amain.db\" notice list --status open | grep -q '^${n:0:8}'"

# ---------------------------------------------------------------- bus trip mismatch
b=$(sc amain add bus --plate "A-12345" --seats 45)
check "trip with a mismatch is accepted" sc amain add bus_trip --bus-id "$b" --trip-date 2026-03-09 --direction from_school --boarded 42 --alighted 41 --checked-by He
check_fail "negative count refused" sc amain add bus_trip --bus-id "$b" --trip-date 2026-03-09 --direction from_school --boarded -1 --checked-by He
check "A syncs" sc amain sync
check "mismatch flagged" eq "$(sql "select count(*) from bus_trip where mismatch")" 1
e2e_done
