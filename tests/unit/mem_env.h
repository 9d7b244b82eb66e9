/* An in-memory kind_env for the unit tests: records in an array, served
 * as the client's store serves them (every record of a kind, the children
 * of a parent with their sync state, one by id). Header-only: each test is
 * its own executable. The records are the caller's until mem_add. */
#ifndef SC_TEST_MEM_ENV_H
#define SC_TEST_MEM_ENV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kind_ops.h"
#include "kinds.h"

#define MEM_MAX 64

/* A record of kind for school sch-001 with the fields "f=v|f=v" (free
 * with kind_record_free, or hand it to mem_add). */
static inline Safecampus__Record *make(const char *kind, const char *id, const char *fields)
{
	const struct kind *k = kind_by_name(kind);
	Safecampus__Record *r = calloc(1, sizeof *r);
	ProtobufCMessage *m = kind_payload_new(k);
	char buf[512], err[128];

	assert_non_null(r);
	assert_non_null(m);
	safecampus__record__init(r);
	r->id = strdup(id);
	r->school = strdup("sch-001");
	r->campus = strdup("main");
	kind_record_set_payload(r, k, m);
	snprintf(buf, sizeof buf, "%s", fields ? fields : "");
	for (char *f = strtok(buf, "|"); f; f = strtok(NULL, "|")) {
		char *eq = strchr(f, '=');
		assert_non_null(eq);
		*eq = '\0';
		assert_non_null(kind_field(k, f));
		assert_int_equal(kind_field_set(m, kind_field(k, f), eq + 1, err, sizeof err), 0);
	}
	return r;
}

struct mem {
	Safecampus__Record *r[MEM_MAX];
	enum kind_sync sync[MEM_MAX];
	size_t n;
};

static inline void mem_add(struct mem *x, Safecampus__Record *r, uint64_t hlc, uint64_t seq,
			   enum kind_sync sync)
{
	assert_true(x->n < MEM_MAX);
	r->hlc = hlc;
	r->seq = seq;
	x->sync[x->n] = sync;
	x->r[x->n++] = r;
}

static inline void mem_free(struct mem *x)
{
	for (size_t i = 0; i < x->n; i++)
		kind_record_free(x->r[i]);
	x->n = 0;
}

static inline int mem_get(void *ctx, const char *id, Safecampus__Record **out)
{
	struct mem *x = ctx;

	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->r[i]->id, id) == 0) {
			*out = kind_record_dup(x->r[i]);
			return *out ? 0 : -12;
		}
	return SC_ENOTFOUND;
}

static inline int mem_each(void *ctx, const char *kind, kind_each_cb cb, void *arg)
{
	struct mem *x = ctx;

	for (size_t i = 0; i < x->n; i++)
		if (!kind || strcmp(kind_of(x->r[i])->name, kind) == 0)
			if (cb(arg, x->r[i]))
				return 1;
	return 0;
}

static inline int mem_each_child(void *ctx, const char *kind, const char *parent_id,
				 kind_child_cb cb, void *arg)
{
	struct mem *x = ctx;

	for (size_t i = 0; i < x->n; i++) {
		const struct kind *k = kind_of(x->r[i]);
		char *pid;
		int stop = 0;
		if (strcmp(k->name, kind) != 0 || !k->parent_field)
			continue;
		pid = kind_field_get(kind_payload(x->r[i]), kind_field(k, k->parent_field));
		if (pid && strcmp(pid, parent_id) == 0)
			stop = cb(arg, x->r[i], x->sync[i]);
		free(pid);
		if (stop)
			return stop;
	}
	return 0;
}

static inline struct kind_env env_of(struct mem *x, bool bureau)
{
	return (struct kind_env){
		.ctx = x,
		.bureau = bureau,
		.school = bureau ? "" : "sch-001",
		.campus = "main",
		.today = "2026-03-20",
		.get = mem_get,
		.each = mem_each,
		.each_child = mem_each_child,
	};
}

#endif
