#!/usr/bin/env bash
# `safecampus sync --watch` stays connected: a change pushed by another campus
# reaches it within seconds (LISTEN/NOTIFY -> Notify -> pull), across server
# worker processes, and a record written locally while it watches is pushed
# without another command; a change committed between a watcher's first pull
# and its Subscribe reaches it too.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init watch
echo "workers = 2" >>"$T/server.conf"
client_new amain schoolA main
client_new aeast schoolA east
client_new bureau bureau office
# the person each client signs its sign-offs with (tests/lib/e2e.sh)
person_new amain vp-amain vice_principal; as_default amain vp-amain
person_new aeast vp-aeast vice_principal; as_default aeast vp-aeast
person_new bureau officer-bureau bureau_officer; as_default bureau officer-bureau
server_start

count() { sqlite3 "$T/$1.db" "select count(*) from records where kind = 'hazard'"; }
has_hazards() { test "$(count "$1")" -eq "$2"; }
state_is() { test "$(sql "select state from hazard where id = '$1'")" = "$2"; }
wait_for() { # wait_for SECONDS CMD...: poll until CMD succeeds (CMD re-run each time)
  local until=$(( $(date +%s) + $1 ))
  shift
  while (( $(date +%s) < until )); do "$@" && return 0; sleep 0.2; done
  return 1
}

# run the binary itself in the background (not the sc function) so $! is its pid
"$SAFECAMPUS" --store "$T/aeast.db" sync --watch --watch-secs 40 >"$T/aeast.watch" 2>&1 &
w1=$!
"$SAFECAMPUS" --store "$T/bureau.db" sync --watch --watch-secs 40 >"$T/bureau.watch" 2>&1 &
w2=$!
sleep 2   # let both finish their first round and subscribe

hz=$(sc amain hazard report --title "Broken gate latch" --area defence_physical --severity medium)
t0=$(date +%s%N)
check "A-main pushes" sc amain sync
check "A-east (watching) receives it within 5 s" wait_for 5 has_hazards aeast 1
t1=$(date +%s%N)
echo "# push-to-watcher latency: $(( (t1 - t0) / 1000000 )) ms"
check "the bureau (watching) receives it within 5 s" wait_for 5 has_hazards bureau 1

check "A-east writes locally while watching" sc aeast hazard assign "$hz" --owner "Guard Wu" \
  --deadline 2030-01-01
check "the watcher pushes it by itself within 6 s" \
  wait_for 6 state_is "$hz" assigned
check "A-main pulls the assignment" sc amain sync
check "A-main sees the owner" grep -q "Guard Wu" <(sc amain show "$hz")

# A change committed after a watcher's last pull and before the server took
# its Subscribe: no Notify goes to a connection not yet subscribed, so the
# watcher must pull on the head in the answer to its Subscribe (it ignored
# it, and waited for the school's next change). client_slow_subscribe holds
# the Subscribe 5 s after the first round.
client_new awest schoolA west
SAFECAMPUS_FAULT=client_slow_subscribe "$SAFECAMPUS" --store "$T/awest.db" sync --watch \
  --watch-secs 30 >"$T/awest.watch" 2>&1 &
w3=$!
west_held() { grep -q 'fault injection: client_slow_subscribe' "$T/awest.watch"; }
check "A-west (watching) has pulled, and holds its Subscribe" wait_for 10 west_held
t0=$(date +%s%N)
sc amain hazard report --title "Reported before A-west subscribed" --area fire --severity low >/dev/null
check "A-main pushes a hazard meanwhile" sc amain sync
t1=$(date +%s%N)
check "... well within the 5 s the Subscribe is held ($(((t1 - t0) / 1000000)) ms)" \
  test $(((t1 - t0) / 1000000)) -lt 4000
west_has() { sc awest list hazards | grep -q "Reported before A-west subscribed"; }
check "A-west pulls it once subscribed (within 10 s)" wait_for 10 west_has

kill -TERM "$w1" "$w2" "$w3"
wait "$w1"; rc1=$?
wait "$w2"; rc2=$?
wait "$w3"; rc3=$?
check "the watchers stop cleanly on SIGTERM" test "$rc1" -eq 0 -a "$rc2" -eq 0 -a "$rc3" -eq 0
e2e_done
