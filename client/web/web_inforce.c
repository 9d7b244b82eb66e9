/* A record's references to versioned records, read on its date (kind_ops.h
 * struct kind_ref): a drill's page shows the emergency plan in force on the
 * drill's date, linked to that version's page (issue 10). The versions are
 * those `show ID --on DATE` picks (client/versions.h); nothing here names a
 * kind. */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "i18n.h"
#include "uuid.h"
#include "versions.h"
#include "web_rec.h"

/* The first text field of k that says what a record is (a title), NULL if
 * none: not the version, the date in force or the one replaced. */
static const ProtobufCFieldDescriptor *title_field(const struct kind *k)
{
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED ||
		    !strcmp(f->name, k->ops->versioned_by ? k->ops->versioned_by : "") ||
		    !strcmp(f->name, k->ops->in_force_field) ||
		    !strcmp(f->name, k->ops->previous_field))
			continue;
		return f;
	}
	return NULL;
}

struct show_ctx {
	struct web_page *p;
	const struct kind *rk;
	const char *named; /* the id the record names, "" if none */
	unsigned n;
};

/* One version: its title linked to its page, its version and since when. */
static int show_version(void *arg, const Safecampus__Record *v)
{
	struct show_ctx *x = arg;
	const struct kind *rk = x->rk;
	const ProtobufCFieldDescriptor *tf = title_field(rk);
	char buf[256];

	if (x->n++)
		web_p(x->p, "<br>");
	web_p(x->p, "<a class=\"in-force\" data-id=\"%s\" href=\"/r/%s\">", v->id, v->id);
	if (tf && *versions_field(rk, v, tf->name, buf, sizeof buf))
		web_e(x->p, buf);
	else
		web_p(x->p, "%.8s", v->id);
	web_p(x->p, "</a>");
	if (rk->ops->versioned_by &&
	    *versions_field(rk, v, rk->ops->versioned_by, buf, sizeof buf)) {
		web_p(x->p, " · ");
		web_e(x->p, web_field_label(rk, rk->ops->versioned_by));
		web_p(x->p, " ");
		web_e(x->p, buf);
	}
	if (*versions_field(rk, v, rk->ops->in_force_field, buf, sizeof buf)) {
		web_p(x->p, " · ");
		web_e(x->p, web_field_label(rk, rk->ops->in_force_field));
		web_p(x->p, " ");
		web_date_cell(x->p, buf);
	}
	if (*x->named && strcmp(x->named, v->id) != 0 && uuid_valid(x->named)) {
		/* the record named another version of it: say which */
		char link[128];
		snprintf(link, sizeof link, "<a class=\"named\" href=\"/r/%s\">%.8s</a>", x->named,
			 x->named);
		web_p(x->p, " <span class=\"help\">");
		web_p(x->p, _("(it names %s, not the version in force then)"), link);
		web_p(x->p, "</span>");
	}
	return 0;
}

static void one_ref(struct web_req *r, struct web_page *p, const struct kind *k,
		    const Safecampus__Record *rec, const struct kind_ref *ref)
{
	const struct kind *rk = kind_by_name(ref->kind);
	char date[64], named[64], day[64];
	struct show_ctx x = { .p = p, .rk = rk, .named = named };
	int rc = 0;

	if (!rk || !rk->ops || !rk->ops->in_force_field || !rk->ops->previous_field ||
	    !kind_field(k, ref->field) ||
	    !*versions_field(k, rec, ref->on_field, date, sizeof date))
		return;
	versions_field(k, rec, ref->field, named, sizeof named);
	if (!*named && !ref->match_field)
		return;
	date_words(date, day, sizeof day);
	web_p(p, "<dt>");
	web_p(p, _("%1$s in force on %2$s"), web_field_label(k, ref->field), day);
	web_p(p, "</dt><dd id=\"in-force-%s\">", ref->field);
	if (*named) {
		struct versions vs = { 0 };
		const Safecampus__Record *v = NULL;
		rc = versions_load(r->w->st, rk, named, &vs);
		if (rc == 0 && vs.n == 0) {
			char msg[160];
			snprintf(msg, sizeof msg, _("%.8s is not known here (sync first?)"), named);
			web_e(p, msg);
			x.n = 1;
		} else if (rc == 0 && (v = versions_in_force(&vs, date)))
			show_version(&x, v);
		versions_free(&vs);
	} else {
		rc = versions_each_in_force(r->w->st, rk, ref->match_field, ref->match_value, date,
					    show_version, &x);
	}
	if (rc)
		web_p(p, "<span class=\"error\">%s</span>", _("The versions could not be read."));
	else if (!x.n) {
		web_p(p, "<span class=\"none\">");
		web_p(p, _("No version was in force on %s."), day);
		web_p(p, "</span>");
	}
	web_p(p, "</dd>");
}

void web_in_force(struct web_req *r, struct web_page *p, const struct kind *k,
		  const Safecampus__Record *rec)
{
	for (size_t i = 0; k->ops && i < k->ops->nrefs; i++)
		one_ref(r, p, k, rec, &k->ops->refs[i]);
}
