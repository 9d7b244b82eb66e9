#!/usr/bin/env bash
# The bureau names a notice's schools in the browser by ticking them (issue
# 12: forms from the kind table; issue 10: "a typo goes nowhere"): the issue
# form lists the district's schools by name from the district dashboard
# stored here; the ticked ones become the notice's targets, none ticked is
# every school; without a stored dashboard the field stays a text box.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_notice_targets
client_new bureau bureau office
person_new bureau zhou bureau_officer

WP=$(e2e_free_port)
B=http://127.0.0.1:$WP
serve() {
  "$SAFECAMPUS" --store "$T/bureau.db" serve --no-sync --listen 127.0.0.1:$WP >>"$T/serve.log" 2>&1 &
  SPID=$!
  for _ in $(seq 50); do curl -s -o /dev/null "$B/login" && return 0; sleep 0.1; done
  return 1
}
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
code() { curl -s -o "$T/out" -w '%{http_code}' -H 'Accept-Language: zh-CN' "$@"; }
form() { code -b "$T/cj" "$B/k/notice/v/issue" >/dev/null; }

check "serve starts" serve
check "the officer signs in" eq "$(code -c "$T/cj" -d 'login=zhou&password=secret-zhou' "$B/login")" 303
form
check "no dashboard stored yet: the schools field is a text box" grep -q '<input id="in-targets" name="targets" type="text"' "$T/out"
kill $SPID; wait $SPID 2>/dev/null

# the district dashboard the sync would have stored (tests/tools/dash_fixture.c: 12 schools)
check "a district dashboard" "$SC_BIN_DIR/tests/sc_dashfixture" write "$T/fx.db" --view bureau
check "... stored here" sqlite3 "$T/bureau.db" "ATTACH '$T/fx.db' AS fx; INSERT OR REPLACE INTO blobs SELECT * FROM fx.blobs"
check "serve starts again" serve
check "the officer signs in again" eq "$(code -c "$T/cj" -d 'login=zhou&password=secret-zhou' "$B/login")" 303
form
check "the form lists the schools to tick" eq "$(grep -o '<input type="checkbox" name="targets" value="[^"]*"' "$T/out" | wc -l)" 12
name=$(grep -o 'value="s03"> [^<]*' "$T/out" | sed 's/value="s03"> //')
check "... by name" test -n "$name"
check "... in Chinese" grep -q '不勾选：下发到全部学校。' "$T/out"
CS=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/out" | head -1 | sed 's/.*value="//;s/"//')
issue() { # TITLE TICKS...
  local t=$1 a=()
  shift
  for s in "$@"; do a+=(-d "targets=$s"); done
  code -b "$T/cj" --data-urlencode "csrf=$CS" --data-urlencode "title=$t" -d targets= "${a[@]}" \
    -d due_date=2030-06-30 -d _password=secret-zhou "$B/k/notice/v/issue"
}
targets_of() { sqlite3 "$T/bureau.db" "select id from records where kind='notice'" | while read -r id; do
  sc bureau show "$id" 2>/dev/null | grep -q "$1" && sc bureau show "$id" | grep -i 'targets\|schools' ; done; }
check "issued to two ticked schools: 303" eq "$(issue 防溺水专项 s03 s07)" 303
check "... its targets are those two" bash -c "grep -q 's03;s07' <<<'$(targets_of 防溺水专项)'"
# its page: both schools owe an answer, each by its name (the dashboard's)
nid=$(sqlite3 "$T/bureau.db" "select id from records where kind = 'notice'" | while read -r id; do
  sc bureau show "$id" 2>/dev/null | grep -q 防溺水专项 && echo "$id"; done | head -1)
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/r/$nid" | tr -d '\n' >"$T/notice-page.html"
check "the notice's page: 2 schools, neither has acknowledged it" \
  grep -q '<p id="schools-summary">共 2 所学校：2 所尚未签收，0 所逾期未报送落实情况。</p>' "$T/notice-page.html"
check "... a row per school by name, not yet acknowledged" test "$(grep -o '<tr><td>[^<]*[^<0-9]</td><td>未读</td><td>尚未</td><td>尚未</td></tr>' "$T/notice-page.html" | wc -l)" -eq 2
check "... its schools named, not their ids (s03;s07)" bash -c \
  "grep -q '<dt>下发学校</dt><dd>Binjiang Experimental School；Hope &amp; Light Primary School</dd>' '$T/notice-page.html'"
curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/k/notice" | tr -d '\n' >"$T/notice-list.html"
check "the notice list's school column says whose they are: 教育局, not blank" bash -c \
  "grep -q '<td>教育局</td><td>office</td>' '$T/notice-list.html' && ! grep -q '<td></td><td>office</td>' '$T/notice-list.html'"
check "issued with none ticked: 303" eq "$(issue 消防安全月)" 303
check "... to every school (no targets)" bash -c "grep -q 'targets *-$' <<<'$(targets_of 消防安全月)'"
# sent back for a wrong password, the form keeps the two ticks: re-sent as
# shown, it must not go to every school
back=$(code -b "$T/cj" --data-urlencode "csrf=$CS" --data-urlencode "title=溺水预防" -d targets= \
  -d targets=s03 -d targets=s07 -d due_date=2030-06-30 -d _password=wrong "$B/k/notice/v/issue")
check "a wrong password sends the form back (422), nothing written" eq "$back $(targets_of 溺水预防)" "422 "
check "... with the two schools still ticked, and only those" eq \
  "$(grep -o '<input type="checkbox" name="targets" value="[^"]*" checked' "$T/out" | sed 's/.*value="//;s/".*//' | tr '\n' ' ')" "s03 s07 "
# the list's own "new" form writes what issue writes, a notice the officer
# signs: it asks for the password, and saves with it (it asked for none and
# refused every save, "wrong password")
code -b "$T/cj" "$B/k/notice/new" >/dev/null
check "the notice's new form asks for the officer's password" grep -q 'name="_password"' "$T/out"
check "... and saves with it: 303" eq "$(code -b "$T/cj" --data-urlencode "csrf=$CS" --data-urlencode "title=交通安全提醒" \
  -d targets= -d targets=s03 -d issue_date=$(date +%F) -d due_date=2030-06-30 -d _password=secret-zhou "$B/k/notice/new")" 303
check "... the notice is written, for the school ticked" bash -c "grep -q 's03' <<<'$(targets_of 交通安全提醒)'"
kill $SPID; wait $SPID 2>/dev/null
e2e_done
