#!/usr/bin/env bash
# Two districts in one database (a province), one schema each (db_schema),
# one safecampusd each, each with its own CA (district ids d1 and d2), and a
# school of the same name in both:
#   - each district's tables are in its own schema, none in public;
#   - pushes to both; each district's pulls and dashboards see only its own;
#   - seq in each district starts at 1 and is gap-free, in commit order;
#   - a NOTIFY of one district does not reach the other's channel;
#   - a transaction holding district 1's sync lock (psql) holds up district
#     1's pushes, and not district 2's.
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init districts

# district 1: the harness's PKI, config and port; district 2 beside it
PKI2=$T/pki2
"$PKI" "$PKI2" d2 localhost >/dev/null
PORT2=$(e2e_free_port)
echo "db_schema = dist_a" >>"$T/server.conf"
sed -e "s|$T/pki/|$PKI2/|g" -e "s|^listen = .*|listen = 127.0.0.1:$PORT2|" \
  -e "s|^district = .*|district = d2|" -e "s|^db_schema = .*|db_schema = dist_b|" \
  -e "s|^people_key = .*|people_key = $T/pki/people-admin.pub|" \
  "$T/server.conf" >"$T/server2.conf"
SERVER2_PID=
cleanup2() {
  [[ -n $SERVER2_PID ]] && kill -KILL "$SERVER2_PID" 2>/dev/null
  e2e_cleanup
}
trap cleanup2 EXIT

client_new2() { # NAME SCHOOL CAMPUS, a client of district 2
  "$PKI" issue "$PKI2" "$2" "$3" >/dev/null
  "$SAFECAMPUS" --store "$T/$1.db" init --server "127.0.0.1:$PORT2" --server-name localhost \
    --cert "$PKI2/$2-$3.crt" --key "$PKI2/$2-$3.key" --ca "$PKI2/ca.crt" >/dev/null
}

client_new a_school schoolA main
client_new a_bureau bureau office
client_new2 b_school schoolA main
client_new2 b_bureau bureau office

check "district 1's server starts" server_start
"$SAFECAMPUSD" --config "$T/server2.conf" >>"$T/server2.log" 2>&1 &
SERVER2_PID=$!
listening() { ss -Htln | awk '{print $4}' | grep -q ":$1\$"; }
for _ in $(seq 100); do listening "$PORT2" && break; sleep 0.1; done
check "district 2's server starts" listening "$PORT2"

check "district 1's tables are in schema dist_a" eq "$(sql "select to_regclass('dist_a.hazard') is not null")" t
check "district 2's tables are in schema dist_b" eq "$(sql "select to_regclass('dist_b.hazard') is not null")" t
check "nothing of either went to public" \
  eq "$(sql "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'")" 0
check "each schema has its own sequence and migrations" \
  eq "$(sql "select (select count(*) from dist_a.schema_migrations) = (select count(*) from dist_b.schema_migrations) and to_regclass('dist_a.sync_seq') is not null and to_regclass('dist_b.sync_seq') is not null")" t

check "each schema is claimed by its district" \
  eq "$(sql "select obj_description('dist_a'::regnamespace, 'pg_namespace') || ' ' || obj_description('dist_b'::regnamespace, 'pg_namespace')")" \
  "safecampus district=d1 safecampus district=d2"
# a server of district 2 given district 1's schema (a copied configuration)
sed -e "s|^listen = .*|listen = 127.0.0.1:$(e2e_free_port)|" -e "s|^db_schema = .*|db_schema = dist_a|" \
  "$T/server2.conf" >"$T/server4.conf"
"$SAFECAMPUSD" --config "$T/server4.conf" >"$T/server4.log" 2>&1 &
PID4=$!
for _ in $(seq 100); do grep -q "holds district" "$T/server4.log" && break; sleep 0.1; done
check "a server of district 2 refuses district 1's schema" \
  grep -q "schema dist_a holds district d1, and this server is district d2" "$T/server4.log"
check "... and migrated nothing there" bash -c "! grep -q 'migration applied' '$T/server4.log'"
kill -TERM "$PID4" 2>/dev/null
wait "$PID4" 2>/dev/null

# a pooler that drops the connection's options (search_path) in between: a
# third district's server must not migrate into public, nor serve
PPORT=$(e2e_free_port)
python3 "$SC_SOURCE_DIR/tests/tools/pg_drop_options.py" "$PPORT" 127.0.0.1 "$PGPORT" >"$T/proxy.log" 2>&1 &
PROXY_PID=$!
for _ in $(seq 50); do grep -q listening "$T/proxy.log" && break; sleep 0.1; done
sed -e "s|^listen = .*|listen = 127.0.0.1:$(e2e_free_port)|" -e "s|^db_schema = .*|db_schema = dist_c|" \
  -e "s|^database = .*|database = host=127.0.0.1 port=$PPORT user=$PGUSER dbname=$E2E_DB sslmode=disable|" \
  "$T/server.conf" >"$T/server3.conf"
