#!/usr/bin/env bash
# Several safecampusd behind HAProxy (Debian's haproxy 2.6, TCP mode, PROXY
# protocol v2), for real:
#  - three servers share one database behind one HAProxy; HAProxy connects
#    to them from 127.0.0.5 (`source`), their only proxy_trusted address,
#    and health-checks them with PROXY LOCAL headers (check-send-proxy);
#  - six campuses each import 500 records and sync them through HAProxy in
#    pushes of 10; one server is killed (SIGKILL) as soon as it has served
#    pushes; the campuses retry, land on the other two and finish: every
#    record is in PostgreSQL once, every outbox is empty;
#  - the server logs name the campuses' own address (127.0.0.1) with
#    HAProxy's as via=, never HAProxy's as the peer; health checks leave no
#    line at info;
#  - per-address limits count the relayed address: a flood from 127.0.0.9
#    through HAProxy is refused by address on the servers while the campuses
#    (127.0.0.1) still sync;
#  - straight to a server: a PROXY header from an address not trusted, and
#    a malformed header or none at all from the trusted one, are refused and
#    counted.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
command -v haproxy >/dev/null || { echo "haproxy not installed (deploy/deps.sh --test)"; exit 1; }
e2e_init haproxy
FLOOD=$SC_BIN_DIR/tests/scflood
NCLIENTS=6
NREC=500
HA_PID=
PIDS=()

cleanup_all() {
  for p in "${PIDS[@]}" $HA_PID; do
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  e2e_cleanup
}
trap cleanup_all EXIT

# ---- three servers, one database
HPORT=$PORT # the clients dial HAProxy (client_new uses $PORT)
SPORTS=()
for i in 1 2 3; do
  p=$(e2e_free_port) || exit 1
  SPORTS+=("$p")
  sed "s/^listen = .*/listen = 127.0.0.1:$p/" "$T/server.conf" >"$T/server$i.conf"
  cat >>"$T/server$i.conf" <<CONF
proxy_trusted = 127.0.0.5
max_connections_per_address = 8
escalation_enabled = 0
CONF
done
start_one() { # INDEX
  local i=$1 p=${SPORTS[$(($1 - 1))]}
  "$SAFECAMPUSD" --config "$T/server$i.conf" >>"$T/server$i.log" 2>&1 &
  PIDS[$i]=$!
  for _ in $(seq 1 100); do
    ss -Htln | awk '{print $4}' | grep -q ":$p\$" && return 0
    kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "server $i died:"; tail "$T/server$i.log"; return 1; }
    sleep 0.1
  done
  return 1
}
start_one 1 || exit 1 # migrates first; the others find the schema ready
start_one 2 || exit 1
start_one 3 || exit 1

# ---- HAProxy: the deployment's shape (deploy/haproxy.cfg), on loopback
cat >"$T/haproxy.cfg" <<CFG
global
    maxconn 2000
    log stdout format raw local0
defaults
    mode tcp
    log global
    option tcplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
frontend safecampus
    bind 127.0.0.1:$HPORT
    default_backend safecampusd
backend safecampusd
    balance leastconn
    default-server send-proxy-v2 check check-send-proxy inter 300ms fall 1 rise 2 source 127.0.0.5
    server sc1 127.0.0.1:${SPORTS[0]}
    server sc2 127.0.0.1:${SPORTS[1]}
    server sc3 127.0.0.1:${SPORTS[2]}
CFG
check "haproxy accepts the configuration" haproxy -c -f "$T/haproxy.cfg"
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
HA_PID=$!
for _ in $(seq 1 50); do ss -Htln | awk '{print $4}' | grep -q ":$HPORT\$" && break; sleep 0.1; done
sleep 1 # a few health checks

# ---- six campuses, 500 records each
for c in $(seq 1 $NCLIENTS); do
  client_new "c$c" "school$c" main
  {
    echo 'type,meeting_date,title,attendees,minutes'
    for r in $(seq 1 $NREC); do echo "guard,2026-03-01,school$c meeting $r,5,"; done
  } >"$T/c$c.csv"
  sc "c$c" import meeting "$T/c$c.csv" >/dev/null || echo "import c$c failed"
done

# Each campus syncs until its outbox is empty: a failed sync (the server it
# was on died) is simply run again, as a campus's scheduler would.
sync_until_done() { # CLIENT
  local c=$1
  for attempt in $(seq 1 15); do
    sc "$c" sync --batch 10 --timeout-ms 10000 >>"$T/$c.sync" 2>&1
    local rc=$?
    echo "exit=$rc attempt=$attempt" >>"$T/$c.sync"
    ((rc == 0)) && return 0
    sleep 0.2
  done
  return 1
}
t0=$(date +%s%3N)
CPIDS=()
for c in $(seq 1 $NCLIENTS); do
  sync_until_done "c$c" &
  CPIDS+=($!)
done
# kill server 2 as soon as it is serving pushes: mid-sync
for _ in $(seq 1 200); do
  grep -q 'push conn=school' "$T/server2.log" && break
  sleep 0.02
