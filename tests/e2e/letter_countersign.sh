#!/usr/bin/env bash
# Responsibility letters are counter-signed by a second person (issue 11): the
# holder signs the letter, the level above signs a letter_event
# (`letter countersign`), the second step of the letter's chain. School A
# (campus main) and school B against a real PostgreSQL and safecampusd.
#   - a letter and its counter-signature in one push: accepted, one chain of
#     two positions, `list --status` tells awaiting from countersigned;
#   - the client refuses a counter-signer of the wrong role for the level,
#     the holder counter-signing their own letter, a second counter-signature;
#   - hand-made pushes (tests/tools/scforge) the server refuses, each alone
#     with its reason, the good one of the same batch stored: a wrong role, a
#     person of another school, a level that is not the letter's, the holder
#     counter-signing, a second counter-signature in the same batch;
#   - the bureau counter-signs a principal's letter (bureau_principal) at its
#     own install, a row of the school's; the client, the browser and the
#     server refuse the bureau any other level, a school person this one, a
#     Push of two schools, another district's bureau; coverage counts the
#     principal once it is counter-signed;
#   - a counter-signature altered in SQLite and in PostgreSQL, or deleted in
#     PostgreSQL: `safecampus verify` and `safecampusd --verify` name it.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init letter_countersign
SCFORGE=$SC_BIN_DIR/tests/scforge
SCPROBE=$SC_BIN_DIR/tests/scprobe

client_new amain schoolA main
client_new bmain schoolB main
person_new amain chen principal
person_new amain liu vice_principal chen
person_new amain zhou department_head chen
person_new amain sun head_teacher chen
person_new bmain wang principal
server_start

has() { grep -q -- "$2" <<<"$1" || { echo "missing [$2] in:"; echo "$1"; return 1; }; }
hasnt() { ! grep -q -- "$2" <<<"$1" || { echo "unexpected [$2] in:"; echo "$1"; return 1; }; }
sync_all() { for c in amain bmain; do sc "$c" sync >/dev/null || return 1; done; }
verify_pg() { "$SAFECAMPUSD" --config "$T/server.conf" "$@" 2>&1; }
verify_cl() { sc "$1" verify --people-key "$T/pki/people-admin.pub" "${@:2}" 2>&1; }
outbox_pb() { sqlite3 "$T/$1.db" "SELECT writefile('$3', record) FROM outbox WHERE record_id = '$2'" >/dev/null; }
probe_push() {
  timeout 30 "$SCPROBE" 127.0.0.1 "$PORT" "$T/pki/schoolA-main.crt" "$T/pki/schoolA-main.key" \
    "$T/pki/ca.crt" push-files "$@" 2>&1
}
scforge() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$SCFORGE" "$@"; }
forge() { scforge "$T/$1.db" "$2" "$T/$3.pb" "${@:4}"; }
cs_count() { sql "select count(*) from letter_event where letter_id = '$1'"; }

for who in "sun head_teacher" "zhou department_head" "liu vice_principal" "chen principal"; do
  set -- $who
  sc amain add staff --name "Name $1" --staff-role "$2" >/dev/null
done
check "people and staff reach the server" sync_all
# coverage on both sides: the staff holding a concluded 2026 letter
held_pg() { sql "select count(*) from dash_letter where school = 'schoolA' and year = 2026"; }
held_cl() { sc amain letter coverage --year 2026 | sed -n 's/^coverage 2026: \([0-9]*\) of 4 .*/\1/p'; }

# ---------------------------------------------------------------- signed and counter-signed
lt=$(sc_as amain sun letter sign --year 2026 --level department_teacher --signer "Name sun" \
  --counter-signer "Name zhou" --signed-date 2026-02-25)
check "the holder signs a letter" test -n "$lt"
out=$(sc amain list letter --status awaiting 2>&1)
check "... and it awaits its counter-signature" has "$out" "${lt:0:8}"
check_fail "client: the holder may not counter-sign" sc_as amain sun letter countersign "$lt"
check "... saying they hold it" has "$(cat "$T/check.out")" "Name sun holds letter ${lt:0:8} and cannot counter-sign it too"
check "the department head counter-signs (same push as the letter)" \
  sc_as amain zhou letter countersign "${lt:0:8}" --signed-date 2026-02-26
check "both reach the server" sync_all
check "the letter and its counter-signature are one chain: sun then zhou" \
  eq "$(sql "select string_agg(signer||':'||kind||':'||pos, ',' order by pos) from signoff where chain_id='$lt'")" \
  "sun:letter:1,zhou:letter_event:2"
