#!/usr/bin/env bash
# Benchmark: how long the dashboards take for a generated district.
#
#   tests/bench/dashboard.sh [SCHOOLS:START:END:ASOF ...]
#
# Default cases: the generated district (12 schools, one term) and 200
# schools over one year. For each case it makes a database, applies the
# migrations (safecampusd --migrate-only), fills it (tests/data's scgen
# --copy when built, else the SQL generator below), runs VACUUM ANALYZE, and
# then measures
#   sql       the statements server/dashboard.c runs for the bureau's district
#             dashboard, in one REPEATABLE READ READ ONLY transaction (psql,
#             median of 5 after one warm-up)
#   school    the same for one school's dashboard (its trends, anonymised rank)
#   e2e       a DashboardRequest from a bureau certificate through a running
#             safecampusd over TLS, to the last byte of the Dashboard (scprobe,
#             median of 5 once every pooled connection has served one), with
#             the size of the frame
#   first     the first such request after start: its database connection
#             has not run the dashboard functions before (caches, plans)
#   1dirty    a request right after one school's rows changed (a drill
#             edited; median of 3): with 022, that school's rows alone recomputed
# psql opens a fresh session per run, so the sql columns include that first-
# use cost every time; e2e is the number that matters.
# Needs PostgreSQL: the cluster tests/run.sh starts (PGHOST, PGPORT, PGUSER),
# or it starts its own (tests/lib/pg.sh). SC_BIN_DIR: build directory
# (default ./build). SC_BENCH_KEEP=1 keeps the databases.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${SC_BIN_DIR:-$ROOT/build}
for b in safecampusd scprobe; do
  if [[ ! -x "$BIN/$b" && ! -x "$BIN/tests/$b" ]]; then
    echo "dashboard.sh: $b not found in $BIN (build first, or set SC_BIN_DIR)" >&2
    exit 1
  fi
done
SCPROBE=$BIN/tests/scprobe
[[ -x $SCPROBE ]] || SCPROBE=$BIN/scprobe
SCGEN=
for g in "$BIN/scgen" "$BIN/tests/data/scgen"; do [[ -x $g ]] && SCGEN=$g && break; done

TMP=$(mktemp -d /tmp/sc-bench-dash.XXXXXX)
OWN_PG=
SERVER_PID=
DBS=()
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [[ ${SC_BENCH_KEEP:-0} != 1 ]]; then
    for d in "${DBS[@]}"; do psql -qX -d postgres -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null 2>&1; done
  fi
  if [[ -n $OWN_PG ]]; then pg_stop "$OWN_PG"; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
if [[ -z ${PGHOST:-} ]]; then
  # shellcheck source=tests/lib/pg.sh
  source tests/lib/pg.sh
  OWN_PG=$TMP/pg
  pg_start "$OWN_PG" >/dev/null
fi

