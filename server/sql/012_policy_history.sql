-- Policies and emergency plans keep their history: editing the version of a
-- policy writes a new record that names the one it replaced (previous_id);
-- the old version stays as it was, so the plan in force on a drill's date
-- can be shown (`safecampus show ID --on DATE`).
ALTER TABLE policy ADD COLUMN previous_id uuid;
CREATE INDEX policy_previous ON policy (school, previous_id) WHERE previous_id IS NOT NULL;
