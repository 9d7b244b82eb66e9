-- A district with history, for tests/integration/test_push_plans.c: 100
-- schools over two years (2025-01-01..2026-12-31), big enough that a statement
-- which reads the whole of a table instead of the rows a push touches shows
-- up in the counters (tens of thousands of rows per table), small enough to
-- make in a few seconds. Deterministic (setseed, ids from md5).
--
-- The dashboard's triggers are off while filling (the owner may do that) and
-- the aggregates are then built once from the whole tables, the way 004 and
-- 005 build them for rows already stored. The school 'zz' is left empty: the
-- test pushes into it and into a full school and compares.
SET client_min_messages = warning;
SELECT setseed(0.5);
ALTER TABLE hazard DISABLE TRIGGER USER;
ALTER TABLE hazard_event DISABLE TRIGGER USER;
ALTER TABLE education DISABLE TRIGGER USER;
ALTER TABLE school_class DISABLE TRIGGER USER;
ALTER TABLE gate_duty DISABLE TRIGGER USER;
ALTER TABLE staff DISABLE TRIGGER USER;
ALTER TABLE letter DISABLE TRIGGER USER;
ALTER TABLE letter_event DISABLE TRIGGER USER;
ALTER TABLE signoff DISABLE TRIGGER USER;
ALTER TABLE equipment DISABLE TRIGGER USER;
ALTER TABLE equipment_check DISABLE TRIGGER USER;

CREATE TEMP TABLE f_school AS
  SELECT i, 's' || lpad(i::text, 3, '0') AS school FROM generate_series(1, 100) i;
