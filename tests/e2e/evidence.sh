#!/usr/bin/env bash
# Evidence files travel (issue 11, docs/PROTOCOL.md section 14).
#
# A-main attaches a 5 MB photo to a rectification; its upload goes through a
# proxy (tests/tools/faultproxy) that cuts the first two connections after
# 1.5 MB up, so the file arrives in three connections, each continuing where
# the server's copy ended. Then: the photo is one file of 20 chunks in
# PostgreSQL whose SHA-256 is its name; A-east (same school) and the bureau
# fetch it and get the same bytes; school B is refused. An over-limit file
# is refused at the client before anything is written or sent. A hand-made
# client (scprobe evidence-bad) sends an oversize chunk, a truncated chunk and
# a chunk and offer for a file no record names: each refused alone, with its
# reason, on a connection that then goes on.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init evidence

FAULTPROXY=${SC_FAULTPROXY:-$SC_BIN_DIR/tests/faultproxy}
SCPROBE=${SC_SCPROBE:-$SC_BIN_DIR/tests/scprobe}
for b in "$FAULTPROXY" "$SCPROBE"; do
  [[ -x "$b" ]] || { echo "missing test tool $b (build the tests)"; exit 1; }
done
cat >>"$T/server.conf" <<CONF
session_ticket_lifetime_s = 0
evidence_max_file = 8388608
CONF

PROXY=
cleanup() {
  if [[ -n $PROXY ]]; then kill -KILL "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; fi
  e2e_cleanup
}
trap cleanup EXIT

client_new amain schoolA main
client_new aeast schoolA east
client_new bmain schoolB main
client_new bureau bureau office
person_new amain chen principal
person_new amain zhao logistics chen
server_start || exit 1

hz=$(sc amain hazard report --title "Loose handrail, stairwell 2" --area building --severity high)
check "the principal assigns the hazard" sc_as amain chen hazard assign "$hz" --owner "Zhao" \
  --deadline 2030-01-15
check "A-main syncs the hazard" sc amain sync

# ---- an over-limit file is refused at the client, before anything is written
head -c 7000000 /dev/urandom >"$T/big.jpg"
check "the campus sets its own per-file limit" sc amain evidence limits --max-file 6000000
outbox_before=$(sqlite3 "$T/amain.db" "select count(*) from outbox")
check_fail "a 7 MB file is refused at the client" sc_as amain zhao hazard rectify "$hz" \
  --note "too big" --evidence "$T/big.jpg"
cp "$T/check.out" "$T/last.out"
check "the refusal names the limit" grep -q "above this campus's limit of 6000000 bytes" "$T/last.out"
check "nothing was written" eq "$(sqlite3 "$T/amain.db" "select count(*) from outbox")" "$outbox_before"
check "nothing was kept" eq "$(ls "$T/amain.db.evidence" 2>/dev/null | wc -l)" 0

# ---- a 5 MB photo attached to the rectification
{ printf '\xff\xd8\xff\xe0'; head -c $((5 * 1024 * 1024 - 4)) /dev/urandom; } >"$T/扶手整改后.jpg"
photo_sha=$(sha256sum "$T/扶手整改后.jpg" | cut -d' ' -f1)
check "A-main rectifies with the photo as evidence" sc_as amain zhao hazard rectify "$hz" \
  --note "Handrail re-anchored with 4 new bolts" --evidence "$T/扶手整改后.jpg"
check "the photo is kept under its hash" cmp "$T/扶手整改后.jpg" "$T/amain.db.evidence/$photo_sha"
ev=$(sqlite3 "$T/amain.db" "select id from records where kind = 'hazard_event' order by hlc desc limit 1")

# ---- the upload, cut twice
port=$(e2e_free_port)
"$FAULTPROXY" "$port" 127.0.0.1 "$PORT" --dir up --cut-after-bytes 1500000 --fault-conns 2 \
  >"$T/proxy.log" 2>&1 &
PROXY=$!
for _ in $(seq 1 50); do grep -q "listening port=" "$T/proxy.log" && break; sleep 0.1; done
sc amain init --server "127.0.0.1:$port" --server-name localhost >/dev/null
check_fail "the first upload is cut" sc amain sync --timeout-ms 10000
got1=$(sql "select received from evidence_file where sha256 = decode('$photo_sha', 'hex')")
check "the record arrived, and part of the photo (${got1:-0} bytes)" \
  test "${got1:-0}" -gt 0 -a "${got1:-0}" -lt 5242880
check_fail "the second upload is cut too" sc amain sync --timeout-ms 10000
got2=$(sql "select received from evidence_file where sha256 = decode('$photo_sha', 'hex')")
check "the second connection continued where the first ended ($got1 -> $got2)" \
  test "${got2:-0}" -gt "${got1:-0}"
