#!/usr/bin/env bash
# The principal enrols and revokes the school's people in the browser
# (/people), as `person add` and `person revoke` do at the command line, and
# everyone changes their own password there (issues 11 and 12: most staff
# never open a terminal). Checks: the enrolled person signs in and their
# enrolment is signed (verify passes); a mistake (passwords that differ, a
# wrong password, a taken login) is said beside its field and writes
# nothing; a head teacher is not offered the form and is refused; a revoked
# person can no longer sign in; a changed password is the one that works.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_people
client_new amain schoolA main
person_new amain wang principal
person_new amain li head_teacher wang

WP=$(e2e_free_port)
B=http://127.0.0.1:$WP
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$B/login" && break; sleep 0.1; done
code() { curl -s -o "$T/out" -w '%{http_code}' -H 'Accept-Language: zh-CN' "$@"; }
login() { code -c "$T/$1" -d "login=$1&password=$2" "$B/login"; }
csrf() { curl -s -b "$T/$1" "$B/people" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//'; }
people() { sc amain person list 2>&1; }
page_has() { code -b "$T/$1" "$B$2" >/dev/null; grep -q -- "$3" "$T/out"; }
page_hasnt() { code -b "$T/$1" "$B$2" >/dev/null; ! grep -q -- "$3" "$T/out"; }
people_has() { people | grep -- "$1" | grep -qi -- "$2"; }

check "the principal signs in" eq "$(login wang secret-wang)" 303
check "the page lists the people, in Chinese" page_has wang /people '<h1>签名人员</h1>'
check "... li, head teacher" grep -q '<td>li</td><td>Name li</td><td>班主任</td>' "$T/out"
check "... with the enrolment form" grep -q 'id="person-add"' "$T/out"
check "the home page's people card leads here" page_has wang / '<h3><a href="/people">签名人员</a>' 
CS=$(csrf wang)
add() { code -b "$T/wang" --data-urlencode "csrf=$CS" -d do=add --data-urlencode "login=$1" \
  --data-urlencode "name=$2" -d "role=$3" --data-urlencode "new_password=$4" \
  --data-urlencode "new_password2=$5" --data-urlencode "password=$6" "$B/people"; }
n0=$(people | grep -c .)
check "passwords that differ: 400" eq "$(add zhao 赵老师 logistics secret-zhao secret-zhaX secret-wang)" 400
check "... said beside the field" grep -q '<div class="msg" id="err-new_password2">两次输入的密码不一致。' "$T/out"
check "... what was typed is kept" grep -q 'value="赵老师"' "$T/out"
check "a wrong password of the principal: 400" eq "$(add zhao 赵老师 logistics secret-zhao secret-zhao nope-nope)" 400
check "... said beside the field" grep -q '<div class="msg" id="err-password">您的密码不正确' "$T/out"
check "a taken login: 400" eq "$(add li 李老师 logistics secret-li2 secret-li2 secret-wang)" 400
check "... said beside the field" grep -q 'id="err-login">该登录名已被使用' "$T/out"
check "nothing was written" eq "$(people | grep -c .)" "$n0"
check "the enrolment: 303" eq "$(add zhao 赵老师 logistics secret-zhao secret-zhao secret-wang)" 303
check "... and the page says so" page_has wang '/people?added=zhao' 'zhao 已登记'

check "the CLI lists the new person" people_has zhao 赵老师
check "... who signs in" eq "$(login zhao secret-zhao)" 303
check "... and the enrolment is signed: verify passes" sc amain verify --all

check "a head teacher signs in" eq "$(login li secret-li)" 303
check "... is not offered the form" page_hasnt li /people 'id="person-add"' 
CL=$(csrf li)
check "... and is refused: 403" eq "$(code -b "$T/li" --data-urlencode "csrf=$CL" -d do=add -d login=qian \
  -d name=x -d role=logistics -d new_password=secret-qian -d new_password2=secret-qian -d password=secret-li "$B/people")" 403
check "... nothing written" bash -c "! grep -q qian <<<'$(people)'"

check "the principal revokes zhao" eq "$(code -b "$T/wang" --data-urlencode "csrf=$CS" -d do=revoke -d login=zhao \
  -d password=secret-wang "$B/people")" 303
# person list: ... ENROLLED REVOKED; a second date is the revocation's
check "... the CLI shows it (a revocation date)" eq "$(people | grep '^ *zhao ' | grep -o '20[0-9][0-9]-[0-9][0-9]-' | wc -l)" 2
check "... zhao can no longer sign in" eq "$(login zhao secret-zhao)" 401

check "li changes their password" eq "$(code -b "$T/li" --data-urlencode "csrf=$CL" -d do=passwd \
  -d old_password=secret-li -d new_password=secret-li-new -d new_password2=secret-li-new "$B/people")" 303
check "... the old one no longer works" eq "$(login li secret-li)" 401
check "... the new one does" eq "$(login li secret-li-new)" 303
kill $SPID; wait $SPID 2>/dev/null
e2e_done
