#!/usr/bin/env bash
# `safecampus status` says what is due at this school today and this week,
# from the local store and the district calendar, with the server down
# (issue 10): a notice to acknowledge and report, this month's drill,
# today's "1530" session of a class not yet recorded, an equipment check and
# a bus inspection coming due, letters not signed for the year, a hazard
# past its clock; each line goes once it is done; in Chinese with --lang zh.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init status_due
client_new amain schoolA main
client_new bureau bureau office
person_new amain vp-amain vice_principal; as_default amain vp-amain
person_new amain pr-amain principal # counter-signs the letter vp-amain signs
person_new bureau officer-bureau bureau_officer; as_default bureau officer-bureau
today=$(date +%F)
year=${today:0:4}
week_end=$(date -d "$today + $(( (7 - $(date -d "$today" +%w)) % 7 )) days" +%F)
# due "this week" whatever today is: Sunday, the week's last day (today on a
# Sunday); "today + 3 days" fell after it from Thursday on, and the test failed
due_soon=$week_end
server_start

# the bureau's calendar makes today a school day (a make-up day if a weekend)
check "the bureau's calendar" sc bureau add calendar --term-name "this term" \
  --term-start-date "$(date -d "$today - 60 days" +%F)" --term-end-date "$(date -d "$today + 60 days" +%F)" \
  --makeup-days "$today"
n=$(sc bureau notice issue --title "防溺水专项教育" --issue-date "$today" --due-date "$due_soon" --targets schoolA)
check "the bureau issues a notice due this week" test ${#n} -eq 36
check "the bureau syncs" sc bureau sync
late=$(sc bureau notice issue --title "交通安全排查" --issue-date "$(date -d "$today - 20 days" +%F)" \
  --due-date "$(date -d "$today - 1 day" +%F)" --targets schoolA)
check "... and one past its due day" test ${#late} -eq 36
check "the bureau syncs it" sc bureau sync
check "the school pulls the notice and the calendar" sc amain sync
server_kill
check "the server is down" bash -c "! \"$SAFECAMPUS\" --store \"$T/amain.db\" sync --timeout-ms 2000 >/dev/null 2>&1"

c1=$(sc amain add school_class --grade 3 --name "三年级1班" --opened-date 2025-09-01)
c2=$(sc amain add school_class --grade 3 --name "三年级2班" --opened-date 2025-09-01)
check "two classes" test ${#c1} -eq 36 -a ${#c2} -eq 36
check "3-1's daily session today" sc amain add education --school-class-id "$c1" --session-date "$today" \
  --slot daily_1 --topic traffic --channel class_meeting --teacher 王 --minutes 1
check "an item overdue" sc amain add equipment --item "灭火器 B-2" --type extinguisher \
  --location "实验楼" --installed-date 2025-01-01 --interval-days 30 --last-check-date 2025-05-01
check "an item checked yesterday" sc amain add equipment --item "消火栓" --type hydrant \
  --location "操场" --installed-date 2025-01-01 --interval-days 30 --last-check-date "$(date -d "$today - 1 day" +%F)"
check "a bus whose inspection is due this week" sc amain add bus --plate "苏D·12345" --seats 30 \
  --next-inspection-date "$due_soon"
check "staff without a letter" sc amain add staff --name "赵老师" --staff-role subject_teacher --joined-date 2020-09-01
check "a critical hazard found 5 days ago" sc amain add hazard --title "配电箱未上锁" --location "一楼" \
  --area facility --severity critical --found-date "$(date -d "$today - 5 days" +%F)"

# one whose work is done: its line says what is left, not "rectify by" a past day
hv=$(sc amain add hazard --title "消防栓箱门损坏" --area fire --severity critical \
  --found-date "$(date -d "$today - 5 days" +%F)" | grep -Eo '[0-9a-f-]{36}' | head -1)
check "... another, assigned with a deadline passed" sc_as amain pr-amain hazard assign "$hv" --owner 王师傅 \
  --deadline "$(date -d "$today - 1 day" +%F)"
check "... rectified" sc amain hazard rectify "$hv" --note 已更换箱门
check "... and verified" sc_as amain pr-amain hazard verify "$hv" --note 复查通过

sc amain status >"$T/st" 2>"$T/st.err"
check "status works with the server down" eq "$?" 0
check "the week runs to Sunday" grep -q "^due today ($today) and this week (to $week_end):" "$T/st"
check "the notice to acknowledge" grep -q '  - notice "防溺水专项教育": acknowledge it' "$T/st"
check "the notice past due, not yet acknowledged, says it is late" \
  grep -q '  - notice "交通安全排查": acknowledge it (report by .*) (overdue)$' "$T/st"
check "... the one due this week does not" grep -q '  - notice "防溺水专项教育": acknowledge it (report by [0-9-]*)$' "$T/st"
check "this month's drill" grep -q "  - this month's drill (${today:0:7}): not recorded yet" "$T/st"
check "today's 1530: the class without it, not the one with it" \
  grep -q '  - "1530" today: 1 of 2 classes not recorded yet: 三年级2班$' "$T/st"
check "the overdue item" grep -q '  - equipment 灭火器 B-2 (实验楼): check due 2025-05-31 (overdue)' "$T/st"
check "not the item checked yesterday" bash -c "! grep -q '消火栓' '$T/st'"
check "the bus inspection" grep -q "  - bus 苏D·12345: vehicle inspection due $due_soon\$" "$T/st"
check "the letters" grep -q "  - letters for $year: 1 of 1 current staff have not signed one: 赵老师" "$T/st"
check "the hazard past its clock" grep -q '  - hazard "配电箱未上锁" (.*): rectify by .* (overdue)' "$T/st"
check "the verified hazard waits to be closed, not overdue" grep -q '  - hazard "消防栓箱门损坏": verified, to be closed$' "$T/st"

sc amain --lang zh status >"$T/zh" 2>&1
check "in Chinese" grep -q "今天（$today）和本周（至 $week_end）到期" "$T/zh"
check "... each line too" grep -q '通知“防溺水专项教育”：请签收' "$T/zh"

# done: each line goes
check "the notice acknowledged" sc amain notice ack "$n"
check "a drill this month" sc amain add drill --drill-date "$today" --theme "消防疏散" --scenario fire \
  --plan-ref "应急预案" --feedback "有序"
check "3-2's session" sc amain add education --school-class-id "$c2" --session-date "$today" \
  --slot daily_1 --topic traffic --channel class_meeting --teacher 李 --minutes 1
eid=$(sc amain list equipment | awk '/灭火器/ {print $1}')
check "the item checked" sc amain add equipment_check --equipment-id "$eid" --check-date "$today" --result ok --checker 王
lt=$(sc amain letter sign --year "$year" --level department_teacher --signer "赵老师" \
  --counter-signer "王校长" --signed-date "$today")
check "the letter signed" test ${#lt} -eq 36
sc amain status >"$T/st2" 2>&1
check "... and still owed until counter-signed" grep -q "letters for $year: 1 of 1" "$T/st2"
countersign_as() { SAFECAMPUS_AS=$1 sc "$2" letter countersign "$3"; }
check "the letter counter-signed" countersign_as pr-amain amain "$lt"
sc amain status >"$T/st2" 2>&1
check "acknowledged: now to report" grep -q "  - notice \"防溺水专项教育\": report by $due_soon\$" "$T/st2"
absent() { ! grep -qF -- "$1" "$2"; }
for gone in "this month's drill" '"1530" today' "灭火器" "letters for"; do
  check "gone once done: $gone" absent "$gone" "$T/st2"
done
e2e_done