check "the third connection finishes the upload" sc amain sync --timeout-ms 10000
cp "$T/check.out" "$T/last.out"
check "sync says the file was uploaded" grep -q "1 uploaded" "$T/last.out"
check "the proxy cut two connections" eq "$(grep -c 'end=cut' "$T/proxy.log")" 2
up=$(awk '{for(i=1;i<=NF;i++) if ($i ~ /^up=/) {sub(/up=/,"",$i); s+=$i}} END {print s+0}' "$T/proxy.log")
check "the three connections sent little more than the photo once ($up bytes up)" \
  test "$up" -lt $((5242880 + 1500000))

check "one file row on the server, complete" eq "$(sql "select count(*)||'|'||bool_and(complete)||'|'||max(size) from evidence_file")" \
  "1|true|5242880"
check "20 chunks, no byte twice" eq "$(sql "select count(*)||'|'||sum(length(data))||'|'||count(distinct off) from evidence_chunk")" \
  "20|5242880|20"
check "the stored bytes hash to the photo's name" eq \
  "$(sql "select encode(sha256(string_agg(data, ''::bytea order by off)), 'hex') from evidence_chunk")" "$photo_sha"
check "the signature names it, with its size, type and name" bash -c \
  "psql -qAtX -d '$E2E_DB' -c \"select files from signoff where id = '$ev'\" | grep -q '^$photo_sha,5242880,'"
check "the signed event's hash is the photo's" eq \
  "$(sql "select encode(evidence[1], 'hex') from signoff where id = '$ev'")" "$photo_sha"

# ---- the other campus and the bureau open it; another school may not
check "A-east pulls the rectification" sc aeast sync
check "A-east verifies the signed description of the photo" \
  sc aeast verify "$ev" --people-key "$T/pki/people-admin.pub"
check "the server verifies every chain, the photo's event included" \
  "$SAFECAMPUSD" --config "$T/server.conf" --verify
check "A-east opens the photo by the record" sc aeast evidence get "$ev" --out "$T/east.jpg"
cp "$T/check.out" "$T/last.out"
check "A-east has the same bytes" cmp "$T/east.jpg" "$T/扶手整改后.jpg"
check "A-east was told its name and type" grep -q "type   image/jpeg" "$T/last.out"
check "the bureau pulls" sc bureau sync
check "the bureau opens it by its hash" sc bureau evidence get "$photo_sha" --out "$T/bureau.jpg"
check "the bureau's copy hashes to the photo's name" eq "$(sha256sum "$T/bureau.jpg" | cut -d' ' -f1)" "$photo_sha"
check "a second get is served from the local copy" sc bureau evidence get "$photo_sha"
check_fail "school B may not fetch school A's evidence" sc bmain evidence get "$photo_sha"
cp "$T/check.out" "$T/last.out"
check "B is told why" grep -q "another school's evidence" "$T/last.out"
check "B keeps nothing" eq "$(ls "$T/bmain.db.evidence" 2>/dev/null | wc -l)" 0

# ---- a drill takes evidence too (a property of the kind in the kind table)
printf '%%PDF-1.4 drill plan\n' >"$T/drill-plan.pdf"
check "a drill record with a PDF attached" sc_as amain zhao add drill --drill-date 2026-11-20 \
  --theme "119 fire drill" --scenario fire --evidence "$T/drill-plan.pdf"
check "it syncs, and the PDF arrives complete" sc amain sync --timeout-ms 10000
check "the server has the PDF as application/pdf" eq \
  "$(sql "select media_type||'|'||name||'|'||complete from evidence_file where size < 100")" \
  "application/pdf|drill-plan.pdf|true"

# ---- bad chunks, each refused alone; the connection goes on
PROBE=("$SCPROBE" 127.0.0.1 "$PORT" "$T/pki/schoolA-main.crt" "$T/pki/schoolA-main.key" "$T/pki/ca.crt")
"${PROBE[@]}" evidence-bad "$photo_sha" >"$T/probe.out" 2>&1
check "an oversize chunk is refused (chunk too large)" grep -q "rid=2 reason=2 .*takes at most 262144" "$T/probe.out"
check "a truncated chunk is refused (truncated)" grep -q "rid=3 reason=3 .*says 1000 bytes and carries 500" "$T/probe.out"
check "a chunk of a file no record names is refused (not named)" grep -q "rid=4 reason=1 " "$T/probe.out"
check "so is its offer" grep -q "rid=5 reason=1 .*no signed record of school schoolA names" "$T/probe.out"
check "the same connection then serves the real file's offer" grep -q "rid=6 reason=0 have=5242880 size=5242880 complete=1" "$T/probe.out"
check "and a Ping" grep -q "^pong" "$T/probe.out"
check "no Error closed the connection" bash -c "! grep -q '^error' '$T/probe.out'"
check "still one photo on the server" eq "$(sql "select count(*) from evidence_file where size = 5242880")" 1
check "the server is still running" kill -0 "$SERVER_PID"

e2e_done
