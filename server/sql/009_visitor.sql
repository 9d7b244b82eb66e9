-- 访客登记 (people defence, 人防): the visitor log, one row per visit.
-- Common columns as in 001_core.sql, then one column per field of Visitor,
-- then what 007 and 008 gave every kind table already there (the district-wide
-- id index, the version digest): those ran over the tables of their day.
CREATE TABLE visitor (
  id                 uuid NOT NULL,
  school             text NOT NULL,
  campus             text NOT NULL,
  hlc                bigint NOT NULL,
  deleted            boolean NOT NULL DEFAULT false,
  seq                bigint NOT NULL,
  written_by         text NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  visit_date         date,
  name               text NOT NULL DEFAULT '',
  organisation       text NOT NULL DEFAULT '',
  purpose            text NOT NULL DEFAULT '',
  host               text NOT NULL DEFAULT '',
  time_in_ms         bigint NOT NULL DEFAULT 0,
  time_out_ms        bigint NOT NULL DEFAULT 0,
  digest             bytea,
  PRIMARY KEY (school, id)
);
CREATE INDEX visitor_school_seq ON visitor (school, seq);
CREATE INDEX visitor_seq ON visitor (seq);
CREATE INDEX visitor_id_idx ON visitor (id);
