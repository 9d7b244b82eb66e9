#!/usr/bin/env bash
# The command line in Simplified Chinese (LANG=zh_CN.UTF-8 and --lang zh):
# help, a bad enum value, an enum typed by its Chinese label, list headers,
# show, the HTML dashboard's lang; and no English sentence in those outputs
# (heuristic: a run of 4 or more ASCII words that are not commands, options,
# values or paths). English stays the default with LANG unset.
set -uo pipefail
: "${SC_BIN_DIR:?SC_BIN_DIR must point at the build directory}"
BIN=$SC_BIN_DIR/safecampus
TOOL=$SC_BIN_DIR/tests/sc_dashfixture
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc_i18n_zh.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export SAFECAMPUS_STORE="$WORK/c.db"
unset LANGUAGE LC_ALL LC_MESSAGES
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $1" >&2; [ -n "${2:-}" ] && echo "${2:0:1500}" >&2; }
has() { if grep -Fq -- "$2" <<<"$3"; then ok; else bad "$1: lacks [$2]" "$3"; fi; }
# English prose: 4+ consecutive words of letters only, outside `...`, after
# dropping --options, UPPER metavars and snake_case values
no_english() {
	local t
	t=$(sed -e 's/`[^`]*`//g' -e 's/--[a-z0-9_-]*//g' -e 's/\b[A-Z][A-Z0-9_-]*\b//g' \
		-e 's/\b[a-z0-9]*_[a-z0-9_]*\b//g' <<<"$2")
	if grep -Eq '([A-Za-z]{2,}[ ,.]+){3}[A-Za-z]{2,}' <<<"$t"; then
		bad "$1: English sentence" "$(grep -E '([A-Za-z]{2,}[ ,.]+){3}[A-Za-z]{2,}' <<<"$t" | head -3)"
	else ok; fi
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-keyout c.key -out c.crt -subj "/O=district7/OU=school42/CN=north" 2>/dev/null
"$BIN" init --server 127.0.0.1:9 --cert c.crt --key c.key --ca c.crt >/dev/null || bad "init"

export LANG=zh_CN.UTF-8
out=$("$BIN" --help); has "usage" "用法：" "$out"; has "commands" "新增任一类记录" "$out"
out=$("$BIN" add meeting --help)
has "add help" "会议类型" "$out"; has "enum labels in help" "all_staff_training（全员培训）" "$out"
no_english "add meeting --help" "$out"
out=$("$BIN" hazard --help); has "group help" "隐患排查整改流程" "$out"; no_english "hazard --help" "$out"
err=$("$BIN" add meeting --type foo --title x 2>&1 >/dev/null); rc=$?
[ "$rc" -eq 2 ] && ok || bad "bad value exits 2 (got $rc)"
has "bad value in Chinese" "不是可选值之一" "$err"; has "help pointer" "请运行" "$err"
no_english "bad value" "$err"
id=$("$BIN" add meeting --type 全员培训 --meeting-date 2026-12-01 --title 消防安全培训 --attendees 70)
[ -n "$id" ] && ok || bad "enum by its Chinese label"
out=$("$BIN" list meetings)
has "list header" "会议类型" "$out"; has "enum label in list" "全员培训" "$out"; has "footer" "共 1 条" "$out"
has "sync state" "待同步" "$out"; no_english "list" "$out"
# CJK columns line up: every row's "日期" column starts where its header does
hdr=$(head -1 <<<"$out"); row=$(sed -n 2p <<<"$out")
w_hdr=$(printf '%s' "${hdr%%日期*}" | python3 -c 'import sys,unicodedata as u; s=sys.stdin.read(); print(sum(2 if u.east_asian_width(c) in "WF" else 1 for c in s))')
w_row=$(printf '%s' "${row%%2026-12-01*}" | python3 -c 'import sys,unicodedata as u; s=sys.stdin.read(); print(sum(2 if u.east_asian_width(c) in "WF" else 1 for c in s))')
[ "$w_hdr" = "$w_row" ] && ok || bad "CJK column alignment ($w_hdr vs $w_row)" "$out"
out=$("$BIN" show "$id"); has "show" "安全会议" "$out"; has "show enum" "全员培训（all_staff_training）" "$out"
no_english "show" "$out"
err=$("$BIN" hazard report --title 灭火器过期 --area nowhere --severity 较大 2>&1 >/dev/null)
has "hazard bad area" "不是可选值之一" "$err"
hid=$("$BIN" hazard report --title 灭火器过期 --area 消防安全 --severity 较大 2>/dev/null)
[ -n "$hid" ] && ok || bad "hazard with Chinese area and severity"
out=$("$BIN" list hazards); has "hazard state label" "已上报" "$out"; has "hazard header" "隐患名称" "$out"
# the HTML dashboard says its language
if [ -x "$TOOL" ] && "$TOOL" write "$WORK/d.db" --view school --age-hours 3 >/dev/null 2>&1; then
	"$BIN" --store "$WORK/d.db" dashboard --html "$WORK/zh.html" >/dev/null 2>&1
	has "html lang zh-CN" 'lang="zh-CN"' "$(cat "$WORK/zh.html" 2>/dev/null)"
	"$BIN" --store "$WORK/d.db" --lang en dashboard --html "$WORK/en.html" >/dev/null 2>&1
	has "html lang en with --lang en" 'lang="en"' "$(cat "$WORK/en.html" 2>/dev/null)"
else
	bad "dashboard fixture"
fi
# --lang en and LANG unset keep English
out=$("$BIN" --lang en list meetings); has "--lang en" "1 meeting record" "$out"
out=$(env -u LANG "$BIN" list meetings); has "LANG unset" "TYPE" "$out"
out=$(env -u LANG "$BIN" --lang zh list meetings); has "--lang zh" "会议类型" "$out"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
