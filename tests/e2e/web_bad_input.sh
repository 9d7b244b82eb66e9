#!/usr/bin/env bash
# safecampus serve against bad input (curl and a small python3 client as the
# browsers): oversize bodies, malformed request lines and headers, missing and
# wrong CSRF tokens, repeated wrong passwords, a session used after its
# expiry, a head teacher taking a principal's step, and slow-loris clients
# holding connections open. Each gets a clear answer, nothing is written (the
# store's rows are counted before and after), and meanwhile another browser
# is served and the sync still carries a record to PostgreSQL.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_bad_input
client_new amain schoolA main
server_start
printf 'principal-pw-1\n' >"$T/pw1"; printf 'teacher-pw-22\n' >"$T/pw2"
sc amain person add --login wang --name 王校长 --role principal --admin-key "$T/pki/people-admin.key" \
  --new-password-file "$T/pw1" >/dev/null
sc amain person add --login li --name 李老师 --role head_teacher --as wang --password-file "$T/pw1" \
  --new-password-file "$T/pw2" >/dev/null
WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/amain.db" serve --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
PYPID=
trap 'kill $SPID $PYPID 2>/dev/null; e2e_cleanup' EXIT
B=http://127.0.0.1:$WP
for _ in $(seq 50); do curl -s -o /dev/null $B/ && break; sleep 0.1; done
code() { curl -s -o "$T/out" -w '%{http_code}' "$@"; }
# the records and their newest local write (hlc): any write changes one of them
rows() { sqlite3 "$T/amain.db" "select count(*) || '/' || max(hlc) from records"; }
# raw REQUEST: sends bytes (printf escapes) on one connection, prints the status line
raw() {
  python3 - "$WP" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(15)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
try:
    d = s.recv(4096)
except OSError:
    d = b""
print(d.split(b"\r\n")[0].decode("latin-1") or "closed")
PY
}

