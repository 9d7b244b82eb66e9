#!/usr/bin/env bash
# The annual report at the bureau: two schools record drills and a hazard,
# sync them through a real safecampusd; the bureau pulls them and its
# `report annual` states the district's figures (the sum of the schools') and
# each school's, and its /report page shows the per-school table and drills
# down into one school.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init report_bureau
client_new amain schoolA main
client_new bmain schoolB main
client_new bureau bureau office
person_new amain vp-amain vice_principal; as_default amain vp-amain
person_new bmain vp-bmain vice_principal; as_default bmain vp-bmain
server_start

sc amain add school_profile --name 甲小学 --staff-count 40 --class-count 12 --student-count 500 >/dev/null
sc bmain add school_profile --name 乙小学 --staff-count 30 --class-count 10 --student-count 400 >/dev/null
a1=$(sc amain add drill --drill-date 2025-03-10 --theme 消防 --scenario fire --student-count 500 --evacuation-seconds 100)
a2=$(sc amain add drill --drill-date 2025-05-12 --theme 防震 --scenario earthquake --student-count 480 --evacuation-seconds 80)
b1=$(sc bmain add drill --drill-date 2025-04-15 --theme 消防 --scenario fire --student-count 390 --evacuation-seconds 120)
sc bmain add drill --drill-date 2024-12-01 --theme 去年 --scenario fire >/dev/null
sc bmain hazard report --title 栏杆松动 --area building --severity medium --found-date 2025-06-01 >/dev/null
for c in amain bmain bureau; do sc $c sync >/dev/null 2>&1; done
check "the bureau pulled the drills" eq "$(sc bureau list drill 2>/dev/null | grep -c '^[0-9a-f]\{8\} ')" 4

sc bureau --lang zh report annual --year 2025 >"$T/d.txt" 2>"$T/d.err"
check "report annual at the bureau" eq "$?" 0
check "the district's title" grep -q "区教育局（d1）2025年度平安校园工作总结" "$T/d.txt"
check "the district's drills: the schools' sum" grep -q "共开展应急演练 3 次" "$T/d.txt"
check "the district's students and staff" grep -q "学生 900 人" "$T/d.txt"
check "the district's hazards" grep -q "排查发现隐患 1 项" "$T/d.txt"
check "a per-school part" grep -q "各校数据" "$T/d.txt"
# under the drills' label, each school's figure
sed -n '/共开展应急演练（次）/,/^  [^ ]/p' "$T/d.txt" >"$T/per"
check "school A's drills" grep -Eq "^ +schoolA +2$" "$T/per"
check "school B's drills (2025 only)" grep -Eq "^ +schoolB +1$" "$T/per"
n=$(grep -o '共开展应急演练 3 次\[[0-9]*\]' "$T/d.txt" | sed 's/.*\[\([0-9]*\)\]/\1/')
ids=$(grep "^\[$n\] " "$T/d.txt" | sed 's/^[^:]*: //' | tr ' ' '\n' | sort | tr '\n' ' ')
check "the district figure names the schools' drills" eq "$ids" "$(printf '%s\n' "$a1" "$a2" "$b1" | sort | tr '\n' ' ')"

sc bureau --lang zh report annual --year 2025 --html "$T/d.html" 2>/dev/null
check "the HTML has the per-school table" grep -q '<table class="schools">' "$T/d.html"
check "... with the schools by name" grep -q '<th>甲小学</th><th>乙小学</th>' "$T/d.html"
check "... its rows headed by the figure and its unit, no N for the number" bash -c \
  "grep -q '<th>共开展应急演练（次）</th>' '$T/d.html' && ! grep -q ' N 次' '$T/d.html'"

WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/bureau.db" serve --no-sync --lang zh --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$WP/" && break; sleep 0.1; done
curl -s "http://127.0.0.1:$WP/report?year=2025" >"$T/page"
check "the bureau's page: the district's draft" grep -q "共开展应急演练 3 次" "$T/page"
check "... and the table of schools" grep -q 'id="schools"' "$T/page"
check "... linking to each school's report" grep -q 'href="/report?year=2025&amp;school=schoolB"' "$T/page"
curl -s "http://127.0.0.1:$WP/report?year=2025&school=schoolB" >"$T/pageB"
check "drill-down: school B's own figures" grep -q "共开展应急演练 1 次" "$T/pageB"
check "... under its name" grep -q "乙小学2025年度平安校园工作总结" "$T/pageB"
check "... links to its drill" grep -q "href=\"/r/$b1\"" "$T/pageB"
kill $SPID; wait $SPID 2>/dev/null
e2e_done
