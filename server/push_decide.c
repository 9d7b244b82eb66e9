/* What happens to each record of a Push (push_int.h): the checks that need
 * nothing from the database, made as the batch arrives; the verdict on a
 * record whose id phase 1 found stored; and, once phase 1 answered and the
 * signatures are verified, the outcome of the rest, the workflows' events
 * applied in batch order. push.c runs the transaction around them. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hlc.h"
#include "kind_ops.h"
#include "kinds.h"
#include "push_int.h"
#include "push_sign.h"
#include "rules.h"
#include "uuid.h"
#include "workflow.h"

static uint32_t id_hash(const struct kind *k, const char *id)
{
	uint32_t h = 2166136261u ^ (uint32_t)(uintptr_t)k;

	for (const char *c = id; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h;
}

/* The item of kind k with this id that passed precheck, or NULL. */
static struct item *index_find(struct push *p, const struct kind *k, const char *id)
{
	uint32_t h = id_hash(k, id);

	for (size_t s = h & (p->nslot - 1); p->slot[s].item; s = (s + 1) & (p->nslot - 1)) {
		const struct push_slot *e = &p->slot[s];
		if (e->hash == h && e->k == k && !strcmp(e->id, id))
			return &p->items[e->item - 1];
	}
	return NULL;
}

/* Adds it, whose id uuid_valid passed. */
static void index_add(struct push *p, struct item *it)
{
	uint32_t h = id_hash(it->k, it->r->id);
	size_t s = h & (p->nslot - 1);

	while (p->slot[s].item)
		s = (s + 1) & (p->nslot - 1);
	p->slot[s].item = (uint32_t)(it - p->items) + 1;
	p->slot[s].hash = h;
	p->slot[s].k = it->k;
	snprintf(p->slot[s].id, sizeof p->slot[s].id, "%s", it->r->id);
}

static void reject(struct item *it, Safecampus__RejectReason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reject(struct item *it, Safecampus__RejectReason reason, const char *fmt, ...)
{
	va_list ap;

	it->out = O_REJECT;
	it->reason = reason;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof it->detail, fmt, ap);
	va_end(ap);
	/* %.60s of a peer's id or school, or the cut at sizeof detail, may end
	 * inside a character: RecordResult.detail is a protobuf string, and a
	 * strict decoder refuses the whole PushAck over one bad byte */
	rules_utf8_scrub(it->detail);
}

struct item *push_find_item(struct push *p, const struct kind *k, const char *id)
{
	struct item *it = index_find(p, k, id);

	return it && it->out != O_REJECT ? it : NULL;
}

struct parent *push_find_parent(struct push *p, const struct workflow *wf, const char *id)
{
	for (size_t i = 0; i < p->nparents; i++)
		if (p->parents[i].wf == wf && !strcmp(p->parents[i].id, id))
			return &p->parents[i];
	return NULL;
}

const char *push_parent_id(const struct item *it)
{
	const ProtobufCFieldDescriptor *f = kind_field(it->k, it->k->parent_field);
	const ProtobufCMessage *m = kind_payload(it->r);

	return *(const char *const *)((const char *)m + f->offset);
}

