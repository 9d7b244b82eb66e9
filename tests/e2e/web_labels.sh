#!/usr/bin/env bash
# What the browser shows people in Chinese (issue 12), over a term of
# realistic records (tests/data/scgen) at a school and, synced, at the bureau:
#   - every page's bar names the school (its profile's name), not its id, and
#     the bureau as 教育局;
#   - no cell of any kind's list, and no value of a record's page, is a raw
#     enum key ("principal", "all_staff_training"), a public key's 64 hex
#     digits or a record's UUID (tests/tools/raw_keys.py): a field naming
#     another record (a drill's plan) shows that record, linked;
#   - a field naming another record (a hazard's inspection, a letter's holder
#     among the staff) is a choice of them by what people call them, and a
#     text field holding a staff member's name suggests the staff by name;
#   - a number input carries the kind table's bounds (min="0" for a count),
#     and -1 posted anyway gets the rules' message beside the field;
#   - a workflow step is confirmed in words (no state key, no whole id);
#   - the bureau's lists name each record's school, and its dashboard and
#     report offer the schools to drill into by name.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
SCGEN=$SC_BIN_DIR/scgen
[[ -x $SCGEN ]] || SCGEN=$SC_BIN_DIR/tests/data/scgen
[[ -x $SCGEN ]] || { echo "scgen not built (add_subdirectory(tests/data))"; exit 1; }
e2e_init web_labels
RAW="python3 $SC_SOURCE_DIR/tests/tools/raw_keys.py $SC_SOURCE_DIR/proto/safecampus.proto"
mkdir -p "$T/stores"
echo "require_signatures = 0" >>"$T/server.conf" # scgen's sign-offs are unsigned
client_new stores/bureau-office bureau office
client_new stores/school01-main school01 main
client_new stores/school01-east school01 east
S=stores/school01-main
person_new $S pr-school01 principal
person_new $S vp-school01 vice_principal pr-school01
person_new stores/bureau-office officer-d1 bureau_officer

WP=$(e2e_free_port)
B=http://127.0.0.1:$WP
SPID=
serve() { # STORE
  "$SAFECAMPUS" --store "$T/$1.db" serve --no-sync --listen 127.0.0.1:$WP >>"$T/serve.log" 2>&1 &
  SPID=$!
  for _ in $(seq 50); do curl -s -o /dev/null "$B/" && return 0; sleep 0.1; done
  return 1
}
stop() { [[ -n $SPID ]] || return 0; kill $SPID 2>/dev/null; wait $SPID 2>/dev/null; SPID=; }
trap 'stop; e2e_cleanup' EXIT
zh() { curl -s -H 'Accept-Language: zh-CN' "$@"; }
bar() { sed -n 's/.*<span id="scope">\([^<]*\)<.*/\1/p' "$1" | head -1; }

# ---- the bar before the school has a profile: its id, said as one
check "serve starts at the school" serve $S
zh "$B/" >"$T/home0.html"
check "no profile yet: the bar names the school by its id" eq "$(bar "$T/home0.html")" "学校（school01）"
stop

check "scgen writes a term of records" "$SCGEN" --seed 2026 --schools 1 --term-start 2026-09-01 \
  --term-end 2027-01-22 --today 2026-11-29 --stores "$T/stores"
sc $S add school_profile --name 实验路小学 --staff-count 71 --class-count 24 --student-count 988 >/dev/null
check "serve starts again" serve $S

# ---- the bar names the school on every kind of page
zh "$B/" >"$T/home.html"
zh "$B/k/drill" >"$T/drills.html"
D=$(grep -o '/r/[0-9a-f-]*' "$T/drills.html" | head -1)
zh "$B$D" >"$T/drill.html"
zh "$B/nowhere" >"$T/404.html"
for pg in home drills drill 404; do
  check "the bar of the $pg page names the school" eq "$(bar "$T/$pg.html")" "实验路小学"
done
check "... and its campus" grep -q '</span> · 校区 main' "$T/home.html"
check "... the school's id is not the name shown" bash -c "! grep -q '学校 school01' '$T/home.html'"

