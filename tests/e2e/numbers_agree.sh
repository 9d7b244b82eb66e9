#!/usr/bin/env bash
# One definition on both sides (issue 10: `letter coverage` said 4/7 at the
# school while the dashboard said 5/7; `list equipment` said "current" for an
# item the dashboard counted overdue): a generated district (tests/data/scgen)
# is synced through the real path, then each school's local numbers, read
# offline from its own store, equal the server's SQL for the same day:
#   - letter coverage: holders and current staff (sc_indicator_values 'letters');
#   - equipment overdue: `list equipment --status overdue` (equipment_overdue);
# and by hand: the principal who counter-signs is covered, an unmatched name
# covers nobody, and recording a check moves the item's dates and status.
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
e2e_done
