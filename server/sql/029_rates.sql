-- The reporting-rate and timeliness table (issue 10; DHIS2's reporting-rate
-- and timeliness reports are the model): per school and data set (the kinds
-- of sc_missing), for the dashboard's period, how many submissions were
-- expected, received, and received on time.
--
-- One definition of what a school owes: sc_owed_of lists every submission
-- owed, with the day it was made (NULL: not made by the as-of day). The
-- missing list (sc_missing_of, 022) is now "owed and not made", read from it;
-- the rates (sc_rates_of) count it. Before, sc_missing_of held the only
-- definition and listed only what was not made, so a rate could not be
-- computed from it and a second copy would have drifted.
--
-- Nothing here is on the push path (no trigger, no function a trigger calls).

-- Every submission owed by the schools p_schools (NULL: all), as of
-- A = least(p_end, p_today):
--   school, kind, what, due_date, record_id as sc_missing (013);
--   made_date  the day the submission was made, by the school's own record
--              (a report's date, a drill's date, the day a letter counted, a
--              check's date), when that is on or before A; NULL otherwise.
-- A row is listed once it counts (docs/internals/dashboards.md, "Time"):
-- its due day has passed (due < A), or it is already made. Kinds:
--   notice_report   each notice targeting the school, issued by A and due
--                   in the period; made = its report's date
--   drill           each month of the period with school days; due its last
--                   school day (counted once passed: p_today, as
--                   sc_missing_drills); made = its first drill with plan and
--                   feedback
--   letter          each current staff member at A, for A's year, when the
--                   letters' due day (sc_letters_due) is in the period; made
--                   = the day their letter counted (dash_letter.since)
--   equipment_check each occasion an item fell due: first its next_due_date
--                   (else installed + interval), then each check + interval;
--                   made = the next check. These are the intervals of
--                   dash_equipment: an occasion not made by A and due before
--                   A is exactly an item overdue at A.
--   bus_inspection  each active bus whose next inspection is before A (the
--                   bus row keeps no history: an inspection done moves the
--                   date on, so a past occasion is seen only while missed)
-- Standing obligations not met (equipment, buses) are listed whatever their
-- due day, as the missing list always showed them; the rates count only
-- what fell due in the period. "1530" sessions are not here: per class they
-- are sc_missing_classes, per school the values' education_1530.
CREATE FUNCTION sc_owed_of(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, kind text, what text, due_date date, record_id text, made_date date)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  RETURN QUERY
  WITH asof AS (SELECT least(p_end, p_today) AS d),
  sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s WHERE (p_schools IS NULL OR s.school = ANY (p_schools))),
  ldue AS (SELECT sc_letters_due(extract(year FROM asof.d)::int) AS due, extract(year FROM asof.d)::int AS year
           FROM asof),
  notices AS (
    SELECT sch.school, 'notice report: ' || n.title AS what, n.due_date AS due, n.id::text AS record_id,
           CASE WHEN ns.reported_hlc > 0 AND ns.report_date <= asof.d THEN ns.report_date END AS made
    FROM notice n CROSS JOIN asof
    JOIN sch ON n.targets = '' OR sch.school = ANY (string_to_array(n.targets, ';'))
    LEFT JOIN notice_status ns ON ns.school = sch.school AND ns.notice_id = n.id
    WHERE n.school = '' AND NOT n.deleted
      AND n.issue_date <= asof.d AND n.due_date BETWEEN p_start AND p_end),
  months AS (
    SELECT to_char(c.day, 'YYYY-MM') AS month, max(c.day) AS last_day
    FROM sc_calendar(p_start, p_end) c GROUP BY 1),
  -- each month's first drill with plan and feedback (grouped and joined,
  -- not looked up per school and month)
  good AS (
    SELECT d.school, to_char(d.drill_date, 'YYYY-MM') AS month, min(d.drill_date) AS d
    FROM drill d JOIN sch ON sch.school = d.school CROSS JOIN asof
    WHERE NOT d.deleted AND d.drill_date BETWEEN p_start AND asof.d
      AND (d.plan_id IS NOT NULL OR d.plan_ref <> '') AND d.feedback <> ''
    GROUP BY 1, 2),
  drills AS (
    SELECT sch.school, 'drill for ' || m.month AS what, m.last_day AS due, ''::text AS record_id,
           good.d AS made
    FROM sch CROSS JOIN months m
    LEFT JOIN good ON good.school = sch.school AND good.month = m.month),
  -- the day each staff member's letter for A's year counted (joined, not
  -- looked up per staff member: one pass over dash_letter)
  held AS (
    SELECT l.school, l.staff_id, min(l.since) AS since
    FROM dash_letter l JOIN sch ON sch.school = l.school CROSS JOIN asof CROSS JOIN ldue
    WHERE l.year = ldue.year AND l.since <= asof.d
    GROUP BY 1, 2),
  letters AS (
    SELECT s.school, format('responsibility letter %s: %s', ldue.year, s.name) AS what, ldue.due,
           s.id::text AS record_id, held.since AS made
    FROM staff s JOIN sch ON sch.school = s.school CROSS JOIN asof CROSS JOIN ldue
    LEFT JOIN held ON held.school = s.school AND held.staff_id = s.id
    WHERE NOT s.deleted AND NOT (s.inactive AND s.left_date IS NULL)
      AND coalesce(s.joined_date, '-infinity') <= asof.d AND (s.left_date IS NULL OR s.left_date > asof.d)
      AND ldue.due BETWEEN p_start AND p_end),
  eqi AS MATERIALIZED (
    SELECT e.school, e.id, e.item, e.location, e.interval_days AS iv,
           coalesce(e.next_due_date, e.installed_date + e.interval_days) AS first_due, e.last_check_date
    FROM equipment e JOIN sch ON sch.school = e.school
    WHERE NOT e.deleted),
  -- every check of an item, its row's last_check_date among them (as
  -- sc_equipment_timeline_of), with the next one
  chk AS (
    SELECT x.school, x.id, x.d, lead(x.d) OVER (PARTITION BY x.school, x.id ORDER BY x.d) AS next_d
    FROM (SELECT c.school, c.equipment_id AS id, c.check_date AS d
          FROM equipment_check c JOIN eqi ON eqi.school = c.school AND eqi.id = c.equipment_id
          WHERE NOT c.deleted AND c.check_date IS NOT NULL
          UNION
          SELECT eqi.school, eqi.id, eqi.last_check_date FROM eqi WHERE eqi.last_check_date IS NOT NULL) x),
  -- the first check of each item (grouped and joined: a lookup per item
  -- in a CTE is a scan of it per item)
  fc AS (SELECT chk.school, chk.id, min(chk.d) AS d FROM chk GROUP BY 1, 2),
  occ AS (
    SELECT eqi.school, eqi.id, eqi.item, eqi.location, eqi.iv, chk.d + eqi.iv AS due, chk.next_d AS next_d
    FROM chk JOIN eqi ON eqi.school = chk.school AND eqi.id = chk.id
    WHERE eqi.iv IS NOT NULL
    UNION ALL
    -- the first occasion, answered by the first check; a check an interval
    -- or more before it starts its own occasion instead (dash_equipment:
    -- an empty interval)
    SELECT eqi.school, eqi.id, eqi.item, eqi.location, eqi.iv, eqi.first_due, fc.d
    FROM eqi LEFT JOIN fc ON fc.school = eqi.school AND fc.id = eqi.id
    WHERE eqi.first_due IS NOT NULL),
  equip AS (
    SELECT o.school, format('equipment check: %s (%s)', o.item, o.location) AS what, o.due,
           o.id::text AS record_id, CASE WHEN o.next_d <= asof.d THEN o.next_d END AS made
    FROM occ o CROSS JOIN asof
    WHERE o.next_d IS NULL OR o.next_d > o.due - coalesce(o.iv, 0)),
  buses AS (
    SELECT b.school, format('bus inspection: %s', b.plate) AS what, b.next_inspection_date AS due,
           b.id::text AS record_id, NULL::date AS made
    FROM bus b JOIN sch ON sch.school = b.school CROSS JOIN asof
    WHERE NOT b.deleted AND NOT b.inactive AND b.next_inspection_date < asof.d),
  owed AS (
    SELECT n.school, 'notice_report' AS kind, n.what, n.due, n.record_id, n.made FROM notices n
    UNION ALL
    SELECT d.school, 'drill', d.what, d.due, d.record_id, d.made FROM drills d
    UNION ALL
    SELECT l.school, 'letter', l.what, l.due, l.record_id, l.made FROM letters l
    UNION ALL
    SELECT e.school, 'equipment_check', e.what, e.due, e.record_id, e.made FROM equip e
    UNION ALL
    SELECT b.school, 'bus_inspection', b.what, b.due, b.record_id, b.made FROM buses b)
  SELECT o.school, o.kind, o.what, o.due, o.record_id, o.made
  FROM owed o CROSS JOIN asof
  WHERE o.made IS NOT NULL
     OR (CASE WHEN o.kind = 'drill' THEN o.due < p_today ELSE o.due < asof.d END
         AND (o.due >= p_start OR o.kind IN ('equipment_check', 'bus_inspection')))
  ORDER BY 1, 4, 3, 5, 2;
