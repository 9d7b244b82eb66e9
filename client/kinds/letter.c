/* Safety responsibility letters (安全责任书) on the command line: what only a
 * terminal does with them -- `letter coverage`, the share of current staff
 * holding a letter for a year (一岗双责). Signing is the `sign` verb of the
 * kind's table entry, common/kind_letter.c. */
#include "cli_kind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "indicators.h"
#include "kind_letter.h"
#include "verb.h"

/* ---------------------------------------------------------------- staff and letters */

struct person {
	char id[37];
	char school[64];
	char *name, *role, *dept;
	bool current;
	bool holds; /* a letter for the year names them */
};

struct people {
	struct person *v;
	size_t n, cap;
	char today[11];
	int rc;
};

static void people_free(struct people *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].role);
		free(p->v[i].dept);
	}
	free(p->v);
	memset(p, 0, sizeof *p);
}

static int staff_cb(void *arg, const Safecampus__Record *r)
{
	struct people *p = arg;
	struct person *e;
	const char *role;

	if (r->body_case != SAFECAMPUS__RECORD__BODY_STAFF || r->deleted)
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 32;
		struct person *more = realloc(p->v, cap * sizeof *more);
		if (!more) {
			p->rc = -ENOMEM;
			return 1;
		}
		p->v = more;
		p->cap = cap;
	}
	e = &p->v[p->n];
	memset(e, 0, sizeof *e);
	snprintf(e->id, sizeof e->id, "%s", r->id);
	snprintf(e->school, sizeof e->school, "%s", cli_s(r->school));
	role = kind_enum_name(&safecampus__staff_role__descriptor, (int)r->staff->staff_role);
	e->name = strdup(cli_s(r->staff->name));
	e->role = strdup(role && r->staff->staff_role ? role : "");
	e->dept = strdup(cli_s(r->staff->department));
	e->current = indicators_staff_current(r->staff, p->today);
	p->n++;
	if (!e->name || !e->role || !e->dept) {
		p->rc = -ENOMEM;
		return 1;
	}
	return 0;
}

struct letters {
	struct people *p;
	const struct kind_env *env; /* for the counter-signatures */
	int year;
	unsigned total, unmatched, awaiting;
	char (*stray)[128]; /* signers that are not current staff here */
	size_t nstray, capstray;
	int rc;
};

static int letter_cb(void *arg, const Safecampus__Record *r)
{
	struct letters *l = arg;
	const Safecampus__Letter *lt = r->letter;
	bool matched = false;
	char since[11];

	if (r->body_case != SAFECAMPUS__RECORD__BODY_LETTER || r->deleted || lt->year != l->year)
		return 0;
	l->total++;
	l->rc = letter_since(l->env, r, since);
	if (l->rc)
		return 1;
	if (!*since && date_valid(cli_s(lt->signed_date))) {
		l->awaiting++; /* signed by its holder only: holds nothing yet */
		return 0;
	}
	for (size_t i = 0; i < l->p->n; i++) {
		struct person *e = &l->p->v[i];
		if (strcmp(e->school, cli_s(r->school)) != 0)
			continue;
		/* the dashboard's definition (indicators.h): signer by staff id,
		 * else by name; counter-signer by name; concluded (signed by
		 * both sides) by the day */
		if (indicators_letter_holds(lt, since, e->id, e->name, l->year, l->p->today)) {
			e->holds = true;
			matched |= e->current;
		}
	}
	if (!matched) {
		l->unmatched++;
		if (l->nstray == l->capstray) {
			size_t cap = l->capstray ? 2 * l->capstray : 8;
			char(*more)[128] = realloc(l->stray, cap * sizeof *more);
			if (!more) {
				l->rc = -ENOMEM;
				return 1;
			}
			l->stray = more;
			l->capstray = cap;
		}
		snprintf(l->stray[l->nstray++], 128, "%s%s%s", cli_s(lt->signer),
			 *cli_s(r->school) ? " @" : "", cli_s(r->school));
	}
	return 0;
}

/* ---------------------------------------------------------------- coverage */

