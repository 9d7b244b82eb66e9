-- Numbers the bureau can act on (issue 10). 004 is shipped and stays as it
-- was; this replaces the definitions that were unfair or disagreed:
--
--   * a school gains nothing by not recording: an indicator built from
--     records the school has none of scores 0 with its weight kept ("no
--     records"), instead of dropping out of the composite or scoring as met
--     (sc_dashboard_values below; docs/internals/dashboards.md, "Score");
--   * every open hazard has a clock from the day it was found: without a
--     deadline from an assign or reopen it is due found + the district's days
--     for its severity (dashboard_hazard_clock, sc_hazard_due);
--   * without a bureau calendar the dashboards use a default one (two terms a
--     year, summer and winter breaks, the fixed national holidays) instead of
--     every weekday of the year (sc_terms), so July and August are not school
--     months and raise no "month without a drill";
--   * every window of the trend runs from the period's start to its month's
--     end, so the last point of every line is the headline (sc_indicator_values).
--
-- Nothing here is on the push path: no trigger and no function a trigger
-- calls changes (tests/integration/test_push_plans.c).

-- ---------------------------------------------------------------- hazard clock

-- Days from the found date within which a hazard of each severity must be
-- verified when nobody gave it a deadline. The district edits the rows; the
-- defaults are the ones the client shows offline (common/indicators.c,
-- INDICATORS_HAZARD_DAYS_*: test_dashboard checks they agree).
CREATE TABLE dashboard_hazard_clock (
  severity  text PRIMARY KEY,   -- a Severity name; '' = not given
  days      integer NOT NULL CHECK (days >= 0)
);
INSERT INTO dashboard_hazard_clock (severity, days) VALUES
  ('critical', 3), ('high', 7), ('medium', 15), ('low', 30), ('', 15);

-- The days of the clock for each hazard: its severity's row, else medium's
-- (a severity the table does not list), else 15. A join, not a function
-- called per hazard: a scalar SQL function with subqueries is not inlined
-- and cost 0.5 s per dashboard on 60,000 hazard intervals.
CREATE FUNCTION sc_hazard_clock()
RETURNS TABLE (severity text, days integer)
LANGUAGE sql STABLE AS $$
  SELECT s.severity, coalesce(c.days, m.days, 15)
  FROM (SELECT unnest(ARRAY['', 'low', 'medium', 'high', 'critical']) AS severity
        UNION SELECT c.severity FROM dashboard_hazard_clock c) s
  LEFT JOIN dashboard_hazard_clock c ON c.severity = s.severity
  LEFT JOIN dashboard_hazard_clock m ON m.severity = 'medium'
$$;

-- The day an open hazard falls due: its deadline if an assign or reopen gave
-- one, else found + the clock's days for its severity (sc_hazard_clock).
CREATE FUNCTION sc_hazard_due(p_found date, p_deadline date, p_days integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(p_deadline, p_found + p_days)
$$;

-- Every hazard as of day p_as_of (found by then, not deleted); deadline is
-- the day it falls due (sc_hazard_due), so alerts and ageing use the clock.
CREATE OR REPLACE FUNCTION sc_hazard_asof(p_as_of date)
RETURNS TABLE (school text, id uuid, title text, severity text, found date, state text,
               deadline date, verified_d date)
LANGUAGE sql STABLE AS $$
  SELECT h.school, h.id, h.title, h.severity, i.found, i.state,
         sc_hazard_due(i.found, i.deadline, coalesce(k.days, 15)), i.verified_d
  FROM dash_hazard i
  JOIN hazard h ON h.school = i.school AND h.id = i.hazard_id
  LEFT JOIN sc_hazard_clock() k ON k.severity = h.severity
  WHERE i.d <= p_as_of AND (i.next_d IS NULL OR i.next_d > p_as_of)
$$;

-- ---------------------------------------------------------------- calendar

-- The terms the dashboards count: the bureau's live calendar rows, or, when
-- it has none at all, a default for every school year touching
-- [p_start, p_end]: autumn 09-01..01-20 of the next year (holidays the
-- National Day week 10-01..10-07 and New Year's Day), spring 02-20..07-10
-- (Labour Day 05-01..05-05). Only the fixed holidays: the lunar ones move
-- every year, and the bureau's calendar says them.
CREATE FUNCTION sc_terms(p_start date, p_end date)
RETURNS TABLE (term_name text, ts date, te date, holidays text, makeup_days text)
LANGUAGE sql STABLE AS $$
  SELECT c.term_name, c.term_start_date, c.term_end_date, c.holidays, c.makeup_days
  FROM calendar c
  WHERE c.school = '' AND NOT c.deleted AND c.term_start_date IS NOT NULL
    AND c.term_end_date >= c.term_start_date
  UNION ALL
  SELECT t.name, t.ts, t.te, t.hol, ''
  FROM generate_series(extract(year FROM p_start)::int - 1, extract(year FROM p_end)::int) y,
    LATERAL (VALUES
      (format('Autumn %s (default calendar)', y), make_date(y, 9, 1), make_date(y + 1, 1, 20),
       format('%s..%s;%s', make_date(y, 10, 1), make_date(y, 10, 7), make_date(y + 1, 1, 1))),
      (format('Spring %s (default calendar)', y), make_date(y, 2, 20), make_date(y, 7, 10),
       format('%s..%s', make_date(y, 5, 1), make_date(y, 5, 5)))) t(name, ts, te, hol)
  WHERE NOT EXISTS (SELECT 1 FROM calendar c WHERE c.school = '' AND NOT c.deleted
                    AND c.term_start_date IS NOT NULL AND c.term_end_date >= c.term_start_date)
$$;

-- The period a request without dates means: the term containing the as-of
-- day (else the latest term begun before it), from sc_terms.
CREATE OR REPLACE FUNCTION sc_period(p_start date, p_end date, p_today date)
RETURNS TABLE (period_start date, period_end date, as_of date, label text)
LANGUAGE sql STABLE AS $$
  SELECT coalesce(p_start, t.ts, date_trunc('year', x.d)::date),
         coalesce(p_end, t.te, x.d),
         x.d,
         CASE WHEN p_start IS NULL THEN coalesce(t.term_name, to_char(x.d, 'YYYY') || ' to date') ELSE '' END
  FROM (SELECT coalesce(p_today, current_date) AS d) x
  LEFT JOIN LATERAL (
    SELECT c.term_name, c.ts, c.te FROM sc_terms(x.d - 400, x.d) c
    WHERE c.ts <= x.d
    ORDER BY (c.te >= x.d) DESC, c.ts DESC LIMIT 1) t
    ON p_start IS NULL
$$;

-- School days and "1530" occasions as 004 defines them, over sc_terms: with
-- no bureau calendar the default terms, so summer and winter are no school
-- days (004 took every weekday of the year).
CREATE OR REPLACE FUNCTION sc_calendar(p_start date, p_end date)
RETURNS TABLE (day date, week date, daily boolean, weekly boolean, weekend boolean, holiday boolean)
LANGUAGE sql STABLE AS $$
  WITH cal AS MATERIALIZED (SELECT * FROM sc_terms(p_start, p_end)),
  hol AS (
    SELECT DISTINCT g::date AS d
    FROM cal, unnest(string_to_array(cal.holidays, ';')) AS x(item),
         LATERAL (SELECT btrim(x.item) AS it) t,
         generate_series(split_part(t.it, '..', 1)::date,
                         coalesce(nullif(split_part(t.it, '..', 2), ''), split_part(t.it, '..', 1))::date,
                         interval '1 day') g
    WHERE t.it <> ''),
  mk AS (
    SELECT DISTINCT btrim(y)::date AS d
    FROM cal, unnest(string_to_array(cal.makeup_days, ';')) AS y
    WHERE btrim(y) <> ''),
  days AS (
    SELECT g::date AS d, min(cal.ts) AS term
    FROM cal, generate_series(cal.ts, cal.te, interval '1 day') g
    WHERE cal.ts <= p_end AND cal.te >= p_start
      AND ((extract(isodow FROM g) < 6 AND g::date NOT IN (SELECT d FROM hol))
           OR g::date IN (SELECT d FROM mk))
    GROUP BY 1),
  seq AS (
    SELECT d, term, date_trunc('week', d)::date AS wk,
           lead(d) OVER (PARTITION BY term ORDER BY d) AS next_d,
           lead(d) OVER (PARTITION BY term, date_trunc('week', d) ORDER BY d) AS next_in_week
    FROM days),
  flags AS (
    SELECT s.d, s.wk, s.next_in_week IS NULL AS wk_last,
           (s.next_d IS NULL OR EXISTS (
             SELECT 1 FROM hol WHERE hol.d > s.d AND hol.d < s.next_d)) AS hol_due
    FROM seq s)
  SELECT f.d, f.wk, true, f.wk_last, f.wk_last AND NOT f.hol_due, f.hol_due
  FROM flags f
  WHERE f.d BETWEEN p_start AND p_end
$$;

-- ---------------------------------------------------------------- indicators

-- 004's definitions, with every window running from the period's start
-- (flows summed over the months up to the window's, hazards verified and
-- notices counted from p_start) and hazards overdue by sc_hazard_due.
CREATE OR REPLACE FUNCTION sc_indicator_values(p_start date, p_end date, p_today date, p_school text DEFAULT NULL)
RETURNS TABLE (school text, win text, key text, num double precision, den double precision,
               value double precision, detail text)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan SET jit = off SET enable_mergejoin = off SET enable_sort = on
AS $$
#variable_conflict use_column
BEGIN
  -- ---- flows, counted per month and summed into 'period' and 'previous'.
  -- The planner takes every CTE for a row or two and groups by sorting; hash
  -- aggregation is measured faster here (not in the stocks below).
  PERFORM set_config('enable_sort', 'off', true);
  RETURN QUERY
  WITH sch AS MATERIALIZED (
    SELECT s.school FROM sc_schools() s WHERE p_school IS NULL OR s.school = p_school),
  w AS MATERIALIZED (SELECT * FROM sc_windows(p_start, p_end, p_today)),
  mw AS MATERIALIZED (SELECT * FROM w WHERE w.month IS NOT NULL),
  -- the whole period: a month's last school day may lie after p_today
  cal AS MATERIALIZED (SELECT c.*, to_char(c.day, 'YYYY-MM') AS win FROM sc_calendar(p_start, p_end) c),
  -- school days per month window: how many have passed, the last one
  mdays AS MATERIALIZED (
    SELECT mw.win, mw.ws, mw.we, count(*) FILTER (WHERE c.day < p_today) AS passed,
           max(c.day) AS last_day
    FROM mw JOIN cal c ON c.day BETWEEN mw.ws AND mw.we
    GROUP BY mw.win, mw.ws, mw.we),
  -- "1530": due occasions (class open on the due day) ...
  dd AS MATERIALIZED (
    SELECT c.day, c.win, v.slot, CASE WHEN v.slot = 'daily_1' THEN c.day ELSE c.week END AS bucket
    FROM cal c,
      LATERAL (VALUES ('daily_1', c.daily), ('weekly_10', c.weekly),
                      ('weekend_5', c.weekend), ('holiday_30', c.holiday)) v(slot, due)
    WHERE v.due),
  cls AS MATERIALIZED (
    SELECT k.school, k.id, k.opened_date, k.closed_date
    FROM school_class k JOIN sch ON sch.school = k.school WHERE NOT k.deleted),
  -- classes alike in their dates are counted once; the occasions of each
  -- distinct (opened, closed) once for the whole district
  clsg AS MATERIALIZED (
    SELECT k.school, coalesce(k.opened_date, '-infinity') AS o, coalesce(k.closed_date, 'infinity') AS c,
           count(*) AS n
    FROM cls k GROUP BY 1, 2, 3),
  rng AS (
    SELECT r.o, r.c, dd.slot, dd.win, count(*) AS n
    FROM (SELECT DISTINCT clsg.o, clsg.c FROM clsg) r
    JOIN dd ON dd.day BETWEEN r.o AND r.c
    WHERE dd.day < p_today
    GROUP BY 1, 2, 3, 4),
  due AS MATERIALIZED (
    SELECT g.school, r.slot, r.win, sum(g.n * r.n) AS n
    FROM clsg g JOIN rng r ON r.o = g.o AND r.c = g.c
    GROUP BY 1, 2, 3),
  -- ... and the occasions held: daily on the day, weekly and weekend in the
  -- same ISO week (dash_education), holiday the first occasion on or within 6
  -- days after the session (so one session never answers two breaks)
  held_dw AS MATERIALIZED (
    SELECT a.school, dd.slot, dd.win, sum(a.classes) AS n,
           coalesce(sum(a.classes) FILTER (WHERE dd.day >= p_today), 0) AS early
    -- (a.bucket + 0: a hash join; the planner underestimates dd and loops)
    FROM dash_education a JOIN dd ON dd.slot = a.slot AND dd.bucket = a.bucket + 0
    JOIN sch ON sch.school = a.school
    WHERE a.bucket BETWEEN p_start - 6 AND p_end AND dd.slot <> 'holiday_30'
    GROUP BY 1, 2, 3),
  -- holiday: a session answers the first occasion on or within 6 days
  -- after it, so occasion D takes the sessions of (previous occasion, D]
  -- that are at most 6 days before D
  hd AS MATERIALIZED (
    SELECT x.day, x.win, greatest(x.day - 6, coalesce(x.prev + 1, x.day - 6)) AS lo
    FROM (SELECT dd.day, dd.win, lag(dd.day) OVER (ORDER BY dd.day) AS prev
          FROM dd WHERE dd.slot = 'holiday_30') x),
  held_h AS MATERIALIZED (
    SELECT h.school, 'holiday_30'::text AS slot, h.win, count(*) AS n,
           count(*) FILTER (WHERE h.day >= p_today) AS early
    FROM (SELECT DISTINCT e.school, e.school_class_id AS cid, hd.day, hd.win
          FROM hd JOIN education e ON e.slot = 'holiday_30' AND NOT e.deleted
                                  AND e.session_date BETWEEN hd.lo AND hd.day
          WHERE e.session_date <= least(p_end, p_today)
            AND (p_school IS NULL OR e.school = p_school)) h
    JOIN cls k ON k.school = h.school AND k.id = h.cid
    WHERE (k.opened_date IS NULL OR k.opened_date <= h.day)
      AND (k.closed_date IS NULL OR k.closed_date >= h.day)
    GROUP BY 1, 2, 3),
  held AS (
    SELECT * FROM held_dw UNION ALL SELECT * FROM held_h),
  edu AS (
    SELECT sch.school, mw.win, sl.slot,
           coalesce(h.n, 0)::float8 AS num,
           (coalesce(d.n, 0) + coalesce(h.early, 0))::float8 AS den
    FROM sch CROSS JOIN mw
    CROSS JOIN (VALUES ('daily_1'), ('weekly_10'), ('weekend_5'), ('holiday_30')) sl(slot)
    LEFT JOIN due d ON d.school = sch.school AND d.win = mw.win AND d.slot = sl.slot
    LEFT JOIN held h ON h.school = sch.school AND h.win = mw.win AND h.slot = sl.slot),
  edu_rows AS (
    SELECT e.school, e.win,
           CASE e.slot WHEN 'daily_1' THEN 'education_daily' WHEN 'weekly_10' THEN 'education_weekly'
                       WHEN 'weekend_5' THEN 'education_weekend' ELSE 'education_holiday' END AS key,
           e.num, e.den
    FROM edu e
    UNION ALL
    SELECT e.school, e.win, 'education_1530', sum(e.num), sum(e.den) FROM edu e GROUP BY 1, 2),
  -- drills: a month counts once its last school day has passed, or at once
  -- when it already has a drill with a plan and feedback
  dr AS (
    SELECT d.school, to_char(d.drill_date, 'YYYY-MM') AS win,
           bool_or((d.plan_id IS NOT NULL OR d.plan_ref <> '') AND d.feedback <> '') AS good
    FROM drill d
    WHERE NOT d.deleted AND d.drill_date BETWEEN p_start AND least(p_end, p_today)
      AND (p_school IS NULL OR d.school = p_school)
    GROUP BY 1, 2),
  dr_rows AS (
    SELECT sch.school, m.win, 'drills' AS key,
           (coalesce(dr.good, false))::int::float8 AS num,
           (m.last_day < p_today OR coalesce(dr.good, false))::int::float8 AS den
    FROM sch CROSS JOIN mdays m
    LEFT JOIN dr ON dr.school = sch.school AND dr.win = m.win),
  -- gate duty: school days with a staffed morning and a staffed afternoon
  gd_m AS MATERIALIZED (
    SELECT g.school, c.win, count(*) AS n,
           count(*) FILTER (WHERE g.day >= p_today) AS early
    FROM dash_gate g JOIN cal c ON c.day = g.day + 0 JOIN sch ON sch.school = g.school
    WHERE g.day BETWEEN p_start AND least(p_end, p_today)
    GROUP BY 1, 2),
  gd_rows AS (
    SELECT sch.school, m.win, 'gate_duty' AS key, coalesce(g.n, 0)::float8 AS num,
           (m.passed + coalesce(g.early, 0))::float8 AS den
    FROM sch CROSS JOIN mdays m
    LEFT JOIN gd_m g ON g.school = sch.school AND g.win = m.win),
  -- bus trips with a mismatch (den: 1 when the school has buses, or had a
  -- mismatch: applicable)
  buses AS (
    SELECT b.school FROM bus b WHERE NOT b.deleted AND NOT b.inactive
      AND (p_school IS NULL OR b.school = p_school) GROUP BY 1),
  mm AS (
    SELECT t.school, to_char(t.trip_date, 'YYYY-MM') AS win, count(*) AS n
    FROM bus_trip t
    WHERE t.mismatch AND NOT t.deleted AND t.trip_date BETWEEN p_start AND least(p_end, p_today)
      AND (p_school IS NULL OR t.school = p_school)
    GROUP BY 1, 2),
  mm_rows AS (
    SELECT sch.school, mw.win, 'bus_mismatch' AS key, coalesce(mm.n, 0)::float8 AS num,
           CASE WHEN b.school IS NOT NULL OR mm.n > 0 THEN 1 ELSE 0 END::float8 AS den
    FROM sch CROSS JOIN mw
    LEFT JOIN buses b ON b.school = sch.school
    LEFT JOIN mm ON mm.school = sch.school AND mm.win = mw.win),
  flows AS (
    SELECT * FROM edu_rows UNION ALL SELECT * FROM dr_rows
    UNION ALL SELECT * FROM gd_rows UNION ALL SELECT * FROM mm_rows),
  -- each month; the period (all months); 'previous' (those before the as-of month)
  -- each month window is the period from its start to that month's end
  -- (010: the trend's last point is the headline), so a month sums the
  -- months up to it
  rolled AS (
    SELECT f.school, m.win, f.key, sum(f.num) AS num, sum(f.den) AS den FROM flows f JOIN mw m ON f.win <= m.win
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT f.school, 'period', f.key, sum(f.num), sum(f.den) FROM flows f
    WHERE EXISTS (SELECT 1 FROM w WHERE w.win = 'period') GROUP BY 1, 3
    UNION ALL
    SELECT f.school, 'previous', f.key, sum(f.num), sum(f.den) FROM flows f
    WHERE f.win < (SELECT to_char(w.as_of, 'YYYY-MM') FROM w WHERE w.win = 'period')
      AND EXISTS (SELECT 1 FROM w WHERE w.win = 'previous')
    GROUP BY 1, 3)
  -- detail only where it is shown: the period and the previous month
  SELECT r.school, r.win, r.key, r.num, r.den,
         CASE WHEN r.key = 'bus_mismatch' THEN CASE WHEN r.den > 0 THEN r.num END
              WHEN r.den > 0 THEN round((100 * r.num / r.den)::numeric, 2)::float8 END,
         CASE WHEN r.win NOT IN ('period', 'previous') THEN ''
           WHEN r.key = 'drills' THEN format('%s of %s months', r.num, r.den)
           WHEN r.key = 'gate_duty' THEN format('%s of %s school days', r.num, r.den)
           WHEN r.key = 'bus_mismatch' THEN CASE WHEN r.den > 0 THEN format('%s mismatched', r.num) ELSE 'no buses' END
           ELSE format('%s of %s sessions', r.num, r.den) END
  FROM rolled r;

  PERFORM set_config('enable_sort', 'on', true);

  -- ---- stocks, as of each window's end: hazards, letters, buses,
  -- equipment, risks. Each is a number of intervals (a hazard open from d to
  -- next_d, a staff member current from joined to left, an item overdue
  -- from due + 1 to its next check, ...) containing the as-of day. They are
  -- counted in one sweep: +1 where an interval starts, -1 where it ends, by
  -- month, summed month after month; a month window's as-of is the end of
  -- its month (or p_today, p_end: later changes are left out), and 'period'
  -- and 'previous' have the as-of of a month window.
  RETURN QUERY
  WITH sch AS MATERIALIZED (
    SELECT s.school FROM sc_schools() s WHERE p_school IS NULL OR s.school = p_school),
  w AS MATERIALIZED (SELECT * FROM sc_windows(p_start, p_end, p_today)),
  mw AS MATERIALIZED (SELECT w.win, w.month, w.ws, w.as_of FROM w WHERE w.month IS NOT NULL),
  lim AS MATERIALIZED (SELECT min(mw.month) AS first_m, max(mw.as_of) AS last_asof FROM mw),
  wmap AS MATERIALIZED (SELECT w.win, w.ws, w.as_of, mw.win AS src FROM w JOIN mw ON mw.as_of = w.as_of),
  -- intervals over before the period change nothing (their +1 and -1 fall
  -- in the same first month)
  -- due: the deadline an assign or reopen gave, else found + the
  -- district's clock for the severity (sc_hazard_due, 010)
  hz AS MATERIALIZED (
    SELECT i.*, sc_hazard_due(i.found, i.deadline, coalesce(k.days, 15)) AS due
    FROM dash_hazard i JOIN sch ON sch.school = i.school
    JOIN hazard h ON h.school = i.school AND h.id = i.hazard_id
    LEFT JOIN sc_hazard_clock() k ON k.severity = h.severity, lim
    WHERE i.d <= lim.last_asof AND (i.next_d IS NULL OR i.next_d > p_start)),
  -- current staff: joined by then, not left; `inactive` without a left_date
  -- means gone at an unknown date, so never current
  st AS MATERIALIZED (
    SELECT s.school, s.id, s.name, coalesce(s.joined_date, '-infinity') AS joined, s.left_date
    FROM staff s JOIN sch ON sch.school = s.school
    WHERE NOT s.deleted AND NOT (s.inactive AND s.left_date IS NULL)),
  -- who holds a letter for which year, since when (dash_letter)
  held_by AS (
    SELECT l.school, l.staff_id AS id, l.year, l.since FROM dash_letter l JOIN sch ON sch.school = l.school),
  iv (kind, school, a, b) AS (
    SELECT 'hazards_open', hz.school, hz.d, hz.next_d FROM hz WHERE hz.state NOT IN ('verified', 'closed')
    UNION ALL
    SELECT 'hazards_overdue', hz.school, greatest(hz.d, hz.due + 1), hz.next_d FROM hz
    WHERE hz.state NOT IN ('verified', 'closed') AND hz.due IS NOT NULL
      AND (hz.next_d IS NULL OR hz.due + 1 < hz.next_d)
    UNION ALL
    SELECT 'staff', st.school, st.joined, st.left_date FROM st
    UNION ALL
    SELECT 'covered', st.school, greatest(st.joined, hb.since, make_date(hb.year, 1, 1)),
           least(st.left_date, make_date(hb.year + 1, 1, 1))
    FROM st JOIN held_by hb ON hb.school = st.school AND hb.id = st.id
    WHERE greatest(st.joined, hb.since, make_date(hb.year, 1, 1))
          < least(st.left_date, make_date(hb.year + 1, 1, 1))
    UNION ALL
    SELECT 'buses', b.school, '-infinity'::date, NULL::date FROM bus b JOIN sch ON sch.school = b.school
    WHERE NOT b.deleted AND NOT b.inactive
    UNION ALL
    SELECT 'buses_overdue', b.school, b.next_inspection_date + 1, NULL FROM bus b JOIN sch ON sch.school = b.school
    WHERE NOT b.deleted AND NOT b.inactive AND b.next_inspection_date IS NOT NULL
    UNION ALL
    -- equipment: overdue intervals from dash_equipment
    SELECT 'equipment', e.school, coalesce(e.installed_date, '-infinity'), NULL FROM equipment e
    JOIN sch ON sch.school = e.school WHERE NOT e.deleted
    UNION ALL
    SELECT 'equipment_overdue', o.school, o.from_d, o.to_d FROM dash_equipment o JOIN sch ON sch.school = o.school
    UNION ALL
    -- known risks: not removed; overdue once past the planned date
    SELECT 'risks_open', r.school, '-infinity', NULL FROM risk r JOIN sch ON sch.school = r.school
    WHERE NOT r.deleted AND r.status <> 'removed'
    UNION ALL
    SELECT 'risks_overdue', r.school, r.planned_date + 1, NULL FROM risk r JOIN sch ON sch.school = r.school
    WHERE NOT r.deleted AND r.status <> 'removed' AND r.planned_date IS NOT NULL),
  ev AS (
    SELECT iv.kind, iv.school, greatest(date_trunc('month', e.d)::date, lim.first_m) AS m, sum(e.v) AS v
    FROM iv CROSS JOIN LATERAL (VALUES (iv.a, 1), (iv.b, -1)) e(d, v) CROSS JOIN lim
    WHERE e.d IS NOT NULL AND e.d <= lim.last_asof
    GROUP BY 1, 2, 3),
  cnt AS (
    SELECT k.kind, sch.school, mw.win,
           sum(coalesce(ev.v, 0)) OVER (PARTITION BY k.kind, sch.school ORDER BY mw.month) AS n
    FROM (VALUES ('hazards_open'), ('hazards_overdue'), ('staff'), ('covered'), ('buses'), ('buses_overdue'),
                 ('equipment'), ('equipment_overdue'), ('risks_open'), ('risks_overdue')) k(kind)
    CROSS JOIN sch CROSS JOIN mw
    LEFT JOIN ev ON ev.kind = k.kind AND ev.school = sch.school AND ev.m = mw.month),
  pv AS (
    SELECT cnt.school, cnt.win,
           max(cnt.n) FILTER (WHERE cnt.kind = 'hazards_open') AS hz_open,
           max(cnt.n) FILTER (WHERE cnt.kind = 'hazards_overdue') AS hz_overdue,
           max(cnt.n) FILTER (WHERE cnt.kind = 'staff') AS staff,
           max(cnt.n) FILTER (WHERE cnt.kind = 'covered') AS covered,
           max(cnt.n) FILTER (WHERE cnt.kind = 'buses') AS buses,
           max(cnt.n) FILTER (WHERE cnt.kind = 'buses_overdue') AS buses_overdue,
           max(cnt.n) FILTER (WHERE cnt.kind = 'equipment') AS equipment,
           max(cnt.n) FILTER (WHERE cnt.kind = 'equipment_overdue') AS equipment_overdue,
           max(cnt.n) FILTER (WHERE cnt.kind = 'risks_open') AS risks_open,
           max(cnt.n) FILTER (WHERE cnt.kind = 'risks_overdue') AS risks_overdue
    FROM cnt GROUP BY 1, 2),
  -- median days from report to verification: hazards verified or closed at
  -- the window's as-of day whose (last) verification falls in the period
  -- (every window runs from the period's start, 010)
  med AS (
    SELECT hz.school, w.win, count(*) AS nver,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (hz.verified_d - hz.found)) AS med
    FROM hz JOIN w ON hz.d <= w.as_of AND (hz.next_d IS NULL OR hz.next_d > w.as_of)
    WHERE hz.state IN ('verified', 'closed') AND hz.verified_d >= p_start
    GROUP BY 1, 2),
  g AS (
    SELECT pv.school, wm.win, wm.win IN ('period', 'previous') AS shown,
           pv.hz_open, pv.hz_overdue, pv.staff, pv.covered, pv.buses, pv.buses_overdue,
           pv.equipment, pv.equipment_overdue, pv.risks_open, pv.risks_overdue,
           coalesce(med.nver, 0) AS nver, med.med
    FROM wmap wm JOIN pv ON pv.win = wm.src
    LEFT JOIN med ON med.school = pv.school AND med.win = wm.win)
  SELECT g.school, g.win, 'hazards_open', g.hz_open::float8, NULL::float8, g.hz_open::float8,
         CASE WHEN g.shown THEN format('%s open', g.hz_open) ELSE '' END
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'hazards_overdue', g.hz_overdue::float8, g.hz_open::float8, g.hz_overdue::float8,
         CASE WHEN g.shown THEN format('%s of %s open', g.hz_overdue, g.hz_open) ELSE '' END
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'hazard_verify_days', g.med, g.nver::float8, g.med,
         CASE WHEN g.shown THEN format('%s verified', g.nver) ELSE '' END
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'letters', g.covered::float8, g.staff::float8,
         CASE WHEN g.staff > 0 THEN round((100.0 * g.covered / g.staff)::numeric, 2)::float8 END,
         CASE WHEN NOT g.shown THEN '' WHEN g.staff > 0 THEN format('%s of %s staff', g.covered, g.staff)
              ELSE 'no staff' END
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'bus_inspection_overdue', g.buses_overdue::float8, g.buses::float8,
         CASE WHEN g.buses > 0 THEN g.buses_overdue::float8 END,
         CASE WHEN NOT g.shown THEN '' WHEN g.buses > 0 THEN format('%s of %s buses', g.buses_overdue, g.buses)
              ELSE 'no buses' END
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'equipment_overdue', g.equipment_overdue::float8, g.equipment::float8,
         CASE WHEN g.equipment > 0 THEN g.equipment_overdue::float8 END,
         CASE WHEN NOT g.shown THEN '' WHEN g.equipment > 0
              THEN format('%s of %s items', g.equipment_overdue, g.equipment) ELSE 'no equipment' END
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'risks_open', g.risks_open::float8, NULL, g.risks_open::float8,
         CASE WHEN g.shown THEN format('%s open', g.risks_open) ELSE '' END
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'risks_overdue', g.risks_overdue::float8, g.risks_open::float8, g.risks_overdue::float8,
         CASE WHEN g.shown THEN format('%s of %s open', g.risks_overdue, g.risks_open) ELSE '' END
  FROM g;

  -- ---- notices: those whose [issue, due] overlaps the window (so a notice
  -- issued after the window is not in it), status as of the window's end
  RETURN QUERY
  WITH sch AS MATERIALIZED (
    SELECT s.school FROM sc_schools() s WHERE p_school IS NULL OR s.school = p_school),
  w AS MATERIALIZED (SELECT * FROM sc_windows(p_start, p_end, p_today)),
  nt AS (
    SELECT sch.school, w.win, w.as_of, n.due_date,
           (ns.acked_hlc >= n.hlc AND ns.ack_at::date <= w.as_of) AS acked,
           (ns.reported_hlc > 0 AND ns.report_date <= w.as_of) AS reported,
           ns.report_date
    FROM w JOIN notice n ON n.issue_date <= w.as_of AND n.due_date >= p_start
    JOIN sch ON n.targets = '' OR sch.school = ANY (string_to_array(n.targets, ';'))
    LEFT JOIN notice_status ns ON ns.school = sch.school AND ns.notice_id = n.id
    WHERE n.school = '' AND NOT n.deleted),
  na AS (
    SELECT nt.school, nt.win, count(*) AS n,
           count(*) FILTER (WHERE nt.acked) AS acked,
           count(*) FILTER (WHERE nt.reported AND nt.report_date <= nt.due_date) AS on_time,
           count(*) FILTER (WHERE nt.reported AND nt.report_date > nt.due_date) AS late,
           count(*) FILTER (WHERE NOT coalesce(nt.reported, false) AND nt.due_date < nt.as_of) AS missing
    FROM nt GROUP BY 1, 2),
  g AS (
    SELECT sch.school, w.win, coalesce(na.n, 0) AS n, coalesce(na.acked, 0) AS acked,
           coalesce(na.on_time, 0) AS on_time, coalesce(na.late, 0) AS late,
           coalesce(na.missing, 0) AS missing
    FROM sch CROSS JOIN w LEFT JOIN na ON na.school = sch.school AND na.win = w.win)
  SELECT g.school, g.win, 'notices_acknowledged', g.acked::float8, g.n::float8,
         CASE WHEN g.n > 0 THEN round((100.0 * g.acked / g.n)::numeric, 2)::float8 END,
         format('%s of %s notices', g.acked, g.n)
  FROM g
  UNION ALL
  -- on time of those decided: reported, or past due
  SELECT g.school, g.win, 'notices_on_time', g.on_time::float8, (g.on_time + g.late + g.missing)::float8,
         CASE WHEN g.on_time + g.late + g.missing > 0
              THEN round((100.0 * g.on_time / (g.on_time + g.late + g.missing))::numeric, 2)::float8 END,
         format('%s of %s due', g.on_time, g.on_time + g.late + g.missing)
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'notices_late', g.late::float8, g.n::float8, g.late::float8,
         format('%s of %s notices', g.late, g.n)
  FROM g
  UNION ALL
  SELECT g.school, g.win, 'notices_missing', g.missing::float8, g.n::float8, g.missing::float8,
         format('%s of %s notices', g.missing, g.n)
  FROM g;
END
$$;

-- ---------------------------------------------------------------- score

-- 004's scoring, with "no records" (docs/internals/dashboards.md, "Score"):
--   education_*        no class owed a session on a counted school day
--   letters            no current staff
--   equipment_overdue  no equipment
--   bus_*              no active bus, unless the school's newest profile
--                      says it runs none (bus_count 0): then not applicable
--   hazards_overdue,   no inspection and no hazard found in the period up to
--   risks_overdue      the window's end: "nothing overdue" is not known
-- Such an indicator scores 0 with its weight; its value stays as it is.
CREATE OR REPLACE FUNCTION sc_dashboard_values(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE sql STABLE AS $$
  WITH raw AS MATERIALIZED (
    SELECT v.*, c.higher_is_better, c.target, c.worst, c.weight
    FROM sc_indicator_values(p_start, p_end, p_today, NULL) v
    JOIN dashboard_indicator c ON c.key = v.key),
  w AS MATERIALIZED (SELECT * FROM sc_windows(p_start, p_end, p_today)),
  -- the first inspection (or hazard found) of the period, per school: a
  -- school that looked may score "no hazard overdue" as met
  looked AS MATERIALIZED (
    SELECT x.school, min(x.d) AS first_d FROM (
      SELECT i.school, min(i.inspection_date) AS d FROM inspection i
      WHERE NOT i.deleted AND i.inspection_date BETWEEN p_start AND least(p_end, p_today) GROUP BY 1
      UNION ALL
      SELECT h.school, min(h.found_date) FROM hazard h
      WHERE NOT h.deleted AND h.found_date BETWEEN p_start AND least(p_end, p_today) GROUP BY 1) x
    GROUP BY 1),
  -- a school whose newest profile says it runs no bus: bus indicators n/a
  nobus AS MATERIALIZED (
    SELECT p.school FROM (
      SELECT DISTINCT ON (p.school) p.school, p.bus_count FROM school_profile p
      WHERE NOT p.deleted ORDER BY p.school, p.hlc DESC) p
    WHERE p.bus_count = 0),
  -- school days counted in the window (gate duty's denominator)
  days AS MATERIALIZED (SELECT r.school, r.win, r.den FROM raw r WHERE r.key = 'gate_duty'),
  -- "no records": the indicator is built from records the school keeps and
  -- it has none of them, so it scores 0 and keeps its weight
  nd AS (
    SELECT r.*,
      CASE
        WHEN r.key LIKE 'education%' THEN r.value IS NULL AND coalesce(dy.den, 0) > 0
        WHEN r.key IN ('letters', 'equipment_overdue') THEN r.value IS NULL
        WHEN r.key IN ('bus_mismatch', 'bus_inspection_overdue') THEN r.value IS NULL AND nb.school IS NULL
        WHEN r.key IN ('hazards_overdue', 'risks_overdue') THEN lk.first_d IS NULL OR lk.first_d > w.as_of
        ELSE false END AS nodata
    FROM raw r
    LEFT JOIN days dy ON dy.school = r.school AND dy.win = r.win
    LEFT JOIN nobus nb ON nb.school = r.school
    LEFT JOIN looked lk ON lk.school = r.school
    LEFT JOIN w ON w.win = r.win),
  v AS MATERIALIZED (
    SELECT nd.school, nd.win, nd.key, nd.num, nd.den, nd.value,
           CASE WHEN nd.nodata AND nd.win IN ('period', 'previous')
                THEN concat_ws('; ', nullif(nd.detail, ''), 'no records: scored 0') ELSE nd.detail END AS detail,
           CASE WHEN nd.nodata THEN 0
                ELSE sc_score(nd.value, nd.higher_is_better, nd.target, nd.worst) END AS score,
           nd.weight
    FROM nd),
  comp AS (
    SELECT v.school, v.win,
           round((sum(v.weight * v.score) FILTER (WHERE v.score IS NOT NULL AND v.weight > 0)
                  / nullif(sum(v.weight) FILTER (WHERE v.score IS NOT NULL AND v.weight > 0), 0))::numeric,
                 1)::float8 AS score,
           count(*) FILTER (WHERE v.score IS NOT NULL AND v.weight > 0) AS n
    FROM v GROUP BY 1, 2),
  ranked AS (
    SELECT comp.*, rank() OVER (PARTITION BY comp.win ORDER BY comp.score DESC NULLS LAST) AS rnk,
           count(*) OVER (PARTITION BY comp.win) AS of_n
    FROM comp),
  district AS (
    SELECT ''::text AS school, v.win, v.key,
           round(avg(v.value)::numeric, 2)::float8 AS value, round(avg(v.score)::numeric, 2)::float8 AS score,
           sum(v.num) AS num, sum(v.den) AS den,
           format('%s of %s schools', count(v.value), count(*)) AS detail
    FROM v GROUP BY v.win, v.key
    UNION ALL
    SELECT '', r.win, 'score', round(avg(r.score)::numeric, 1)::float8, round(avg(r.score)::numeric, 1)::float8,
           0, count(*), format('%s schools', count(*))
    FROM ranked r GROUP BY r.win)
  SELECT v.school, v.win, v.key, v.value, v.score, v.num, v.den, v.detail FROM v
  WHERE v.win IN ('period', 'previous') OR v.school = ANY (p_focus)
  UNION ALL
  SELECT r.school, r.win, 'score', r.score, r.score, r.rnk, r.of_n,
         format('%s indicators scored', r.n) FROM ranked r
  WHERE r.win IN ('period', 'previous') OR r.school = ANY (p_focus)
  UNION ALL
  SELECT d.* FROM district d WHERE d.win IN ('period', 'previous') OR '' = ANY (p_focus)
$$;
