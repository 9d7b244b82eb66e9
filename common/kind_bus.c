/* School buses (校车): the kind table entries of bus, bus_trip and bus_rider.
 * A trip whose counts differ is an alarm (a child may be left on the bus). */
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "kind_due.h"
#include "kind_ops.h"
#include "kinds.h"
#include "rules.h"

static const char *s_(const char *s)
{
	return s ? s : "";
}

static int bus_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		      struct kind_derived *d)
{
	bool late = date_valid(s_(r->bus->next_inspection_date)) &&
		    strcmp(r->bus->next_inspection_date, today) < 0;

	snprintf(d->status, sizeof d->status, "%s",
		 r->bus->inactive ? "inactive"
		 : late           ? "inspection_overdue!"
				  : "active");
	return 0;
}

static int trip_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		       struct kind_derived *d)
{
	snprintf(d->status, sizeof d->status, "%s",
		 r->bus_trip->boarded != r->bus_trip->alighted ? "mismatch!" : "ok");
	return 0;
}

static bool trip_alarm(const Safecampus__Record *r, char *out, size_t n)
{
	const Safecampus__BusTrip *t = r->bus_trip;

	if (!t || r->deleted || t->boarded == t->alighted)
		return false;
	snprintf(out, n, "%d boarded, %d alighted: a child may have been left on the bus",
		 (int)t->boarded, (int)t->alighted);
	return true;
}

static int rider_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
			struct kind_derived *d)
{
	snprintf(d->status, sizeof d->status, "%s", r->bus_rider->inactive ? "inactive" : "active");
	return 0;
}

static const struct kind_verb bus_verbs[] = {
	{ .name = "trip",
	  .kind = "bus_trip",
	  .usage = "bus trip --bus PLATE|ID --direction to_school|from_school --boarded N "
		   "--alighted N --checked-by NAME [--trip-date D]",
	  .summary = N_("Records one trip of a school bus: how many students got on, how many got "
			"off, and who\nchecked the empty bus. When the counts differ an ALARM is "
			"printed at once (a child may be\nleft on the bus); the trip is still "
			"recorded, exactly as counted."),
	  .epilog = N_(
		  "--trip-date defaults to today. --bus takes the bus's plate (as in `safecampus "
		  "list bus`) or its id. Give both --boarded and --alighted (0 is a count too)."),
	  /* counts that may be 0 are asked for: a trip without them is not counted */
	  .required =
		  (const char *const[]){ "direction", "boarded", "alighted", "checked_by", NULL },
	  .optional = (const char *const[]){ "trip_date", NULL },
	  .sets = (const struct kind_set[]){ { "trip_date", KF_TODAY, NULL, true }, { 0 } },
	  .flags = KV_PRINT_ID,
	  .lookup = "bus",
	  .lookup_field = "plate" },
};

static const struct kind_field_ui bus_field_ui[] = {
	{ "plate", NC_("bus", "Plate"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "seats", NC_("bus", "Seats"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "company", NC_("bus", "Operator"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "driver", NC_("bus", "Driver"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "attendant", NC_("bus", "Attendant"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "next_inspection_date", NC_("bus", "Next inspection"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "inactive", NC_("bus", "Out of service"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_bus = {
	.kind = "bus",
	.name_refs = (const struct kind_name_ref[]){ { "driver", "staff" }, { NULL, NULL } },
	.bounds = (const struct kind_bound[]){ { "seats", 1, 100 }, { NULL, 0, 0 } },
	.due = kind_due_bus,
	.import_key = "plate",
	.fields = bus_field_ui,
	.nfields = sizeof bus_field_ui / sizeof bus_field_ui[0],
	.label = N_("School bus"),
	.status_words = "active inactive inspection_overdue",
	.status_help = N_("active, inactive, inspection_overdue"),
	.derive = bus_derive,
	.group_summary = N_("record a bus trip (counts that differ raise an ALARM)"),
	.group_help = N_("School buses (校车). Buses and riders are records: `safecampus add bus "
			 "--plate P --seats N ...`,\n`safecampus add bus_rider --bus-id ID "
			 "--student-ref CODE`."),
	.verbs = bus_verbs,
	.nverbs = sizeof bus_verbs / sizeof bus_verbs[0],
};

static const struct kind_field_ui bus_trip_field_ui[] = {
	{ "bus_id", NC_("bus_trip", "Bus"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "trip_date", NC_("bus_trip", "Date"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "direction", NC_("bus_trip", "Direction"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_bus_direction },
	{ "boarded", NC_("bus_trip", "Got on"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "alighted", NC_("bus_trip", "Got off"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "checked_by", NC_("bus_trip", "Bus checked by"), NULL, NULL, NULL, KF_NONE, NULL },
};

/* A trip against its bus, as known here: more riders than seats is a typo
 * (rules_bus_trip_seats). A bus not known here is the parent check's job. */
static int trip_check(const struct kind_env *env, const Safecampus__Record *r, char *why, size_t n)
{
	Safecampus__Record *b = NULL;
	int rc;

	if (!r->bus_trip || !r->bus_trip->bus_id || !*r->bus_trip->bus_id || !env->get)
		return 0;
	rc = env->get(env->ctx, r->bus_trip->bus_id, &b);
	if (rc == SC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	rc = b->body_case == SAFECAMPUS__RECORD__BODY_BUS
		     ? rules_bus_trip_seats(r->bus_trip, b->bus, why, n)
		     : 0;
	safecampus__record__free_unpacked(b, NULL);
	return rc;
}

const struct kind_ops kind_ops_bus_trip = {
	.kind = "bus_trip",
	.name_refs = (const struct kind_name_ref[]){ { "checked_by", "staff" }, { NULL, NULL } },
	.bounds = (const struct kind_bound[]){ { "boarded", 0, KB_NO_MAX },
					       { "alighted", 0, KB_NO_MAX },
					       { NULL, 0, 0 } },
	.import_key = "bus_id trip_date direction",
	.fields = bus_trip_field_ui,
	.nfields = sizeof bus_trip_field_ui / sizeof bus_trip_field_ui[0],
	.label = N_("Bus trip"),
	.status_words = "mismatch ok",
	.status_help = N_("mismatch, ok"),
	.derive = trip_derive,
	.alarm = trip_alarm,
	.check = trip_check,
};

static const struct kind_field_ui bus_rider_field_ui[] = {
	{ "bus_id", NC_("bus_rider", "Bus"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "student_ref", NC_("bus_rider", "Student code"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "inactive", NC_("bus_rider", "No longer rides"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_bus_rider = {
	.kind = "bus_rider",
	.import_key = "bus_id student_ref",
	.fields = bus_rider_field_ui,
	.nfields = sizeof bus_rider_field_ui / sizeof bus_rider_field_ui[0],
	.label = N_("Bus rider"),
	.status_words = "active inactive",
	.status_help = N_("active, inactive"),
	.derive = rider_derive,
};