check "the counter-signature is stored with the letter's level" \
  eq "$(sql "select level||'|'||actor from letter_event where letter_id='$lt'")" "department_teacher|Name zhou"
out=$(sc amain list letter --status countersigned 2>&1)
check "the letter is countersigned now" has "$out" "${lt:0:8}"
check_fail "client: a second counter-signature is refused" sc_as amain chen letter countersign "$lt"
check "... saying it is counter-signed already" has "$(cat "$T/check.out")" "already counter-signed"

# a vice principal's letter: only the principal counter-signs it
lv=$(sc_as amain liu letter sign --year 2026 --level principal_vice --signer "Name liu" \
  --counter-signer "Name chen" --signed-date 2026-02-20)
# the principal's own letter (with the bureau): he may not counter-sign it himself
lp=$(sc_as amain chen letter sign --year 2026 --level other --signer "Name chen" \
  --counter-signer "District bureau" --signed-date 2026-02-18)
check "two more letters reach the server" sync_all
# a letter counts once both sides signed it: sun and zhou (its counter-signer)
# hold theirs; liu's and chen's own letters await the level above
check "server: 2 of 4 staff hold a concluded letter" eq "$(held_pg)" 2
check "client: the same 2 of 4" eq "$(held_cl)" 2
out=$(sc amain letter coverage --year 2026)
check "client: ... and the two awaiting are said" has "$out" "awaiting a counter-signature .*: 2"
check "... liu is listed without a letter" has "$out" "Name liu"
out=$(sc amain status 2>&1)
check "status: liu's letter is owed a counter-signature" \
  has "$out" "letter ${lv:0:8} (2026, Principal and vice principal) of Name liu: to be counter-signed by Name chen\$"
check "... and sun's, counter-signed, is not" hasnt "$out" "letter ${lt:0:8}"
check_fail "client: a department head may not counter-sign a principal_vice letter" \
  sc_as amain zhou letter countersign "$lv"
check "... the refusal names who may" has "$(cat "$T/check.out")" "zhou is a department_head; this letter_event is signed by a principal"
check_fail "client: the principal may not counter-sign his own letter" sc_as amain chen letter countersign "$lp"
check "... saying he holds it" has "$(cat "$T/check.out")" "Name chen holds letter ${lp:0:8} and cannot counter-sign it too"

# ---------------------------------------------------------------- hand-made pushes
check "the principal counter-signs liu's letter (not synced yet)" sc_as amain chen letter countersign "$lv"
good=$(sqlite3 "$T/amain.db" "select record_id from outbox where kind='letter_event'")
outbox_pb amain "$good" "$T/good.pb"
check "forge: the department head's signature on it" forge amain "$T/good.pb" role newid sign zhou secret-zhou
check "forge: school B's principal signs it" forge bmain "$T/good.pb" school newid sign wang secret-wang
check "forge: a level that is not the letter's, so that the department head may sign" \
  forge amain "$T/good.pb" level newid field level department_teacher sign zhou secret-zhou
check "forge: the principal counter-signs his own letter" \
  forge amain "$T/good.pb" self newid field letter_id "$lp" field level other sign chen secret-chen
check "forge: a second counter-signature of liu's letter" forge amain "$T/good.pb" again newid sign chen secret-chen
out=$(probe_push "$T/role.pb" "$T/school.pb" "$T/level.pb" "$T/self.pb" "$T/good.pb" "$T/again.pb")
echo "$out" >"$T/probe.out"
check "wrong role: REJECT_SIGNER_ROLE, naming who may" \
  has "$out" "result i=0 accepted=0 seq=0 reason=8 detail=this letter_event is signed by a principal; zhou is not one"
check "another school's person: REJECT_SIGNER_SCHOOL" \
  has "$out" "result i=1 accepted=0 seq=0 reason=9 detail=wang belongs to schoolB"
check "a level not the letter's: REJECT_ILLEGAL_TRANSITION" \
  has "$out" "result i=2 accepted=0 seq=0 reason=4 detail=the counter-signature names level department_teacher, but letter ${lv:0:8} is of level principal_vice"
check "the holder counter-signing: REJECT_ILLEGAL_TRANSITION" \
  has "$out" "result i=3 accepted=0 seq=0 reason=4 detail=chen signed letter ${lp:0:8} as its holder"