END
$$;

-- sc_missing (013) for the schools p_schools: what is owed and not made.
-- The same rows as 022's definition, now read from sc_owed_of.
CREATE OR REPLACE FUNCTION sc_missing_of(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, what text, due_date date, record_id text, kind text)
LANGUAGE sql STABLE AS $$
  SELECT o.school, o.what, o.due_date, o.record_id, o.kind
  FROM sc_owed_of(p_start, p_end, p_today, p_schools) o
  WHERE o.made_date IS NULL
  ORDER BY 1, 3, 2, 4, 5
$$;

-- The rates of the schools p_schools (NULL: all) for the period, per school
-- and kind, from sc_owed_of: of the submissions due in the period that
-- count by A,
--   expected  how many,
--   received  how many were made by A,
--   on_time   how many were made on or before their due day.
-- Reporting rate = received / expected, timeliness = on_time / expected
-- (DHIS2 divides both by expected); expected 0 has no rate. Every school
-- gets a row for each of the five kinds, 0 when nothing was owed. The
-- sixth, education_1530 (sessions held / due), is the values' held and due
-- (sc_dashboard_values, education_1530's num and den): a session answers
-- its occasion only on its day or in its week, so every one held is on
-- time. server/dash_build.c adds that row and the district's sums.
CREATE FUNCTION sc_rates_of(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, kind text, expected integer, received integer, on_time integer)
LANGUAGE sql STABLE AS $$
  WITH o AS (
    SELECT * FROM sc_owed_of(p_start, p_end, p_today, p_schools) o
    WHERE o.due_date BETWEEN p_start AND p_end),
  k(kind, pos) AS (VALUES ('notice_report', 1), ('drill', 2), ('letter', 3), ('equipment_check', 4),
                          ('bus_inspection', 5))
  SELECT s.school, k.kind, count(o.kind)::int,
         count(o.made_date)::int, count(*) FILTER (WHERE o.made_date <= o.due_date)::int
  FROM sc_schools() s CROSS JOIN k
  LEFT JOIN o ON o.school = s.school AND o.kind = k.kind
  WHERE p_schools IS NULL OR s.school = ANY (p_schools)
  GROUP BY s.school, k.kind, k.pos
  ORDER BY s.school COLLATE "C", k.pos
$$;

-- ---------------------------------------------------------------- cache
-- The rates of the whole district cost ~4 times what its missing list did
-- (every occasion, not only those missed: ~23,000 equipment checks on the
-- generated district of 200 schools), too much to compute for every
-- dashboard. They are kept per school with the other lists (022): the
-- refresh recomputes the stale schools' rows, a reader takes the cache when
-- it is fresh in its snapshot and computes live otherwise.
CREATE TABLE dash_cache_rate (
  ps date NOT NULL, pe date NOT NULL, pt date NOT NULL,
  school text NOT NULL, kind text NOT NULL,
  expected integer NOT NULL, received integer NOT NULL, on_time integer NOT NULL
);
CREATE INDEX dash_cache_rate_school ON dash_cache_rate (ps, pe, pt, school);

-- sc_dash_refresh (022, 023) with the rates among its per-school tables,
-- rewritten from its own definition in two places (as 023 does; the
-- migration fails if either text is not found exactly once).
DO $$
DECLARE
  def text := pg_get_functiondef('sc_dash_refresh(date, date, date)'::regprocedure);
  edits constant text[][] := ARRAY[
    ARRAY['''dash_cache_missing'',', '''dash_cache_missing'', ''dash_cache_rate'','],
    ARRAY['  FROM sc_missing_of(p_start, p_end, p_today, sel) m;' || chr(10),
          '  FROM sc_missing_of(p_start, p_end, p_today, sel) m;' || chr(10)
          || '  INSERT INTO dash_cache_rate SELECT p_start, p_end, p_today, r.*'
          || ' FROM sc_rates_of(p_start, p_end, p_today, sel) r;' || chr(10)]];
BEGIN
  FOR i IN 1 .. array_length(edits, 1) LOOP
    IF (length(def) - length(replace(def, edits[i][1], ''))) / length(edits[i][1]) <> 1 THEN
      RAISE EXCEPTION 'sc_dash_refresh: % is not in its definition exactly once', edits[i][1];
    END IF;
    def := replace(def, edits[i][1], edits[i][2]);
  END LOOP;
  EXECUTE def;
END
$$;

-- sc_rates_of from the cache when it is fresh in the reader's snapshot, else
-- live; the same rows in the same order either way.
CREATE FUNCTION sc_rates_cached(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, kind text, expected integer, received integer, on_time integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY
    SELECT c.school, c.kind, c.expected, c.received, c.on_time FROM dash_cache_rate c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND (p_schools IS NULL OR c.school = ANY (p_schools))
    ORDER BY c.school COLLATE "C",
             array_position(ARRAY['notice_report', 'drill', 'letter', 'equipment_check', 'bus_inspection'], c.kind);
  ELSE
    RETURN QUERY SELECT * FROM sc_rates_of(p_start, p_end, p_today, p_schools);
  END IF;
END
$$;
