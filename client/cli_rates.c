/* `safecampus rates`: the school's reporting rates and timeliness counted
 * here, from the local store and the district calendar (local_rates.h,
 * common/owed.h), with the definitions of the server's dashboard: it works
 * offline, and what is missing can be listed. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "dashboard_text.h"
#include "date.h"
#include "local_rates.h"
#include "render.h"
#include "render_rates.h"
#include "report.h"
#include "verb.h"

enum { O_MONTH, O_MISSING, O_COUNT };

struct miss {
	char due[11];
	char what[400];
};

struct misses {
	struct miss *v;
	size_t n;
	int rc;
};

static int miss_cb(void *arg, const struct owed *o)
{
	struct misses *m = arg;
	struct miss *more;

	if (*o->made)
		return 0;
	more = realloc(m->v, (m->n + 1) * sizeof *more);
	if (!more)
		return m->rc = -ENOMEM;
	m->v = more;
	snprintf(m->v[m->n].due, sizeof m->v->due, "%s", o->due);
	snprintf(m->v[m->n].what, sizeof m->v->what, "%s", o->what);
	m->n++;
	return 0;
}

static int cmp_miss(const void *a, const void *b)
{
	const struct miss *x = a, *y = b;
	int c = strcmp(x->due, y->due);

	return c ? c : strcmp(x->what, y->what);
}

/* What is owed and not made, by due day (the missing list, sc_missing_of). */
static int print_missing(const struct kind_env *env, const struct local_rates *lr)
{
	struct misses m = { 0 };
	char buf[600];
	int rc = owed_each(env, lr->start, lr->end, lr->as_of, miss_cb, &m);

	/* the "1530" sessions as the dashboard lists them: one line for the
	 * school, in the server's words (dash_build.c's missing_1530) */
	if (!rc && lr->sessions.expected > lr->sessions.received) {
		struct miss *more = realloc(m.v, (m.n + 1) * sizeof *more);
		if (!more) {
			rc = -ENOMEM;
		} else {
			m.v = more;
			rc = owed_sessions_due(env, lr->start, lr->end, lr->as_of, m.v[m.n].due);
			snprintf(m.v[m.n].what, sizeof m.v->what,
				 "\"1530\" sessions: %u of %u not held",
				 lr->sessions.expected - lr->sessions.received,
				 lr->sessions.expected);
			m.n += !rc;
		}
	}
	if (!rc && m.n > 1)
		qsort(m.v, m.n, sizeof *m.v, cmp_miss);
	if (!rc) {
		printf("\n%s (%zu)\n", _("MISSING SUBMISSIONS"), m.n);
		if (!m.n)
			printf("  %s\n", _("none"));
		for (size_t i = 0; i < m.n; i++) {
			printf("  %s  ", m.v[i].due);
			cli_text(stdout, dashboard_title_text(m.v[i].what, buf, sizeof buf));
			fputc('\n', stdout);
		}
	}
	free(m.v);
	return rc;
}

int cmd_rates(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "rates [--month YYYY-MM] [--missing]",
		.summary = N_("Shows this school's reporting rates and timeliness for the term: "
			      "per data set\n(notice reports, drills, responsibility letters, "
			      "equipment checks, bus\ninspections, \"1530\" sessions) how many "
			      "submissions were expected, received,\nand received on time. "
			      "Counted here from the local store and the district\ncalendar, with "
			      "the dashboard's definitions: it works offline, and records\nnot yet "
			      "synced count already."),
		.epilog = N_("The server's dashboard (`safecampus dashboard`) counts what it has "
			     "received, from\nevery campus of the school.\n\nExit status: 0 shown, "
			     "1 failed, 2 usage error."),
	};
	struct cli_opt opts[O_COUNT] = {
		[O_MONTH] = { .name = "month",
			      .metavar = "YYYY-MM",
			      .help = N_("as of the end of that month (default: today)") },
		[O_MISSING] = { .name = "missing",
				.help = N_("also list what is owed and not made, by due day") },
	};
	struct store_outbox_stats s;
	struct render_ctx r = { 0 };
	struct local_rates lr;
	struct kind_env env;
	char today[11], as_of[11], name[192];
	const char *pos[1];
	size_t npos;
	int rc = cli_parse(c, argc, argv, opts, O_COUNT, &h, pos, 0, 0, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	cli_today(today);
	memcpy(as_of, today, sizeof as_of);
	if (opts[O_MONTH].seen) {
		const char *month = opts[O_MONTH].value;
		int y, m;
		rc = cli_month_arg("rates", month, today);
		if (rc)
			return rc;
		y = (int)strtol(month, NULL, 10);
		m = (int)strtol(month + 5, NULL, 10);
		if (strncmp(month, today, 7) < 0)
			date_format(y, m, date_month_days(y, m), as_of);
	}
	rc = cli_config(c);
	if (rc)
		return rc;
	if (cli_is_bureau(c)) {
		cli_err(_("rates are a school's: the bureau sees every school's in `safecampus "
			  "dashboard`"));
		return CLI_FAIL;
	}
	verb_env(c->st, &c->cfg, today, &env);
	rc = local_rates_build(&env, as_of, &lr);
	if (rc)
		return cli_store_fail(rc, _("cannot count the rates"));
	/* the school by the name its profile gives, as the page and the report
	 * title it; its id where no profile is held */
	if (report_school_name(&env, c->cfg.school, name, sizeof name) || !name[0])
		snprintf(name, sizeof name, "%s", c->cfg.school);
	printf(_("Reporting rates of school %s, counted here from this store and the district "
		 "calendar\n"),
	       name);
	printf(_("period %s to %s (%s), as of %s\n"), lr.start, lr.end,
	       dashboard_title_text(lr.term, (char[128]){ 0 }, 128), lr.as_of);
	r.d = &lr.d;
	r.ascii = !cli_utf8_locale();
	rc = render_rates_term(stdout, &r);
	if (!rc && opts[O_MISSING].seen)
		rc = print_missing(&env, &lr);
	if (rc)
		return cli_store_fail(rc, _("cannot count the rates"));
	if (store_outbox_stats(c->st, &s) == 0 && s.pending)
		printf(ngettext(
			       "  %llu record made here is not synced yet: counted here, not yet "
			       "on the server's dashboard.\n",
			       "  %llu records made here are not synced yet: counted here, not yet "
			       "on the server's dashboard.\n",
			       s.pending),
		       (unsigned long long)s.pending);
	return CLI_OK;
}
