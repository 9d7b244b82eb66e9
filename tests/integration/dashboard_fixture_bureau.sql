-- The bureau's cases on top of dashboard_fixture.sql (same district, same
-- term 2026-09-01..2026-11-30 as of Wed 2026-11-18), for
-- tests/integration/test_dash_bureau.c. Kept apart so that
-- test_dashboard's hand-worked numbers stay as they are; the rows here
-- change none of the numbers that test checks again (sa's score 68.1, sb's
-- drills 0). The other cases the issue names are in dashboard_fixture.sql
-- and test_dashboard: an empty school (sd), an unassigned old hazard
-- (test_hazard_clock), a district with no calendar (test_period).
--
-- Anti-formalism flags (014_flags.sql), default thresholds (burst 20
-- records, dated 7+ days before, 3 days before a month's end; 3 drills with
-- one evacuation time; minutes of 20+ characters). Every record of the
-- other file was received "now" (after the as-of day): none of them is a
-- burst or feedback written early.
--
-- burst (sb): 20 inspections dated 09-01..09-20, all received 09-29, one day
--   before September's end (09-29 >= 09-30 - 3) and each at least 7 days
--   after its date (09-20 <= 09-22).
--   -> sb 2026-09-29 "20 inspection records entered on 2026-09-29 for dates
--      2026-09-01 to 2026-09-20" (20 records)
INSERT INTO inspection (id, school, campus, hlc, seq, written_by, received_at, inspection_date, level, inspector)
SELECT ('00000000-0000-4000-8000-0000000b' || lpad(k::text, 4, '0'))::uuid, 'sb', 'main', 100, nextval('sync_seq'),
       'main', '2026-09-29 10:00+00', date '2026-08-31' + k, 'school', 'Qian'
FROM generate_series(1, 20) k;

-- copied minutes (sc): 09-15 and 11-05 the same text (one with an extra
-- line break and spaces), 10-20 a different one; a short identical pair on
-- 09-16/09-17 ("ok ok", under 20 characters) is not flagged.
--   -> sc 2026-11-05 "the same minutes in 2 meetings" (mc1, mc2)
INSERT INTO meeting (id, school, campus, hlc, seq, written_by, type, meeting_date, title, attendees, minutes) VALUES
  ('00000000-0000-4000-8000-000000000c01', 'sc', 'main', 100, nextval('sync_seq'), 'main', 'safety', '2026-09-15', 'Safety meeting', 12,
   'Reviewed the fire exits. Everyone knows the drill routes.'),
  ('00000000-0000-4000-8000-000000000c02', 'sc', 'main', 100, nextval('sync_seq'), 'main', 'safety', '2026-11-05', 'Safety meeting', 12,
   E'Reviewed the fire exits.\n Everyone knows the  drill routes.'),
  ('00000000-0000-4000-8000-000000000c03', 'sc', 'main', 100, nextval('sync_seq'), 'main', 'safety', '2026-10-20', 'Safety meeting', 12,
   'The canteen gas valve was replaced and checked by the supplier.'),
  ('00000000-0000-4000-8000-000000000c04', 'sc', 'main', 100, nextval('sync_seq'), 'main', 'other', '2026-09-16', 'Short', 3, 'ok ok'),
  ('00000000-0000-4000-8000-000000000c05', 'sc', 'main', 100, nextval('sync_seq'), 'main', 'other', '2026-09-17', 'Short', 3, 'ok ok');

-- copied evacuation time (sc): d3 (09-11), d4 (11-03) and a third drill on
-- 11-10 all took 185 seconds.
--   -> sc 2026-11-10 "evacuation in 185 seconds in 3 drills"
-- feedback before the drill (sc): a drill dated 11-12 whose record, feedback
-- and all, reached the server on 11-10.
--   -> sc 2026-11-12 "drill of 2026-11-12: feedback received 2026-11-10"
-- (sc's drills stay 2 of 2: November already counted.)
UPDATE drill SET evacuation_seconds = 185
WHERE id IN ('00000000-0000-4000-8000-0000000000d3', '00000000-0000-4000-8000-0000000000d4');
INSERT INTO drill (id, school, campus, hlc, seq, written_by, received_at, drill_date, theme, scenario, plan_ref, evacuation_seconds, feedback) VALUES
  ('00000000-0000-4000-8000-0000000000d6', 'sc', 'main', 100, nextval('sync_seq'), 'main', '2026-11-11 09:00+00', '2026-11-10', 'fire', 'fire', 'P-9', 185, 'ok'),
  ('00000000-0000-4000-8000-0000000000d7', 'sc', 'main', 100, nextval('sync_seq'), 'main', '2026-11-10 09:00+00', '2026-11-12', 'quake', 'earthquake', 'P-9', 200, 'all went well');

-- "1530" sessions on holidays (sa, class 1-1): Fri 09-25 (a listed holiday)
-- one, Wed 10-14 (October is a holiday) two. A session on a day that is no
-- school day answers nothing, so sa's numbers do not move. (The other
-- file's session on Sat 09-19 is a weekend, not a holiday: not flagged.)
--   -> sa 2026-09-25 "1 "1530" sessions on the holiday 2026-09-25"
--   -> sa 2026-10-14 "2 "1530" sessions on the holiday 2026-10-14"
INSERT INTO education (id, school, campus, hlc, seq, written_by, school_class_id, session_date, slot, topic, minutes) VALUES
  ('00000000-0000-4000-8000-00000000ed01', 'sa', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000000c1', '2026-09-25', 'daily_1', 'fire', 1),
  ('00000000-0000-4000-8000-00000000ed02', 'sa', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000000c1', '2026-10-14', 'daily_1', 'fire', 1),
  ('00000000-0000-4000-8000-00000000ed03', 'sa', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000000c1', '2026-10-14', 'weekly_10', 'fire', 10);
