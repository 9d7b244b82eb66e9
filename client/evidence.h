/* Evidence files at a campus (issue 11): photos and PDFs attached to
 * sign-offs, kept content-addressed beside the SQLite store, described inside
 * the signed event, queued for upload and fetched on demand.
 *
 * Files live in the directory "<store>.evidence/" named by their lower-case
 * hex SHA-256, so the same photo attached twice is kept once and a file's
 * name is its check. What is known about them (size, media type, name, and
 * whether the server has them) is the table evidence_files of the store,
 * made on first use. docs/internals/evidence.md says why a directory. */
#ifndef SC_EVIDENCE_H
#define SC_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "safecampus.pb-c.h"
#include "store.h"

#define EVIDENCE_MAX_FILES 4                     /* per sign-off */
#define EVIDENCE_CHUNK (256u * 1024u)            /* upload chunk */
#define EVIDENCE_DEFAULT_MAX_FILE (20ull << 20)  /* 20 MiB per file */
#define EVIDENCE_DEFAULT_MAX_SCHOOL (2ull << 30) /* 2 GiB per school */

/** One file as this campus knows it. */
struct evidence_file {
	uint8_t sha[32];
	char hex[65];
	uint64_t size;
	char media_type[64];
	char name[256];
};

enum evidence_state {
	EVIDENCE_TO_UPLOAD = 0, /* attached here; the server does not have it yet */
	EVIDENCE_UPLOADED = 1,  /* the server has every byte and checked the hash */
	EVIDENCE_FETCHED = 2,   /* fetched from the server (another campus attached it) */
};

/** The limits of this install (client configuration, the store's meta). */
struct evidence_limits {
	uint64_t max_file;   /* bytes per file */
	uint64_t max_school; /* bytes of all the school's evidence kept here */
};

SC_WUR int evidence_limits_get(struct store *st, struct evidence_limits *out);
SC_WUR int evidence_limits_set(struct store *st, const struct evidence_limits *l);

/** Checks the file at path against the limits and copies it into the store
 * under its hash; fills out. SC_ETOOBIG (why says which limit), a negative
 * errno (cannot read it), or 0. Nothing is sent anywhere. */
SC_WUR int evidence_add(struct store *st, const char *path, struct evidence_file *out, char *why,
			size_t n);

/** Where the file with this hash is (or would be) kept; 0 or -ENAMETOOLONG. */
SC_WUR int evidence_path(struct store *st, const char *hex, char *out, size_t n);

/** Puts the descriptions of files into r's signature (made if missing), for
 * the signing to cover (client/person.c keeps them). 0 or -ENOMEM. */
SC_WUR int evidence_attach(Safecampus__Record *r, const struct evidence_file *f, size_t n);

/** store_write_batch of recs and evidence_note of the files of recs[0] (to
 * upload) in one transaction. */
SC_WUR int evidence_write(struct store *st, Safecampus__Record *const *recs, size_t n);

/** Records the files r's signature describes: state for the ones not yet
 * known here. 0 or a store error. */
SC_WUR int evidence_note(struct store *st, const Safecampus__Record *r, enum evidence_state state);

/** The next file waiting for upload, *have false if none; skip_hex (may be
 * NULL or "") is left out (a file the server refused this round). */
SC_WUR int evidence_next_upload(struct store *st, const char *after_hex, struct evidence_file *out,
				bool *have);
SC_WUR int evidence_set_state(struct store *st, const char *hex, enum evidence_state state);

/** A file by its hash, or the first file of the record with this id (or
 * unique id prefix) as the records known here describe it. SC_ENOTFOUND if
 * neither. *local says whether its bytes are here and good. */
SC_WUR int evidence_find(struct store *st, const char *hash_or_id, struct evidence_file *out,
			 bool *local);

/** What this campus's table says of the file hex (attached or fetched here):
 * *known false if it has no row (a file only described by a pulled record).
 * 0 or a store error. */
SC_WUR int evidence_known(struct store *st, const char *hex, struct evidence_file *out,
			  enum evidence_state *state, bool *known);

/** SHA-256 of the file at path as lower-case hex; its size in *size. */
SC_WUR int evidence_hash_file(const char *path, char hex[65], uint64_t *size);

/** Stores bytes fetched from the server as the file hex once they hash to
 * it: tmp is the partial file evidence_path()+".part". 0, or SC_EINVALID
 * (hash differs; the partial file is removed). */
SC_WUR int evidence_commit_fetched(struct store *st, const struct evidence_file *f);

/** The media type of a file from its first bytes. */
const char *evidence_media_type(const uint8_t *head, size_t n);

#endif
