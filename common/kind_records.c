/* Kinds whose only behaviour is a status word: risk and equipment. */
#include <stdio.h>
#include <string.h>

#include "date.h"
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
		     date_valid(s_(r->risk->planned_date)) && strcmp(r->risk->planned_date, today) < 0;
	snprintf(d->status, sizeof d->status, "%s%s", st && r->risk->status ? st : "?",
		 d->overdue ? "! overdue" : "");
	return 0;
}

/* Days from today to the next due date decide: overdue, due within 30 days, current. */
static int equipment_derive(const struct kind_env *env, const Safecampus__Record *r,
			    const char *today, struct kind_derived *d)
{
	const char *res = kind_enum_name(&safecampus__equipment_result__descriptor,
					 (int)r->equipment->result);
	long days;

	if (date_diff(today, s_(r->equipment->next_due_date), &days) != 0)
		days = 1L << 30;
	d->overdue = days < 0;
	snprintf(d->status, sizeof d->status, "%s %s%s",
		 days < 0 ? "overdue!" : days <= 30 ? "due_soon" : "current",
		 res && r->equipment->result ? res : "", days < 0 ? " overdue" : "");
	return 0;
}

static const struct kind_field_ui risk_field_ui[] = {
	{"title", NC_("risk", "Problem"), NULL, NULL, NULL, KF_NONE, NULL},
	{"description", NC_("risk", "Description"), NULL, NULL, NULL, KF_NONE, NULL},
	{"area", NC_("risk", "Area"), NULL, NULL, NULL, KF_NONE, NULL},
	{"mitigation", NC_("risk", "Mitigation"), NULL, NULL, NULL, KF_NONE, NULL},
	{"plan", NC_("risk", "Plan"), NULL, NULL, NULL, KF_NONE, NULL},
	{"planned_date", NC_("risk", "Planned by"), NULL, NULL, NULL, KF_NONE, NULL},
	{"status", NC_("risk", "Status"), NULL, NULL, NULL, KF_NONE, kind_enum_risk_status},
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
	{"item", NC_("equipment", "Item"), NULL, NULL, NULL, KF_NONE, NULL},
	{"type", NC_("equipment", "Kind"), NULL, NULL, NULL, KF_NONE, kind_enum_equipment_type},
	{"location", NC_("equipment", "Where"), NULL, NULL, NULL, KF_NONE, NULL},
	{"installed_date", NC_("equipment", "Installed"), NULL, NULL, NULL, KF_NONE, NULL},
	{"interval_days", NC_("equipment", "Check every (days)"), NULL, NULL, NULL, KF_NONE, NULL},
	{"last_check_date", NC_("equipment", "Last checked"), NULL, NULL, NULL, KF_NONE, NULL},
	{"next_due_date", NC_("equipment", "Next check due"), NULL, NULL, NULL, KF_NONE, NULL},
	{"result", NC_("equipment", "Last result"), NULL, NULL, NULL, KF_NONE, kind_enum_equipment_result},
};

const struct kind_ops kind_ops_equipment = {
	.kind = "equipment",
	.import_key = "item type location",
	.fields = equipment_field_ui,
	.nfields = sizeof equipment_field_ui / sizeof equipment_field_ui[0],
	.label = N_("Equipment"),
	.status_words = "overdue due_soon current ok fault replaced",
	.status_help = N_("overdue, due_soon (within 30 days), current; ok, fault, replaced (last "
		       "result)"),
	.derive = equipment_derive,
};
