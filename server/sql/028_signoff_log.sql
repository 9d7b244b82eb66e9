-- The district's signoff log (issue 11, docs/internals/people.md "The last
-- step deleted"): every signoff row's place in the order the server accepted
-- the signatures (log_seq 1, 2, ...) and the running hash up to it,
-- log_hash = sha256(the previous row's log_hash, or 32 zero bytes, || hash).
-- push.c draws both under the district sync lock; the bureau's pulls carry the
-- head, which `safecampusd --verify --log-head=N:HEX` checks the log against,
-- so deleting a chain's newest step with its signoff row shows.
ALTER TABLE signoff ADD COLUMN log_seq bigint, ADD COLUMN log_hash bytea;

-- rows from before the log, in the order they were received
DO $$
DECLARE
  r record;
  n bigint := 0;
  h bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
BEGIN
  FOR r IN SELECT school, id, hlc, hash FROM signoff
           ORDER BY received_at, school, chain_id, pos LOOP
    n := n + 1;
    h := sha256(h || r.hash);
    UPDATE signoff SET log_seq = n, log_hash = h
     WHERE school = r.school AND id = r.id AND hlc = r.hlc;
  END LOOP;
END $$;

CREATE UNIQUE INDEX signoff_log ON signoff (log_seq);
