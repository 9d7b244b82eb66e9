-- The per-school cache (020, 021) refreshed in proportion to what changed
-- (issue 8: with one school changed the bureau's next dashboard for 200
-- schools and a year cost ~1.5 s, because the refresh recomputed that
-- school's values and then the lists of every school, and the composites,
-- ranks and district means from all 56,000 cached indicator rows).
--
-- * The lists are kept per school: sc_alerts_of, sc_missing_of, sc_flags_of
--   and sc_hazard_ageing_of take the schools to compute; sc_alerts,
--   sc_missing, sc_flags and sc_hazard_ageing are those for every school,
--   so the live and the cached rows come from one definition. Each returns
--   its rows in one total order (a tie broken by record and title), so the
--   cached message is the live one byte for byte.
-- * dash_cache_comp: each school's composite per window, from its own
--   cached rows. Ranks and the district's score are computed from these
--   ~2,800 rows when read.
-- * dash_cache_sum: per window and indicator, the district's counts and
--   sums over the schools (numeric: exact, so taking a school's old rows
--   out and its new rows in gives the sums a recomputation gives). The
--   district's means are read from these ~300 rows. The live path
--   (sc_dash_all) computes its means with the same numeric sums.
-- * dash_cache_out (020) goes: it held every school's rank, rewritten
--   whenever any school changed.
-- * sc_dash_refresh is written once here (020 and 021 each had a copy):
--   for the stale schools only it takes the old rows out of the sums,
--   deletes them from every per-school table and inserts the new ones; a
--   school gone from sc_schools() is taken out the same way. A change of
--   the district's own rows, configuration or flag thresholds recomputes
--   every school, as before.

-- Meetings feed two flags (copied minutes, a burst of records: 014) but
-- had no stamp trigger (020 listed the tables of the indicators): a
-- meeting written left the cached flags fresh.
CREATE TRIGGER meeting_stamp_ins AFTER INSERT ON meeting REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger();
CREATE TRIGGER meeting_stamp_upd AFTER UPDATE ON meeting REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger();
CREATE TRIGGER meeting_stamp_del AFTER DELETE ON meeting REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger();

-- 020's sc_dash_v filters with "p_schools IS NULL OR school = ANY (...)":
-- after five calls in a session PL/pgSQL may keep a generic plan, which
-- reads every school's inspections and hazards (one school: 60 ms instead
-- of 34 ms in the server's pooled connections). Planned for the schools
-- given, every time.
ALTER FUNCTION sc_dash_v(date, date, date, text[]) SET plan_cache_mode = force_custom_plan;

-- ---------------------------------------------------------------- lists per school
-- Their rows are now replaced per school: found by school.
DROP INDEX dash_cache_alert_key, dash_cache_missing_key, dash_cache_flag_key, dash_cache_ageing_key;
CREATE INDEX dash_cache_alert_school ON dash_cache_alert (ps, pe, pt, school);
CREATE INDEX dash_cache_missing_school ON dash_cache_missing (ps, pe, pt, school);
CREATE INDEX dash_cache_flag_school ON dash_cache_flag (ps, pe, pt, school);
CREATE INDEX dash_cache_ageing_school ON dash_cache_ageing (ps, pe, pt, school);

-- PL/pgSQL with custom plans: the planner sees the schools asked for (one
-- school: index scans by school; the district: sequential scans), where a
-- SQL function's generic plan would guess.