"$SAFECAMPUSD" --config "$T/server3.conf" >"$T/server3.log" 2>&1 &
PID3=$!
for _ in $(seq 100); do grep -q "dropped the connection's options" "$T/server3.log" && break; sleep 0.1; done
check "behind a pooler that drops its options, a district's server says so" \
  grep -q "search_path starts with .*not the district's schema dist_c.*dropped the connection's options" "$T/server3.log"
check "... and made nothing: no schema dist_c, nothing in public" \
  eq "$(sql "select to_regnamespace('dist_c') is null, (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public')")" "t|0"
kill -TERM "$PID3" "$PROXY_PID" 2>/dev/null
wait "$PID3" "$PROXY_PID" 2>/dev/null

# what the database keeps for all schemas: a function (a later migration's
# copy of an old one, say) must not take an advisory lock without the
# schema in its key, nor NOTIFY on a channel of its own choosing
check "no district function takes a database-wide advisory lock" \
  eq "$(sql "select coalesce(string_agg(p.proname, ','), '') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
             where n.nspname in ('dist_a', 'dist_b') and p.prosrc ~* 'advisory' and p.prosrc !~* 'regnamespace'")" ""
check "no district function sends a NOTIFY (the servers choose the channel)" \
  eq "$(sql "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
             where n.nspname in ('dist_a', 'dist_b') and p.prosrc ~* 'notify'")" 0
check "the dashboard refresh's lock is the schema's own (023)" \
  eq "$(sql "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
             where n.nspname in ('dist_a', 'dist_b') and p.proname = 'sc_dash_refresh' and p.prosrc ~ 'current_schema\(\)::regnamespace'")" 2

# NOTIFY: listen on both channels from psql while district 1 takes a push
report() { # CLIENT TITLE
  sc "$1" hazard report --title "$2" --area facility --severity low >/dev/null
}
# psql reads its commands from a FIFO: the LISTENs, and once the push is
# acknowledged a query after which it prints the notifications it got. (It
# used to get a fixed 4 s: a sleep 1 for the LISTEN, then 3 reports and a
# sync had 3 s, of which they took 0.46 s under ASan with two CPU burners;
# a slower machine lost the notification, or a slow psql start the LISTEN.)
mkfifo "$T/listen.fifo"
psql -qAtX -d "$E2E_DB" <"$T/listen.fifo" >"$T/notify.out" 2>&1 &
LPID=$!
exec {LFD}>"$T/listen.fifo"
echo "LISTEN safecampus_changes_dist_a; LISTEN safecampus_changes_dist_b; SELECT 'listening';" >&"$LFD"
for _ in $(seq 100); do grep -q '^listening$' "$T/notify.out" && break; sleep 0.1; done
check "psql listens on both districts' channels" grep -q '^listening$' "$T/notify.out"

# pushes, interleaved: d1 round 1, d2 round 1, d1 round 2, d2 round 2
t0=$(date +%s%N)
for i in 1 2 3; do report a_school "d1 r1 $i"; done
check "district 1, round 1 synced" sc a_school sync
echo "       3 reports and the sync took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
echo "SELECT 'pushed';" >&"$LFD"
exec {LFD}>&-
wait "$LPID"
check "district 1's push notified its own channel" grep -q '"safecampus_changes_dist_a"' "$T/notify.out"
check "... and not district 2's" bash -c "! grep -q '\"safecampus_changes_dist_b\"' '$T/notify.out'"
for i in 1 2; do report b_school "d2 r1 $i"; done
check "district 2, round 1 synced" sc b_school sync
for i in 1 2; do report a_school "d1 r2 $i"; done
check "district 1, round 2 synced" sc a_school sync
report b_school "d2 r2 1"
check "district 2, round 2 synced" sc b_school sync

check "district 1 holds its 5 hazards" eq "$(sql "select count(*) from dist_a.hazard")" 5
check "district 2 holds its 3 hazards" eq "$(sql "select count(*) from dist_b.hazard")" 3

# every row of a district's change feed (the tables with a seq column)
feed() { # SCHEMA: "seq title-or-kind" lines, by seq
  local q
  q=$(sql "select string_agg(format('select seq, %L as t from %I.%I', table_name, table_schema, table_name), ' union all ')
           from information_schema.columns where table_schema = '$1' and column_name = 'seq'
           and table_name in (select table_name from information_schema.tables
                              where table_schema = '$1' and table_type = 'BASE TABLE')")
  sql "select seq from ($q) f order by seq"
}
for s in dist_a dist_b; do
  feed "$s" >"$T/$s.seq"
  n=$(wc -l <"$T/$s.seq")
  check "$s: seq starts at 1 and has no gap ($n rows)" eq "$(seq 1 "$n" | tr '\n' ' ')" "$(tr '\n' ' ' <"$T/$s.seq")"
done
check "district 1's first push drew lower seqs than its second (commit order)" \
  eq "$(sql "select max(seq) filter (where title like 'd1 r1%') < min(seq) filter (where title like 'd1 r2%') from dist_a.hazard")" t
check "district 2 likewise" \
  eq "$(sql "select max(seq) filter (where title like 'd2 r1%') < min(seq) filter (where title like 'd2 r2%') from dist_b.hazard")" t

# pulls: each bureau (and the schoolA of the other district) sees its own only
check "district 1's bureau pulls" sc a_bureau sync
check "district 2's bureau pulls" sc b_bureau sync
check "district 2's schoolA pulls" sc b_school sync
ids() { sqlite3 "$T/$1.db" "select id from records where kind = 'hazard' order by id" | tr '\n' ' '; }
pg_ids() { sql "select id from $1.hazard order by id::text" | tr '\n' ' '; }
check "district 1 has ids of its own, none of district 2's" \
  eq "$(sql "select count(*) from dist_a.hazard a join dist_b.hazard b using (id)")" 0
check "district 1's bureau has district 1's hazards, no other" eq "$(ids a_bureau)" "$(pg_ids dist_a)"
check "district 2's bureau has district 2's hazards, no other" eq "$(ids b_bureau)" "$(pg_ids dist_b)"
check "district 2's schoolA has nothing of district 1's schoolA" eq "$(ids b_school)" "$(pg_ids dist_b)"
check "each bureau's cursor is its own district's highest seq" \
  eq "$(sqlite3 "$T/a_bureau.db" "select value from meta where key='cursor'") $(sqlite3 "$T/b_bureau.db" "select value from meta where key='cursor'")" \
  "$(wc -l <"$T/dist_a.seq" | tr -d ' ') $(wc -l <"$T/dist_b.seq" | tr -d ' ')"

# dashboards: computed in each district's schema
check "district 1's bureau gets its dashboard" sc a_bureau dashboard --refresh --csv "$T/dash_a"
check "district 2's bureau gets its dashboard" sc b_bureau dashboard --refresh --csv "$T/dash_b"
open_hazards() { # DASHDIR: schoolA's hazards_open in the district's table
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "hazards_open") c = i; next }
           $2 == "schoolA" { print $c }' "$1/schools.csv"
}
check "district 1's dashboard counts its schoolA's 5 open hazards" eq "$(open_hazards "$T/dash_a")" 5
check "district 2's dashboard counts its schoolA's 3" eq "$(open_hazards "$T/dash_b")" 3

