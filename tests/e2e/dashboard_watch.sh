#!/usr/bin/env bash
# Dashboards over the wire: a connection that subscribed with dashboards =
# true (what `safecampus sync --watch` does) gets a fresh Dashboard within
# seconds of another campus's push; a burst of pushes is one recomputation;
# a school whose data did not change gets nothing; the bureau gets the
# district's. Then plain DashboardRequests: a school's (others anonymised),
# the bureau's drill-down, and bad requests. Driven by scprobe (modes
# watch-dashboard, dashboard, push-hazard).
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init dashboard_watch
SCPROBE=${SC_SCPROBE:-$SC_BIN_DIR/tests/scprobe}
for who in "schoolA main" "schoolA east" "schoolB main" "bureau office"; do
  set -- $who
  "$PKI" issue "$T/pki" "$1" "$2" >/dev/null
done
server_start

probe() { # CERT MODE [ARG]: scprobe as schoolX-campus
  local cert=$1
  shift
  timeout 60 "$SCPROBE" 127.0.0.1 "$PORT" "$T/pki/$cert.crt" "$T/pki/$cert.key" "$T/pki/ca.crt" "$@"
}
ms_now() { date +%s%3N; }
# the value of an indicator in the Nth dashboard of a watch log (1-based)
nth_value() { # FILE N KEY
  awk -v n="$2" -v key="key=$3" '/ dashboard scope=/ {d++} d == n && $1 == "indicator" && $2 == key {
    sub("value=", "", $4); print $4; exit }' "$1"
}
# 0 before the watcher's log exists (its redirect is made by the background
# job, which may not have run yet): an empty count broke the arithmetic
# below and failed the first wait at once
count_dashboards() { local n; n=$(grep -c " dashboard scope=" "$1" 2>/dev/null); echo "${n:-0}"; }
wait_dashboards() { # FILE N SECONDS
  local end=$(( $(date +%s) + $3 ))
  while (( $(count_dashboards "$1") < $2 && $(date +%s) < end )); do sleep 0.1; done
  (( $(count_dashboards "$1") >= $2 ))
}

# every school exists for the dashboards once it has connected: a first push each
out=$(PROBE_SCHOOL=schoolB probe schoolB-main push-hazard "B's first hazard")
check "schoolB pushes its first hazard" grep -q "accepted=1" <<<"$out"

probe schoolA-main watch-dashboard 20 >"$T/wA.log" 2>&1 &
wA=$!
probe schoolB-main watch-dashboard 20 >"$T/wB.log" 2>&1 &
wB=$!
probe bureau-office watch-dashboard 20 >"$T/wBu.log" 2>&1 &
wBu=$!

check "schoolA's watcher gets a dashboard right after subscribing" wait_dashboards "$T/wA.log" 1 10
check "the bureau's watcher gets the district's" wait_dashboards "$T/wBu.log" 1 10
check "schoolB's watcher gets its own" wait_dashboards "$T/wB.log" 1 10
check "it is schoolA's" grep -q " dashboard scope=schoolA " "$T/wA.log"
check "the bureau's is the district (scope empty)" grep -q " dashboard scope= label=$DISTRICT " "$T/wBu.log"
a0=$(nth_value "$T/wA.log" 1 hazards_open)
check "schoolA starts with no open hazard" eq "$a0" 0
sleep 1.5 # past the debounce of the subscriptions' own computation
nA=$(count_dashboards "$T/wA.log")
nB=$(count_dashboards "$T/wB.log")
nBu=$(count_dashboards "$T/wBu.log")

# a burst: five pushes from the other campus of schoolA, all at once
t0=$(ms_now)
pids=()
for i in 1 2 3 4 5; do
  PROBE_SCHOOL=schoolA PROBE_CAMPUS=east probe schoolA-east push-hazard "burst $i" >"$T/push$i.log" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(ms_now)