static int run_coverage(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "letter coverage [--year YYYY] [--missing]",
		.summary = N_(
			"Coverage of responsibility letters: current staff holding a letter for "
			"the year, divided by\nall current staff (joined, not left; inactive "
			"without a left date counts as gone), as of\ntoday (the year's last day "
			"for a past year), the dashboard's definition. A letter signed\nby then "
			"counts for the staff record it names, or else for the staff member with "
			"the\nsigner's name, and for its counter-signer by name (a principal). For "
			"the bureau: per school."),
		.epilog =
			N_("--year defaults to this year. The staff without a letter are listed "
			   "(all of them with\n--missing; the first 20 otherwise), and the signers "
			   "that match no current staff member."),
	};
	struct cli_opt opts[] = {
		{ .name = "year", .metavar = "YYYY", .help = N_("the year (default: this year)") },
		{ .name = "missing", .help = N_("list every staff member without a letter") },
	};
	const char *pos[1];
	size_t npos;
	struct people p = { 0 };
	struct letters l = { 0 };
	struct kind_env env;
	struct schools_seen {
		char school[64];
		unsigned staff, holders;
	} *sv = NULL;
	size_t nsv = 0;
	unsigned staff = 0, holders = 0, listed = 0;
	char today[11], *end;
	long year;
	int rc = cli_parse(c, argc, argv, opts, 2, &h, pos, 0, 0, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	cli_today(today);
	year = strtol(today, NULL, 10);
	if (opts[0].seen) {
		year = strtol(opts[0].value, &end, 10);
		if (*end || year < 2000 || year > 2100)
			return cli_usage("letter coverage",
					 _("--year: \"%s\" is not a year from 2000 "
					   "to 2100"),
					 opts[0].value);
	}
	rc = cli_config(c);
	if (rc)
		return rc;
	/* as of today for this year, as of its last day for a past year: the
	 * dashboard's "as of" day */
	if (year < strtol(today, NULL, 10))
		snprintf(p.today, sizeof p.today, "%04u-12-31", (unsigned)year % 10000u);
	else
		snprintf(p.today, sizeof p.today, "%s", today);
	rc = store_each(c->st, "staff", staff_cb, &p);
	if (p.rc)
		rc = p.rc;
	if (rc == 0) {
		verb_env(c->st, &c->cfg, p.today, &env);
		l.p = &p;
		l.env = &env;
		l.year = (int)year;
		rc = store_each(c->st, "letter", letter_cb, &l);
		if (l.rc)
			rc = l.rc;
	}
	if (rc) {
		people_free(&p);
		free(l.stray);
		return cli_store_fail(rc, _("cannot read staff and letters"));
	}
	sv = calloc(p.n ? p.n : 1, sizeof *sv);
	if (!sv) {
		people_free(&p);
		free(l.stray);
		return cli_store_fail(-ENOMEM, _("cannot count"));
	}
	for (size_t i = 0; i < p.n; i++) {
		size_t j = 0;
		if (!p.v[i].current)
			continue;
		staff++;
		holders += p.v[i].holds;
		for (; j < nsv && strcmp(sv[j].school, p.v[i].school) != 0; j++)
			;
		if (j == nsv)
			snprintf(sv[nsv++].school, sizeof sv->school, "%s", p.v[i].school);
		sv[j].staff++;
		sv[j].holders += p.v[i].holds;
	}
	if (cli_is_bureau(c) && nsv) {
		printf("%-20s %7s %7s %9s\n", "SCHOOL", "STAFF", "HOLDERS", "COVERAGE");
		for (size_t j = 0; j < nsv; j++) {
			cli_cell(stdout, sv[j].school, 20);
			printf(" %7u %7u %8.1f%%\n", sv[j].staff, sv[j].holders,
			       100.0 * sv[j].holders / sv[j].staff);
		}
	}
	if (staff == 0)
		printf(_("coverage %ld: no current staff recorded (add them with `safecampus add "
			 "staff --name ... --staff-role ...`)\n"),
		       year);
	else
		printf(_("coverage %ld: %u of %u current staff hold a letter (%.1f%%)\n"), year,
		       holders, staff, 100.0 * holders / staff);
	printf(_("letters for %ld: %u\n"), year, l.total);
	if (l.awaiting)
		printf(_("awaiting a counter-signature (not counted until the level above signs; "
			 "`safecampus list letter --status awaiting`): %u\n"),
		       l.awaiting);
	if (!cli_is_bureau(c) && holders < staff) {
		printf(_("without a letter for %ld:\n"), year);
		for (size_t i = 0; i < p.n; i++) {
			if (!p.v[i].current || p.v[i].holds)
				continue;
			if (!opts[1].seen && listed == 20) {
				printf(_("  ... and %u more (--missing lists all)\n"),
				       staff - holders - listed);
				break;
			}
			printf("  %.8s  ", p.v[i].id);
			cli_cell(stdout, p.v[i].name, 20);
			fputc(' ', stdout);
			cli_cell(stdout, p.v[i].role, 16);
			fputc(' ', stdout);
			cli_text(stdout, p.v[i].dept);
			fputc('\n', stdout);
			listed++;
		}
	}
	if (l.nstray) {
		printf(_("letters whose signer is not a current staff member here (not "
			 "counted):\n"));
		for (size_t i = 0; i < l.nstray && (opts[1].seen || i < 20); i++) {
			fputs("  ", stdout);
			cli_text(stdout, l.stray[i]);
			fputc('\n', stdout);
		}
	}
	free(sv);
	free(l.stray);
	people_free(&p);
	return CLI_OK;
}

static const struct cli_verb letter_verbs[] = {
	{ "coverage", N_("[--year Y] [--missing]: current staff holding a letter for the year"),
	  run_coverage },
};

const struct cli_kind cli_kind_letter = {
	.kind = "letter",
	.verbs = letter_verbs,
	.nverbs = sizeof letter_verbs / sizeof letter_verbs[0],
};