# ---- no raw enum keys, no public keys: every kind's list and a few records
kinds=$(grep -o 'href="/k/[a-z_]*"' "$T/home.html" | sed 's/.*\/k\///;s/"//' | sort -u)
check "the home page links many kinds" test "$(echo "$kinds" | wc -w)" -ge 15
zh "$B/k/person" >"$T/list-person.html"
check "the people's list shows roles in Chinese" grep -Eq '<td>(<span class="nw">)?分管校长(</span>)?</td>' "$T/list-person.html"
check "... and links to the people page" grep -q 'id="own-page" href="/people"' "$T/list-person.html"
P=$(grep -o '/r/[0-9a-f-]*' "$T/list-person.html" | head -1)
zh "$B$P" >"$T/rec-person.html"
check "a person's page shows a fingerprint of the key" grep -q 'class="key"' "$T/rec-person.html"
pages=()
for k in $kinds person; do
  zh "$B/k/$k" >"$T/list-$k.html"
  pages+=("$T/list-$k.html")
  for id in $(grep -o '/r/[0-9a-f-]*' "$T/list-$k.html" | sort -u | head -3); do
    zh "$B$id" >"$T/rec-$k-${id##*/}.html"
    pages+=("$T/rec-$k-${id##*/}.html")
  done
done
check "no list cell or record value is a raw key (${#pages[@]} pages)" $RAW "${pages[@]}"
zh "$B/k/education?page=2" >"$T/education-p2.html"
check "a long list says its page of how many, and links back and on" bash -c \
  "grep -Eq '第 1 页，共 [0-9]+ 页。 <a href=\"\?page=2&amp;[^\"]*\">下一页</a>' '$T/list-education.html' &&
   grep -Eq '第 2 页，共 [0-9]+ 页。 <a href=\"\?page=1&amp;[^\"]*\">上一页</a>' '$T/education-p2.html'"
check "a list row opens by a word (查看), not by its id's first digits" bash -c \
  "grep -q 'title=\"[0-9a-f-]\{36\}\">查看</a>' '$T/list-hazard.html' &&
   ! grep -Eq '<a href=\"/r/[0-9a-f-]{36}\"[^>]*>[0-9a-f]{8}</a>' '$T'/list-*.html"
# the checker finds what it is meant to: a role's key, a plan's key, a key's hex
printf '<table id="list"><tr><th>a</th></tr><tr><td>principal</td></tr></table>' >"$T/bad1.html"
printf '<dl id="record"><dt>a</dt><dd>all_staff_training</dd></dl>' >"$T/bad2.html"
printf '<dl id="record"><dt>a</dt><dd>%s</dd></dl>' "$(printf 'ab%.0s' $(seq 32))" >"$T/bad3.html"
printf '<table id="list"><tr><th>a</th></tr><tr><td>class_meeting;lecture</td></tr></table>' >"$T/bad4.html"
printf '<dl id="record"><dt>a</dt><dd>0e30ad5f-9b73-471b-a040-8680dec38e36</dd></dl>' >"$T/bad5.html"
for i in 1 2 3 4 5; do check_fail "... the checker refuses bad$i" $RAW "$T/bad$i.html"; done
# days and times in the page's words, the ISO day kept for the list's sort
check "a list's days are written in Chinese (2026年9月9日), the ISO day in <time datetime>" \
  grep -Eq '<td><time datetime="(20[0-9]{2})-[0-9]{2}-[0-9]{2}">20[0-9]{2}年[1-9][0-9]?月[1-9][0-9]?日</time></td>' "$T/list-drill.html"
check "a record's time is written in Chinese (2026年9月22日 08:43)" \
  grep -Eq '<dd><time datetime="20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}">20[0-9]{2}年[1-9][0-9]?月[1-9][0-9]?日 [0-9]{2}:[0-9]{2}</time></dd>' "$T"/rec-notice_event-*.html
# a field naming another record shows that record, linked: a drill's plan, a hazard's inspection
check "a drill's page names its plan and links to it" \
  grep -Eq '<dt>所用预案</dt><dd><a class="ref" href="/r/[0-9a-f-]{36}" title="[0-9a-f-]{36}">[^<]*[^0-9a-f<-][^<]*</a>' "$T"/rec-drill-*.html
# a list field's words: a notice report's channels and a drill's segments, by their labels
check "a notice report's channels are listed in words" grep -Eq '<td>(主题班队会|班级钉钉群|专题安全知识讲座|致家长的一封信|微信推文|安全教育平台|国旗下讲话|演练|其他)(；|</td>)' "$T/list-notice_event.html"
# a drill's list has no segments column (six columns at most): its record pages
seg='(校长讲评|教师讲解|学生演练|其他)'
check "a drill's segments are listed in words" grep -Eq "<dt>参与环节</dt><dd>$seg(；$seg)*</dd>" "$T"/rec-drill-*.html
check "the notice version a school answered is the time it was written, not a stamp" bash -c \
  "grep -q '<dt>版本</dt><dd><time datetime=' '$(ls "$T"/rec-notice_event-*.html | head -1)'"

