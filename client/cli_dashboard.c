/* `safecampus dashboard`: the last dashboard the server sent, or a new one
 * with --refresh (a sync round that ends with a DashboardRequest), shown on
 * the terminal or written as HTML and CSV. Offline it shows the stored copy
 * with its age; a failed refresh falls back to it with a warning. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dashboard.h"
#include "render.h"
#include "sync.h"

#ifndef SC_VERSION
#define SC_VERSION "0.1.0"
#endif

enum { O_REFRESH, O_SCHOOL, O_SORT, O_HTML, O_CSV, O_MONTH, O_TIMEOUT, O_COUNT };

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* Writes the page to path through path.tmp and a rename; "-" is stdout. */
static int write_html(const struct render_ctx *r, const char *path)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if (strcmp(path, "-") == 0)
		return render_html(stdout, r);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	rc = render_html(f, r);
	if (fclose(f) != 0 && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, path) != 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/* Every key --sort takes, for the usage error. */
static void sort_keys(const Safecampus__Dashboard *d, char *out, size_t n)
{
	Safecampus__Indicator *const *v = d->indicators;
	size_t nv = d->n_indicators, at;

	for (size_t i = 0; i < d->n_schools && !nv; i++) {
		v = d->schools[i]->indicators;
		nv = d->schools[i]->n_indicators;
	}
	at = (size_t)snprintf(out, n, "score, name");
	for (size_t i = 0; i < nv && at < n; i++)
		at += (size_t)snprintf(out + at, n - at, ", %s", v[i]->key);
}

int cli_month_arg(const char *cmd, const char *month, const char *today)
{
	if (!dashboard_month_valid(month))
		return cli_usage(cmd, _("--month: \"%s\" is not a month YYYY-MM"), month);
	if (strncmp(month, today, 7) > 0)
		return cli_usage(cmd, _("--month: %s has not begun yet"), month);
	return 0;
}

