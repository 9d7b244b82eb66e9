#include "district.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"

/* Historical single-bigint keys, kept for a database of one district so that
 * servers of before and after this change, running side by side during an
 * upgrade, still take the same lock. "SCSYNC"; the escalation key sits beside it. */
#define SYNC_KEY_BIGINT "5956551234"
#define ESCALATE_KEY_BIGINT "5956551238"
/* First key of the two-int form, per lock: "SCSY", "SCES" in ASCII. The
 * second is the schema's OID, unique in the database while the schema lives
 * (its tables go with it). */
#define SYNC_CLASS "1396921177"
#define ESCALATE_CLASS "1396917587"

#define CHANNEL "safecampus_changes"

bool district_schema_valid(const char *schema, const char **why)
{
	const char *w = NULL;
	size_t n = strlen(schema);

	if (n == 0)
		return true;
	if (n > DISTRICT_SCHEMA_MAX)
		w = "is longer than 40 characters";
	else if (!((schema[0] >= 'a' && schema[0] <= 'z') || schema[0] == '_'))
		w = "must start with a lower-case letter or _";
	for (size_t i = 1; i < n && !w; i++) {
		char c = schema[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			w = "may hold only lower-case letters, digits and _";
	}
	if (!w && strcmp(schema, "public") == 0)
		/* public is where a database of one district keeps its tables,
		 * under the bigint lock keys: leave db_schema empty for it */
		w = "is reserved (leave db_schema empty to use public)";
	if (!w && strcmp(schema, "information_schema") == 0)
		w = "is reserved by PostgreSQL";
	if (!w && strncmp(schema, "pg_", 3) == 0)
		w = "is reserved: pg_ names belong to PostgreSQL";
	if (w && why)
		*why = w;
	return w == NULL;
}

static int put(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* keyword='value' with \ and ' escaped, libpq's conninfo quoting; extra (no
 * quote or backslash in it) is added to the value after a space */
static int put_kv(struct buf *b, const char *k, const char *v, const char *extra)
{
	int rc = put(b, b->len ? " " : "");

	if (!rc)
		rc = put(b, k);
	if (!rc)
		rc = put(b, "='");
	for (const char *p = v; !rc && *p; p++) {
		if (*p == '\'' || *p == '\\')
			rc = buf_append(b, "\\", 1);
		if (!rc)
			rc = buf_append(b, p, 1);
	}
	if (!rc && extra && *v)
		rc = put(b, " ");
	if (!rc && extra)
		rc = put(b, extra);
	return rc ? rc : put(b, "'");
}

int district_conninfo(const char *conninfo, const char *schema, char **out, char *err,
		      size_t errlen)
{
	char *pqerr = NULL, extra[DISTRICT_SCHEMA_MAX + 32];
	PQconninfoOption *opts;
	struct buf b;
	bool had_options = false;
	int rc = 0;

	*out = NULL;
	if (!*schema || !district_schema_valid(schema, NULL))
		return -EINVAL;
	opts = PQconninfoParse(conninfo, &pqerr);
	if (!opts) {
		snprintf(err, errlen, "%s", pqerr ? pqerr : "out of memory");
		/* libpq's messages end in a newline */
		if (errlen && *err && err[strlen(err) - 1] == '\n')
			err[strlen(err) - 1] = '\0';
		rc = pqerr ? -EINVAL : -ENOMEM;
		PQfreemem(pqerr);
		return rc;
	}
	/* the schema name needs no escaping in options (valid: no space, no \) */
	snprintf(extra, sizeof extra, "-csearch_path=%s", schema);
	buf_init(&b, 64u << 10);
	for (PQconninfoOption *o = opts; o->keyword && !rc; o++) {
		if (!o->val)
			continue;
		bool is_opt = strcmp(o->keyword, "options") == 0;
		had_options |= is_opt;
		rc = put_kv(&b, o->keyword, o->val, is_opt ? extra : NULL);
	}
	if (!rc && !had_options)
		rc = put_kv(&b, "options", "", extra);
	PQconninfoFree(opts);
	if (!rc)
		rc = buf_append(&b, "", 1); /* the terminator */
	if (rc) {
		buf_free(&b);
		return rc;
	}
	*out = (char *)b.data; /* the buffer's memory, now the caller's */
	return 0;
}

void district_conninfo_schema(const char *conninfo, char *out, size_t len)
{
	static const char key[] = "search_path=";
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	const char *options = NULL, *name = NULL;
	size_t n = 0;

	if (len)
		out[0] = '\0';
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "options") == 0)
			options = o->val;
	/* the last one is the one PostgreSQL keeps */
	for (const char *p = options ? strstr(options, key) : NULL; p; p = strstr(p + 1, key))
		name = p + strlen(key);
	if (name) {
		while (name[n] && name[n] != ' ' && name[n] != ',')
			n++;
		if (n < len && n <= DISTRICT_SCHEMA_MAX) {
			memcpy(out, name, n);
			out[n] = '\0';
			if (!district_schema_valid(out, NULL))
				out[0] = '\0';
		}
	}
	PQconninfoFree(opts);
}

void district_lock(const char *schema, enum district_lock which, bool try_lock,
		   struct district_sql *out)
{
	bool sync = which == DISTRICT_LOCK_SYNC;

	memset(out, 0, sizeof *out);
	if (!*schema) {
		out->sql = try_lock ? "SELECT pg_try_advisory_xact_lock($1::bigint)"
				    : "SELECT pg_advisory_xact_lock($1::bigint)";
		out->nparams = 1;
		out->params[0] = sync ? SYNC_KEY_BIGINT : ESCALATE_KEY_BIGINT;
		return;
	}
	/* regnamespace fails on a missing schema rather than lock nothing */
	out->sql = try_lock
			   ? "SELECT pg_try_advisory_xact_lock($1::int, $2::regnamespace::oid::int)"
			   : "SELECT pg_advisory_xact_lock($1::int, $2::regnamespace::oid::int)";
	out->nparams = 2;
	out->params[0] = sync ? SYNC_CLASS : ESCALATE_CLASS;
	out->params[1] = schema;
}

void district_channel(const char *schema, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", CHANNEL, *schema ? "_" : "", schema);
}
