/* School buses (校车) on the command line: record a trip, and the alarm when
 * the students who got off are not the students who got on (a child may be
 * left on the bus).
 *
 * The alarm is raised the moment the trip is written, on stderr, whatever
 * wrote it (`bus trip`, `add bus_trip`, `edit`, `import`); the trip is stored
 * as counted (the record itself is the evidence) and exit status stays 0.
 * There is no separate alarm record: the trip is the alarm, the server's
 * bus_trip.mismatch column flags it and the dashboards alert on it, and
 * `status` lists the mismatched trips of the last 7 days on every campus of
 * the school (and for the bureau, of every school). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rules.h"

#define ALARM_DAYS 7

/* Plate, driver and attendant of the bus a trip hangs on ("?" if unknown). */
static void bus_of(struct cli *c, const char *bus_id, char *plate, size_t np, char *crew,
		   size_t nc)
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

void bus_trip_alarm(struct cli *c, const Safecampus__Record *r)
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
	fprintf(stderr, "%s!!! ALARM: BUS %s, TRIP %s %s: %d BOARDED, %d ALIGHTED !!!%s\n", on,
		plate, cli_s(t->trip_date), direction_name((int)t->direction), (int)t->boarded,
		(int)t->alighted, off);
	if (diff > 0)
		fprintf(stderr, "%s!!! %d %s MAY STILL BE ON THE BUS. Search the bus now%s%s, and "
			"call the students' families. !!!%s\n", on, diff,
			diff == 1 ? "CHILD" : "CHILDREN", crew[0] ? " and call the " : "",
			crew, off);
	else
		fprintf(stderr, "%s!!! %d more got off than got on: recount, and check the bus "
			"and the stop%s%s. !!!%s\n", on, -diff, crew[0] ? " with the " : "", crew,
			off);
	fprintf(stderr, "The trip %.8s is recorded as counted (checked by %s); `" CLI_PROG
		" status` lists open alarms.\nCorrect the counts with `" CLI_PROG " edit %.8s "
		"--alighted N` only after every child is accounted for.\n", r->id,
		*cli_s(t->checked_by) ? t->checked_by : "?", r->id);
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

	if (r->body_case != SAFECAMPUS__RECORD__BODY_BUS_TRIP || r->deleted || t->boarded == t->alighted)
		return 0;
	if (!rules_date_valid(cli_s(t->trip_date)) || strcmp(t->trip_date, a->since) < 0)
		return 0;
	if (!a->header) {
		printf("ALARMS (bus trips whose counts differ, last %d days):\n", ALARM_DAYS);
		a->header = true;
	}
	bus_of(a->c, t->bus_id, plate, sizeof plate, crew, sizeof crew);
	printf("  !! %s  ", t->trip_date);
	if (cli_is_bureau(a->c)) {
		cli_cell(stdout, r->school, 12);
		fputc(' ', stdout);
	}
	cli_cell(stdout, plate, 14);
	printf(" %-11s boarded %d, alighted %d  checked by ", direction_name((int)t->direction),
	       (int)t->boarded, (int)t->alighted);
	cli_text(stdout, t->checked_by);
	printf("  (trip %.8s, %s)\n", r->id, cli_s(r->campus));
	a->n++;
	return 0;
}

int bus_status_alarms(struct cli *c)
{
	struct alarms a = {.c = c};
	char today[11];
	int rc;

	cli_today(today);
	if (cli_date_add(today, -ALARM_DAYS, a.since) != 0)
		return -EINVAL;
	rc = store_each(c->st, "bus_trip", alarm_row, &a);
	return rc ? rc : a.n;
}

/* ---------------------------------------------------------------- bus trip */

struct plate_find {
	const char *plate;
	char id[37];
	unsigned hits;
};

static int plate_cb(void *arg, const Safecampus__Record *r)
{
	struct plate_find *p = arg;

	if (r->body_case != SAFECAMPUS__RECORD__BODY_BUS || r->deleted || strcasecmp(cli_s(r->bus->plate), p->plate) != 0)
		return 0;
	snprintf(p->id, sizeof p->id, "%s", r->id);
	p->hits++;
	return 0;
}

/* --bus takes a plate or a bus record's id (prefix). */
static int find_bus(struct cli *c, const char *text, char id[37])
{
	struct plate_find p = {.plate = text};
	Safecampus__Record *b = NULL;
	int rc = store_each(c->st, "bus", plate_cb, &p);

	if (rc)
		return cli_store_fail(rc, "cannot read the buses");
	if (p.hits == 1) {
		memcpy(id, p.id, 37);
		return 0;
	}
	if (p.hits > 1) {
		cli_err("more than one bus has plate %s: give the bus's id", text);
		return CLI_FAIL;
	}
	if (store_resolve_id(c->st, text, id) != 0) {
		cli_err("no bus with plate or id '%s' here (`" CLI_PROG " list bus`; sync first?)",
			text);
		return CLI_FAIL;
	}
	rc = store_get(c->st, id, &b);
	if (rc)
		return cli_store_fail(rc, "cannot read the bus");
	rc = b->body_case == SAFECAMPUS__RECORD__BODY_BUS ? 0 : CLI_FAIL;
	if (rc)
		cli_err("%.8s is a %s, not a bus", id, kind_of(b) ? kind_of(b)->name : "record");
	safecampus__record__free_unpacked(b, NULL);
	return rc;
}

