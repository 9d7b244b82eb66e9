#!/usr/bin/env bash
# One definition on both sides (issue 10: `letter coverage` said 4/7 at the
# school while the dashboard said 5/7; `list equipment` said "current" for an
# item the dashboard counted overdue): a generated district (tests/data/scgen)
# is synced through the real path, then each school's local numbers, read
# offline from its own store, equal the server's SQL for the same day:
#   - letter coverage: holders and current staff (sc_indicator_values 'letters');
#   - equipment overdue: `list equipment --status overdue` (equipment_overdue);
# and by hand: the principal who counter-signs is covered, an unmatched name
# covers nobody, and recording a check moves the item's dates and status; the
# district's letters' due day reaches the school with its Dashboard.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
SCGEN=$SC_BIN_DIR/scgen
[[ -x $SCGEN ]] || SCGEN=$SC_BIN_DIR/tests/data/scgen
[[ -x $SCGEN ]] || { echo "scgen not built (add_subdirectory(tests/data))"; exit 1; }
e2e_init numbers_agree
today=$(date +%F)
year=${today:0:4}
mkdir -p "$T/stores"
echo "require_signatures = 0" >>"$T/server.conf" # scgen's records are unsigned
client_new stores/bureau-office bureau office
client_new stores/school01-main school01 main
client_new stores/school02-main school02 main
check "scgen writes the stores" "$SCGEN" --seed 11 --schools 2 --term-start 2026-09-01 \
  --term-end 2027-01-22 --today "$today" --stores "$T/stores"
server_start || exit 1
for s in bureau-office school01-main school02-main; do
  check "$s syncs" sc "stores/$s" sync --timeout-ms 60000
done

server_num() { # SCHOOL KEY -> "num den" of the period as of today
  sql "SELECT coalesce(num, 0)::int || ' ' || coalesce(den, 0)::int FROM sc_indicator_values('2026-09-01', '2027-01-22', '$today', '$1') WHERE school = '$1' AND win = 'period' AND key = '$2'"
}
local_letters() { # STORE -> "holders staff"
  sc "$1" letter coverage | sed -n 's/^coverage [0-9]*: \([0-9]*\) of \([0-9]*\) current staff.*/\1 \2/p'
}
local_overdue() { # STORE -> items overdue as `list` says
  sc "$1" list equipment --status overdue | grep -c '^[0-9a-f]\{8\} '
}
for s in school01 school02; do
  srv=$(server_num "$s" letters)
  loc=$(local_letters "stores/$s-main")
  check "$s: letter coverage, local ($loc) = server ($srv)" eq "$loc" "$srv"
  srv=$(server_num "$s" equipment_overdue)
  check "$s: equipment overdue, local = server (${srv%% *})" eq "$(local_overdue "stores/$s-main")" "${srv%% *}"
done

