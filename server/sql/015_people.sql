-- People who sign (签名人员) and the signatures on sign-offs
-- (docs/internals/people.md). A person row is an enrolment record: its public
-- key, its role, signed by whoever enrolled it. Common columns as in
-- 001_core.sql, then one column per field of Person, then the digest of 008.
CREATE TABLE person (
  id                 uuid NOT NULL,
  school             text NOT NULL,
  campus             text NOT NULL,
  hlc                bigint NOT NULL,
  deleted            boolean NOT NULL DEFAULT false,
  seq                bigint NOT NULL,
  written_by         text NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  login              text NOT NULL DEFAULT '',
  display_name       text NOT NULL DEFAULT '',
  role               text NOT NULL DEFAULT '',
  public_key         text NOT NULL DEFAULT '',
  enrolled_ms        bigint NOT NULL DEFAULT 0,
  revoked_ms         bigint NOT NULL DEFAULT 0,
  digest             bytea,
  PRIMARY KEY (school, id)
);
CREATE INDEX person_school_seq ON person (school, seq);
CREATE INDEX person_seq ON person (seq);
CREATE INDEX person_id_idx ON person (id);
-- a login names one person in its school (the signature names school + login)
CREATE UNIQUE INDEX person_school_login ON person (school, login);

-- The signature of every signed row, whatever its kind: who signed, over
-- which bytes, and where it sits in its chain. chain_id is the parent's id
-- for events (a hazard's steps form one chain) and the record's own id for a
-- signed record that is not an event (each version chains to the one before).
-- pos counts from 1 along the chain; hash is the event hash the next one
-- names as prev_hash. The row the signature covers stays in its kind's table:
-- `safecampusd --verify` rebuilds the signed bytes from it, so an edit of
-- either table shows.
CREATE TABLE signoff (
  school             text NOT NULL,
  id                 uuid NOT NULL,
  kind               text NOT NULL,
  hlc                bigint NOT NULL,
  chain_id           uuid NOT NULL,
  pos                integer NOT NULL,
  signer             text NOT NULL,
  signer_school      text NOT NULL,
  signed_ms          bigint NOT NULL,
  prev_hash          bytea NOT NULL,
  evidence           bytea[] NOT NULL DEFAULT '{}',
  sig                bytea NOT NULL,
  hash               bytea NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (school, id, hlc)
);
CREATE UNIQUE INDEX signoff_chain ON signoff (school, chain_id, pos);
