#!/usr/bin/env bash
# What 025 costs the letter coverage (dash_letter): every school's staff
# rebuilt (sc_letter_rebuild_staff) with 025's definition, where a signed
# letter holds from its counter-signature (sc_letter_since), against 005's,
# where any letter holds from its signed_date. One district of N schools
# (default 200) of 71 staff each, a letter for ~90 % of them: the first
# half of the schools' letters signed (a signoff row each) and ~80 % of those
# counter-signed, the rest unsigned as scgen's. Both definitions run in one
# session, alternately, R rounds (default 7): the medians and their ratio.
#   SC_SOURCE_DIR=$PWD SC_BIN_DIR=$PWD/build bash tests/bench/letter_since.sh [N] [R]
# Needs PostgreSQL (PGHOST etc., as tests/lib/pg.sh exports).
set -euo pipefail
n=${1:-200}
rounds=${2:-7}
source "$SC_SOURCE_DIR/tests/lib/e2e.sh"
e2e_init bench_letter_since >/dev/null
server_start >/dev/null # applies the migrations
psql -qAtX -v ON_ERROR_STOP=1 -v n="$n" -v r="$rounds" -d "$E2E_DB" <<'SQL'
SELECT setseed(0.25);
SELECT set_config('bench.rounds', :'r', false) \g /dev/null
CREATE TEMP TABLE sch AS SELECT i, format('s%s', lpad(i::text, 3, '0')) AS school FROM generate_series(1, :n) i;
INSERT INTO staff (id, school, campus, hlc, seq, written_by, name, staff_role)
SELECT gen_random_uuid(), school, 'main', 1, nextval('sync_seq'), 'main', school || '-staff-' || k, 'subject_teacher'
FROM sch, generate_series(1, 71) k;
INSERT INTO letter (id, school, campus, hlc, seq, written_by, year, level, signer, signer_staff_id, counter_signer, signed_date)
SELECT gen_random_uuid(), s.school, 'main', 1, nextval('sync_seq'), 'main', 2026, 'department_teacher', s.name, s.id,
       'head', '2026-01-10'
FROM staff s WHERE random() < 0.9;
INSERT INTO signoff (school, id, kind, hlc, chain_id, pos, signer, signer_school, signed_ms, prev_hash, evidence, sig, hash)
SELECT l.school, l.id, 'letter', l.hlc, l.id, 1, 'x', l.school, 0, '', '{}', '\x00', '\x00'
FROM letter l JOIN sch ON sch.school = l.school WHERE sch.i <= :n / 2;
INSERT INTO letter_event (id, school, campus, hlc, seq, written_by, letter_id, action, level, actor, signed_date)
SELECT gen_random_uuid(), s.school, 'main', 1, nextval('sync_seq'), 'main', s.id, 'countersign', 'department_teacher',
       'head', '2026-01-12'
FROM signoff s WHERE random() < 0.8;
-- 005's definition, kept for the comparison
CREATE FUNCTION pg_temp.rebuild_005(p_school text[], p_staff uuid[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_letter d
  USING (SELECT DISTINCT * FROM unnest(p_school, p_staff) AS k(school, id)) k
  WHERE d.school = k.school AND d.staff_id = k.id;
  INSERT INTO dash_letter (school, staff_id, year, since)
  SELECT x.school, x.id, x.year, min(x.signed_date)
  FROM (SELECT DISTINCT s.school, s.id, s.name
        FROM unnest(p_school, p_staff) AS k(school, id)
        JOIN staff s ON s.school = k.school AND s.id = k.id
        WHERE NOT s.deleted) s,
       LATERAL (SELECT s.school, s.id, l.year, l.signed_date FROM letter l
                WHERE l.school = s.school AND l.signer_staff_id = s.id AND NOT l.deleted
                UNION ALL
                SELECT s.school, s.id, l.year, l.signed_date FROM letter l
                WHERE l.school = s.school AND l.signer = s.name AND l.signer_staff_id IS NULL AND NOT l.deleted
                UNION ALL
                SELECT s.school, s.id, l.year, l.signed_date FROM letter l
                WHERE l.school = s.school AND l.counter_signer = s.name AND NOT l.deleted) x
  WHERE x.year BETWEEN 1900 AND 2999 AND x.signed_date IS NOT NULL
  GROUP BY 1, 2, 3;
$$;
ANALYZE;
CREATE TEMP TABLE t (def text, ms float8);
DO $$
DECLARE
  t0 timestamptz;
  sc text[];
  st uuid[];
BEGIN
  SELECT array_agg(school), array_agg(id) INTO sc, st FROM staff;
  FOR r IN 1..current_setting('bench.rounds')::int LOOP
    t0 := clock_timestamp();
    PERFORM pg_temp.rebuild_005(sc, st);
    INSERT INTO t VALUES ('005', extract(epoch FROM clock_timestamp() - t0) * 1000);
    t0 := clock_timestamp();
    PERFORM sc_letter_rebuild_staff(sc, st);
    INSERT INTO t VALUES ('now', extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
END
$$;
SELECT format('schools %s, staff %s, letters %s (signed %s, counter-signed %s), rounds %s',
              :n, (SELECT count(*) FROM staff), (SELECT count(*) FROM letter),
              (SELECT count(*) FROM signoff), (SELECT count(*) FROM letter_event), :r);
SELECT format('holders: now %s', (SELECT count(*) FROM dash_letter));
SELECT pg_temp.rebuild_005(array_agg(school), array_agg(id)) FROM staff \g /dev/null
SELECT format('holders: 005 %s', (SELECT count(*) FROM dash_letter));
SELECT format('%s median %s ms (min %s, max %s)', def,
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
              round(min(ms)::numeric, 1), round(max(ms)::numeric, 1))
FROM t GROUP BY def ORDER BY def;
SELECT format('ratio now/005: %s', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE def = 'now')
              / percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE def = '005'))::numeric, 2)) FROM t;
SQL