-- sc_alerts (004) for the schools p_schools.
CREATE FUNCTION sc_alerts_of(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, kind text, record_id text, title text, since date, severity text)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  RETURN QUERY
  WITH sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s WHERE (p_schools IS NULL OR s.school = ANY (p_schools))),
  asof AS (SELECT least(p_end, p_today) AS d),
  a AS (
    SELECT h.school, 'hazard_overdue' AS kind, h.id::text AS record_id, h.title,
           h.deadline + 1 AS since, coalesce(nullif(h.severity, ''), 'medium') AS severity
    FROM asof CROSS JOIN LATERAL sc_hazard_asof(asof.d) h JOIN sch ON sch.school = h.school
    WHERE (p_schools IS NULL OR h.school = ANY (p_schools)) AND h.state NOT IN ('verified', 'closed') AND h.deadline < asof.d
    UNION ALL
    SELECT m.school, 'month_without_drill', NULL, 'no drill with a plan and feedback in ' || m.month,
           m.due + 1, 'medium'
    FROM sc_missing_drills(p_start, p_end, p_today) m WHERE (p_schools IS NULL OR m.school = ANY (p_schools))
    UNION ALL
    SELECT ms.school, 'notice_missing', ms.record_id, ms.what, ms.due_date + 1, 'medium'
    FROM sc_missing_notices(p_start, p_end, p_today) ms WHERE (p_schools IS NULL OR ms.school = ANY (p_schools))
    UNION ALL
    SELECT t.school, 'bus_mismatch', t.id::text,
           format('bus trip %s %s: %s boarded, %s alighted', t.trip_date, t.direction, t.boarded, t.alighted),
           t.trip_date, 'critical'
    FROM bus_trip t JOIN sch ON sch.school = t.school, asof
    WHERE (p_schools IS NULL OR t.school = ANY (p_schools)) AND t.mismatch AND NOT t.deleted AND t.trip_date BETWEEN p_start AND asof.d
    UNION ALL
    SELECT e.school, 'equipment_overdue', e.id::text,
           format('%s (%s) check due %s', e.item, e.location, o.from_d - 1), o.from_d - 1,
           CASE WHEN e.type IN ('gas_alarm', 'gas_valve') THEN 'high' ELSE 'medium' END
    FROM dash_equipment o JOIN equipment e ON e.school = o.school AND e.id = o.equipment_id
    JOIN sch ON sch.school = o.school, asof
    WHERE (p_schools IS NULL OR o.school = ANY (p_schools)) AND NOT e.deleted AND o.from_d <= asof.d
      AND (o.to_d IS NULL OR o.to_d > asof.d)
    UNION ALL
    SELECT r.school, 'risk_overdue', r.id::text, format('%s (planned %s)', r.title, r.planned_date),
           r.planned_date, 'medium'
    FROM risk r JOIN sch ON sch.school = r.school, asof
    WHERE (p_schools IS NULL OR r.school = ANY (p_schools)) AND NOT r.deleted AND r.status <> 'removed' AND r.planned_date < asof.d),
  numbered AS (
    SELECT a.*, row_number() OVER (PARTITION BY a.school, a.kind ORDER BY a.since DESC, a.record_id, a.title) AS n
    FROM a)
  SELECT n.school, n.kind, coalesce(n.record_id, ''), n.title, n.since, n.severity
  FROM numbered n WHERE n.n <= 20
  ORDER BY n.school, n.kind, n.since DESC, 3, n.title;
END
$$;

CREATE OR REPLACE FUNCTION sc_alerts(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, kind text, record_id text, title text, since date, severity text)
LANGUAGE sql STABLE AS $$
  SELECT * FROM sc_alerts_of(p_start, p_end, p_today, NULL)
$$;

-- sc_missing (013) for the schools p_schools, without the per-class "1530"
-- lines (sc_missing_classes).
CREATE FUNCTION sc_missing_of(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, what text, due_date date, record_id text, kind text)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  RETURN QUERY
  WITH asof AS (SELECT least(p_end, p_today) AS d),
  sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s WHERE (p_schools IS NULL OR s.school = ANY (p_schools))),
  ldue AS (SELECT sc_letters_due(extract(year FROM asof.d)::int) AS due, extract(year FROM asof.d)::int AS year
           FROM asof),
  m AS (
    SELECT n.school, n.what, n.due_date, n.record_id, 'notice_report' AS kind
    FROM sc_missing_notices(p_start, p_end, p_today) n WHERE (p_schools IS NULL OR n.school = ANY (p_schools))
    UNION ALL
    SELECT d.school, 'drill for ' || d.month, d.due, '', 'drill'
    FROM sc_missing_drills(p_start, p_end, p_today) d WHERE (p_schools IS NULL OR d.school = ANY (p_schools))
    UNION ALL
    SELECT s.school, format('responsibility letter %s: %s', ldue.year, s.name), ldue.due, s.id::text, 'letter'
    FROM staff s JOIN sch ON sch.school = s.school CROSS JOIN asof CROSS JOIN ldue
    WHERE (p_schools IS NULL OR s.school = ANY (p_schools)) AND NOT s.deleted AND NOT (s.inactive AND s.left_date IS NULL)
      AND coalesce(s.joined_date, '-infinity') <= asof.d AND (s.left_date IS NULL OR s.left_date > asof.d)
      AND ldue.due < asof.d AND ldue.due >= p_start
      AND NOT EXISTS (SELECT 1 FROM dash_letter l WHERE l.school = s.school AND l.staff_id = s.id
                        AND l.year = ldue.year AND l.since <= asof.d)
    UNION ALL
    SELECT e.school, format('equipment check: %s (%s)', e.item, e.location), o.from_d - 1, e.id::text,
           'equipment_check'
    FROM dash_equipment o JOIN equipment e ON e.school = o.school AND e.id = o.equipment_id
    JOIN sch ON sch.school = o.school CROSS JOIN asof
    WHERE (p_schools IS NULL OR o.school = ANY (p_schools)) AND NOT e.deleted AND o.from_d <= asof.d
      AND (o.to_d IS NULL OR o.to_d > asof.d)
    UNION ALL
    SELECT b.school, format('bus inspection: %s', b.plate), b.next_inspection_date, b.id::text, 'bus_inspection'
    FROM bus b JOIN sch ON sch.school = b.school CROSS JOIN asof
    WHERE (p_schools IS NULL OR b.school = ANY (p_schools)) AND NOT b.deleted AND NOT b.inactive AND b.next_inspection_date < asof.d)
  SELECT m.school, m.what, m.due_date, m.record_id, m.kind FROM m ORDER BY 1, 3, 2, 4, 5;
