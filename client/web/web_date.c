/* Dates and times as the page's language writes them: a day in a list, a
 * record's page or a heading ("2026年9月9日" in Chinese), and a time.
 *
 * A date field read the page's way. <input type="date"> shows its value in
 * the browser's locale, not the page's: a Chinese page in a browser set to
 * English reads "12/06/2026". Beside each date input the chosen day is
 * therefore written out in the page's language ("2026年12月6日 星期日"): by
 * the server as the page is made, and by app.js as the date changes, from
 * the format and day names the span carries (no script of its own, nothing
 * fetched: the strict CSP holds). The value sent stays the input's own ISO
 * YYYY-MM-DD; the rules' message, if any, follows below as before. */
#include "web_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "i18n.h"

static const char *const weekday[7] = {
	NC_("weekday", "Sunday"),    NC_("weekday", "Monday"),   NC_("weekday", "Tuesday"),
	NC_("weekday", "Wednesday"), NC_("weekday", "Thursday"), NC_("weekday", "Friday"),
	NC_("weekday", "Saturday"),
};

/* The day in words, "" for anything but a real date. */
static void reading(const char *val, char *out, size_t n)
{
	int y, m, d;

	out[0] = '\0';
	if (!val || !date_valid(val) || date_parse(val, &y, &m, &d) != 0)
		return;
	/* TRANSLATORS: a date read out beside a date input: %1$d the year,
	 * %2$02d the month, %3$02d the day, %4$s the day of the week */
	snprintf(out, n, _("%4$s, %1$d-%2$02d-%3$02d"), y, m, d,
		 i18n_pgettext("weekday", weekday[date_weekday(y, m, d)]));
}

void web_date_reading(struct web_page *p, const char *input_id, const char *val)
{
	char text[128];

	reading(val, text, sizeof text);
	web_p(p, "<span class=\"date-read\" id=\"read-%s\" data-for=\"%s\" data-fmt=\"", input_id,
	      input_id);
	web_e(p, _("%4$s, %1$d-%2$02d-%3$02d"));
	web_p(p, "\" data-days=\"");
	for (int i = 0; i < 7; i++) {
		web_e(p, i18n_pgettext("weekday", weekday[i]));
		web_p(p, "%s", i < 6 ? ";" : "");
	}
	web_p(p, "\">");
	web_e(p, text);
	web_p(p, "</span>");
}

void web_date_cell(struct web_page *p, const char *iso)
{
	char text[64];

	if (!iso || !date_valid(iso)) {
		web_e(p, iso ? iso : "");
		return;
	}
	/* the attribute keeps the ISO day: the list's sort reads it */
	web_p(p, "<time datetime=\"%s\">", iso);
	web_e(p, date_words(iso, text, sizeof text));
	web_p(p, "</time>");
}

void web_fmt_time(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !localtime_r(&t, &tm)) {
		snprintf(out, n, "-");
		return;
	}
	/* TRANSLATORS: a time of day on a date: %1$d the year, %2$02d the
	 * month, %3$02d the day, %4$02d the hour, %5$02d the minute */
	snprintf(out, n, _("%1$d-%2$02d-%3$02d %4$02d:%5$02d"), tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min);
}

void web_time_cell(struct web_page *p, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char text[64];

	web_fmt_time(ms, text, sizeof text);
	if (ms <= 0 || !localtime_r(&t, &tm)) {
		web_e(p, text);
		return;
	}
	web_p(p, "<time datetime=\"%04d-%02d-%02dT%02d:%02d\">", tm.tm_year + 1900, tm.tm_mon + 1,
	      tm.tm_mday, tm.tm_hour, tm.tm_min);
	web_e(p, text);
	web_p(p, "</time>");
}

void web_e_dates(struct web_page *p, const char *text)
{
	size_t n = 2 * strlen(text ? text : "") + 64; /* a day in words is under twice its ISO */
	char *out = malloc(n);

	if (!out) {
		p->oom = true;
		return;
	}
	web_e(p, date_words_in(text, true, out, n));
	free(out);
}
