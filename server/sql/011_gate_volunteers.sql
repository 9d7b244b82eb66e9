-- 护学岗 (gate duty): the parent volunteers on a shift by name, not only how
-- many (DOMAIN.md's roster names them). ';'-separated, as the other lists;
-- parent_volunteers stays the count (common/rules.c: when both are given
-- they agree). Rows from before keep '' (names not recorded).
ALTER TABLE gate_duty ADD COLUMN volunteers text NOT NULL DEFAULT '';