END
$$;

-- 013's per-class "1530" lines of the schools in p_focus ('' ignored),
-- one school at a time: sc_education_by_class planned for its school (a
-- lateral call over the focus list, planned for any school, read every
-- class's sessions of the district: ~0.5 s).
CREATE FUNCTION sc_missing_classes(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, what text, due_date date, record_id text, kind text)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
DECLARE
  f text;
  last_day date;
BEGIN
  SELECT max(k.day) INTO last_day FROM sc_calendar(p_start, p_end) k
  WHERE k.day < least(p_end, p_today) AND k.day <= p_end;
  FOR f IN SELECT DISTINCT x.f FROM unnest(p_focus) x(f) JOIN sc_schools() s ON s.school = x.f ORDER BY 1 LOOP
    RETURN QUERY
    SELECT f, format('"1530" sessions, class %s: %s of %s not held', c.class_name, c.due - c.held, c.due),
           last_day, c.class_id::text, 'education_1530'::text
    FROM (SELECT b.class_id, b.class_name, sum(b.held) AS held, sum(b.due) AS due
          FROM sc_education_by_class(p_start, p_end, p_today, f) b GROUP BY 1, 2) c
    WHERE c.due > c.held;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION sc_missing(p_start date, p_end date, p_today date, p_focus text[] DEFAULT '{}')
RETURNS TABLE (school text, what text, due_date date, record_id text, kind text)
LANGUAGE sql STABLE AS $$
  SELECT x.* FROM (
    SELECT * FROM sc_missing_of(p_start, p_end, p_today, NULL)
    UNION ALL
    SELECT * FROM sc_missing_classes(p_start, p_end, p_today, p_focus)) x
  ORDER BY 1, 3, 2, 4, 5
$$;

-- sc_flags (014) for the schools p_schools.
CREATE FUNCTION sc_flags_of(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, kind text, title text, day date, record_ids text[])
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  RETURN QUERY
  WITH asof AS (SELECT least(p_end, p_today) AS d),
  sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s WHERE (p_schools IS NULL OR s.school = ANY (p_schools))),
  cfg AS (SELECT sc_flag_setting('flag_burst_min', 20) AS burst_min,
                 sc_flag_setting('flag_burst_backdated_days', 7) AS backdated,
                 sc_flag_setting('flag_burst_deadline_days', 3) AS deadline,
                 sc_flag_setting('flag_copy_min', 3) AS copy_min,
                 sc_flag_setting('flag_minutes_min_chars', 20) AS min_chars),
  dated AS (
    SELECT 'education' AS kind, e.school, e.id, e.session_date AS d, e.received_at::date AS r
    FROM education e WHERE (p_schools IS NULL OR e.school = ANY (p_schools)) AND NOT e.deleted
    UNION ALL SELECT 'drill', x.school, x.id, x.drill_date, x.received_at::date FROM drill x
      WHERE (p_schools IS NULL OR x.school = ANY (p_schools)) AND NOT x.deleted
    UNION ALL SELECT 'gate_duty', x.school, x.id, x.duty_date, x.received_at::date FROM gate_duty x
      WHERE (p_schools IS NULL OR x.school = ANY (p_schools)) AND NOT x.deleted
    UNION ALL SELECT 'equipment_check', x.school, x.id, x.check_date, x.received_at::date
      FROM equipment_check x WHERE (p_schools IS NULL OR x.school = ANY (p_schools)) AND NOT x.deleted
    UNION ALL SELECT 'inspection', x.school, x.id, x.inspection_date, x.received_at::date
      FROM inspection x WHERE (p_schools IS NULL OR x.school = ANY (p_schools)) AND NOT x.deleted
    UNION ALL SELECT 'meeting', x.school, x.id, x.meeting_date, x.received_at::date FROM meeting x
      WHERE (p_schools IS NULL OR x.school = ANY (p_schools)) AND NOT x.deleted),
  burst AS (
    SELECT t.school, t.kind, t.r, count(*) AS n, min(t.d) AS lo, max(t.d) AS hi,
           (array_agg(t.id::text ORDER BY t.d, t.id))[1:50] AS ids
    FROM dated t CROSS JOIN asof CROSS JOIN cfg
    WHERE t.d BETWEEN p_start AND asof.d AND t.r BETWEEN p_start AND asof.d
      AND t.d <= t.r - cfg.backdated
      AND t.r >= (date_trunc('month', t.r) + interval '1 month - 1 day')::date - cfg.deadline
    GROUP BY 1, 2, 3),
  minutes AS (
    SELECT m.school, regexp_replace(m.minutes, '\s', '', 'g') AS body,
           array_agg(m.id::text ORDER BY m.meeting_date, m.id) AS ids, count(*) AS n, max(m.meeting_date) AS d
    FROM meeting m CROSS JOIN asof CROSS JOIN cfg
    WHERE (p_schools IS NULL OR m.school = ANY (p_schools)) AND NOT m.deleted AND m.meeting_date BETWEEN p_start AND asof.d
      AND length(regexp_replace(m.minutes, '\s', '', 'g')) >= cfg.min_chars
    GROUP BY 1, 2 HAVING count(*) >= 2),
  evac AS (
    SELECT x.school, x.evacuation_seconds AS secs,
           array_agg(x.id::text ORDER BY x.drill_date, x.id) AS ids, count(*) AS n, max(x.drill_date) AS d
    FROM drill x CROSS JOIN asof
    WHERE (p_schools IS NULL OR x.school = ANY (p_schools)) AND NOT x.deleted AND x.evacuation_seconds > 0
      AND x.drill_date BETWEEN p_start AND asof.d
    GROUP BY 1, 2),
  terms AS (SELECT t.ts, t.te FROM sc_terms(p_start, p_end) t),
  hol AS MATERIALIZED (
    SELECT g.day::date AS day
    FROM asof, generate_series(p_start, asof.d, interval '1 day') g(day)
    WHERE extract(isodow FROM g.day) < 6
      AND EXISTS (SELECT 1 FROM terms t WHERE g.day BETWEEN t.ts AND t.te)
      AND NOT EXISTS (SELECT 1 FROM sc_calendar(p_start, p_end) c WHERE c.day = g.day)),
  hs AS (
    SELECT e.school, e.session_date AS d, array_agg(e.id::text ORDER BY e.id) AS ids, count(*) AS n
    FROM education e JOIN hol ON hol.day = e.session_date
    WHERE (p_schools IS NULL OR e.school = ANY (p_schools)) AND NOT e.deleted
    GROUP BY 1, 2),
  f AS (
    SELECT b.school, 'burst' AS kind,
           format('%s %s records entered on %s for dates %s to %s', b.n, b.kind, b.r, b.lo, b.hi) AS title,
           b.r AS day, b.ids
    FROM burst b CROSS JOIN cfg WHERE b.n >= cfg.burst_min
    UNION ALL
    SELECT m.school, 'copied_minutes', format('the same minutes in %s meetings', m.n), m.d, m.ids FROM minutes m
    UNION ALL
    SELECT e.school, 'copied_evacuation', format('evacuation in %s seconds in %s drills', e.secs, e.n), e.d, e.ids
    FROM evac e CROSS JOIN cfg WHERE e.n >= cfg.copy_min
    UNION ALL
    SELECT h.school, 'holiday_session', format('%s "1530" sessions on the holiday %s', h.n, h.d), h.d, h.ids FROM hs h
    UNION ALL
    SELECT x.school, 'feedback_before_drill',
           format('drill of %s: feedback received %s', x.drill_date, x.received_at::date), x.drill_date,
           ARRAY[x.id::text]
    FROM drill x CROSS JOIN asof
    WHERE (p_schools IS NULL OR x.school = ANY (p_schools)) AND NOT x.deleted AND x.feedback <> ''
      AND x.drill_date BETWEEN p_start AND asof.d AND x.received_at::date < x.drill_date)
  SELECT f.school, f.kind, f.title, f.day, f.ids FROM f JOIN sch ON sch.school = f.school
  ORDER BY 1, 4, 2, 3, 5;