int cmd_dashboard(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "dashboard [--refresh] [--school ID] [--sort KEY] [--html FILE] [--csv "
			 "DIR] "
			 "[--month YYYY-MM]",
		.summary = N_("Shows the safe-campus dashboard the district server computed: each "
			      "indicator with "
			      "its value,\ntarget and trend, the composite score with its weights, "
			      "the rank "
			      "among the district's\nschools, alerts and missing submissions; for "
			      "the bureau "
			      "every school side by side and\neach client's sync health. Records "
			      "made here "
			      "and not yet synced are shown next to what\nthey count for.\n\n"
			      "Without --refresh it shows the last dashboard stored here, with its "
			      "age: it "
			      "works offline.\nA `sync --watch` keeps it current. With --refresh "
			      "it syncs "
			      "and fetches a new one first;\nif the server cannot be reached it "
			      "shows the "
			      "stored one with a warning."),
		.epilog = N_("--html writes one self-contained page (charts in SVG, nothing "
			     "fetched; \"-\" "
			     "for stdout);\n--csv writes indicators.csv, schools.csv, alerts.csv, "
			     "trends.csv, "
			     "health.csv, missing.csv, rates.csv.\nColour only on a terminal, "
			     "never with "
			     "NO_COLOR set.\n\n"
			     "Exit status: 0 shown or written, 1 no dashboard to show (or a write "
			     "failed), 2 "
			     "usage error."),
	};
	struct cli_opt opts[O_COUNT] = {
		[O_REFRESH] = { .name = "refresh",
				.help = N_("sync now and fetch a new dashboard from the server") },
		[O_SCHOOL] = { .name = "school",
			       .metavar = "ID",
			       .help = N_("bureau: one school in full (drill-down)") },
		[O_SORT] = { .name = "sort",
			     .metavar = "KEY",
			     .help = N_("bureau: order of the school table: score (default), name, "
					"or an "
					"indicator key") },
		[O_HTML] = { .name = "html",
			     .metavar = "FILE",
			     .help = N_("write an HTML page with charts") },
		[O_CSV] = { .name = "csv",
			    .metavar = "DIR",
			    .help = N_("write the tables as CSV files into DIR") },
		[O_MONTH] = { .name = "month",
			      .metavar = "YYYY-MM",
			      .help = N_(
				      "the dashboard as of the end of that month (default: now)") },
		[O_TIMEOUT] = { .name = "timeout-ms",
				.metavar = "N",
				.help = N_("with --refresh: limit for connect and each request "
					   "(default 15000)") },
	};
	struct render_ctx r = { 0 };
	struct dashboard_local local = { 0 };
	struct sync_opts so = { 0 };
	struct sync_report rep = { 0 };
	Safecampus__Dashboard *d = NULL;
	char key[DASHBOARD_KEY_MAX], today[11], as_of[11], err[512], offline[300];
	const char *pos[1], *school = NULL, *month = NULL;
	size_t npos;
	bool bureau, refreshed = false, have_local = false;
	int64_t stored_ms = 0;
	int rc = cli_parse(c, argc, argv, opts, O_COUNT, &h, pos, 0, 0, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	cli_today(today);
	if (opts[O_MONTH].seen) {
		month = opts[O_MONTH].value;
		rc = cli_month_arg("dashboard", month, today);
		if (rc)
			return rc;
		if (strncmp(month, today, 7) == 0)
			month = NULL; /* the current month is the live dashboard */
	}
	if (opts[O_TIMEOUT].seen) {
		char *end;
		unsigned long v;
		errno = 0;
		v = strtoul(opts[O_TIMEOUT].value, &end, 10);
		if (errno || *end || !*opts[O_TIMEOUT].value || v > 3600000 ||
		    opts[O_TIMEOUT].value[0] == '-')
			return cli_usage(
				"dashboard",
				_("--timeout-ms: \"%s\" is not a number from 0 to 3600000"),
				opts[O_TIMEOUT].value);
		so.timeout_ms = (unsigned)v;
	}
	rc = cli_config(c);
	if (rc)
		return rc;
	bureau = c->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU;
	if (opts[O_SCHOOL].seen && *opts[O_SCHOOL].value) {
		school = opts[O_SCHOOL].value;
		if (!bureau) {
			if (strcmp(school, c->cfg.school) != 0)
				return cli_usage("dashboard",
						 _("--school: only the bureau sees another school "
						   "(this install is school %s)"),
						 c->cfg.school);
			school = NULL;
		}
	}
	dashboard_key(key, school, month);

	if (opts[O_REFRESH].seen) {
		if (month) {
			int y = (int)strtol(month, NULL, 10), m = (int)strtol(month + 5, NULL, 10);
			snprintf(as_of, sizeof as_of, "%.7s-%02d", month, days_in_month(y, m));
		}
		so.dashboard = true;
		so.dashboard_school = school;
		so.dashboard_as_of = month ? as_of : NULL;
		so.dashboard_key = key;
		rc = sync_run(c->st, &so, &rep);
		if (rc == 0 && rep.dashboards) {
			refreshed = true;
			if (rep.pushed || rep.rejected || rep.pulled)
				fprintf(stderr,
					_("synced: pushed %llu, rejected %llu, pulled %llu\n"),
					(unsigned long long)rep.pushed,
					(unsigned long long)rep.rejected,
					(unsigned long long)rep.pulled);
		} else {
			snprintf(offline, sizeof offline, "%s",
				 rep.error[0] ? rep.error
				 : rc         ? sc_strerror(rc)
					      : _("the server sent no dashboard"));
			r.offline = offline;
		}
	}

	rc = dashboard_load(c->st, key, &d, &stored_ms);
	if (rc == SC_ENOTFOUND && school) {
		/* no drill-down fetched: make one from the district dashboard */
		char dkey[DASHBOARD_KEY_MAX];
		Safecampus__Dashboard *dist = NULL;
		dashboard_key(dkey, NULL, month);
		rc = dashboard_load(c->st, dkey, &dist, &stored_ms);
		if (rc == 0) {
			rc = dashboard_derive_school(dist, school, &d);
			dashboard_free(dist);
			if (rc == SC_ENOTFOUND) {
				cli_err(_("school %s is not in the district dashboard stored here"),
					school);
				return CLI_FAIL;
			}
			r.derived = rc == 0;
		}
	}
	if (rc == SC_ENOTFOUND) {
		if (r.offline)
			cli_err(_("could not fetch the dashboard (%s), and none is stored here "
				  "yet"),
				r.offline);
		else if (month)
			cli_err(_("no dashboard for %s is stored here: run `safecampus dashboard "
				  "--refresh "
				  "--month %s`"),
				month, month);
		else
			cli_err(_("no dashboard is stored here yet: run `safecampus dashboard "
				  "--refresh` "
				  "(needs the server), or keep `safecampus sync --watch` running"));
		return CLI_FAIL;
	}
	if (rc) {
		rc = cli_store_fail(rc, _("cannot read the stored dashboard"));
		goto out;
	}
	if (r.offline) {
		char when[32];
		cli_fmt_time(d->computed_ms > 0 ? d->computed_ms : stored_ms, when, sizeof when);
		cli_err(_("warning: could not refresh the dashboard (%s); showing the one stored "
			  "here, "
			  "as of %s"),
			r.offline, when);
	}
	rc = dashboard_local_load(c->st, &local);
	if (rc)
		cli_err(_("warning: cannot read the outbox (%s); records not yet synced are not "
			  "shown"),
			store_last_error()[0] ? store_last_error() : sc_strerror(rc));
	else
		have_local = true;

	r.d = d;
	r.bureau = bureau;
	r.now_ms = cli_now_ms();
	r.stored_ms = stored_ms;
	r.fresh = refreshed;
	r.sort = opts[O_SORT].seen ? opts[O_SORT].value : NULL;
	r.month = month;
	r.local = have_local ? &local : NULL;
	r.generated_by = CLI_PROG " " SC_VERSION;
	if (r.sort) {
		size_t *order = malloc((d->n_schools + 1) * sizeof *order);
		if (!order) {
			rc = cli_store_fail(-ENOMEM, _("cannot sort"));
			goto out;
		}
		rc = dashboard_sort_schools(d, r.sort, order);
		free(order);
		if (rc) {
			sort_keys(d, err, sizeof err);
			rc = cli_usage("dashboard", _("--sort: \"%s\" is not one of %s"), r.sort,
				       err);
			goto out;
		}
	}
	if (opts[O_HTML].seen) {
		rc = write_html(&r, opts[O_HTML].value);
		if (rc) {
			cli_err(_("cannot write %s: %s"), opts[O_HTML].value, sc_strerror(rc));
			rc = CLI_FAIL;
			goto out;
		}
		if (strcmp(opts[O_HTML].value, "-") != 0)
			printf(_("wrote %s\n"), opts[O_HTML].value);
	}
	if (opts[O_CSV].seen) {
		rc = render_csv(opts[O_CSV].value, &r, err, sizeof err);
		if (rc) {
			cli_err("%s", err);
			rc = CLI_FAIL;
			goto out;
		}
		printf(_("wrote %s/{indicators,schools,alerts,trends,health,missing}.csv\n"),
		       opts[O_CSV].value);
	}
	if (!opts[O_HTML].seen && !opts[O_CSV].seen) {
		const char *nc = getenv("NO_COLOR");
		r.color = isatty(STDOUT_FILENO) && !nc;
		r.ascii = !cli_utf8_locale();
		rc = render_term(stdout, &r);
		if (rc) {
			cli_err(_("cannot show the dashboard: %s"), sc_strerror(rc));
			rc = CLI_FAIL;
			goto out;
		}
	}
	rc = CLI_OK;
out:
	dashboard_local_free(&local);
	dashboard_free(d);
	return rc;
}
