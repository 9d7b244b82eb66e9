-- Core of the sync schema.
--
-- Every record kind has one typed table, keyed (school, id) so that it can be
-- distributed on school (Citus) without change, with the common sync columns first:
--   id          the client-made UUID
--   school      owning school ('' for the bureau's own rows)
--   campus      campus that created the row
--   hlc         hybrid logical clock of the last accepted write (last writer wins)
--   deleted     tombstone
--   seq         position in the district's change feed; handed out under the
--               district sync lock, so seq order is commit order (see
--               docs/internals/sync.md) and a pull cursor never skips a row
--   written_by  campus of the last accepted write
--   received_at when the server stored it
-- then one column per field of the kind's protobuf message, with the same name.
-- Enums are stored by their short lower-case name, dates as date, *_ms as bigint.

CREATE SEQUENCE sync_seq AS bigint;

-- Per-client sync health, as reported in Hello; the bureau's dashboards read it.
CREATE TABLE client_health (
  school          text NOT NULL,
  campus          text NOT NULL,
  last_contact    timestamptz NOT NULL,
  outbox_pending  bigint NOT NULL DEFAULT 0,
  oldest_pending  timestamptz,
  last_sync       timestamptz,
  client_version  text NOT NULL DEFAULT '',
  PRIMARY KEY (school, campus)
);

-- 隐患: a hazard as reported. Its workflow state is derived from hazard_event
-- by the server in the same transaction that accepts the events, so analysts
-- can query state/owner/deadline directly.
CREATE TABLE hazard (
  id            uuid NOT NULL,
  school        text NOT NULL,
  campus        text NOT NULL,
  hlc           bigint NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  seq           bigint NOT NULL,
  written_by    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  title         text NOT NULL,
  location      text NOT NULL DEFAULT '',
  area          text NOT NULL,
  severity      text NOT NULL,
  description   text NOT NULL DEFAULT '',
  found_date    date,
  reporter      text NOT NULL DEFAULT '',
  -- derived from hazard_event (not on the wire)
  state         text NOT NULL DEFAULT 'reported',
  owner         text NOT NULL DEFAULT '',
  deadline      date,
  rectified_by  text NOT NULL DEFAULT '',
  verified_at   timestamptz,
  closed_at     timestamptz,
  reopen_count  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (school, id)
);
CREATE INDEX hazard_school_seq ON hazard (school, seq);
CREATE INDEX hazard_seq ON hazard (seq);

-- One step of a hazard's life; never updated.
CREATE TABLE hazard_event (
  id               uuid NOT NULL,
  school           text NOT NULL,
  campus           text NOT NULL,
  hlc              bigint NOT NULL,
  deleted          boolean NOT NULL DEFAULT false,
  seq              bigint NOT NULL,
  written_by       text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  hazard_id        uuid NOT NULL,
  action           text NOT NULL,
  actor            text NOT NULL,
  actor_role       text NOT NULL,
  owner            text NOT NULL DEFAULT '',
  deadline_date    date,
  note             text NOT NULL DEFAULT '',
  evidence_sha256  text NOT NULL DEFAULT '',
  evidence_path    text NOT NULL DEFAULT '',
  at_ms            bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (school, id),
  FOREIGN KEY (school, hazard_id) REFERENCES hazard (school, id)
);
CREATE INDEX hazard_event_school_seq ON hazard_event (school, seq);
CREATE INDEX hazard_event_seq ON hazard_event (seq);
CREATE INDEX hazard_event_hazard ON hazard_event (school, hazard_id, hlc);