check "the good counter-signature of the same batch is stored" has "$out" "result i=4 accepted=1"
check "a second one after it in the batch: REJECT_ILLEGAL_TRANSITION" \
  has "$out" "result i=5 accepted=0 seq=0 reason=4 detail=letter ${lv:0:8} is already counter-signed"
check "the server holds one counter-signature of liu's letter" eq "$(cs_count "$lv")" 1
check "... and none of the principal's own" eq "$(cs_count "$lp")" 0
check "the campus's own push of it is idempotent" sync_all
check "... still one" eq "$(cs_count "$lv")" 1
check "server: liu's counter-signed letter counts now for liu and chen (4 of 4)" eq "$(held_pg)" 4
check "client: the same 4 of 4" eq "$(held_cl)" 4
check "status: liu's letter is owed nothing now" hasnt "$(sc amain status 2>&1)" "letter ${lv:0:8}"
check "server: from the day it was counter-signed" \
  eq "$(sql "select since from dash_letter d join staff s on s.school = d.school and s.id = d.staff_id where s.name = 'Name liu'")" \
  "$(date +%F)"

# ---------------------------------------------------------------- the browser
# the record page offers the kind table's verb; the form signs as the person
# signed in (the same verb_write as the command line)
ld=$(sc_as amain zhou letter sign --year 2026 --level vice_department --signer "Name zhou" \
  --counter-signer "Name liu" --signed-date 2026-02-21)
WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
B=http://127.0.0.1:$WP
for _ in $(seq 50); do curl -s -o /dev/null "$B/" && break; sleep 0.1; done
code() { curl -s -o "$T/out" -w '%{http_code}' "$@"; }
check "web: liu signs in" eq "$(code -c "$T/cj" -d 'login=liu&password=secret-liu' $B/login)" 303
check "web: the letter's page offers the counter-signature" \
  bash -c "curl -s -b '$T/cj' $B/r/$ld | grep -q 'data-verb=\"countersign\"'"
