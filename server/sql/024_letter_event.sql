-- A responsibility letter's counter-signature (issue 11): the second signed
-- step of the letter's chain, by the person who issues the letter (the level
-- above its holder). Common columns as in 001_core.sql, one column per field
-- of LetterEvent, then what 007 and 008 gave every kind table (the
-- district-wide id index, the version digest). The server's workflow
-- (server/wf_letter.c) reads the letter's level and holder from letter and
-- signoff, and whether it is counter-signed already from here.
CREATE TABLE letter_event (
  id                 uuid NOT NULL,
  school             text NOT NULL,
  campus             text NOT NULL,
  hlc                bigint NOT NULL,
  deleted            boolean NOT NULL DEFAULT false,
  seq                bigint NOT NULL,
  written_by         text NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  letter_id          uuid NOT NULL,
  action             text NOT NULL DEFAULT '',
  level              text NOT NULL DEFAULT '',
  actor              text NOT NULL DEFAULT '',
  signed_date        date,
  digest             bytea,
  PRIMARY KEY (school, id)
);
CREATE INDEX letter_event_school_seq ON letter_event (school, seq);
CREATE INDEX letter_event_seq ON letter_event (seq);
CREATE INDEX letter_event_id_idx ON letter_event (id);
CREATE INDEX letter_event_letter ON letter_event (school, letter_id);
