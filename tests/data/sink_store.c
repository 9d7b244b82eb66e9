/* The store sink: writes each unit into existing client stores, as if every
 * record had been entered at that campus, so that `safecampus sync` uploads it
 * through the real path (TLS, push, rules, workflows).
 *
 * Stores: DIR/bureau-<campus>.db for the bureau (exactly one), and for each
 * school DIR/<school>-<campus>.db for one or more of its campuses, each made
 * by `safecampus init` with that identity (checked here). A record of a campus
 * that has no store goes to the school's "main" store (or its first) and takes
 * that campus: the server takes a new record only from the campus it names.
 *
 * The stores stamp the records with fresh hlcs. A school's notice events must
 * name the notice's hlc as the school will see it after pulling, which is the
 * hlc the bureau's store gave it: the bureau is written first and those hlcs
 * read back (store_get), then every notice_event is given its notice's. So
 * sync the bureau before the schools. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "store.h"

#define CHUNK 2000

struct campus_store {
	char *path;
	char campus[64];
	struct store *st;
	Safecampus__Record **q; /* records to write, in order */
	size_t n, cap;
};

struct school_stores {
	struct campus_store *c;
	size_t n;
	size_t fallback; /* index of the store that takes other campuses' records */
};

struct store_sink {
	const struct gen *g;
	struct school_stores *schools; /* [0] the bureau */
	struct {
		char id[37];
		uint64_t hlc;
	} notices[MAX_NOTICES];
	int nnotices;
};

static void free_school(struct school_stores *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		if (ss->c[i].st)
			store_close(ss->c[i].st);
		free(ss->c[i].path);
		free(ss->c[i].q);
	}
	free(ss->c);
	ss->c = NULL;
	ss->n = 0;
}

void store_sink_close(struct store_sink *s)
{
	if (!s)
		return;
	for (int i = 0; s->schools && i <= s->g->nschools; i++)
		free_school(&s->schools[i]);
	free(s->schools);
	free(s);
}

/* Opens the store and checks that its identity is the one its name says. */
static int open_checked(struct campus_store *c, const char *school, const struct gen *g)
{
	struct store_config cfg;
	int rc = store_open(&c->st, c->path, false);

	if (rc) {
		fprintf(stderr, "scgen: cannot open %s: %s\n", c->path, store_last_error());
		c->st = NULL;
		return rc;
	}
	rc = store_config_load(c->st, &cfg);
	if (rc) {
		fprintf(stderr, "scgen: %s: %s (make it with `safecampus init`)\n", c->path,
			store_last_error());
		return rc;
	}
	int want_role = school[0] ? SAFECAMPUS__ROLE__ROLE_SCHOOL : SAFECAMPUS__ROLE__ROLE_BUREAU;
	if (strcmp(cfg.school, school) || strcmp(cfg.campus, c->campus) || cfg.role != want_role ||
	    strcmp(cfg.district, g->district)) {
		fprintf(stderr,
			"scgen: %s belongs to district %s, %s%s, campus %s; expected "
			"district %s, %s%s, campus %s\n",
			c->path, cfg.district, cfg.school[0] ? "school " : "the bureau", cfg.school,
			cfg.campus, g->district, school[0] ? "school " : "the bureau", school,
			c->campus);
		store_config_free(&cfg);
		return SC_ECONFIG;
	}
	store_config_free(&cfg);
	return 0;
}

static void close_all(struct school_stores *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		if (ss->c[i].st)
			store_close(ss->c[i].st);
		ss->c[i].st = NULL;
	}
}

/* Finds DIR/<prefix>-*.db and checks each; closes them again. */
static int find_stores(struct store_sink *s, const char *dir, int index, const char *prefix,
		       const char *school)
{
	struct school_stores *ss = &s->schools[index];
	char pattern[4096];
	glob_t gl;
	int rc;

	snprintf(pattern, sizeof pattern, "%s/%s-*.db", dir, prefix);
	rc = glob(pattern, 0, NULL, &gl);
	if (rc == GLOB_NOMATCH || (rc == 0 && gl.gl_pathc == 0)) {
		fprintf(stderr,
			"scgen: no store for %s in %s (expected %s/%s-<campus>.db, made by "
			"`safecampus init`)\n",
			school[0] ? school : "the bureau", dir, dir, prefix);
		globfree(&gl);
		return SC_ECONFIG;
	}
	if (rc) {
		fprintf(stderr, "scgen: cannot list %s\n", pattern);
		return SC_ECONFIG;
	}
	if (!school[0] && gl.gl_pathc != 1) {
		fprintf(stderr, "scgen: %zu bureau stores in %s; expected one\n", gl.gl_pathc, dir);
		globfree(&gl);
		return SC_ECONFIG;
	}
	ss->c = calloc(gl.gl_pathc, sizeof *ss->c);
	if (!ss->c) {
		globfree(&gl);
		return -ENOMEM;
	}
	ss->n = gl.gl_pathc;
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		struct campus_store *c = &ss->c[i];
		const char *base = strrchr(gl.gl_pathv[i], '/');
		base = base ? base + 1 : gl.gl_pathv[i];
		c->path = strdup(gl.gl_pathv[i]);
		snprintf(c->campus, sizeof c->campus, "%.*s",
			 (int)(strlen(base) - strlen(prefix) - 4), base + strlen(prefix) + 1);
		if (!c->path || open_checked(c, school, s->g)) {
			globfree(&gl);
			close_all(ss);
			return SC_ECONFIG;
		}
		if (!strcmp(c->campus, "main"))
			ss->fallback = i;
	}
	globfree(&gl);
	close_all(ss);
	return 0;
}

