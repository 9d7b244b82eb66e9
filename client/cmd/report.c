/* report annual [--year YYYY] [--html FILE] [--text]: the year's safe-campus
 * work summary drafted from the store (client/report.h). At the bureau it is
 * the district's, with the figures of every school. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "report.h"

int cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "report annual [--year YYYY] [--html FILE] [--text]",
		.summary =
			N_("Drafts the year's safe-campus work summary (平安校园工作总结) from the "
			   "records in the store,\nin the sections such reports have: school "
			   "profile, organisation and responsibility,\nsafety education, drills, "
			   "inspections and rectification, partner linkage, gate and\ntransport "
			   "safety, known risks. Every figure is computed from the records of the "
			   "year\nand names the records behind it: as footnotes with their ids in "
			   "text, as links to\ntheir pages (BASE/r/ID) in HTML. At the bureau: the "
			   "district's, with the figures of\nevery school."),
		.epilog = N_("The draft is what the records say; edit it before printing on the "
			     "page /report of\n`safecampus serve`, which keeps the edits. --year "
			     "defaults to this year."),
	};
	struct cli_opt opts[] = {
		{ .name = "year",
		  .metavar = "YYYY",
		  .help = N_("the calendar year (default: this year)") },
		{ .name = "html",
		  .metavar = "FILE",
		  .help = N_("write a standalone HTML document to FILE "
			     "('-': standard output)") },
		{ .name = "text", .help = N_("write plain text to standard output (the default)") },
		{ .name = "base",
		  .metavar = "URL",
		  .help = N_("where the record pages are, for the "
			     "HTML links (default: "
			     "http://127.0.0.1:8370)") },
	};
	const char *pos[1];
	size_t npos, nschools = 0;
	struct kind_env env;
	struct report *r = NULL, **schools = NULL;
	char today[11], who[160];
	const char *html;
	int year, rc = cli_parse(c, argc, argv, opts, 4, &h, pos, 1, 1, &npos);
	FILE *f = NULL;

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	if (strcmp(pos[0], "annual") != 0)
		return cli_usage("report", _("unknown report '%s' (there is: annual)"), pos[0]);
	cli_today(today);
	today[4] = '\0';
	if (report_parse_year(opts[0].seen ? opts[0].value : today, &year) != 0)
		return cli_usage("report", _("--year: \"%s\" is not a year from 2000 to 2100"),
				 opts[0].value);
	rc = cli_config(c);
	if (rc)
		return rc;
	cli_env(c, &env);
	rc = cli_is_bureau(c) ? report_build_district(&env, year, &r, &schools, &nschools)
			      : report_build(&env, year, c->cfg.school, &r);
	if (rc)
		return cli_store_fail(rc, _("cannot compute the report"));
	if (cli_is_bureau(c))
		snprintf(who, sizeof who, _("District %s"), cli_s(c->cfg.district));
	else
		snprintf(who, sizeof who, _("School %s"), cli_s(c->cfg.school));
	html = opts[1].seen ? opts[1].value : NULL;
	if (html) {
		bool out = strcmp(html, "-") == 0;
		f = out ? stdout : fopen(html, "w");
		if (!f) {
			cli_err(_("cannot write %s: %s"), html, strerror(errno));
			rc = CLI_FAIL;
			goto out;
		}
		report_write_html(f, r, schools, nschools, who,
				  opts[3].seen ? opts[3].value : "http://127.0.0.1:8370");
		bool werr = fflush(f) != 0 || ferror(f);
		if (!out && fclose(f) != 0)
			werr = true;
		if (werr) {
			cli_err(_("cannot write %s: %s"), html, strerror(errno));
			rc = CLI_FAIL;
		}
		if (!out && rc == 0)
			fprintf(stderr, _("report written to %s\n"), html);
	}
	if (!html || opts[2].seen) {
		report_write_text(stdout, r, who);
		if (nschools)
			report_write_schools_text(stdout, r, schools, nschools);
	}
out:
	report_free(r);
	report_free_many(schools, nschools);
	return rc;
}
