/* What the dashboard renderers share: the reference time and month, school
 * names as this identity may see them, indicator keys in words (render.h). */
#include "render.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dashboard_text.h"
#include "i18n.h"

int64_t render__ref_ms(const struct render_ctx *r)
{
	return r->d->computed_ms > 0 ? r->d->computed_ms : r->now_ms;
}

void render__as_of(const struct render_ctx *r, char *out, size_t n)
{
	int64_t at = r->d->computed_ms > 0 ? r->d->computed_ms : r->stored_ms;
	char when[32], age[32];

	if (at <= 0) {
		snprintf(out, n, _("as of %s"),
			 r->d->as_of_date && *r->d->as_of_date ? r->d->as_of_date
							       : _("an unknown time"));
		return;
	}
	cli_fmt_time(at, when, sizeof when);
	if (r->now_ms - at < 60000)
		snprintf(out, n, _("as of %s (just now)"), when);
	else {
		cli_fmt_age(r->now_ms - at, age, sizeof age);
		snprintf(out, n, _("as of %s (%s ago)"), when, age);
	}
}

const char *render__month(const struct render_ctx *r, char out[8])
{
	out[0] = '\0';
	if (r->month && dashboard_month_valid(r->month))
		snprintf(out, 8, "%.7s", r->month);
	else if (r->d->as_of_date && strlen(r->d->as_of_date) >= 7)
		snprintf(out, 8, "%.7s", r->d->as_of_date);
	return out;
}

bool render__row_is_self(const struct render_ctx *r, const Safecampus__SchoolScore *s)
{
	return s->is_self ||
	       (r->d->scope && *r->d->scope && s->school && strcmp(s->school, r->d->scope) == 0);
}

const char *render__school_name(const struct render_ctx *r, const Safecampus__SchoolScore *s,
				char *buf, size_t n)
{
	if (r->bureau || render__row_is_self(r, s)) {
		if (s->label && *s->label)
			return s->label;
		if (render__row_is_self(r, s) && r->d->scope_label && *r->d->scope_label)
			return r->d->scope_label;
		return s->school && *s->school ? s->school : "?";
	}
	/* another school in a school's view: anonymous even if the row is not */
	if ((!s->school || !*s->school) && s->label && *s->label) {
		/* the server's anonymous label is English, "School N" (PROTOCOL.md,
		 * SchoolScore): the same number, in the reader's language */
		unsigned k;
		char end;
		if (sscanf(s->label, "School %u%c", &k, &end) == 1) {
			snprintf(buf, n, _("School %u"), k);
			return buf;
		}
		return s->label;
	}
	snprintf(buf, n, _("School %u"), s->rank);
	return buf;
}

const char *render__school_label(const struct render_ctx *r, const char *school)
{
	if (!school || !*school)
		return "";
	for (size_t i = 0; i < r->d->n_schools; i++) {
		const Safecampus__SchoolScore *s = r->d->schools[i];
		if (s->school && strcmp(s->school, school) == 0 && s->label && *s->label)
			return s->label;
	}
	if (r->d->scope && strcmp(r->d->scope, school) == 0 && r->d->scope_label &&
	    *r->d->scope_label)
		return r->d->scope_label;
	return school;
}

void render__alert_kind(const char *kind, char *out, size_t n)
{
	if (!dashboard_alert_words(kind, out, n))
		render__words(kind, out, n);
}

void render__words(const char *key, char *out, size_t n)
{
	size_t i = 0;

	for (; key && key[i] && i + 1 < n; i++)
		out[i] = key[i] == '_' ? ' ' : key[i];
	if (n)
		out[i < n ? i : n - 1] = '\0';
}
