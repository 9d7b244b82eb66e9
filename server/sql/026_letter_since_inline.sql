-- 025's rule, planned with the rebuild: sc_letter_since called per letter is
-- not inlined (PostgreSQL does not inline a SQL function whose body has a
-- subquery), and its executor start per call made a full rebuild of 200
-- schools' staff 1.8 times 005's (tests/bench/letter_since.sh). The same
-- rule, as one LATERAL of the rebuild's plan; sc_letter_since stays for
-- readers who ask for one letter's day.
CREATE OR REPLACE FUNCTION sc_letter_rebuild_staff(p_school text[], p_staff uuid[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_letter d
  USING (SELECT DISTINCT * FROM unnest(p_school, p_staff) AS k(school, id)) k
  WHERE d.school = k.school AND d.staff_id = k.id;
  INSERT INTO dash_letter (school, staff_id, year, since)
  SELECT s.school, s.id, l.year, min(c.since)
  FROM (SELECT DISTINCT s.school, s.id, s.name
        FROM unnest(p_school, p_staff) AS k(school, id)
        JOIN staff s ON s.school = k.school AND s.id = k.id
        WHERE NOT s.deleted) s,
       LATERAL (SELECT l.id, l.year, l.signed_date FROM letter l
                WHERE l.school = s.school AND l.signer_staff_id = s.id AND NOT l.deleted
                UNION ALL
                SELECT l.id, l.year, l.signed_date FROM letter l
                WHERE l.school = s.school AND l.signer = s.name AND l.signer_staff_id IS NULL AND NOT l.deleted
                UNION ALL
                SELECT l.id, l.year, l.signed_date FROM letter l
                WHERE l.school = s.school AND l.counter_signer = s.name AND NOT l.deleted) l,
       -- sc_letter_since (025): unsigned, its signed_date; signed, the later
       -- of that and its counter-signature, none while it awaits one
       LATERAL (SELECT CASE
                  WHEN NOT EXISTS (SELECT 1 FROM signoff g WHERE g.school = s.school AND g.id = l.id)
                    THEN l.signed_date
                  ELSE (SELECT CASE WHEN min(e.signed_date) IS NULL OR l.signed_date IS NULL THEN NULL
                                    ELSE greatest(l.signed_date, min(e.signed_date)) END
                        FROM letter_event e
                        WHERE e.school = s.school AND e.letter_id = l.id AND NOT e.deleted
                          AND e.action = 'countersign')
                END AS since) c
  WHERE l.year BETWEEN 1900 AND 2999 AND c.since IS NOT NULL
  GROUP BY 1, 2, 3;
$$;