check "the principal signs in" eq "$(code -c "$T/cj" -d 'login=wang&password=principal-pw-1' $B/login)" 303
CS=$(curl -s -b "$T/cj" $B/k/hazard/new | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
check "a hazard through its form" eq "$(code -b "$T/cj" --data-urlencode "csrf=$CS" -d 'title=exit&area=fire&severity=high' $B/k/hazard/new)" 303
H=$(curl -s -b "$T/cj" $B/k/hazard | grep -o '/r/[0-9a-f-]*' | head -1)
check "it is listed" test -n "$H"
for _ in $(seq 40); do [ "$(sqlite3 "$T/amain.db" 'select count(*) from outbox')" = 0 ] && break; sleep 0.25; done
R0=$(rows)

# ---------------------------------------------------------------- bodies
check "oversize body by Content-Length: 413" \
  eq "$(head -c 200000 /dev/zero | tr '\0' a | sed "s/^/csrf=$CS\&title=/" | code -b "$T/cj" --data-binary @- $B/k/hazard/new)" 413
check "... saying nothing was written" grep -q 'nothing was written\|未写入' "$T/out"
check "oversize body sent chunked (no length): 413" \
  eq "$(head -c 200000 /dev/zero | tr '\0' a | sed "s/^/csrf=$CS\&title=/" | code -b "$T/cj" -H 'Transfer-Encoding: chunked' --data-binary @- $B/k/hazard/new)" 413
check "an upload over 4 MiB: 413" \
  eq "$(head -c 5000000 /dev/zero >"$T/big.csv"; code -b "$T/cj" -F "csrf=$CS" -F "file=@$T/big.csv" $B/k/hazard/import)" 413
check "a body that is not a form: 400" \
  eq "$(code -b "$T/cj" -H 'Content-Type: application/json' --data-binary '{"title":"x"}' $B/k/hazard/new)" 400

# ---------------------------------------------------------------- requests
check "a header line without a colon: 400" eq "$(raw 'GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "HTTP/1.1 without Host: 400" eq "$(raw 'GET / HTTP/1.1\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "a request line with extra words: 400" eq "$(raw 'GET / HTTP/1.1 x\r\nHost: x\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "a bad Content-Length: 400" eq "$(raw 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "a bad chunk size: 400" \
  eq "$(raw 'POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\nxx\r\n0\r\n\r\n')" "HTTP/1.1 400 Bad Request"
check "an unknown HTTP version: 505" eq "$(raw 'GET / HTTP/9.9\r\nHost: x\r\n\r\n')" "HTTP/1.1 505 HTTP Version Not Supported"
check "a 40 KB address: 414" eq "$(raw "GET /$(head -c 40000 /dev/zero | tr '\0' a) HTTP/1.1\r\nHost: x\r\n\r\n")" "HTTP/1.1 414 URI Too Long"
check "a 40 KB header: 431" eq "$(raw "GET / HTTP/1.1\r\nHost: x\r\nX: $(head -c 40000 /dev/zero | tr '\0' a)\r\n\r\n")" "HTTP/1.1 431 Request Header Fields Too Large"
check "not HTTP at all: the connection is closed" eq "$(raw 'GARBAGE\r\n\r\n')" closed
check "a method other than GET/POST: 405" eq "$(code -X DELETE -b "$T/cj" $B$H)" 405
check "an unknown page: 404" eq "$(code $B/nope/nope)" 404
check "a URL with bad %-escapes: 404, not a crash" eq "$(code "$B/r/%zz%00")" 404
check "nothing written by any of these" eq "$(rows)" "$R0"

# ---------------------------------------------------------------- CSRF
check "missing CSRF token: 403" eq "$(code -b "$T/cj" -d 'title=x&area=fire&severity=high' $B/k/hazard/new)" 403
check "wrong CSRF token: 403" eq "$(code -b "$T/cj" -d "csrf=${CS//a/b}x&title=x&area=fire&severity=high" $B/k/hazard/new)" 403
check "... the page says so" grep -q 'id="error"\|class="error"' "$T/out"
check "a token without its session: 403" eq "$(code -d "csrf=$CS&title=x&area=fire&severity=high" $B/k/hazard/new)" 403
check "missing CSRF on a workflow step: 403" \
  eq "$(code -b "$T/cj" --data-urlencode 'owner=x' -d 'deadline_date=2030-01-01&_password=principal-pw-1' $B$H/v/assign)" 403
check "missing CSRF on the outbox form: 403" eq "$(code -b "$T/cj" -d "id=${H#/r/}&do=discard" $B/sync)" 403
check "missing CSRF on sign-out: 403" eq "$(code -b "$T/cj" -d 'x=1' $B/logout)" 403
check "nothing written by the refused forms" eq "$(rows)" "$R0"

# ---------------------------------------------------------------- a role beyond itself
check "the head teacher signs in" eq "$(code -c "$T/cj2" -d 'login=li&password=teacher-pw-22' $B/login)" 303
CS2=$(curl -s -b "$T/cj2" $B/k/hazard/new | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
check "the head teacher assigning a hazard (a principal's step): refused" \
  test "$(code -b "$T/cj2" --data-urlencode "csrf=$CS2" --data-urlencode 'owner=李老师' -d 'deadline_date=2030-01-01&_password=teacher-pw-22' $B$H/v/assign)" -ge 400
check "... saying who may" grep -Eq 'principal|校长' "$T/out"
check "the head teacher closing it: refused" \
  test "$(code -b "$T/cj2" --data-urlencode "csrf=$CS2" -d '_password=teacher-pw-22' $B$H/v/close)" -ge 400
check "nothing written by the refused steps" eq "$(rows)" "$R0"

# ---------------------------------------------------------------- wrong passwords
# from an address of its own, so the pause stays there (127.0.0.9)
for i in 1 2 3 4 5; do curl -s -o /dev/null --interface 127.0.0.9 -d 'login=li&password=wrong' $B/login; done
check "after five wrong passwords: 429" eq "$(code --interface 127.0.0.9 -d 'login=li&password=wrong' $B/login)" 429
check "... the right password is refused too while paused" \
  eq "$(code --interface 127.0.0.9 -d 'login=li&password=teacher-pw-22' $B/login)" 429
check "... with a Retry-After" bash -c "curl -s -D - -o /dev/null --interface 127.0.0.9 -d 'login=li&password=teacher-pw-22' $B/login | grep -qi '^retry-after: [0-9]'"
check "... and the login paused from another address too" \
  eq "$(code -d 'login=li&password=teacher-pw-22' $B/login)" 429
check "another person from another address still signs in" \
  eq "$(code -c "$T/cj3" -d 'login=wang&password=principal-pw-1' $B/login)" 303
check "the head teacher's open session still works" eq "$(code -b "$T/cj2" $B/k/hazard)" 200

# ---------------------------------------------------------------- session expiry
WP2=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --session-ttl 1 --listen 127.0.0.1:$WP2 >"$T/serve2.log" 2>&1 &
S2PID=$!
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$WP2/ && break; sleep 0.1; done
check "--session-ttl 0 is refused (exit 2)" bash -c "\"$SAFECAMPUS\" --store \"$T/amain.db\" serve --no-sync --session-ttl 0 --listen 127.0.0.1:$(e2e_free_port); test \$? -eq 2"
check "sign-in on a box with a 1 s session" \
  eq "$(code -c "$T/cj4" -d 'login=wang&password=principal-pw-1' http://127.0.0.1:$WP2/login)" 303
CS4=$(curl -s -b "$T/cj4" http://127.0.0.1:$WP2/k/hazard/new | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
check "... a form in time" test ${#CS4} -eq 64
sleep 2.2
check "the form sent after the expiry: 401" \
  eq "$(code -b "$T/cj4" --data-urlencode "csrf=$CS4" -d 'title=late&area=fire&severity=high' http://127.0.0.1:$WP2/k/hazard/new)" 401
check "... saying the sign-in expired" grep -q 'id="error"\|class="error"' "$T/out"
check "... nothing written" eq "$(rows)" "$R0"
check "... and the session is gone (the page shows the sign-in link)" \
  bash -c "curl -s -b \"$T/cj4\" http://127.0.0.1:$WP2/ | grep -q 'href=\"/login'"
kill $S2PID; wait $S2PID 2>/dev/null

# ---------------------------------------------------------------- slow loris
# 72 connections from three addresses (the limit per address is 24, in all 64)
# each sending its headers a byte every second: they are never idle, so only a
# deadline on the headers (and eviction when nearly full) frees their slots.
python3 - "$WP" >"$T/loris.log" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for a in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
    for _ in range(24):
        try:
            s = socket.create_connection(("127.0.0.1", port), source_address=(a, 0), timeout=2)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError as e:
            print("connect:", e)
print("open", len(socks), flush=True)
end = time.time() + 14
while time.time() < end and socks:
    time.sleep(1)
    for s in list(socks):
        try:
            s.sendall(b"X")
        except OSError:
            socks.remove(s)
print("left open after 14 s:", len(socks), flush=True)
PY
PYPID=$!
# and binary bytes that MHD waits on (the header deadline ends them), meanwhile
( t=$(date +%s); r=$(raw '\x00\x01\x02\xff\r\n\r\n'); echo "$r $(( $(date +%s) - t ))" >"$T/binary.out" ) &
BINPID=$!
for _ in $(seq 50); do grep -q '^open' "$T/loris.log" && break; sleep 0.1; done
check "the slow clients hold their connections" grep -Eq '^open (6[0-9]|7[0-2])' "$T/loris.log"
sleep 2 # the attack goes on; a browser arrives
t0=$(date +%s%N)
check "meanwhile another browser is served" eq "$(code --max-time 5 --interface 127.0.0.5 -b "$T/cj" $B/k/hazard)" 200
check "... within a second" test $(( ($(date +%s%N) - t0) / 1000000 )) -lt 1000
check "... and can write" eq "$(code --max-time 5 --interface 127.0.0.5 -b "$T/cj" --data-urlencode "csrf=$CS" --data-urlencode 'title=loris-proof' -d 'area=fire&severity=low' $B/k/hazard/new)" 303
for _ in $(seq 60); do [ "$(sql "select count(*) from hazard where title = 'loris-proof'")" = 1 ] && break; sleep 0.25; done
check "... and the sync carries it to PostgreSQL" eq "$(sql "select count(*) from hazard where title = 'loris-proof'")" 1
wait $PYPID $BINPID; PYPID=
check "binary bytes: the connection is closed (header deadline, or making room)" \
  grep -Eq '^closed ([0-9]|1[0-6])$' "$T/binary.out"
check "the slow clients were cut off by the header deadline" grep -q 'left open after 14 s: 0$' "$T/loris.log"
check "the interface still answers" eq "$(code -b "$T/cj" $B/)" 200

# ---------------------------------------------------------------- evidence uploads (web_evidence.c)
# a rectification takes a photo: bad uploads are answered and write nothing
HID=${H#/r/}
check "the hazard is assigned through its form" eq "$(code -b "$T/cj" --data-urlencode "csrf=$CS" \
  --data-urlencode 'owner=李老师' -d "deadline_date=$(date -d '+7 days' +%F)&_password=principal-pw-1" $B/r/$HID/v/assign)" 303
check "the campus's limit: 64 KiB a file" sc amain evidence limits --max-file 65536
for _ in $(seq 40); do [ "$(sqlite3 "$T/amain.db" 'select count(*) from outbox')" = 0 ] && break; sleep 0.25; done
R1=$(rows)
printf '\x89PNG\r\n\x1a\n' >"$T/ok.png"; head -c 20000 /dev/urandom >>"$T/ok.png"
printf '\x89PNG\r\n\x1a\n' >"$T/over.png"; head -c 100000 /dev/urandom >>"$T/over.png"
printf '\x89PNG\r\n\x1a\n' >"$T/huge.png"; head -c 300000 /dev/urandom >>"$T/huge.png"
rectify() { code -b "$T/cj" -F "note=换了灭火器" -F "_password=principal-pw-1" "$@" $B/r/$HID/v/rectify; }
check "an evidence form without its CSRF token: 403" eq "$(rectify -F "_evidence=@$T/ok.png")" 403
# a browser sends all of its body before reading: answered once it is in,
# never reset mid-send (the 413 used to be lost to the reset now and then)
check "a file over twice the limit: 413, not a reset" \
  eq "$(rectify -F "csrf=$CS" -F "_evidence=@$T/huge.png")" 413
check "... saying nothing was written" grep -q '未写入\|nothing was written' "$T/out"
check "a client waiting for 100 Continue: 413 before the body is sent" \
  eq "$(curl -s -o "$T/out" -w '%{http_code} %{size_upload}' --expect100-timeout 20 -H 'Expect: 100-continue' \
    -b "$T/cj" -F "csrf=$CS" -F "_evidence=@$T/huge.png" $B/r/$HID/v/rectify)" "413 0"
check "... saying nothing was written" grep -q '未写入\|nothing was written' "$T/out"
check "a file over the limit: 413, the form again" eq "$(rectify -F "csrf=$CS" -F "_evidence=@$T/over.png;filename=整改.png")" 413
check "... the message beside the file's field, in Chinese" \
  grep -q 'id="err-_evidence">文件大小为 97.7 KB，超过本校区每个文件 64.0 KB 的上限' "$T/out"
check "... and the note typed is kept" grep -Eq '<textarea id="in-note" name="note" rows="4"( required)?>换了灭火器</textarea>' "$T/out"
check "multipart without a boundary: 400" \
  eq "$(code -b "$T/cj" -H 'Content-Type: multipart/form-data' --data-binary "csrf=$CS" $B/r/$HID/v/rectify)" 400
check "a multipart body cut short: refused (4xx)" bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' -b '$T/cj' \
  -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary \$'--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n$CS\r\n--XyZ\r\nContent-Disposition: form-data; name=\"_evidence\"; filename=\"a.png\"\r\n\r\nabc' \
  $B/r/$HID/v/rectify) == 4* ]]"
check "a wrong password with a good file: 422" eq "$(code -b "$T/cj" -F "csrf=$CS" -F "note=x" -F "_password=nope" -F "_evidence=@$T/ok.png" $B/r/$HID/v/rectify)" 422
check "... the form says the file must be chosen again (a browser cannot keep it)" \
  grep -q 'id="err-_evidence">所选文件未保留：保存前请重新选择该文件。' "$T/out"
check "nothing of these was written" eq "$(rows)" "$R1"
check "... nor kept in the evidence directory" eq "$(ls "$T/amain.db.evidence" 2>/dev/null | wc -l)" 0
check "fetching without a CSRF token: 403" eq "$(code -b "$T/cj" -d 'back=/' $B/e/$(printf '%064d' 0)/fetch)" 403
check "a hash that is not one: 404" eq "$(code $B/e/abc)" 404
check "a file that is not here: 404, saying where to fetch it" eq "$(code $B/e/$(printf '%064d' 0))" 404
# the good one, then its copy damaged: not served
check "a good file: 303" eq "$(rectify -F "csrf=$CS" -F "_evidence=@$T/ok.png;filename=整改 照片.png")" 303
OKH=$(sha256sum <"$T/ok.png" | cut -d' ' -f1)
check "it is served as image/png with its bytes" bash -c "curl -s -D '$T/h' $B/e/$OKH | cmp - '$T/ok.png' && grep -qi '^content-type: image/png' '$T/h'"
check "... named in UTF-8" grep -qi "filename\*=UTF-8''%E6%95%B4%E6%94%B9%20%E7%85%A7%E7%89%87.png" "$T/h"
printf 'X' | dd of="$T/amain.db.evidence/$OKH" bs=1 seek=100 conv=notrunc 2>/dev/null
check "a damaged copy is not served: 500" eq "$(code $B/e/$OKH)" 500
check "... saying it does not hash to its name" grep -q '与其哈希不符' "$T/out"
kill $SPID; wait $SPID 2>/dev/null
e2e_done
