/* The COPY sink: one PostgreSQL COPY text file per table, and a load script,
 * to fill a server database directly (benchmarks of hundreds of schools).
 *
 * Rows look as the server would have stored them: the common columns (seq from
 * a counter in output order, written_by = the campus, received_at shortly
 * after the hlc), one column per field named after it (as kindsql.c and
 * server/sql/002_kinds.sql do), the hazard's derived columns as wf_hazard.c
 * would write them, and notice_status as wf_notice.c would. Every column is
 * named in load.sql, so a column added later by a migration keeps its default.
 *
 * Output depends on nothing but the records: two runs with the same options
 * give the same bytes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen.h"
#include "hlc.h"

#define MAX_KINDS 64

struct copy_sink {
	char *dir;
	FILE *f[MAX_KINDS];
	FILE *status;
	uint64_t rows[MAX_KINDS], status_rows;
	uint64_t seq;
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static FILE *open_in(const char *dir, const char *name, const char *mode)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, mode);
	if (!f)
		fprintf(stderr, "scgen: %s: %s\n", path, strerror(errno));
	else
		setvbuf(f, NULL, _IOFBF, 1 << 18);
	return f;
}

int copy_open(struct copy_sink **out, const char *dir)
{
	struct copy_sink *s;

	*out = NULL;
	if (kind_count() > MAX_KINDS) {
		fprintf(stderr, "scgen: more kinds than the COPY sink knows (%zu)\n", kind_count());
		return -EIO;
	}
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "scgen: %s: %s\n", dir, strerror(errno));
		return -EIO;
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return -ENOMEM;
	}
	for (size_t k = 0; k < kind_count(); k++) {
		char name[128];
		snprintf(name, sizeof name, "%s.copy", kind_at(k)->name);
		if (!(s->f[k] = open_in(dir, name, "w"))) {
			copy_abort(s);
			return -EIO;
		}
	}
	if (!(s->status = open_in(dir, "notice_status.copy", "w"))) {
		copy_abort(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

/* ------------------------------------------------------------------ values */

static void put_text(FILE *f, const char *s)
{
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '\\':
			fputs_unlocked("\\\\", f);
			break;
		case '\n':
			fputs_unlocked("\\n", f);
			break;
		case '\r':
			fputs_unlocked("\\r", f);
			break;
		case '\t':
			fputs_unlocked("\\t", f);
			break;
		default:
			putc_unlocked(*p, f);
		}
	}
}

static void put_u64(FILE *f, uint64_t v)
{
	char b[24];
	int i = (int)sizeof b;

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite_unlocked(b + i, 1, sizeof b - (size_t)i, f);
}