/* Checks that need nothing from the database. */
void push_precheck(struct push *p, struct item *it)
{
	const struct tls_identity *id = &p->c->id;
	uint64_t now = hlc_wall_ms();
	char why[256];

	it->k = kind_of(it->r);
	if (!it->k) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_UNKNOWN_KIND,
		       "record body is not set or not a kind this server knows");
		return;
	}
	if (!uuid_valid(it->r->id)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "id \"%.60s\" is not a lower-case UUID", it->r->id);
		return;
	}
	if (p->for_school) {
		/* the bureau on a school's rows: only what the kind table lets it
		 * write there, signed by its own officer (the client's verbs ask
		 * the same kind_bureau_writes_for_school) */
		const Safecampus__Signature *g = it->r->signature;
		char who[160];
		if (strcmp(it->r->school, p->school) != 0) {
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
			       "a Push carries one school's records: this one writes for \"%s\" "
			       "(its first record's), not \"%.60s\"",
			       p->school, it->r->school);
			return;
		}
		if (!it->k->ops || !it->k->ops->bureau_for_school) {
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
			       "the bureau reads a school's %s records but writes none",
			       it->k->name);
			return;
		}
		if (!kind_bureau_writes_for_school(it->r)) {
			kind_sign_roles_text(kind_sign_roles(it->r), who, sizeof who);
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
			       "the bureau writes a school's %s only where a bureau officer "
			       "signs it; this one is signed by a %s",
			       it->k->name, who);
			return;
		}
		if (!g || !g->signer || !*g->signer || (g->signer_school && *g->signer_school)) {
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
			       "a %s the bureau writes for school \"%s\" carries the signature "
			       "of a bureau officer",
			       it->k->name, p->school);
			return;
		}
	} else if (id->role == SAFECAMPUS__ROLE__ROLE_BUREAU && !kind_side_writes(it->k, true)) {
		/* the rule the client's pages follow too (kind_side_writes) */
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
		       "the bureau reads %s records but only schools write them", it->k->name);
		return;
	}
	if (id->role == SAFECAMPUS__ROLE__ROLE_SCHOOL && !kind_side_writes(it->k, false)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
		       "only the bureau writes %s records", it->k->name);
		return;
	}
	if (strcmp(it->r->school, p->school) != 0) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
		       "record belongs to school \"%.60s\"; this certificate writes for \"%s\"",
		       it->r->school, p->school[0] ? p->school : "bureau");
		return;
	}
	if (!it->r->campus || !it->r->campus[0]) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID, "campus is missing");
		return;
	}
	if (strlen(it->r->campus) > 63) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "campus is longer than 63 bytes");
		return;
	}
	if (it->r->hlc == 0 || HLC_MS(it->r->hlc) > now + HLC_MAX_DRIFT_MS) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "hlc %llu is zero or more than a day ahead of the server clock",
		       (unsigned long long)it->r->hlc);
		return;
	}
	if (!kind_client_writes(it->r)) {
		/* e.g. a hazard escalation: the kind table says who writes it */
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
		       "this %s step is written by the server, not by clients", it->k->name);
		return;
	}
	if (rules_check(it->r, why, sizeof why)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID, "%s", why);
		return;
	}
	if (kindsql_digest(it->r, it->digest)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "record could not be digested");
		return;
	}
	if (index_find(p, it->k, it->r->id)) {
		reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
		       "id appears twice in one push");
		return;
	}
	index_add(p, it);
}

void push_existing(struct push *p, const struct kind *k, const PGresult *res)
{
	for (int row = 0; row < PQntuples(res); row++) {
		struct item *it = push_find_item(p, k, PQgetvalue(res, row, 0));
		if (!it)
			continue;
		if (PQgetvalue(res, row, 5)[0] != 't') {
			it->foreign = 1;
			continue;
		}
		uint64_t hlc = strtoull(PQgetvalue(res, row, 1), NULL, 10);
		uint64_t seq = strtoull(PQgetvalue(res, row, 2), NULL, 10);
		const char *wb = PQgetvalue(res, row, 4), *digest = PQgetvalue(res, row, 6);
		/* no digest: a row from before 008, or the server's own */
		int same = !digest[0] || !strcmp(digest, it->digest);
		int cmp = hlc_version_cmp(hlc, wb, it->r->hlc, p->campus);
		it->existed = 1;
		if (it->k->immutable) {
			if (it->k->parent_field &&
			    strcmp(PQgetvalue(res, row, 3), push_parent_id(it)) != 0)
				reject(it, SAFECAMPUS__REJECT_REASON__REJECT_IMMUTABLE,
				       "event id already used for another %s", it->k->parent_field);
			else if (!same)
				reject(it, SAFECAMPUS__REJECT_REASON__REJECT_IMMUTABLE,
				       "%s %s is already stored with different content; "
				       "events never change: record a new one",
				       it->k->name, it->r->id);
			else
				it->out = O_EXISTS;
			it->seq = seq;
		} else if (cmp == 0 && !same) {
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_INVALID,
			       "this version (hlc %llu from campus %s) is already stored "
			       "with different content: this campus reused a clock stamp "
			       "(was its store restored from a backup?); edit the record "
			       "again to make a new version",
			       (unsigned long long)it->r->hlc, p->campus);
		} else if (cmp >= 0) {
			/* a re-send (same stamp, same writer), or a version that a
			 * newer one supersedes: nothing to do. An equal stamp from
			 * another campus is not "the same": the writer orders it. */
			it->out = O_EXISTS;
			it->seq = seq;
		}
	}
	/* an edit of our own row stays allowed even if another school
	 * reused its id before ids were checked across schools */
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = &p->items[i];
		if (it->k == k && it->foreign && !it->existed && it->out != O_REJECT)
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
			       "id %s is already used by another school's %s record; "
			       "a new record needs a new id",
			       it->r->id, it->k->name);
	}
}