# the lock: hold district 1's change-feed lock from psql for a while
LOCKSQL="select pg_advisory_xact_lock(1396921177, 'dist_a'::regnamespace::oid::int)"
psql -qAtX -d "$E2E_DB" -c "begin" -c "$LOCKSQL" -c "select pg_sleep(12)" -c "commit" >/dev/null 2>&1 &
HOLD=$!
for _ in $(seq 50); do
  [[ $(sql "select count(*) from pg_locks where locktype = 'advisory' and granted and classid = 1396921177") == 1 ]] && break
  sleep 0.1
done
check "psql holds district 1's sync lock" \
  eq "$(sql "select count(*) from pg_locks where locktype = 'advisory' and granted and classid = 1396921177 and objid = 'dist_a'::regnamespace::oid")" 1
report a_school "d1 held"
sc a_school sync --timeout-ms 30000 >"$T/held_a.out" 2>&1 &
APID=$!
report b_school "d2 free"
t0=$(date +%s%N)
check "district 2's push goes through while district 1's lock is held" sc b_school sync --timeout-ms 8000
t1=$(date +%s%N)
echo "       district 2's sync took $(((t1 - t0) / 1000000)) ms"
check "... before the holder let go" kill -0 "$HOLD"
check "... and its row is stored" eq "$(sql "select count(*) from dist_b.hazard where title = 'd2 free'")" 1
# district 1's push is waiting on the lock, not done
for _ in $(seq 50); do
  [[ $(sql "select count(*) from pg_locks where locktype = 'advisory' and not granted and classid = 1396921177") == 1 ]] && break
  sleep 0.1
done
check "district 1's push waits on its own district's lock" \
  eq "$(sql "select count(*) from pg_locks where locktype = 'advisory' and not granted and classid = 1396921177 and objid = 'dist_a'::regnamespace::oid")" 1
check "... its row not yet stored" eq "$(sql "select count(*) from dist_a.hazard where title = 'd1 held'")" 0
wait "$HOLD"
wait "$APID"
check "district 1's push completes once the lock is released" eq "$?" 0
check "... and its row is stored" eq "$(sql "select count(*) from dist_a.hazard where title = 'd1 held'")" 1
for s in dist_a dist_b; do
  feed "$s" >"$T/$s.seq"
  n=$(wc -l <"$T/$s.seq")
  check "$s: still gap-free after the held push ($n rows)" eq "$(seq 1 "$n" | tr '\n' ' ')" "$(tr '\n' ' ' <"$T/$s.seq")"
done

kill -TERM "$SERVER2_PID"; wait "$SERVER2_PID"; SERVER2_PID=
e2e_done
