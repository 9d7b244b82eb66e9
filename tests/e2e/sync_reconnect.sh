#!/usr/bin/env bash
# The client when the network or the server fails (docs/CLI.md, "Exit codes"):
#   - `sync --watch` outlives its server: killed, it says "server unreachable
#     ... retrying in N s" on stderr with a growing delay, reconnects by itself
#     once the server is back on its port, and pushes what was written
#     meanwhile; it still gets other campuses' changes (subscribed again);
#   - a one-shot sync against a dead server retries within its timeout, then
#     exits 3 with "server unreachable" and what to do;
#   - a server that closes a handshake (a balancer with no server behind it, a
#     server that gave up on a slow handshake, tests/tools/tls_stall.py) is
#     reported, exit 3, never a silent death by SIGPIPE (exit 141).
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init sync_reconnect
STALL=$SC_SOURCE_DIR/tests/tools/tls_stall.py
client_new amain schoolA main
client_new aeast schoolA east
server_start || exit 1

wait_for() { # SECONDS CMD...: poll until CMD succeeds
  local until=$(( $(date +%s) + $1 ))
  shift
  while (( $(date +%s) < until )); do "$@" && return 0; sleep 0.2; done
  return 1
}
pg_title() { test "$(sql "select count(*) from hazard where title = '$1'")" -ge 1; }
has_local() { sc "$1" list hazards | grep -q "$2"; }
retries() { grep -c 'retrying in' "$T/watch.err" 2>/dev/null || true; }
ms() { date +%s%3N; }

# ---- 1. the watcher outlives its server
check "A-east syncs once" sc aeast sync
"$SAFECAMPUS" --store "$T/aeast.db" sync --watch --watch-secs 120 >"$T/watch.out" 2>"$T/watch.err" &
W=$!
# kill the server once the watcher has said Hello (its second connection;
# the first was the sync above), not a fixed 1.5 s after its start: a slower
# start would meet a dead server, "unreachable" and not "connection lost"
watcher_said_hello() { (($(grep -c 'hello conn=schoolA/east ' "$T/server.log") >= 2)); }
check "the watcher connects" wait_for 10 watcher_said_hello
check "the watcher ignores SIGPIPE (SigIgn has bit 13)" \
  bash -c "mask=\$(awk '/^SigIgn:/ {print \$2}' /proc/$W/status); (( (0x\$mask >> 12) & 1 ))"

server_kill KILL
check "the watcher says the connection was lost" wait_for 5 grep -q 'connection lost during the sync' "$T/watch.err"
check "... and that the server is unreachable, retrying" wait_for 5 grep -q 'server unreachable.*retrying in [0-9.]* s' "$T/watch.err"
check "A-east writes while the server is down" \
  sc aeast hazard report --title "Written while the server was down" --area fire --severity high
# three retries come within 0.75 + 1.5 s of the first at most (0.5 s doubling,
# +-50 %): wait for them rather than a fixed 3 s
retried_thrice() { (($(retries) >= 3)); }
check "it keeps retrying while the server is down" wait_for 6 retried_thrice
echo "# $(retries) retries so far"
check "the delays grow (0.5 s doubling, +-50 %)" bash -c "grep -o 'retrying in [0-9.]*' '$T/watch.err' |
  awk '{ d[NR] = \$3 } END { exit !(NR >= 3 && d[NR] > d[1]) }'"
check "the watcher is still running" kill -0 "$W"

server_start || exit 1 # the same port: outside the ephemeral range, nobody took it
t0=$(ms)
check "the watcher reconnects by itself and pushes what was written meanwhile (within 15 s)" \
  wait_for 15 pg_title "Written while the server was down"
echo "# reconnected and pushed after $(( $(ms) - t0 )) ms"
check "it says it is connected again" grep -q 'connected to 127.0.0.1:[0-9]* again' "$T/watch.err"
check "A-main writes and syncs" sc amain hazard report --title "Reported by A-main after the restart" \
  --area traffic --severity low
check "A-main syncs" sc amain sync
check "the watcher, subscribed again, pulls it within 8 s" wait_for 8 has_local aeast "Reported by A-main after the restart"
kill -TERM "$W"
wait "$W"
rc=$?
check "the watcher stops cleanly on SIGTERM (exit 0)" eq "$rc" 0

# ---- 2. one-shot sync against a dead server
server_kill KILL
check "A-main writes offline" sc amain hazard report --title "Offline again" --area fire --severity low
t0=$(ms)
sc amain sync --timeout-ms 3000 >"$T/dead.out" 2>"$T/dead.err"
rc=$?
t1=$(ms)
echo "# one-shot against a dead server: exit $rc after $((t1 - t0)) ms"
sed 's/^/#   /' "$T/dead.err"
check "it exits 3 (server unreachable)" eq "$rc" 3
check "it says so" grep -q 'sync failed: server unreachable: cannot connect to 127.0.0.1:' "$T/dead.err"
check "and what to do" grep -q 'Nothing is lost' "$T/dead.err"
check "it tried again before giving up" grep -q 'retrying in' "$T/dead.err"
check "within its timeout (3000 ms + 1 s)" test $((t1 - t0)) -lt 4000
check "nothing on stdout" test ! -s "$T/dead.out"
check "the record waits in the outbox" bash -c "'$SAFECAMPUS' --store '$T/amain.db' status | grep -Eq 'pending: +1'"

# ---- 3. a server that closes the handshake
stall_start() { # MODE [ARGS...]: a tls_stall.py listener on a free port; sets SPORT
  SPORT=$(e2e_free_port) || exit 1
  python3 "$STALL" "$SPORT" "$@" >"$T/stall.log" 2>&1 &
  SPID=$!
  wait_for 5 grep -q 'listening port=' "$T/stall.log" || { echo "tls_stall.py did not start"; cat "$T/stall.log"; exit 1; }
  sc amain init --server "127.0.0.1:$SPORT" >/dev/null
}
stall_stop() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }
stall_syncs() { # DESC: 8 syncs against the listener, each must exit 3 with a message
  local desc=$1 rc codes=''
  for _ in $(seq 1 8); do
    sc amain sync --timeout-ms 1500 >/dev/null 2>"$T/stall.err"
    rc=$?
    codes+=" $rc"
  done
  echo "# $desc: exit codes$codes"
  sed 's/^/#   /' "$T/stall.err" | head -3
  check "$desc: never killed by SIGPIPE (exit 141)" bash -c "[[ ' $codes ' != *' 141 '* ]]"
  check "$desc: always exit 3 (server unreachable)" bash -c "[[ -z \$(tr ' ' '\n' <<<'$codes' | grep -v '^3\$' | grep .) ]]"
  check "$desc: the message says the server is unreachable" grep -q 'sync failed: server unreachable' "$T/stall.err"
}
stall_start close
stall_syncs "accept and close (a balancer with no server behind it)"
check "... not blamed on certificates" bash -c "! grep -qi 'certificate refused' '$T/stall.err'"
stall_stop
stall_start half "$T/pki/server.crt" "$T/pki/server.key" "$T/pki/ca.crt"
stall_syncs "the server's half of the handshake, then close"
stall_stop
e2e_done
