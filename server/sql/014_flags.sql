-- Anti-formalism (形式主义) flags (issue 10): where records look made up
-- rather than done. Each flag names the records behind it; flags never block
-- a record (nothing here is on the push path). Thresholds are the district's
-- configuration: safecampusd's config file (flag_* keys), handed to the
-- session as settings safecampus.flag_* (server/dash_query.c); the defaults
-- below when unset (psql, tests).
--
--   burst                 at least flag_burst_min records of one kind of a
--                         school that the server received on one day R
--                         within flag_burst_deadline_days before the end of
--                         R's month (the monthly reports' deadline), each
--                         dated at least flag_burst_backdated_days before R
--   copied_minutes        the same meeting minutes (at least
--                         flag_minutes_min_chars characters, spaces
--                         ignored) in two or more meetings of a school
--   copied_evacuation     the same evacuation time, to the second, in at
--                         least flag_copy_min drills of a school
--   holiday_session       "1530" sessions dated on a holiday of the
--                         district calendar (a weekday of a term that is not
--                         a school day)
--   feedback_before_drill a drill whose feedback reached the server before
--                         the drill's date
-- "Received" is received_at: when the server stored the record's last
-- version. Every flag concerns records dated in the period up to A.

CREATE FUNCTION sc_flag_setting(p_name text, p_default integer) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('safecampus.' || p_name, true), '')::integer, p_default)
$$;

-- The thresholds in force, as one text (the cache keeps the flags it
-- computed with them: 021).
CREATE FUNCTION sc_flag_config() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT concat_ws(',', sc_flag_setting('flag_burst_min', 20), sc_flag_setting('flag_burst_backdated_days', 7),
                   sc_flag_setting('flag_burst_deadline_days', 3), sc_flag_setting('flag_copy_min', 3),
                   sc_flag_setting('flag_minutes_min_chars', 20))
$$;

CREATE FUNCTION sc_flags(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, kind text, title text, day date, record_ids text[])
LANGUAGE sql STABLE AS $$
  WITH asof AS (SELECT least(p_end, p_today) AS d),
  sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s),
  cfg AS (SELECT sc_flag_setting('flag_burst_min', 20) AS burst_min,
                 sc_flag_setting('flag_burst_backdated_days', 7) AS backdated,
                 sc_flag_setting('flag_burst_deadline_days', 3) AS deadline,
                 sc_flag_setting('flag_copy_min', 3) AS copy_min,
                 sc_flag_setting('flag_minutes_min_chars', 20) AS min_chars),
  -- records by the day they reached the server, with their own date
  dated AS (
    SELECT 'education' AS kind, e.school, e.id, e.session_date AS d, e.received_at::date AS r
    FROM education e WHERE NOT e.deleted
    UNION ALL SELECT 'drill', x.school, x.id, x.drill_date, x.received_at::date FROM drill x WHERE NOT x.deleted
    UNION ALL SELECT 'gate_duty', x.school, x.id, x.duty_date, x.received_at::date FROM gate_duty x WHERE NOT x.deleted
    UNION ALL SELECT 'equipment_check', x.school, x.id, x.check_date, x.received_at::date
      FROM equipment_check x WHERE NOT x.deleted
    UNION ALL SELECT 'inspection', x.school, x.id, x.inspection_date, x.received_at::date
      FROM inspection x WHERE NOT x.deleted
    UNION ALL SELECT 'meeting', x.school, x.id, x.meeting_date, x.received_at::date FROM meeting x WHERE NOT x.deleted),
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
    WHERE NOT m.deleted AND m.meeting_date BETWEEN p_start AND asof.d
      AND length(regexp_replace(m.minutes, '\s', '', 'g')) >= cfg.min_chars
    GROUP BY 1, 2 HAVING count(*) >= 2),
  evac AS (
    SELECT x.school, x.evacuation_seconds AS secs,
           array_agg(x.id::text ORDER BY x.drill_date, x.id) AS ids, count(*) AS n, max(x.drill_date) AS d
    FROM drill x CROSS JOIN asof
    WHERE NOT x.deleted AND x.evacuation_seconds > 0 AND x.drill_date BETWEEN p_start AND asof.d
    GROUP BY 1, 2),
  -- holidays: weekdays of the terms that are not school days
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
    WHERE NOT e.deleted
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
    WHERE NOT x.deleted AND x.feedback <> '' AND x.drill_date BETWEEN p_start AND asof.d
      AND x.received_at::date < x.drill_date)
  SELECT f.school, f.kind, f.title, f.day, f.ids FROM f JOIN sch ON sch.school = f.school
  ORDER BY 1, 4, 2
$$;