# ---- number inputs: the kind table's bounds; -1 still refused by the rules
curl -s -o /dev/null -c "$T/cj" -d 'login=pr-school01&password=secret-pr-school01' "$B/login"
I=$(ls "$T"/rec-inspection-*.html | head -1 | sed 's/.*rec-inspection-//;s/\.html$//')
zh -b "$T/cj" "$B/r/$I" >"$T/insp-in.html"
check "an inspection's page offers to report a hazard it found (隐患：上报)" \
  grep -q "<a class=\"button secondary\" data-add=\"hazard\" href=\"/k/hazard/v/report?inspection_id=$I\">隐患：上报</a>" "$T/insp-in.html"
zh -b "$T/cj" "$B/k/hazard/v/report?inspection_id=$I" >"$T/hazard-from-insp.html"
check "... the form opens with that inspection chosen" grep -q "<option value=\"$I\" selected>" "$T/hazard-from-insp.html"
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/k/school_profile/new" >"$T/profile-new.html"
check "a count's input has min=0" grep -Eq 'name="staff_count" type="number"( required)? min="0"' "$T/profile-new.html"
check "a year's input has its range" grep -Eq 'name="founded_year" type="number"( required)? min="1800" max="2100"' "$T/profile-new.html"
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/k/bus/new" >"$T/bus-new.html"
check "a bus's seats: 1 to 100" grep -Eq 'name="seats" type="number"( required)? min="1" max="100"' "$T/bus-new.html"
check "... said beside the field in Chinese" bash -c "tr '\\n' ' ' <'$T/bus-new.html' | grep -q 'name=\"seats\"[^<]*>[^<]*<div class=\"help\"> <span class=\"range\">范围：1 到 100。</span>'"
check "a count's floor of 0 goes without saying" bash -c "! tr '\\n' ' ' <'$T/profile-new.html' | grep -q 'name=\"staff_count\"[^<]*><div class=\"help\"> <span class=\"range\">'"
zh -b "$T/cj" "$B/k/meeting/new" >"$T/meeting-new.html"
check "a meeting's minutes are a box of lines, its title one line" bash -c \
  "grep -q '<textarea id=\"in-minutes\" name=\"minutes\" rows=\"4\"' '$T/meeting-new.html' && grep -q '<input id=\"in-title\" name=\"title\" type=\"text\"' '$T/meeting-new.html'"
MCS=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/meeting-new.html" | head -1 | sed 's/.*value="//;s/"//')
curl -s -L -o "$T/meeting-saved.html" -b "$T/cj" -H 'Accept-Language: zh-CN' --data-urlencode "csrf=$MCS" \
  -d "type=leadership&meeting_date=$(date -d yesterday +%F)&attendees=7&_password=secret-pr-school01" \
  --data-urlencode 'title=安全工作领导小组会议' --data-urlencode $'minutes=一、通报隐患排查情况；\r\n二、部署消防演练。\r\n' \
  "$B/k/meeting/new"
check "minutes typed in lines are kept in lines: the browser's CR LF stored as LF, no replacement character" bash -c \
  "grep -q '<dd>一、通报隐患排查情况；' '$T/meeting-saved.html' && ! grep -q \$'\\xef\\xbf\\xbd' '$T/meeting-saved.html' &&
   sqlite3 '$T/$S.db' \"select count(*) from records where kind = 'meeting' and instr(payload, '排查情况；' || char(10) || '二、') > 0\" | grep -qx 1 &&
   ! sqlite3 '$T/$S.db' \"select count(*) from records where kind = 'meeting' and instr(payload, char(13)) > 0\" | grep -qvx 0"
