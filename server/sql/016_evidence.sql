-- Evidence files (issue 11, docs/internals/evidence.md): photos and PDFs
-- attached to sign-offs. A signature describes its files (signoff.files);
-- the bytes arrive in chunks and are kept here, in PostgreSQL, so that every
-- safecampusd process behind the balancer sees the same uploads and a backup
-- of the database is a backup of the evidence.

-- What each signature says of its files: per file "hex sha256,size,hex media
-- type,hex name", files joined by ';' (server/signoff.c writes and reads it).
ALTER TABLE signoff ADD COLUMN files text NOT NULL DEFAULT '';
-- "is this hash named by a record of this school?" on every upload
CREATE INDEX signoff_evidence ON signoff USING gin (evidence);

-- One file of one school: its signed description and how much has arrived.
-- A file attached by two schools is kept once per school (tables are keyed
-- and distributed by school).
CREATE TABLE evidence_file (
  school             text NOT NULL,
  sha256             bytea NOT NULL,
  size               bigint NOT NULL,
  media_type         text NOT NULL DEFAULT '',
  name               text NOT NULL DEFAULT '',
  received           bigint NOT NULL DEFAULT 0,     -- bytes stored, contiguous from 0
  complete           boolean NOT NULL DEFAULT false, -- every byte, and the hash matched
  first_campus       text NOT NULL DEFAULT '',
  created_at         timestamptz NOT NULL DEFAULT now(),
  completed_at       timestamptz,
  PRIMARY KEY (school, sha256)
);
CREATE INDEX evidence_file_sha ON evidence_file (sha256);

-- The bytes, one row per uploaded chunk (at most the server's max chunk, 256
-- KiB by default), at its offset. Photos and PDFs are compressed already:
-- EXTERNAL keeps them out of line without another pointless compression.
CREATE TABLE evidence_chunk (
  school             text NOT NULL,
  sha256             bytea NOT NULL,
  off                bigint NOT NULL,
  data               bytea NOT NULL,
  PRIMARY KEY (school, sha256, off)
);
ALTER TABLE evidence_chunk ALTER COLUMN data SET STORAGE EXTERNAL;
