#!/usr/bin/env bash
# Bad input on the wire gets a clear Error and a closed connection, the server
# keeps serving others, and a bad record is rejected alone while the rest of
# its batch is stored. Driven by scprobe, a client that misbehaves on purpose.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init protocol_errors
echo "max_push_records = 50" >>"$T/server.conf"
echo "hello_timeout_ms = 1500" >>"$T/server.conf"
"$PKI" issue "$T/pki" schoolA main >/dev/null 2>&1
# scprobe pushes hand-made, unsigned hazard steps: this test is about batches and
# transitions, signatures are tests/e2e/hazard_flow.sh and cli_offline.sh
echo "require_signatures = 0" >>"$T/server.conf"
server_start

probe() {
  local mode=$1
  shift
  timeout 30 "$SC_BIN_DIR/tests/scprobe" 127.0.0.1 "$PORT" "$T/pki/schoolA-main.crt" \
    "$T/pki/schoolA-main.key" "$T/pki/ca.crt" "$mode" "$@" >"$T/probe-$mode.out" 2>&1
  cat "$T/probe-$mode.out"
}
has() { grep -q -- "$2" <<<"$1" || { echo "missing [$2] in:"; echo "$1"; return 1; }; }

out=$(probe handshake)
check "a good client is welcomed with its certificate identity" has "$out" "welcome school=schoolA campus=main role=1"

out=$(probe garbage)
check "undecodable frame: ERROR_BAD_FRAME" has "$out" "error code=1 "
check "undecodable frame: connection closed" has "$out" "closed"

out=$(probe oversize)
check "length prefix over the limit: ERROR_FRAME_TOO_LARGE" has "$out" "error code=2 "
check "oversize: connection closed" has "$out" "closed"

out=$(probe no-hello)
check "a request before Hello: ERROR_HELLO_REQUIRED, echoing the request id" has "$out" "error code=3 "
out=$(probe bad-version)
check "no common version: ERROR_VERSION_UNSUPPORTED" has "$out" "error code=4 "
out=$(probe empty-body)
check "envelope without a body: ERROR_BAD_FRAME" has "$out" "error code=1 "

start=$(date +%s)
out=$(probe half-frame)
check "half a frame then silence: closed by the Hello timeout" has "$out" "closed"
check "... within a few seconds" test $(( $(date +%s) - start )) -le 10

out=$(probe push-big-batch 51)
check "a Push over max_push_records: ERROR_BATCH_TOO_LARGE" has "$out" "error code=6 "

out=$(probe push-foreign)
check "another school's record is rejected as forbidden" has "$out" "result i=0 accepted=0 seq=0 reason=2"
check "the rest of that batch is stored" has "$out" "result i=1 accepted=1"
check "the foreign row is not in PostgreSQL" eq "$(sql "select count(*) from hazard where school <> 'schoolA'")" 0

out=$(probe push-unknown)
check "a record with no kind is rejected as unknown kind" has "$out" "result i=0 accepted=0 seq=0 reason=1"
check "... and its batch-mate stored" has "$out" "result i=1 accepted=1"

out=$(PROBE_CAMPUS=east probe push-unknown)
check "a new record claiming another campus than the certificate's is forbidden" \
  has "$out" "result i=1 accepted=0 seq=0 reason=2 detail=a new record's campus must be the writing campus"

out=$(probe push-mixed)
first=$(grep '^result' <<<"$out" | head -7)
second=$(grep '^result' <<<"$out" | tail -7)
check "valid hazard accepted" has "$first" "result i=0 accepted=1"
check "impossible date rejected as invalid, naming the field" has "$first" "result i=1 accepted=0 seq=0 reason=3 detail=hazard.found_date"
check "verify by the rectifier-to-be, before rectify: illegal transition" has "$first" "result i=2 accepted=0 seq=0 reason=4"
check "assign in the same batch as its hazard accepted" has "$first" "result i=3 accepted=1"
check "event of an unknown hazard: not found" has "$first" "result i=4 accepted=0 seq=0 reason=5"
check "malformed id rejected as invalid" has "$first" "result i=5 accepted=0 seq=0 reason=3"
check "rectify after assign accepted" has "$first" "result i=6 accepted=1"
s0=$(sed -n 's/^result i=0 accepted=1 seq=\([0-9]*\).*/\1/p' <<<"$first")
s0b=$(sed -n 's/^result i=0 accepted=1 seq=\([0-9]*\).*/\1/p' <<<"$second")
check "re-sending the batch is idempotent: same seq for the hazard" eq "$s0b" "$s0"
check "re-sent, the illegal step is still refused" has "$second" "result i=2 accepted=0 seq=0 reason=4"
check "the hazard's derived state is rectified" \
  eq "$(sql "select state from hazard where title = 'valid'")" "rectified"
check "two events stored for it, not four" \
  eq "$(sql "select count(*) from hazard_event e join hazard h on h.id = e.hazard_id where h.title = 'valid'")" 2

out=$(probe handshake)
check "after all that, the server still serves" has "$out" "welcome school=schoolA"
check "the server process is alive" kill -0 "$SERVER_PID"
e2e_done
