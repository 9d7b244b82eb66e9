#!/usr/bin/env bash
# The annual safe-campus work summary (client/report.c), offline: a store with
# known records of 2025 (and some of 2024, which must not count) made with the
# command line; `report annual --year 2025` must state the exact figures in
# Chinese, each with a footnote naming exactly the records behind it; the HTML
# links each figure to those records' pages; the browser's /report page
# prefills the draft, keeps an edit across a reload and a restart of serve,
# and has the A4 print style sheet. Prints "N passed, N failed".
#
#   tests/e2e/report_annual.sh [path/to/safecampus]
set -euo pipefail

BIN=${1:-${SC_BIN_DIR:+$SC_BIN_DIR/safecampus}}
[ -n "$BIN" ] || { echo "usage: $0 path/to/safecampus" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc_report.XXXXXX")
SPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
export SAFECAMPUS_STORE="$WORK/campus.db"
unset SAFECAMPUS_LOG_LEVEL SAFECAMPUS_AS SAFECAMPUS_PASSWORD || true

PASS=0 FAIL=0 OUT="" RC=0
run() { set +e; OUT=$("$BIN" "$@" 2>"$WORK/stderr"); RC=$?; set -e; }
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; echo "  out: ${OUT:0:3000}" >&2; cat "$WORK/stderr" >&2; }
has() { if grep -Fq -- "$1" <<<"$OUT"; then ok; else bad "$2: output lacks '$1'"; fi; }
hasnt() { if grep -Fq -- "$1" <<<"$OUT"; then bad "$2: output has '$1'"; else ok; fi; }
eq() { if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi; }
add() { "$BIN" add "$@"; }     # prints the new id

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-keyout campus.key -out campus.crt -subj "/O=district7/OU=school42/CN=north" 2>/dev/null
"$BIN" init --server localhost:7443 --cert campus.crt --key campus.key --ca campus.crt >/dev/null
openssl genpkey -algorithm ed25519 -out admin.key 2>/dev/null
SAFECAMPUS_NEW_PASSWORD=pw-lisi-1 "$BIN" person add --login lisi --name 李校长 --role principal \
	--admin-key admin.key >/dev/null
for p in "wangwu:王五:logistics" "chenliu:陈六:vice_principal"; do
	IFS=: read -r l n r <<<"$p"
	SAFECAMPUS_AS=lisi SAFECAMPUS_PASSWORD=pw-lisi-1 SAFECAMPUS_NEW_PASSWORD=pw-$l-1 \
		"$BIN" person add --login "$l" --name "$n" --role "$r" --as lisi >/dev/null
done
as() { local who=$1; shift; SAFECAMPUS_AS=$who SAFECAMPUS_PASSWORD=pw-$who-1 "$BIN" "$@"; }
export SAFECAMPUS_AS=lisi SAFECAMPUS_PASSWORD=pw-lisi-1

# ---------------------------------------------------------------- the records
add school_profile --name 吕墅小学 --staff-count 71 --class-count 24 --student-count 988 \
	--bus-riders 296 >/dev/null
D1=$(add drill --drill-date 2025-03-12 --theme 月度演练 --scenario fire --student-count 600 --staff-count 40 \
	--evacuation-seconds 120 --plan-ref 消防疏散预案 --feedback 秩序良好)
D2=$(add drill --drill-date 2025-04-09 --theme 月度演练 --scenario earthquake --student-count 500 --staff-count 35 \
	--evacuation-seconds 90 --feedback 个别班级偏慢)
D3=$(add drill --drill-date 2025-05-14 --theme 月度演练 --scenario fire --student-count 550 --staff-count 30 \
	--evacuation-seconds 100)