check "the five pushes were accepted" test "$(cat "$T"/push*.log | grep -c 'accepted=1')" -eq 5
check "schoolA's watcher gets a new dashboard within 5 s" wait_dashboards "$T/wA.log" $((nA + 1)) 5
t2=$(ms_now)
echo "       pushes took $((t1 - t0)) ms; the dashboard came $((t2 - t1)) ms after the last ack"
# A burst that straddles a debounce window is two recomputations (three if it
# spans two windows), the last counting all five: wait for a dashboard that
# does, rather than a fixed 2.5 s after the first (1 s to spare when the
# pushes, each a process started under load, spread past one window).
last_open() { nth_value "$T/wA.log" "$(count_dashboards "$T/wA.log")" hazards_open; }
wait_open() { # N SECONDS: until schoolA's last dashboard counts N open hazards
  local end=$(( $(date +%s) + $2 ))
  while [[ $(last_open) != "$1" ]] && (( $(date +%s) < end )); do sleep 0.1; done
}
wait_open 5 10
t3=$(ms_now)
echo "       the dashboard counting all five came $((t3 - t1)) ms after the last ack"
check "it counts the five new open hazards" eq "$(last_open)" 5
# a push whose change notice came while that recomputation ran makes one more:
# count it too (a debounce window, 1 s, and some)
sleep 1.5
extra=$(( $(count_dashboards "$T/wA.log") - nA ))
echo "       $extra dashboard(s) for the burst of 5 pushes"
check "the burst was debounced (fewer recomputations than pushes)" test "$extra" -lt 5
check "the bureau got the district's new dashboard" wait_dashboards "$T/wBu.log" $((nBu + 1)) 5
bu_last=$(nth_value "$T/wBu.log" "$(count_dashboards "$T/wBu.log")" hazards_open)
check "the district's mean open hazards moved (5 + 1 over 2 schools)" eq "$bu_last" 3
check "schoolB's data did not change: no new dashboard for it" eq "$(count_dashboards "$T/wB.log")" "$nB"
check_fail "pushed dashboards carry request_id 0" bash -c "grep ' dashboard scope=' '$T/wA.log' | grep -q 'rid=[1-9]'"
kill "$wA" "$wB" "$wBu" 2>/dev/null
wait "$wA" "$wB" "$wBu" 2>/dev/null

# requests
out=$(probe schoolA-main dashboard)
check "a DashboardRequest is answered" grep -q "^dashboard scope=schoolA " <<<"$out"
check "a school sees the other school anonymised" grep -q "school rank=.* label=School [0-9] id= " <<<"$out"
check "and itself named" grep -q "label=schoolA id=schoolA .*self=1" <<<"$out"
check "no sync health for a school" grep -q " health=0 " <<<"$out"
out=$(probe schoolA-main dashboard schoolB)
check "a school asking for another gets its own" grep -q "^dashboard scope=schoolA " <<<"$out"
out=$(probe bureau-office dashboard schoolB)
check "the bureau drills into schoolB" grep -q "^dashboard scope=schoolB " <<<"$out"
check "with the other school named" grep -q "label=schoolA id=schoolA" <<<"$out"
check "and schoolB's sync health" grep -q "health school=schoolB campus=main" <<<"$out"
out=$(probe bureau-office dashboard)
check "the bureau's district dashboard names every school with its indicators" \
  grep -q "label=schoolB id=schoolB .* indicators=20" <<<"$out"
check "and the sync health of each client" test "$(grep -c '^  health ' <<<"$out")" -ge 3
out=$(PROBE_ASOF=2026-02-30 probe bureau-office dashboard)
check "a bad date is a BAD_REQUEST" grep -q "error code=10 " <<<"$out"
out=$(PROBE_START=2026-09-01 probe bureau-office dashboard)
check "a period needs both ends" grep -q "error code=10 " <<<"$out"
out=$(probe bureau-office dashboard nosuchschool)
check "an unknown school is a BAD_REQUEST" grep -q "error code=10 message=no school" <<<"$out"
out=$(PROBE_START=2026-01-01 PROBE_END=2026-12-31 PROBE_ASOF=2026-12-31 probe schoolA-main dashboard)
check "an explicit period is used" grep -q "period=2026-01-01..2026-12-31 as_of=2026-12-31" <<<"$out"
check "the server logged one push per debounce window" grep -q "dashboard pushed" "$T/server.log"

e2e_done
