/* The versions of a record of a kind with history, and the one in force on
 * a date (versions.h). Moved here from `show` so that the browser reads the
 * same lineage the command line prints. */
#include "versions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind_ops.h"

struct load_ctx {
	struct versions *x;
	int rc;
};

static int version_cb(void *arg, const Safecampus__Record *r)
{
	struct load_ctx *c = arg;
	struct versions *x = c->x;
	Safecampus__Record *copy;

	if (r->deleted)
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		Safecampus__Record **more = realloc(x->v, cap * sizeof *more);
		if (!more) {
			c->rc = -ENOMEM;
			return 1;
		}
		x->v = more;
		x->cap = cap;
	}
	copy = kind_record_dup(r);
	if (!copy) {
		c->rc = -ENOMEM;
		return 1;
	}
	x->v[x->n++] = copy;
	return 0;
}

/* Every record of k (not deleted) into x. */
static int load_all(struct store *st, const struct kind *k, struct versions *x)
{
	struct load_ctx c = { .x = x };
	int rc;

	x->k = k;
	rc = store_each(st, k->name, version_cb, &c);
	return rc ? rc : c.rc;
}

const char *versions_field(const struct kind *k, const Safecampus__Record *r, const char *name,
			   char *buf, size_t n)
{
	const ProtobufCFieldDescriptor *f = name ? kind_field(k, name) : NULL;
	char *v = f ? kind_field_get(kind_payload(r), f) : NULL;

	snprintf(buf, n, "%s", v ? v : "");
	free(v);
	return buf;
}

static int by_in_force(const void *a, const void *b)
{
	const Safecampus__Record *ra = *(Safecampus__Record *const *)a,
				 *rb = *(Safecampus__Record *const *)b;
	const struct kind *k = kind_of(ra);
	char x[64], y[64];
	int c = strcmp(versions_field(k, ra, k->ops->in_force_field, x, sizeof x),
		       versions_field(k, rb, k->ops->in_force_field, y, sizeof y));

	return c ? c : ra->hlc < rb->hlc ? -1 : ra->hlc > rb->hlc;
}

/* Keeps in x only the lineage of id, in the order they came into force. */
static int lineage_of(struct versions *x, const char *id)
{
	const char *pf = x->k->ops->previous_field;
	bool *in = calloc(x->n ? x->n : 1, sizeof *in), grew = true;
	size_t keep = 0;
	char a[64], b[64];

	if (!in)
		return -ENOMEM;
	for (size_t i = 0; i < x->n; i++)
		in[i] = strcmp(x->v[i]->id, id) == 0;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < x->n; i++)
			for (size_t j = 0; j < x->n; j++) {
				if (in[i] == in[j])
					continue;
				/* j replaced i, or i replaced j */
				if (strcmp(versions_field(x->k, x->v[j], pf, a, sizeof a),
					   x->v[i]->id) == 0 ||
				    strcmp(versions_field(x->k, x->v[i], pf, b, sizeof b),
					   x->v[j]->id) == 0) {
					in[i] = in[j] = true;
					grew = true;
				}
			}
	}
	for (size_t i = 0; i < x->n; i++) {
		if (in[i])
			x->v[keep++] = x->v[i];
		else
			safecampus__record__free_unpacked(x->v[i], NULL);
	}
	x->n = keep;
	free(in);
	qsort(x->v, x->n, sizeof *x->v, by_in_force);
	return 0;
}

int versions_load(struct store *st, const struct kind *k, const char *id, struct versions *out)
{
	int rc;

	if (!k->ops || !k->ops->previous_field || !k->ops->in_force_field)
		return SC_EINVALID;
	rc = load_all(st, k, out);
	return rc ? rc : lineage_of(out, id);
}

const Safecampus__Record *versions_in_force(const struct versions *vs, const char *date)
{
	const Safecampus__Record *pick = NULL;
	char d[64];

	for (size_t i = 0; i < vs->n; i++)
		if (*versions_field(vs->k, vs->v[i], vs->k->ops->in_force_field, d, sizeof d) &&
		    strcmp(d, date) <= 0)
			pick = vs->v[i];
	return pick;
}

/* In force on date: since on or before it. */
static bool since(const struct versions *x, const Safecampus__Record *r, const char *date)
{
	char d[64];

	return *versions_field(x->k, r, x->k->ops->in_force_field, d, sizeof d) &&
	       strcmp(d, date) <= 0;
}

int versions_each_in_force(struct store *st, const struct kind *k, const char *match_field,
			   const char *match_value, const char *date,
			   int (*cb)(void *arg, const Safecampus__Record *r), void *arg)
{
	struct versions x = { 0 };
	char a[160], b[64];
	int rc;

	if (!k->ops || !k->ops->previous_field || !k->ops->in_force_field)
		return SC_EINVALID;
	rc = load_all(st, k, &x);
	for (size_t i = 0; rc == 0 && i < x.n; i++) {
		bool replaced = false;
		if (strcmp(versions_field(k, x.v[i], match_field, a, sizeof a), match_value) != 0 ||
		    !since(&x, x.v[i], date))
			continue;
		/* a later version in force by then replaces it */
		for (size_t j = 0; j < x.n && !replaced; j++)
			replaced = j != i &&
				   strcmp(versions_field(k, x.v[j], k->ops->previous_field, b,
							 sizeof b),
					  x.v[i]->id) == 0 &&
				   since(&x, x.v[j], date);
		if (!replaced && cb(arg, x.v[i]) != 0)
			break;
	}
	versions_free(&x);
	return rc;
}

void versions_free(struct versions *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		safecampus__record__free_unpacked(vs->v[i], NULL);
	free(vs->v);
	vs->v = NULL;
	vs->n = vs->cap = 0;
}
