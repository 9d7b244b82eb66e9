#!/usr/bin/env bash
# The dashboard's HTML page in a real browser: headless Chromium (Debian's
# `chromium` package) opens the pages `safecampus dashboard --html` writes
# from the test fixture (tests/tools/dash_fixture.c: 12 schools, 6 months)
# and this checks that
#   - the charts rendered: one ranking bar per school (rect.bar), the own
#     school's bar highlighted, monthly trend lines (polyline), hazard ageing
#     stacked bars, in the DOM Chromium built;
#   - the page logged nothing to the console (no script error, no refused
#     fetch: the page's Content-Security-Policy forbids any), checked against
#     a control page that does log, so a silent browser cannot pass it;
#   - a school name with markup stays text;
#   - the school table's sort script sorts (a click on "School");
#   - `dashboard --csv` writes the six tables;
# and keeps screenshots as artefacts: $SC_BIN_DIR/artefacts/dashboard.png
# (bureau) and dashboard-school.png.
#
# No server is needed: sc_dashfixture stores the fixture where `sync` stores
# the Dashboard the server sends. If Chromium is missing it is installed
# (apt-get, as root); if that fails, the test FAILS: it never skips.
set -uo pipefail

: "${SC_BIN_DIR:?SC_BIN_DIR must point at the build directory}"
: "${SC_SOURCE_DIR:?SC_SOURCE_DIR must point at the source tree}"
SAFECAMPUS=$SC_BIN_DIR/safecampus
TOOL=$SC_BIN_DIR/tests/sc_dashfixture
ART=$SC_BIN_DIR/artefacts
PASS=0
FAIL=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc-dashboard-html.XXXXXX")
cleanup() { if [[ "${E2E_KEEP:-0}" != 1 ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
mkdir -p "$ART"

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; shift; for l in "$@"; do echo "       | $l"; done; }
# check DESC ACTUAL EXPECTED
check_eq() { if [[ "$2" == "$3" ]]; then ok "$1"; else bad "$1" "expected [$3], got [$2]"; fi; }
check_ge() { if (( $2 >= $3 )); then ok "$1"; else bad "$1" "expected at least $3, got $2"; fi; }
check_le() { if (( $2 <= $3 )); then ok "$1"; else bad "$1" "expected at most $3, got $2"; fi; }
count() { grep -o -- "$1" "$2" | wc -l | tr -d ' '; }

done_() {
  echo "$PASS passed, $FAIL failed"
  ((FAIL == 0))
  exit $?
}

# ---------------------------------------------------------------- Chromium
CHROMIUM=$(command -v chromium || true)
if [[ -z "$CHROMIUM" ]]; then
  echo "chromium is missing: installing Debian's chromium package"
  if [[ $(id -u) -eq 0 ]]; then SUDO=; else SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium; } >"$WORK/apt.log" 2>&1
  CHROMIUM=$(command -v chromium || true)
fi
if [[ -z "$CHROMIUM" ]]; then
  bad "chromium is installed" "apt-get install chromium failed:" "$(tail -5 "$WORK/apt.log" 2>/dev/null)"
  done_
fi
ok "chromium: $("$CHROMIUM" --version 2>/dev/null | head -1)"

# chrome OUT_PREFIX ARGS... URL: one headless run, stdout to OUT_PREFIX.out,
# stderr (with the console log) to OUT_PREFIX.log
chrome() {
  local out=$1 profile
  shift
  profile=$(mktemp -d "$WORK/profile.XXXXXX")
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@" >"$out.out" 2>"$out.log"
}

# ---------------------------------------------------------------- fixtures
for t in "$TOOL" "$SAFECAMPUS"; do
  [[ -x "$t" ]] || { bad "built: $t" "not found; build the project first"; done_; }
done
"$TOOL" write "$WORK/bureau.db" --view bureau --age-hours 3 || { bad "fixture store (bureau)"; done_; }
"$TOOL" write "$WORK/school.db" --view school --age-hours 3 --pending || { bad "fixture store (school)"; done_; }
"$TOOL" write "$WORK/hostile.db" --view bureau --hostile || { bad "fixture store (hostile)"; done_; }

dashboard() { local db=$1; shift; "$SAFECAMPUS" --store "$db" dashboard "$@"; }

if dashboard "$WORK/bureau.db" --html "$WORK/bureau.html" --csv "$WORK/csv" >"$WORK/out" 2>&1; then
  ok "dashboard --html --csv (bureau)"
else
  bad "dashboard --html --csv (bureau)" "$(cat "$WORK/out")"
  done_
fi
dashboard "$WORK/school.db" --html "$WORK/school.html" >"$WORK/out" 2>&1 ||
  bad "dashboard --html (school)" "$(cat "$WORK/out")"
# the other schools are anonymous; the server labels them "School N" in
# English, and a Chinese reader sees "学校 N", the same N
"$SAFECAMPUS" --lang zh --store "$WORK/school.db" dashboard --html "$WORK/school-zh.html" >"$WORK/out" 2>&1 ||
  bad "dashboard --html (school, Chinese)" "$(cat "$WORK/out")"
en_n=$(grep -o 'School [0-9][0-9]*' "$WORK/school.html" | sort -u | sed 's/School //' | sort -n | tr '\n' ' ')
zh_n=$(grep -o '学校 [0-9][0-9]*' "$WORK/school-zh.html" | sort -u | sed 's/学校 //' | sort -n | tr '\n' ' ')
check_ge "anonymous schools are labelled (English page)" "$(wc -w <<<"$en_n")" 5
check_eq "... and in Chinese, with the same numbers" "$zh_n" "$en_n"
check_eq "... no English label left on the Chinese page" "$(count 'School [0-9]' "$WORK/school-zh.html")" 0
dashboard "$WORK/hostile.db" --html "$WORK/hostile.html" >"$WORK/out" 2>&1 ||
  bad "dashboard --html (hostile name)" "$(cat "$WORK/out")"
for f in indicators schools alerts trends health missing; do
  [[ -s "$WORK/csv/$f.csv" ]] || bad "csv: $f.csv written"
done
check_eq "csv: schools.csv has a header and 12 schools" "$(wc -l <"$WORK/csv/schools.csv" | tr -d ' ')" 13

# ---------------------------------------------------------------- the command
# run ARGS...: the dashboard command; stdout in $OUT, stderr in $ERR, status in $RC
run() {
  OUT=$(dashboard "$@" 2>"$WORK/stderr")
  RC=$?
  ERR=$(cat "$WORK/stderr")
}
has() { if grep -qE -- "$2" <<<"$3"; then ok "$1"; else bad "$1" "no /$2/ in:" "${3:0:600}"; fi; }

run "$WORK/school.db"
check_eq "terminal: exit 0" "$RC" 0
has "terminal: the stored copy, with its age" 'as of .* \(3h 0m ago\)' "$OUT"
has "terminal: how to get a newer one" 'safecampus dashboard --refresh' "$OUT"
has "terminal: pending records next to their indicator" '2 drills recorded here, not yet synced' "$OUT"
check_eq "terminal: no colour when not a terminal" "$(grep -c $'\033' <<<"$OUT")" 0
check_le "terminal: no line over 100 columns" "$(LC_ALL=C.UTF-8 wc -L <<<"$OUT")" 100
run "$WORK/bureau.db" --sort drills
has "bureau: sorted by an indicator" 'sorted by drills' "$OUT"
run "$WORK/bureau.db" --school s01
has "bureau: a stored drill-down" 'Chengnan Primary School .*bureau: one school' "$OUT"
has "bureau: the drill-down has trends" 'TRENDS' "$OUT"
run "$WORK/bureau.db" --school s05
has "bureau: a drill-down made from the district dashboard" 'Made from the district dashboard' "$OUT"
run "$WORK/school.db" --school s01
check_eq "school: --school of another school is a usage error" "$RC" 2
run "$WORK/bureau.db" --sort nonsense
check_eq "--sort with an unknown key: usage error" "$RC" 2
has "--sort lists the keys" 'score, name, drills, education_1530' "$ERR"
run "$WORK/bureau.db" --month 2026-13
check_eq "--month that is not a month: usage error" "$RC" 2
# nothing listens on the fixture store's server (127.0.0.1:9)
run "$WORK/school.db" --refresh --timeout-ms 3000
check_eq "--refresh without a server: exit 0 with the stored copy" "$RC" 0
has "--refresh without a server: a warning" 'could not refresh the dashboard' "$ERR"
has "--refresh without a server: marked in the view" 'NOT REFRESHED' "$OUT"
"$TOOL" write "$WORK/empty.db" --view school --empty || bad "fixture store (empty)"
run "$WORK/empty.db"
check_eq "nothing stored: exit 1" "$RC" 1
has "nothing stored: says how to get one" 'no dashboard is stored here yet' "$ERR"
run "$WORK/empty.db" --refresh --timeout-ms 3000
check_eq "nothing stored, no server: exit 1" "$RC" 1

# ---------------------------------------------------------------- the console check works
cat >"$WORK/control.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>control</title></head>
<body><p>control</p><script>console.error("control-error"); notDefinedAnywhere();</script></body></html>
HTML
chrome "$WORK/control" --dump-dom "file://$WORK/control.html"
if grep -q "Uncaught" "$WORK/control.log" && grep -q "CONSOLE" "$WORK/control.log"; then
  ok "control page: Chromium reports console errors on stderr"
else
  bad "control page: Chromium reports console errors on stderr" "$(tail -5 "$WORK/control.log")"
fi

# ---------------------------------------------------------------- the pages
# dom_checks NAME FILE: what every page must show once Chromium built it
console_clean() {
  local name=$1 log=$2
  if grep -E "CONSOLE|Uncaught|Refused to" "$log" >"$WORK/console.txt"; then
    bad "$name: no console errors" "$(head -5 "$WORK/console.txt")"
  else
    ok "$name: no console errors"
  fi
}

chrome "$WORK/bureau" --dump-dom "file://$WORK/bureau.html"
dom=$WORK/bureau.out
check_ge "bureau: Chromium built the DOM" "$(wc -c <"$dom")" 10000
check_eq "bureau: one ranking bar per school" "$(count '<rect class="bar' "$dom")" 12
check_eq "bureau: no own bar in the district view" "$(count '<rect class="bar self"' "$dom")" 0
check_ge "bureau: trend lines" "$(count '<polyline class="line"' "$dom")" 12
check_ge "bureau: trend points" "$(count '<circle class="pt' "$dom")" 60
check_eq "bureau: hazard ageing, overdue part of 4 buckets" "$(count '<rect class="age-overdue"' "$dom")" 4
check_eq "bureau: hazard ageing, open part of 4 buckets" "$(count '<rect class="age-open"' "$dom")" 4
check_eq "bureau: every chart titled" "$(count '<svg[^>]*role="img" aria-labelledby' "$dom")" "$(count '<svg' "$dom")"
check_eq "bureau: school table, 12 rows" "$(sed -n '/id="school-table"/,/<\/tbody>/p' "$dom" | grep -c '^<tr')" 12
check_eq "bureau: 3 stale clients marked" "$(count '<tr class="stale">' "$dom")" 3
console_clean bureau "$WORK/bureau.log"

chrome "$WORK/school" --dump-dom "file://$WORK/school.html"
dom=$WORK/school.out
check_eq "school: one ranking bar per school" "$(count '<rect class="bar' "$dom")" 12
check_eq "school: its own bar highlighted" "$(count '<rect class="bar self"' "$dom")" 1
check_ge "school: trend lines" "$(count '<polyline class="line"' "$dom")" 12
check_eq "school: hazard ageing bars" "$(count '<rect class="age-' "$dom")" 8
check_eq "school: other schools not named" "$(grep -c -E 'Chengnan|Qingshan|Yuhua|Hongqi' "$dom")" 0
check_ge "school: records not yet synced are shown" "$(count 'recorded here, not yet synced' "$dom")" 2
console_clean school "$WORK/school.log"

chrome "$WORK/hostile" --dump-dom "file://$WORK/hostile.html"
dom=$WORK/hostile.out
check_eq "hostile name: no <b> element made from it" "$(count '<b>Riverside' "$dom")" 0
check_ge "hostile name: shown as text" "$(count '&lt;b&gt;Riverside&lt;/b&gt; &amp;' "$dom")" 1
console_clean "hostile name" "$WORK/hostile.log"

# the sort script: click "School" and the table is in name order
sed 's|</body>|<script>document.querySelectorAll("#school-table thead button")[1].click();</script></body>|' \
  "$WORK/bureau.html" >"$WORK/sorted.html"
chrome "$WORK/sorted" --dump-dom "file://$WORK/sorted.html"
first=$(sed -n '/id="school-table"/,/<\/tbody>/p' "$WORK/sorted.out" | grep -o 'class="name" data-v="[^"]*"' |
  head -1 | sed -E 's/.*data-v="([^"]*)"/\1/')
check_eq "sort script: a click on School sorts by name" "$first" "Binjiang Experimental School"
console_clean "sort script" "$WORK/sorted.log"

# ---------------------------------------------------------------- screenshots
chrome "$WORK/shot" --screenshot="$ART/dashboard.png" --window-size=1280,2000 --hide-scrollbars \
  "file://$WORK/bureau.html"
check_ge "screenshot (bureau) kept" "$(stat -c %s "$ART/dashboard.png" 2>/dev/null || echo 0)" 20000
chrome "$WORK/shot2" --screenshot="$ART/dashboard-school.png" --window-size=1280,2000 --hide-scrollbars \
  "file://$WORK/school.html"
check_ge "screenshot (school) kept" "$(stat -c %s "$ART/dashboard-school.png" 2>/dev/null || echo 0)" 20000
cp "$WORK/bureau.html" "$ART/dashboard.html"
cp "$WORK/school.html" "$ART/dashboard-school.html"
echo "artefacts: $ART/dashboard.png $ART/dashboard-school.png (pages: $ART/dashboard.html, $ART/dashboard-school.html)"

done_