/* push_decide's first failure: the step that ran out of memory. */
static void out_of_memory(int *rc, const char **what, const char *step)
{
	if (!*rc) {
		*rc = -ENOMEM;
		*what = step;
	}
}

/* Applies workflow events in batch order; parents new in this batch start
 * from the workflow's initial status. */
int push_decide(struct push *p, const char **what)
{
	int rc = 0;

	/* a record is created by the campus that pushes it first; later edits
	 * may come from any campus of the school (written_by says which) */
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = &p->items[i];
		if (it->out == O_PENDING && !it->existed && strcmp(it->r->campus, p->campus) != 0)
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN,
			       "a new record's campus must be the writing campus \"%s\", not "
			       "\"%.60s\"",
			       p->campus, it->r->campus);
	}
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = &p->items[i];
		const struct workflow *wf = it->out == O_PENDING ? workflow_for_event(it->k) : NULL;
		char why[256];
		int reason;

		if (it->out != O_PENDING)
			continue;
		if (!wf) {
			reason = pushsig_decide(p->sig, i, it->r, (int64_t)hlc_wall_ms(), why,
						sizeof why);
			if (!reason)
				reason = pushsig_chain(p->sig, it->r, why, sizeof why);
			if (reason) {
				reject(it, (Safecampus__RejectReason)reason, "%s", why);
				continue;
			}
			it->out = O_NEW;
			if (pushsig_accept(p->sig, i, it->r))
				out_of_memory(&rc, what, "signatures");
			continue;
		}
		struct parent *par = push_find_parent(p, wf, push_parent_id(it));
		if (par && !par->loaded) {
			const struct kind *pk = kind_by_name(wf->parent_kind);
			struct item *pi = push_find_item(p, pk, par->id);
			/* a parent created earlier in this same batch */
			if (pi && pi < it && (pi->out == O_PENDING || pi->out == O_NEW)) {
				if (wf->init_new)
					wf->init_new(par->status, pi->r);
				else
					wf->init(par->status);
				par->loaded = 1;
			}
		}
		/* not found before anything else, so that an event on another
		 * school's parent is answered as one on no parent at all */
		if (!par || !par->loaded) {
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_NOT_FOUND,
			       "%s %s is not known to the server", wf->parent_kind,
			       push_parent_id(it));
			continue;
		}
		/* then who signed: a step a wrong person signed moves nothing */
		reason = pushsig_decide(p->sig, i, it->r, (int64_t)hlc_wall_ms(), why, sizeof why);
		if (reason) {
			reject(it, (Safecampus__RejectReason)reason, "%s", why);
			continue;
		}
		/* then the step on a copy of the status, so that a step the chain
		 * refuses after it leaves the status as it was */
		void *next = malloc(wf->status_size);
		if (!next) {
			out_of_memory(&rc, what, "workflow");
			break;
		}
		memcpy(next, par->status, wf->status_size);
		if (wf->apply(next, it->r, why, sizeof why)) {
			reject(it, SAFECAMPUS__REJECT_REASON__REJECT_ILLEGAL_TRANSITION, "%s", why);
			free(next);
			continue;
		}
		reason = pushsig_chain(p->sig, it->r, why, sizeof why);
		if (reason) {
			reject(it, (Safecampus__RejectReason)reason, "%s", why);
			free(next);
			continue;
		}
		memcpy(par->status, next, wf->status_size);
		free(next);
		it->out = O_NEW;
		par->dirty = 1;
		if (pushsig_accept(p->sig, i, it->r))
			out_of_memory(&rc, what, "signatures");
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].out == O_PENDING)
			p->items[i].out = O_NEW;
	return rc;
}