END
$$;

CREATE OR REPLACE FUNCTION sc_flags(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, kind text, title text, day date, record_ids text[])
LANGUAGE sql STABLE AS $$
  SELECT * FROM sc_flags_of(p_start, p_end, p_today, NULL)
$$;

-- sc_hazard_ageing (004) for the schools p_schools, without the district's
-- rows (school ''): those are the sums of every school's.
CREATE FUNCTION sc_hazard_ageing_of(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, bucket integer, label text, open bigint, overdue bigint)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  RETURN QUERY
  WITH d AS (SELECT least(p_end, p_today) AS d),
  sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s WHERE (p_schools IS NULL OR s.school = ANY (p_schools))),
  b(bucket, label, lo, hi) AS (VALUES (1, '0-7 days', 0, 7), (2, '8-30 days', 8, 30),
                                      (3, '31-90 days', 31, 90), (4, 'over 90 days', 91, NULL)),
  h AS MATERIALIZED (
    SELECT a.school, d.d - a.found AS age, coalesce(a.deadline < d.d, false) AS overdue
    FROM d CROSS JOIN LATERAL sc_hazard_asof(d.d) a JOIN sch ON sch.school = a.school
    WHERE (p_schools IS NULL OR a.school = ANY (p_schools)) AND a.state NOT IN ('verified', 'closed'))
  SELECT sch.school, b.bucket, b.label, count(h.age), count(h.age) FILTER (WHERE h.overdue)
  FROM sch CROSS JOIN b
  LEFT JOIN h ON h.school = sch.school AND h.age >= b.lo AND (b.hi IS NULL OR h.age <= b.hi)
  GROUP BY 1, 2, 3
  ORDER BY 1, 2;
