-- A small hand-built district for tests/integration/test_dashboard.c. Every
-- number the test expects is worked out by hand from the rows below and the
-- definitions in docs/internals/dashboards.md; the comments here show the
-- working. Dashboard: term 2026-09-01..2026-11-30, as of Wed 2026-11-18.
--
-- Calendar (one term). Holidays: Fri 09-25, and 10-01..10-31 (a month with no
-- school days). Make-up day: Sat 09-26.
--   September: 21 weekdays - 09-25 + 09-26          = 22 school days
--   October:   none
--   November:  21 school days; before 11-18: 12 (2-6, 9-13, 16, 17)
--   School days before 11-18: 34.
--   Last school day of each school week (weekly, and weekend unless a
--   holiday session is due): 09-04 09-11 09-18 09-26(Sat) 09-30 | 11-06 11-13
--   11-20 11-27 11-30.  Holiday due: 09-24 (before 09-25), 09-30 (before
--   October), 11-30 (term end); so weekend is not due 09-30 and 11-30.
--   Before 11-18: weekly 7 (5 in Sept), weekend 6 (4 in Sept), holiday 2.
--
-- Schools: sa Alpha Primary (profile), sb Beta Middle (profile), sc (roster
-- only: Gamma School), sd (connected once, nothing else), sx (roster,
-- inactive: hidden).

CREATE FUNCTION pg_temp.ms(d date) RETURNS bigint LANGUAGE sql AS
  $$ SELECT (extract(epoch FROM (d + time '12:00') AT TIME ZONE 'UTC') * 1000)::bigint $$;

-- common columns: id, school, campus, hlc, deleted, seq, written_by
INSERT INTO calendar (id, school, campus, hlc, seq, written_by, term_name, term_start_date, term_end_date, holidays, makeup_days)
VALUES ('00000000-0000-4000-8000-00000000ca01', '', 'office', 100, nextval('sync_seq'), 'office',
        'Autumn 2026', '2026-09-01', '2026-11-30', '2026-09-25;2026-10-01..2026-10-31', '2026-09-26');

INSERT INTO school_profile (id, school, campus, hlc, seq, written_by, name, staff_count, class_count, student_count) VALUES
  ('00000000-0000-4000-8000-0000000000a0', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'Alpha Primary (old name)', 5, 2, 80),
  ('00000000-0000-4000-8000-0000000000a9', 'sa', 'main', 200, nextval('sync_seq'), 'main', 'Alpha Primary', 5, 2, 80),
  ('00000000-0000-4000-8000-0000000000b0', 'sb', 'main', 100, nextval('sync_seq'), 'main', 'Beta Middle', 1, 1, 40);
INSERT INTO dashboard_school (school, name, inactive) VALUES ('sc', 'Gamma School', false), ('sx', 'Gone School', true);
INSERT INTO client_health (school, campus, last_contact, outbox_pending, oldest_pending, last_sync, client_version) VALUES
  ('sa', 'main', '2026-11-18 08:00+00', 0, NULL, '2026-11-18 08:00+00', 'test'),
  ('sa', 'east', '2026-11-10 08:00+00', 12, '2026-11-09 07:00+00', '2026-11-08 08:00+00', 'test'),
  ('sd', 'main', '2026-09-01 08:00+00', 0, NULL, NULL, 'test'),
  ('', 'office', '2026-11-18 09:00+00', 0, NULL, NULL, 'test');