D0=$(add drill --drill-date 2024-11-09 --theme 月度演练 --scenario fire --student-count 900 --evacuation-seconds 300)
M1=$(add meeting --type leadership --meeting-date 2025-02-20 --title 安全领导小组会议 --attendees 9)
M2=$(add meeting --type guard --meeting-date 2025-09-01 --title 保安工作会议 --attendees 4)
add meeting --type guard --meeting-date 2024-09-01 --title 去年的会议 >/dev/null
add staff --name 张伟 --staff-role head_teacher >/dev/null
add staff --name 李娜 --staff-role subject_teacher >/dev/null
add staff --name 老王 --staff-role security_guard --inactive true >/dev/null
L1=$("$BIN" letter sign --year 2025 --level department_teacher --signer 张伟 --counter-signer 陈六 2>/dev/null)
L2=$("$BIN" letter sign --year 2025 --level department_teacher --signer 李娜 --counter-signer 陈六 2>/dev/null)
"$BIN" letter sign --year 2024 --level department_teacher --signer 李娜 --counter-signer 陈六 --signed-date 2024-12-20 >/dev/null 2>&1
H1=$("$BIN" hazard report --title 灭火器过期 --area fire --severity high --found-date 2025-03-01)
H2=$("$BIN" hazard report --title 栏杆松动 --area building --severity medium --found-date 2025-06-01)
as lisi hazard assign "$H1" --owner 王五 --deadline 2025-03-20 >/dev/null
as wangwu hazard rectify "$H1" --note 已更换 >/dev/null
as chenliu hazard verify "$H1" --note 已查验 >/dev/null
as lisi hazard close "$H1" --note 销号 >/dev/null
I1=$(add inspection --inspection-date 2025-04-01 --level leadership --focus fire --inspector 李校长 --hazards-found 1)
K1=$(add linkage --activity-date 2025-03-05 --partner police --activity 法制宣传 --participants 30)
K2=$(add linkage --activity-date 2025-10-10 --partner parents_committee --activity 上放学秩序整治 \
	--participants 20)
G1=$(add gate_duty --duty-date 2025-03-03 --shift morning --leader 李校长 --parent-volunteers 3)
G2=$(add gate_duty --duty-date 2025-03-03 --shift afternoon --leader 陈六 --parent-volunteers 2 \
	--incidents 车辆违停)
B1=$(add bus --plate 苏D·12345 --seats 45)
add bus_rider --bus-id "$B1" --student-ref S2025-001 >/dev/null
T1=$(add bus_trip --bus-id "$B1" --trip-date 2025-03-03 --direction to_school --boarded 30 --alighted 30 --checked-by 何)
T2=$(add bus_trip --bus-id "$B1" --trip-date 2025-03-03 --direction from_school --boarded 30 --alighted 29 --checked-by 何 2>/dev/null)
R1=$(add risk --title 食堂使用瓶装液化气 --status open --mitigation 已装泄漏报警器 --plan 2026年气改电 \
	--planned-date 2026-08-31)
add risk --title 旧围栏 --status removed >/dev/null
C1=$(add school_class --grade 3 --name 三年级2班 --head-teacher 张伟)
E1=$(add education --school-class-id "$C1" --session-date 2025-03-03 --slot daily_1 --topic traffic \
	--channel class_meeting --minutes 1)
E2=$(add education --school-class-id "$C1" --session-date 2025-03-07 --slot weekly_10 --topic fire \
	--channel class_meeting --minutes 10)
N1=$(add lecture --lecture-date 2025-04-15 --speaker 派出所教导员 --topic 法制教育 --attendees 988)

# ---------------------------------------------------------------- the text
run --lang zh report annual --year 2025
eq "$RC" 0 "report annual"
has "吕墅小学2025年度平安校园工作总结" "the title names the school and the year"
has "一、学校概况" "the first section"
has "教职员工 71 人" "the profile"
has "共开展应急演练 3 次" "drills of 2025 only"
has "覆盖 3 个月份" "months with a drill"
has "其中火灾 2 次、地震 1 次" "drills by scenario"
has "参与学生 1650 人次" "students in drills"
has "平均疏散时间 103 秒" "average evacuation time"
has "最快 90 秒" "fastest"
has "最慢 120 秒" "slowest"
has "有演练方案的 1 次" "drills with a plan"
has "有演练反馈的 2 次" "drills with feedback"
has "召开安全会议 2 次" "meetings of 2025"
has "签订安全责任书 2 份" "letters of 2025"
has "在职教职工 2 人" "current staff"
has "排查发现隐患 2 项" "hazards found"
has "已整改 1 项" "rectified"
has "尚未销号 1 项" "open"
has "开展安全检查 1 次" "inspections"
has "联合开展活动 2 次" "linkage"
has "参与 50 人次" "linkage participants"
has "护学岗上岗 2 班次" "gate duty shifts"
has "家长志愿者参与 5 人次" "parent volunteers"
has "在用校车 1 辆" "buses"
has "记录校车行程 2 趟" "trips"
has "上下车人数不符 1 趟" "a trip mismatch"
has "尚存已知风险 1 项" "open risks"
has "即：食堂使用瓶装液化气" "the risk named"
has "下一步计划：2026年气改电" "its plan"
has "尚未销号的隐患：栏杆松动" "the open hazard named"
has "开展“1530”安全教育 2 次" "education sessions"
has "累计 11 分钟" "education minutes"
has "举办安全、法制讲座 1 场" "lectures"
hasnt "旧围栏" "a removed risk is not named"
TEXT=$OUT

