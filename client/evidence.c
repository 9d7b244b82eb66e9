/* Evidence files at a campus. See evidence.h. */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "i18n.h"
#include "kinds.h"
#include "sig.h"
#include "store_int.h"

static const char *const evidence_schema =
	"CREATE TABLE IF NOT EXISTS evidence_files(\n"
	"  sha256 TEXT PRIMARY KEY NOT NULL,\n" /* lower-case hex: the file's name */
	"  size INTEGER NOT NULL,\n"
	"  media_type TEXT NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  state INTEGER NOT NULL,\n" /* enum evidence_state */
	"  added_ms INTEGER NOT NULL\n"
	") WITHOUT ROWID";

/* The table is made on first use rather than by a store migration: it is
 * only this module's, and a store that never attaches a file never has it. */
static int ensure_table(struct store *st)
{
	char *err = NULL;
	int rc = sqlite3_exec(st->db, evidence_schema, NULL, NULL, &err);

	if (rc != SQLITE_OK) {
		store__set_error("cannot make the evidence table: %s", err ? err : "?");
		sqlite3_free(err);
		return SC_ESQLITE;
	}
	return 0;
}

static int prepare(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int rc = ensure_table(st);

	if (rc)
		return rc;
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK) {
		store__set_error("evidence: %s", sqlite3_errmsg(st->db));
		return SC_ESQLITE;
	}
	return 0;
}

/* ---------------------------------------------------------------- limits */

int evidence_limits_get(struct store *st, struct evidence_limits *out)
{
	int64_t v = 0;
	bool found = false;
	int rc = store__meta_get_int(st, "evidence_max_file", &v, &found);

	out->max_file = found && v > 0 ? (uint64_t)v : EVIDENCE_DEFAULT_MAX_FILE;
	if (!rc)
		rc = store__meta_get_int(st, "evidence_max_school", &v, &found);
	out->max_school = found && v > 0 ? (uint64_t)v : EVIDENCE_DEFAULT_MAX_SCHOOL;
	return rc;
}

int evidence_limits_set(struct store *st, const struct evidence_limits *l)
{
	int rc = store__meta_put_int(st, "evidence_max_file", (int64_t)l->max_file);

	return rc ? rc : store__meta_put_int(st, "evidence_max_school", (int64_t)l->max_school);
}

/* ---------------------------------------------------------------- the files */