done
pushes_before=$(grep -c 'push conn=school' "$T/server2.log")
kill -KILL "${PIDS[2]}"
wait "${PIDS[2]}" 2>/dev/null
echo "  (server 2 killed after it had served $pushes_before pushes)"
fails=0
for p in "${CPIDS[@]}"; do wait "$p" || fails=$((fails + 1)); done
t1=$(date +%s%3N)
echo "  (all campuses done in $((t1 - t0)) ms; retries: $(cat "$T"/c*.sync | grep -c '^exit=[1-9]'))"

check "server 2 was killed in the middle of the syncs" test "$pushes_before" -ge 1
check "every campus finished its sync through the other servers" eq "$fails" 0
check "some campus lost its connection when server 2 died, and retried" grep -q '^exit=4' $(ls "$T"/c*.sync)
check "nothing lost: every record is in PostgreSQL, once" \
  eq "$(sql "select count(*), count(distinct id) from meeting")" "$((NCLIENTS * NREC))|$((NCLIENTS * NREC))"
check "... $NREC for each school" \
  eq "$(sql "select count(distinct school) || ',' || min(n) || ',' || max(n) from (select school, count(*) n from meeting group by school) s")" "$NCLIENTS,$NREC,$NREC"
check "every outbox is empty (each record acknowledged)" \
  bash -c "for c in \$(seq 1 $NCLIENTS); do '$SAFECAMPUS' --store '$T'/c\$c.db status | grep -Eq '^ *pending: *0\$' || { '$SAFECAMPUS' --store '$T'/c\$c.db status; exit 1; }; done"
check "the survivors served pushes too" bash -c "grep -q 'push conn=school' '$T/server1.log' && grep -q 'push conn=school' '$T/server3.log'"

# ---- logs: the campus's address, HAProxy's as via=
check "handshakes are logged with the campus's address and HAProxy's as via=" \
  grep -Eq 'handshake ok conn=school[0-9]/main peer=127\.0\.0\.1:[0-9]+ via=127\.0\.0\.5:[0-9]+ subject=' "$T/server1.log"
check "no handshake is logged with HAProxy's address as the peer" \
  bash -c "! grep -h 'handshake ok' '$T'/server[123].log | grep -q 'peer=127.0.0.5'"
check "health checks (PROXY LOCAL) leave no line at info" \
  bash -c "! grep -hE 'conn=127\.0\.0\.5:.*(handshake failed|refused|closed)' '$T'/server[123].log"
check "haproxy marked server 2 down and kept the others" grep -q 'sc2 is DOWN' "$T/haproxy.log"

# ---- per-address limits see the relayed address
timeout -k 5 20 "$FLOOD" 127.0.0.1 "$HPORT" 60 3000 --src 127.0.0.9 >"$T/flood.out" 2>&1 &
fpid=$!
for _ in $(seq 1 50); do grep -q holding "$T/flood.out" && break; sleep 0.1; done
sleep 0.5
sc c1 add meeting --type guard --meeting-date 2026-03-02 --title "during the flood" --attendees 3 >/dev/null
check "a campus still syncs during a flood from another address" sc c1 sync --timeout-ms 10000
wait "$fpid" 2>/dev/null # it lets go after 3 s by itself; a TERM during LeakSanitizer's exit scan can hang it
check "the flood was refused by its own address (127.0.0.9), through HAProxy" \
  bash -c "grep -hE 'refused conn=127\.0\.0\.9:[0-9]+ reason=\"max_connections_per_address reached\"' '$T'/server[13].log"

# ---- straight to server 1: who may send a header, and what it must be
hdr4='\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x07\xc6\x33\x64\x01\xc8\x22\x1d\x13'
send_raw() { # SOURCE BYTES (printf escapes): connect to server 1 from SOURCE, send, wait for the close
  python3 - "$1" "${SPORTS[0]}" "$2" <<'PY'
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.settimeout(5)
s.connect(("127.0.0.1", int(sys.argv[2])))
s.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
try:
    while s.recv(4096):
        pass
except OSError:
    pass
PY
}
send_raw 127.0.0.1 "$hdr4"
check "a PROXY header from an address not in proxy_trusted is refused" \
  grep -Eq 'refused conn=127\.0\.0\.1:[0-9]+ reason="PROXY protocol header from an address not in proxy_trusted" refused_total=1' "$T/server1.log"
send_raw 127.0.0.5 '\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0b\xc0\x00\x02\x07\xc6\x33\x64\x01\xc8\x22\x1d'
check "a malformed header from the trusted address is refused, and counted" \
  grep -Eq 'refused conn=127\.0\.0\.5:[0-9]+ reason="PROXY header length too short for its address family" refused_total=1' "$T/server1.log"
sleep 1.1 # refusals are logged once per reason and second; the count goes on
send_raw 127.0.0.5 '\x16\x03\x01\x00\x05hello'
check "the trusted address must send a header (TLS straight away is refused)" \
  grep -Eq 'refused conn=127\.0\.0\.5:[0-9]+ reason="no PROXY protocol version 2 signature" refused_total=2' "$T/server1.log"
check "the servers that stayed up are alive" bash -c "kill -0 ${PIDS[1]} && kill -0 ${PIDS[3]}"
if ((E2E_FAIL > 0)); then
  for f in "$T"/server[123].log "$T/haproxy.log"; do echo "== $f"; tail -15 "$f"; done
fi
e2e_done
