-- Record ids are unique in the district, for each kind, not only per school.
-- Tables stay keyed (school, id) so that they distribute by school (Citus), but
-- a school must not push a record under the id of another school's record: the
-- bureau's feed would carry two rows with one id, and a client that applies
-- rows by id would let the second overwrite what it shows for the first.
-- Phase 1 of a push (server/push.c) looks the batch's ids up across schools,
-- under the district sync lock, and refuses a new record whose id another
-- school already holds. This index makes that lookup a key lookup. It is not
-- UNIQUE on purpose: a violation would abort the whole batch, and a unique
-- index without the distribution column is not possible on Citus.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.table_name
      FROM information_schema.columns c
      JOIN information_schema.tables tb
        ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE'
       AND c.column_name IN ('id', 'school', 'hlc', 'seq', 'written_by')
     GROUP BY c.table_name
    HAVING count(*) = 5
  LOOP
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (id)', t || '_id_idx', t);
  END LOOP;
END
$$;
