#!/usr/bin/env bash
# The sync page of safecampus serve: last contact, the outbox, and a record
# the server rejected, shown with its reason; sent again it is rejected again
# (the reason stands), discarded it is gone, from the page and the store.
# The rejection is a real one: two campuses rectify the same hazard offline
# and the second rectification reaches the server after the first.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init web_sync_state
client_new amain schoolA main
client_new aeast schoolA east
person_new amain vp-amain vice_principal; as_default amain vp-amain
person_new aeast vp-aeast vice_principal; as_default aeast vp-aeast
server_start
hz=$(sc amain hazard report --title "Blocked fire exit" --area fire --severity critical --reporter "Guard Wu")
sc amain hazard assign "$hz" --owner "Logistics Zhou" --deadline 2030-03-01 >/dev/null
check "A-main syncs the assigned hazard" sc amain sync
check "A-east pulls it" sc aeast sync
server_kill TERM
check "offline, A-main rectifies" sc amain hazard rectify "$hz" --note "Door re-hung"
check "offline, A-east rectifies too" sc aeast hazard rectify "$hz" --note "Hinges replaced"
server_start
check "A-main's rectification reaches the server first" sc amain sync
sc aeast sync >"$T/aeast.sync" 2>&1
REJ=$(sqlite3 "$T/aeast.db" "select record_id from outbox where state <> 'pending'" | head -1)
check "A-east's rectification is rejected" test -n "$REJ"

WP=$(e2e_free_port)
"$SAFECAMPUS" --store "$T/aeast.db" --log-level info serve --listen 127.0.0.1:$WP >"$T/serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; e2e_cleanup' EXIT
B=http://127.0.0.1:$WP
for _ in $(seq 50); do curl -s -o /dev/null $B/ && break; sleep 0.1; done
code() { curl -s -o "$T/out" -w '%{http_code}' "$@"; }
# the sync of serve connects and has its first round
for _ in $(seq 40); do curl -s $B/sync | grep -q 'class="ok"' && break; sleep 0.25; done
check "the sync page" eq "$(code -H 'Accept-Language: en' $B/sync)" 200
check "... says the server is connected" grep -q 'class="ok"' "$T/out"
check "... shows the last contact" bash -c "grep -A0 -o 'Last contact</h3><p>[0-9-]* [0-9:]*' \"$T/out\" | grep -q '$(date +%Y-%m-%d)'"
check "... counts one rejected record" grep -q 'id="rejected-count" class="rejected">1 records' "$T/out"
check "... lists it" grep -q "href=\"/r/$REJ\"" "$T/out"
check "... with its reason" grep -qi 'not allowed in state rectified' "$T/out"
cp "$T/out" "$T/sync.html"
check "... every row under the outbox's headings (as many cells as headings)" \
  python3 "$SC_SOURCE_DIR/tests/tools/html_tables.py" "$T/sync.html"
check "... and the actions fix, send again, discard" \
  bash -c "grep -q 'href=\"/r/$REJ/edit\"' \"$T/out\" && grep -q 'value=\"retry\"' \"$T/out\" && grep -q 'data-discard=\"$REJ\"' \"$T/out\""
check "... and in Chinese" bash -c "curl -s -H 'Accept-Language: zh-CN' $B/sync | grep -q '被服务器拒收'"
check "discarding needs a signed-in person" eq "$(code -d "id=$REJ&do=discard" $B/sync)" 403
check "the vice principal signs in" eq "$(code -c "$T/cj" -d 'login=vp-aeast&password=secret-vp-aeast' $B/login)" 303
CS=$(curl -s -b "$T/cj" $B/sync | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//;s/"//')
check "send it again" eq "$(code -b "$T/cj" -d "csrf=$CS&id=$REJ&do=retry" $B/sync)" 303
# until the store has it rejected again (state 1; the wait compared with
# 'pending', which the column never holds, so it never waited) and the page
# lists it; bounded, 30 s
for _ in $(seq 120); do
  [ "$(sqlite3 "$T/aeast.db" "select state from outbox where record_id = '$REJ'")" = 1 ] &&
    curl -s -H 'Accept-Language: en' $B/sync | grep -qi 'not allowed in state rectified' && break
  sleep 0.25
done
check "... the server rejects it again, and it is listed again with its reason" \
  bash -c "curl -s -H 'Accept-Language: en' $B/sync | grep -qi 'not allowed in state rectified'"
check "discard it" eq "$(code -b "$T/cj" -d "csrf=$CS&id=$REJ&do=discard" $B/sync)" 303
check "... gone from the page" bash -c "! curl -s $B/sync | grep -q \"/r/$REJ\""
check "... the page says everything reached the server" bash -c "curl -s $B/sync | grep -q 'id=\"outbox-empty\"'"
check "... and from the store's outbox" eq "$(sqlite3 "$T/aeast.db" "select count(*) from outbox")" 0
check "discarding it twice: 404" eq "$(code -b "$T/cj" -d "csrf=$CS&id=$REJ&do=discard" $B/sync)" 404
check "a bad action: 400" eq "$(code -b "$T/cj" -d "csrf=$CS&id=$REJ&do=explode" $B/sync)" 400
check "the sync page offers 立即同步 to the person signed in" bash -c \
  "curl -s -b '$T/cj' -H 'Accept-Language: zh-CN' $B/sync | grep -q '<form method=\"post\" action=\"/sync\" id=\"sync-now\">.*立即同步'"
# the server away long enough that serve waits seconds between attempts:
# 立即同步 tries again at once, not at the end of that wait
server_kill TERM
check "with the server down, serve backs off to 8 s or more between attempts" bash -c \
  "for _ in \$(seq 160); do grep -Eo 'retrying in [0-9.]+ s|[0-9.]+ 秒后重试' '$T/serve.log' | tail -1 |
     grep -Eo '[0-9.]+' | awk '{ v = \$1 } END { exit !(v >= 8) }' && exit 0; sleep 0.25; done; exit 1"
check "a record written at the command line meanwhile" sc aeast add meeting --type guard --meeting-date "$(date +%F)" --title 门卫例会
server_start
check "立即同步: 303" eq "$(code -b "$T/cj" -d "csrf=$CS&do=now" $B/sync)" 303
check "... and the record reaches the server within 3 s, not after the wait" bash -c \
  "for _ in \$(seq 12); do [ \"\$(sqlite3 '$T/aeast.db' 'select count(*) from outbox')\" = 0 ] && exit 0; sleep 0.25; done; exit 1"
check "the server holds one rectification" \
  eq "$(sql "select count(*) from hazard_event where hazard_id = '$hz' and action = 'rectify'")" 1
kill $SPID; wait $SPID 2>/dev/null
e2e_done