END
$$;

CREATE OR REPLACE FUNCTION sc_hazard_ageing(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, bucket integer, label text, open bigint, overdue bigint)
LANGUAGE sql STABLE AS $$
  WITH per AS MATERIALIZED (
    SELECT * FROM sc_hazard_ageing_of(p_start, p_end, p_today, NULL))
  SELECT * FROM per
  UNION ALL
  SELECT '', per.bucket, per.label, sum(per.open)::bigint, sum(per.overdue)::bigint FROM per GROUP BY 2, 3
  ORDER BY 1, 2
$$;

-- ---------------------------------------------------------------- composites and district means
-- The formulas, shared by the live path (sc_dash_all) and the cache's
-- readers so that both give the same numbers. Sums are numeric: exact, so
-- the order the rows come in, and taking a school out and in again, never
-- change a digit.

-- A school's composite: Σ weight × score ÷ Σ weight, to 0.1.
CREATE FUNCTION sc_dash_composite(p_ws numeric, p_w numeric) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
  SELECT round(p_ws / nullif(p_w, 0), 1)::float8
$$;

-- A mean of n values summing to s, to p_digits places; NULL for none.
CREATE FUNCTION sc_dash_mean(p_s numeric, p_n bigint, p_digits integer) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
  SELECT round(p_s / nullif(p_n, 0), p_digits)::float8
$$;

CREATE TABLE dash_cache_comp (
  ps date NOT NULL, pe date NOT NULL, pt date NOT NULL,
  school text NOT NULL, win text NOT NULL,
  score double precision,             -- the composite, NULL if nothing scored
  n bigint NOT NULL,                  -- indicators scored
  PRIMARY KEY (ps, pe, pt, school, win)
);

-- Per window and indicator, over the schools: how many rows (n), and the
-- count and sum of the values, scores, numerators and denominators that
-- are not NULL.
CREATE TABLE dash_cache_sum (
  ps date NOT NULL, pe date NOT NULL, pt date NOT NULL,
  win text NOT NULL, key text NOT NULL,
  n bigint NOT NULL,
  n_value bigint NOT NULL, s_value numeric NOT NULL,
  n_score bigint NOT NULL, s_score numeric NOT NULL,
  n_num bigint NOT NULL, s_num numeric NOT NULL,
  n_den bigint NOT NULL, s_den numeric NOT NULL,
  PRIMARY KEY (ps, pe, pt, win, key)
);


-- The district's sums of these scored rows, per period, window, indicator.
CREATE FUNCTION sc_dash_sums(p_rows dash_cache_v[]) RETURNS SETOF dash_cache_sum
LANGUAGE sql IMMUTABLE AS $$
  SELECT r.ps, r.pe, r.pt, r.win, r.key, count(*),
         count(r.value), coalesce(sum(r.value::numeric), 0), count(r.score), coalesce(sum(r.score::numeric), 0),
         count(r.num), coalesce(sum(r.num::numeric), 0), count(r.den), coalesce(sum(r.den::numeric), 0)
  FROM unnest(p_rows) r GROUP BY r.ps, r.pe, r.pt, r.win, r.key
$$;

-- Each school's composite per window from its scored rows: over the
-- indicators with a weight and a score (scored, or "no records").
CREATE FUNCTION sc_dash_comps(p_rows dash_cache_v[]) RETURNS SETOF dash_cache_comp
LANGUAGE sql IMMUTABLE AS $$
  SELECT r.ps, r.pe, r.pt, r.school, r.win,
         sc_dash_composite(sum((r.weight * r.score)::numeric) FILTER (WHERE r.score IS NOT NULL AND r.weight > 0),
                           sum(r.weight::numeric) FILTER (WHERE r.score IS NOT NULL AND r.weight > 0)),
         count(*) FILTER (WHERE r.score IS NOT NULL AND r.weight > 0)
  FROM unnest(p_rows) r GROUP BY r.ps, r.pe, r.pt, r.school, r.win
$$;