# footnote N of a clause: the ids it lists, sorted
note_of() { { grep -o -- "$1\[[0-9]*\]" <<<"$TEXT" || true; } | head -1 | sed "s/.*\[\([0-9]*\)\]/\1/"; }
ids_of() { { grep -E "^\[$1\] " <<<"$TEXT" || true; } | sed 's/^[^:]*: //' | tr ' ' '\n' | sort | tr '\n' ' '; }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
n=$(note_of "共开展应急演练 3 次")
eq "$(ids_of "$n")" "$(sorted "$D1" "$D2" "$D3")" "the drill count's footnote lists the 2025 drills"
n=$(note_of "有演练反馈的 2 次")
eq "$(ids_of "$n")" "$(sorted "$D1" "$D2")" "the feedback count's footnote"
n=$(note_of "召开安全会议 2 次")
eq "$(ids_of "$n")" "$(sorted "$M1" "$M2")" "the meetings' footnote"
n=$(note_of "签订安全责任书 2 份")
eq "$(ids_of "$n")" "$(sorted "$L1" "$L2")" "the letters' footnote"
n=$(note_of "尚未销号 1 项")
eq "$(ids_of "$n")" "$(sorted "$H2")" "the open hazard's footnote"
n=$(note_of "已整改 1 项")
eq "$(ids_of "$n")" "$(sorted "$H1")" "the rectified hazard's footnote"
n=$(note_of "上下车人数不符 1 趟")
eq "$(ids_of "$n")" "$(sorted "$T2")" "the mismatched trip's footnote"
n=$(note_of "联合开展活动 2 次")
eq "$(ids_of "$n")" "$(sorted "$K1" "$K2")" "the linkage footnote"

run --lang zh report annual --year 2024
has "共开展应急演练 1 次" "2024 has its own drill"
run report annual --year 1999
eq "$RC" 2 "a year out of range is a usage error"
run report annual --year abc
eq "$RC" 2 "a year that is not a number"
run report yearly
eq "$RC" 2 "an unknown report"
run report annual --year 2025 --html "$WORK/no/such/dir/r.html"
eq "$RC" 1 "an unwritable --html file fails (exit 1)"
grep -q "no/such/dir" "$WORK/stderr" && ok || bad "... and names the file"
run --lang en report annual --year 2025
has "3 emergency drills were held" "English when asked"

# ---------------------------------------------------------------- standalone HTML
run --lang zh report annual --year 2025 --html "$WORK/r.html" --base http://campus:8370
eq "$RC" 0 "report --html"
OUT=$(cat "$WORK/r.html")
has "@page{size:A4" "the HTML has the A4 print style sheet"
has "@media print" "... and print rules"
src=$(grep -o '共开展应急演练 3 次<sup><a href="#src-[0-9]*"' "$WORK/r.html" | sed 's/.*#src-//;s/"//')
line=$(grep "<li id=\"src-$src\"" "$WORK/r.html")
for d in "$D1" "$D2" "$D3"; do
	grep -Fq "href=\"http://campus:8370/r/$d\"" <<<"$line" && ok || bad "the drill figure links to $d"
done
grep -Fq "$D0" <<<"$line" && bad "the 2024 drill is linked from the 2025 figure" || ok