CS=$(curl -s -b "$T/cj" "$B/r/$ld/v/countersign" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
check "web: its form carries a CSRF token" test ${#CS} -eq 64
check "web: liu counter-signs" \
  eq "$(code -b "$T/cj" --data-urlencode "csrf=$CS" -d '_password=secret-liu' "$B/r/$ld/v/countersign")" 303
check "web: ... and the page offers it no more" \
  bash -c "! curl -s -b '$T/cj' $B/r/$ld | grep -q 'data-verb=\"countersign\"'"
cse=$(sqlite3 "$T/amain.db" "select record_id from outbox where kind='letter_event'")
# offered only to whom the level allows: the principal's own letter (other) to
# no department head, nor to the principal who holds it
check "web: zhou signs in" eq "$(code -c "$T/cj2" -d 'login=zhou&password=secret-zhou' $B/login)" 303
check "web: a department head is not offered a principal's counter-signature" \
  bash -c "! curl -s -b '$T/cj2' $B/r/$lp | grep -q 'data-verb=\"countersign\"'"
check "web: chen signs in" eq "$(code -c "$T/cj3" -d 'login=chen&password=secret-chen' $B/login)" 303
check "web: nor is the principal, who holds that letter" \
  bash -c "! curl -s -b '$T/cj3' $B/r/$lp | grep -q 'data-verb=\"countersign\"'"
check "web: the principal is offered zhou's vice_department letter... already counter-signed: no" \
  bash -c "! curl -s -b '$T/cj3' $B/r/$ld | grep -q 'data-verb=\"countersign\"'"
check "web: the letter's page checks both signatures and their link" \
  bash -c "curl -s -b '$T/cj' $B/r/$ld | grep -q 'class=\"ok\" id=\"verify-state\"'"
check "web: so does the counter-signature's page (the whole chain)" \
  bash -c "curl -s -b '$T/cj' $B/r/$cse | grep -q 'class=\"ok\" id=\"verify-state\"'"
kill $SPID; wait $SPID 2>/dev/null
trap e2e_cleanup EXIT
check "the browser's counter-signature reaches the server" sync_all
check "... signed by liu, second step of the letter's chain" \
  eq "$(sql "select string_agg(signer||':'||pos, ',' order by pos) from signoff where chain_id='$ld'")" "zhou:1,liu:2"

# ---------------------------------------------------------------- the bureau
# The top of the cascade (bureau <-> principal): the principal holds the
# letter, a bureau officer counter-signs it at the bureau's install, the one
# row of a school the bureau writes (the kind table's bureau_for_school).
client_new bureau bureau office
person_new bureau li bureau_officer
person_new bmain ma vice_principal wang
sc bmain add staff --name "Name wang" --staff-role principal >/dev/null
held_b_pg() { sql "select count(*) from dash_letter where school = 'schoolB' and year = 2026"; }
held_b_cl() { sc bmain letter coverage --year 2026 | sed -n 's/^coverage 2026: \([0-9]*\) of 1 .*/\1/p'; }
probe_bureau() {
  timeout 30 "$SCPROBE" 127.0.0.1 "$PORT" "$T/pki/bureau-office.crt" "$T/pki/bureau-office.key" \
    "$T/pki/ca.crt" push-files "$@" 2>&1
}
check_fail "client: a vice principal does not hold the bureau's letter" sc_as amain liu letter sign \
  --year 2026 --level bureau_principal --signer "Name liu" --counter-signer "Name li"
check "... the principal does" has "$(cat "$T/check.out")" "liu is a vice_principal; this letter is signed by a principal"
lb=$(sc_as bmain wang letter sign --year 2026 --level bureau_principal --signer "Name wang" \
  --counter-signer "Name li" --signed-date 2026-02-16)
lpa=$(sc_as amain chen letter sign --year 2026 --level bureau_principal --signer "Name chen" \
  --counter-signer "Name li" --signed-date 2026-02-16)
lx=$(sc_as amain sun letter sign --year 2026 --level department_teacher --signer "Name sun" \
  --counter-signer "Name zhou" --signed-date 2026-02-27)
check "three letters signed by their holders" test -n "$lb" -a -n "$lpa" -a -n "$lx"
check_fail "client: a school's vice principal may not counter-sign the principal's letter" \
  sc_as bmain ma letter countersign "$lb"
check "... a bureau officer does" has "$(cat "$T/check.out")" "ma is a vice_principal; this letter_event is signed by a bureau_officer"
check "the letters reach the server" sync_all
check "server: wang's letter awaits the bureau, school B holds none" eq "$(held_b_pg)" 0
check "the bureau enrols li and pulls every school's letters" sc bureau sync
check_fail "bureau: li may not counter-sign a department_teacher letter" sc_as bureau li letter countersign "$lx"
check "... the bureau writes a school's row only where its officer signs it" \
  has "$(cat "$T/check.out")" "the bureau writes one only where a bureau officer signs it, and this one is signed by a"

# the bureau's browser offers the step where the kind table's rule allows it
WP2=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/bureau.db" serve --no-sync --listen 127.0.0.1:$WP2 >"$T/serve2.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
B2=http://127.0.0.1:$WP2
for _ in $(seq 50); do curl -s -o /dev/null "$B2/" && break; sleep 0.1; done
check "web: li signs in at the bureau" eq "$(code -c "$T/cjb" -d 'login=li&password=secret-li' $B2/login)" 303
check "web: the principal's letter offers li the counter-signature" \
  bash -c "curl -s -b '$T/cjb' $B2/r/$lb | grep -q 'data-verb=\"countersign\"'"
check "web: a department_teacher letter does not" \
  bash -c "! curl -s -b '$T/cjb' $B2/r/$lx | grep -q 'data-verb=\"countersign\"'"
kill $SPID; wait $SPID 2>/dev/null
trap e2e_cleanup EXIT

check "bureau: li counter-signs wang's letter" sc_as bureau li letter countersign "${lb:0:8}" --signed-date 2026-02-28
bgood=$(sqlite3 "$T/bureau.db" "select record_id from outbox where kind='letter_event'")
outbox_pb bureau "$bgood" "$T/bgood.pb"
check "... a row of school B" eq "$(sqlite3 "$T/bureau.db" "select school from records where id='$bgood'")" schoolB
check "forge: li's signature on school A's department_teacher letter" \
  forge bureau "$T/bgood.pb" bother newid school schoolA field letter_id "$lx" field level department_teacher sign li secret-li
check "forge: li's on it, naming the bureau's level" \
  forge bureau "$T/bgood.pb" blevel newid school schoolA field letter_id "$lx" sign li secret-li
check "forge: a department head counter-signs the principal's letter" \
  forge amain "$T/good.pb" bprin newid field letter_id "$lpa" field level bureau_principal sign zhou secret-zhou
out=$(probe_bureau "$T/bother.pb" "$T/blevel.pb" "$T/bprin.pb" "$T/bgood.pb")
echo "$out" >"$T/probe-bureau.out"
check "bureau, another level: REJECT_FORBIDDEN" \
  has "$out" "result i=0 accepted=0 seq=0 reason=2 detail=the bureau writes a school's letter_event only where a bureau officer signs it; this one is signed by a principal"
check "bureau, the letter's level is not its own: REJECT_ILLEGAL_TRANSITION" \
  has "$out" "result i=1 accepted=0 seq=0 reason=4 detail=the counter-signature names level bureau_principal, but letter ${lx:0:8} is of level department_teacher"
check "bureau, a school person's signature: REJECT_FORBIDDEN" \
  has "$out" "result i=2 accepted=0 seq=0 reason=2 detail=a letter_event the bureau writes for school \"schoolA\" carries the signature of a bureau officer"
check "bureau, a second school in the same Push: REJECT_FORBIDDEN" \
  has "$out" "result i=3 accepted=0 seq=0 reason=2 detail=a Push carries one school's records"
out=$(probe_push "$T/bprin.pb")
check "school, its department head on the principal's letter: REJECT_SIGNER_ROLE" \
  has "$out" "result i=0 accepted=0 seq=0 reason=8 detail=this letter_event is signed by a bureau_officer; zhou is not one"
# a bureau of another district holds another CA's certificate: no session
"$PKI" "$T/pki2" d2 localhost >/dev/null
"$PKI" issue "$T/pki2" bureau office >/dev/null
check_fail "another district's bureau: refused at the handshake" timeout 30 "$SCPROBE" 127.0.0.1 "$PORT" \
  "$T/pki2/bureau-office.crt" "$T/pki2/bureau-office.key" "$T/pki/ca.crt" push-files "$T/bgood.pb"
check "... nothing of it stored" eq "$(cs_count "$lb")" 0
check "the bureau's counter-signature reaches the server" sc bureau sync
check "... one chain of school B: wang, then the bureau's li" \
  eq "$(sql "select string_agg(signer||'@'||signer_school||':'||pos, ',' order by pos) from signoff where chain_id='$lb'")" \
  "wang@schoolB:1,li@:2"
check "... a row of school B written by the bureau's office" \
  eq "$(sql "select school||'|'||written_by||'|'||level||'|'||actor from letter_event where letter_id='$lb'")" \
  "schoolB|office|bureau_principal|Name li"
check "... nothing of school A's letters" eq "$(cs_count "$lx")$(cs_count "$lpa")" 00
check "server: school B's principal holds a concluded letter now" eq "$(held_b_pg)" 1
check "school B pulls it" sc bmain sync
check "client: school B counts him too" eq "$(held_b_cl)" 1
check "client: wang's letter is countersigned" has "$(sc bmain list letter --status countersigned 2>&1)" "${lb:0:8}"
check "campus verify: the bureau's signature on school B's row is valid" verify_cl bmain --all
check "bureau verify: and at the bureau" verify_cl bureau --all

# ---------------------------------------------------------------- verify
check "campus verify: untouched letters pass (exit 0)" verify_cl amain --all
check "server verify: untouched letters pass (exit 0)" verify_pg --verify
python3 - "$T/amain.db" "$good" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(p,) = db.execute("select payload from records where id = ?", (sys.argv[2],)).fetchone()
assert b"Name chen" in p
db.execute("update records set payload = ? where id = ?", (p.replace(b"Name chen", b"Name chan"), sys.argv[2]))
db.commit()
PY
out=$(verify_cl amain --all)
echo "$out" >"$T/verify-cl.out"
check_fail "campus verify: exit 1 after the counter-signature was altered" verify_cl amain --all
check "... names the letter and the counter-signature" \
  has "$out" "ALTERED  record $lv, letter_event $good: the stored row is not what chen signed"
check "... and nothing of the other letters" hasnt "$out" "record $lt"

sql "update letter_event set signed_date = '2026-01-02' where id = '$good'" >/dev/null
cs=$(sql "select id from letter_event where letter_id = '$lt'")
sql "delete from letter_event where id = '$cs'" >/dev/null
out=$(verify_pg --verify)
echo "$out" >"$T/verify-pg.out"
check_fail "server verify: exit 1 after the edits" verify_pg --verify
check "... names the altered counter-signature" \
  has "$out" "ALTERED  school schoolA, record $lv, letter_event $good: the stored row is not what chen signed"
check "... and the deleted one" \
  has "$out" "ALTERED  school schoolA, record $lt, letter_event $cs: step 2 was signed and accepted, but its row is gone"
check "... and nothing of the principal's own letter" hasnt "$out" "record $lp"

e2e_done
