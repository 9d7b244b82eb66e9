#!/usr/bin/env bash
# safecampus serve over HTTP (curl as the browser): sign-in, a record through
# its form, a field error, CSRF, oversize body, wrong passwords paused, a
# role acting beyond itself; the record reaches PostgreSQL through the sync.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_serve
client_new amain schoolA main
server_start
openssl genpkey -algorithm ed25519 -out "$T/admin.key" 2>/dev/null
printf 'principal-pw-1\n' >"$T/pw1"; printf 'teacher-pw-22\n' >"$T/pw2"
sc amain person add --login wang --name 王校长 --role principal --admin-key "$T/pki/people-admin.key" --new-password-file "$T/pw1" >/dev/null
sc amain person add --login li --name 李老师 --role head_teacher --as wang --password-file "$T/pw1" --new-password-file "$T/pw2" >/dev/null
WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/amain.db" serve --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$WP/" && break; sleep 0.1; done
B=http://127.0.0.1:$WP
code() { curl -s -o "$T/out" -w '%{http_code}' "$@"; }
check "home page in Chinese" bash -c "curl -s -H 'Accept-Language: zh-CN' $B/ | grep -q 'lang=\"zh-CN\"'"
check "non-loopback listen without HTTPS is refused" bash -c "! \"$SAFECAMPUS\" --store \"$T/amain.db\" serve --no-sync --listen 0.0.0.0:$(e2e_free_port)"
check "sign-in works" eq "$(code -c "$T/cj" -d 'login=wang&password=principal-pw-1' $B/login)" 303
CS=$(curl -s -b "$T/cj" $B/k/hazard/new | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
check "the form carries a CSRF token" test ${#CS} -eq 64
check "missing CSRF token: 403" eq "$(code -b "$T/cj" -d 'title=x&area=fire&severity=high' $B/k/hazard/new)" 403
check "wrong CSRF token: 403" eq "$(code -b "$T/cj" -d "csrf=${CS//a/b}x&title=x&area=fire&severity=high" $B/k/hazard/new)" 403
check "a bad date: 422 with the message beside the field" eq "$(code -b "$T/cj" -d "csrf=$CS&title=x&area=fire&severity=high&found_date=2026-02-30" $B/k/hazard/new)" 422
check "... err-found_date shown" grep -q 'id="err-found_date"' "$T/out"
check "oversize body: 413" eq "$(head -c 200000 /dev/zero | tr '\0' a | sed 's/^/title=/' | code -b "$T/cj" --data-binary @- $B/k/hazard/new)" 413
check "nothing written by the refused posts" eq "$(sc amain outbox list 2>/dev/null | grep -c hazard)" 0
check "a hazard through its form" eq "$(code -b "$T/cj" --data-urlencode "csrf=$CS" --data-urlencode 'title=灭火器过期' -d 'area=fire&severity=high' $B/k/hazard/new)" 303
H=$(curl -s -b "$T/cj" $B/k/hazard | grep -o '/r/[0-9a-f-]*' | head -1)
check "the hazard is listed" test -n "$H"
for i in 1 2 3 4 5; do code -d 'login=li&password=wrong' $B/login >/dev/null; done
check "wrong passwords are paused: 429" eq "$(code -d 'login=li&password=teacher-pw-22' $B/login)" 429
check "the principal assigns it" eq "$(code -b "$T/cj" --data-urlencode "csrf=$CS" --data-urlencode 'owner=李老师' -d 'deadline_date=2030-01-01&_password=principal-pw-1' $B$H/v/assign)" 303
for _ in $(seq 60); do [ "$(sql "select state from hazard where id='${H#/r/}'")" = assigned ] && break; sleep 0.25; done
check "the assignment reached PostgreSQL" eq "$(sql "select state||'|'||owner from hazard where id='${H#/r/}'")" "assigned|李老师"
# a status filter derives every hazard from its events read in one pass
check "the status filter finds it assigned" bash -c "curl -s -b '$T/cj' '$B/k/hazard?status=assigned' | grep -q 'href=\"$H\"'"
check "... and not among the reported" bash -c "! curl -s -b '$T/cj' '$B/k/hazard?status=reported' | grep -q 'href=\"$H\"'"
kill $SPID; wait $SPID 2>/dev/null
echo "$E2E_PASS passed, $E2E_FAIL failed"
[ "$E2E_FAIL" -eq 0 ]
