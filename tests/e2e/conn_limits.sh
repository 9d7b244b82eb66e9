#!/usr/bin/env bash
# Connection slots cannot be exhausted: with the worker's cap scaled down to
# 250, floods that used to lock everybody out leave room for another school,
# which still connects and syncs:
#  a. 250 bare TCP connections (no TLS at all) from one address;
#  b. 250 bare TCP connections from 250 addresses (the handshake budget);
#  c. 250 stalled TLS handshakes with no client certificate, from 50 addresses;
#  d. 250 connections of one campus certificate that say Hello and stall,
#     from 50 addresses (the per-certificate limit).
# Each flood is bounded (scflood: 250 connections held 15 s at most), on
# loopback source addresses 127.0.0.2 and up; the good client uses 127.0.0.1.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init conn_limits
FLOOD=$SC_BIN_DIR/tests/scflood
P=$SC_BIN_DIR/tests/scprobe
cat >>"$T/server.conf" <<CONF
max_connections = 250
max_handshakes = 25
max_connections_per_address = 64
max_connections_per_cert = 8
CONF
"$PKI" issue "$T/pki" schoolF main >/dev/null 2>&1
client_new good schoolA main
server_start || exit 1

# Starts a flood in the background, waits until it holds its connections.
flood() { # LABEL ARGS...
  local label=$1
  shift
  # -k: flood_end's TERM is forwarded to the flood, and a flood that does not
  # end on it is killed 3 s later (the ASan run once waited for it until the
  # test's 600 s timeout)
  timeout -k 3 40 "$FLOOD" 127.0.0.1 "$PORT" 250 15000 "$@" >"$T/flood-$label.out" 2>&1 &
  FLOOD_PID=$!
  for _ in $(seq 1 150); do grep -q holding "$T/flood-$label.out" && break; sleep 0.1; done
  grep -q holding "$T/flood-$label.out" || { echo "flood $label did not start"; cat "$T/flood-$label.out"; }
  # the connections are made; give the server the moment it takes to accept
  # (and turn away) the burst, so the good client meets the flood as it
  # stands, not in the middle of its arrival
  sleep 0.5
}
flood_end() {
  kill "$FLOOD_PID" 2>/dev/null
  wait "$FLOOD_PID" 2>/dev/null
}
n=0
good_syncs() { # LABEL: the good school writes and syncs during the flood
  n=$((n + 1))
  sc good add hazard --title "during flood $1" --area facility --severity low >/dev/null
  local t0 t1
  t0=$(date +%s%3N)
  check "$1: another school still syncs" sc good sync --timeout-ms 10000
  t1=$(date +%s%3N)
  echo "  ($1: sync took $((t1 - t0)) ms; flood: $(head -1 "$T/flood-$1.out"))"
  check "$1: ... and its record is in PostgreSQL" eq "$(sql "select count(*) from hazard where school = 'schoolA'")" "$n"
}

# ---- a. one address, bare TCP
flood a --src 127.0.0.2
good_syncs a
check "a: refused by the per-address limit, logged once per second at most" \
  grep -q 'refused conn=127.0.0.2:[0-9]* reason="max_connections_per_address reached"' "$T/server.log"
check "a: not one line per refused connection" test "$(grep -c 'max_connections_per_address reached' "$T/server.log")" -lt 20
flood_end

# ---- b. 250 addresses, bare TCP: the handshake budget drops the oldest
flood b --src 127.0.0.2 --src-count 250
good_syncs b
check "b: the oldest handshakes were dropped for newer ones" grep -q 'max_handshakes reached: oldest handshake dropped' "$T/server.log"
check "b: the server never ran out of slots" bash -c "! grep -q 'max_connections reached' $T/server.log"
flood_end

# ---- c. stalled TLS, no certificate, 50 addresses
flood c --src 127.0.0.2 --src-count 50 --tls "" "" "$T/pki/ca.crt"
good_syncs c
flood_end

# ---- d. one certificate, 250 connections that say Hello and stall
flood d --src 127.0.0.2 --src-count 50 --tls "$T/pki/schoolF-main.crt" "$T/pki/schoolF-main.key" "$T/pki/ca.crt" --hello
good_syncs d
out=$(timeout 20 "$P" 127.0.0.1 "$PORT" "$T/pki/schoolF-main.crt" "$T/pki/schoolF-main.key" "$T/pki/ca.crt" handshake 2>&1)
check "d: the flooding certificate's next connection is told why (ERROR_OVERLOADED)" \
  grep -q 'error code=11 message=too many connections for certificate schoolF/main (at most 8)' <<<"$out"
flood_end
check "d: at most 8 of its connections were welcomed" bash -c "grep -Eq 'welcomed=[0-8] ' $T/flood-d.out"
check "d: the refusal names the limit" grep -q 'refused conn=schoolF/main reason="max_connections_per_cert reached"' "$T/server.log"

# after the floods the slots come back: once the server has seen the flood's
# connections close (tried every 0.2 s for 10 s, not once after a fixed 1 s)
welcomed_again() {
  grep -q "welcome school=schoolF" <<<"$(timeout 20 "$P" 127.0.0.1 "$PORT" "$T/pki/schoolF-main.crt" "$T/pki/schoolF-main.key" "$T/pki/ca.crt" handshake 2>&1)"
}
again=0
for _ in $(seq 1 50); do welcomed_again && { again=1; break; }; sleep 0.2; done
check "after the floods the flooding certificate connects again" test "$again" -eq 1
check "the server is alive" kill -0 "$SERVER_PID"
e2e_done
