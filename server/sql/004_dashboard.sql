-- Dashboards: every indicator of DOMAIN.md computed in SQL from the typed
-- tables, for any period, per school and district-wide. docs/internals/dashboards.md
-- gives the exact definitions, the reasons and the measured cost; this file is
-- the reference implementation of those definitions.
--
-- Time. Every function takes a period [p_start, p_end] and an as-of day
-- p_today ("today"). The general rule: an occasion (a school day, a month, a
-- week's assembly, a notice's due date) counts once its day has passed
-- (day < p_today); an occasion already fulfilled counts at once. Stock
-- indicators (open hazards, overdue equipment, ...) are taken as of the end
-- of the window, never after p_today. A window is the whole period to date
-- ('period'), the period up to the end of the month before the as-of month
-- ('previous', the base of the trend arrow), or one calendar month of the
-- period ('YYYY-MM', the trend series).
--
-- Event times (hazard_event.at_ms, else the HLC's wall clock) become dates in
-- the session's TimeZone: set it for the district's database
-- (ALTER DATABASE ... SET timezone = 'Asia/Shanghai').
--
-- Everything here reads; nothing writes. The server calls these functions in
-- one REPEATABLE READ READ ONLY transaction (server/dashboard.c).

-- ---------------------------------------------------------------- configuration

-- The district's indicators: what is shown, its target, and its weight in the
-- composite score. Edited by the district with plain SQL, e.g.
--   UPDATE dashboard_indicator SET weight = 20, target = 90 WHERE key = 'education_1530';
-- Scoring (sc_score): higher-is-better scores min(100, value / target * 100);
-- lower-is-better scores 100 at or below target, falling linearly to 0 at
-- `worst` (no worst: 0 as soon as it is above target). The composite is the
-- weighted mean of the scores of the indicators that have a value (weights
-- renormalised over those), so a school without buses is not punished.
CREATE TABLE dashboard_indicator (
  key               text PRIMARY KEY,
  position          integer NOT NULL,
  label             text NOT NULL,
  unit              text NOT NULL,            -- '%', 'count', 'days'
  higher_is_better  boolean NOT NULL,
  target            double precision NOT NULL,
  worst             double precision,         -- lower-is-better: the value that scores 0
  weight            double precision NOT NULL DEFAULT 0   -- 0 = shown, not scored
);

INSERT INTO dashboard_indicator (key, position, label, unit, higher_is_better, target, worst, weight) VALUES
  ('drills',                 10, 'Months with a drill that had a plan and feedback', '%', true, 100, NULL, 15),
  ('education_1530',         20, '"1530" safety education: sessions held of sessions due', '%', true, 95, NULL, 15),
  ('education_daily',        21, '"1530" daily 1 minute before dismissal', '%', true, 95, NULL, 0),
  ('education_weekly',       22, '"1530" weekly 10-minute assembly', '%', true, 95, NULL, 0),
  ('education_weekend',      23, '"1530" 5 minutes before the weekend', '%', true, 95, NULL, 0),
  ('education_holiday',      24, '"1530" 30 minutes before a holiday', '%', true, 95, NULL, 0),
  ('hazards_open',           30, 'Hazards open (not yet verified)', 'count', false, 0, NULL, 0),
  ('hazards_overdue',        31, 'Hazards past their deadline, not verified', 'count', false, 0, 5, 15),
  ('hazard_verify_days',     32, 'Median days from report to verification', 'days', false, 14, 60, 5),
  ('letters',                40, 'Current staff holding this year''s responsibility letter', '%', true, 100, NULL, 10),
  ('notices_acknowledged',   50, 'Notices acknowledged', '%', true, 100, NULL, 0),
  ('notices_on_time',        51, 'Notices implemented on time', '%', true, 100, NULL, 10),
  ('notices_late',           52, 'Notices implemented late', 'count', false, 0, NULL, 0),
  ('notices_missing',        53, 'Notices past due without a report', 'count', false, 0, NULL, 0),
  ('bus_mismatch',           60, 'Bus trips with a boarded/alighted mismatch', 'count', false, 0, 3, 10),
  ('bus_inspection_overdue', 61, 'Buses with inspection overdue', 'count', false, 0, 2, 5),
  ('equipment_overdue',      70, 'Equipment checks overdue', 'count', false, 0, 5, 5),
  ('gate_duty',              80, 'School days with both gate shifts staffed', '%', true, 95, NULL, 5),
  ('risks_open',             90, 'Known risks not removed', 'count', false, 0, NULL, 0),
  ('risks_overdue',          91, 'Known risks past their planned date', 'count', false, 0, 3, 5);

-- Optional roster of the district's schools. A school is on the dashboards
-- when it is listed here, has a school_profile, or has ever connected
-- (client_health); listing it makes a school that never connected show up
-- with everything missing, and `name` overrides the profile's name.
CREATE TABLE dashboard_school (
  school    text PRIMARY KEY,
  name      text NOT NULL DEFAULT '',
  inactive  boolean NOT NULL DEFAULT false   -- true: left the district, hidden
);

-- ---------------------------------------------------------------- aggregates
--
-- The two large logs are read through small aggregates kept up to date by
-- statement-level triggers (one run per pushed batch, whatever its size):
-- computing "1530" from the raw sessions took seconds for 200 schools and a
-- year (1 M rows); the aggregates hold ~70 k rows for the same district.
-- docs/internals/dashboards.md has the measurements. Everything else is read
-- from the typed tables directly. The aggregates do not depend on the
-- calendar, so the bureau may edit the calendar at any time.

-- "1530" sessions: per school, slot and bucket, how many distinct classes
-- held one. Bucket: the session's day for daily_1; the Monday of its ISO week
-- for weekly_10 and weekend_5 (one per week). A session counts only if its
-- class exists and is open on the session's day (opened_date..closed_date).
-- holiday_30 sessions are few and are read from education directly.
CREATE TABLE dash_education (
  school   text NOT NULL,
  slot     text NOT NULL,
  bucket   date NOT NULL,
  classes  integer NOT NULL,
  PRIMARY KEY (school, slot, bucket)
);
CREATE INDEX dash_education_bucket ON dash_education (bucket);

-- Gate duty: the days on which both shifts were fully staffed (leader,
-- teacher and guard named).
CREATE TABLE dash_gate (
  school  text NOT NULL,
  day     date NOT NULL,
  PRIMARY KEY (school, day)
);
CREATE INDEX dash_gate_day ON dash_gate (day);

-- Indexes for the rebuilds and the dashboard's reads.
CREATE INDEX education_dash ON education (school, slot, session_date) WHERE NOT deleted;
CREATE INDEX education_holiday ON education (session_date) INCLUDE (school, school_class_id)
  WHERE slot = 'holiday_30' AND NOT deleted;
CREATE INDEX notice_status_school ON notice_status (school, notice_id);

CREATE FUNCTION sc_education_bucket(p_slot text, p_day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_slot = 'daily_1' THEN p_day ELSE date_trunc('week', p_day)::date END
$$;

-- Recomputes the given (school, slot, bucket) entries from education.
CREATE FUNCTION sc_education_rebuild(p_school text[], p_slot text[], p_bucket date[]) RETURNS void
LANGUAGE sql AS $$
  WITH k AS (
    SELECT DISTINCT * FROM unnest(p_school, p_slot, p_bucket) AS k(school, slot, bucket)
    WHERE k.slot IN ('daily_1', 'weekly_10', 'weekend_5') AND k.bucket IS NOT NULL),
  c AS (
    SELECT k.school, k.slot, k.bucket,
           (SELECT count(DISTINCT e.school_class_id) FROM education e
            JOIN school_class sc ON sc.school = e.school AND sc.id = e.school_class_id AND NOT sc.deleted
                  AND (sc.opened_date IS NULL OR sc.opened_date <= e.session_date)
                  AND (sc.closed_date IS NULL OR sc.closed_date >= e.session_date)
            WHERE e.school = k.school AND e.slot = k.slot AND NOT e.deleted
              AND e.session_date BETWEEN k.bucket AND k.bucket + CASE WHEN k.slot = 'daily_1' THEN 0 ELSE 6 END
           )::integer AS classes
    FROM k),
  del AS (
    DELETE FROM dash_education d USING c
    WHERE c.classes = 0 AND d.school = c.school AND d.slot = c.slot AND d.bucket = c.bucket)
  INSERT INTO dash_education (school, slot, bucket, classes)
  SELECT c.school, c.slot, c.bucket, c.classes FROM c WHERE c.classes > 0
  ON CONFLICT (school, slot, bucket) DO UPDATE SET classes = excluded.classes
$$;

-- Recomputes every bucket of the given schools (a class opened, closed or
-- withdrawn changes which of its sessions count).
CREATE FUNCTION sc_education_rebuild_schools(p_school text[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_education WHERE school = ANY (p_school);
  INSERT INTO dash_education (school, slot, bucket, classes)
  SELECT e.school, e.slot, sc_education_bucket(e.slot, e.session_date), count(DISTINCT e.school_class_id)
  FROM education e
  JOIN school_class sc ON sc.school = e.school AND sc.id = e.school_class_id AND NOT sc.deleted
        AND (sc.opened_date IS NULL OR sc.opened_date <= e.session_date)
        AND (sc.closed_date IS NULL OR sc.closed_date >= e.session_date)
  WHERE e.school = ANY (p_school) AND NOT e.deleted AND e.session_date IS NOT NULL
    AND e.slot IN ('daily_1', 'weekly_10', 'weekend_5')
  GROUP BY 1, 2, 3
$$;

CREATE FUNCTION sc_education_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a bulk load (COPY, an import): rebuilding whole schools is cheaper than
  -- one lookup per bucket
  IF TG_OP = 'INSERT' AND (SELECT count(*) > 20000 FROM new_rows) THEN
    PERFORM sc_education_rebuild_schools(array_agg(DISTINCT n.school)) FROM new_rows n;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM sc_education_rebuild(array_agg(o.school), array_agg(o.slot),
                                 array_agg(sc_education_bucket(o.slot, o.session_date)))
    FROM old_rows o;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM sc_education_rebuild(array_agg(n.school), array_agg(n.slot),
                                 array_agg(sc_education_bucket(n.slot, n.session_date)))
    FROM new_rows n;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER education_dash_ins AFTER INSERT ON education
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_education_trigger();
CREATE TRIGGER education_dash_upd AFTER UPDATE ON education
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_education_trigger();
CREATE TRIGGER education_dash_del AFTER DELETE ON education
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_education_trigger();

CREATE FUNCTION sc_school_class_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sc_education_rebuild_schools(array_agg(DISTINCT n.school)) FROM new_rows n
    HAVING count(*) > 0;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM sc_education_rebuild_schools(array_agg(DISTINCT n.school)) FROM new_rows n
    HAVING count(*) > 0;
  ELSE
    PERFORM sc_education_rebuild_schools(array_agg(DISTINCT o.school)) FROM old_rows o
    HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER school_class_dash_ins AFTER INSERT ON school_class
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_school_class_trigger();
CREATE TRIGGER school_class_dash_upd AFTER UPDATE ON school_class
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_school_class_trigger();
CREATE TRIGGER school_class_dash_del AFTER DELETE ON school_class
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_school_class_trigger();

-- Recomputes dash_gate for the given (school, day) pairs.
CREATE FUNCTION sc_gate_rebuild(p_school text[], p_day date[]) RETURNS void
LANGUAGE sql AS $$
  WITH k AS (SELECT DISTINCT * FROM unnest(p_school, p_day) AS k(school, day) WHERE k.day IS NOT NULL),
  c AS (
    SELECT k.school, k.day, coalesce((
      SELECT bool_or(g.shift = 'morning') AND bool_or(g.shift = 'afternoon') FROM gate_duty g
      WHERE g.school = k.school AND g.duty_date = k.day AND NOT g.deleted
        AND g.leader <> '' AND g.teacher <> '' AND g.guard <> ''), false) AS staffed
    FROM k),
  del AS (
    DELETE FROM dash_gate d USING c WHERE NOT c.staffed AND d.school = c.school AND d.day = c.day)
  INSERT INTO dash_gate (school, day) SELECT c.school, c.day FROM c WHERE c.staffed
  ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION sc_gate_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM sc_gate_rebuild(array_agg(o.school), array_agg(o.duty_date)) FROM old_rows o;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM sc_gate_rebuild(array_agg(n.school), array_agg(n.duty_date)) FROM new_rows n;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER gate_duty_dash_ins AFTER INSERT ON gate_duty
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_gate_trigger();
CREATE TRIGGER gate_duty_dash_upd AFTER UPDATE ON gate_duty
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_gate_trigger();
CREATE TRIGGER gate_duty_dash_del AFTER DELETE ON gate_duty
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_gate_trigger();

-- Responsibility letters: which staff member holds one for which year, and
-- since when: by the signer's staff id, else by the signer's name, and the
-- counter-signer by name (both hold a copy). Rebuilt per school by statement
-- triggers on staff and letter (a renamed staff member may match others).
CREATE TABLE dash_letter (
  school    text NOT NULL,
  staff_id  uuid NOT NULL,
  year      integer NOT NULL,
  since     date NOT NULL,
  PRIMARY KEY (school, staff_id, year)
);

CREATE FUNCTION sc_letter_rebuild(p_school text[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_letter WHERE school = ANY (p_school);
  INSERT INTO dash_letter (school, staff_id, year, since)
  SELECT x.school, x.id, x.year, min(x.signed_date)
  FROM (SELECT s.school, s.id, l.year, l.signed_date FROM staff s
        JOIN letter l ON l.school = s.school AND l.signer_staff_id = s.id AND NOT l.deleted
        WHERE s.school = ANY (p_school) AND NOT s.deleted
        UNION ALL
        SELECT s.school, s.id, l.year, l.signed_date FROM staff s
        JOIN letter l ON l.school = s.school AND l.signer = s.name AND l.signer_staff_id IS NULL AND NOT l.deleted
        WHERE s.school = ANY (p_school) AND NOT s.deleted
        UNION ALL
        SELECT s.school, s.id, l.year, l.signed_date FROM staff s
        JOIN letter l ON l.school = s.school AND l.counter_signer = s.name AND NOT l.deleted
        WHERE s.school = ANY (p_school) AND NOT s.deleted) x
  WHERE x.year BETWEEN 1900 AND 2999 AND x.signed_date IS NOT NULL
  GROUP BY 1, 2, 3
$$;

CREATE FUNCTION sc_letter_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sc_letter_rebuild(array_agg(DISTINCT n.school)) FROM new_rows n HAVING count(*) > 0;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM sc_letter_rebuild(array_agg(DISTINCT n.school)) FROM new_rows n HAVING count(*) > 0;
  ELSE
    PERFORM sc_letter_rebuild(array_agg(DISTINCT o.school)) FROM old_rows o HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER staff_dash_ins AFTER INSERT ON staff
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_trigger();
CREATE TRIGGER staff_dash_upd AFTER UPDATE ON staff
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_trigger();
CREATE TRIGGER staff_dash_del AFTER DELETE ON staff
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_trigger();
CREATE TRIGGER letter_dash_ins AFTER INSERT ON letter
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_trigger();
CREATE TRIGGER letter_dash_upd AFTER UPDATE ON letter
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_trigger();
CREATE TRIGGER letter_dash_del AFTER DELETE ON letter
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_trigger();

-- Rows already stored when this migration runs.
SELECT sc_education_rebuild_schools(ARRAY(SELECT DISTINCT school FROM education));
SELECT sc_letter_rebuild(ARRAY(SELECT DISTINCT school FROM staff));
INSERT INTO dash_gate (school, day)
SELECT g.school, g.duty_date FROM gate_duty g
WHERE NOT g.deleted AND g.duty_date IS NOT NULL AND g.leader <> '' AND g.teacher <> '' AND g.guard <> ''
GROUP BY 1, 2 HAVING bool_or(g.shift = 'morning') AND bool_or(g.shift = 'afternoon');

-- ---------------------------------------------------------------- helpers

-- The date of an event: its own at_ms, else the wall clock of its HLC.
CREATE FUNCTION sc_event_date(p_at_ms bigint, p_hlc bigint) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_timestamp(coalesce(nullif(p_at_ms, 0), p_hlc >> 16) / 1000.0)::date
$$;

-- An indicator's 0..100 score against its configuration; NULL without a value.
CREATE FUNCTION sc_score(p_value double precision, p_hib boolean, p_target double precision,
                         p_worst double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_value IS NULL THEN NULL
    WHEN p_hib THEN CASE WHEN p_target <= 0 THEN 100
                         ELSE least(100, greatest(0, p_value / p_target * 100)) END
    WHEN p_value <= p_target THEN 100
    WHEN p_worst IS NULL OR p_worst <= p_target THEN 0
    ELSE greatest(0, 100 * (p_worst - p_value) / (p_worst - p_target)) END
$$;

-- The district's schools: roster, profiles, clients that connected.
CREATE FUNCTION sc_schools() RETURNS TABLE (school text, name text)
LANGUAGE sql STABLE AS $$
  WITH prof AS (
    SELECT DISTINCT ON (p.school) p.school, p.name FROM school_profile p
    WHERE NOT p.deleted ORDER BY p.school, p.hlc DESC),
  ids AS (
    SELECT d.school FROM dashboard_school d
    UNION SELECT prof.school FROM prof
    UNION SELECT h.school FROM client_health h)
  SELECT i.school, coalesce(nullif(d.name, ''), nullif(prof.name, ''), i.school)
  FROM ids i
  LEFT JOIN dashboard_school d ON d.school = i.school
  LEFT JOIN prof ON prof.school = i.school
  WHERE i.school <> '' AND NOT coalesce(d.inactive, false)
$$;

-- The period a request without dates means: the term of the district
-- calendar containing the as-of day (else the latest term begun before it),
-- else the calendar year to date. Explicit dates are kept as given.
CREATE FUNCTION sc_period(p_start date, p_end date, p_today date)
RETURNS TABLE (period_start date, period_end date, as_of date, label text)
LANGUAGE sql STABLE AS $$
  SELECT coalesce(p_start, t.term_start_date, date_trunc('year', x.d)::date),
         coalesce(p_end, t.term_end_date, x.d),
         x.d,
         CASE WHEN p_start IS NULL THEN coalesce(t.term_name, to_char(x.d, 'YYYY') || ' to date') ELSE '' END
  FROM (SELECT coalesce(p_today, current_date) AS d) x
  LEFT JOIN LATERAL (
    SELECT c.term_name, c.term_start_date, c.term_end_date FROM calendar c
    WHERE c.school = '' AND NOT c.deleted AND c.term_start_date <= x.d
      AND c.term_end_date >= c.term_start_date
    ORDER BY (c.term_end_date >= x.d) DESC, c.term_start_date DESC LIMIT 1) t
    ON p_start IS NULL
$$;

-- School days of [p_start, p_end] from the bureau's calendar rows, and which
-- "1530" occasions fall due on each:
--   school day  a day of a term (term_start_date..term_end_date) that is a
--               weekday and not in `holidays`, or that is in `makeup_days`;
--               with no calendar row at all: every weekday.
--   daily       every school day.
--   weekly      the last school day of each ISO week (Mon..Sun) that has
--               school days: the week's assembly is due by then.
--   holiday     the last school day before a break: before a listed holiday
--               (no school day between them) or the last day of the term.
--               Never without a calendar.
--   weekend     the last school day of each school week, unless a holiday
--               session is due that day (the 30 minutes cover the 5).
-- Terms overlapping the window are expanded whole, so that "the last school
-- day before a break" is right at the window's edges.
CREATE FUNCTION sc_calendar(p_start date, p_end date)
RETURNS TABLE (day date, week date, daily boolean, weekly boolean, weekend boolean, holiday boolean)
LANGUAGE sql STABLE AS $$
  WITH cal AS (
    SELECT c.term_start_date AS ts, c.term_end_date AS te, c.holidays, c.makeup_days
    FROM calendar c
    WHERE c.school = '' AND NOT c.deleted AND c.term_start_date IS NOT NULL
      AND c.term_end_date >= c.term_start_date),
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
    GROUP BY 1
    UNION ALL
    SELECT g::date, NULL::date
    FROM generate_series(p_start, p_end, interval '1 day') g
    WHERE extract(isodow FROM g) < 6 AND NOT EXISTS (SELECT 1 FROM cal)),
  seq AS (
    SELECT d, term, date_trunc('week', d)::date AS wk,
           lead(d) OVER (PARTITION BY term ORDER BY d) AS next_d,
           lead(d) OVER (PARTITION BY term, date_trunc('week', d) ORDER BY d) AS next_in_week
    FROM days),
  flags AS (
    SELECT s.d, s.wk, s.next_in_week IS NULL AS wk_last,
           s.term IS NOT NULL AND (s.next_d IS NULL OR EXISTS (
             SELECT 1 FROM hol WHERE hol.d > s.d AND hol.d < s.next_d)) AS hol_due
    FROM seq s)
  SELECT f.d, f.wk, true, f.wk_last, f.wk_last AND NOT f.hol_due, f.hol_due
  FROM flags f
  WHERE f.d BETWEEN p_start AND p_end
$$;

-- The windows of a dashboard (see the top of this file). ws..we is the
-- window, as_of the day stocks are taken (never after p_today); `month` is
-- set for the monthly windows.
CREATE FUNCTION sc_windows(p_start date, p_end date, p_today date)
RETURNS TABLE (win text, ws date, we date, as_of date, month date)
LANGUAGE sql STABLE AS $$
  WITH b AS (SELECT least(p_end, p_today) AS last, date_trunc('month', least(p_end, p_today))::date AS cur)
  SELECT 'period', p_start, p_end, b.last, NULL::date FROM b WHERE b.last >= p_start
  UNION ALL
  SELECT 'previous', p_start, (b.cur - 1), (b.cur - 1), NULL FROM b WHERE b.cur > p_start AND b.last >= p_start
  UNION ALL
  SELECT to_char(m, 'YYYY-MM'), greatest(m::date, p_start),
         least((m + interval '1 month')::date - 1, p_end),
         least((m + interval '1 month')::date - 1, p_end, p_today), m::date
  FROM b, generate_series(date_trunc('month', p_start), b.cur, interval '1 month') m
  WHERE b.last >= p_start
$$;

-- A hazard's life replayed from its events, kept in dash_hazard: one row per
-- state it was in, valid from day d until next_d (NULL = still). It starts
-- 'reported' on the day it was found; then each state-changing event, in seq
-- order (the order the server accepted them), with a day that never goes
-- back (running max; an event's day is sc_event_date), so "the state at the
-- end of day A" is the row with d <= A < next_d; several events on one day
-- leave the last. deadline is the last one an assign or reopen gave;
-- verified_d the day of the latest verify. A reopen after verification makes
-- the hazard open again, and only a verification after it counts. Rebuilt
-- per hazard by statement triggers on hazard and hazard_event.
CREATE TABLE dash_hazard (
  school      text NOT NULL,
  hazard_id   uuid NOT NULL,
  d           date NOT NULL,
  next_d      date,
  state       text NOT NULL,
  deadline    date,
  verified_d  date,
  found       date NOT NULL,
  PRIMARY KEY (school, hazard_id, d)
);
CREATE INDEX dash_hazard_d ON dash_hazard (d);

-- The timeline rows of the given hazards (p_school NULL: every hazard).
CREATE FUNCTION sc_hazard_timeline(p_school text[], p_id uuid[])
RETURNS SETOF dash_hazard
LANGUAGE sql STABLE AS $$
  WITH k AS (SELECT DISTINCT * FROM unnest(p_school, p_id) AS k(school, id)),
  hz AS MATERIALIZED (
    SELECT h.school, h.id, coalesce(h.found_date, h.received_at::date) AS found
    FROM hazard h
    WHERE NOT h.deleted
      AND (p_school IS NULL OR (h.school, h.id) IN (SELECT k.school, k.id FROM k))),
  ev AS (
    SELECT e.school, e.hazard_id, e.seq, e.action, e.deadline_date, hz.found,
           greatest(hz.found, max(sc_event_date(e.at_ms, e.hlc))
                                OVER (PARTITION BY e.school, e.hazard_id ORDER BY e.seq)) AS d
    FROM hazard_event e JOIN hz ON hz.school = e.school AND hz.id = e.hazard_id
    WHERE NOT e.deleted AND e.action IN ('assign', 'rectify', 'verify', 'close', 'reopen')),
  st AS (
    SELECT ev.school, ev.hazard_id, ev.seq, ev.d, ev.found,
           CASE ev.action WHEN 'rectify' THEN 'rectified' WHEN 'verify' THEN 'verified'
                          WHEN 'close' THEN 'closed' ELSE 'assigned' END AS state,
           (array_agg(ev.deadline_date) FILTER (WHERE ev.deadline_date IS NOT NULL
                                                AND ev.action IN ('assign', 'reopen')) OVER h) AS deadlines,
           max(ev.d) FILTER (WHERE ev.action = 'verify') OVER h AS verified_d
    FROM ev WINDOW h AS (PARTITION BY ev.school, ev.hazard_id ORDER BY ev.seq)),
  all_ AS (
    SELECT hz.school, hz.id AS hazard_id, 0::bigint AS seq, hz.found AS d, 'reported'::text AS state,
           NULL::date AS deadline, NULL::date AS verified_d, hz.found
    FROM hz
    UNION ALL
    SELECT st.school, st.hazard_id, st.seq, st.d, st.state, st.deadlines[array_upper(st.deadlines, 1)],
           st.verified_d, st.found
    FROM st),
  nx AS (
    SELECT all_.*, lead(all_.d) OVER (PARTITION BY all_.school, all_.hazard_id ORDER BY all_.seq) AS next_d
    FROM all_)
  SELECT nx.school, nx.hazard_id, nx.d, nx.next_d, nx.state, nx.deadline, nx.verified_d, nx.found
  FROM nx
  WHERE nx.next_d IS NULL OR nx.next_d > nx.d
$$;

CREATE FUNCTION sc_hazard_rebuild(p_school text[], p_id uuid[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_hazard d
  WHERE (d.school, d.hazard_id) IN (SELECT * FROM unnest(p_school, p_id));
  INSERT INTO dash_hazard SELECT * FROM sc_hazard_timeline(p_school, p_id);
$$;

CREATE FUNCTION sc_hazard_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'hazard' THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM sc_hazard_rebuild(array_agg(o.school), array_agg(o.id)) FROM old_rows o HAVING count(*) > 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      PERFORM sc_hazard_rebuild(array_agg(n.school), array_agg(n.id)) FROM new_rows n HAVING count(*) > 0;
    END IF;
  ELSE
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM sc_hazard_rebuild(array_agg(o.school), array_agg(o.hazard_id)) FROM old_rows o HAVING count(*) > 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      PERFORM sc_hazard_rebuild(array_agg(n.school), array_agg(n.hazard_id)) FROM new_rows n HAVING count(*) > 0;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
-- The workflow's own UPDATE of the derived columns (state, owner, ...) in
-- every push of events does not change what the timeline reads: updates are
-- watched row by row, and only when found_date or deleted changes.
CREATE FUNCTION sc_hazard_row_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sc_hazard_rebuild(ARRAY[NEW.school], ARRAY[NEW.id]);
  RETURN NULL;
END
$$;
CREATE TRIGGER hazard_dash_ins AFTER INSERT ON hazard
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_hazard_trigger();
CREATE TRIGGER hazard_dash_upd AFTER UPDATE ON hazard FOR EACH ROW
  WHEN (OLD.found_date IS DISTINCT FROM NEW.found_date OR OLD.deleted IS DISTINCT FROM NEW.deleted)
  EXECUTE FUNCTION sc_hazard_row_trigger();
CREATE TRIGGER hazard_dash_del AFTER DELETE ON hazard
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_hazard_trigger();
CREATE TRIGGER hazard_event_dash_ins AFTER INSERT ON hazard_event
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_hazard_trigger();
CREATE TRIGGER hazard_event_dash_upd AFTER UPDATE ON hazard_event
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_hazard_trigger();
CREATE TRIGGER hazard_event_dash_del AFTER DELETE ON hazard_event
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_hazard_trigger();
INSERT INTO dash_hazard SELECT * FROM sc_hazard_timeline(NULL, NULL);

-- For analysts: the timeline under its old name.
CREATE VIEW sc_hazard_interval AS SELECT * FROM dash_hazard;

-- Equipment: the days on which each item was overdue, kept in
-- dash_equipment as intervals [from_d, to_d) (to_d NULL = still). An item is
-- due interval_days after its last check (the newer of last_check_date and
-- the logged equipment_checks); before any check, on next_due_date, else
-- installed_date + interval_days; overdue from the day after. A check ends
-- the interval. An item's intervals never overlap. Rebuilt per item by
-- statement triggers on equipment and equipment_check.
CREATE TABLE dash_equipment (
  school        text NOT NULL,
  equipment_id  uuid NOT NULL,
  from_d        date NOT NULL,
  to_d          date,
  PRIMARY KEY (school, equipment_id, from_d)
);
CREATE INDEX dash_equipment_from ON dash_equipment (from_d);

CREATE FUNCTION sc_equipment_timeline(p_school text[], p_id uuid[])
RETURNS SETOF dash_equipment
LANGUAGE sql STABLE AS $$
  WITH k AS (SELECT DISTINCT * FROM unnest(p_school, p_id) AS k(school, id)),
  eqi AS MATERIALIZED (
    SELECT e.school, e.id, e.interval_days, e.last_check_date,
           coalesce(e.next_due_date, e.installed_date + e.interval_days) AS first_due
    FROM equipment e
    WHERE NOT e.deleted AND (p_school IS NULL OR (e.school, e.id) IN (SELECT k.school, k.id FROM k))),
  chk AS MATERIALIZED (
    SELECT x.school, x.id, x.d, lead(x.d) OVER (PARTITION BY x.school, x.id ORDER BY x.d) AS next_d
    FROM (SELECT c.school, c.equipment_id AS id, c.check_date AS d
          FROM equipment_check c JOIN eqi ON eqi.school = c.school AND eqi.id = c.equipment_id
          WHERE NOT c.deleted AND c.check_date IS NOT NULL
          UNION
          SELECT eqi.school, eqi.id, eqi.last_check_date FROM eqi WHERE eqi.last_check_date IS NOT NULL) x),
  iv AS (
    SELECT i.school, i.id, chk.d + i.interval_days + 1 AS from_d, chk.next_d AS to_d
    FROM eqi i JOIN chk ON chk.school = i.school AND chk.id = i.id
    UNION ALL
    SELECT i.school, i.id, i.first_due + 1, f.d
    FROM eqi i LEFT JOIN (SELECT chk.school, chk.id, min(chk.d) AS d FROM chk GROUP BY 1, 2) f
      ON f.school = i.school AND f.id = i.id
    WHERE i.first_due IS NOT NULL)
  SELECT iv.school, iv.id, iv.from_d, iv.to_d FROM iv WHERE iv.to_d IS NULL OR iv.to_d > iv.from_d
$$;

CREATE FUNCTION sc_equipment_rebuild(p_school text[], p_id uuid[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_equipment d
  WHERE (d.school, d.equipment_id) IN (SELECT * FROM unnest(p_school, p_id));
  INSERT INTO dash_equipment SELECT * FROM sc_equipment_timeline(p_school, p_id);
$$;

CREATE FUNCTION sc_equipment_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'equipment' THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM sc_equipment_rebuild(array_agg(o.school), array_agg(o.id)) FROM old_rows o HAVING count(*) > 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      PERFORM sc_equipment_rebuild(array_agg(n.school), array_agg(n.id)) FROM new_rows n HAVING count(*) > 0;
    END IF;
  ELSE
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM sc_equipment_rebuild(array_agg(o.school), array_agg(o.equipment_id)) FROM old_rows o
      HAVING count(*) > 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      PERFORM sc_equipment_rebuild(array_agg(n.school), array_agg(n.equipment_id)) FROM new_rows n
      HAVING count(*) > 0;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER equipment_dash_ins AFTER INSERT ON equipment
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_equipment_trigger();
CREATE TRIGGER equipment_dash_upd AFTER UPDATE ON equipment
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_equipment_trigger();
CREATE TRIGGER equipment_dash_del AFTER DELETE ON equipment
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_equipment_trigger();
CREATE TRIGGER equipment_check_dash_ins AFTER INSERT ON equipment_check
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_equipment_trigger();
CREATE TRIGGER equipment_check_dash_upd AFTER UPDATE ON equipment_check
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_equipment_trigger();
CREATE TRIGGER equipment_check_dash_del AFTER DELETE ON equipment_check
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_equipment_trigger();
INSERT INTO dash_equipment SELECT * FROM sc_equipment_timeline(NULL, NULL);

-- Every hazard as of day p_as_of (found by then, not deleted).
CREATE FUNCTION sc_hazard_asof(p_as_of date)
RETURNS TABLE (school text, id uuid, title text, severity text, found date, state text,
               deadline date, verified_d date)
LANGUAGE sql STABLE AS $$
  SELECT h.school, h.id, h.title, h.severity, i.found, i.state, i.deadline, i.verified_d
  FROM dash_hazard i
  JOIN hazard h ON h.school = i.school AND h.id = i.hazard_id
  WHERE i.d <= p_as_of AND (i.next_d IS NULL OR i.next_d > p_as_of)
$$;

-- ---------------------------------------------------------------- indicators

-- Every indicator for every school and window, unscored, long format:
-- num/den are the parts (held/due, months with a good drill/months elapsed,
-- ...), value the indicator (NULL: not applicable), detail a phrase for people.
-- p_school NULL = every school (the ranking needs them all).
CREATE FUNCTION sc_indicator_values(p_start date, p_end date, p_today date, p_school text DEFAULT NULL)
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
  rolled AS (
    SELECT f.school, f.win, f.key, f.num, f.den FROM flows f
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
  hz AS MATERIALIZED (
    SELECT i.* FROM dash_hazard i JOIN sch ON sch.school = i.school, lim
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
    SELECT 'hazards_overdue', hz.school, greatest(hz.d, hz.deadline + 1), hz.next_d FROM hz
    WHERE hz.state NOT IN ('verified', 'closed') AND hz.deadline IS NOT NULL
      AND (hz.next_d IS NULL OR hz.deadline + 1 < hz.next_d)
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
  -- the as-of day whose (last) verification falls in the window. In a month
  -- window such an interval starts inside the month.
  med AS (
    SELECT hz.school, mw.win, count(*) AS nver,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (hz.verified_d - hz.found)) AS med
    FROM hz JOIN mw ON mw.month = date_trunc('month', hz.d)::date
    WHERE hz.state IN ('verified', 'closed') AND hz.verified_d >= mw.ws AND hz.d <= mw.as_of
      AND (hz.next_d IS NULL OR hz.next_d > mw.as_of)
    GROUP BY 1, 2
    UNION ALL
    SELECT hz.school, w.win, count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (hz.verified_d - hz.found))
    FROM hz JOIN w ON w.month IS NULL AND hz.d <= w.as_of AND (hz.next_d IS NULL OR hz.next_d > w.as_of)
    WHERE hz.state IN ('verified', 'closed') AND hz.verified_d >= w.ws
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
    FROM w JOIN notice n ON n.issue_date <= w.as_of AND n.due_date >= w.ws
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

-- Scored values, composite score and rank, for every school, plus the
-- district (school ''): per indicator the mean of the schools' values and of
-- their scores, over the schools where it applies; the district's composite
-- is the mean of the schools' composites. Key 'score' carries the composite
-- (value = score) and, in num, the rank within the window (1 = best; ties
-- share a rank). Rows are kept for 'period' and 'previous' of every school,
-- and for every window of the schools in p_focus ('' = the district).
CREATE FUNCTION sc_dashboard_values(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE sql STABLE AS $$
  WITH v AS MATERIALIZED (
    SELECT v.*, sc_score(v.value, c.higher_is_better, c.target, c.worst) AS score, c.weight
    FROM sc_indicator_values(p_start, p_end, p_today, NULL) v
    JOIN dashboard_indicator c ON c.key = v.key),
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

-- Month-by-month values of one school ('' = the district), for analysts.
CREATE FUNCTION sc_month_trend(p_start date, p_end date, p_today date, p_school text)
RETURNS TABLE (month text, key text, value double precision)
LANGUAGE sql STABLE AS $$
  SELECT d.win, d.key, d.value FROM sc_dashboard_values(p_start, p_end, p_today, ARRAY[p_school]) d
  WHERE d.school = p_school AND d.win NOT IN ('period', 'previous')
  ORDER BY 1, 2
$$;

-- "1530" per class and per slot for one school, for the drill-down and for
-- analysts: the same definitions as education_* in sc_indicator_values.
CREATE FUNCTION sc_education_by_class(p_start date, p_end date, p_today date, p_school text)
RETURNS TABLE (class_id uuid, class_name text, slot text, held bigint, due bigint)
LANGUAGE sql STABLE AS $$
  WITH cal AS MATERIALIZED (SELECT * FROM sc_calendar(p_start, p_end)),
  dd AS (
    SELECT c.day, c.week, v.slot FROM cal c,
      LATERAL (VALUES ('daily_1', c.daily), ('weekly_10', c.weekly),
                      ('weekend_5', c.weekend), ('holiday_30', c.holiday)) v(slot, due)
    WHERE v.due),
  occ AS (
    SELECT k.id, k.grade, k.name, dd.slot, dd.day,
           EXISTS (SELECT 1 FROM education e
                   WHERE e.school = k.school AND e.school_class_id = k.id AND NOT e.deleted
                     AND e.slot = dd.slot AND e.session_date BETWEEN p_start AND least(p_end, p_today)
                     AND CASE dd.slot WHEN 'daily_1' THEN e.session_date = dd.day
                                      WHEN 'holiday_30' THEN e.session_date BETWEEN dd.day - 6 AND dd.day
                                        AND NOT EXISTS (SELECT 1 FROM dd d2 WHERE d2.slot = 'holiday_30'
                                                        AND d2.day >= e.session_date AND d2.day < dd.day)
                                      ELSE date_trunc('week', e.session_date)::date = dd.week END) AS held
    FROM school_class k JOIN dd ON (k.opened_date IS NULL OR k.opened_date <= dd.day)
                               AND (k.closed_date IS NULL OR k.closed_date >= dd.day)
    WHERE k.school = p_school AND NOT k.deleted)
  SELECT o.id, o.name, o.slot, count(*) FILTER (WHERE o.held),
         count(*) FILTER (WHERE o.day < p_today OR o.held)
  FROM occ o GROUP BY o.id, o.grade, o.name, o.slot ORDER BY o.grade, o.name, o.slot
$$;

-- ---------------------------------------------------------------- alerts and missing

-- Months of the period whose last school day has passed without a drill that
-- had a plan and feedback; due = the month's last school day.
CREATE FUNCTION sc_missing_drills(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, month text, due date)
LANGUAGE sql STABLE AS $$
  WITH m AS (
    SELECT to_char(c.day, 'YYYY-MM') AS month, max(c.day) AS last_day
    FROM sc_calendar(p_start, p_end) c GROUP BY 1)
  SELECT s.school, m.month, m.last_day
  FROM sc_schools() s CROSS JOIN m
  WHERE m.last_day < p_today AND NOT EXISTS (
    SELECT 1 FROM drill d
    WHERE d.school = s.school AND NOT d.deleted AND to_char(d.drill_date, 'YYYY-MM') = m.month
      AND d.drill_date BETWEEN p_start AND least(p_end, p_today)
      AND (d.plan_id IS NOT NULL OR d.plan_ref <> '') AND d.feedback <> '')
$$;

-- Notices of the period (issued by its end, due on or after its start) that
-- target the school, are past due at min(p_end, p_today), and have no report.
CREATE FUNCTION sc_missing_notices(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, record_id text, what text, due_date date)
LANGUAGE sql STABLE AS $$
  SELECT s.school, n.id::text, 'notice report: ' || n.title, n.due_date
  FROM notice n
  JOIN sc_schools() s ON n.targets = '' OR s.school = ANY (string_to_array(n.targets, ';'))
  LEFT JOIN notice_status ns ON ns.school = s.school AND ns.notice_id = n.id
  WHERE n.school = '' AND NOT n.deleted
    AND n.issue_date <= least(p_end, p_today) AND n.due_date >= p_start
    AND n.due_date < least(p_end, p_today)
    AND NOT coalesce(ns.reported_hlc > 0 AND ns.report_date <= least(p_end, p_today), false)
$$;

-- Which school has not filed which report, due when: notice reports and
-- monthly drills.
CREATE FUNCTION sc_missing(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, what text, due_date date, record_id text)
LANGUAGE sql STABLE AS $$
  SELECT m.school, m.what, m.due_date, m.record_id FROM sc_missing_notices(p_start, p_end, p_today) m
  UNION ALL
  SELECT d.school, 'drill for ' || d.month, d.due, '' FROM sc_missing_drills(p_start, p_end, p_today) d
  ORDER BY 1, 3, 2
$$;

-- Open hazards as of min(p_end, p_today) by age since found, with how many
-- of them are overdue; school '' is the district.
CREATE FUNCTION sc_hazard_ageing(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, bucket integer, label text, open bigint, overdue bigint)
LANGUAGE sql STABLE AS $$
  WITH d AS (SELECT least(p_end, p_today) AS d),
  sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s),
  b(bucket, label, lo, hi) AS (VALUES (1, '0-7 days', 0, 7), (2, '8-30 days', 8, 30),
                                      (3, '31-90 days', 31, 90), (4, 'over 90 days', 91, NULL)),
  h AS MATERIALIZED (
    SELECT a.school, d.d - a.found AS age, coalesce(a.deadline < d.d, false) AS overdue
    FROM d CROSS JOIN LATERAL sc_hazard_asof(d.d) a JOIN sch ON sch.school = a.school
    WHERE a.state NOT IN ('verified', 'closed')),
  per AS (
    SELECT sch.school, b.bucket, b.label, count(h.age) AS open, count(h.age) FILTER (WHERE h.overdue) AS overdue
    FROM sch CROSS JOIN b
    LEFT JOIN h ON h.school = sch.school AND h.age >= b.lo AND (b.hi IS NULL OR h.age <= b.hi)
    GROUP BY 1, 2, 3)
  SELECT per.school, per.bucket, per.label, per.open, per.overdue FROM per
  UNION ALL
  SELECT '', per.bucket, per.label, sum(per.open)::bigint, sum(per.overdue)::bigint FROM per GROUP BY 2, 3
  ORDER BY 1, 2
$$;

-- Open alerts as of min(p_end, p_today), every school (filter by school):
--   hazard_overdue       a hazard past its deadline and not verified (now)
--   month_without_drill  a month of the period, elapsed, without a drill
--                        that had a plan and feedback
--   notice_missing       a notice past due without a report
--   bus_mismatch         a trip of the period with boarded <> alighted
--   equipment_overdue    an item whose check is overdue
--   risk_overdue         a known risk not removed, past its planned date
-- At most 20 per school and kind, newest first; severity is a Severity name.
CREATE FUNCTION sc_alerts(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, kind text, record_id text, title text, since date, severity text)
LANGUAGE sql STABLE AS $$
  WITH sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s),
  asof AS (SELECT least(p_end, p_today) AS d),
  a AS (
    SELECT h.school, 'hazard_overdue' AS kind, h.id::text AS record_id, h.title,
           h.deadline + 1 AS since, coalesce(nullif(h.severity, ''), 'medium') AS severity
    FROM asof CROSS JOIN LATERAL sc_hazard_asof(asof.d) h JOIN sch ON sch.school = h.school
    WHERE h.state NOT IN ('verified', 'closed') AND h.deadline < asof.d
    UNION ALL
    SELECT m.school, 'month_without_drill', NULL, 'no drill with a plan and feedback in ' || m.month,
           m.due + 1, 'medium'
    FROM sc_missing_drills(p_start, p_end, p_today) m
    UNION ALL
    SELECT ms.school, 'notice_missing', ms.record_id, ms.what, ms.due_date + 1, 'medium'
    FROM sc_missing_notices(p_start, p_end, p_today) ms
    UNION ALL
    SELECT t.school, 'bus_mismatch', t.id::text,
           format('bus trip %s %s: %s boarded, %s alighted', t.trip_date, t.direction, t.boarded, t.alighted),
           t.trip_date, 'critical'
    FROM bus_trip t JOIN sch ON sch.school = t.school, asof
    WHERE t.mismatch AND NOT t.deleted AND t.trip_date BETWEEN p_start AND asof.d
    UNION ALL
    SELECT e.school, 'equipment_overdue', e.id::text,
           format('%s (%s) check due %s', e.item, e.location, o.from_d - 1), o.from_d - 1,
           CASE WHEN e.type IN ('gas_alarm', 'gas_valve') THEN 'high' ELSE 'medium' END
    FROM dash_equipment o JOIN equipment e ON e.school = o.school AND e.id = o.equipment_id
    JOIN sch ON sch.school = o.school, asof
    WHERE NOT e.deleted AND o.from_d <= asof.d AND (o.to_d IS NULL OR o.to_d > asof.d)
    UNION ALL
    SELECT r.school, 'risk_overdue', r.id::text, format('%s (planned %s)', r.title, r.planned_date),
           r.planned_date, 'medium'
    FROM risk r JOIN sch ON sch.school = r.school, asof
    WHERE NOT r.deleted AND r.status <> 'removed' AND r.planned_date < asof.d),
  numbered AS (
    SELECT a.*, row_number() OVER (PARTITION BY a.school, a.kind ORDER BY a.since DESC, a.record_id) AS n
    FROM a)
  SELECT n.school, n.kind, coalesce(n.record_id, ''), n.title, n.since, n.severity
  FROM numbered n WHERE n.n <= 20
  ORDER BY n.school, n.kind, n.since DESC
$$;
