/* A kind's events read in one pass and answered from memory; see
 * store_events.h. */
#include "store_events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct load {
	struct store_events *ev;
	int rc;
};

/* Takes r (owned) into ev; rows come ordered by parent already. */
static int load_cb(void *arg, const char *parent_id, Safecampus__Record *r,
		   enum store_sync_state sync)
{
	struct load *l = arg;
	struct store_events *ev = l->ev;
	struct store_event *e;

	if (ev->n == STORE_EVENTS_MAX) {
		l->rc = -E2BIG;
		goto fail;
	}
	if (ev->n == ev->cap) {
		size_t cap = ev->cap ? 2 * ev->cap : 256;
		struct store_event *more = realloc(ev->v, cap * sizeof *more);
		if (!more)
			goto oom;
		ev->v = more;
		ev->cap = cap;
	}
	e = &ev->v[ev->n];
	e->parent = strdup(parent_id);
	if (!e->parent)
		goto oom;
	e->r = r;
	e->sync = sync == STORE_REJECTED  ? KIND_REJECTED
		  : sync == STORE_PENDING ? KIND_PENDING
					  : KIND_SYNCED;
	ev->n++;
	return 0;
oom:
	l->rc = -ENOMEM;
fail:
	safecampus__record__free_unpacked(r, NULL);
	return 1;
}

int store_events_load(struct store *st, const char *kind, struct store_events *ev)
{
	struct load l = { .ev = ev };
	int rc;

	memset(ev, 0, sizeof *ev);
	snprintf(ev->kind, sizeof ev->kind, "%s", kind);
	rc = store_each_parented(st, kind, load_cb, &l);
	return l.rc ? l.rc : rc;
}

void store_events_free(struct store_events *ev)
{
	for (size_t i = 0; i < ev->n; i++) {
		free(ev->v[i].parent);
		safecampus__record__free_unpacked(ev->v[i].r, NULL);
	}
	free(ev->v);
	memset(ev, 0, sizeof *ev);
}

/* The first event of parent, or ev->n if it has none. */
static size_t first_of(const struct store_events *ev, const char *parent)
{
	size_t lo = 0, hi = ev->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ev->v[mid].parent, parent) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ev->n && strcmp(ev->v[lo].parent, parent) == 0 ? lo : ev->n;
}

static int ev_each_child(void *ctx, const char *kind, const char *parent_id, kind_child_cb cb,
			 void *arg)
{
	struct store_events *ev = ctx;

	if (strcmp(kind, ev->kind) != 0)
		return ev->base->each_child(ev->base->ctx, kind, parent_id, cb, arg);
	for (size_t i = first_of(ev, parent_id);
	     i < ev->n && strcmp(ev->v[i].parent, parent_id) == 0; i++) {
		int stop = cb(arg, ev->v[i].r, ev->v[i].sync);
		if (stop)
			return stop;
	}
	return 0;
}

/* The rest goes to base, with base's ctx. */
static int ev_get(void *ctx, const char *id, Safecampus__Record **out)
{
	struct store_events *ev = ctx;

	return ev->base->get(ev->base->ctx, id, out);
}

static int ev_each(void *ctx, const char *kind, kind_each_cb cb, void *arg)
{
	struct store_events *ev = ctx;

	return ev->base->each(ev->base->ctx, kind, cb, arg);
}

static int ev_school_known(void *ctx, const char *school, bool *any, bool *known)
{
	struct store_events *ev = ctx;

	return ev->base->school_known(ev->base->ctx, school, any, known);
}

static int ev_schools(void *ctx, char (**out)[64], size_t *n)
{
	struct store_events *ev = ctx;

	return ev->base->schools(ev->base->ctx, out, n);
}

void store_events_env(struct store_events *ev, const struct kind_env *base, struct kind_env *out)
{
	ev->base = base;
	/* every operation named: one copied from base would get our ctx */
	*out = (struct kind_env){
		.ctx = ev,
		.bureau = base->bureau,
		.school = base->school,
		.campus = base->campus,
		.today = base->today,
		.get = base->get ? ev_get : NULL,
		.each = base->each ? ev_each : NULL,
		.each_child = ev_each_child,
		.school_known = base->school_known ? ev_school_known : NULL,
		.schools = base->schools ? ev_schools : NULL,
	};
}
