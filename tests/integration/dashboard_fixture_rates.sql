-- The reporting-rate cases (029_rates.sql) on top of dashboard_fixture.sql
-- (same district, term 2026-09-01..2026-11-30 as of Wed 2026-11-18), for
-- tests/integration/test_dash_rates.c. Kept apart so that test_dashboard's
-- hand-worked numbers stay as they are: this file moves a holiday, which
-- changes the "1530" numbers of sa and sb (the test checks their "1530"
-- rows against the values, not by hand).
--
-- Wed 09-30 becomes a holiday, so September's last school day, when its
-- drill falls due, is Tue 09-29.
UPDATE calendar SET holidays = holidays || ';2026-09-30' WHERE id = '00000000-0000-4000-8000-00000000ca01';

-- se Epsilon School (roster only): no classes, staff or buses.
--   notice_report  n1 (every school, due 09-15) reported 09-15, ON the due
--                  day: on time. n5 (due 11-20) not yet due; n2 is for sa
--                  and sb only. -> expected 1, received 1, on time 1.
--   drill          September: a drill with plan and feedback on Wed 09-30,
--                  one day after the due day 09-29: received, late. November
--                  is not over and has no drill: not counted.
--                  -> expected 1, received 1, on time 0.
--   equipment_check
--     q1 extinguisher, 30 days, last check 09-01 -> due 10-01; checked 10-01
--        (on the due day: on time) -> due 10-31, no check: missed.
--     q2 hose, 30 days, last check 09-10 -> due 10-10; checked 10-11 (one day
--        late: late, though never listed overdue, the check came the first
--        day it would have been) -> due 11-10: missed.
--                  -> expected 4, received 2, on time 1.
--                  Missing: q1 due 10-31, q2 due 11-10.
--   letter, bus_inspection, education_1530: nothing owed -> expected 0 ("—").
INSERT INTO dashboard_school (school, name, inactive) VALUES ('se', 'Epsilon School', false);
INSERT INTO notice_status (school, notice_id, acked_hlc, ack_at, reported_hlc, reported_at, report_date, late) VALUES
  ('se', '00000000-0000-4000-8000-0000000008a1', 1000, '2026-09-02 10:00+00', 1000, '2026-09-15 10:00+00', '2026-09-15', false);
INSERT INTO drill (id, school, campus, hlc, seq, written_by, drill_date, theme, scenario, plan_id, plan_ref, feedback) VALUES
  ('00000000-0000-4000-8000-0000000009d1', 'se', 'main', 100, nextval('sync_seq'), 'main', '2026-09-30', 'fire', 'fire', NULL, 'P-1', 'done');
INSERT INTO equipment (id, school, campus, hlc, seq, written_by, item, type, location, installed_date, interval_days, last_check_date, next_due_date) VALUES
  ('00000000-0000-4000-8000-0000000009e1', 'se', 'main', 100, nextval('sync_seq'), 'main', 'extinguisher', 'extinguisher', 'hall', NULL, 30, '2026-09-01', NULL),
  ('00000000-0000-4000-8000-0000000009e2', 'se', 'main', 100, nextval('sync_seq'), 'main', 'hose', 'hydrant', 'yard', NULL, 30, '2026-09-10', NULL);
INSERT INTO equipment_check (id, school, campus, hlc, seq, written_by, equipment_id, check_date, result, checker) VALUES
  ('00000000-0000-4000-8000-0000000009f1', 'se', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000009e1', '2026-10-01', 'ok', 'Ma'),
  ('00000000-0000-4000-8000-0000000009f2', 'se', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000009e2', '2026-10-11', 'ok', 'Ma');

-- The other schools, from dashboard_fixture.sql (letters due 09-01 + 30 =
-- 10-01; the holiday changes none of these):
--   sa notice 2/2/1 (n1 09-14 on time, n2 11-12 after 11-10: late); drill
--      1/1/1 (09-10); letter 4/3/3 (Zhao T has none); equipment 2/1/0 (gas
--      alarm due 10-01 checked 11-10: late; extinguisher due 10-15: missed);
--      bus 1/0/0 (A-1 due 11-01)
--   sb notice 2/0/0, drill 1/0/0, letter 1/1/1, equipment and bus 0 ("—")
--   sc notice 1/1/1 (n1 on its due day), drill 2/2/2 (November's counts at
--      once), letter 0, equipment 0, bus 0 (C-1 due 2027)
--   sd (the empty school) notice 1/0/0, drill 1/0/0: rate 0 %; the rest 0 ("—")
-- District (sums): notice 7/4/3, drill 6/4/3, letter 5/4/4, equipment 6/3/1,
--   bus 1/0/0.
