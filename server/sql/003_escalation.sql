-- Overdue hazards escalate (docs/internals/escalation.md).
--
-- A hazard past its deadline and neither verified nor closed is overdue. The
-- server's escalation pass (server/escalate.c) appends one hazard_event with
-- action 'escalate' per level it raises:
--   level 1  to the owner      the day after the deadline
--   level 2  to the principal  deadline + to_principal_days
--   level 3  to the bureau     deadline + to_bureau_days
-- Each level is raised once per deadline: a new deadline (re-assign) or a
-- reopen starts the count again.

-- How long, per severity, before the principal and then the bureau hear of an
-- overdue hazard. The district changes it with plain SQL, e.g.
--   UPDATE escalation_policy SET to_principal_days = 2 WHERE severity = 'high';
-- A NULL day count means "never to that level"; a severity with no row
-- escalates to the owner only. Changes apply from the next pass.
CREATE TABLE escalation_policy (
  severity           text PRIMARY KEY,          -- Severity's text form: low, medium, high, critical
  to_principal_days  integer CHECK (to_principal_days >= 1),
  to_bureau_days     integer CHECK (to_bureau_days >= 1),
  CHECK (to_bureau_days >= to_principal_days)
);
INSERT INTO escalation_policy (severity, to_principal_days, to_bureau_days) VALUES
  ('critical', 1, 3),
  ('high', 3, 7),
  ('medium', 7, 14),
  ('low', 14, 30);

-- Derived, like state and owner: the highest level raised against the current
-- deadline (0: none). Written by the escalation pass; set back to 0 by the
-- trigger below when the workflow changes the deadline or reopens the hazard.
ALTER TABLE hazard ADD COLUMN escalation_level integer NOT NULL DEFAULT 0;

-- On an 'escalate' event, the level it raised; 0 for every other action. Not on
-- the wire (clients count escalations in hazard_fsm.c); for analysts and the
-- dashboards.
ALTER TABLE hazard_event ADD COLUMN escalation_level integer NOT NULL DEFAULT 0;

-- The pass looks only at open hazards with a deadline.
CREATE INDEX hazard_open_deadline ON hazard (deadline)
  WHERE deadline IS NOT NULL AND state NOT IN ('verified', 'closed') AND NOT deleted;

-- The same rule as hazard_fsm.c: an assign with another deadline, or a reopen,
-- starts the escalation count again. The push path writes the derived columns
-- with one UPDATE per hazard and batch, so a trigger is the one place that sees
-- every such change.
CREATE FUNCTION hazard_escalation_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.escalation_level := 0;
  RETURN NEW;
END
$$;
CREATE TRIGGER hazard_escalation_reset BEFORE UPDATE OF deadline, reopen_count ON hazard
  FOR EACH ROW
  WHEN (OLD.deadline IS DISTINCT FROM NEW.deadline OR OLD.reopen_count IS DISTINCT FROM NEW.reopen_count)
  EXECUTE FUNCTION hazard_escalation_reset();