# ---- reporting rates (sc_rates_of), per data set: the school's own count
# (`safecampus rates`, offline from its store) = the server's, for the
# period sc_period gives today
# then "1530" as the dashboard's rates table has it (server/dash_build.c's
# rate_1530): the indicator education_1530's due and held for the period
RATE_KINDS="notice_report drill letter equipment_check bus_inspection education_1530"
server_rates() { # SCHOOL [DAY] -> "kind expected received on_time" a line, sc_rates_of's order
  sql "SELECT r.kind || ' ' || r.expected || ' ' || r.received || ' ' || r.on_time FROM sc_period(NULL, NULL, '${2:-$today}') p CROSS JOIN LATERAL sc_rates_of(p.period_start, p.period_end, p.as_of, ARRAY['$1']) r"
  sql "SELECT 'education_1530 ' || coalesce(max(v.den), 0)::int || repeat(' ' || coalesce(max(least(v.num, v.den)), 0)::int, 2) FROM sc_period(NULL, NULL, '${2:-$today}') p CROSS JOIN LATERAL sc_indicator_values(p.period_start, p.period_end, p.as_of, '$1') v WHERE v.school = '$1' AND v.win = 'period' AND v.key = 'education_1530'"
}
server_period() { sql "SELECT period_start || ' to ' || period_end FROM sc_period(NULL, NULL, '$today')"; }
local_rates() { # STORE [RATES OPTIONS] -> the same lines from the table `rates` prints
  local store=$1
  shift
  LANG=C.UTF-8 sc "$store" --lang en rates "$@" >"$T/rates.out" || return 1
  paste -d' ' <(printf '%s\n' $RATE_KINDS) <(awk '/EXPECTED/ {on = 1; next}
    on && $(NF-2) ~ /^[0-9]+$/ && $(NF-3) ~ /^[0-9]+$/ && $(NF-4) ~ /^[0-9]+$/ {print $(NF-4), $(NF-3), $(NF-2); next}
    on {exit}' "$T/rates.out")
}
rates_agree() { # SCHOOL STORE WHEN
  local srv loc
  srv=$(server_rates "$1")
  loc=$(local_rates "$2")
  check "$1 $3: rates, local = server ($(echo $srv | tr '\n' ' '))" eq "$loc" "$srv"
}
missing_agree() { # SCHOOL STORE WHEN: `rates --missing` lists sc_missing_of's rows
  # and the dashboard's "1530" line (server/dash_build.c's missing_1530: the
  # indicator's due and held for the period, due the last school day before
  # the as-of day, dash_query.c's Q_PERIOD)
  local srv loc
  srv=$(sql "SELECT m.due_date || '  ' || m.what FROM sc_period(NULL, NULL, '$today') p CROSS JOIN LATERAL sc_missing_of(p.period_start, p.period_end, p.as_of, ARRAY['$1']) m
             UNION ALL
             SELECT (SELECT max(k.day)::text FROM sc_calendar(p.period_start, p.period_end) k WHERE k.day < p.as_of)
                    || '  \"1530\" sessions: ' || (v.den - v.num)::int || ' of ' || v.den::int || ' not held'
             FROM sc_period(NULL, NULL, '$today') p CROSS JOIN LATERAL sc_indicator_values(p.period_start, p.period_end, p.as_of, '$1') v
             WHERE v.school = '$1' AND v.win = 'period' AND v.key = 'education_1530' AND v.den > v.num" | LC_ALL=C sort)
  loc=$(LANG=C.UTF-8 sc "$2" --lang en rates --missing | sed -n '/^MISSING SUBMISSIONS/,/^  [^0-9]/s/^  \([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]  .*\)/\1/p' | LC_ALL=C sort)
  check "$1 $3: missing submissions, local = server ($(printf '%s' "$srv" | grep -c .))" eq "$loc" "$srv"
}
for s in school01 school02; do
  check "$s: the local period is the server's ($(server_period))" \
    grep -q "^period $(server_period) " <(LANG=C.UTF-8 sc "stores/$s-main" --lang en rates)
  name=$(sql "SELECT name FROM sc_schools() WHERE school = '$s'")
  check "$s: rates names the school ($name), not its id" \
    bash -c "LANG=C.UTF-8 \"$SAFECAMPUS\" --store \"$T/stores/$s-main.db\" --lang en rates | head -1 | grep -qF -- \"of school $name,\""
  rates_agree "$s" "stores/$s-main" "(generated)"
  missing_agree "$s" "stores/$s-main" "(generated)"
  check "$s: the missing list has the dashboard's \"1530\" line (sessions not held: $(server_rates "$s" | awk '$1 == "education_1530" {print $2 - $3}'))" \
    bash -c "LANG=C.UTF-8 \"$SAFECAMPUS\" --store \"$T/stores/$s-main.db\" --lang en rates --missing | grep -qE '^  [0-9-]{10}  \"1530\" sessions: [1-9][0-9]* of [0-9]+ not held\$'"
  last=$(date -d "${today:0:7}-01 - 1 day" +%F) # the end of last month
  check "$s as of $last (--month ${last:0:7}): rates, local = server" \
    eq "$(local_rates "stores/$s-main" --month "${last:0:7}")" "$(server_rates "$s" "$last")"
  # October: the National Day holiday and its makeup days (tests/data/gen_cal.c)
  # move the "1530" occasions
  check "$s as of 2026-10-31 (--month 2026-10): rates, local = server" \
    eq "$(local_rates "stores/$s-main" --month 2026-10)" "$(server_rates "$s" 2026-10-31)"
  check "$s: something is expected of every data set but buses" \
    bash -c "[[ \$(echo '$(server_rates "$s")' | awk '\$2 > 0' | wc -l) -ge 5 ]]"
  check "$s: \"1530\" sessions are due and some held" \
    bash -c "echo '$(server_rates "$s")' | awk '\$1 == \"education_1530\" && \$2 > 0 && \$3 > 0 {ok = 1} END {exit !ok}'"
done

# ---- by hand, at school02: the principal, an unmatched name, a check
S=stores/school02-main
person_new "$S" vp-s2 vice_principal; as_default "$S" vp-s2
person_new "$S" pr-s2 principal # counter-signs what vp-s2 signs
countersign_as() { SAFECAMPUS_AS=$1 sc "$2" letter countersign "$3"; }
pid=$(sc "$S" add staff --name "王校长" --staff-role principal --joined-date 2020-09-01)
check "a principal" test -n "$pid"
l1=$(sc "$S" add letter --year "$year" --level department_teacher --signer "不在名册的人" \
  --counter-signer "王校长" --signed-date "$today")
check "the principal counter-signs a teacher's letter (by name)" test ${#l1} -eq 36
l2=$(sc "$S" add letter --year "$year" --level department_teacher --signer "查无此人" \
  --counter-signer "别人" --signed-date "$today")
check "a letter to a name that is no staff member" test ${#l2} -eq 36
check "school02 syncs the letters" sc "$S" sync
srv=$(server_num school02 letters)
loc=$(local_letters "$S")
check "signed by the holder only: local ($loc) = server ($srv)" eq "$loc" "$srv"
check "... the principal is not covered yet" bash -c "\"$SAFECAMPUS\" --store \"$T/$S.db\" letter coverage --missing | grep -q '王校长'"
for l in "$l1" "$l2"; do
  check "the letter is counter-signed" countersign_as pr-s2 "$S" "$l"
done
check "school02 syncs the counter-signatures" sc "$S" sync
srv=$(server_num school02 letters)
loc=$(local_letters "$S")
check "after the letters: local ($loc) = server ($srv)" eq "$loc" "$srv"
check "the principal is covered here" bash -c "! \"$SAFECAMPUS\" --store \"$T/$S.db\" letter coverage --missing | grep -q '王校长'"

item=$(sc "$S" add equipment --item "灭火器 A-1" --type extinguisher --location "教学楼一层" \
  --installed-date 2025-01-10 --interval-days 30 --last-check-date 2025-06-01)
check "an item six months overdue" test -n "$item"
check "list says overdue" bash -c "\"$SAFECAMPUS\" --store \"$T/$S.db\" list equipment --status overdue | grep -q '^${item:0:8} '"
check "school02 syncs the item" sc "$S" sync
srv=$(server_num school02 equipment_overdue)
check "the overdue item: local = server (${srv%% *})" eq "$(local_overdue "$S")" "${srv%% *}"
check "... and it counts" test "${srv%% *}" -gt 0
check "a check today" sc "$S" add equipment_check --equipment-id "$item" --check-date "$today" --result ok --checker "李"
check "the check moved the item's last check" bash -c "\"$SAFECAMPUS\" --store \"$T/$S.db\" show $item | grep -q 'last_check_date  *$today'"
next=$(date -d "$today + 30 days" +%F)
check "... and its next due day ($next)" bash -c "\"$SAFECAMPUS\" --store \"$T/$S.db\" show $item | grep -q 'next_due_date  *$next'"
check "no longer overdue" bash -c "! \"$SAFECAMPUS\" --store \"$T/$S.db\" list equipment --status overdue | grep -q '^${item:0:8} '"
# an older check imported late moves nothing; one imported for a second item moves it
item2=$(sc "$S" add equipment --item "燃气报警器" --type gas_alarm --location "食堂" \
  --installed-date 2025-01-10 --interval-days 90 --last-check-date 2025-03-01)
yest=$(date -d "$today - 1 day" +%F)
printf 'equipment_id,check_date,result,checker\r\n%s,%s,fault,李\r\n%s,%s,ok,李\r\n' \
  "$item" "$yest" "$item2" "$yest" >"$T/checks.csv"
check "two checks imported" sc "$S" import equipment_check "$T/checks.csv"
check "the older check left the first item's last check" bash -c "\"$SAFECAMPUS\" --store \"$T/$S.db\" show $item | grep -q 'last_check_date  *$today'"
check "the imported check moved the second item" bash -c "\"$SAFECAMPUS\" --store \"$T/$S.db\" show $item2 | grep -q 'last_check_date  *$yest'"
check "... and its next due day" bash -c "\"$SAFECAMPUS\" --store \"$T/$S.db\" show $item2 | grep -q \"next_due_date  *$(date -d "$yest + 90 days" +%F)\""
check "school02 syncs the item and the check" sc "$S" sync
srv=$(server_num school02 equipment_overdue)
check "after the check: equipment overdue, local = server" eq "$(local_overdue "$S")" "${srv%% *}"
rates_agree school02 "$S" "(after the letters, items and checks)"
# a check late and one missed, a bus inspection missed: by hand, the
# counts move by what is written here, on both sides
kind_counts() { server_rates school02 | awk -v k="$1" '$1 == k {print $2, $3, $4}'; }
eq_before=$(kind_counts equipment_check)
bus_before=$(kind_counts bus_inspection)
d() { date -d "$today $1 days" +%F; }
item3=$(sc "$S" add equipment --item "灭火器 B-2" --type extinguisher --location "宿舍楼" \
  --installed-date "$(d -60)" --last-check-date "$(d -30)" --interval-days 7)
check "an item checked 30 days ago, every 7 days" test -n "$item3"
check "... that check recorded" sc "$S" add equipment_check --equipment-id "$item3" \
  --check-date "$(d -30)" --result ok --checker "李"
# due 23 days ago, checked 20 days ago (late); due again 13 days ago (missed).
# (A check moves the item's own last_check_date: the one of 30 days ago
# counts as a check because it is a record too.)
check "... checked 3 days late, then not again" sc "$S" add equipment_check \
  --equipment-id "$item3" --check-date "$(d -20)" --result ok --checker "李"
check "a bus whose inspection was due 3 days ago" \
  sc "$S" add bus --plate "苏A·12345" --seats 45 --next-inspection-date "$(d -3)"
check "not yet synced: counted here, not yet by the server" \
  bash -c "[[ '$(local_rates "$S" | awk '$1 == "bus_inspection" {print $2}')' == $((${bus_before%% *} + 1)) ]]"
check "school02 syncs them" sc "$S" sync
rates_agree school02 "$S" "(the late check, the missed check, the missed inspection)"
missing_agree school02 "$S" "(the missed check and inspection)"
read -r e r o <<<"$eq_before"
check "equipment checks: 2 more expected, 1 more received, none more on time" \
  eq "$(kind_counts equipment_check)" "$((e + 2)) $((r + 1)) $o"
read -r e r o <<<"$bus_before"
check "bus inspections: 1 more expected, none received" eq "$(kind_counts bus_inspection)" "$((e + 1)) $r $o"

# ---- the district moves the letters' due day (dashboard_due, 013): the
# school learns it from its next Dashboard (Dashboard.rules) and counts
# with it offline (until then, with the default days)
letters_before=$(kind_counts letter)
days=$(( ( $(date -d "$today" +%s) - $(date -d "${year}-09-01" +%s) ) / 86400 + 5 ))
sql "UPDATE dashboard_due SET days = $days WHERE key = 'letters'" >/dev/null
check "with the letters due $days days after the term began, the server counts other letters" \
  bash -c "[[ '$(kind_counts letter)' != '$letters_before' ]]"
check "school02 fetches a Dashboard" sc "$S" dashboard --refresh
rates_agree school02 "$S" "(the letters due $days days in)"
missing_agree school02 "$S" "(the letters due $days days in)"
e2e_done
