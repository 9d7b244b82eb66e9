-- Every submission a school owes, and which are missing (issue 10): the
-- district's "reporting rate and timeliness" (DHIS2's reports are the
-- model). 004 listed notice reports and monthly drills; a school also owes
-- its responsibility letters at the start of the year, equipment checks by
-- their interval, bus inspections and its "1530" sessions per class and
-- school day. Due dates come from the district calendar (sc_terms: the
-- bureau's, else the default) and the records themselves.
--
-- Nothing here is on the push path (no trigger, no function a trigger calls).

-- Days after the first school day of the calendar year by which every
-- current staff member holds that year's responsibility letter. The district
-- edits the row.
CREATE TABLE dashboard_due (
  key   text PRIMARY KEY,
  days  integer NOT NULL CHECK (days >= 0)
);
INSERT INTO dashboard_due (key, days) VALUES ('letters', 30);

-- The day letters of year p_year fall due: the first term day in that year
-- (sc_terms; a term begun the year before counts from January 1st) + the
-- district's days.
CREATE FUNCTION sc_letters_due(p_year integer) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT min(greatest(t.ts, make_date(p_year, 1, 1)))
         + coalesce((SELECT d.days FROM dashboard_due d WHERE d.key = 'letters'), 30)
  FROM sc_terms(make_date(p_year, 1, 1), make_date(p_year, 12, 31)) t
  WHERE t.te >= make_date(p_year, 1, 1) AND t.ts <= make_date(p_year, 12, 31)
$$;

-- Which school has not filed what, due when, as of min(p_end, p_today)
-- ("A"). kind is stable (the client groups and translates by it), what is
-- for people, record_id names the record concerned where there is one.
--   notice_report   a notice past due without a report (004)
--   drill           a counted month without a drill with plan and feedback (004)
--   letter          a current staff member without this year's letter once
--                   letters are due (sc_letters_due) and before A
--   equipment_check an item overdue at A (dash_equipment): due the day
--                   before it became overdue
--   bus_inspection  an active bus whose next inspection is before A
--   education_1530  for each school in p_focus (not ''): each class with
--                   "1530" occasions due and not held in the period, due
--                   the last school day before A. The district view gets a
--                   line per school instead, from the values it already has
--                   (server/dash_build.c).
-- Ordered by school, due date, what.
DROP FUNCTION sc_missing(date, date, date);
CREATE FUNCTION sc_missing(p_start date, p_end date, p_today date, p_focus text[] DEFAULT '{}')
RETURNS TABLE (school text, what text, due_date date, record_id text, kind text)
LANGUAGE sql STABLE AS $$
  WITH asof AS (SELECT least(p_end, p_today) AS d),
  sch AS MATERIALIZED (SELECT s.school FROM sc_schools() s),
  ldue AS (SELECT sc_letters_due(extract(year FROM asof.d)::int) AS due, extract(year FROM asof.d)::int AS year
           FROM asof),
  m AS (
    SELECT n.school, n.what, n.due_date, n.record_id, 'notice_report' AS kind
    FROM sc_missing_notices(p_start, p_end, p_today) n
    UNION ALL
    SELECT d.school, 'drill for ' || d.month, d.due, '', 'drill' FROM sc_missing_drills(p_start, p_end, p_today) d
    UNION ALL
    -- current staff as the letters indicator counts them (sc_indicator_values)
    SELECT s.school, format('responsibility letter %s: %s', ldue.year, s.name), ldue.due, s.id::text, 'letter'
    FROM staff s JOIN sch ON sch.school = s.school CROSS JOIN asof CROSS JOIN ldue
    WHERE NOT s.deleted AND NOT (s.inactive AND s.left_date IS NULL)
      AND coalesce(s.joined_date, '-infinity') <= asof.d AND (s.left_date IS NULL OR s.left_date > asof.d)
      AND ldue.due < asof.d AND ldue.due >= p_start
      AND NOT EXISTS (SELECT 1 FROM dash_letter l WHERE l.school = s.school AND l.staff_id = s.id
                        AND l.year = ldue.year AND l.since <= asof.d)
    UNION ALL
    SELECT e.school, format('equipment check: %s (%s)', e.item, e.location), o.from_d - 1, e.id::text,
           'equipment_check'
    FROM dash_equipment o JOIN equipment e ON e.school = o.school AND e.id = o.equipment_id
    JOIN sch ON sch.school = o.school CROSS JOIN asof
    WHERE NOT e.deleted AND o.from_d <= asof.d AND (o.to_d IS NULL OR o.to_d > asof.d)
    UNION ALL
    SELECT b.school, format('bus inspection: %s', b.plate), b.next_inspection_date, b.id::text, 'bus_inspection'
    FROM bus b JOIN sch ON sch.school = b.school CROSS JOIN asof
    WHERE NOT b.deleted AND NOT b.inactive AND b.next_inspection_date < asof.d
    UNION ALL
    SELECT f.school, format('"1530" sessions, class %s: %s of %s not held', c.class_name, c.due - c.held, c.due),
           (SELECT max(k.day) FROM sc_calendar(p_start, p_end) k, asof WHERE k.day < asof.d AND k.day <= p_end),
           c.class_id::text, 'education_1530'
    FROM (SELECT DISTINCT x.f AS school FROM unnest(p_focus) x(f) JOIN sch ON sch.school = x.f) f
    CROSS JOIN LATERAL (
      SELECT b.class_id, b.class_name, sum(b.held) AS held, sum(b.due) AS due
      FROM sc_education_by_class(p_start, p_end, p_today, f.school) b GROUP BY 1, 2) c
    WHERE c.due > c.held)
  SELECT m.school, m.what, m.due_date, m.record_id, m.kind FROM m ORDER BY 1, 3, 2
$$;
