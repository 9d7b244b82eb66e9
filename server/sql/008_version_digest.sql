-- Each stored version carries a digest of its content (server/kindsql.c:
-- SHA-256 of the packed payload and the deleted flag, first 16 bytes), set by
-- the server on every write. Versions are ordered by (hlc, written_by), so two
-- campuses never collide; but one campus can issue a stamp twice if its store
-- is restored from an old backup. A push of an equal version is a re-send only
-- if its digest matches; different content under the same version is refused
-- instead of being acknowledged and dropped. Rows written before this
-- migration (and the server's own escalation events) have no digest, and
-- equal versions of those are taken as re-sends, as before.
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
    EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS digest bytea', t);
  END LOOP;
END
$$;