static int run_trip(struct cli *c, int argc, char **argv)
{
	static const char *const required[] = {"direction", "checked_by", NULL};
	static const char *const only[] = {"trip_date", "direction", "boarded", "alighted",
					   "checked_by", NULL};
	static const struct cli_help h = {
		.usage = "bus trip --bus PLATE|ID --direction to_school|from_school --boarded N "
			 "--alighted N --checked-by NAME [--trip-date D]",
		.summary = "Records one trip of a school bus: how many students got on, how many "
			   "got off, and who\nchecked the empty bus. When the counts differ an "
			   "ALARM is printed at once (a child may be\nleft on the bus); the trip "
			   "is still recorded, exactly as counted.",
		.epilog = "--trip-date defaults to today. --bus takes the bus's plate (as in `"
			  CLI_PROG " list bus`) or its id.",
	};
	const struct kind *k = kind_by_name("bus_trip");
	struct cli_opt opts[CLI_MAX_OPTS];
	size_t nopts = 0, npos;
	const char *pos[1];
	struct cli_opt *bus, *boarded, *alighted;
	ProtobufCMessage *m;
	Safecampus__Record *r;
	char id[37], today[11], err[256];
	int rc;

	opts[nopts++] = (struct cli_opt){.name = "bus", .metavar = "PLATE|ID",
					 .help = "the bus: its plate or its id",
					 .flags = CLI_OPT_REQUIRED};
	if (cli_field_opts(k, opts, &nopts, CLI_MAX_OPTS, required, only) != 0)
		return CLI_FAIL;
	rc = cli_parse(c, argc, argv, opts, nopts, &h, pos, 0, 0, &npos);
	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	bus = cli_opt_get(opts, nopts, "bus");
	boarded = cli_opt_get(opts, nopts, "boarded");
	alighted = cli_opt_get(opts, nopts, "alighted");
	if (!boarded->seen || !alighted->seen)
		return cli_usage("bus trip", "give both --boarded and --alighted (0 is a count "
				 "too)");
	rc = cli_config(c);
	if (rc)
		return rc;
	rc = find_bus(c, bus->value, id);
	if (rc)
		return rc;
	m = kind_payload_new(k);
	if (!m)
		return cli_store_fail(-ENOMEM, "cannot make the trip");
	rc = cli_field_apply(c, "bus trip", m, opts, nopts);
	if (rc) {
		kind_payload_free(m);
		return rc;
	}
	r = cli_record_new(k, m);
	if (!r)
		return cli_store_fail(-ENOMEM, "cannot make the trip");
	cli_today(today);
	if (kind_field_set(m, kind_field(k, "bus_id"), id, err, sizeof err) != 0 ||
	    (!*cli_s(r->bus_trip->trip_date) &&
	     kind_field_set(m, kind_field(k, "trip_date"), today, err, sizeof err) != 0)) {
		kind_record_free(r);
		return cli_store_fail(-ENOMEM, "cannot make the trip");
	}
	rc = cli_check_record(c, r);
	if (rc == 0)
		rc = cli_write(c, r); /* the alarm, if any, comes from here */
	if (rc == 0)
		printf("%s\n", r->id);
	kind_record_free(r);
	return rc;
}

static void bus_help(FILE *f)
{
	fputs("Usage: " CLI_PROG " bus VERB ...\n\n"
	      "School buses (校车). Buses and riders are records: `" CLI_PROG " add bus --plate P "
	      "--seats N ...`,\n`" CLI_PROG " add bus_rider --bus-id ID --student-ref CODE`.\n\n"
	      "  trip      --bus PLATE|ID --direction to_school|from_school --boarded N "
	      "--alighted N\n"
	      "            --checked-by NAME [--trip-date D]: record a trip; counts that differ "
	      "raise an ALARM\n"
	      "  alarms    the trips of the last 7 days whose counts differ (also in `" CLI_PROG
	      " status`)\n"
	      "  list      the buses (as `" CLI_PROG " list bus`)\n\n"
	      "`" CLI_PROG " bus trip --help` describes the options.\n"
	      "\nExit status: 0 done, 1 failed or refused (message on stderr), 2 usage error.\n",
	      f);
}

int cmd_bus(struct cli *c, int argc, char **argv)
{
	int rc = cli_group_help(argc, argv, bus_help);

	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "trip") == 0)
		return run_trip(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "alarms") == 0) {
		static const struct cli_help h = {
			.usage = "bus alarms",
			.summary = "Lists the bus trips of the last 7 days whose boarded and "
				   "alighted counts differ.",
		};
		const char *pos[1];
		size_t npos;
		rc = cli_parse(c, argc - 1, argv + 1, NULL, 0, &h, pos, 0, 0, &npos);
		if (rc == CLI_HELP)
			return CLI_OK;
		if (rc)
			return rc;
		rc = cli_config(c);
		if (rc)
			return rc;
		rc = bus_status_alarms(c);
		if (rc < 0)
			return cli_store_fail(rc, "cannot read the trips");
		if (rc == 0)
			printf("no alarms: every trip of the last %d days counted as many off as on\n",
			       ALARM_DAYS);
		return CLI_OK;
	}
	if (strcmp(argv[1], "list") == 0) {
		argv[1] = "bus";
		return cmd_list(c, argc, argv);
	}
	return cli_usage("bus", "unknown bus verb '%s' (trip, alarms, list)", argv[1]);
}
