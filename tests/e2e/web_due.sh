#!/usr/bin/env bash
# The web home page lists what is due today and this week, as
# `safecampus status` does (issue 10): an equipment check overdue and this
# month's drill not recorded; a record's line links to its page; in
# Chinese; the line goes once the work is done; the bureau's home page has
# no such list.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_due
client_new amain schoolA main
client_new bureau bureau office
person_new amain vp-amain vice_principal; as_default amain vp-amain
today=$(date +%F)
week_end=$(date -d "$today + $(( (7 - $(date -d "$today" +%w)) % 7 )) days" +%F)
eq_id=$(sc amain add equipment --item "灭火器 B-2" --type extinguisher --location "实验楼" \
  --installed-date 2025-01-01 --interval-days 30 --last-check-date 2025-05-01)
check "an item overdue" test ${#eq_id} -eq 36

WP=$(e2e_free_port)
B=http://127.0.0.1:$WP
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID $BPID 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$B/" && break; sleep 0.1; done
page() { curl -s -H 'Accept-Language: zh-CN' "$B/" | sed -n '/<ul id="due-week">/,/<\/ul>/p' >"$T/due"; }
page
zh_day() { date -d "$1" +%Y年%-m月%-d日; }
check "the week's heading, in Chinese, its days too" bash -c "curl -s -H 'Accept-Language: zh-CN' $B/ | grep -q '今日（$(zh_day "$today")）及本周（至 $(zh_day "$week_end")）待办'"
check "the equipment check, linked to its record" grep -q "<a href=\"/r/$eq_id\">[^<]*灭火器 B-2[^<]*</a>" "$T/due"
# the late item is under "Overdue" too: every kind whose status marks it
# late, not only hazards (an overdue item or notice was missing there)
curl -s -H 'Accept-Language: zh-CN' "$B/" | sed -n '/<ul id="due">/,/<\/ul>/p' >"$T/late"
check "the overdue item is under Overdue, named by its words, not its id" grep -q "<a href=\"/r/$eq_id\" title=\"$eq_id\">设施设备：灭火器 B-2[^<]*</a> 逾期" "$T/late"
month_zh="${today:0:4}年$((10#${today:5:2}))月"
check "this month's drill, in Chinese, its month in words" grep -q "<li>本月演练（$month_zh）：尚未记录" "$T/due"
# the same lines as `status` in Chinese, in the same order, the page writing
# each day and month the Chinese way (2026-12-31: 2026年12月31日; 2026-12: 2026年12月)
sc amain --lang zh status 2>/dev/null | sed -n '/^[^ ].*：\?$/,$p' | grep '^  - ' | sed 's/^  - //' |
  sed -E 's/([0-9]{4})-0?([0-9]{1,2})-0?([0-9]{1,2})([^0-9-]|$)/\1年\2月\3日\4/g' |
  sed -E 's/(^|[^0-9-])([0-9]{4})-0?([0-9]{1,2})([^0-9-]|$)/\1\2年\3月\4/g' >"$T/cli"
sed 's/<[^>]*>/\n/g' "$T/due" | grep -v '^$' | grep -v '^ *$' >"$T/web"
check "the page's lines are status's" diff "$T/cli" "$T/web"
check "the item checked today" sc amain edit "$eq_id" --last-check-date "$today"
page
check "... its line goes from the page" bash -c "! grep -q '$eq_id' '$T/due'"
check "... the drill's stays" grep -q "本月演练" "$T/due"
d=$(sc amain add drill --drill-date "$today" --theme 消防 --scenario fire --student-count 100 --evacuation-seconds 90)
page
check "the drill recorded: nothing due" grep -q "<li>本周没有待办事项。</li>" "$T/due"

WB=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/bureau.db" serve --no-sync --listen 127.0.0.1:$WB >"$T/serve-b.log" 2>&1 &
BPID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$WB/" && break; sleep 0.1; done
check "the bureau's home page has no week's list" bash -c "! curl -s http://127.0.0.1:$WB/ | grep -q 'id=\"due-week\"'"
kill $SPID $BPID; wait $SPID $BPID 2>/dev/null
echo "$E2E_PASS passed, $E2E_FAIL failed"
[ "$E2E_FAIL" -eq 0 ]
