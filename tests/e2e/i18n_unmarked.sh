#!/usr/bin/env bash
# Strings nobody marked for translation: i18n_check.sh sees only what is
# marked, so this runs the client in Chinese over what its users see (the
# --help of every command and verb, the errors of each kind, the dashboard of
# a school and of the bureau in the terminal, HTML and CSV labels) and fails
# on a line that still holds English prose.
#
# English prose: 3 or more consecutive words of letters, after dropping what
# is not prose: `quoted commands`, --options, UPPER metavars and keys,
# snake_case values, paths and file names, and the example data of the
# dashboard fixture (school names and record titles, which are data typed in
# English by tests/tools/dash_fixture.c, not text of the program).
set -uo pipefail
: "${SC_BIN_DIR:?SC_BIN_DIR must point at the build directory}"
BIN=$SC_BIN_DIR/safecampus
TOOL=$SC_BIN_DIR/tests/sc_dashfixture
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc_i18n_unmarked.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export SAFECAMPUS_STORE="$WORK/c.db"
unset LANGUAGE LC_ALL LC_MESSAGES
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $1" >&2; [ -n "${2:-}" ] && echo "${2:0:2000}" >&2; }

# data of the dashboard fixture: names and titles as a school typed them
DATA='(Primary|Middle|Experimental) School|District 1|Drowning prevention|fire safety day|Fire door|'
DATA+='Cracked ceiling|Loose handrail|Gas-leak alarm|Fire extinguishers|Canteen LPG|Riverside|Annex|'
DATA+='HYPERLINK|Bus ZA-|Hope & Light|Qingshan|Xinhua|Minzhu|Hongqi|Jinqiao|Chengnan|Dongfeng|Shuguang|'
DATA+='Guangming|Binjiang|Yuhua|^  # ' # the last: the school table's short column keys (--sort takes them)
prose() {
	sed -E -e 's/`[^`]*`//g' -e 's/--[a-z0-9_-]+( +[a-z0-9_]+\b)?//g' -e 's/\b[A-Z][A-Z0-9_-]*\b//g' \
		-e 's/\b[a-z0-9]*_[a-z0-9_]*\b//g' -e 's#[~.]?/[^ ]*##g' -e 's/\b[a-z0-9_-]+\.[a-z]{2,4}\b//g' \
		-e 's/\bsafecampus( +[a-z_]+)*//g' -e 's/：[a-z0-9_ ,;|]+/：/g' <<<"$1" | grep -aEv "$DATA" |
		grep -aE '([A-Za-z]{2,}[,.;:]? +){2}[A-Za-z]{2,}'
}
check() {
	local what=$1 out=$2 hit
	if [ -z "$out" ] && [ -z "${EMPTY_OK:-}" ]; then
		bad "$what: no output"
		return
	fi
	hit=$(prose "$out")
	if [ -n "$hit" ]; then bad "$what: English left in Chinese output" "$(head -5 <<<"$hit")"; else ok; fi
}
run() { # run WHAT ARGS...: stdout and stderr of the client in Chinese
	local what=$1
	shift
	check "$what" "$(LANG=zh_CN.UTF-8 "$BIN" "$@" 2>&1)"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-keyout c.key -out c.crt -subj "/O=district7/OU=school42/CN=north" 2>/dev/null
"$BIN" init --server 127.0.0.1:9 --cert c.crt --key c.key --ca c.crt >/dev/null || bad "init"

# every command's help, and every verb's of the commands that have verbs
cmds=$(LANG=C "$BIN" --help | awk '/^Commands:/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{if(n++)exit}')
[ "$(wc -w <<<"$cmds")" -ge 10 ] && ok || bad "command list from --help" "$cmds"
run "--help" --help
for c in $cmds; do
	run "$c --help" "$c" --help
	verbs=$(LANG=C "$BIN" "$c" --help 2>/dev/null | awk '/^(Verbs|Commands|Actions):/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{exit}')
	for v in $verbs; do
		run "$c $v --help" "$c" "$v" --help
	done
done
for k in meeting drill hazard notice letter bus_trip equipment risk; do
	run "add $k --help" add "$k" --help
done

# errors of each kind: usage, bad value, not found, refused, network
run "unknown command" frobnicate
run "unknown option" list meetings --frob
run "missing value" list meetings --status
run "bad enum value" add meeting --type nope --title x
run "missing required" add meeting --title x
run "bad date" add meeting --type all_staff_training --title x --meeting-date 2026-13-40
run "unknown kind" list spaceships
run "bad status" list hazards --status sideways
run "show unknown id" show 00000000-0000-4000-8000-000000000000
run "edit unknown id" edit 00000000-0000-4000-8000-000000000000 --title x
run "no dashboard yet" dashboard
run "bad month" dashboard --month 2026-99
run "sync, server down" sync --timeout-ms 2000
EMPTY_OK=1 run "outbox list" outbox list
run "status" status

# records: the words around them (the data itself is Chinese here)
id=$(LANG=zh_CN.UTF-8 "$BIN" add meeting --type all_staff_training --meeting-date 2026-12-01 \
	--title 消防安全培训 --attendees 70 2>/dev/null)
[ -n "$id" ] && ok || bad "add meeting"
run "list meetings" list meetings
run "show meeting" show "$id"
run "list hazards" list hazards
hid=$(LANG=zh_CN.UTF-8 "$BIN" hazard report --title 灭火器过期 --area fire --severity medium 2>/dev/null)
[ -n "$hid" ] && ok || bad "hazard report"
run "show hazard" show "$hid"
run "hazard verify before rectify" hazard verify "$hid"
run "hazard verify, nobody enrolled" hazard verify "$hid" --note x --as nobody </dev/null
out=$(LANG=zh_CN.UTF-8 "$BIN" show "$hid" 2>&1)
grep -q '状态：已上报' <<<"$out" && ok || bad "hazard state in Chinese" "$out"
run "outbox list, one pending" outbox list
run "letter coverage" letter coverage --year 2026
run "bus alarms" bus alarms
run "list notices" list notices
run "person list" person list
printf 'type,title\nnope,x\n' >bad.csv
run "import a bad row" import meeting bad.csv
run "import a bad header" import meeting c.crt
run "status, one pending" status
run "rates, one pending" rates --missing
run "rates, bad month" rates --month 2026-99

# the dashboard of a school and of the bureau: terminal, HTML (text only), CSV labels
for view in school bureau; do
	if "$TOOL" write "$WORK/$view.db" --view "$view" --age-hours 3 --pending >/dev/null 2>&1; then
		run "dashboard ($view)" --store "$WORK/$view.db" dashboard
		LANG=zh_CN.UTF-8 "$BIN" --store "$WORK/$view.db" dashboard --html "$WORK/$view.html" >/dev/null 2>&1
		text=$(sed -E -e ':a;N;$!ba' -e 's#<(style|script)>.*</(style|script)>##g' "$WORK/$view.html" |
			sed -E -e 's/<[^>]+>/\n/g' -e 's/&[a-z#0-9]+;/ /g')
		check "dashboard --html ($view)" "$text"
		LANG=zh_CN.UTF-8 "$BIN" --store "$WORK/$view.db" dashboard --csv "$WORK/$view-csv" >/dev/null 2>&1
		check "dashboard --csv labels ($view)" "$(cut -d, -f2 "$WORK/$view-csv/indicators.csv" | sed 1d)"
	else
		bad "dashboard fixture ($view)"
	fi
done

# the heuristic itself: an English sentence is caught, data and commands are not
[ -n "$(prose 'the server sent no dashboard')" ] && ok || bad "heuristic misses English"
[ -z "$(prose '请运行 `safecampus sync --watch` 或 --store PATH /tmp/a/b.db all_staff_training')" ] && ok ||
	bad "heuristic flags commands and paths"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
