/* The visitor log (访客登记, people defence): a visitor is on site from
 * time_in_ms until `visitor leave ID` sets time_out_ms. */
#include <stdio.h>

#include "kind_ops.h"

static int visitor_derive(const struct kind_env *env, const Safecampus__Record *r,
			  const char *today, struct kind_derived *d)
{
	snprintf(d->status, sizeof d->status, "%s", r->visitor->time_out_ms ? "left" : "on_site");
	return 0;
}

static int leave_skip(const struct kind_env *env, const Safecampus__Record *r, char *msg, size_t n)
{
	if (!r->visitor->time_out_ms)
		return 0;
	snprintf(msg, n, "visitor %.8s has left already; nothing to do", r->id);
	return 1;
}

static const struct kind_field_ui visitor_fields[] = {
	{ "visit_date", NC_("visitor", "Date"), NULL, NULL, NULL, KF_TODAY, NULL },
	{ "name", NC_("visitor", "Visitor"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "organisation", NC_("visitor", "Organisation"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "purpose", NC_("visitor", "Purpose"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "host", NC_("visitor", "Visiting"), N_("the staff member visited"), NULL, NULL, KF_NONE,
	  NULL },
	{ "time_in_ms", NC_("visitor", "Time in"), NULL, N_("Times"), NULL, KF_NOW_MS, NULL },
	{ "time_out_ms", NC_("visitor", "Time out"), NULL, N_("Times"), NULL, KF_NONE, NULL },
};

static const struct kind_verb visitor_verbs[] = {
	{ .name = "leave",
	  .kind = NULL,
	  .usage = "visitor leave ID",
	  .summary = N_("Records that the visitor left the campus now (离校)."),
	  .required = (const char *const[]){ NULL },
	  .optional = (const char *const[]){ NULL },
	  .sets = (const struct kind_set[]){ { "time_out_ms", KF_NOW_MS, NULL, false }, { 0 } },
	  .flags = KV_PARENT,
	  .skip = leave_skip },
};

const struct kind_ops kind_ops_visitor = {
	.kind = "visitor",
	.name_refs = (const struct kind_name_ref[]){ { "host", "staff" }, { NULL, NULL } },
	.import_key = "visit_date name time_in_ms",
	.label = N_("Visitor"),
	.fields = visitor_fields,
	.nfields = sizeof visitor_fields / sizeof visitor_fields[0],
	.status_words = "on_site left",
	.status_help = N_("on_site, left"),
	.derive = visitor_derive,
	.group_summary = N_("the visitor log: who is on site; `visitor leave ID` when they go"),
	.group_help =
		N_("The visitor log (访客登记). Sign a visitor in with `safecampus add visitor "
		   "--name N --purpose P --host H`."),
	.verbs = visitor_verbs,
	.nverbs = sizeof visitor_verbs / sizeof visitor_verbs[0],
};
