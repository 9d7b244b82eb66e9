/* School buses (校车) on the command line: the alarm when the students who got
 * off are not the students who got on (a child may be left on the bus).
 *
 * The alarm is raised the moment the trip is written, on stderr, whatever
 * wrote it (`bus trip`, `add bus_trip`, `edit`, `import`); the trip is stored
 * as counted (the record itself is the evidence) and exit status stays 0.
 * There is no separate alarm record: the trip is the alarm, the server's
 * bus_trip.mismatch column flags it and the dashboards alert on it, and
 * `status` lists the mismatched trips of the last 7 days on every campus of
 * the school (and for the bureau, of every school). `bus trip` itself is the
 * kind's table entry, common/kind_bus.c. */
#include "cli_kind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"

#define ALARM_DAYS 7

/* Plate, driver and attendant of the bus a trip hangs on ("?" if unknown). */
static void bus_of(struct cli *c, const char *bus_id, char *plate, size_t np, char *crew, size_t nc)
{
	Safecampus__Record *b = NULL;

	snprintf(plate, np, "%.8s (bus not known here)", cli_s(bus_id));
	crew[0] = '\0';
	if (!c->st || !*cli_s(bus_id) || store_get(c->st, bus_id, &b) != 0)
		return;
	if (b->body_case == SAFECAMPUS__RECORD__BODY_BUS) {
		snprintf(plate, np, "%s", cli_s(b->bus->plate));
		if (*cli_s(b->bus->driver) || *cli_s(b->bus->attendant))
			snprintf(crew, nc, "%s%s%s%s%s", *cli_s(b->bus->driver) ? "driver " : "",
				 cli_s(b->bus->driver),
				 *cli_s(b->bus->driver) && *cli_s(b->bus->attendant) ? ", " : "",
				 *cli_s(b->bus->attendant) ? "attendant " : "",
				 cli_s(b->bus->attendant));
	}
	safecampus__record__free_unpacked(b, NULL);
}

static const char *direction_name(int d)
{
	const char *n = kind_enum_name(&safecampus__bus_direction__descriptor, d);

	return d && n ? n : "trip";
}

static void trip_alarm(struct cli *c, const Safecampus__Record *r)
{
	const Safecampus__BusTrip *t = r->bus_trip;
	bool tty = isatty(STDERR_FILENO);
	const char *on = tty ? "\a\033[1;97;41m" : "", *off = tty ? "\033[0m" : "";
	char plate[128], crew[256];
	int diff;

	if (r->body_case != SAFECAMPUS__RECORD__BODY_BUS_TRIP || t->boarded == t->alighted)
		return;
	bus_of(c, t->bus_id, plate, sizeof plate, crew, sizeof crew);
	diff = t->boarded - t->alighted;
	fflush(stdout);
	fprintf(stderr, _("%s!!! ALARM: BUS %s, TRIP %s %s: %d BOARDED, %d ALIGHTED !!!%s\n"), on,
		plate, cli_s(t->trip_date), direction_name((int)t->direction), (int)t->boarded,
		(int)t->alighted, off);
	if (diff > 0)
		fprintf(stderr,
			_("%s!!! %d %s MAY STILL BE ON THE BUS. Search the bus now%s%s, and "
			  "call the students' families. !!!%s\n"),
			on, diff, diff == 1 ? _("CHILD") : _("CHILDREN"),
			crew[0] ? _(" and call the ") : "", crew, off);
	else
		fprintf(stderr,
			_("%s!!! %d more got off than got on: recount, and check the bus "
			  "and the stop%s%s. !!!%s\n"),
			on, -diff, crew[0] ? _(" with the ") : "", crew, off);
	fprintf(stderr,
		_("The trip %.8s is recorded as counted (checked by %s); `safecampus status` lists "
		  "open alarms.\nCorrect the counts with `safecampus edit %.8s "
		  "--alighted N` only after every child is accounted for.\n"),
		r->id, *cli_s(t->checked_by) ? t->checked_by : "?", r->id);
	fflush(stderr);
}

/* ---------------------------------------------------------------- status */

struct alarms {
	struct cli *c;
	char since[11];
	int n;
	bool header;
};

static int alarm_row(void *arg, const Safecampus__Record *r)
{
	struct alarms *a = arg;
	const Safecampus__BusTrip *t = r->bus_trip;
	char plate[128], crew[256];

	if (r->body_case != SAFECAMPUS__RECORD__BODY_BUS_TRIP || r->deleted ||
	    t->boarded == t->alighted)
		return 0;
	if (!date_valid(cli_s(t->trip_date)) || strcmp(t->trip_date, a->since) < 0)
		return 0;
	if (!a->header) {
		printf(_("ALARMS (bus trips whose counts differ, last %d days):\n"), ALARM_DAYS);
		a->header = true;
	}
	bus_of(a->c, t->bus_id, plate, sizeof plate, crew, sizeof crew);
	printf("  !! %s  ", t->trip_date);
	if (cli_is_bureau(a->c)) {
		cli_cell(stdout, r->school, 12);
		fputc(' ', stdout);
	}
	cli_cell(stdout, plate, 14);
	printf(_(" %-11s boarded %d, alighted %d  checked by "), direction_name((int)t->direction),
	       (int)t->boarded, (int)t->alighted);
	cli_text(stdout, t->checked_by);
	printf(_("  (trip %.8s, %s)\n"), r->id, cli_s(r->campus));
	a->n++;
	return 0;
}

static int status_alarms(struct cli *c)
{
	struct alarms a = { .c = c };
	char today[11];
	int rc;

	cli_today(today);
	if (date_add(today, -ALARM_DAYS, a.since) != 0)
		return -EINVAL;
	rc = store_each(c->st, "bus_trip", alarm_row, &a);
	return rc ? rc : a.n;
}

static int run_alarms(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "bus alarms",
		.summary = N_("Lists the bus trips of the last 7 days whose boarded and alighted "
			      "counts differ."),
	};
	const char *pos[1];
	size_t npos;
	int rc = cli_parse(c, argc, argv, NULL, 0, &h, pos, 0, 0, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	rc = cli_config(c);
	if (rc)
		return rc;
	rc = status_alarms(c);
	if (rc < 0)
		return cli_store_fail(rc, _("cannot read the trips"));
	if (rc == 0)
		printf(_("no alarms: every trip of the last %d days counted as many off as on\n"),
		       ALARM_DAYS);
	return CLI_OK;
}

static const struct cli_verb bus_verbs[] = {
	{ "alarms",
	  N_("the trips of the last 7 days whose counts differ (also in `safecampus status`)"),
	  run_alarms },
};

const struct cli_kind cli_kind_bus = {
	.kind = "bus",
	.status = status_alarms,
	.verbs = bus_verbs,
	.nverbs = sizeof bus_verbs / sizeof bus_verbs[0],
};

const struct cli_kind cli_kind_bus_trip = {
	.kind = "bus_trip",
	.after_write = trip_alarm,
};
