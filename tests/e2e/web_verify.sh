#!/usr/bin/env bash
# A record's page in the browser checks its signed history from the rows of
# the store (issue 11: "the bureau's view recomputes chains and signatures"):
# a hazard signed through assign and rectify reads as checked; after its
# assignment's deadline is changed directly in the SQLite file the page says
# it was altered and names the step, in Chinese; a kind nothing signs has no
# such box. No server: serve --no-sync reads the store.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_verify
client_new amain schoolA main
person_new amain wang principal
person_new amain zhao logistics wang
hz=$(sc_as amain wang hazard report --title "二号楼梯扶手松动" --area building --severity high \
  --location "教学楼" --reporter "王丽")
check "a hazard" test ${#hz} -eq 36
check "the principal assigns it" sc_as amain wang hazard assign "$hz" --owner 赵刚 --deadline 2030-01-15
check "logistics rectifies it" sc_as amain zhao hazard rectify "$hz" --note "已重新固定"
ev=$(sqlite3 "$T/amain.db" "select id from records where kind='hazard_event' and instr(payload, cast('2030-01-15' as blob)) > 0")
check "the assignment's row" test ${#ev} -eq 36
m=$(sc_as amain wang add meeting --type guard --meeting-date 2026-03-02 --title "保安例会" --attendees 6)

WP=$(e2e_free_port)
B=http://127.0.0.1:$WP
"$SAFECAMPUS" --store "$T/amain.db" serve --no-sync --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$B/login" && break; sleep 0.1; done
check "the principal signs in" eq "$(curl -s -o /dev/null -w '%{http_code}' -c "$T/cj" \
  -d 'login=wang&password=secret-wang' "$B/login")" 303
page() { curl -s -b "$T/cj" -H 'Accept-Language: zh-CN' "$B/r/$1" >"$T/page"; }

page "$hz"
check "the untouched history reads as checked" grep -q '<p class="ok" id="verify-state">已核验' "$T/page"
check "... no finding listed" bash -c "! sed -n '/id=\"verify-findings\"/,/<\/ul>/p' '$T/page' | grep -q '<li>'"

python3 - "$T/amain.db" "$ev" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(p,) = db.execute("select payload from records where id = ?", (sys.argv[2],)).fetchone()
db.execute("update records set payload = ? where id = ?", (p.replace(b"2030-01-15", b"2030-12-31"), sys.argv[2]))
db.commit()
PY
page "$hz"
check "after the deadline is edited in the store file: altered" \
  grep -q '<p class="error" id="verify-state">已被改动' "$T/page"
check "... the step is named and linked" grep -q "<li>隐患整改记录 <a href=\"/r/$ev\">${ev:0:8}</a>: " "$T/page"
check "... the reason in Chinese" grep -q "存储的数据行不是 wang 所签署的内容：wang 的签名与这些数据不符" "$T/page"
check "the CLI agrees: verify exits 1" bash -c "! \"$SAFECAMPUS\" --store \"$T/amain.db\" verify --all >/dev/null 2>&1"

page "$m"
check "a meeting (nothing signs it) has no such box" bash -c "grep -q '保安例会' '$T/page' && ! grep -q 'id=\"verify\"' '$T/page'"
kill $SPID; wait $SPID 2>/dev/null
e2e_done
