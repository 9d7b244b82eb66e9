/* Kinds whose only behaviour is a status word: risk and equipment (and
 * what a check does to its item). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "indicators.h"
#include "kind_due.h"
#include "kind_ops.h"
#include "kinds.h"

static const char *s_(const char *s)
{
	return s ? s : "";
}

static int risk_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		       struct kind_derived *d)
{
	const char *st = kind_enum_name(&safecampus__risk_status__descriptor, (int)r->risk->status);

	d->overdue = r->risk->status != SAFECAMPUS__RISK_STATUS__RISK_STATUS_REMOVED &&
		     date_valid(s_(r->risk->planned_date)) &&
		     strcmp(r->risk->planned_date, today) < 0;
	snprintf(d->status, sizeof d->status, "%s%s", st && r->risk->status ? st : "?",
		 d->overdue ? "! overdue" : "");
	return 0;
}

/* The latest check of an item on or before today, with its result. */
struct last_check {
	const char *today;
	char date[11];
	int result;
};

static int check_cb(void *arg, const Safecampus__Record *r, enum kind_sync sync)
{
	struct last_check *x = arg;
	const Safecampus__EquipmentCheck *c = r->equipment_check;
	char later[11];

	(void)sync;
	if (r->deleted || r->body_case != SAFECAMPUS__RECORD__BODY_EQUIPMENT_CHECK)
		return 0;
	indicators_later_check(x->date, s_(c->check_date), x->today, later);
	if (strcmp(later, x->date) != 0) {
		memcpy(x->date, later, sizeof later);
		x->result = (int)c->result;
	}
	return 0;
}

/* One definition with the dashboard (indicators_equipment_due): due from
 * the last check on or before today, the item's own dates before any;
 * overdue from the day after, due_soon within 30 days. */
static int equipment_derive(const struct kind_env *env, const Safecampus__Record *r,
			    const char *today, struct kind_derived *d)
{
	const Safecampus__Equipment *e = r->equipment;
	struct last_check x = { .today = today, .result = (int)e->result };
	const char *res;
	char due[11];
	long days = 1L << 30;
	int rc;

	if (env && env->each_child) {
		rc = env->each_child(env->ctx, "equipment_check", r->id, check_cb, &x);
		if (rc)
			return rc;
	}
	if (*x.date && date_valid(s_(e->last_check_date)) &&
	    strcmp(e->last_check_date, x.date) > 0 && strcmp(e->last_check_date, today) <= 0)
		x.result = (int)e->result; /* the item's own date is the later check */
	if (indicators_equipment_due(e, x.date, today, due) == 0 &&
	    date_diff(today, due, &days) != 0)
		days = 1L << 30;
	res = kind_enum_name(&safecampus__equipment_result__descriptor, x.result);
	d->overdue = days < 0;
	snprintf(d->status, sizeof d->status, "%s %s%s",
		 days < 0     ? "overdue!"
		 : days <= 30 ? "due_soon"
			      : "current",
		 res && x.result ? res : "", days < 0 ? " overdue" : "");
	return 0;
}

/* A check moves its item: last checked, its result and the next due day, so
 * `show` and the forms say what the list's status says. */
static int equipment_check_moves(const struct kind_env *env, const Safecampus__Record *r,
				 Safecampus__Record *parent)
{
	const Safecampus__EquipmentCheck *c = r->equipment_check;
	Safecampus__Equipment *e = parent->equipment;
	char due[11], *nd, *ld;

	(void)env;
	if (r->deleted || !date_valid(s_(c->check_date)) || !e)
		return 0;
	if (date_valid(s_(e->last_check_date)) && strcmp(e->last_check_date, c->check_date) > 0)
		return 0; /* an older check typed in late moves nothing */
	if (e->interval_days > 0 && date_add(c->check_date, e->interval_days, due) == 0)
		nd = strdup(due);
	else
		nd = strdup(s_(e->next_due_date));
	ld = strdup(c->check_date);
	if (!nd || !ld) {
		free(nd);
		free(ld);
		return -ENOMEM;
	}
	/* parent came from protobuf unpack: its strings are its own allocations */
	if (e->last_check_date != protobuf_c_empty_string)
		free(e->last_check_date);
	if (e->next_due_date != protobuf_c_empty_string)
		free(e->next_due_date);
	e->last_check_date = ld;
	e->next_due_date = nd;
	e->result = c->result;
	return 1;
}

static const struct kind_field_ui risk_field_ui[] = {
	{ "title", NC_("risk", "Problem"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "description", NC_("risk", "Description"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "area", NC_("risk", "Area"), NULL, NULL, NULL, KF_NONE, kind_enum_hazard_area },
	{ "mitigation", NC_("risk", "Mitigation"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "plan", NC_("risk", "Plan"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "planned_date", NC_("risk", "Planned by"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "status", NC_("risk", "Status"), NULL, NULL, NULL, KF_NONE, kind_enum_risk_status },
};

const struct kind_ops kind_ops_risk = {
	.kind = "risk",
	.import_key = "title",
	.fields = risk_field_ui,
	.nfields = sizeof risk_field_ui / sizeof risk_field_ui[0],
	.label = N_("Known problem"),
	.status_words = "open mitigated removed overdue",
	.status_help = N_("open, mitigated, removed, overdue (planned date passed)"),
	.derive = risk_derive,
};

static const struct kind_field_ui equipment_field_ui[] = {
	{ "item", NC_("equipment", "Item"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "type", NC_("equipment", "Kind"), NULL, NULL, NULL, KF_NONE, kind_enum_equipment_type },
	{ "location", NC_("equipment", "Where"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "installed_date", NC_("equipment", "Installed"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "interval_days", NC_("equipment", "Check every (days)"), NULL, NULL, NULL, KF_NONE,
	  NULL },
	{ "last_check_date", NC_("equipment", "Last checked"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "next_due_date", NC_("equipment", "Next check due"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "result", NC_("equipment", "Last result"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_equipment_result },
};

const struct kind_ops kind_ops_equipment = {
	.kind = "equipment",
	.bounds = (const struct kind_bound[]){ { "interval_days", 1, KB_NO_MAX }, { NULL, 0, 0 } },
	.due = kind_due_equipment,
	.import_key = "item type location",
	.fields = equipment_field_ui,
	.nfields = sizeof equipment_field_ui / sizeof equipment_field_ui[0],
	.label = N_("Equipment"),
	.status_words = "overdue due_soon current ok fault replaced",
	.status_help = N_("overdue, due_soon (within 30 days), current; ok, fault, replaced (last "
			  "result)"),
	.derive = equipment_derive,
};

static const struct kind_field_ui equipment_check_fields[] = {
	{ "equipment_id", NC_("equipment_check", "Equipment"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "check_date", NC_("equipment_check", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "result", NC_("equipment_check", "Result"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_equipment_result },
	{ "checker", NC_("equipment_check", "Checked by"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "note", NC_("equipment_check", "Note"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_equipment_check = {
	.kind = "equipment_check",
	.name_refs = (const struct kind_name_ref[]){ { "checker", "staff" }, { NULL, NULL } },
	.import_key = "equipment_id check_date",
	.label = N_("Equipment check"),
	.fields = equipment_check_fields,
	.nfields = sizeof equipment_check_fields / sizeof equipment_check_fields[0],
	.moves_parent = equipment_check_moves,
};