# ---------------------------------------------------------------- the browser's /report
port=$((20000 + RANDOM % 20000))
serve() {
	"$BIN" serve --no-sync --lang zh --listen 127.0.0.1:$port >"$WORK/serve.log" 2>&1 &
	SPID=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
}
serve
U=http://127.0.0.1:$port
OUT=$(curl -s "$U/report?year=2025")
has '<textarea name="s_drill"' "a textarea per section"
has "共开展应急演练 3 次" "prefilled with the draft"
has "href=\"/r/$D1\"" "the page links the figures to the record pages"
has 'href="/static/report.css"' "the page uses the print style sheet"
OUT=$(curl -s "$U/static/report.css")
has "@page{size:A4" "report.css sets A4"
has "@media print" "report.css has print rules"
has "header.bar,nav,footer" "print hides the navigation"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/report?year=20x5")
eq "$code" 400 "a bad year: 400"
code=$(curl -s -o /dev/null -w '%{http_code}' -d 'year=2025&s_drill=x' "$U/report")
eq "$code" 403 "a post without the CSRF token: 403"
login() {
	curl -s -c "$WORK/cj" -o /dev/null -d 'login=lisi&password=pw-lisi-1' "$U/login"
	CS=$(curl -s -b "$WORK/cj" "$U/report?year=2025" | grep -o 'name="csrf" value="[0-9a-f]*"' |
		head -1 | sed 's/.*value="//;s/"//')
}
login
eq "${#CS}" 64 "the report form carries a CSRF token"
code=$(curl -s -b "$WORK/cj" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$CS" -d year=2025 \
	--data-urlencode 's_drill=全年开展应急演练三次，师生疏散有序。' "$U/report")
eq "$code" 303 "saving an edit redirects"
code=$(head -c 17000 /dev/zero | tr '\0' a | sed "s/^/csrf=$CS\&year=2025\&s_org=/" |
	curl -s -b "$WORK/cj" -o /dev/null -w '%{http_code}' --data-binary @- "$U/report")
eq "$code" 413 "a section over 16 KB: 413"
code=$(head -c 17000 /dev/zero | tr '\0' a | sed "s/^/csrf=$CS\&year=2025\&s_hazard=x\&s_org=/" |
	curl -s -b "$WORK/cj" -o /dev/null -w '%{http_code}' --data-binary @- "$U/report")
eq "$code" 413 "... also beside a good section"
code=$(curl -s -b "$WORK/cj" -o /dev/null -w '%{http_code}' -F "csrf=$CS" -F year=2025 \
	-F 's_linkage=与派出所、家委会联合开展活动两次。' "$U/report")
eq "$code" 303 "the form as a browser sends it (multipart)"
OUT=$(curl -s "$U/report?year=2025")
has "全年开展应急演练三次，师生疏散有序。</textarea>" "the edit is shown on reopening"
hasnt 'id="edited-org"' "the refused section saved nothing"
hasnt 'id="edited-hazard"' "... nor the good one beside it"
has "与派出所、家委会联合开展活动两次。</textarea>" "the multipart edit is kept"
has 'enctype="multipart/form-data"' "the page's form is multipart"
has '<script src="/static/report.js"' "the printed text follows the boxes"
has 'id="edited-drill"' "... marked as edited"
hasnt 'id="edited-hazard"' "an unchanged section is not an edit"
kill $SPID; wait $SPID 2>/dev/null || true; SPID=
serve
OUT=$(curl -s "$U/report?year=2025")
has "全年开展应急演练三次，师生疏散有序。</textarea>" "the edit survives a restart (kept in the store)"
OUT=$(curl -s "$U/report?year=2024")
hasnt "师生疏散有序" "an edit belongs to its year"
login # sessions live in the serving process
code=$(curl -s -b "$WORK/cj" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$CS" \
	-d 'year=2025&reset_drill=1' "$U/report")
eq "$code" 303 "back to the draft redirects"
OUT=$(curl -s "$U/report?year=2025")
hasnt "师生疏散有序" "back to the draft drops the edit"
has "共开展应急演练 3 次" "... and shows the draft again"
kill $SPID; wait $SPID 2>/dev/null || true; SPID=

[ -n "${REPORT_KEEP:-}" ] && cp "$SAFECAMPUS_STORE" "$REPORT_KEEP"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