cases=("$@")
if ((${#cases[@]} == 0)); then
  cases=("12:2026-09-01:2027-01-15:2027-01-15" "200:2026-01-01:2026-12-31:2026-12-31")
fi

# ---------------------------------------------------------------- SQL generator
# A district like the one DOMAIN.md describes, per school: 12-36 classes
# (one opened mid-term), ~71 staff with letters, "1530" sessions held ~90 %
# of the time, a drill most months, gate duty, 0-7 buses with two trips a
# school day (a mismatch now and then), 30 pieces of equipment, ~40 hazards a
# year with their events, 3 known risks, and the bureau's notices with every
# school's answers. Deterministic (setseed).
gen_sql() {
  local n=$1 start=$2 end=$3
  psql -qX -v ON_ERROR_STOP=1 -v n="$n" -v s="$start" -v e="$end" -d "$4" <<'SQL'
SELECT setseed(0.42);
-- calendar: the terms that cross the period (spring and autumn 2026)
INSERT INTO calendar (id, school, campus, hlc, seq, written_by, term_name, term_start_date, term_end_date, holidays, makeup_days)
VALUES (gen_random_uuid(), '', 'office', 1, nextval('sync_seq'), 'office', 'Spring 2026', '2026-02-23', '2026-07-10',
        '2026-04-04..2026-04-06;2026-05-01..2026-05-05;2026-06-19', '2026-04-26;2026-05-09'),
       (gen_random_uuid(), '', 'office', 1, nextval('sync_seq'), 'office', 'Autumn 2026', '2026-09-01', '2027-01-15',
        '2026-10-01..2026-10-08;2027-01-01', '2026-09-27;2026-10-10');
CREATE TEMP TABLE sch AS
  SELECT i, format('s%s', lpad(i::text, 3, '0')) AS school, 12 + (random() * 24)::int AS classes,
         CASE WHEN random() < 0.2 THEN 0 ELSE 1 + (random() * 6)::int END AS buses
  FROM generate_series(1, :n) i;
CREATE TEMP TABLE days AS SELECT day, week, weekly, weekend, holiday FROM sc_calendar(:'s', :'e');
INSERT INTO school_profile (id, school, campus, hlc, seq, written_by, name, staff_count, class_count, student_count, bus_count)
SELECT gen_random_uuid(), school, 'main', 1, nextval('sync_seq'), 'main', 'School ' || i, 71, classes, classes * 40, buses FROM sch;
INSERT INTO client_health (school, campus, last_contact, outbox_pending, oldest_pending, last_sync)
SELECT school, c, now() - random() * interval '3 days', (random() * 20)::int, now() - interval '1 day', now() - interval '1 hour'
FROM sch, unnest(ARRAY['main', 'east']) c WHERE c = 'main' OR i % 3 = 0;
-- classes: the last one of each school opens in the middle of the period
CREATE TEMP TABLE cls AS
  SELECT sch.school, gen_random_uuid() AS id, k, CASE WHEN k = sch.classes THEN :'s'::date + ((:'e'::date - :'s'::date) / 2) END AS opened
  FROM sch, generate_series(1, sch.classes) k;
INSERT INTO school_class (id, school, campus, hlc, seq, written_by, grade, name, opened_date)
SELECT id, school, 'main', 1, nextval('sync_seq'), 'main', 1 + (k - 1) % 6, k::text, opened FROM cls;
INSERT INTO education (id, school, campus, hlc, seq, written_by, school_class_id, session_date, slot, topic, minutes)
SELECT gen_random_uuid(), c.school, 'main', 1, nextval('sync_seq'), 'main', c.id, d.day, v.slot, 'fire', v.minutes
FROM cls c JOIN days d ON c.opened IS NULL OR d.day >= c.opened,
     LATERAL (VALUES ('daily_1', 1, true, 0.92), ('weekly_10', 10, extract(isodow FROM d.day) = 1, 0.9),
                     ('weekend_5', 5, d.weekend, 0.85), ('holiday_30', 30, d.holiday, 0.8)) v(slot, minutes, due, p)
WHERE v.due AND random() < v.p;
INSERT INTO gate_duty (id, school, campus, hlc, seq, written_by, duty_date, shift, leader, teacher, guard)
SELECT gen_random_uuid(), sch.school, 'main', 1, nextval('sync_seq'), 'main', d.day, sh, 'L',
       CASE WHEN random() < 0.93 THEN 'T' ELSE '' END, 'G'
FROM sch, days d, unnest(ARRAY['morning', 'afternoon']) sh WHERE random() < 0.97;
CREATE TEMP TABLE buses AS
  SELECT sch.school, gen_random_uuid() AS id, b FROM sch, generate_series(1, sch.buses) b;
INSERT INTO bus (id, school, campus, hlc, seq, written_by, plate, seats, next_inspection_date)
SELECT id, school, 'main', 1, nextval('sync_seq'), 'main', 'P' || b, 40, :'e'::date + (random() * 200 - 30)::int FROM buses;
INSERT INTO bus_trip (id, school, campus, hlc, seq, written_by, bus_id, trip_date, direction, boarded, alighted, checked_by)
SELECT gen_random_uuid(), b.school, 'main', 1, nextval('sync_seq'), 'main', b.id, d.day, dir, 40,
       CASE WHEN random() < 0.002 THEN 39 ELSE 40 END, 'A'
FROM buses b, days d, unnest(ARRAY['to_school', 'from_school']) dir;
INSERT INTO staff (id, school, campus, hlc, seq, written_by, name, staff_role, joined_date, left_date, inactive)
SELECT gen_random_uuid(), school, 'main', 1, nextval('sync_seq'), 'main', school || '-staff-' || k, 'subject_teacher',
       CASE WHEN k > 68 THEN :'s'::date + 100 END, CASE WHEN k = 71 THEN :'s'::date + 150 END, k = 71
FROM sch, generate_series(1, 71) k;
INSERT INTO letter (id, school, campus, hlc, seq, written_by, year, level, signer, signer_staff_id, counter_signer, signed_date)
SELECT gen_random_uuid(), s.school, 'main', 1, nextval('sync_seq'), 'main', y, 'department_teacher', s.name, s.id, 'head',
       make_date(y, 1, 10)
FROM staff s, generate_series(extract(year FROM :'s'::date)::int, extract(year FROM :'e'::date)::int) y
WHERE random() < 0.9;
INSERT INTO drill (id, school, campus, hlc, seq, written_by, drill_date, theme, scenario, plan_ref, feedback)
SELECT gen_random_uuid(), sch.school, 'main', 1, nextval('sync_seq'), 'main', m.d, 'theme', 'fire',
       CASE WHEN random() < 0.9 THEN 'plan' ELSE '' END, CASE WHEN random() < 0.85 THEN 'ok' ELSE '' END
FROM sch, (SELECT min(day) + 7 AS d FROM days GROUP BY date_trunc('month', day)) m WHERE random() < 0.9;
CREATE TEMP TABLE eqp AS
  SELECT sch.school, gen_random_uuid() AS id, k, (ARRAY[30, 90, 365])[1 + k % 3] AS iv FROM sch, generate_series(1, 30) k;
INSERT INTO equipment (id, school, campus, hlc, seq, written_by, item, type, location, interval_days, last_check_date)
SELECT id, school, 'main', 1, nextval('sync_seq'), 'main', 'item ' || k, 'extinguisher', 'here', iv,
       :'s'::date - (random() * iv)::int FROM eqp;
INSERT INTO equipment_check (id, school, campus, hlc, seq, written_by, equipment_id, check_date, result, checker)
SELECT gen_random_uuid(), e.school, 'main', 1, nextval('sync_seq'), 'main', e.id, d, 'ok', 'c'
FROM eqp e, generate_series(:'s'::date, :'e'::date, make_interval(days => e.iv)) d WHERE random() < 0.85;
INSERT INTO risk (id, school, campus, hlc, seq, written_by, title, planned_date, status)
SELECT gen_random_uuid(), school, 'main', 1, nextval('sync_seq'), 'main', 'risk ' || k, :'s'::date + (random() * 400)::int,
       (ARRAY['open', 'mitigated', 'removed'])[1 + k % 3]
FROM sch, generate_series(1, 3) k;
-- hazards: ~40 a year; most go through assign/rectify/verify/close
CREATE TEMP TABLE hz AS
  SELECT sch.school, gen_random_uuid() AS id, :'s'::date + (random() * (:'e'::date - :'s'::date))::int AS found,
         random() AS r
  FROM sch, generate_series(1, greatest(1, ((:'e'::date - :'s'::date) * 40 / 365))) k;
INSERT INTO hazard (id, school, campus, hlc, seq, written_by, title, area, severity, found_date)
SELECT id, school, 'main', 1, nextval('sync_seq'), 'main', 'hazard', 'fire', 'medium', found FROM hz;
INSERT INTO hazard_event (id, school, campus, hlc, seq, written_by, hazard_id, action, actor, actor_role, deadline_date, note, at_ms)
SELECT gen_random_uuid(), hz.school, 'main', 1, nextval('sync_seq'), 'main', hz.id, a.action, 'x', 'principal',
       CASE WHEN a.action = 'assign' THEN hz.found + 14 END, 'n',
       (extract(epoch FROM (hz.found + a.after)::timestamp) * 1000)::bigint + 43200000
FROM hz, LATERAL (VALUES (1, 'assign', 1, 0.0), (2, 'rectify', 10, 0.15), (3, 'verify', 12 + (hz.r * 20)::int, 0.25),
                         (4, 'close', 20 + (hz.r * 20)::int, 0.3)) a(o, action, after, skip)
WHERE hz.r >= a.skip AND hz.found + a.after <= :'e'::date
ORDER BY hz.id, a.o;
-- notices: two a month for every school, answered mostly on time
CREATE TEMP TABLE nt AS
  SELECT gen_random_uuid() AS id, d::date AS issued, k
  FROM generate_series(:'s'::date, :'e'::date, interval '15 days') d, generate_series(1, 1) k;
INSERT INTO notice (id, school, campus, hlc, seq, written_by, title, issue_date, due_date, targets)
SELECT id, '', 'office', 1, nextval('sync_seq'), 'office', 'notice ' || issued, issued, issued + 14, '' FROM nt;
INSERT INTO notice_status (school, notice_id, acked_hlc, ack_at, reported_hlc, reported_at, report_date, late)
SELECT sch.school, nt.id, 1, nt.issued + 1, CASE WHEN r < 0.85 THEN 1 ELSE 0 END, nt.issued + 10,
       CASE WHEN r < 0.85 THEN nt.issued + CASE WHEN r < 0.1 THEN 20 ELSE 10 END END, r < 0.1
FROM sch, nt, LATERAL (SELECT random() AS r) x WHERE random() < 0.95;
SQL
}

# The statements server/dashboard.c sends for one dashboard (focus: the
# school whose trends are wanted, '' for the district).
dash_sql() {
  local start=$1 end=$2 asof=$3 focus=$4
  cat <<SQL
SELECT sc_dash_refresh(p.period_start, p.period_end, p.as_of) FROM sc_period('$start', '$end', '$asof') p;
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT set_config('work_mem', '64MB', true);
SELECT * FROM sc_period('$start', '$end', '$asof');
SELECT key, label, unit, higher_is_better, target, weight FROM dashboard_indicator ORDER BY position, key;
SELECT school, name FROM sc_schools() ORDER BY school;
SELECT w.win FROM sc_period('$start', '$end', '$asof') p, sc_windows(p.period_start, p.period_end, p.as_of) w WHERE w.month IS NOT NULL ORDER BY w.month;
SELECT v.* FROM sc_period('$start', '$end', '$asof') p, sc_dashboard_values(p.period_start, p.period_end, p.as_of, ARRAY['$focus']) v ORDER BY v.school, v.win, v.key;
SELECT a.* FROM sc_period('$start', '$end', '$asof') p, sc_alerts_cached(p.period_start, p.period_end, p.as_of) a;
SELECT m.* FROM sc_period('$start', '$end', '$asof') p, sc_missing_cached(p.period_start, p.period_end, p.as_of, ARRAY['$focus']) m;
SELECT h.* FROM sc_period('$start', '$end', '$asof') p, sc_hazard_ageing_cached(p.period_start, p.period_end, p.as_of) h;
SELECT school, campus FROM client_health ORDER BY school, campus;
COMMIT;
SQL
}

ms_now() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

time_sql() { # db start end asof focus -> median ms of 5 runs after a warm-up
  local db=$1 f=$TMP/q.sql t0 t1 i
  dash_sql "$2" "$3" "$4" "$5" >"$f"
  psql -qX -v ON_ERROR_STOP=1 -d "$db" -f "$f" >/dev/null
  for i in 1 2 3 4 5; do
    t0=$(ms_now); psql -qX -v ON_ERROR_STOP=1 -d "$db" -f "$f" >/dev/null; t1=$(ms_now)
    echo $((t1 - t0))
  done | median
}

pki_ready=0
time_e2e() { # db start end asof -> "median_ms bytes"
  local db=$1 port i out
  if ((pki_ready == 0)); then
    deploy/pki.sh "$TMP/pki" d1 localhost >/dev/null
    deploy/pki.sh issue "$TMP/pki" bureau office >/dev/null
    pki_ready=1
  fi
  port=$((20000 + RANDOM % 12000))
  "$BIN/safecampusd" --listen "127.0.0.1:$port" --cert "$TMP/pki/server.crt" --key "$TMP/pki/server.key" \
    --ca "$TMP/pki/ca.crt" --district d1 --log-level warn \
    --database "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db" >>"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do ss -Htln | awk '{print $4}' | grep -q ":$port\$" && break; sleep 0.1; done
  # the first requests meet connections of the pool (db_pool = 4) that have
  # not run the dashboard functions yet: reported apart ("first")
  for i in $(seq 0 8); do
    out=$(PROBE_QUIET=1 PROBE_START=$2 PROBE_END=$3 PROBE_ASOF=$4 "$SCPROBE" 127.0.0.1 "$port" \
      "$TMP/pki/bureau-office.crt" "$TMP/pki/bureau-office.key" "$TMP/pki/ca.crt" dashboard)
    ((i == 0)) && echo "$out" | grep -E '^dashboard scope' | sed 's/^/    /' >&2
    echo "$out" | sed -n 's/.* ms=\([0-9]*\) bytes=\([0-9]*\).*/\1 \2/p'
  done >"$TMP/e2e.txt"
  # one school's rows change (a drill edited), then the next request: with
  # the per-school cache (020) it recomputes that school only
  for i in 1 2 3; do
    psql -qX -d "$db" -c "UPDATE drill SET theme = theme WHERE ctid = (SELECT ctid FROM drill
      WHERE school = (SELECT min(school) FROM sc_schools()) LIMIT 1)" >/dev/null
    PROBE_QUIET=1 PROBE_START=$2 PROBE_END=$3 PROBE_ASOF=$4 "$SCPROBE" 127.0.0.1 "$port" \
      "$TMP/pki/bureau-office.crt" "$TMP/pki/bureau-office.key" "$TMP/pki/ca.crt" dashboard |
      sed -n 's/.* ms=\([0-9]*\) bytes=.*/\1/p'
  done >"$TMP/dirty.txt"
  echo "$(tail -n 5 "$TMP/e2e.txt" | cut -d' ' -f1 | median) $(head -n 1 "$TMP/e2e.txt" | cut -d' ' -f1)" \
    "$(tail -n 1 "$TMP/e2e.txt" | cut -d' ' -f2) $(median <"$TMP/dirty.txt")"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

printf '%-8s %-23s %-6s %9s %9s %8s %9s %8s %9s %8s %9s\n' schools period source sessions bus_trips "sql ms" "school ms" "e2e ms" "first ms" bytes "1dirty ms"
ncase=0
for c in "${cases[@]}"; do
  IFS=: read -r n start end asof <<<"$c"
  ncase=$((ncase + 1))
  db="bench_dash_${ncase}_${n}_$$"
  DBS+=("$db")
  psql -qX -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
  psql -qX -d postgres -c "ALTER DATABASE \"$db\" SET timezone = 'Asia/Shanghai'" >/dev/null
  "$BIN/safecampusd" --migrate-only --cert /dev/null --key /dev/null --ca /dev/null --district d1 \
    --log-level warn --database "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db"
  t0=$(ms_now)
  if [[ -n $SCGEN ]]; then
    src=scgen
    "$SCGEN" --schools "$n" --term-start "$start" --term-end "$end" --today "$asof" --copy "$TMP/copy-$n" >/dev/null
    (cd "$TMP/copy-$n" && ./load.sh -d "$db")
  else
    src=sql
    gen_sql "$n" "$start" "$end" "$db"
  fi
  psql -qX -d "$db" -c "SET client_min_messages = error" -c "VACUUM ANALYZE" >/dev/null
  gen_ms=$(($(ms_now) - t0))
  edu=$(psql -qAtX -d "$db" -c "SELECT count(*) FROM education")
  trips=$(psql -qAtX -d "$db" -c "SELECT count(*) FROM bus_trip")
  first=$(psql -qAtX -d "$db" -c "SELECT min(school) FROM sc_schools()")
  sql_ms=$(time_sql "$db" "$start" "$end" "$asof" "")
  school_ms=$(time_sql "$db" "$start" "$end" "$asof" "$first")
  read -r e2e_ms first_ms bytes dirty_ms < <(time_e2e "$db" "$start" "$end" "$asof")
  printf '%-8s %-23s %-6s %9s %9s %8s %9s %8s %9s %8s %9s\n' "$n" "$start..$end" "$src" "$edu" "$trips" \
    "$sql_ms" "$school_ms" "$e2e_ms" "$first_ms" "$bytes" "$dirty_ms"
  echo "    (generated and analysed in ${gen_ms} ms; load average $(cut -d' ' -f1-3 /proc/loadavg))"
done
