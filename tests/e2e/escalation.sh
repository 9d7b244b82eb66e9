#!/usr/bin/env bash
# Overdue hazards escalate (docs/internals/escalation.md): to the owner the day
# after the deadline, to the principal at deadline + N days, to the bureau at
# + M days (N, M per severity from escalation_policy), each level once, as
# `escalate` events in the hazard's history that every campus of the school
# and the bureau pull.
#
# "Today" is pinned with escalation_today so that the days overdue, and so the
# levels, are known by hand. Defaults: high 3/7 days, low 14/30, critical 1/3.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init escalation
TODAY=2026-11-25
cat >>"$T/server.conf" <<CONF
workers = 2
db_pool = 2
max_push_records = 5
escalation_interval_ms = 1000
escalation_today = $TODAY
CONF

client_new amain schoolA main
client_new aeast schoolA east
client_new bmain schoolB main
client_new cmain schoolC main
client_new bureau bureau office
# the person each client signs its sign-offs with (tests/lib/e2e.sh)
person_new amain vp-amain vice_principal; as_default amain vp-amain
person_new aeast vp-aeast vice_principal; as_default aeast vp-aeast
person_new bmain vp-bmain vice_principal; as_default bmain vp-bmain
person_new cmain vp-cmain vice_principal; as_default cmain vp-cmain
person_new bureau officer-bureau bureau_officer; as_default bureau officer-bureau

wait_for() { # wait_for SECONDS CMD...: poll until CMD succeeds
  local until=$(( $(date +%s) + $1 ))
  shift
  while (( $(date +%s) < until )); do "$@" && return 0; sleep 0.3; done
  "$@"
}
sql_is() { eq "$(sql "$1")" "$2"; } # re-run on every call, for wait_for
# pass_now: asks the server for an escalation pass (SIGUSR1, forwarded to
# each worker) and waits until every worker has said how its pass ended and
# at least one of them ran it (the others find the escalation lock taken).
# So a check after it sees a whole pass that began after the state it checks.
WORKERS=2
pass_now() {
  local ended='escalation pass .*asked=1' ran='escalation pass (hazards=|skipped reason="nothing due").*asked=1'
  local before ran_before
  before=$(grep -cE "$ended" "$T/server.log" || true)
  ran_before=$(grep -cE "$ran" "$T/server.log" || true)
  kill -USR1 "$SERVER_PID"
  wait_for 15 bash -c "test \$(grep -cE '$ended' '$T/server.log') -ge $((before + WORKERS)) &&
    test \$(grep -cE '$ran' '$T/server.log') -gt $ran_before"
}
escalations() { sql "select count(*) from hazard_event where action = 'escalate'"; }
# levels raised for one hazard, in seq order: "1,2"
levels() { sql "select coalesce(string_agg(escalation_level::text, ',' order by seq), '') from hazard_event where hazard_id = '$1' and action = 'escalate'"; }
levels_are() { eq "$(levels "$1")" "$2"; }
note_of() { sql "select note from hazard_event where hazard_id = '$1' and action = 'escalate' and escalation_level = $2"; }
report() { # report CLIENT TITLE SEVERITY -> id
  sc "$1" hazard report --title "$2" --area facility --severity "$3" --found-date 2026-10-01
}
assign() { # assign CLIENT ID OWNER DEADLINE
  sc "$1" hazard assign "$2" --owner "$3" --deadline "$4"
}

