#!/usr/bin/env bash
# What the browser offers each person is what the server would take from
# them (issue 12): a record's actions, its Edit, a list's Add, verbs and
# import, for a school's principal and head teacher and for a bureau officer,
# on every kind with verbs (hazard, notice, visitor, letter; letter sign,
# bus trip, notice issue on their lists). The rules are the server's: who writes a kind
# (kind_side_writes), the record of which school, the roles that sign a step,
# the workflow's state (hazard_fsm.c). A form sent for an action not offered
# is refused with a message and writes nothing. Every table of the pages has
# as many cells in each row as headings (tests/tools/html_tables.py).
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_actions
client_new amain schoolA main
client_new bureau bureau office
server_start
person_new amain wang principal
person_new amain li head_teacher
person_new amain zhou department_head
person_new bureau officer-bureau bureau_officer
due=$(date -d '+14 days' +%F)
NOTICE=$(sc_as bureau officer-bureau notice issue --title "防溺水安全教育通知" --due-date "$due" --targets schoolA)
check "the bureau issues a notice to school A" test ${#NOTICE} -eq 36
check "the bureau syncs" sc bureau sync
HZ=$(sc_as amain wang hazard report --title "消防通道堵塞" --area fire --severity high --reporter 门卫吴)
check "school A reports a hazard" test ${#HZ} -eq 36
check "... the principal assigns it" sc_as amain wang hazard assign "$HZ" --owner 后勤周 --deadline "$due"
VIS=$(sc amain add visitor --name 访客张 --purpose 送货 --host 后勤周 2>/dev/null | grep -o '[0-9a-f-]\{36\}' | head -1)
check "a visitor is on site" test ${#VIS} -eq 36
L1=$(sc_as amain li letter sign --year 2026 --level principal_vice --signer 副校长陈 --counter-signer 王校长 2>/dev/null | grep -o '[0-9a-f-]\{36\}' | head -1)
L2=$(sc_as amain li letter sign --year 2026 --level department_teacher --signer 李老师 --counter-signer 周主任 2>/dev/null | grep -o '[0-9a-f-]\{36\}' | head -1)
check "two letters wait for their counter-signature" test ${#L1} -eq 36 -a ${#L2} -eq 36
check "school A syncs (and pulls the notice)" sc amain sync
check "the bureau pulls school A's records" sc bureau sync

WA=$(e2e_free_port) WB=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen 127.0.0.1:$WA >"$T/serve-a.log" 2>&1 &
APID=$!
"$SAFECAMPUS" --store "$T/bureau.db" serve --no-sync --listen 127.0.0.1:$WB >"$T/serve-b.log" 2>&1 &
BPID=$!
trap 'kill $APID $BPID 2>/dev/null; e2e_cleanup' EXIT
A=http://127.0.0.1:$WA B=http://127.0.0.1:$WB
for u in $A $B; do for _ in $(seq 50); do curl -s -o /dev/null "$u/" && break; sleep 0.1; done; done
mkdir -p "$T/pages"
# page JAR URL NAME: the page as JAR's person sees it, kept for the table check
page() { curl -s -b "$T/$1" -H 'Accept-Language: zh-CN' "$2" >"$T/pages/$3.html"; }
# offered NAME: the actions the kept page offers, sorted, on one line
offered() { grep -o 'data-verb="[a-z_]*"' "$T/pages/$1.html" | sed 's/.*="//;s/"//' | sort | tr '\n' ' ' | sed 's/ $//'; }
has() { grep -q "$2" "$T/pages/$1.html"; }
csrf() { curl -s -b "$T/$1" "$2" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//'; }
code() { curl -s -o "$T/out" -w '%{http_code}' -H 'Accept-Language: zh-CN' "$@"; }
login() { code -c "$T/$1" -d "login=$2&password=secret-$2" "$3/login"; }
check "wang signs in at school A" eq "$(login cj-wang wang $A)" 303
check "zhou signs in at school A" eq "$(login cj-zhou zhou $A)" 303
check "li signs in at school A" eq "$(login cj-li li $A)" 303
check "the officer signs in at the bureau" eq "$(login cj-bu officer-bureau $B)" 303

# ---------------------------------------------------------------- a hazard, assigned
page cj-wang "$A/r/$HZ" hz-wang
page cj-li "$A/r/$HZ" hz-li
page cj-bu "$B/r/$HZ" hz-bureau
check "assigned: the principal is offered re-assignment, rectification, a note" eq "$(offered hz-wang)" "assign note rectify"
check "... and the Edit of the school's hazard" has hz-wang 'id="edit"'
check "assigned: the head teacher rectification and a note (assigning is the leaders')" eq "$(offered hz-li)" "note rectify"
check "the bureau is offered nothing on a school's hazard (schools write its steps)" eq "$(offered hz-bureau)" ""
check "... not its Edit either" bash -c "! grep -q 'id=\"edit\"' '$T/pages/hz-bureau.html'"
CSB=$(csrf cj-bu "$B/k/notice/new")
check "the bureau's form carries a CSRF token" test ${#CSB} -eq 64
nb=$(sqlite3 "$T/bureau.db" "select count(*) from outbox")
check "the bureau sending a note anyway: 403" eq "$(code -b "$T/cj-bu" --data-urlencode "csrf=$CSB" \
  --data-urlencode 'note=局里看过' --data-urlencode 'actor=局里' "$B/r/$HZ/v/note")" 403
check "... saying why, in Chinese" grep -q '学校' "$T/out"
check "... and that nothing was written" grep -q '未写入任何内容' "$T/out"
check "... the bureau's rectification form is refused too" eq "$(code -b "$T/cj-bu" "$B/r/$HZ/v/rectify")" 403
check "... nothing written at the bureau" eq "$(sqlite3 "$T/bureau.db" "select count(*) from outbox")" "$nb"
check "the principal rectifies (command line)" sc_as amain wang hazard rectify "$HZ" --note 已清理通道

# ---------------------------------------------------------------- rectified by the principal
page cj-wang "$A/r/$HZ" hz2-wang
page cj-li "$A/r/$HZ" hz2-li
check "rectified: the head teacher only a note (verifying is signed by the leadership)" eq "$(offered hz2-li)" "note"
check "rectified by the principal: not offered the verification to him (another person verifies)" eq "$(offered hz2-wang)" "note"
CSL=$(csrf cj-li "$A/k/meeting/new")
na=$(sqlite3 "$T/amain.db" "select count(*) from records where kind = 'hazard_event'")
check "the head teacher sending a verification anyway: 403" eq "$(code -b "$T/cj-li" --data-urlencode "csrf=$CSL" \
  --data-urlencode 'note=验收' -d '_password=secret-li' "$A/r/$HZ/v/verify")" 403
cp "$T/out" "$T/verify-refused.html"
check "... naming the roles that sign it in words (班主任; 校长), no role key" bash -c \
  "grep -q '的角色是班主任；' '$T/verify-refused.html' && grep -q '校长' '$T/verify-refused.html' && ! grep -Eq 'head_teacher|vice_principal' '$T/verify-refused.html'"
check "... nothing written" eq "$(sqlite3 "$T/amain.db" "select count(*) from records where kind = 'hazard_event'")" "$na"
check "a wrong step for the state is refused the same way (assign, rectified)" eq "$(code -b "$T/cj-li" \
  --data-urlencode "csrf=$CSL" -d 'owner=x&deadline_date=2030-01-01&_password=secret-li' "$A/r/$HZ/v/assign")" 403
check "... nothing written" eq "$(sqlite3 "$T/amain.db" "select count(*) from records where kind = 'hazard_event'")" "$na"

# ---------------------------------------------------------------- the notice
page cj-wang "$A/r/$NOTICE" nt-wang
page cj-li "$A/r/$NOTICE" nt-li
page cj-bu "$B/r/$NOTICE" nt-bureau
check "the notice: the principal is offered the acknowledgement (the report comes after it)" eq "$(offered nt-wang)" "ack"
check "... and no Edit (the bureau's record)" bash -c "! grep -q 'id=\"edit\"' '$T/pages/nt-wang.html'"
check "the head teacher nothing (acknowledging is signed by the leadership)" eq "$(offered nt-li)" ""
check "the bureau no school action on its notice" eq "$(offered nt-bureau)" ""
check "... but its Edit" has nt-bureau 'id="edit"'
check "the head teacher acknowledging anyway: 403" eq "$(code -b "$T/cj-li" --data-urlencode "csrf=$CSL" \
  -d '_password=secret-li' "$A/r/$NOTICE/v/ack")" 403
check "... nothing written" eq "$(sqlite3 "$T/amain.db" "select count(*) from records where kind = 'notice_event'")" 0

# ---------------------------------------------------------------- the visitor
page cj-wang "$A/r/$VIS" vis-wang
page cj-bu "$B/r/$VIS" vis-bureau
check "the visitor: the school is offered the leaving" eq "$(offered vis-wang)" "leave"
check "... the bureau not (the school's record)" eq "$(offered vis-bureau)" ""
check "the bureau sending it anyway: 403" eq "$(code -b "$T/cj-bu" --data-urlencode "csrf=$CSB" "$B/r/$VIS/v/leave")" 403
check "... nothing written at the bureau" eq "$(sqlite3 "$T/bureau.db" "select count(*) from outbox")" "$nb"

# ---------------------------------------------------------------- letters: who counter-signs by level
page cj-wang "$A/r/$L1" l1-wang
page cj-zhou "$A/r/$L1" l1-zhou
page cj-zhou "$A/r/$L2" l2-zhou
page cj-li "$A/r/$L2" l2-li
page cj-bu "$B/r/$L1" l1-bureau
check "a principal_vice letter: the principal counter-signs it" eq "$(offered l1-wang)" "countersign"
check "... a department head not (the level above a vice principal)" eq "$(offered l1-zhou)" ""
check "a department_teacher letter: the department head counter-signs it" eq "$(offered l2-zhou)" "countersign"
check "... its holder's head teacher not (not of the leadership)" eq "$(offered l2-li)" ""
check "the bureau nothing on a school's letter" eq "$(offered l1-bureau)" ""
check "the department head counter-signing the principal_vice letter anyway: 403" eq "$(code -b "$T/cj-zhou" \
  --data-urlencode "csrf=$(csrf cj-zhou "$A/k/meeting/new")" -d '_password=secret-zhou' "$A/r/$L1/v/countersign")" 403
check "... nothing written" eq "$(sqlite3 "$T/amain.db" "select count(*) from records where kind = 'letter_event'")" 0

# ---------------------------------------------------------------- the lists
for k in hazard notice letter bus visitor person; do
  page cj-wang "$A/k/$k" "list-$k-wang"
  page cj-li "$A/k/$k" "list-$k-li"
  page cj-bu "$B/k/$k" "list-$k-bureau"
done
check "school: hazard report offered on the list, with Add and import" \
  bash -c "[ \"\$(grep -o 'data-verb=\"[a-z]*\"' '$T/pages/list-hazard-wang.html')\" = 'data-verb=\"report\"' ] && grep -q 'id=\"add\"' '$T/pages/list-hazard-wang.html' && grep -q 'id=\"import\"' '$T/pages/list-hazard-wang.html'"
check "school: letter sign offered to the head teacher" eq "$(offered list-letter-li)" "sign"
check "school: bus trip offered" eq "$(offered list-bus-wang)" "trip"
check "school: no notice issue, no Add, no import of notices" \
  bash -c "[ -z \"\$(grep -o 'data-verb=' '$T/pages/list-notice-wang.html')\" ] && ! grep -q 'id=\"add\"\\|id=\"import\"' '$T/pages/list-notice-wang.html'"
check "school: no Add of people (enrolled by their own command)" bash -c "! grep -q 'id=\"add\"' '$T/pages/list-person-wang.html'"
for k in hazard letter bus visitor; do
  check "bureau: no $k action, no Add, no import" \
    bash -c "[ -z \"\$(grep -o 'data-verb=' '$T/pages/list-$k-bureau.html')\" ] && ! grep -q 'id=\"add\"\\|id=\"import\"' '$T/pages/list-$k-bureau.html'"
done
check "bureau: notice issue offered, with Add" \
  bash -c "[ \"\$(grep -o 'data-verb=\"[a-z]*\"' '$T/pages/list-notice-bureau.html')\" = 'data-verb=\"issue\"' ] && grep -q 'id=\"add\"' '$T/pages/list-notice-bureau.html'"
check "the bureau's hazard report form: 403" eq "$(code -b "$T/cj-bu" "$B/k/hazard/v/report")" 403
check "... and sent anyway: 403, nothing written" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -b '$T/cj-bu' --data-urlencode 'csrf=$CSB' -d 'title=x&area=fire&severity=high' '$B/k/hazard/v/report')\" = 403 ] && [ \"\$(sqlite3 '$T/bureau.db' 'select count(*) from outbox')\" = '$nb' ]"
check "the bureau's hazard import page: 403" eq "$(code -b "$T/cj-bu" "$B/k/hazard/import")" 403
printf 'title,area,severity\n局里写的隐患,fire,high\n' >"$T/h.csv"
check "... and a sheet sent anyway: 403, nothing written" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -b '$T/cj-bu' -F 'csrf=$CSB' -F 'file=@$T/h.csv' '$B/k/hazard/import')\" = 403 ] && [ \"\$(sqlite3 '$T/bureau.db' 'select count(*) from outbox')\" = '$nb' ]"
check "school A's hazard import page: 200" eq "$(code -b "$T/cj-wang" "$A/k/hazard/import")" 200
check "school A's notice issue form sent: 403" eq "$(code -b "$T/cj-wang" --data-urlencode "csrf=$(csrf cj-wang "$A/k/meeting/new")" \
  -d "title=x&due_date=$due" "$A/k/notice/v/issue")" 403

# ---------------------------------------------------------------- every table
page cj-wang "$A/" home-a
page cj-wang "$A/sync" sync-a
page cj-bu "$B/" home-b
page cj-bu "$B/sync" sync-b
for k in meeting drill policy inspection equipment; do page cj-wang "$A/k/$k" "list-$k-wang"; page cj-bu "$B/k/$k" "list-$k-bureau"; done
check "every table of $(ls "$T/pages" | wc -l) pages: as many cells in a row as headings" \
  python3 "$SC_SOURCE_DIR/tests/tools/html_tables.py" "$T"/pages/*.html
kill $APID $BPID; wait $APID $BPID 2>/dev/null
e2e_done