static void put_i64(FILE *f, int64_t v)
{
	if (v < 0) {
		putc_unlocked('-', f);
		put_u64(f, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(f, (uint64_t)v);
	}
}

/* A timestamptz from Unix ms, in UTC. */
static void put_ts(FILE *f, int64_t ms)
{
	char d[11], b[40];
	int64_t secs = ms / 1000;
	int day = (int)(secs / 86400), sod = (int)(secs % 86400);

	day_fmt(day, d);
	snprintf(b, sizeof b, "%s %02d:%02d:%02d.%03d+00", d, sod / 3600, sod / 60 % 60, sod % 60,
		 (int)(ms % 1000));
	fputs_unlocked(b, f);
}

static void put_field(FILE *f, const ProtobufCFieldDescriptor *fd, const ProtobufCMessage *m)
{
	const void *v = (const char *)m + fd->offset;

	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)v;
		if ((!s || !*s) && (ends_with(fd->name, "_date") || ends_with(fd->name, "_id")))
			fputs_unlocked("\\N", f);
		else if (s)
			put_text(f, s);
		break;
	}
	case PROTOBUF_C_TYPE_ENUM: {
		int e = *(const int *)v;
		const char *n = e ? kind_enum_name(fd->descriptor, e) : "";
		fputs_unlocked(n ? n : "", f);
		break;
	}
	case PROTOBUF_C_TYPE_BOOL:
		putc_unlocked(*(const protobuf_c_boolean *)v ? 't' : 'f', f);
		break;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		put_i64(f, *(const int32_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		put_u64(f, *(const uint32_t *)v);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		put_i64(f, *(const int64_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		put_u64(f, *(const uint64_t *)v);
		break;
	case PROTOBUF_C_TYPE_DOUBLE: {
		char b[32];
		snprintf(b, sizeof b, "%.17g", *(const double *)v);
		fputs_unlocked(b, f);
		break;
	}
	case PROTOBUF_C_TYPE_FLOAT: {
		char b[32];
		snprintf(b, sizeof b, "%.9g", (double)*(const float *)v);
		fputs_unlocked(b, f);
		break;
	}
	default:
		/* no repeated, message or bytes fields in a kind (docs/internals/kinds.md) */
		fprintf(stderr, "scgen: field %s has a type the COPY sink does not know\n",
			fd->name);
		abort();
	}
}

static const struct hz_final *find_hz(const struct unit *u, const char *id)
{
	for (size_t i = 0; i < u->nhz; i++)
		if (!strcmp(u->hz[i].id, id))
			return &u->hz[i];
	return NULL;
}

/* The derived columns of hazard, as wf_hazard.c stores them. */
static void put_hazard_status(FILE *f, const struct hz_final *h)
{
	struct hazard_status st;

	if (h)
		st = h->st;
	else
		hazard_status_init(&st);
	fputs_unlocked(hazard_state_name(st.state), f);
	putc_unlocked('\t', f);
	put_text(f, st.owner);
	putc_unlocked('\t', f);
	if (st.deadline_date[0])
		fputs_unlocked(st.deadline_date, f);
	else
		fputs_unlocked("\\N", f);
	putc_unlocked('\t', f);
	put_text(f, st.rectified_by);
	putc_unlocked('\t', f);
	if (st.verified_ms)
		put_ts(f, st.verified_ms);
	else
		fputs_unlocked("\\N", f);
	putc_unlocked('\t', f);
	if (st.closed_ms)
		put_ts(f, st.closed_ms);
	else
		fputs_unlocked("\\N", f);
	putc_unlocked('\t', f);
	put_u64(f, st.reopen_count);
}

int copy_unit(struct copy_sink *s, const struct unit *u)
{
	for (size_t i = 0; i < u->n; i++) {
		const Safecampus__Record *r = u->recs[i];
		const struct kind *k = kind_of(r);
		size_t ki = (size_t)(k - kind_at(0));
		const ProtobufCMessage *m = kind_payload(r);
		FILE *f = s->f[ki];
		uint64_t seq = ++s->seq;

		fputs_unlocked(r->id, f);
		putc_unlocked('\t', f);
		put_text(f, r->school);
		putc_unlocked('\t', f);
		put_text(f, r->campus);
		putc_unlocked('\t', f);
		put_u64(f, r->hlc);
		fputs_unlocked("\tf\t", f);
		put_u64(f, seq);
		putc_unlocked('\t', f);
		put_text(f, r->campus);
		putc_unlocked('\t', f);
		/* stored a few seconds after it was written */
		put_ts(f, (int64_t)HLC_MS(r->hlc) + 1000 + (int64_t)(seq % 9) * 700);
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			putc_unlocked('\t', f);
			put_field(f, &k->desc->fields[j], m);
		}
		if (r->body_case == SAFECAMPUS__RECORD__BODY_HAZARD) {
			putc_unlocked('\t', f);
			put_hazard_status(f, find_hz(u, r->id));
		}
		putc_unlocked('\n', f);
		s->rows[ki]++;
	}
	for (size_t i = 0; i < u->nns; i++) {
		const struct notice_standing *ns = &u->ns[i];
		FILE *f = s->status;
		fputs_unlocked(u->school, f);
		putc_unlocked('\t', f);
		fputs_unlocked(ns->notice_id, f);
		putc_unlocked('\t', f);
		put_u64(f, ns->acked_hlc);
		putc_unlocked('\t', f);
		if (ns->acked_hlc)
			put_ts(f, ns->ack_ms);
		else
			fputs_unlocked("\\N", f);
		putc_unlocked('\t', f);
		put_u64(f, ns->reported_hlc);
		putc_unlocked('\t', f);
		if (ns->reported_hlc)
			put_ts(f, ns->reported_ms);
		else
			fputs_unlocked("\\N", f);
		putc_unlocked('\t', f);
		if (ns->report_day >= 0) {
			char d[11];
			day_fmt(ns->report_day, d);
			fputs_unlocked(d, f);
		} else {
			fputs_unlocked("\\N", f);
		}
		putc_unlocked('\t', f);
		putc_unlocked(ns->late ? 't' : 'f', f);
		putc_unlocked('\t', f);
		put_ts(f, ns->updated_ms + 2000);
		putc_unlocked('\n', f);
		s->status_rows++;
	}
	return 0;
}

/* ------------------------------------------------------------------ the load script */

static int write_load(struct copy_sink *s)
{
	FILE *f = open_in(s->dir, "load.sql", "w");
	int rc = 0;

	if (!f)
		return -EIO;
	fprintf(f, "-- Written by scgen (tests/data/README.md). Loads the COPY files of this\n"
		   "-- folder into a database migrated by safecampusd (--migrate-only) and\n"
		   "-- holding no rows yet; run from this folder (load.sh does).\n"
		   "\\set ON_ERROR_STOP 1\n"
		   "BEGIN;\n"
		   "SET LOCAL maintenance_work_mem = '256MB';\n"
		   "-- Secondary indexes are dropped for the load and made again after it\n"
		   "-- (much faster than keeping them up to date row by row); primary keys\n"
		   "-- and the indexes of constraints stay.\n"
		   "CREATE TEMP TABLE scgen_index ON COMMIT DROP AS\n"
		   "  SELECT i.indexname, i.indexdef FROM pg_indexes i\n"
		   "  WHERE i.schemaname = current_schema() AND i.tablename IN ('notice_status'");
	for (size_t k = 0; k < kind_count(); k++)
		fprintf(f, ", '%s'", kind_at(k)->name);
	fputs(")\n"
	      "    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);\n"
	      "DO $$ DECLARE r record; BEGIN\n"
	      "  FOR r IN SELECT indexname FROM scgen_index LOOP\n"
	      "    EXECUTE format('DROP INDEX %I', r.indexname);\n"
	      "  END LOOP;\n"
	      "END $$;\n",
	      f);
	for (size_t k = 0; k < kind_count(); k++) {
		const struct kind *kd = kind_at(k);
		fprintf(f,
			"\\copy %s (id, school, campus, hlc, deleted, seq, written_by, received_at",
			kd->name);
		for (unsigned j = 0; j < kd->desc->n_fields; j++)
			fprintf(f, ", %s", kd->desc->fields[j].name);
		if (!strcmp(kd->name, "hazard"))
			fputs(", state, owner, deadline, rectified_by, verified_at, closed_at, "
			      "reopen_count",
			      f);
		fprintf(f, ") FROM '%s.copy'\n", kd->name);
	}
	fputs("\\copy notice_status (school, notice_id, acked_hlc, ack_at, reported_hlc, "
	      "reported_at, report_date, late, updated_at) FROM 'notice_status.copy'\n",
	      f);
	fputs("DO $$ DECLARE r record; BEGIN\n"
	      "  FOR r IN SELECT indexdef FROM scgen_index LOOP\n"
	      "    EXECUTE r.indexdef;\n"
	      "  END LOOP;\n"
	      "END $$;\n",
	      f);
	/* the next row the server stores must come after every row loaded here */
	fprintf(f,
		"DO $$ BEGIN PERFORM setval('sync_seq', greatest(%" PRIu64 ", "
		"(SELECT last_value FROM sync_seq))); END $$;\nCOMMIT;\nANALYZE notice_status",
		s->seq ? s->seq : 1);
	for (size_t k = 0; k < kind_count(); k++)
		fprintf(f, ", %s", kind_at(k)->name);
	fputs(";\n", f);
	if (fclose(f)) {
		fprintf(stderr, "scgen: %s/load.sql: %s\n", s->dir, strerror(errno));
		rc = -EIO;
	}
	f = open_in(s->dir, "load.sh", "w");
	if (!f)
		return -EIO;
	fputs("#!/bin/sh\n"
	      "# Written by scgen: loads the COPY files of this folder with psql, in one\n"
	      "# transaction. Connection from the PG* variables or the arguments, e.g.\n"
	      "#   ./load.sh -d safecampus\n"
	      "# The database must be migrated first (safecampusd --migrate-only).\n"
	      "cd \"$(dirname \"$0\")\" || exit 1\n"
	      "exec psql -X -q -v ON_ERROR_STOP=1 -f load.sql \"$@\"\n",
	      f);
	if (fchmod(fileno(f), 0755) || fclose(f)) {
		fprintf(stderr, "scgen: %s/load.sh: %s\n", s->dir, strerror(errno));
		rc = -EIO;
	}
	return rc;
}

/* Closes the files; with finish, writes the load script too. Frees s. */
static int close_sink(struct copy_sink *s, bool finish)
{
	int rc = 0;

	if (!s)
		return 0;
	for (size_t k = 0; k < MAX_KINDS; k++) {
		if (s->f[k] && fclose(s->f[k])) {
			fprintf(stderr, "scgen: writing %s/%s.copy: %s\n", s->dir, kind_at(k)->name,
				strerror(errno));
			rc = -EIO;
		}
	}
	if (s->status && fclose(s->status)) {
		fprintf(stderr, "scgen: writing %s/notice_status.copy: %s\n", s->dir,
			strerror(errno));
		rc = -EIO;
	}
	if (!rc && finish)
		rc = write_load(s);
	free(s->dir);
	free(s);
	return rc;
}

void copy_abort(struct copy_sink *s)
{
	int rc = close_sink(s, false);

	(void)rc; /* already failing: the first error is the one reported */
}

int copy_close(struct copy_sink *s)
{
	return close_sink(s, true);
}