-- The 'score' rows of the schools: composite, rank (1 = best, ties share
-- it, nothing scored comes last) of how many, per window; every school's
-- period and previous month, every window of the schools in p_focus.
CREATE FUNCTION sc_dash_ranked(p_comp dash_cache_comp[], p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT r.school, r.win, 'score', r.score, r.score, r.rnk, r.of_n, format('%s indicators scored', r.n)
  FROM (SELECT c.school, c.win, c.score, c.n,
               rank() OVER (PARTITION BY c.win ORDER BY c.score DESC NULLS LAST) AS rnk,
               count(*) OVER (PARTITION BY c.win) AS of_n
        FROM unnest(p_comp) c) r
  WHERE r.win IN ('period', 'previous') OR r.school = ANY (p_focus)
$$;

-- The district's rows (school ''): per indicator the mean of the schools'
-- values and scores where they have one, per window the mean composite;
-- the period and previous month, every window if '' is in p_focus.
CREATE FUNCTION sc_dash_district(p_sums dash_cache_sum[], p_comp dash_cache_comp[], p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT x.* FROM (
    SELECT ''::text AS school, s.win, s.key, sc_dash_mean(s.s_value, s.n_value, 2) AS value,
           sc_dash_mean(s.s_score, s.n_score, 2) AS score,
           CASE WHEN s.n_num > 0 THEN s.s_num::float8 END AS num, CASE WHEN s.n_den > 0 THEN s.s_den::float8 END AS den,
           format('%s of %s schools', s.n_value, s.n) AS detail
    FROM unnest(p_sums) s WHERE s.n > 0
    UNION ALL
    SELECT '', c.win, 'score', sc_dash_mean(sum(c.score::numeric), count(c.score), 1),
           sc_dash_mean(sum(c.score::numeric), count(c.score), 1), 0, count(*), format('%s schools', count(*))
    FROM unnest(p_comp) c GROUP BY c.win) x
  WHERE x.win IN ('period', 'previous') OR '' = ANY (p_focus)
$$;

-- 010's sc_dashboard_values over sc_dash_rows (020), live, with the
-- functions above.
CREATE OR REPLACE FUNCTION sc_dash_all(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE sql STABLE AS $$
  WITH v AS MATERIALIZED (SELECT * FROM sc_dash_rows(p_start, p_end, p_today)),
  r AS MATERIALIZED (
    SELECT array_agg(ROW(p_start, p_end, p_today, v.school, v.win, v.key, v.value, v.score, v.num, v.den,
                         v.detail, v.weight)::dash_cache_v) AS rows FROM v),
  comp AS MATERIALIZED (SELECT array_agg(c) AS comp FROM r, sc_dash_comps(r.rows) c),
  sums AS MATERIALIZED (SELECT array_agg(s) AS sums FROM r, sc_dash_sums(r.rows) s)
  SELECT v.school, v.win, v.key, v.value, v.score, v.num, v.den, v.detail FROM v
  WHERE v.win IN ('period', 'previous') OR v.school = ANY (p_focus)
  UNION ALL
  SELECT x.* FROM comp, sc_dash_ranked(comp.comp, p_focus) x
  UNION ALL
  SELECT x.* FROM comp, sums, sc_dash_district(sums.sums, comp.comp, p_focus) x
$$;

-- ---------------------------------------------------------------- freshness and the refresh

-- Whether the cache of this period holds exactly the district's schools,
-- each at its current stamp, and the district's configuration at its own
-- (and the flag thresholds), in the caller's snapshot. A school that left
-- sc_schools() (a profile deleted, a roster row made inactive) makes it
-- stale too: its rows are in the sums.
CREATE OR REPLACE FUNCTION sc_dash_fresh(p_start date, p_end date, p_today date) RETURNS boolean
LANGUAGE sql STABLE AS $$
  WITH s AS MATERIALIZED (SELECT s.school FROM sc_schools() s UNION ALL SELECT ''),
  k AS MATERIALIZED (
    SELECT k.school, k.v, k.flag_config FROM dash_cache_key k WHERE (k.ps, k.pe, k.pt) = (p_start, p_end, p_today))
  SELECT NOT EXISTS (
    SELECT 1 FROM s FULL JOIN k ON k.school = s.school
    LEFT JOIN dash_stamp st ON st.school = s.school
    WHERE s.school IS NULL OR k.v IS DISTINCT FROM coalesce(st.v, 0)
       OR (s.school = '' AND k.flag_config IS DISTINCT FROM sc_flag_config()))
$$;

-- Brings the cache of one period up to date; returns how many schools it
-- recomputed (0: it was fresh), -1 if another connection is refreshing (the
-- caller then computes live what is stale), -2 if it could not write (a
-- read-only replica, a conflict): never an error, so the dashboard goes on.
-- Stamps are read before the rows they vouch for, so a write committed
-- meanwhile makes the cache look stale, never fresh. Only the stale schools'
-- rows are recomputed, unless the district's own rows, configuration or
-- flag thresholds moved (then all).
CREATE OR REPLACE FUNCTION sc_dash_refresh(p_start date, p_end date, p_today date) RETURNS integer
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
  -- every table of the cache holding rows per (period, school)
  per_school constant text[] := ARRAY['dash_cache_v', 'dash_cache_comp', 'dash_cache_alert', 'dash_cache_missing',
                                      'dash_cache_flag', 'dash_cache_ageing', 'dash_cache_key'];
  all_stale boolean;
  stale text[];
  out text[];
  st_school text[];     -- every school and '', with its stamp (st_v)
  st_v bigint[];
  sel text[];           -- the schools computed: stale, NULL for all
  old_rows dash_cache_v[];
  new_rows dash_cache_v[];
  t text;
BEGIN
  IF p_start IS NULL OR p_end IS NULL OR p_today IS NULL THEN
    RETURN 0;
  END IF;
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    PERFORM sc_dash_touch(p_start, p_end, p_today);
    RETURN 0;
  END IF;
  IF NOT pg_try_advisory_xact_lock(hashtext('sc_dash_refresh')) THEN
    RETURN -1;
  END IF;
  -- the stamps, read first (in arrays: a temporary table, created and
  -- dropped by every refresh, made each statement naming it be planned again)
  SELECT array_agg(s.school), array_agg(coalesce(st.v, 0)) INTO st_school, st_v
  FROM (SELECT s.school FROM sc_schools() s UNION ALL SELECT '') s
  LEFT JOIN dash_stamp st ON st.school = s.school;
  -- the district's configuration, own rows or flag thresholds moved: every school
  SELECT NOT EXISTS (SELECT 1 FROM unnest(st_school, st_v) t(school, v) JOIN dash_cache_key k
                     ON (k.ps, k.pe, k.pt, k.school) = (p_start, p_end, p_today, '')
                     WHERE t.school = '' AND k.v = t.v AND k.flag_config = sc_flag_config())
  INTO all_stale;
  SELECT coalesce(array_agg(t.school), '{}') INTO stale
  FROM unnest(st_school, st_v) t(school, v)
  LEFT JOIN dash_cache_key k ON (k.ps, k.pe, k.pt, k.school) = (p_start, p_end, p_today, t.school)
  WHERE t.school <> '' AND (all_stale OR k.v IS DISTINCT FROM t.v);

  IF all_stale THEN
    FOREACH t IN ARRAY per_school || 'dash_cache_sum'::text LOOP
      EXECUTE format('DELETE FROM %I c WHERE (c.ps, c.pe, c.pt) = ($1, $2, $3)', t) USING p_start, p_end, p_today;
    END LOOP;
  ELSE
    -- out: the stale schools and those no longer in sc_schools()
    SELECT stale || coalesce(array_agg(k.school), '{}') INTO out FROM dash_cache_key k
    WHERE (k.ps, k.pe, k.pt) = (p_start, p_end, p_today) AND k.school <> ''
      AND NOT EXISTS (SELECT 1 FROM unnest(st_school, st_v) t(school, v) WHERE t.school = k.school);
    -- their old rows out of the district's sums
    SELECT array_agg(c) INTO old_rows FROM dash_cache_v c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.school = ANY (out);
    UPDATE dash_cache_sum s
    SET n = s.n - o.n, n_value = s.n_value - o.n_value, s_value = s.s_value - o.s_value,
        n_score = s.n_score - o.n_score, s_score = s.s_score - o.s_score,
        n_num = s.n_num - o.n_num, s_num = s.s_num - o.s_num, n_den = s.n_den - o.n_den, s_den = s.s_den - o.s_den
    FROM sc_dash_sums(old_rows) o
    WHERE (s.ps, s.pe, s.pt, s.win, s.key) = (o.ps, o.pe, o.pt, o.win, o.key);
    FOREACH t IN ARRAY per_school LOOP
      EXECUTE format('DELETE FROM %I c WHERE (c.ps, c.pe, c.pt) = ($1, $2, $3) AND c.school = ANY ($4)', t)
      USING p_start, p_end, p_today, out;
    END LOOP;
    DELETE FROM dash_cache_key c WHERE (c.ps, c.pe, c.pt, c.school) = (p_start, p_end, p_today, '');
  END IF;

  -- the stale schools' rows, new (the district at once when all are
  -- stale: one pass over each table, no test of every row against 200
  -- names; custom plans see which)
  sel := CASE WHEN all_stale THEN NULL ELSE stale END;
  INSERT INTO dash_cache_v
  SELECT p_start, p_end, p_today, v.* FROM sc_dash_v(p_start, p_end, p_today, sel) v;
  SELECT array_agg(c) INTO new_rows FROM dash_cache_v c
  WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND (sel IS NULL OR c.school = ANY (sel));
  INSERT INTO dash_cache_sum AS s SELECT * FROM sc_dash_sums(new_rows)
  ON CONFLICT (ps, pe, pt, win, key) DO UPDATE
  SET n = s.n + excluded.n, n_value = s.n_value + excluded.n_value, s_value = s.s_value + excluded.s_value,
      n_score = s.n_score + excluded.n_score, s_score = s.s_score + excluded.s_score,
      n_num = s.n_num + excluded.n_num, s_num = s.s_num + excluded.s_num,
      n_den = s.n_den + excluded.n_den, s_den = s.s_den + excluded.s_den;
  INSERT INTO dash_cache_comp SELECT * FROM sc_dash_comps(new_rows);
  INSERT INTO dash_cache_alert SELECT p_start, p_end, p_today, a.* FROM sc_alerts_of(p_start, p_end, p_today, sel) a;
  INSERT INTO dash_cache_missing SELECT p_start, p_end, p_today, m.school, m.what, m.due_date, m.record_id, m.kind
  FROM sc_missing_of(p_start, p_end, p_today, sel) m;
  INSERT INTO dash_cache_flag SELECT p_start, p_end, p_today, f.* FROM sc_flags_of(p_start, p_end, p_today, sel) f;
  INSERT INTO dash_cache_ageing SELECT p_start, p_end, p_today, h.*
  FROM sc_hazard_ageing_of(p_start, p_end, p_today, sel) h;
  INSERT INTO dash_cache_key (ps, pe, pt, school, v, flag_config)
  SELECT p_start, p_end, p_today, t.school, t.v, CASE WHEN t.school = '' THEN sc_flag_config() END
  FROM unnest(st_school, st_v) t(school, v) WHERE t.school = '' OR t.school = ANY (stale);
  IF all_stale THEN
    ANALYZE dash_cache_v, dash_cache_key, dash_cache_comp, dash_cache_sum;
  END IF;

  -- periods nobody asked for in two days go (the as-of day moves daily)
  FOREACH t IN ARRAY per_school || 'dash_cache_sum'::text LOOP
    EXECUTE format('DELETE FROM %I c USING dash_cache_key k WHERE k.school = '''' '
                   'AND k.used_at < now() - interval ''2 days'' AND (c.ps, c.pe, c.pt) = (k.ps, k.pe, k.pt)', t);
  END LOOP;
  RETURN cardinality(stale);
EXCEPTION WHEN OTHERS THEN
  RETURN -2;
END
$$;

-- ---------------------------------------------------------------- readers
-- The cache when it is fresh in the reader's snapshot, else the live
-- functions: the same rows in the same order.

CREATE OR REPLACE FUNCTION sc_dashboard_values(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE plpgsql STABLE SET enable_nestloop = off AS $$
DECLARE
  comp dash_cache_comp[];
  sums dash_cache_sum[];
BEGIN
  IF NOT sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT * FROM sc_dash_all(p_start, p_end, p_today, p_focus);
    RETURN;
  END IF;
  SELECT array_agg(c) INTO comp FROM dash_cache_comp c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  SELECT array_agg(s) INTO sums FROM dash_cache_sum s WHERE (s.ps, s.pe, s.pt) = (p_start, p_end, p_today);
  RETURN QUERY
  SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail FROM dash_cache_v c
  WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.win IN ('period', 'previous')
  UNION ALL
  SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail FROM dash_cache_v c
  WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.school = ANY (p_focus)
    AND c.win NOT IN ('period', 'previous')
  UNION ALL
  SELECT * FROM sc_dash_ranked(comp, p_focus)
  UNION ALL
  SELECT * FROM sc_dash_district(sums, comp, p_focus);
END
$$;

CREATE OR REPLACE FUNCTION sc_alerts_cached(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, kind text, record_id text, title text, since date, severity text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT c.school, c.kind, c.record_id, c.title, c.since, c.severity FROM dash_cache_alert c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today)
    ORDER BY c.school, c.kind, c.since DESC, c.record_id, c.title;
  ELSE
    RETURN QUERY SELECT * FROM sc_alerts(p_start, p_end, p_today);
  END IF;
END
$$;

-- The per-class "1530" lines of the focus schools are always live (one
-- school's classes); the rest from the cache when fresh.
CREATE OR REPLACE FUNCTION sc_missing_cached(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, what text, due_date date, record_id text, kind text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT x.* FROM (
      SELECT c.school, c.what, c.due_date, c.record_id, c.kind FROM dash_cache_missing c
      WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today)
      UNION ALL
      SELECT * FROM sc_missing_classes(p_start, p_end, p_today, p_focus)) x
    ORDER BY 1, 3, 2, 4, 5;
  ELSE
    RETURN QUERY SELECT * FROM sc_missing(p_start, p_end, p_today, p_focus);
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION sc_hazard_ageing_cached(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, bucket integer, label text, open bigint, overdue bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY
    WITH per AS MATERIALIZED (
      SELECT c.school, c.bucket, c.label, c.open, c.overdue FROM dash_cache_ageing c
      WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today))
    SELECT * FROM per
    UNION ALL
    SELECT '', per.bucket, per.label, sum(per.open)::bigint, sum(per.overdue)::bigint FROM per GROUP BY 2, 3
    ORDER BY 1, 2;
  ELSE
    RETURN QUERY SELECT * FROM sc_hazard_ageing(p_start, p_end, p_today);
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION sc_flags_cached(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, kind text, title text, day date, record_ids text[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT c.school, c.kind, c.title, c.day, c.record_ids FROM dash_cache_flag c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) ORDER BY 1, 4, 2, 3, 5;
  ELSE
    RETURN QUERY SELECT * FROM sc_flags(p_start, p_end, p_today);
  END IF;
END
$$;

-- What 020 and 021 cached has no composites or sums: every period is
-- computed afresh on its next request.
DROP TABLE dash_cache_out;
DELETE FROM dash_cache_key;
DELETE FROM dash_cache_v;
DELETE FROM dash_cache_alert;
DELETE FROM dash_cache_missing;
DELETE FROM dash_cache_flag;
DELETE FROM dash_cache_ageing;