int store_sink_open(struct store_sink **out, const char *dir, const struct gen *g)
{
	struct store_sink *s = calloc(1, sizeof *s);

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->g = g;
	s->schools = calloc((size_t)g->nschools + 1, sizeof *s->schools);
	if (!s->schools) {
		free(s);
		return -ENOMEM;
	}
	if (find_stores(s, dir, 0, "bureau", "")) {
		store_sink_close(s);
		return SC_ECONFIG;
	}
	for (int i = 1; i <= g->nschools; i++) {
		char id[16];
		gen_school_id(g, i, id);
		if (find_stores(s, dir, i, id, id)) {
			store_sink_close(s);
			return SC_ECONFIG;
		}
	}
	*out = s;
	return 0;
}

static int queue(struct campus_store *c, Safecampus__Record *r)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		Safecampus__Record **n = realloc(c->q, c->cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		c->q = n;
	}
	c->q[c->n++] = r;
	return 0;
}

static uint64_t notice_hlc(const struct store_sink *s, const char *id)
{
	for (int i = 0; i < s->nnotices; i++)
		if (!strcmp(s->notices[i].id, id))
			return s->notices[i].hlc;
	return 0;
}

int store_sink_unit(struct store_sink *s, struct unit *u, const struct gen *g)
{
	struct school_stores *ss = &s->schools[u->index];
	int rc = 0;

	(void)g;
	for (size_t i = 0; i < ss->n && !rc; i++) {
		ss->c[i].n = 0;
		if (open_checked(&ss->c[i], u->school, s->g))
			rc = SC_ECONFIG;
	}
	for (size_t i = 0; i < u->n && !rc; i++) {
		Safecampus__Record *r = u->recs[i];
		struct campus_store *c = &ss->c[ss->fallback];
		for (size_t j = 0; j < ss->n; j++)
			if (!strcmp(ss->c[j].campus, r->campus))
				c = &ss->c[j];
		/* the server takes a new record only from its own campus: a campus
		 * without a store has its records entered at the fallback one (and
		 * the bureau's rows are its own office's) */
		r->campus = c->campus;
		r->hlc = 0;
		r->seq = 0;
		r->written_by = (char *)protobuf_c_empty_string;
		if (r->body_case == SAFECAMPUS__RECORD__BODY_NOTICE_EVENT) {
			uint64_t h = notice_hlc(s, r->notice_event->notice_id);
			if (!h) {
				fprintf(stderr, "scgen: notice %s is not in the bureau's store\n",
					r->notice_event->notice_id);
				rc = SC_ECONFIG;
				break;
			}
			r->notice_event->notice_hlc = h;
		}
		rc = queue(c, r);
	}
	for (size_t i = 0; i < ss->n && !rc; i++) {
		struct campus_store *c = &ss->c[i];
		for (size_t at = 0; at < c->n && !rc; at += CHUNK) {
			size_t n = c->n - at < CHUNK ? c->n - at : CHUNK;
			rc = store_write_batch(c->st, c->q + at, n);
			if (rc)
				fprintf(stderr, "scgen: writing %zu records to %s: %s\n", n,
					c->path, store_last_error());
		}
	}
	/* the bureau: the hlc each notice got, for the schools' events */
	for (size_t i = 0; i < u->n && !rc && !u->school[0]; i++) {
		Safecampus__Record *r = u->recs[i], *got = NULL;
		if (r->body_case != SAFECAMPUS__RECORD__BODY_NOTICE)
			continue;
		rc = store_get(ss->c[0].st, r->id, &got);
		if (rc) {
			fprintf(stderr, "scgen: reading notice %s back: %s\n", r->id,
				store_last_error());
			break;
		}
		if (s->nnotices < MAX_NOTICES) {
			snprintf(s->notices[s->nnotices].id, 37, "%s", r->id);
			s->notices[s->nnotices++].hlc = got->hlc;
		}
		safecampus__record__free_unpacked(got, NULL);
	}
	/* (a store may give a bureau row's empty school a string of its own; those
	 * few bytes are left to the process's end rather than guess who owns them) */
	close_all(ss);
	return rc;
}
