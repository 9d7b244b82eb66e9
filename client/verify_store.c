/* One record's chain, from this store (verify_store.h). */
#include "verify_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kind_ops.h"
#include "kinds.h"

struct gather {
	struct store *st;
	struct verify *v;
	Safecampus__Record **recs; /* owned copies */
	size_t n, cap;
	int rc;
};

static int people_cb(void *arg, const Safecampus__Record *r)
{
	struct gather *g = arg;

	g->rc = verify_add_person(g->v, r);
	return g->rc != 0;
}

static int link_cb(void *arg, const Safecampus__Record *r)
{
	struct gather *g = arg;
	enum store_sync_state st;

	if (!verify_kind_signs(kind_of(r)))
		return 0;
	if ((g->rc = store_sync_state(g->st, r->id, &st)))
		return 1;
	if (st == STORE_REJECTED)
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		Safecampus__Record **more = realloc(g->recs, cap * sizeof *more);
		if (!more) {
			g->rc = -ENOMEM;
			return 1;
		}
		g->recs = more;
		g->cap = cap;
	}
	if (!(g->recs[g->n] = kind_record_dup(r))) {
		g->rc = -ENOMEM;
		return 1;
	}
	g->n++;
	return 0;
}

int verify_store_record(struct store *st, const char *school, const Safecampus__Record *rec,
			struct verify *v)
{
	const struct kind *k = kind_of(rec);
	const struct kind *ek =
		k && k->ops && k->ops->event_kind ? kind_by_name(k->ops->event_kind) : NULL;
	struct gather g = { .st = st, .v = v };
	struct verify_link *links = NULL;
	int rc;

	if (!k)
		return SC_EINVALID;
	if (k->immutable && k->parent_field) {
		/* a step: its chain is its parent's, checked whole (alone, a
		 * step after the first names a step that is not in the links).
		 * A parent of this school is the chain's record (a hazard, a
		 * letter before its counter-signature); else (the bureau's
		 * notice) the school's steps are the chain */
		Safecampus__Record *parent = NULL;
		rc = store_get(st, kind_chain_id(rec), &parent);
		if (rc == 0 && kind_of(parent) && !kind_of(parent)->parent_field &&
		    !strcmp(parent->school ? parent->school : "", rec->school ? rec->school : "")) {
			rc = verify_store_record(st, school, parent, v);
			kind_record_free(parent);
			return rc;
		}
		kind_record_free(parent);
		if (rc && rc != SC_ENOTFOUND)
			return rc;
		ek = k;
	}
	/* every enrolment: a signer is looked up by school and login */
	rc = store_each(st, verify_enrolment_kind, people_cb, &g);
	if (!rc && (rc = g.rc) == 0 && ek != k && link_cb(&g, rec))
		rc = g.rc;
	if (!rc && ek &&
	    (rc = store_each_child(st, ek->name, ek == k ? kind_chain_id(rec) : rec->id, link_cb,
				   &g)) == 0)
		rc = g.rc;
	if (!rc && g.n && !(links = calloc(g.n, sizeof *links)))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < g.n; i++)
		links[i] = (struct verify_link){ .r = g.recs[i],
						 .id = g.recs[i]->id,
						 .kind = kind_of(g.recs[i])->name,
						 .row_expected = true };
	if (!rc && g.n && verify_chains(v, school, kind_chain_id(rec), links, g.n) < 0)
		rc = -ENOMEM;
	free(links);
	for (size_t i = 0; i < g.n; i++)
		kind_record_free(g.recs[i]);
	free(g.recs);
	return rc;
}
