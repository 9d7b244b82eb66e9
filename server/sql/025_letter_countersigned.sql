-- A responsibility letter counts for coverage once it is concluded (issue 11,
-- docs/internals/people.md): a letter is 签订 when both sides have signed it,
-- so a letter its holder signed counts from the day the level above
-- counter-signed it (letter_event COUNTERSIGN, 024), the later of the two
-- dates, and not at all while it awaits that. A letter recorded without any
-- signature (require_signatures = 0: synthetic data, letters typed in from
-- paper before signatures) records both sides by name and counts from its
-- signed_date as before. One definition with the client:
-- common/indicators.c indicators_letter_since.

-- The day letter (p_school, p_id) holds from; NULL while it awaits its
-- counter-signature.
CREATE FUNCTION sc_letter_since(p_school text, p_id uuid, p_signed date) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN NOT EXISTS (SELECT 1 FROM signoff s WHERE s.school = p_school AND s.id = p_id) THEN p_signed
    ELSE (SELECT CASE WHEN min(e.signed_date) IS NULL OR p_signed IS NULL THEN NULL
                      ELSE greatest(p_signed, min(e.signed_date)) END
          FROM letter_event e
          WHERE e.school = p_school AND e.letter_id = p_id AND NOT e.deleted
            AND e.action = 'countersign')
  END
$$;

-- 005's function with the letter's day from sc_letter_since.
CREATE OR REPLACE FUNCTION sc_letter_rebuild_staff(p_school text[], p_staff uuid[]) RETURNS void
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
       LATERAL (SELECT s.school, s.id, l.year, sc_letter_since(l.school, l.id, l.signed_date) AS signed_date
                FROM letter l
                WHERE l.school = s.school AND l.signer_staff_id = s.id AND NOT l.deleted
                UNION ALL
                SELECT s.school, s.id, l.year, sc_letter_since(l.school, l.id, l.signed_date) FROM letter l
                WHERE l.school = s.school AND l.signer = s.name AND l.signer_staff_id IS NULL AND NOT l.deleted
                UNION ALL
                SELECT s.school, s.id, l.year, sc_letter_since(l.school, l.id, l.signed_date) FROM letter l
                WHERE l.school = s.school AND l.counter_signer = s.name AND NOT l.deleted) x
  WHERE x.year BETWEEN 1900 AND 2999 AND x.signed_date IS NOT NULL
  GROUP BY 1, 2, 3;
$$;

-- The staff of the letters whose signatures or counter-signatures were
-- written: a letter's row is stored before its signoff row (push.c), so the
-- letter's own trigger saw it unsigned; and a counter-signature moves its
-- letter from awaiting to held.
CREATE FUNCTION sc_letter_signed_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'signoff' THEN
    PERFORM sc_letter_rebuild_letters(array_agg(l.school), array_agg(l.signer_staff_id),
                                      array_agg(l.signer), array_agg(l.counter_signer))
    FROM new_rows n JOIN letter l ON l.school = n.school AND l.id = n.id
    WHERE n.kind = 'letter' HAVING count(*) > 0;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM sc_letter_rebuild_letters(array_agg(l.school), array_agg(l.signer_staff_id),
                                      array_agg(l.signer), array_agg(l.counter_signer))
    FROM (SELECT DISTINCT school, letter_id FROM old_rows) o
    JOIN letter l ON l.school = o.school AND l.id = o.letter_id HAVING count(*) > 0;
  ELSE
    PERFORM sc_letter_rebuild_letters(array_agg(l.school), array_agg(l.signer_staff_id),
                                      array_agg(l.signer), array_agg(l.counter_signer))
    FROM (SELECT DISTINCT school, letter_id FROM new_rows) n
    JOIN letter l ON l.school = n.school AND l.id = n.letter_id HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER signoff_letter_ins AFTER INSERT ON signoff
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_signed_trigger();
CREATE TRIGGER letter_event_dash_ins AFTER INSERT ON letter_event
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_signed_trigger();
CREATE TRIGGER letter_event_dash_upd AFTER UPDATE ON letter_event
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_signed_trigger();
CREATE TRIGGER letter_event_dash_del AFTER DELETE ON letter_event
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sc_letter_signed_trigger();

-- the cached dashboards (020, 022) of a school whose counter-signatures changed
CREATE TRIGGER letter_event_stamp_ins AFTER INSERT ON letter_event REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger();
CREATE TRIGGER letter_event_stamp_upd AFTER UPDATE ON letter_event REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger();
CREATE TRIGGER letter_event_stamp_del AFTER DELETE ON letter_event REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger();

-- letters already stored: those awaiting a counter-signature stop counting
SELECT sc_letter_rebuild_staff(array_agg(s.school), array_agg(s.id)) FROM staff s HAVING count(*) > 0;
