-- Several districts in one database, one schema each (db_schema,
-- docs/internals/database.md "Districts"): what PostgreSQL keeps for the whole
-- database must not be shared between them. The dashboard refresh's try-lock
-- was the one such key in SQL (hashtext('sc_dash_refresh'), 022): a refresh
-- in one district made every other district's refresh give up (-1) and
-- compute its dashboards live. The key becomes PostgreSQL's two-int form,
-- (hashtext('sc_dash_refresh'), the OID of the schema the session works in),
-- one per district and apart from every bigint key.
--
-- The function is 022's, changed in that one place: rewritten from its own
-- definition rather than copied a third time (020 and 021 had copies, 022
-- made it one). The DO block fails, and with it the migration, if the text
-- is not found exactly once.
DO $$
DECLARE
  old_def text := pg_get_functiondef('sc_dash_refresh(date, date, date)'::regprocedure);
  -- a PL/pgSQL body is kept as written: 022's text, verbatim
  old_key text := 'pg_try_advisory_xact_lock(hashtext(''sc_dash_refresh''))';
  new_key text := 'pg_try_advisory_xact_lock(hashtext(''sc_dash_refresh''), '
                  'current_schema()::regnamespace::oid::int)';
  new_def text;
BEGIN
  IF (length(old_def) - length(replace(old_def, old_key, ''))) / length(old_key) <> 1 THEN
    RAISE EXCEPTION 'sc_dash_refresh: the lock call % is not in its definition exactly once', old_key;
  END IF;
  new_def := replace(old_def, old_key, new_key);
  EXECUTE new_def;
END
$$;