CREATE FUNCTION pg_temp.f_id(p text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT md5(p)::uuid $$;

-- hazards: 500 a school, found over the two years; most assigned, rectified
-- and verified (3 events), some still open
INSERT INTO hazard (id, school, campus, hlc, seq, written_by, title, area, severity, found_date)
SELECT pg_temp.f_id(s.school || '/h' || k), s.school, 'main', 1, nextval('sync_seq'), 'main', 'hazard ' || k,
       'building', (ARRAY['low', 'medium', 'high', 'critical'])[1 + k % 4], DATE '2025-01-01' + (k * 73 % 720)
FROM f_school s, generate_series(1, 500) k;
INSERT INTO hazard_event (id, school, campus, hlc, seq, written_by, hazard_id, action, actor, actor_role, owner,
                          deadline_date, at_ms)
SELECT pg_temp.f_id(h.school || '/e' || h.id || a.n), h.school, 'main', 1, nextval('sync_seq'), 'main', h.id,
       a.action, 'P', 'principal', CASE WHEN a.n = 1 THEN 'O' ELSE '' END,
       CASE WHEN a.n = 1 THEN h.found_date + 14 END,
       (extract(epoch FROM (h.found_date + a.n * 5)::timestamptz) * 1000)::bigint
FROM hazard h, (VALUES (1, 'assign'), (2, 'rectify'), (3, 'verify')) a(n, action)
WHERE a.n = 1 OR abs(hashtext(h.id::text || a.n)) % 10 < 8;

-- 24 classes a school, and the 24 of the years before, closed in 2024 (a
-- district of 100 schools keeps 4800 class rows, as 200 schools' current
-- classes would: fewer, and the planner reads the table whole on cost);
-- "1530": daily sessions of 60 school days and weekly ones, current classes
INSERT INTO school_class (id, school, campus, hlc, seq, written_by, grade, name, opened_date, closed_date)
SELECT pg_temp.f_id(s.school || '/c' || k), s.school, 'main', 1, nextval('sync_seq'), 'main', 1 + k % 6, k::text,
       CASE WHEN k <= 24 THEN DATE '2025-01-01' ELSE DATE '2018-09-01' END,
       CASE WHEN k > 24 THEN DATE '2024-07-10' END
FROM f_school s, generate_series(1, 48) k;
INSERT INTO education (id, school, campus, hlc, seq, written_by, school_class_id, session_date, slot, topic, minutes)
SELECT pg_temp.f_id(c.id || '/' || d.day || v.slot), c.school, 'main', 1, nextval('sync_seq'), 'main', c.id, d.day,
       v.slot, 'fire', v.minutes
FROM (SELECT * FROM school_class WHERE closed_date IS NULL) c,
     (SELECT DATE '2025-03-03' + 7 * (w / 5) + w % 5 AS day FROM generate_series(0, 59) w) d,
     (VALUES ('daily_1', 1), ('weekly_10', 10)) v(slot, minutes)
WHERE (v.slot = 'daily_1' OR extract(isodow FROM d.day) = 1) AND random() < 0.95;

-- gate duty: two shifts on 250 days
INSERT INTO gate_duty (id, school, campus, hlc, seq, written_by, duty_date, shift, leader, teacher, guard)
SELECT pg_temp.f_id(s.school || '/g' || d || sh), s.school, 'main', 1, nextval('sync_seq'), 'main',
       DATE '2025-01-06' + d + 2 * (d / 5), sh, 'L', CASE WHEN random() < 0.95 THEN 'T' ELSE '' END, 'G'
FROM f_school s, generate_series(0, 249) d, unnest(ARRAY['morning', 'afternoon']) sh;

-- 71 staff, a letter each for both years, signed by id or by name
INSERT INTO staff (id, school, campus, hlc, seq, written_by, name, staff_role, joined_date)
SELECT pg_temp.f_id(s.school || '/s' || k), s.school, 'main', 1, nextval('sync_seq'), 'main',
       s.school || ' staff ' || k, 'subject_teacher', DATE '2020-09-01'
FROM f_school s, generate_series(1, 71) k;
INSERT INTO letter (id, school, campus, hlc, seq, written_by, year, level, signer, signer_staff_id, counter_signer,
                    signed_date)
SELECT pg_temp.f_id(st.id || '/l' || y), st.school, 'main', 1, nextval('sync_seq'), 'main', y, 'department_teacher',
       st.name, CASE WHEN random() < 0.7 THEN st.id END, st.school || ' staff 1', make_date(y, 1, 10)
FROM staff st, generate_series(2025, 2026) y;
-- half of them signed (024: a signoff row, position 1 of the letter's chain)
-- and most of those counter-signed (a letter_event, position 2), so that the
-- coverage rule (025, 026) reads tables the size a district's are
INSERT INTO signoff (school, id, kind, hlc, chain_id, pos, signer, signer_school, signed_ms, prev_hash,
                     sig, hash)
SELECT l.school, l.id, 'letter', 1, l.id, 1, 'p', l.school, 0, '', '\x00', '\x00'
FROM letter l WHERE random() < 0.5;
INSERT INTO letter_event (id, school, campus, hlc, seq, written_by, letter_id, action, level, actor, signed_date)
SELECT pg_temp.f_id(l.id || '/c'), l.school, 'main', 1, nextval('sync_seq'), 'main', l.id, 'countersign',
       l.level, l.counter_signer, l.signed_date + 3
FROM letter l WHERE random() < 0.8;
INSERT INTO signoff (school, id, kind, hlc, chain_id, pos, signer, signer_school, signed_ms, prev_hash,
                     sig, hash)
SELECT e.school, e.id, 'letter_event', 1, e.letter_id, 2, 'p', e.school, 0, '\x01', '\x00', '\x00'
FROM letter_event e JOIN signoff g ON g.school = e.school AND g.id = e.letter_id;

-- 30 pieces of equipment, checked every 30 days
INSERT INTO equipment (id, school, campus, hlc, seq, written_by, item, type, location, installed_date, interval_days)
SELECT pg_temp.f_id(s.school || '/q' || k), s.school, 'main', 1, nextval('sync_seq'), 'main', 'item ' || k,
       'extinguisher', 'here', DATE '2024-12-01', 30
FROM f_school s, generate_series(1, 30) k;
INSERT INTO equipment_check (id, school, campus, hlc, seq, written_by, equipment_id, check_date, result, checker)
SELECT pg_temp.f_id(e.id || '/k' || n), e.school, 'main', 1, nextval('sync_seq'), 'main', e.id,
       DATE '2025-01-01' + 30 * n, 'ok', 'C'
FROM equipment e, generate_series(0, 23) n WHERE random() < 0.9;

ALTER TABLE hazard ENABLE TRIGGER USER;
ALTER TABLE hazard_event ENABLE TRIGGER USER;
ALTER TABLE education ENABLE TRIGGER USER;
ALTER TABLE school_class ENABLE TRIGGER USER;
ALTER TABLE gate_duty ENABLE TRIGGER USER;
ALTER TABLE staff ENABLE TRIGGER USER;
ALTER TABLE letter ENABLE TRIGGER USER;
ALTER TABLE letter_event ENABLE TRIGGER USER;
ALTER TABLE signoff ENABLE TRIGGER USER;
ALTER TABLE equipment ENABLE TRIGGER USER;
ALTER TABLE equipment_check ENABLE TRIGGER USER;
