-- One definition of letter coverage (issue 10): 004's full rebuild by school,
-- sc_letter_rebuild, still counted every letter from its signed date, while
-- 025/026 count a signed letter only once it is counter-signed. Pushes use
-- sc_letter_rebuild_staff (026), so the dashboards were right; but a full
-- rebuild (what tests/integration/test_push_plans.c compares the incremental
-- rows with, and any later migration that rebuilds a school) gave the old
-- numbers. It becomes 026's function over the schools' staff.
CREATE OR REPLACE FUNCTION sc_letter_rebuild(p_school text[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM dash_letter WHERE school = ANY (p_school);
  SELECT sc_letter_rebuild_staff(coalesce(array_agg(s.school), '{}'::text[]),
                                 coalesce(array_agg(s.id), '{}'::uuid[]))
  FROM staff s WHERE s.school = ANY (p_school) AND NOT s.deleted;
$$;