# ---- a field naming another record is a choice of them, not a box for a UUID
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/k/hazard/new" >"$T/hazard-new.html"
pick_opts() { # FILE FIELD: the options of its picker, one a line
  tr '\n' ' ' <"$1" | grep -o "<select id=\"in-$2\"[^>]*>.*" | sed 's,</select>.*,,' |
    grep -o '<option value="[^"]*"[^>]*>[^<]*' | sed 's/<option value="\([^"]*\)"[^>]*>/\1|/'
}
pick_opts "$T/hazard-new.html" inspection_id >"$T/insp.opts"
check "a hazard's inspection is chosen from the school's inspections" \
  test "$(grep -Ec '^[0-9a-f-]{36}\|' "$T/insp.opts")" -ge 1
check "... each by its date and what it was, not its id" \
  bash -c "grep -E '^[0-9a-f-]{36}\|' '$T/insp.opts' | grep -Evq '\|20[0-9]{2}年[1-9][0-9]?月[1-9][0-9]?日 · [^ ]' && exit 1 || exit 0"
check "... as many as the school's inspections" \
  eq "$(grep -Ec '^[0-9a-f-]{36}\|' "$T/insp.opts")" "$(sqlite3 "$T/$S.db" "select count(*) from records where kind = 'inspection' and not deleted and school = 'school01'")"
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/k/drill/new" >"$T/drill-new.html"
pick_opts "$T/drill-new.html" plan_id >"$T/plan.opts"
check "a drill's plan is chosen from the emergency plans in force" \
  test "$(grep -Ec '^[0-9a-f-]{36}\|' "$T/plan.opts")" -ge 1
# a letter's holder: the school's staff, by name (the field is signer_staff_id)
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/k/letter/new" >"$T/letter-new.html"
pick_opts "$T/letter-new.html" signer_staff_id >"$T/staff.opts"
check "a letter's holder is chosen from the school's staff, not typed as an id" \
  bash -c "grep -q '<select id=\"in-signer_staff_id\"' '$T/letter-new.html' && ! grep -q 'id=\"in-signer_staff_id\"[^>]*type=\"text\"' '$T/letter-new.html'"
check "... as many as the school's staff" \
  eq "$(grep -Ec '^[0-9a-f-]{36}\|' "$T/staff.opts")" "$(sqlite3 "$T/$S.db" "select count(*) from records where kind = 'staff' and not deleted and school = 'school01'")"
