#!/usr/bin/env bash
# docs/PROTOCOL.md is enough to write a client: tests/tools/proto_client.py,
# written from that page and proto/safecampus.proto alone (Python, protobuf
# encoded by hand), talks to a real safecampusd beside the real C client.
#
# The C client pushes a hazard from another campus of the same school (and
# one of another school); the Python client connects with mutual TLS 1.3,
# pushes records of two kinds, pushes them again, pushes bad records, pulls
# them back in pages with the other campus's hazard, is notified of a push
# and reads its dashboard; as the bureau it pulls both schools. Then
# PostgreSQL must hold exactly what the server acknowledged, and the C client
# must pull what the Python client pushed.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init protocol_client

client_new north schoolA north
client_new other schoolB main
"$PKI" issue "$T/pki" bureau office >/dev/null
"$PKI" issue "$T/pki" schoolA py >/dev/null
server_start

check "the C client reports a hazard from campus north" \
  sc north hazard report --title "north stair rail" --area building --severity medium
check "the C client of another school reports one" \
  sc other hazard report --title "schoolB secret" --area fire --severity low
check "both sync" bash -c "'$SAFECAMPUS' --store '$T/north.db' sync >/dev/null && \
  '$SAFECAMPUS' --store '$T/other.db' sync >/dev/null"

start=$(date +%s%N)
timeout 60 python3 "$SC_SOURCE_DIR/tests/tools/proto_client.py" --port "$PORT" \
  --ca "$T/pki/ca.crt" --cert "$T/pki/schoolA-py.crt" --key "$T/pki/schoolA-py.key" \
  --cert2 "$T/pki/schoolA-north.crt" --key2 "$T/pki/schoolA-north.key" \
  --bureau-cert "$T/pki/bureau-office.crt" --bureau-key "$T/pki/bureau-office.key" \
  --district "$DISTRICT" --school schoolA --campus py \
  --other-title "north stair rail" --hidden-title "schoolB secret" \
  --out "$T/py.json" >"$T/py.out" 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
sed 's/^/  py: /' "$T/py.out"
check "the Python client's assertions all held (${ms} ms)" test "$rc" -eq 0

json() { python3 -c "import json,sys; d=json.load(open('$T/py.json')); print($1)"; }
if [[ -s $T/py.json ]]; then
  # every acknowledged id is in PostgreSQL with the acknowledged seq
  acked=$(json "'\n'.join('%s %s' % kv for kv in sorted(d['accepted'].items()))")
  stored=$(sql "select id || ' ' || seq from (
      select id, seq from hazard union all select id, seq from meeting
      union all select id, seq from hazard_event) t
    where id::text in ($(json "','.join(repr(k) for k in d['accepted'])" | tr '"' "'"))
    order by id")
  check "PostgreSQL holds each acknowledged record with its acknowledged seq" eq "$stored" "$acked"
  check "the revised hazard is stored once, newest version, written by py" \
    eq "$(sql "select count(*), min(title), min(hlc), min(written_by) from hazard
               where id = '$(json "d['h1']")'")" \
    "1|py hazard one, revised|$(json "d['h1_hlc']")|py"
  check "the meeting's minutes are stored as sent (UTF-8)" \
    eq "$(sql "select minutes, attendees from meeting where id = '$(json "d['m1']")'")" \
    "Minutes: 安全第一|7"
  check "the event is stored once, for its hazard" \
    eq "$(sql "select count(*), min(hazard_id::text) from hazard_event
               where id = '$(json "d['e1']")'")" "1|$(json "d['h1']")"
  rejected=$(json "','.join(\"'%s'\" % k for k in d['rejected'] if len(k) == 36 and k == k.lower())")
  check "no rejected record was stored" \
    eq "$(sql "select count(*) from (select id from hazard union all select id from meeting
               union all select id from hazard_event union all select id from calendar) t
               where id::text in ($rejected)")" 0
  check "the one of the duplicated id's two records that was accepted is the first" \
    eq "$(sql "select count(*) from meeting where title like 'dup %'")|$(sql "select title from meeting where title like 'dup %'")" "1|dup one"
  # Hello's report is the latest; a Pull answered with more = false ended a
  # sync (last_sync), and the last connection did not pull
  check "client_health holds the last Hello's report and the time of the last sync" \
    eq "$(sql "select outbox_pending, (extract(epoch from oldest_pending) * 1000)::bigint,
               last_sync is not null from client_health where school = 'schoolA' and campus = 'py'")" \
    "5|$(json "d['health_oldest_ms']")|t"
fi

check "the C client at north pulls what the Python client pushed" sc north sync
if [[ -s $T/py.json ]]; then
  check "north's store holds the Python client's hazard, meeting and event" \
    eq "$(sqlite3 "$T/north.db" "select count(*) from records where id in
      ('$(json "d['h1']")', '$(json "d['m1']")', '$(json "d['e1']")')")" 3
fi
check "the server logged no protocol error for the good connections" \
  bash -c "! grep -i 'unexpected\|bad frame' '$T/server.log'"

e2e_done
