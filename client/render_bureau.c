/* The bureau's anti-formalism flags (server/sql/014_flags.sql) in the
 * terminal and HTML dashboards: each flag with the records behind it, so
 * the bureau can open them (`safecampus show KIND ID`; in serve's page a
 * link to each record's page). Flags never block a
 * record; they say where a record looks made up rather than done. */
#include "render_bureau.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dashboard_text.h"
#include "date.h"
#include "i18n.h"

static const struct {
	const char *kind, *words;
} flag_kinds[] = {
	{ "burst", N_("entered in a burst for past dates") },
	{ "copied_minutes", N_("the same minutes copied") },
	{ "copied_evacuation", N_("the same evacuation time") },
	{ "holiday_session", N_("\"1530\" session on a holiday") },
	{ "feedback_before_drill", N_("feedback before the drill") },
};

#define FLAG_IDS_SHOWN 5

static const char *flag_words(const char *kind)
{
	for (size_t i = 0; i < sizeof flag_kinds / sizeof flag_kinds[0]; i++)
		if (!strcmp(kind, flag_kinds[i].kind))
			return _(flag_kinds[i].words);
	return kind;
}

void render_flags_term(FILE *f, const struct render_ctx *r)
{
	const Safecampus__Dashboard *d = r->d;
	char buf[512];

	if (!r->bureau)
		return;
	fprintf(f, "\n");
	fprintf(f, _("FORMALISM FLAGS (%zu)"), d->n_flags);
	fputc('\n', f);
	if (!d->n_flags) {
		fprintf(f, "  %s\n", _("none"));
		return;
	}
	for (size_t k = 0; k < d->n_flags; k++) {
		const Safecampus__Flag *fl = d->flags[k];
		char line[768];
		fputs("  ", f);
		cli_cell(f, render__school_label(r, fl->school), 30);
		fprintf(f, "  %s\n    ", fl->date);
		snprintf(line, sizeof line, "%s: %s", flag_words(fl->kind),
			 dashboard_title_text(fl->title, buf, sizeof buf));
		cli_wrap(f, line, 4, 78);
		/* one record id a line: 36 columns each */
		fprintf(f, "    %s\n", _("records:"));
		for (size_t i = 0; i < fl->n_record_ids && i < FLAG_IDS_SHOWN; i++)
			fprintf(f, "      %s\n", fl->record_ids[i]);
		if (fl->n_record_ids > FLAG_IDS_SHOWN) {
			fprintf(f, "     ");
			fprintf(f, _(" and %zu more"), fl->n_record_ids - FLAG_IDS_SHOWN);
			fputc('\n', f);
		}
	}
	fputs("  ", f);
	cli_wrap(f,
		 _("A flag never blocks a record; thresholds are the district's (safecampusd "
		   "flag_* settings)."),
		 2, 78);
}

void render_flags_html(struct html *h)
{
	const Safecampus__Dashboard *d = h->d;
	char buf[512], day[64];

	if (!h->r->bureau)
		return;
	html_out(h, "<section id=\"flags\">\n<h2>");
	html_out(h, _("Formalism flags (%zu)"), d->n_flags);
	html_raw(h, "</h2>\n");
	if (!d->n_flags) {
		html_out(h, "<p>%s</p>\n</section>\n", _("None."));
		return;
	}
	html_out(h, "<table>\n<caption>%s</caption>\n<thead><tr>",
		 _("Records that look made up rather than done; a flag never blocks a record"));
	html_out(h,
		 "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		 "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		 _("School"), _("Date"), _("What"), _("Records"));
	for (size_t k = 0; k < d->n_flags; k++) {
		const Safecampus__Flag *fl = d->flags[k];
		html_raw(h, "<tr><td>");
		html_esc(h, render__school_label(h->r, fl->school));
		html_raw(h, "</td><td>");
		html_esc(h, date_words(fl->date, day, sizeof day));
		html_raw(h, "</td><td>");
		html_esc(h, flag_words(fl->kind));
		html_raw(h, ": ");
		html_esc(h, dashboard_title_text(fl->title, buf, sizeof buf));
		html_raw(h, "</td><td class=\"detail\">");
		for (size_t i = 0; i < fl->n_record_ids; i++) {
			if (i)
				html_raw(h, " ");
			if (h->r->web) {
				/* serve's page of the record, named as its lists name it */
				char shrt[16];
				snprintf(shrt, sizeof shrt, "%.8s", fl->record_ids[i]);
				html_raw(h, "<a target=\"_top\" href=\"/r/");
				html_url_part(h, fl->record_ids[i]);
				html_raw(h, "\">");
				html_esc(h, shrt);
				html_raw(h, "</a>");
			} else {
				html_esc(h, fl->record_ids[i]);
			}
		}
		html_raw(h, "</td></tr>\n");
	}
	html_raw(h, "</tbody>\n</table>\n</section>\n");
}