sc $S export staff --csv >"$T/staff.csv"
named=$(python3 - "$T/staff.csv" "$T/staff.opts" <<'PY'
import csv, html, sys
names = {r["id"]: r["name"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
n = 0
for line in open(sys.argv[2], encoding="utf-8"):
    oid, _, text = line.rstrip("\n").partition("|")
    if oid and names.get(oid) and names[oid] in html.unescape(text):
        n += 1
print(n)
PY
)
check "... each by its name ($named of them)" eq "$named" "$(grep -Ec '^[0-9a-f-]{36}\|' "$T/staff.opts")"
check "... and there are some" test "${named:-0}" -ge 5
# a text field holding a staff member's name (a visitor's host, a class's
# head teacher) stays text, with the school's staff suggested by name
for form in visitor:host school_class:head_teacher letter:signer; do
  k=${form%%:*} f=${form#*:}
  curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/k/$k/new" >"$T/$k-new.html"
  tr '\n' ' ' <"$T/$k-new.html" | grep -o "<datalist id=\"names-$f\"[^>]*>.*" | sed 's,</datalist>.*,,' |
    grep -o '<option value="[^"]*"' | sed 's/<option value="//;s/"$//' >"$T/$k-$f.names"
  check "$k.$f is a text box that suggests the staff" \
    grep -Eq "<input id=\"in-$f\" name=\"$f\" type=\"text\"( required)? list=\"names-$f\"" "$T/$k-new.html"
  got=$(python3 - "$T/staff.csv" "$T/$k-$f.names" <<'PY'
import csv, html, sys
names = {r["name"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
vals = [html.unescape(l.rstrip("\n")) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
print(len(vals) if vals and all(v in names for v in vals) else 0)
PY
)
  check "... all $(grep -c . "$T/staff.csv" | awk '{print $1-1}') staff, each by a staff name ($got)" \
    eq "$got" "$(sqlite3 "$T/$S.db" "select count(*) from records where kind = 'staff' and not deleted and school = 'school01'")"
done
CS=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/profile-new.html" | head -1 | sed 's/.*value="//;s/"//')
code=$(curl -s -o "$T/neg.html" -w '%{http_code}' -b "$T/cj" -H 'Accept-Language: zh-CN' \
  --data-urlencode "csrf=$CS" --data-urlencode 'name=实验路小学' -d 'staff_count=-1&class_count=24&student_count=988' \
  "$B/k/school_profile/new")
check "-1 posted anyway: 422" eq "$code" 422
check "... the rules' message beside the field" grep -q 'id="err-staff_count"' "$T/neg.html"
code=$(curl -s -o "$T/left.html" -w '%{http_code}' -b "$T/cj" -H 'Accept-Language: zh-CN' \
  --data-urlencode "csrf=$CS" --data-urlencode 'name=王芳' \
  -d 'staff_role=subject_teacher&joined_date=2026-09-01&left_date=2026-08-01' "$B/k/staff/new")
check "left before joining: 422, both fields named by their labels, no key" bash -c \
  "[[ $code == 422 ]] && grep -q 'id=\"err-left_date\">离职日期 不能早于 入职日期<' '$T/left.html'"
# a workflow step done in the browser is confirmed in words, not in the
# command line's line (state keys, whole record ids, the next command)
H=$(sc_as $S pr-school01 hazard report --title 消防通道堆放杂物 --area fire --severity high 2>/dev/null | grep -Eo '[0-9a-f-]{36}' | head -1)
check "a hazard to assign" test ${#H} -eq 36
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/r/$H/v/assign" >"$T/assign-form.html"
check "the step's form says which hazard it is about" grep -q '<h1>隐患：消防通道堆放杂物：签发</h1>' "$T/assign-form.html"
curl -s -L -o "$T/assigned.html" -b "$T/cj" -H 'Accept-Language: zh-CN' --data-urlencode "csrf=$CS" \
  --data-urlencode 'owner=王师傅' -d 'deadline_date=2030-01-01&_password=secret-pr-school01' "$B/r/$H/v/assign"
grep -o '<p class="ok" id="done">[^<]*' "$T/assigned.html" | sed 's/.*>//' >"$T/done.txt"
check "the assignment is confirmed on the hazard's page" grep -q '签发' "$T/done.txt"
check "... without the state's key or a whole record id" bash -c \
  "! grep -Eq '[a-z]{4,}|[0-9a-f-]{36}' '$T/done.txt'"
check "the hazard's page is titled by the hazard, not its id" grep -q '<h1>隐患：消防通道堆放杂物</h1>' "$T/assigned.html"
# a list of set words (a drill's segments) is ticked by its labels, not typed as keys
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/k/drill/new" >"$T/drill-form.html"
check "a drill's segments are ticks in words" bash -c \
  "grep -q '<input type=\"checkbox\" name=\"segments\" value=\"principal\"> 校长讲评</label>' '$T/drill-form.html' && ! grep -q '<input id=\"in-segments\"' '$T/drill-form.html'"
code=$(curl -s -o "$T/drill-back.html" -w '%{http_code}' -b "$T/cj" -H 'Accept-Language: zh-CN' --data-urlencode "csrf=$CS" \
  --data-urlencode 'title=消防疏散演练' -d 'segments=&segments=principal&segments=student' "$B/k/drill/new")
check "a drill without its date: 422, sent back with both segments still ticked" eq \
  "$code $(grep -o 'name="segments" value="[a-z]*" checked' "$T/drill-back.html" | sed 's/.*value="//;s/".*//' | tr '\n' ' ')" \
  "422 principal student "
check "... the missing field said first, beside it, not the password" bash -c \
  "grep -q 'id=\"err-drill_date\"' '$T/drill-back.html' && ! grep -q 'id=\"err-_password\"' '$T/drill-back.html'"
curl -s -o "$T/drill-nopw.html" -b "$T/cj" -H 'Accept-Language: zh-CN' --data-urlencode "csrf=$CS" \
  --data-urlencode 'theme=消防疏散演练' -d "drill_date=$(date -d yesterday +%F)&scenario=fire" "$B/k/drill/new"
check "... every field right and no password: asked for it, in words" \
  grep -q 'id="err-_password">请输入您的密码' "$T/drill-nopw.html"
curl -s -L -o "$T/drill-saved.html" -b "$T/cj" -H 'Accept-Language: zh-CN' --data-urlencode "csrf=$CS" \
  --data-urlencode 'theme=消防疏散演练' -d "drill_date=$(date -d yesterday +%F)&scenario=fire" \
  -d 'segments=&segments=principal&segments=student&_password=secret-pr-school01' "$B/k/drill/new"
check "... saved ticked, it reads 校长讲评；学生演练" grep -q '<dt>参与环节</dt><dd>校长讲评；学生演练</dd>' "$T/drill-saved.html"
stop

# ---- the bureau: 教育局 in the bar, the district's lists without raw keys
server_start || exit 1
for s in bureau-office school01-main school01-east bureau-office; do
  check "$s syncs" sc stores/$s sync --timeout-ms 60000
done
check "the bureau fetches the district dashboard (schools' names)" sc stores/bureau-office dashboard --refresh
check "serve starts at the bureau" serve stores/bureau-office
zh "$B/" >"$T/b-home.html"
check "the bureau's bar says 教育局" eq "$(bar "$T/b-home.html")" "教育局"
check "... and no campus" bash -c "! grep -q '</span> · 校区' '$T/b-home.html'"
check "the bureau's overdue list names each record's school (（实验路小学）), not its id" \
  bash -c "tr -d '\n' <'$T/b-home.html' | grep -o '<ul id=\"due\">.*' | sed 's|</ul>.*||' >'$T/b-due' && grep -q '（实验路小学）' '$T/b-due' && ! grep -q 'school01' '$T/b-due'"
zh "$B/dashboard" >"$T/b-dash.html"
check "the bureau picks a school by name on the dashboard" grep -q '<select id="f-school" name="school">.*<option value="school01">实验路小学</option>' "$T/b-dash.html"
zh "$B/report?year=2026" >"$T/b-report.html"
check "... and on the annual report" grep -q '<select id="f-school" name="school">.*<option value="school01">实验路小学</option>' "$T/b-report.html"
zh "$B/report?year=2026&school=school01" >"$T/b-report1.html"
check "... the school drilled into is the one chosen" grep -q '<option value="school01" selected>实验路小学</option>' "$T/b-report1.html"
bpages=()
for k in $kinds; do
  zh "$B/k/$k" >"$T/b-list-$k.html"
  bpages+=("$T/b-list-$k.html")
done
check "the bureau's lists show no raw key (${#bpages[@]} pages)" $RAW "${bpages[@]}"
N=$(sqlite3 "$T/stores/bureau-office.db" "select parent_id from records where kind = 'notice_event' and school = 'school01' limit 1")
zh "$B/r/$N" >"$T/b-notice.html"
check "a notice's page at the bureau says how many schools owe an answer" \
  grep -Eq '<p id="schools-summary">共 [0-9]+ 所学校：[0-9]+ 所尚未签收，[0-9]+ 所逾期未报送落实情况。</p>' "$T/b-notice.html"
check "... and each school's answer, by the school's name: 实验路小学 acknowledged it" bash -c \
  "tr -d '\n' <'$T/b-notice.html' | grep -Eq '<tr( class=\"rejected\")?><td>实验路小学</td><td>[^<]+</td><td><time datetime='"
check "... its history says which school each answer is from" bash -c \
  "tr -d '\n' <'$T/b-notice.html' | grep -o '<table id=\"history\">.*' | grep -q '<thead><tr><th>学校</th>.*<tr><td>实验路小学</td>'"
check "the bureau filters a list by a school's name" grep -q '<select id="f-school" name="school">.*<option value="school01">实验路小学</option>' "$T/b-list-hazard.html"
check "the bureau's hazards name their school" bash -c "grep -q '<td>实验路小学</td>' '$T/b-list-hazard.html' && ! grep -q '<td>school01</td>' '$T/b-list-hazard.html'"
stop

# ---- back at the school, its notices synced down: the report form's sections
serve $S
curl -s -o /dev/null -c "$T/cj" -d 'login=pr-school01&password=secret-pr-school01' "$B/login"
SN=$(sqlite3 "$T/$S.db" "select id from records where kind = 'notice' and not deleted limit 1")
zh -b "$T/cj" "$B/r/$SN/v/report" >"$T/report-form.html"
check "a notice report's form: one 落实情况 section, no legend in English or a key" bash -c \
  "[[ \$(grep -o '<legend>[^<]*</legend>' '$T/report-form.html' | sort | uniq -d | wc -l) == 0 ]] &&
   grep -q '<legend>落实情况</legend>' '$T/report-form.html' && ! grep -q '<legend>[A-Za-z_ ]*</legend>' '$T/report-form.html'"
stop
echo "$E2E_PASS passed, $E2E_FAIL failed"
[ "$E2E_FAIL" -eq 0 ]