-- ---------------------------------------------------------------- classes and "1530"
-- sa: c1 (1-1, always open), c2 (1-2, added mid-term: opened 11-09).
-- sb: c3 (no sessions at all). sc, sd: no classes (education not applicable).
INSERT INTO school_class (id, school, campus, hlc, seq, written_by, grade, name, opened_date, closed_date) VALUES
  ('00000000-0000-4000-8000-0000000000c1', 'sa', 'main', 100, nextval('sync_seq'), 'main', 1, '1-1', NULL, NULL),
  ('00000000-0000-4000-8000-0000000000c2', 'sa', 'main', 100, nextval('sync_seq'), 'main', 1, '1-2', '2026-11-09', NULL),
  ('00000000-0000-4000-8000-0000000000c3', 'sb', 'main', 100, nextval('sync_seq'), 'main', 7, '7-1', NULL, NULL),
  ('00000000-0000-4000-8000-0000000000c4', 'sb', 'main', 100, nextval('sync_seq'), 'main', 7, '7-9', NULL, NULL);
UPDATE school_class SET deleted = true WHERE id = '00000000-0000-4000-8000-0000000000c4'; -- a deleted class owes nothing

CREATE FUNCTION pg_temp.edu(cls text, d date, s text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO education (id, school, campus, hlc, seq, written_by, school_class_id, session_date, slot, topic, minutes)
  VALUES (gen_random_uuid(), CASE WHEN cls IN ('c1', 'c2') THEN 'sa' ELSE 'sb' END, 'main', 100, nextval('sync_seq'), 'main',
          ('00000000-0000-4000-8000-0000000000' || cls)::uuid, d, s, 'fire', 5) $$;

-- c1 daily: every school day of September (22), 11-02..11-06 (5), and today
-- 11-18 (held early: counts in held and in due). Not 11-09..11-17.
SELECT pg_temp.edu('c1', d::date, 'daily_1')
FROM generate_series(date '2026-09-01', date '2026-09-30', interval '1 day') d
WHERE (extract(isodow FROM d) < 6 AND d <> date '2026-09-25') OR d = date '2026-09-26';
SELECT pg_temp.edu('c1', d::date, 'daily_1') FROM generate_series(date '2026-11-02', date '2026-11-06', interval '1 day') d;
SELECT pg_temp.edu('c1', date '2026-11-18', 'daily_1');
SELECT pg_temp.edu('c1', date '2026-09-01', 'daily_1');  -- twice on one day: still one occasion
SELECT pg_temp.edu('c1', date '2026-09-19', 'daily_1');  -- a Saturday, not a school day: no occasion
-- c1 daily: held 22 + 5 + 1 = 28, due 34 + 1 = 35 (September 22/22, November 6/13)

-- c1 weekly: weeks ending 09-11 (two sessions, one occasion), 09-18, 11-06,
-- and 11-16 for the week ending 11-20 (not yet due: held early).
SELECT pg_temp.edu('c1', d, 'weekly_10') FROM unnest(ARRAY[date '2026-09-07', '2026-09-08', '2026-09-14', '2026-11-02', '2026-11-16']) d;
-- c1 weekly: held 4, due 7 + 1 = 8 (September 2/5, November 2/3)

-- c1 weekend: weeks ending 09-04, 09-26 (the make-up Saturday), 11-13.
SELECT pg_temp.edu('c1', d, 'weekend_5') FROM unnest(ARRAY[date '2026-09-04', '2026-09-26', '2026-11-13']) d;
-- c1 weekend: held 3, due 6 (September 2/4, November 1/2)

-- c1 holiday: 09-24 answers the 09-24 occasion only (a session answers the
-- first occasion on or after it within 7 days); none for 09-30.
SELECT pg_temp.edu('c1', date '2026-09-24', 'holiday_30');
-- c1 holiday: held 1, due 2 (September)

-- c2 (open from 11-09): daily 11-09..11-13 and 11-16; one on 11-05, before it
-- opened (no occasion); weekly on 11-10; no weekend session.
SELECT pg_temp.edu('c2', d::date, 'daily_1') FROM generate_series(date '2026-11-09', date '2026-11-13', interval '1 day') d;
SELECT pg_temp.edu('c2', d, 'daily_1') FROM unnest(ARRAY[date '2026-11-16', '2026-11-05']) d;
SELECT pg_temp.edu('c2', date '2026-11-10', 'weekly_10');
-- c2: daily 6/7 (11-09..13, 16, 17 due), weekly 1/1 (11-13), weekend 0/1 (11-13), holiday 0/0
-- sa education_1530: held 28+4+3+1+6+1 = 43, due 35+8+6+2+7+1+1 = 60 -> 71.67 %
--   daily 34/42 = 80.95, weekly 5/9 = 55.56, weekend 3/7 = 42.86, holiday 1/2 = 50
--   September 27/33 = 81.82; October no value; November 16/27 = 59.26
-- sb: c3 due 34 + 7 + 6 + 2 = 49, held 0 -> 0 %

-- ---------------------------------------------------------------- drills
-- sa: September good (plan_ref + feedback); November has a drill without
-- feedback, and November is not over: not counted. October has no school
-- days: not counted. -> 1 of 1 = 100 %.
-- sb: no drill: September counted, missed -> 0 of 1 = 0 %.
-- sc: September good (plan_id), November good already (counts at once) -> 2 of 2.
-- sd: nothing -> 0 of 1.
INSERT INTO drill (id, school, campus, hlc, seq, written_by, drill_date, theme, scenario, plan_id, plan_ref, feedback) VALUES
  ('00000000-0000-4000-8000-0000000000d1', 'sa', 'main', 100, nextval('sync_seq'), 'main', '2026-09-10', 'fire', 'fire', NULL, 'P-1', 'went well'),
  ('00000000-0000-4000-8000-0000000000d2', 'sa', 'main', 100, nextval('sync_seq'), 'main', '2026-11-05', 'quake', 'earthquake', NULL, 'P-2', ''),
  ('00000000-0000-4000-8000-0000000000d3', 'sc', 'main', 100, nextval('sync_seq'), 'main', '2026-09-11', 'fire', 'fire', '00000000-0000-4000-8000-0000000000ff', '', 'ok'),
  ('00000000-0000-4000-8000-0000000000d4', 'sc', 'main', 100, nextval('sync_seq'), 'main', '2026-11-03', 'flood', 'flood', NULL, 'P-9', 'ok'),
  ('00000000-0000-4000-8000-0000000000d5', 'sb', 'main', 100, nextval('sync_seq'), 'main', '2026-09-12', 'fire', 'fire', NULL, 'P-1', 'ok');
UPDATE drill SET deleted = true WHERE id = '00000000-0000-4000-8000-0000000000d5'; -- withdrawn: does not count

-- ---------------------------------------------------------------- gate duty
-- sa: both shifts fully staffed 09-01..09-04 (4), 11-02 (1), today 11-18
-- (early: +1 held, +1 due); 09-07 afternoon has no guard (not staffed);
-- Saturday 09-19 is not a school day. -> 6 of 35 = 17.14 %. Others: none, 0 of 34.
CREATE FUNCTION pg_temp.gate(d date, sh text, guard text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO gate_duty (id, school, campus, hlc, seq, written_by, duty_date, shift, leader, teacher, guard)
  VALUES (gen_random_uuid(), 'sa', 'main', 100, nextval('sync_seq'), 'main', d, sh, 'Li', 'Wang', guard) $$;
SELECT pg_temp.gate(d, s, 'Chen')
FROM unnest(ARRAY[date '2026-09-01', '2026-09-02', '2026-09-03', '2026-09-04', '2026-11-02', '2026-11-18', '2026-09-19']) d,
     unnest(ARRAY['morning', 'afternoon']) s;
SELECT pg_temp.gate(date '2026-09-07', 'morning', 'Chen');
SELECT pg_temp.gate(date '2026-09-07', 'afternoon', '');

-- ---------------------------------------------------------------- buses
-- sa: bus 1 active, inspection due 11-01 (overdue); bus 2 inactive; bus 3
-- deleted. Trips: 09-03 and 11-17 mismatched; a deleted mismatched trip.
-- -> bus_mismatch 2 (September 1, November 1), inspection overdue 1 of 1.
-- sb: no bus at all: both not applicable. sc: one bus, inspection 2027: 0 and 0.
INSERT INTO bus (id, school, campus, hlc, seq, written_by, plate, seats, next_inspection_date, inactive, deleted) VALUES
  ('00000000-0000-4000-8000-0000000000e1', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'A-1', 40, '2026-11-01', false, false),
  ('00000000-0000-4000-8000-0000000000e2', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'A-2', 40, '2026-01-01', true, false),
  ('00000000-0000-4000-8000-0000000000e3', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'A-3', 40, '2026-01-01', false, true),
  ('00000000-0000-4000-8000-0000000000e4', 'sc', 'main', 100, nextval('sync_seq'), 'main', 'C-1', 30, '2027-01-01', false, false);
INSERT INTO bus_trip (id, school, campus, hlc, seq, written_by, bus_id, trip_date, direction, boarded, alighted, checked_by, deleted) VALUES
  ('00000000-0000-4000-8000-0000000000f1', 'sa', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000000e1', '2026-09-02', 'to_school', 30, 30, 'Liu', false),
  ('00000000-0000-4000-8000-0000000000f2', 'sa', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000000e1', '2026-09-03', 'from_school', 30, 29, 'Liu', false),
  ('00000000-0000-4000-8000-0000000000f3', 'sa', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000000e1', '2026-11-17', 'to_school', 30, 31, 'Liu', false),
  ('00000000-0000-4000-8000-0000000000f4', 'sa', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000000e1', '2026-11-16', 'to_school', 30, 28, 'Liu', true);

-- ---------------------------------------------------------------- equipment (sa)
-- e1 gas alarm, yearly: last check 2025-10-01 on the row, a check logged
--    11-10 -> due 2027-11-10 now; on 10-31 it was due 2026-10-01: overdue.
-- e2 extinguisher, 30 days, last check 09-15 -> due 10-15: overdue on 10-31
--    and 11-18, not on 09-30.
-- e3 installed 12-01: not there yet. e4 nothing known: not overdue.
-- -> now 1 of 3 (September 0, October 2, November 1).
INSERT INTO equipment (id, school, campus, hlc, seq, written_by, item, type, location, installed_date, interval_days, last_check_date, next_due_date) VALUES
  ('00000000-0000-4000-8000-0000000001e1', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'gas alarm', 'gas_alarm', 'canteen', '2017-05-01', 365, '2025-10-01', '2026-10-01'),
  ('00000000-0000-4000-8000-0000000001e2', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'extinguisher', 'extinguisher', 'hall', NULL, 30, '2026-09-15', NULL),
  ('00000000-0000-4000-8000-0000000001e3', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'hydrant', 'hydrant', 'yard', '2026-12-01', 90, NULL, NULL),
  ('00000000-0000-4000-8000-0000000001e4', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'camera', 'surveillance', 'gate', NULL, 180, NULL, NULL);
INSERT INTO equipment_check (id, school, campus, hlc, seq, written_by, equipment_id, check_date, result, checker) VALUES
  ('00000000-0000-4000-8000-0000000002e1', 'sa', 'main', 100, nextval('sync_seq'), 'main', '00000000-0000-4000-8000-0000000001e1', '2026-11-10', 'ok', 'Zhou');

-- ---------------------------------------------------------------- hazards (sa)
-- h1 found 09-02: assign 09-03 (deadline 09-10), rectify 09-08, verify 09-09,
--    close 09-12 -> 7 days to verification.
-- h2 found 09-05: assign 09-06 (deadline 09-20), rectify 09-15, verify 09-16,
--    REOPENED 11-02 with deadline 11-10 -> open and overdue now; its first
--    verification no longer counts (it did on 09-30 and 10-31).
-- h3 found 11-01: assign 11-03 (deadline 11-30) -> open.
-- h4 found 11-04: no event -> open (reported).
-- h5 found 09-20: assign 09-21 (deadline 10-15), rectify 10-20, verify 11-12
--    -> overdue on 10-31; 53 days to verification.
-- A deleted hazard, and a note/escalate event that change nothing.
-- Now: open 3, overdue 1, median(7, 53) = 30.
-- 09-30: open 1 (h5), overdue 0, median(7, 11) = 9.
-- 10-31: open 1, overdue 1 (h5); 'previous' (09-01..10-31): median(7, 11) = 9;
--        October alone: no verification.
-- November alone (to 11-18): open 3, overdue 1, median 53.
INSERT INTO hazard (id, school, campus, hlc, seq, written_by, title, area, severity, found_date, state, deleted) VALUES
  ('00000000-0000-4000-8000-0000000000a1', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'loose railing', 'building', 'medium', '2026-09-02', 'closed', false),
  ('00000000-0000-4000-8000-0000000000a2', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'blocked exit', 'fire', 'high', '2026-09-05', 'assigned', false),
  ('00000000-0000-4000-8000-0000000000a3', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'wet floor', 'facility', 'low', '2026-11-01', 'assigned', false),
  ('00000000-0000-4000-8000-0000000000a4', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'broken lamp', 'facility', 'low', '2026-11-04', 'reported', false),
  ('00000000-0000-4000-8000-0000000000a5', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'gas smell', 'fire', 'critical', '2026-09-20', 'verified', false),
  ('00000000-0000-4000-8000-0000000000a6', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'withdrawn', 'fire', 'low', '2026-09-20', 'reported', true);
CREATE FUNCTION pg_temp.hev(h text, act text, d date, deadline date) RETURNS void LANGUAGE sql AS $$
  INSERT INTO hazard_event (id, school, campus, hlc, seq, written_by, hazard_id, action, actor, actor_role, deadline_date, note, at_ms)
  VALUES (gen_random_uuid(), 'sa', 'main', 100, nextval('sync_seq'), 'main', ('00000000-0000-4000-8000-0000000000' || h)::uuid,
          act, 'someone', 'principal', deadline, 'n', pg_temp.ms(d)) $$;
SELECT pg_temp.hev('a1', 'assign', '2026-09-03', '2026-09-10');
SELECT pg_temp.hev('a1', 'rectify', '2026-09-08', NULL);
SELECT pg_temp.hev('a1', 'verify', '2026-09-09', NULL);
SELECT pg_temp.hev('a1', 'close', '2026-09-12', NULL);
SELECT pg_temp.hev('a2', 'assign', '2026-09-06', '2026-09-20');
SELECT pg_temp.hev('a2', 'rectify', '2026-09-15', NULL);
SELECT pg_temp.hev('a2', 'verify', '2026-09-16', NULL);
SELECT pg_temp.hev('a2', 'note', '2026-10-01', NULL);
SELECT pg_temp.hev('a2', 'reopen', '2026-11-02', '2026-11-10');
SELECT pg_temp.hev('a2', 'escalate', '2026-11-12', NULL);
SELECT pg_temp.hev('a3', 'assign', '2026-11-03', '2026-11-30');
SELECT pg_temp.hev('a5', 'assign', '2026-09-21', '2026-10-15');
SELECT pg_temp.hev('a5', 'rectify', '2026-10-20', NULL);
SELECT pg_temp.hev('a5', 'verify', '2026-11-12', NULL);

-- ---------------------------------------------------------------- staff and letters
-- sa staff: s1 principal, s2 vice, s3 teacher, s4 joined 11-01, s5 left
-- 10-15, s6 inactive with no date (never current), s7 deleted.
-- Letters 2026: L1 signer s2 (by id), counter-signer Li Principal (s1);
-- L2 signer Zhang T (by name), counter-signer Wang Vice. L3 is for 2025 (s4).
-- Now: current s1 s2 s3 s4, covered s1 s2 s3 -> 3 of 4 = 75 %.
-- 09-30: current s1 s2 s3 s5, covered 3 -> 75 %. 10-31: s1 s2 s3 -> 100 %.
-- sb: one staff member with a letter -> 100 %. sc, sd: no staff -> n/a.
INSERT INTO staff (id, school, campus, hlc, seq, written_by, name, staff_role, joined_date, left_date, inactive, deleted) VALUES
  ('00000000-0000-4000-8000-0000000005a1', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'Li Principal', 'principal', NULL, NULL, false, false),
  ('00000000-0000-4000-8000-0000000005a2', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'Wang Vice', 'vice_principal', NULL, NULL, false, false),
  ('00000000-0000-4000-8000-0000000005a3', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'Zhang T', 'head_teacher', '2020-09-01', NULL, false, false),
  ('00000000-0000-4000-8000-0000000005a4', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'Zhao T', 'subject_teacher', '2026-11-01', NULL, false, false),
  ('00000000-0000-4000-8000-0000000005a5', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'Qian T', 'subject_teacher', NULL, '2026-10-15', true, false),
  ('00000000-0000-4000-8000-0000000005a6', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'Sun T', 'subject_teacher', NULL, NULL, true, false),
  ('00000000-0000-4000-8000-0000000005a7', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'Wu T', 'subject_teacher', NULL, NULL, false, true),
  ('00000000-0000-4000-8000-0000000005b1', 'sb', 'main', 100, nextval('sync_seq'), 'main', 'B Head', 'principal', NULL, NULL, false, false);
INSERT INTO letter (id, school, campus, hlc, seq, written_by, year, level, signer, signer_staff_id, counter_signer, signed_date) VALUES
  ('00000000-0000-4000-8000-0000000006a1', 'sa', 'main', 100, nextval('sync_seq'), 'main', 2026, 'principal_vice', 'Wang Vice', '00000000-0000-4000-8000-0000000005a2', 'Li Principal', '2026-09-01'),
  ('00000000-0000-4000-8000-0000000006a2', 'sa', 'main', 100, nextval('sync_seq'), 'main', 2026, 'department_teacher', 'Zhang T', NULL, 'Wang Vice', '2026-09-02'),
  ('00000000-0000-4000-8000-0000000006a3', 'sa', 'main', 100, nextval('sync_seq'), 'main', 2025, 'department_teacher', 'Zhao T', NULL, 'Wang Vice', '2025-09-02'),
  ('00000000-0000-4000-8000-0000000006b1', 'sb', 'main', 100, nextval('sync_seq'), 'main', 2026, 'other', 'B Head', '00000000-0000-4000-8000-0000000005b1', 'Bureau', '2026-09-01');

-- ---------------------------------------------------------------- risks (sa)
-- r1 open, planned 10-01 (overdue); r2 mitigated, planned 2027; r3 removed.
-- -> open 2, overdue 1.
INSERT INTO risk (id, school, campus, hlc, seq, written_by, title, planned_date, status) VALUES
  ('00000000-0000-4000-8000-0000000007a1', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'bottled gas in canteen', '2026-10-01', 'open'),
  ('00000000-0000-4000-8000-0000000007a2', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'old wiring', '2027-06-30', 'mitigated'),
  ('00000000-0000-4000-8000-0000000007a3', 'sa', 'main', 100, nextval('sync_seq'), 'main', 'low wall', '2026-01-01', 'removed');

-- ---------------------------------------------------------------- notices (bureau)
-- n1 Drowning prevention: issued 09-01, due 09-15, every school.
-- n2 Fire day 119: issued 11-01, due 11-10, sa and sb.
-- n3 Helmet: issued 11-20 (after the as-of day): not counted.
-- n4 withdrawn (deleted). n5 Safety month: issued 09-20, due 11-20 (pending).
-- Term as of 11-18:
--   sa: n1 ack + report 09-14 (on time), n2 ack + report 11-12 (late), n5 ack
--       -> acknowledged 3/3, on time 1 of 2 decided = 50 %, late 1, missing 0
--   sb: n2 ack only -> acknowledged 1/3 = 33.33, on time 0/2, missing 2 (n1, n2)
--   sc: n1 ack + report 09-15 (on the due day: on time) -> ack 1/2 = 50, on time 1/1
--   sd: nothing -> ack 0/2, on time 0/1, missing 1 (n1)
-- Period September only (as of 09-30): n2 is issued after it, so not in it;
--   sa: n1 on time, n5 acked 09-21 -> 2/2 acknowledged, on time 1/1.
INSERT INTO notice (id, school, campus, hlc, seq, written_by, title, issue_date, due_date, targets, deleted) VALUES
  ('00000000-0000-4000-8000-0000000008a1', '', 'office', 1000, nextval('sync_seq'), 'office', 'Drowning prevention', '2026-09-01', '2026-09-15', '', false),
  ('00000000-0000-4000-8000-0000000008a2', '', 'office', 2000, nextval('sync_seq'), 'office', 'Fire day 119', '2026-11-01', '2026-11-10', 'sa;sb', false),
  ('00000000-0000-4000-8000-0000000008a3', '', 'office', 3000, nextval('sync_seq'), 'office', 'Helmet and belt', '2026-11-20', '2026-12-10', '', false),
  ('00000000-0000-4000-8000-0000000008a4', '', 'office', 4000, nextval('sync_seq'), 'office', 'Withdrawn', '2026-09-01', '2026-09-10', '', true),
  ('00000000-0000-4000-8000-0000000008a5', '', 'office', 5000, nextval('sync_seq'), 'office', 'Safety month', '2026-09-20', '2026-11-20', '', false);
INSERT INTO notice_status (school, notice_id, acked_hlc, ack_at, reported_hlc, reported_at, report_date, late) VALUES
  ('sa', '00000000-0000-4000-8000-0000000008a1', 1000, '2026-09-02 10:00+00', 1000, '2026-09-14 10:00+00', '2026-09-14', false),
  ('sa', '00000000-0000-4000-8000-0000000008a2', 2000, '2026-11-02 10:00+00', 2000, '2026-11-12 10:00+00', '2026-11-12', true),
  ('sa', '00000000-0000-4000-8000-0000000008a5', 5000, '2026-09-21 10:00+00', 0, NULL, NULL, false),
  ('sb', '00000000-0000-4000-8000-0000000008a2', 2000, '2026-11-03 10:00+00', 0, NULL, NULL, false),
  ('sc', '00000000-0000-4000-8000-0000000008a1', 1000, '2026-09-03 10:00+00', 1000, '2026-09-15 10:00+00', '2026-09-15', false);

-- ---------------------------------------------------------------- composite (worked)
-- sa: drills 100 (w15) | education 71.67 -> 75.442 (w15) | hazards overdue 1 -> 80 (w15)
--     verify days 30 -> (60-30)/(60-14) = 65.217 (w5) | letters 75 (w10) | notices 50 (w10)
--     bus mismatch 2 -> 33.333 (w10) | inspection 1 -> 50 (w5) | equipment 1 -> 80 (w5)
--     gate 17.14 -> 18.042 (w5) | risks overdue 1 -> 66.667 (w5)       -> 6814.6 / 100 = 68.1
-- sb: drills 0 (15), education 0 (15), hazards 100 (15), letters 100 (10),
--     notices 0 (10), gate 0 (5), risks 100 (5)                        -> 3000 / 75 = 40.0
-- sc: drills 100 (15), hazards 100 (15), notices 100 (10), bus 100 (10),
--     inspection 100 (5), gate 0 (5), risks 100 (5)                    -> 6000 / 65 = 92.3
-- sd: drills 0 (15), hazards 100 (15), notices 0 (10), gate 0 (5), risks 100 (5)
--                                                                      -> 2000 / 50 = 40.0
-- Rank: sc 1, sa 2, sb 3, sd 3 (a tie shares the rank).
