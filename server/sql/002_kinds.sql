-- Every record kind of docs/internals/kinds.md (DOMAIN.md's list), one table each.
--
-- Each table is the kind's name and starts with the common sync columns exactly
-- as in 001_core.sql; then one column per field of the kind's protobuf message,
-- with the field's name:
--   string                 text NOT NULL DEFAULT ''   ('' = not given)
--   *_date                 date                       (NULL = not given)
--   *_id (a record UUID)   uuid                       (NULL = not given)
--   enum                   text NOT NULL DEFAULT ''   (short lower-case name: 'fire')
--   int32 / int64 / *_ms   integer / bigint NOT NULL DEFAULT 0
--   double                 double precision NOT NULL DEFAULT 0
--   bool                   boolean NOT NULL DEFAULT false
-- Rows whose school is '' are the bureau's (notice, calendar).
--
-- On purpose there are no CHECK constraints and no foreign keys between kinds:
-- a push is one transaction, so a row the database refused would fail the
-- whole batch and leave the client re-sending it for ever. Field rules live in
-- common/rules.c (client and server run them, and reject one record with a
-- reason); workflow parents are checked by the server's workflows. Reference
-- columns are indexed for the dashboards' joins instead.

-- A hazard may name the inspection that found it (Hazard.inspection_id).
ALTER TABLE hazard ADD COLUMN inspection_id uuid;
CREATE INDEX hazard_inspection ON hazard (school, inspection_id) WHERE inspection_id IS NOT NULL;

-- 学校概况: the school's profile; the newest live row by hlc is the school's.
CREATE TABLE school_profile (
  id                 uuid NOT NULL,
  school             text NOT NULL,
  campus             text NOT NULL,
  hlc                bigint NOT NULL,
  deleted            boolean NOT NULL DEFAULT false,
  seq                bigint NOT NULL,
  written_by         text NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  name               text NOT NULL DEFAULT '',
  founded_year       integer NOT NULL DEFAULT 0,
  site_area_m2       double precision NOT NULL DEFAULT 0,
  building_area_m2   double precision NOT NULL DEFAULT 0,
  staff_count        integer NOT NULL DEFAULT 0,
  class_count        integer NOT NULL DEFAULT 0,
  student_count      integer NOT NULL DEFAULT 0,
  boarding_students  integer NOT NULL DEFAULT 0,
  campus_count       integer NOT NULL DEFAULT 0,
  current_level      text NOT NULL DEFAULT '',
  target_level       text NOT NULL DEFAULT '',
  bus_count          integer NOT NULL DEFAULT 0,
  bus_riders         integer NOT NULL DEFAULT 0,
  PRIMARY KEY (school, id)
);
CREATE INDEX school_profile_school_seq ON school_profile (school, seq);
CREATE INDEX school_profile_seq ON school_profile (seq);

-- 教职工: current staff (not inactive, no left_date passed) are the
-- denominator of responsibility-letter coverage.
CREATE TABLE staff (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  name          text NOT NULL DEFAULT '',
  staff_role    text NOT NULL DEFAULT '',
  department    text NOT NULL DEFAULT '',
  inactive      boolean NOT NULL DEFAULT false,
  joined_date   date,
  left_date     date,
  PRIMARY KEY (school, id)
);
CREATE INDEX staff_school_seq ON staff (school, seq);
CREATE INDEX staff_seq ON staff (seq);

-- 教学班: "1530" sessions are due per class.
CREATE TABLE school_class (
  id             uuid NOT NULL,
  school         text NOT NULL,
  campus         text NOT NULL,
  hlc            bigint NOT NULL,
  deleted        boolean NOT NULL DEFAULT false,
  seq            bigint NOT NULL,
  written_by     text NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now(),
  grade          integer NOT NULL DEFAULT 0,
  name           text NOT NULL DEFAULT '',
  head_teacher   text NOT NULL DEFAULT '',
  student_count  integer NOT NULL DEFAULT 0,
  opened_date    date,
  closed_date    date,
  PRIMARY KEY (school, id)
);
CREATE INDEX school_class_school_seq ON school_class (school, seq);
CREATE INDEX school_class_seq ON school_class (seq);

-- 安全会议.
CREATE TABLE meeting (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  type          text NOT NULL DEFAULT '',
  meeting_date  date,
  title         text NOT NULL DEFAULT '',
  attendees     integer NOT NULL DEFAULT 0,
  minutes       text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX meeting_school_seq ON meeting (school, seq);
CREATE INDEX meeting_seq ON meeting (seq);

-- 制度 / 应急预案 / 实施方案.
CREATE TABLE policy (
  id              uuid NOT NULL,
  school          text NOT NULL,
  campus          text NOT NULL,
  hlc             bigint NOT NULL,
  deleted         boolean NOT NULL DEFAULT false,
  seq             bigint NOT NULL,
  written_by      text NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  title           text NOT NULL DEFAULT '',
  type            text NOT NULL DEFAULT '',
  version         text NOT NULL DEFAULT '',
  effective_date  date,
  revised_date    date,
  summary         text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX policy_school_seq ON policy (school, seq);
CREATE INDEX policy_seq ON policy (seq);

-- 安全责任书: immutable once stored (a signature); coverage per year.
CREATE TABLE letter (
  id               uuid NOT NULL,
  school           text NOT NULL,
  campus           text NOT NULL,
  hlc              bigint NOT NULL,
  deleted          boolean NOT NULL DEFAULT false,
  seq              bigint NOT NULL,
  written_by       text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  year             integer NOT NULL DEFAULT 0,
  level            text NOT NULL DEFAULT '',
  signer           text NOT NULL DEFAULT '',
  signer_staff_id  uuid,
  counter_signer   text NOT NULL DEFAULT '',
  signed_date      date,
  PRIMARY KEY (school, id)
);
CREATE INDEX letter_school_seq ON letter (school, seq);
CREATE INDEX letter_seq ON letter (seq);
CREATE INDEX letter_year ON letter (school, year, signer_staff_id);

-- 安全教育: one "1530" session in one class.
CREATE TABLE education (
  id               uuid NOT NULL,
  school           text NOT NULL,
  campus           text NOT NULL,
  hlc              bigint NOT NULL,
  deleted          boolean NOT NULL DEFAULT false,
  seq              bigint NOT NULL,
  written_by       text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  school_class_id  uuid,
  session_date     date,
  slot             text NOT NULL DEFAULT '',
  topic            text NOT NULL DEFAULT '',
  channel          text NOT NULL DEFAULT '',
  teacher          text NOT NULL DEFAULT '',
  minutes          integer NOT NULL DEFAULT 0,
  theme            text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX education_school_seq ON education (school, seq);
CREATE INDEX education_seq ON education (seq);
CREATE INDEX education_class ON education (school, school_class_id, session_date);

-- 法制副校长讲座 and other invited lectures.
CREATE TABLE lecture (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  lecture_date  date,
  speaker       text NOT NULL DEFAULT '',
  topic         text NOT NULL DEFAULT '',
  audience      text NOT NULL DEFAULT '',
  attendees     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (school, id)
);
CREATE INDEX lecture_school_seq ON lecture (school, seq);
CREATE INDEX lecture_seq ON lecture (seq);

-- 应急演练: "with a plan" = plan_id or plan_ref given; "with feedback" =
-- feedback given.
CREATE TABLE drill (
  id                  uuid NOT NULL,
  school              text NOT NULL,
  campus              text NOT NULL,
  hlc                 bigint NOT NULL,
  deleted             boolean NOT NULL DEFAULT false,
  seq                 bigint NOT NULL,
  written_by          text NOT NULL,
  received_at         timestamptz NOT NULL DEFAULT now(),
  drill_date          date,
  theme               text NOT NULL DEFAULT '',
  scenario            text NOT NULL DEFAULT '',
  plan_id             uuid,
  plan_ref            text NOT NULL DEFAULT '',
  student_count       integer NOT NULL DEFAULT 0,
  staff_count         integer NOT NULL DEFAULT 0,
  evacuation_seconds  integer NOT NULL DEFAULT 0,
  segments            text NOT NULL DEFAULT '',
  feedback            text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX drill_school_seq ON drill (school, seq);
CREATE INDEX drill_seq ON drill (seq);
CREATE INDEX drill_by_date ON drill (school, drill_date);

-- 隐患排查: one inspection round.
CREATE TABLE inspection (
  id               uuid NOT NULL,
  school           text NOT NULL,
  campus           text NOT NULL,
  hlc              bigint NOT NULL,
  deleted          boolean NOT NULL DEFAULT false,
  seq              bigint NOT NULL,
  written_by       text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  inspection_date  date,
  level            text NOT NULL DEFAULT '',
  focus            text NOT NULL DEFAULT '',
  inspector        text NOT NULL DEFAULT '',
  location         text NOT NULL DEFAULT '',
  findings         text NOT NULL DEFAULT '',
  hazards_found    integer NOT NULL DEFAULT 0,
  PRIMARY KEY (school, id)
);
CREATE INDEX inspection_school_seq ON inspection (school, seq);
CREATE INDEX inspection_seq ON inspection (seq);

-- 部门联动.
CREATE TABLE linkage (
  id             uuid NOT NULL,
  school         text NOT NULL,
  campus         text NOT NULL,
  hlc            bigint NOT NULL,
  deleted        boolean NOT NULL DEFAULT false,
  seq            bigint NOT NULL,
  written_by     text NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now(),
  activity_date  date,
  partner        text NOT NULL DEFAULT '',
  partner_name   text NOT NULL DEFAULT '',
  activity       text NOT NULL DEFAULT '',
  participants   integer NOT NULL DEFAULT 0,
  PRIMARY KEY (school, id)
);
CREATE INDEX linkage_school_seq ON linkage (school, seq);
CREATE INDEX linkage_seq ON linkage (seq);

-- 护学岗: one shift.
CREATE TABLE gate_duty (
  id                 uuid NOT NULL,
  school             text NOT NULL,
  campus             text NOT NULL,
  hlc                bigint NOT NULL,
  deleted            boolean NOT NULL DEFAULT false,
  seq                bigint NOT NULL,
  written_by         text NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  duty_date          date,
  shift              text NOT NULL DEFAULT '',
  leader             text NOT NULL DEFAULT '',
  teacher            text NOT NULL DEFAULT '',
  guard              text NOT NULL DEFAULT '',
  parent_volunteers  integer NOT NULL DEFAULT 0,
  incidents          text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX gate_duty_school_seq ON gate_duty (school, seq);
CREATE INDEX gate_duty_seq ON gate_duty (seq);
CREATE INDEX gate_duty_by_date ON gate_duty (school, duty_date);

-- 校车.
CREATE TABLE bus (
  id                    uuid NOT NULL,
  school                text NOT NULL,
  campus                text NOT NULL,
  hlc                   bigint NOT NULL,
  deleted               boolean NOT NULL DEFAULT false,
  seq                   bigint NOT NULL,
  written_by            text NOT NULL,
  received_at           timestamptz NOT NULL DEFAULT now(),
  plate                 text NOT NULL DEFAULT '',
  seats                 integer NOT NULL DEFAULT 0,
  company               text NOT NULL DEFAULT '',
  driver                text NOT NULL DEFAULT '',
  attendant             text NOT NULL DEFAULT '',
  next_inspection_date  date,
  inactive              boolean NOT NULL DEFAULT false,
  PRIMARY KEY (school, id)
);
CREATE INDEX bus_school_seq ON bus (school, seq);
CREATE INDEX bus_seq ON bus (seq);

-- Which (pseudonymous) student rides which bus.
CREATE TABLE bus_rider (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  bus_id        uuid,
  student_ref   text NOT NULL DEFAULT '',
  inactive      boolean NOT NULL DEFAULT false,
  PRIMARY KEY (school, id)
);
CREATE INDEX bus_rider_school_seq ON bus_rider (school, seq);
CREATE INDEX bus_rider_seq ON bus_rider (seq);
CREATE INDEX bus_rider_bus ON bus_rider (school, bus_id);

-- One trip. mismatch (boarded <> alighted: a child may be left on the bus) is
-- derived here so the alarm is one indexed query away.
CREATE TABLE bus_trip (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  bus_id        uuid,
  trip_date     date,
  direction     text NOT NULL DEFAULT '',
  boarded       integer NOT NULL DEFAULT 0,
  alighted      integer NOT NULL DEFAULT 0,
  checked_by    text NOT NULL DEFAULT '',
  -- derived (not on the wire)
  mismatch      boolean GENERATED ALWAYS AS (boarded <> alighted) STORED,
  PRIMARY KEY (school, id)
);
CREATE INDEX bus_trip_school_seq ON bus_trip (school, seq);
CREATE INDEX bus_trip_seq ON bus_trip (seq);
CREATE INDEX bus_trip_bus ON bus_trip (school, bus_id, trip_date);
CREATE INDEX bus_trip_mismatch ON bus_trip (school, trip_date) WHERE mismatch AND NOT deleted;

-- 设施设备: latest known check on the row; each check also in equipment_check.
CREATE TABLE equipment (
  id               uuid NOT NULL,
  school           text NOT NULL,
  campus           text NOT NULL,
  hlc              bigint NOT NULL,
  deleted          boolean NOT NULL DEFAULT false,
  seq              bigint NOT NULL,
  written_by       text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  item             text NOT NULL DEFAULT '',
  type             text NOT NULL DEFAULT '',
  location         text NOT NULL DEFAULT '',
  installed_date   date,
  interval_days    integer NOT NULL DEFAULT 0,
  last_check_date  date,
  next_due_date    date,
  result           text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX equipment_school_seq ON equipment (school, seq);
CREATE INDEX equipment_seq ON equipment (seq);

CREATE TABLE equipment_check (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  equipment_id  uuid,
  check_date    date,
  result        text NOT NULL DEFAULT '',
  checker       text NOT NULL DEFAULT '',
  note          text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX equipment_check_school_seq ON equipment_check (school, seq);
CREATE INDEX equipment_check_seq ON equipment_check (seq);
CREATE INDEX equipment_check_equipment ON equipment_check (school, equipment_id, check_date);

-- 存在问题: a standing risk.
CREATE TABLE risk (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  title         text NOT NULL DEFAULT '',
  description   text NOT NULL DEFAULT '',
  area          text NOT NULL DEFAULT '',
  mitigation    text NOT NULL DEFAULT '',
  plan          text NOT NULL DEFAULT '',
  planned_date  date,
  status        text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX risk_school_seq ON risk (school, seq);
CREATE INDEX risk_seq ON risk (seq);

-- 上级通知: the bureau's rows, school ''. targets: ';'-separated school ids,
-- '' = every school.
CREATE TABLE notice (
  id               uuid NOT NULL,
  school           text NOT NULL,
  campus           text NOT NULL,
  hlc              bigint NOT NULL,
  deleted          boolean NOT NULL DEFAULT false,
  seq              bigint NOT NULL,
  written_by       text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  title            text NOT NULL DEFAULT '',
  body             text NOT NULL DEFAULT '',
  issue_date       date,
  due_date         date,
  required_action  text NOT NULL DEFAULT '',
  targets          text NOT NULL DEFAULT '',
  campaign         text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX notice_school_seq ON notice (school, seq);
CREATE INDEX notice_seq ON notice (seq);

-- A school's ack of / report on a notice; never updated. notice_id names a
-- row of notice in school '' (no foreign key: the school differs).
CREATE TABLE notice_event (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  notice_id     uuid NOT NULL,
  action        text NOT NULL DEFAULT '',
  actor         text NOT NULL DEFAULT '',
  notice_hlc    bigint NOT NULL DEFAULT 0,
  report_date   date,
  channels      text NOT NULL DEFAULT '',
  evidence      text NOT NULL DEFAULT '',
  at_ms         bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (school, id)
);
CREATE INDEX notice_event_school_seq ON notice_event (school, seq);
CREATE INDEX notice_event_seq ON notice_event (seq);
CREATE INDEX notice_event_notice ON notice_event (school, notice_id, hlc);

-- Where each school stands on each notice, derived from notice_event by the
-- server (server/wf_notice.c) in the transaction that accepts the events. One
-- notice row is shared by all schools, so this lives per (school, notice):
--   acked_hlc     newest notice version (its hlc) the school acknowledged;
--                 acknowledged now  <=>  acked_hlc >= notice.hlc
--   ack_at        when that acknowledgement was made
--   reported_hlc  the notice version the school's report answered (0: none)
--   reported_at   when that report was made
--   report_date   the date the report gives
--   late          report_date > the notice's due_date when reported
CREATE TABLE notice_status (
  school        text NOT NULL,
  notice_id     uuid NOT NULL,
  acked_hlc     bigint NOT NULL DEFAULT 0,
  ack_at        timestamptz,
  reported_hlc  bigint NOT NULL DEFAULT 0,
  reported_at   timestamptz,
  report_date   date,
  late          boolean NOT NULL DEFAULT false,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (school, notice_id)
);
CREATE INDEX notice_status_notice ON notice_status (notice_id);

-- 校历: the district calendar (bureau, school ''), one row per term.
CREATE TABLE calendar (
  id               uuid NOT NULL,
  school           text NOT NULL,
  campus           text NOT NULL,
  hlc              bigint NOT NULL,
  deleted          boolean NOT NULL DEFAULT false,
  seq              bigint NOT NULL,
  written_by       text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  term_name        text NOT NULL DEFAULT '',
  term_start_date  date,
  term_end_date    date,
  holidays         text NOT NULL DEFAULT '',
  makeup_days      text NOT NULL DEFAULT '',
  PRIMARY KEY (school, id)
);
CREATE INDEX calendar_school_seq ON calendar (school, seq);
CREATE INDEX calendar_seq ON calendar (seq);
