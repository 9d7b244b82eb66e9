#!/usr/bin/env bash
# /report is computed in a child process (client/web/web_job.c), so the
# serve loop answers other browsers meanwhile: with the child held back on
# demand (SAFECAMPUS_TEST_JOB_DELAY_MS), the home page and a list are
# answered before the report; the report then comes whole, in Chinese, with
# its figures linked; more reports than children wait their turn; a browser
# that gives up leaves no process behind; a report waiting when the
# interface stops is answered 503 and serve exits cleanly. Saving the edited
# report (POST) is computed in a child the same way.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_report_job
client_new amain schoolA main
person_new amain vp-amain vice_principal; as_default amain vp-amain
d1=$(sc amain add drill --drill-date 2025-03-10 --theme 消防 --scenario fire --student-count 500 --evacuation-seconds 100)
# a figure resting on many records folds its links (one on a few does not)
for m in $(seq 10 22); do
  sc amain add meeting --type guard --meeting-date 2025-04-$m --title "保安例会 $m" >/dev/null
done

WP=$(e2e_free_port)
B=http://127.0.0.1:$WP
serve() { # DELAY_MS
  SAFECAMPUS_TEST_JOB_DELAY_MS=$1 "$SAFECAMPUS" --store "$T/amain.db" serve --no-sync \
    --listen 127.0.0.1:$WP >>"$T/serve.log" 2>&1 &
  SPID=$!
  for _ in $(seq 50); do curl -s -o /dev/null "$B/" && return 0; sleep 0.1; done
  return 1
}
children() { ps -o pid= --ppid "$SPID" | wc -l; }
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
check "serve starts" serve 3000

# the report is held 3 s in its child; the home page and a list must not wait
( curl -s -o "$T/rep.html" -w '%{http_code}' -H 'Accept-Language: zh-CN' "$B/report?year=2025" >"$T/rep.code"
  date +%s%N >"$T/rep.end" ) &
RPID=$!
sleep 0.3
check "a child computes the report" test "$(children)" -ge 1
curl -s -o "$T/home.html" -H 'Accept-Language: zh-CN' "$B/"; date +%s%N >"$T/home.end"
curl -s -o "$T/list.html" -H 'Accept-Language: zh-CN' "$B/k/drill"; date +%s%N >"$T/list.end"
check "the home page is answered while the report is computed" test ! -s "$T/rep.end"
check "... it is the home page" grep -q 'lang="zh-CN"' "$T/home.html"
check "... and so is the drills' list" grep -q "/r/$d1" "$T/list.html"
wait $RPID
check "then the report: 200" eq "$(cat "$T/rep.code")" 200
check "... after the home page" test "$(cat "$T/rep.end")" -gt "$(cat "$T/list.end")"
check "... its title in Chinese" grep -q "2025年度平安校园工作总结" "$T/rep.html"
check "... the drill counted" grep -q "共开展应急演练 1 次" "$T/rep.html"
check "... and linked" grep -q "href=\"/r/$d1\"" "$T/rep.html"
check "... unfolded: one record" bash -c "grep '共开展应急演练 1 次' '$T/rep.html' | grep -q '<a href=\"/r/$d1\"' &&
  ! grep '共开展应急演练 1 次' '$T/rep.html' | grep -q '<details'"
check "13 meetings' links fold under their count" grep -q '<details class="ids"><summary>13 条记录</summary>' "$T/rep.html"
check "... the whole page" grep -q '</html>' "$T/rep.html"
sleep 0.2
check "no child left" eq "$(children)" 0

# saving the edited report builds the draft too: a child again, the loop free
curl -s -o /dev/null -c "$T/cj" -d 'login=vp-amain&password=secret-vp-amain' "$B/login"
CS=$(curl -s -b "$T/cj" "$B/report?year=2025" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
check "the report's form carries a CSRF token" test ${#CS} -eq 64
rm -f "$T/save.end"
( curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "$T/cj" -F "csrf=$CS" -F year=2025 \
    -F 's_drill=今年演练一次，全校参加。' "$B/report" >"$T/save.code"
  date +%s%N >"$T/save.end" ) &
SVPID=$!
sleep 0.3
check "a child saves the report" test "$(children)" -ge 1
curl -s -o "$T/home2.html" -H 'Accept-Language: zh-CN' "$B/"
check "the home page is answered while the report is saved" test ! -s "$T/save.end"
check "... it is the home page" grep -q 'lang="zh-CN"' "$T/home2.html"
wait $SVPID
check "then the save: 303 back to the report" bash -c "grep -q '^303 .*/report?year=2025' '$T/save.code'"
curl -s -b "$T/cj" "$B/report?year=2025" >"$T/rep2.html"
check "... the edit was kept (by the child's store connection)" grep -q '今年演练一次，全校参加。' "$T/rep2.html"
check "... marked edited" grep -q 'id="edited-drill"' "$T/rep2.html"
check "a save by nobody signed in is refused at once: 403 or 401" bash -c \
  "code=\$(curl -s -o /dev/null -w '%{http_code}' -m 1 -F year=2025 '$B/report'); [ \$code = 403 ] || [ \$code = 401 ]"
sleep 0.2
check "no child left after the save" eq "$(children)" 0

# three at once: two children, the third waits its turn; all answered
pids=()
for i in 1 2 3; do curl -s -o /dev/null -w '%{http_code}\n' "$B/report?year=2025" >"$T/c$i" & pids+=($!); done
sleep 0.5
check "two children at most" test "$(children)" -le 2
wait "${pids[@]}"
check "the three reports: 200" eq "$(cat "$T/c1" "$T/c2" "$T/c3" | sort | uniq -c | awk '{print $1, $2}')" "3 200"
check "a bad year is answered at once, 400" eq "$(curl -s -o /dev/null -w '%{http_code}' -m 1 "$B/report?year=abc")" 400

# a browser that gives up: its child runs out, is reaped, nothing stays
curl -s -o /dev/null -m 0.5 "$B/report?year=2025"
for _ in $(seq 60); do [ "$(children)" = 0 ] && break; sleep 0.1; done
check "a report given up leaves no process" eq "$(children)" 0
check "serve still answers" eq "$(curl -s -o /dev/null -w '%{http_code}' "$B/")" 200

# the interface stops while a report waits: 503, a clean exit, no child
curl -s -o /dev/null -w '%{http_code}' "$B/report?year=2025" >"$T/stop.code" &
CP=$!
sleep 0.5
kid=$(ps -o pid= --ppid "$SPID" | head -1)
kill -TERM "$SPID"
wait "$SPID"
check "serve exits 0 with a report waiting" eq "$?" 0
wait $CP
check "the waiting report is answered 503" eq "$(cat "$T/stop.code")" 503
check "its child is gone" bash -c "! kill -0 ${kid:-0} 2>/dev/null"
check "MHD was not stopped with a suspended connection" bash -c "! grep -q 'suspended connections' '$T/serve.log'"
SPID=
echo "$E2E_PASS passed, $E2E_FAIL failed"
[ "$E2E_FAIL" -eq 0 ]
