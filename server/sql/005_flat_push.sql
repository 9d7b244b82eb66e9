-- A push costs what it touches, not what the district has stored.
--
-- 004's statement-level triggers keep the dashboard's aggregates (dash_*) up
-- to date inside every push. Several of them read far more than the rows a
-- push touched:
--   hazard, hazard_event   sc_hazard_timeline's `p_school IS NULL OR (school,
--                          id) IN (...)`: a SQL function's statements are
--                          planned generically, and the generic plan of that
--                          predicate is a sequential scan of hazard, then of
--                          hazard_event (every hazard of the district, for
--                          each push of one event)
--   equipment(_check)      the same predicate in sc_equipment_timeline
--   staff, letter          every write rebuilt the school's whole dash_letter
--                          with three sequential scans of letter (no index
--                          leads with the signer)
--   school_class           any change (a renamed head teacher too) rebuilt the
--                          school's whole dash_education, joining school_class
--                          by a sequential scan
-- Measured by a reviewer: a 50-hazard push ran at 71/s on an empty database,
-- 12.6/s with 250,000 hazards stored.
--
-- The rule here, for every trigger on the push path: the trigger reads only
-- its transition tables and hands the keys to a SQL function as arrays; the
-- function starts from unnest(keys) (planned as a few rows, since a SQL
-- function's arrays are parameters) and reaches every table through an index
-- whose leading columns are the keys, with no `IS NULL OR` in a predicate;
-- the whole-table forms (rows already stored, bulk loads) are separate
-- statements. tests/integration/test_push_plans.c checks the plans and the
-- rows read on a filled database; docs/internals/dashboards.md, "Triggers",
-- says the same for people.

-- ---------------------------------------------------------------- hazards

-- The timeline rows of the given hazards: 004's definition, reached from the
-- keys only (hazard by its primary key, hazard_event by hazard_event_hazard).
CREATE FUNCTION sc_hazard_timeline_of(p_school text[], p_id uuid[])
RETURNS SETOF dash_hazard
LANGUAGE sql STABLE AS $$
  WITH k AS (SELECT DISTINCT * FROM unnest(p_school, p_id) AS k(school, id)),
  hz AS MATERIALIZED (
    SELECT h.school, h.id, coalesce(h.found_date, h.received_at::date) AS found
    FROM k JOIN hazard h ON h.school = k.school AND h.id = k.id
    WHERE NOT h.deleted),
  ev AS (
    SELECT e.school, e.hazard_id, e.seq, e.action, e.deadline_date, hz.found,
           greatest(hz.found, max(sc_event_date(e.at_ms, e.hlc))
                                OVER (PARTITION BY e.school, e.hazard_id ORDER BY e.seq)) AS d
    FROM hz JOIN hazard_event e ON e.school = hz.school AND e.hazard_id = hz.id
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

-- Kept for analysts and for rebuilding everything: NULL keys = every hazard
-- (in one statement of its own, planned for the whole table), else the keyed
-- function above.
CREATE OR REPLACE FUNCTION sc_hazard_timeline(p_school text[], p_id uuid[])
RETURNS SETOF dash_hazard
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_school IS NULL THEN
    RETURN QUERY SELECT t.* FROM (SELECT array_agg(h.school) AS s, array_agg(h.id) AS i FROM hazard h) a,
                 LATERAL sc_hazard_timeline_of(a.s, a.i) t;
  ELSE
    RETURN QUERY SELECT * FROM sc_hazard_timeline_of(p_school, p_id);
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION sc_hazard_rebuild(p_school text[], p_id uuid[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_hazard d
  USING (SELECT DISTINCT * FROM unnest(p_school, p_id) AS k(school, id)) k
  WHERE d.school = k.school AND d.hazard_id = k.id;
  INSERT INTO dash_hazard SELECT * FROM sc_hazard_timeline_of(p_school, p_id);
$$;

-- 004's row trigger on hazard ran one rebuild per updated hazard; one per
-- statement now, for the hazards whose found_date or deleted changed: the
-- workflow's own UPDATE of the derived columns (state, owner, ...) in every
-- push of events changes nothing the timeline reads. The other hazard and
-- hazard_event triggers keep 004's function, which now reaches the keyed
-- rebuild above.
CREATE FUNCTION sc_hazard_upd_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sc_hazard_rebuild(array_agg(n.school), array_agg(n.id))
  FROM old_rows o JOIN new_rows n ON n.school = o.school AND n.id = o.id
  WHERE o.found_date IS DISTINCT FROM n.found_date OR o.deleted IS DISTINCT FROM n.deleted
  HAVING count(*) > 0;
  RETURN NULL;
END
$$;
DROP TRIGGER hazard_dash_upd ON hazard;
DROP FUNCTION sc_hazard_row_trigger();
CREATE TRIGGER hazard_dash_upd AFTER UPDATE ON hazard
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_hazard_upd_trigger();

-- ---------------------------------------------------------------- equipment

-- The overdue intervals of the given items: 004's definition from the keys
-- (equipment by its primary key, checks by equipment_check_equipment). Each
-- check row carries its item's interval, and the first check is looked up per
-- item, so no two derived sets are joined (a join of two CTEs is planned on
-- estimates, which for the whole table made it quadratic).
CREATE FUNCTION sc_equipment_timeline_of(p_school text[], p_id uuid[])
RETURNS SETOF dash_equipment
LANGUAGE sql STABLE AS $$
  WITH k AS (SELECT DISTINCT * FROM unnest(p_school, p_id) AS k(school, id)),
  eqi AS MATERIALIZED (
    SELECT e.school, e.id, e.interval_days, e.last_check_date,
           coalesce(e.next_due_date, e.installed_date + e.interval_days) AS first_due
    FROM k JOIN equipment e ON e.school = k.school AND e.id = k.id
    WHERE NOT e.deleted),
  chk AS (
    SELECT x.school, x.id, x.iv, x.d, lead(x.d) OVER (PARTITION BY x.school, x.id ORDER BY x.d) AS next_d
    FROM (SELECT c.school, c.equipment_id AS id, eqi.interval_days AS iv, c.check_date AS d
          FROM eqi JOIN equipment_check c ON c.school = eqi.school AND c.equipment_id = eqi.id
          WHERE NOT c.deleted AND c.check_date IS NOT NULL
          UNION
          SELECT eqi.school, eqi.id, eqi.interval_days, eqi.last_check_date FROM eqi
          WHERE eqi.last_check_date IS NOT NULL) x),
  iv AS (
    SELECT chk.school, chk.id, chk.d + chk.iv + 1 AS from_d, chk.next_d AS to_d
    FROM chk
    UNION ALL
    SELECT i.school, i.id, i.first_due + 1, least(f.d, i.last_check_date)
    FROM eqi i
    LEFT JOIN LATERAL (SELECT min(c.check_date) AS d FROM equipment_check c
                       WHERE c.school = i.school AND c.equipment_id = i.id
                         AND NOT c.deleted AND c.check_date IS NOT NULL) f ON true
    WHERE i.first_due IS NOT NULL)
  SELECT iv.school, iv.id, iv.from_d, iv.to_d FROM iv WHERE iv.to_d IS NULL OR iv.to_d > iv.from_d
$$;

CREATE OR REPLACE FUNCTION sc_equipment_timeline(p_school text[], p_id uuid[])
RETURNS SETOF dash_equipment
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_school IS NULL THEN
    RETURN QUERY SELECT t.* FROM (SELECT array_agg(e.school) AS s, array_agg(e.id) AS i FROM equipment e) a,
                 LATERAL sc_equipment_timeline_of(a.s, a.i) t;
  ELSE
    RETURN QUERY SELECT * FROM sc_equipment_timeline_of(p_school, p_id);
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION sc_equipment_rebuild(p_school text[], p_id uuid[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_equipment d
  USING (SELECT DISTINCT * FROM unnest(p_school, p_id) AS k(school, id)) k
  WHERE d.school = k.school AND d.equipment_id = k.id;
  INSERT INTO dash_equipment SELECT * FROM sc_equipment_timeline_of(p_school, p_id);
$$;

-- An update's items once (004 rebuilt the old keys, then the new).
CREATE OR REPLACE FUNCTION sc_equipment_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'equipment' THEN
    IF TG_OP = 'INSERT' THEN
      PERFORM sc_equipment_rebuild(array_agg(n.school), array_agg(n.id)) FROM new_rows n HAVING count(*) > 0;
    ELSIF TG_OP = 'UPDATE' THEN
      PERFORM sc_equipment_rebuild(array_agg(x.school), array_agg(x.id))
      FROM (SELECT o.school, o.id FROM old_rows o UNION SELECT n.school, n.id FROM new_rows n) x
      HAVING count(*) > 0;
    ELSE
      PERFORM sc_equipment_rebuild(array_agg(o.school), array_agg(o.id)) FROM old_rows o HAVING count(*) > 0;
    END IF;
  ELSE
    IF TG_OP = 'INSERT' THEN
      PERFORM sc_equipment_rebuild(array_agg(n.school), array_agg(n.equipment_id)) FROM new_rows n
      HAVING count(*) > 0;
    ELSIF TG_OP = 'UPDATE' THEN
      PERFORM sc_equipment_rebuild(array_agg(x.school), array_agg(x.equipment_id))
      FROM (SELECT o.school, o.equipment_id FROM old_rows o
            UNION SELECT n.school, n.equipment_id FROM new_rows n) x
      HAVING count(*) > 0;
    ELSE
      PERFORM sc_equipment_rebuild(array_agg(o.school), array_agg(o.equipment_id)) FROM old_rows o
      HAVING count(*) > 0;
    END IF;
  END IF;
  RETURN NULL;
END
$$;

-- ---------------------------------------------------------------- "1530"

-- 004's trigger tested `TG_OP = 'INSERT' AND (SELECT count(*) ... FROM
-- new_rows)` in one expression, which a DELETE (no new_rows) cannot plan:
-- every DELETE on education failed. The same trigger with the test nested.
CREATE OR REPLACE FUNCTION sc_education_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- a bulk load (COPY, an import): rebuilding whole schools is cheaper than
    -- one lookup per bucket; no push is that large (max_push_records)
    IF (SELECT count(*) > 20000 FROM new_rows) THEN
      PERFORM sc_education_rebuild_schools(array_agg(DISTINCT n.school)) FROM new_rows n;
    ELSE
      PERFORM sc_education_rebuild(array_agg(n.school), array_agg(n.slot),
                                   array_agg(sc_education_bucket(n.slot, n.session_date)))
      FROM new_rows n;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    -- an update's buckets once (004 rebuilt the old keys, then the new)
    PERFORM sc_education_rebuild(array_agg(x.school), array_agg(x.slot), array_agg(x.bucket))
    FROM (SELECT o.school, o.slot, sc_education_bucket(o.slot, o.session_date) AS bucket FROM old_rows o
          UNION
          SELECT n.school, n.slot, sc_education_bucket(n.slot, n.session_date) FROM new_rows n) x;
  ELSE
    PERFORM sc_education_rebuild(array_agg(o.school), array_agg(o.slot),
                                 array_agg(sc_education_bucket(o.slot, o.session_date)))
    FROM old_rows o;
  END IF;
  RETURN NULL;
END
$$;

-- Gate duty: the same, an update's days once.
CREATE OR REPLACE FUNCTION sc_gate_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sc_gate_rebuild(array_agg(n.school), array_agg(n.duty_date)) FROM new_rows n;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM sc_gate_rebuild(array_agg(x.school), array_agg(x.duty_date))
    FROM (SELECT o.school, o.duty_date FROM old_rows o UNION SELECT n.school, n.duty_date FROM new_rows n) x;
  ELSE
    PERFORM sc_gate_rebuild(array_agg(o.school), array_agg(o.duty_date)) FROM old_rows o;
  END IF;
  RETURN NULL;
END
$$;

-- A class opened, closed or withdrawn changes which of its own sessions
-- count, and nothing else: rebuild the buckets its sessions fall in (found
-- through education_class), not its school's every bucket.
CREATE FUNCTION sc_education_rebuild_classes(p_school text[], p_class uuid[]) RETURNS void
LANGUAGE sql AS $$
  SELECT sc_education_rebuild(array_agg(b.school), array_agg(b.slot), array_agg(b.bucket))
  FROM (SELECT DISTINCT e.school, e.slot, sc_education_bucket(e.slot, e.session_date) AS bucket
        FROM (SELECT DISTINCT * FROM unnest(p_school, p_class) AS k(school, id)) k
        JOIN education e ON e.school = k.school AND e.school_class_id = k.id
        WHERE NOT e.deleted AND e.session_date IS NOT NULL
          AND e.slot IN ('daily_1', 'weekly_10', 'weekend_5')) b
  HAVING count(*) > 0;
$$;

-- The same dash_education rows as 004's whole-school rebuild: a new or
-- withdrawn class, or one whose opening, closing or deletion changed. Other
-- edits (head teacher, student count) change nothing counted.
CREATE OR REPLACE FUNCTION sc_school_class_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sc_education_rebuild_classes(array_agg(n.school), array_agg(n.id)) FROM new_rows n
    HAVING count(*) > 0;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM sc_education_rebuild_classes(array_agg(n.school), array_agg(n.id))
    FROM old_rows o JOIN new_rows n ON n.school = o.school AND n.id = o.id
    WHERE o.opened_date IS DISTINCT FROM n.opened_date OR o.closed_date IS DISTINCT FROM n.closed_date
       OR o.deleted IS DISTINCT FROM n.deleted
    HAVING count(*) > 0;
  ELSE
    PERFORM sc_education_rebuild_classes(array_agg(o.school), array_agg(o.id)) FROM old_rows o
    HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;
-- 004's UPDATE trigger named only the new rows
DROP TRIGGER school_class_dash_upd ON school_class;
CREATE TRIGGER school_class_dash_upd AFTER UPDATE ON school_class
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_school_class_trigger();

-- ---------------------------------------------------------------- letters

-- A staff member's dash_letter rows depend on their own id, name and deleted
-- flag and on the letters naming them, never on another staff member (two
-- with one name each hold the letter on their own): so a write rebuilds the
-- staff it concerns, not the school. The indexes lead with what a letter
-- names a staff member by.
CREATE INDEX staff_name ON staff (school, name);
CREATE INDEX letter_signer_staff ON letter (school, signer_staff_id) WHERE signer_staff_id IS NOT NULL;
CREATE INDEX letter_signer ON letter (school, signer) WHERE signer_staff_id IS NULL;
CREATE INDEX letter_counter_signer ON letter (school, counter_signer);

CREATE FUNCTION sc_letter_rebuild_staff(p_school text[], p_staff uuid[]) RETURNS void
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

-- The staff a set of letters names: by signer_staff_id, else by the
-- signer's name; by the counter-signer's name.
CREATE FUNCTION sc_letter_rebuild_letters(p_school text[], p_signer_id uuid[], p_signer text[],
                                          p_counter text[]) RETURNS void
LANGUAGE sql AS $$
  SELECT sc_letter_rebuild_staff(array_agg(x.school), array_agg(x.id))
  FROM (SELECT DISTINCT z.school, z.id
        FROM (SELECT DISTINCT * FROM unnest(p_school, p_signer_id, p_signer, p_counter)
              AS l(school, signer_id, signer, counter)) l,
             LATERAL (SELECT s.school, s.id FROM staff s
                      WHERE s.school = l.school AND s.id = l.signer_id
                      UNION ALL
                      SELECT s.school, s.id FROM staff s
                      WHERE l.signer_id IS NULL AND s.school = l.school AND s.name = l.signer
                      UNION ALL
                      SELECT s.school, s.id FROM staff s
                      WHERE s.school = l.school AND s.name = l.counter) z) x
  HAVING count(*) > 0;
$$;

CREATE FUNCTION sc_staff_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sc_letter_rebuild_staff(array_agg(n.school), array_agg(n.id)) FROM new_rows n HAVING count(*) > 0;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM sc_letter_rebuild_staff(array_agg(n.school), array_agg(n.id))
    FROM old_rows o JOIN new_rows n ON n.school = o.school AND n.id = o.id
    WHERE o.name IS DISTINCT FROM n.name OR o.deleted IS DISTINCT FROM n.deleted
    HAVING count(*) > 0;
  ELSE
    PERFORM sc_letter_rebuild_staff(array_agg(o.school), array_agg(o.id)) FROM old_rows o HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION sc_letter_write_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM sc_letter_rebuild_letters(array_agg(n.school), array_agg(n.signer_staff_id), array_agg(n.signer),
                                      array_agg(n.counter_signer))
    FROM new_rows n HAVING count(*) > 0;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM sc_letter_rebuild_letters(array_agg(x.school), array_agg(x.signer_staff_id), array_agg(x.signer),
                                      array_agg(x.counter_signer))
    FROM (SELECT o.school, o.signer_staff_id, o.signer, o.counter_signer FROM old_rows o
          UNION
          SELECT n.school, n.signer_staff_id, n.signer, n.counter_signer FROM new_rows n) x
    HAVING count(*) > 0;
  ELSE
    PERFORM sc_letter_rebuild_letters(array_agg(o.school), array_agg(o.signer_staff_id), array_agg(o.signer),
                                      array_agg(o.counter_signer))
    FROM old_rows o HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER staff_dash_ins ON staff;
DROP TRIGGER staff_dash_upd ON staff;
DROP TRIGGER staff_dash_del ON staff;
DROP TRIGGER letter_dash_ins ON letter;
DROP TRIGGER letter_dash_upd ON letter;
DROP TRIGGER letter_dash_del ON letter;
CREATE TRIGGER staff_dash_ins AFTER INSERT ON staff
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_staff_trigger();
CREATE TRIGGER staff_dash_upd AFTER UPDATE ON staff
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_staff_trigger();
CREATE TRIGGER staff_dash_del AFTER DELETE ON staff
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_staff_trigger();
CREATE TRIGGER letter_dash_ins AFTER INSERT ON letter
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_write_trigger();
CREATE TRIGGER letter_dash_upd AFTER UPDATE ON letter
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_write_trigger();
CREATE TRIGGER letter_dash_del AFTER DELETE ON letter
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_write_trigger();
DROP FUNCTION sc_letter_trigger();