# ---- the hazards, all pushed while escalation is switched off
h1=$(report amain "Loose handrail" high)          # 5 days over, high: owner, principal
h2=$(report amain "Cracked tile" low)             # 5 days over, low: owner
h3=$(report amain "Blocked fire exit" high)       # 15 days over, high: owner, principal, bureau
h4=$(report amain "Dead emergency light" high)    # 24 days over but verified: never
h5=$(report amain "Wobbly bench" low)             # deadline is today: not overdue
h7=$(report amain "Peeling paint" low)            # reported, no deadline: never
h6=$(report bmain "Gas smell in canteen" critical) # 1 day over, critical: owner, principal
check "seven hazards reported" test ${#h1} -eq 36 -a ${#h6} -eq 36 -a ${#h7} -eq 36
check "assign h1 (deadline 2026-11-20)" assign amain "$h1" "Zhao Gang" 2026-11-20
check "assign h2 (deadline 2026-11-20)" assign amain "$h2" "Qian Li" 2026-11-20
check "assign h3 (deadline 2026-11-10)" assign amain "$h3" "Sun Wei" 2026-11-10
check "assign h4 (deadline 2026-11-01)" assign amain "$h4" "Li Na" 2026-11-01
check "assign h5 (deadline $TODAY)" assign amain "$h5" "Zhou Bo" "$TODAY"
check "assign h6 (deadline 2026-11-24)" assign bmain "$h6" "Wu Fang" 2026-11-24
check "rectify h4" sc amain hazard rectify "$h4" --note "new battery"
person_new amain lead-amain department_head
check "verify h4 (by someone other than the rectifier)" sc_as amain lead-amain hazard verify "$h4" \
  --note "lights on test"
server_start --escalation-enabled=0
check "A-main pushes" sc amain sync
check "B-main pushes" sc bmain sync
kill -USR1 "$SERVER_PID"
check "escalation_enabled = 0: SIGUSR1 runs no pass" \
  wait_for 5 grep -q 'escalation is off (escalation_enabled = 0): no pass' "$T/server.log"
check "escalation_enabled = 0: no event" eq "$(escalations)" 0
check "h4 is verified on the server" eq "$(sql "select state from hazard where id = '$h4'")" verified
server_kill

# ---- two workers, a pass every second
server_start
check "both workers start an escalation timer" \
  wait_for 5 bash -c "test \$(grep -c 'escalation enabled' '$T/server.log') -eq 2"
check "8 escalate events appear within 10 s" \
  wait_for 10 sql_is "select count(*) from hazard_event where action = 'escalate'" 8
check "another pass asked for (SIGUSR1) runs" pass_now
check "a second asked-for pass runs" pass_now
check "no duplicates after further passes (still 8)" eq "$(escalations)" 8
check "no level raised twice for a hazard" eq "$(sql "select count(*) from (select hazard_id, deadline_date, escalation_level from hazard_event where action = 'escalate' group by 1, 2, 3 having count(*) > 1) d")" 0
check "h1 (high, 5 days): owner, principal" eq "$(levels "$h1")" "1,2"
check "h2 (low, 5 days): owner" eq "$(levels "$h2")" "1"
check "h3 (high, 15 days): owner, principal, bureau" eq "$(levels "$h3")" "1,2,3"
check "h4 (verified) is never escalated" eq "$(levels "$h4")" ""
check "h5 (deadline today) is not overdue" eq "$(levels "$h5")" ""
check "h7 (no deadline) is not escalated" eq "$(levels "$h7")" ""
check "h6 (critical, 1 day, school B): owner, principal" eq "$(levels "$h6")" "1,2"
check "hazard.escalation_level holds the level reached" \
  eq "$(sql "select string_agg(escalation_level::text, ',' order by title) from hazard where id in ('$h1', '$h2', '$h3', '$h4', '$h6')")" "3,1,0,2,2"
check "the owner's note names the owner and the deadline" \
  eq "$(note_of "$h1" 1)" "overdue 5 days (deadline 2026-11-20): escalated to the owner, Zhao Gang"
check "the principal's note" \
  eq "$(note_of "$h1" 2)" "overdue 5 days (deadline 2026-11-20): escalated to the principal"
check "the bureau's note" \
  eq "$(note_of "$h3" 3)" "overdue 15 days (deadline 2026-11-10): escalated to the bureau"
check "one day is singular" \
  eq "$(note_of "$h6" 2)" "overdue 1 day (deadline 2026-11-24): escalated to the principal"
check "events are the server's, on the hazard's school and campus" \
  eq "$(sql "select string_agg(x, ' ' order by x) from (select distinct concat_ws('/', school, campus, written_by, actor, actor_role, deadline_date) x from hazard_event where action = 'escalate' and hazard_id in ('$h1', '$h6')) d")" \
  "schoolA/main/server/safecampusd//2026-11-20 schoolB/main/server/safecampusd//2026-11-24"
check "every event drew its seq from sync_seq (distinct, above the pushes')" \
  eq "$(sql "select count(distinct seq) from hazard_event where action = 'escalate' and seq > (select max(seq) from hazard_event where action <> 'escalate')")" 8
passes=$(grep -o 'escalation pass hazards=[0-9]* events=[0-9]*' "$T/server.log" | awk -F'events=' '{s += $2} END {print s + 0}')
check "the passes' log lines add up to 8 events" eq "$passes" 8

# ---- the campuses and the bureau pull them
for c in amain aeast bmain bureau; do
  check "$c pulls" sc "$c" sync
done
sc aeast show "$h3" >"$T/show-h3.txt" 2>&1
check "A-east: show lists three escalate events" eq "$(grep -c '^  .*escalate ' "$T/show-h3.txt")" 3
check "A-east: show lists them in order: owner, principal, bureau" \
  eq "$(grep -o 'escalated to the [a-z]*' "$T/show-h3.txt" | awk '{print $4}' | paste -sd' ')" "owner principal bureau"
check "escalate events have distinct, increasing HLCs in level order" \
  sql_is "select bool_and(ok) from (select hlc > lag(hlc) over (partition by hazard_id order by seq) or lag(hlc) over (partition by hazard_id order by seq) is null as ok from hazard_event where action = 'escalate') d" t
check "A-east: every event is counted by the client's fold" bash -c "! grep -q 'not counted' '$T/show-h3.txt'"
check "A-east: the state is unchanged (assigned)" grep -q "^state: assigned" "$T/show-h3.txt"
# the same history in the browser, in Chinese: the server's note and actor in words
WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/aeast.db" serve --no-sync --listen 127.0.0.1:$WP >>"$T/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$WP/" && break; sleep 0.1; done
curl -s -H 'Accept-Language: zh-CN' "http://127.0.0.1:$WP/r/$h3" >"$T/h3.html"
kill $SPID; wait $SPID 2>/dev/null
check "A-east's page of the hazard: the escalations in Chinese, by the district server" bash -c \
  "grep -q '区服务器（自动督办）' '$T/h3.html' && grep -q '已上报区教育局督办' '$T/h3.html' &&
   grep -q '逾期督办' '$T/h3.html' && ! grep -Eq 'escalated to|safecampusd' '$T/h3.html'"
sc bureau show "$h6" >"$T/show-h6.txt" 2>&1
check "bureau: show lists school B's escalations" eq "$(grep -c 'escalated to the' "$T/show-h6.txt")" 2
check_fail "school B cannot see school A's hazard" sc bmain show "$h1"
check "school B holds only its own escalations" \
  eq "$(sqlite3 "$T/bmain.db" "select count(*) from records where kind = 'hazard_event'")" \
     "$(sql "select count(*) from hazard_event where school = 'schoolB'")"
check "A-east holds every event of school A" \
  eq "$(sqlite3 "$T/aeast.db" "select count(*) from records where kind = 'hazard_event'")" \
     "$(sql "select count(*) from hazard_event where school = 'schoolA'")"

# ---- a new deadline starts the count again; the district changes its policy in SQL
check "h2 re-assigned with another past deadline" assign aeast "$h2" "Qian Li" 2026-11-22
check "h1 re-assigned with a future deadline" assign aeast "$h1" "Zhao Gang" 2026-12-31
check "A-east pushes the re-assignments" sc aeast sync
check "h2 is escalated to its owner again within 6 s" wait_for 6 levels_are "$h2" "1,1"
check "a further pass asked for runs" pass_now
check "h2 (new deadline): its owner again, against 2026-11-22" eq "$(levels "$h2")" "1,1"
check "h2's new note names the new deadline" \
  eq "$(sql "select note from hazard_event where hazard_id = '$h2' and action = 'escalate' order by seq desc limit 1")" \
     "overdue 3 days (deadline 2026-11-22): escalated to the owner, Qian Li"
check "h1 (future deadline) is back at level 0 and not escalated" \
  eq "$(sql "select escalation_level from hazard where id = '$h1'")|$(levels "$h1")" "0|1,2"
check "the district shortens the low-severity principal delay" \
  sql "update escalation_policy set to_principal_days = 3 where severity = 'low'"
check "h2 reaches the principal on the next pass" wait_for 6 levels_are "$h2" "1,1,2"
check "A-main pulls" sc amain sync
sc amain show "$h2" >"$T/show-h2.txt" 2>&1
check "A-main: h2's history shows both rounds, all counted" \
  bash -c "test \$(grep -c 'escalated to the' '$T/show-h2.txt') -eq 3 && ! grep -q 'not counted' '$T/show-h2.txt'"

# ---- pushes and passes interleaved: pull cursors still see everything
server_kill
for i in $(seq 1 12); do
  id=$(report cmain "School C hazard $i" low) || break
  assign cmain "$id" "Owner $i" 2026-11-01 >/dev/null || break
done
SAFECAMPUS_FAULT=server_slow_commit server_start
sc cmain sync --timeout-ms 60000 >"$T/cmain.sync" 2>&1 &
cpid=$!
pulls=0
while kill -0 "$cpid" 2>/dev/null && ((pulls < 200)); do
  sc bureau sync --timeout-ms 60000 >/dev/null 2>&1 && pulls=$((pulls + 1))
done
wait "$cpid"
check "school C pushed 24 records in batches of 5" test $? -eq 0
check "school C's 12 hazards reach the principal (24 events)" \
  wait_for 10 sql_is "select count(*) from hazard_event where school = 'schoolC' and action = 'escalate'" 24
check "final bureau sync" sc bureau sync
check "the bureau holds every hazard_event: no cursor skipped one" \
  eq "$(sqlite3 "$T/bureau.db" "select count(*) from records where kind = 'hazard_event'")" \
     "$(sql "select count(*) from hazard_event")"
check "the bureau holds every hazard" \
  eq "$(sqlite3 "$T/bureau.db" "select count(*) from records where kind = 'hazard'")" \
     "$(sql "select count(*) from hazard")"
check "the bureau's cursor is the highest seq" \
  eq "$(sqlite3 "$T/bureau.db" "select value from meta where key = 'cursor'")" \
     "$(sql "select greatest((select max(seq) from hazard), (select max(seq) from hazard_event))")"
check "no escalation pass failed" bash -c "! grep -q 'escalation pass failed' '$T/server.log'"
server_kill

# ---- two workers' passes overlapping on purpose: each pass is held open 1.5 s
# and the escalation lock is bypassed, so both workers run round 2 at once;
# the district sync lock alone must keep every level single
for i in 1 2 3; do
  id=$(report bmain "School B overlap hazard $i" high) || break
  assign bmain "$id" "Owner B$i" 2026-11-20 >/dev/null || break
done
mark=$(wc -l <"$T/server.log")
SAFECAMPUS_FAULT=escalation_slow_commit,escalation_no_pass_lock server_start --log-level=debug
check "B-main pushes three more overdue hazards" sc bmain sync
check "they reach the principal: 6 new events" \
  wait_for 12 sql_is "select count(*) from hazard_event where action = 'escalate' and school = 'schoolB'" 8
check "a further pass asked for runs (both workers at once)" pass_now
check "still 6 after overlapping passes" \
  sql_is "select count(*) from hazard_event where action = 'escalate' and school = 'schoolB'" 8
check "no level raised twice against one deadline, anywhere" \
  sql_is "select count(*) from (select hazard_id, deadline_date, escalation_level from hazard_event where action = 'escalate' group by 1, 2, 3 having count(*) > 1) d" 0
check "a second worker's pass overlapped and raised nothing" \
  bash -c "tail -n +$((mark + 1)) '$T/server.log' | grep -q 'escalation pass hazards=0 events=0'"
check "B-main pulls them" sc bmain sync
check "B-main holds every event of school B" \
  eq "$(sqlite3 "$T/bmain.db" "select count(*) from records where kind = 'hazard_event'")" \
     "$(sql "select count(*) from hazard_event where school = 'schoolB'")"
check "no escalation pass failed" bash -c "! grep -q 'escalation pass failed' '$T/server.log'"
server_kill
check "the server stops cleanly with its timers" bash -c "! grep -q 'handles still open' '$T/server.log'"

e2e_done