int evidence_path(struct store *st, const char *hex, char *out, size_t n)
{
	int w = snprintf(out, n, "%s.evidence/%s", st->path, hex);

	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

static int evidence_dir(struct store *st, char *out, size_t n)
{
	int w = snprintf(out, n, "%s.evidence", st->path);

	if (w < 0 || (size_t)w >= n)
		return -ENAMETOOLONG;
	if (mkdir(out, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

const char *evidence_media_type(const uint8_t *h, size_t n)
{
	if (n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff)
		return "image/jpeg";
	if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 5 && memcmp(h, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 6 && (memcmp(h, "GIF87a", 6) == 0 || memcmp(h, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (n >= 12 && memcmp(h + 4, "ftypheic", 8) == 0)
		return "image/heic";
	return "application/octet-stream";
}

static void to_hex(const uint8_t *md, char hex[65])
{
	sig_hex(md, 32, hex);
}

int evidence_hash_file(const char *path, char hex[65], uint64_t *size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t got;
	int rc = 0;

	*size = 0;
	if (!f || !ctx) {
		rc = f ? -ENOMEM : -errno;
		goto out;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
		*size += got;
		if (EVP_DigestUpdate(ctx, buf, got) != 1) {
			rc = -EIO;
			goto out;
		}
	}
	if (ferror(f) || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		rc = -EIO;
	else
		to_hex(md, hex);
out:
	EVP_MD_CTX_free(ctx);
	if (f)
		fclose(f);
	return rc;
}

/* Bytes of evidence this install already keeps (every file, any state). */
static int kept_bytes(struct store *st, const char *except_hex, uint64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = prepare(st, "SELECT coalesce(sum(size), 0) FROM evidence_files WHERE sha256 <> ?1",
			 &s);

	*out = 0;
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, except_hex, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(s, 0);
	else
		rc = store__sql_fail(st, SQLITE_ERROR, "sum evidence");
	sqlite3_finalize(s);
	return rc;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

int evidence_add(struct store *st, const char *path, struct evidence_file *out, char *why, size_t n)
{
	struct evidence_limits lim;
	char dir[4096], tmp[4200], dst[4200];
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint64_t kept = 0;
	EVP_MD_CTX *ctx = NULL;
	FILE *in = NULL, *o = NULL;
	struct stat sb;
	size_t got;
	int rc;

	memset(out, 0, sizeof *out);
	rc = evidence_limits_get(st, &lim);
	if (rc)
		return sc_refuse(rc, why, n, _("cannot read the evidence limits"));
	in = fopen(path, "rb");
	if (!in || fstat(fileno(in), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = in ? -EISDIR : -errno;
		sc_refuse(rc, why, n, _("cannot read evidence file %1$s: %2$s"), path,
			  sc_strerror(rc));
		goto out;
	}
	/* the limits are checked here, before anything is copied or sent */
	if ((uint64_t)sb.st_size > lim.max_file) {
		rc = sc_refuse(SC_ETOOBIG, why, n,
			       _("evidence file %1$s is %2$llu bytes, above this campus's limit of "
				 "%3$llu bytes per file (safecampus evidence limits)"),
			       path, (unsigned long long)sb.st_size,
			       (unsigned long long)lim.max_file);
		goto out;
	}
	got = fread(buf, 1, 16, in);
	snprintf(out->media_type, sizeof out->media_type, "%s", evidence_media_type(buf, got));
	rewind(in);
	snprintf(out->name, sizeof out->name, "%s", base_name(path));
	rc = evidence_dir(st, dir, sizeof dir);
	if (rc) {
		sc_refuse(rc, why, n, _("cannot make the evidence directory: %s"), sc_strerror(rc));
		goto out;
	}
	snprintf(tmp, sizeof tmp, "%s/.add.%ld", dir, (long)getpid());
	o = fopen(tmp, "wb");
	ctx = EVP_MD_CTX_new();
	if (!o || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = o ? -ENOMEM : -errno;
		sc_refuse(rc, why, n, _("cannot copy the evidence file: %s"), sc_strerror(rc));
		goto out;
	}
	while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
		out->size += got;
		if (out->size > lim.max_file || fwrite(buf, 1, got, o) != got ||
		    EVP_DigestUpdate(ctx, buf, got) != 1)
			break;
	}
	if (out->size > lim.max_file) {
		rc = sc_refuse(SC_ETOOBIG, why, n,
			       _("evidence file %1$s grew above %2$llu bytes while it was read"),
			       path, (unsigned long long)lim.max_file);
		goto out;
	}
	if (ferror(in) || fflush(o) != 0 || fsync(fileno(o)) != 0 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
		rc = -EIO;
		sc_refuse(rc, why, n, _("cannot copy the evidence file: %s"), sc_strerror(rc));
		goto out;
	}
	memcpy(out->sha, md, 32);
	to_hex(md, out->hex);
	rc = kept_bytes(st, out->hex, &kept);
	if (rc) {
		sc_refuse(rc, why, n, "%s", store_last_error());
		goto out;
	}
	if (kept + out->size > lim.max_school) {
		rc = sc_refuse(SC_ETOOBIG, why, n,
			       _("this campus keeps %1$llu bytes of evidence; %2$s (%3$llu bytes) "
				 "would pass the school's limit of %4$llu bytes"),
			       (unsigned long long)kept, out->name, (unsigned long long)out->size,
			       (unsigned long long)lim.max_school);
		goto out;
	}
	snprintf(dst, sizeof dst, "%s/%s", dir, out->hex);
	if (rename(tmp, dst) != 0) {
		rc = -errno;
		sc_refuse(rc, why, n, _("cannot keep the evidence file: %s"), sc_strerror(rc));
	}
out:
	if (o) {
		fclose(o);
		unlink(tmp); /* gone after the rename; left over otherwise */
	}
	if (in)
		fclose(in);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int evidence_commit_fetched(struct store *st, const struct evidence_file *f)
{
	char part[4300], dst[4200], hex[65];
	uint64_t size = 0;
	int rc = evidence_path(st, f->hex, dst, sizeof dst);

	if (rc)
		return rc;
	snprintf(part, sizeof part, "%s.part", dst);
	rc = evidence_hash_file(part, hex, &size);
	if (rc)
		return rc;
	if (strcmp(hex, f->hex) != 0 || size != f->size) {
		unlink(part);
		return SC_EINVALID;
	}
	if (rename(part, dst) != 0)
		return -errno;
	{
		Safecampus__Record r = SAFECAMPUS__RECORD__INIT;
		Safecampus__Signature s = SAFECAMPUS__SIGNATURE__INIT;
		Safecampus__EvidenceFile ef = SAFECAMPUS__EVIDENCE_FILE__INIT, *efp = &ef;
		ef.sha256.data = (uint8_t *)f->sha;
		ef.sha256.len = 32;
		ef.size = f->size;
		ef.media_type = (char *)f->media_type;
		ef.name = (char *)f->name;
		s.n_files = 1;
		s.files = &efp;
		r.signature = &s;
		rc = evidence_note(st, &r, EVIDENCE_FETCHED);
	}
	return rc;
}

/* ---------------------------------------------------------------- descriptions */

int evidence_attach(Safecampus__Record *r, const struct evidence_file *f, size_t n)
{
	Safecampus__Signature *s = r->signature;

	if (n == 0)
		return 0;
	if (!s) {
		s = calloc(1, sizeof *s);
		if (!s)
			return -ENOMEM;
		safecampus__signature__init(s);
		r->signature = s;
	}
	s->files = calloc(n, sizeof *s->files);
	if (!s->files)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		Safecampus__EvidenceFile *e = calloc(1, sizeof *e);
		if (!e)
			return -ENOMEM;
		safecampus__evidence_file__init(e);
		s->files[s->n_files++] = e;
		e->sha256.data = malloc(32);
		e->media_type = strdup(f[i].media_type);
		e->name = strdup(f[i].name);
		if (!e->sha256.data || !e->media_type || !e->name)
			return -ENOMEM;
		memcpy(e->sha256.data, f[i].sha, 32);
		e->sha256.len = 32;
		e->size = f[i].size;
	}
	return 0;
}

int evidence_note(struct store *st, const Safecampus__Record *r, enum evidence_state state)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (!r->signature || r->signature->n_files == 0)
		return 0;
	rc = prepare(st,
		     "INSERT INTO evidence_files (sha256, size, media_type, name, state, added_ms) "
		     "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (sha256) DO UPDATE SET "
		     "state = max(state, excluded.state)",
		     &s);
	for (size_t i = 0; !rc && i < r->signature->n_files; i++) {
		const Safecampus__EvidenceFile *f = r->signature->files[i];
		char hex[65];
		if (f->sha256.len != 32)
			continue;
		sig_hex(f->sha256.data, 32, hex);
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)f->size);
		sqlite3_bind_text(s, 3, f->media_type ? f->media_type : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 4, f->name ? f->name : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 5, (int)state);
		sqlite3_bind_int64(s, 6, (sqlite3_int64)store__now_ms());
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = store__sql_fail(st, SQLITE_ERROR, "note evidence");
	}
	sqlite3_finalize(s);
	return rc;
}

int evidence_write(struct store *st, Safecampus__Record *const *recs, size_t n)
{
	int rc = ensure_table(st);

	if (!rc)
		rc = store__tx_begin(st);
	if (rc)
		return rc;
	rc = store_write_batch(st, recs, n);
	if (!rc)
		rc = evidence_note(st, recs[0], EVIDENCE_TO_UPLOAD);
	return store__tx_end(st, rc);
}

static void row_to_file(sqlite3_stmt *s, struct evidence_file *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->hex, sizeof out->hex, "%s", (const char *)sqlite3_column_text(s, 0));
	if (sig_unhex(out->hex, out->sha, 32) != 0)
		memset(out->sha, 0, sizeof out->sha);
	out->size = (uint64_t)sqlite3_column_int64(s, 1);
	snprintf(out->media_type, sizeof out->media_type, "%s",
		 (const char *)sqlite3_column_text(s, 2));
	snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(s, 3));
}

int evidence_next_upload(struct store *st, const char *after_hex, struct evidence_file *out,
			 bool *have)
{
	sqlite3_stmt *s = NULL;
	int rc =
		prepare(st,
			"SELECT sha256, size, media_type, name FROM evidence_files WHERE state = 0 "
			"AND sha256 > ?1 ORDER BY sha256 LIMIT 1",
			&s);

	*have = false;
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, after_hex ? after_hex : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		row_to_file(s, out);
		*have = true;
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? 0 : store__sql_fail(st, rc, "next evidence");
	}
	sqlite3_finalize(s);
	return rc;
}

int evidence_set_state(struct store *st, const char *hex, enum evidence_state state)
{
	sqlite3_stmt *s = NULL;
	int rc = prepare(st, "UPDATE evidence_files SET state = ?2 WHERE sha256 = ?1", &s);

	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, (int)state);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = store__sql_fail(st, SQLITE_ERROR, "evidence state");
	sqlite3_finalize(s);
	return rc;
}

int evidence_known(struct store *st, const char *hex, struct evidence_file *out,
		   enum evidence_state *state, bool *known)
{
	sqlite3_stmt *s = NULL;
	int rc = prepare(st,
			 "SELECT sha256, size, media_type, name, state FROM evidence_files "
			 "WHERE sha256 = ?1",
			 &s);

	*known = false;
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		row_to_file(s, out);
		*state = (enum evidence_state)sqlite3_column_int(s, 4);
		*known = true;
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? 0 : store__sql_fail(st, rc, "evidence file");
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- finding one */

struct find_ctx {
	const char *hex;
	struct evidence_file *out;
	bool found;
};

static void from_desc(const Safecampus__EvidenceFile *f, struct evidence_file *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->sha, f->sha256.data, 32);
	sig_hex(f->sha256.data, 32, out->hex);
	out->size = f->size;
	snprintf(out->media_type, sizeof out->media_type, "%s", f->media_type ? f->media_type : "");
	snprintf(out->name, sizeof out->name, "%s", f->name ? f->name : "");
}

static int find_cb(void *arg, const Safecampus__Record *r)
{
	struct find_ctx *x = arg;

	for (size_t i = 0; r->signature && i < r->signature->n_files; i++) {
		const Safecampus__EvidenceFile *f = r->signature->files[i];
		char hex[65];
		if (f->sha256.len != 32)
			continue;
		sig_hex(f->sha256.data, 32, hex);
		if (strcmp(hex, x->hex) == 0) {
			from_desc(f, x->out);
			x->found = true;
			return 1;
		}
	}
	return 0;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int evidence_find(struct store *st, const char *what, struct evidence_file *out, bool *local)
{
	char path[4200], hex[65];
	uint64_t size = 0;
	int rc;

	*local = false;
	if (is_hex64(what)) {
		struct find_ctx x = { .hex = what, .out = out };
		rc = store_each(st, NULL, find_cb, &x);
		if (rc < 0)
			return rc;
		if (!x.found)
			return SC_ENOTFOUND;
	} else {
		Safecampus__Record *r = NULL;
		char id[37];
		if (store_resolve_id(st, what, id) != 0 || store_get(st, id, &r) != 0)
			return SC_ENOTFOUND;
		if (!r->signature || r->signature->n_files == 0 ||
		    r->signature->files[0]->sha256.len != 32) {
			safecampus__record__free_unpacked(r, NULL);
			return SC_ENOTFOUND;
		}
		from_desc(r->signature->files[0], out);
		safecampus__record__free_unpacked(r, NULL);
	}
	rc = evidence_path(st, out->hex, path, sizeof path);
	if (rc)
		return rc;
	if (access(path, R_OK) == 0 && evidence_hash_file(path, hex, &size) == 0)
		*local = strcmp(hex, out->hex) == 0 && size == out->size;
	return 0;
}
