#!/usr/bin/env bash
# The dashboard a Chinese bureau officer reads (issue 12), on the fixture's
# stores (tests/tools/dash_fixture.c, no server needed): `dashboard --html`
# and serve's /dashboard/frame, district, sorted and drilled into, and the
# school's own. tests/tools/raw_keys.py --dashboard fails on an English or
# raw word where Chinese belongs (heads such as "HzOvd", "Sorted by score",
# "10.8d", "(hazards_overdue)" in a tooltip); in the browser also on a
# `safecampus ...` instruction. The district is 全区, not its id, and a
# school's name in the table links to its drill-down.
set -uo pipefail
: "${SC_BIN_DIR:?}" "${SC_SOURCE_DIR:?}"
source "$SC_SOURCE_DIR/tests/lib/ports.sh"
T=$(mktemp -d /tmp/sc-e2e-web_dash_zh.XXXXXX)
E2E_PASS=0
E2E_FAIL=0
SPID=
trap '[[ -n $SPID ]] && kill $SPID 2>/dev/null; wait 2>/dev/null; [[ ${E2E_KEEP:-0} == 1 ]] || rm -rf "$T"' EXIT
check() {
  local desc=$1
  shift
  if "$@" >"$T/check.out" 2>&1; then
    E2E_PASS=$((E2E_PASS + 1)); echo "ok   - $desc"
  else
    E2E_FAIL=$((E2E_FAIL + 1)); echo "FAIL - $desc"; sed 's/^/       | /' "$T/check.out" | head -30
  fi
}
SC=$SC_BIN_DIR/safecampus
RAW="python3 $SC_SOURCE_DIR/tests/tools/raw_keys.py $SC_SOURCE_DIR/proto/safecampus.proto --dashboard"
for v in school bureau; do
  check "fixture store ($v)" "$SC_BIN_DIR/tests/sc_dashfixture" write "$T/$v.db" --view $v --age-hours 3 --pending
  LANG=zh_CN.UTF-8 "$SC" --store "$T/$v.db" dashboard --html "$T/cli-$v.html" >/dev/null 2>&1
  LANG=zh_CN.UTF-8 "$SC" --store "$T/$v.db" dashboard --html "$T/cli-$v-sorted.html" --sort hazards_overdue >/dev/null 2>&1
done
check "dashboard --html in Chinese: no English head, key or unit" $RAW "$T/cli-school.html" "$T/cli-bureau.html" "$T/cli-bureau-sorted.html"
check "... the district is 全区" grep -q '<span class="scope">全区</span>' "$T/cli-bureau.html"
check "... its days written the Chinese way (the period, a missing item's due day)" bash -c \
  "grep -Eq '20[0-9]{2}年[1-9][0-9]?月[1-9][0-9]?日' '$T/cli-school.html' && ! grep -Eq '<td>20[0-9]{2}-[0-9]{2}-[0-9]{2}</td>' '$T/cli-school.html' '$T/cli-bureau.html'"
check "... sorted by a column said in words" grep -q '排序依据：逾期隐患' "$T/cli-bureau-sorted.html"
check "... its header's month and as-of day in words, and so the alerts' months" bash -c \
  "grep -Eq '<p class=\"meta\">.*月份 20[0-9]{2}年[1-9][0-9]?月 &middot; 截至 20[0-9]{2}年' '$T/cli-school.html' &&
   ! tr -d '\n' <'$T/cli-school.html' | grep -o '<section id=\"alerts\">.*</section>' | sed 's|</section>.*||' | grep -Eq '20[0-9]{2}-[0-9]{2}'"
LANG=en_US.UTF-8 "$SC" --lang en --store "$T/bureau.db" dashboard --html "$T/cli-en.html" >/dev/null 2>&1
check "in English the heads read as words" grep -q '<button type="button">Hazards overdue</button>' "$T/cli-en.html"
check "... the full name is the tooltip, without the key" bash -c \
  "grep -q 'title=\"Hazards past their deadline, not verified\"><button' '$T/cli-en.html' && ! grep -q '(hazards_overdue)' '$T/cli-en.html'"

P=$(sc_free_port)
B=http://127.0.0.1:$P
"$SC" --store "$T/bureau.db" serve --no-sync --listen 127.0.0.1:$P >"$T/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 50); do curl -s -o /dev/null "$B/" && break; sleep 0.1; done
zh() { curl -s -H 'Accept-Language: zh-CN' "$B$1" >"$T/$2"; }
zh /dashboard/frame web-district.html
zh '/dashboard/frame?sort=HzOvd' web-sorted.html
zh '/dashboard/frame?school=s03' web-school.html
check "serve's dashboard in Chinese: no English, no command to run" $RAW --web \
  "$T/web-district.html" "$T/web-sorted.html" "$T/web-school.html"
check "... a school's name drills into it" grep -q '<a target="_top" href="/dashboard?school=s03">' "$T/web-district.html"
check "... the district is 全区" grep -q '<span class="scope">全区</span>' "$T/web-district.html"
check "... a flag's records link to their pages, by short id" \
  grep -q '<a target="_top" href="/r/00000000-0000-4000-8000-0000000000d3">00000000</a>' "$T/web-district.html"
kill $SPID; wait $SPID 2>/dev/null
# the school's own page, served
"$SC" --store "$T/school.db" serve --no-sync --listen 127.0.0.1:$P >>"$T/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 50); do curl -s -o /dev/null "$B/" && break; sleep 0.1; done
zh /dashboard/frame web-own.html
check "the school's served dashboard: Chinese, no command to run" $RAW --web "$T/web-own.html"
check "... titled by the school's name" grep -q '<span class="scope">Binjiang Experimental School</span>' "$T/web-own.html"
# below the server's dashboard, the school's rates counted here (`safecampus rates`)
zh /dashboard web-own-page.html
check "the school's page: its rates counted here, in Chinese" bash -c \
  "grep -q '<div id=\"local-rates\">' '$T/web-own-page.html' && grep -q '<th scope=\"row\">通知落实报告</th>' '$T/web-own-page.html' && grep -q '由本机的记录和全区校历在本机计算' '$T/web-own-page.html'"
check "... no English left in it" $RAW --web "$T/web-own-page.html"
echo "$E2E_PASS passed, $E2E_FAIL failed"
[ "$E2E_FAIL" -eq 0 ]
