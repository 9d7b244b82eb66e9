/* Time for people: today, local times, ages, clock stamps in rejection details. */
#include "cli.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- time */

int64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_today(char out[11])
{
	cli_fmt_date(cli_now_ms(), out);
}

void cli_fmt_date(int64_t ms, char out[11])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

void cli_fmt_time(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	if (!localtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, n, "?");
}

void cli_fmt_age(int64_t ms, char *out, size_t n)
{
	int64_t s = ms / 1000;

	if (s < 0)
		s = 0;
	/* TRANSLATORS: durations, short: s seconds, m minutes, h hours, d days */
	if (s < 60)
		snprintf(out, n, _("%llds"), (long long)s);
	else if (s < 3600)
		snprintf(out, n, _("%lldm %llds"), (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, n, _("%lldh %lldm"), (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else
		snprintf(out, n, _("%lldd %lldh"), (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
}

const char *cli_detail(const char *detail, char *out, size_t n)
{
	const char *p = cli_s(detail), *h;
	size_t at = 0;

	out[0] = '\0';
	/* "hlc 1234567890123 is ..." -> "clock stamp 2026-03-01 08:00 (hlc ...) is ..." */
	while ((h = strstr(p, "hlc ")) != NULL && at + 1 < n) {
		const char *num = h + 4;
		char *end;
		unsigned long long v;
		size_t digits = strspn(num, "0123456789");
		if (digits < 10 ||
		    (h > cli_s(detail) && (h[-1] == '_' || (h[-1] >= 'a' && h[-1] <= 'z')))) {
			int w = snprintf(out + at, n - at, "%.*s", (int)(num - p), p);
			at = w < 0 || (size_t)w >= n - at ? n : at + (size_t)w;
			p = num;
			continue;
		}
		v = strtoull(num, &end, 10);
		{
			char when[32];
			time_t t = (time_t)(HLC_MS(v) / 1000);
			struct tm tm;
			if (!gmtime_r(&t, &tm) ||
			    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm) == 0)
				snprintf(when, sizeof when, "?");
			int w = snprintf(out + at, n - at, _("%1$.*2$sclock stamp %3$s"), p,
					 (int)(h - p), when);
			at = w < 0 || (size_t)w >= n - at ? n : at + (size_t)w;
		}
		p = end;
	}
	if (at + 1 < n)
		snprintf(out + at, n - at, "%s", p);
	return out;
}

const char *cli_reject_name(int reason)
{
	const char *n = kind_enum_name(&safecampus__reject_reason__descriptor, reason);

	if (i18n_zh()) {
		/* the server's reason code for people; its English detail follows as sent */
		switch (reason) {
		case SAFECAMPUS__REJECT_REASON__REJECT_UNKNOWN_KIND:
			return _("unknown kind");
		case SAFECAMPUS__REJECT_REASON__REJECT_FORBIDDEN:
			return _("not allowed");
		case SAFECAMPUS__REJECT_REASON__REJECT_INVALID:
			return _("invalid field");
		case SAFECAMPUS__REJECT_REASON__REJECT_ILLEGAL_TRANSITION:
			return _("step not allowed now");
		case SAFECAMPUS__REJECT_REASON__REJECT_NOT_FOUND:
			return _("record it belongs to not found");
		case SAFECAMPUS__REJECT_REASON__REJECT_IMMUTABLE:
			return _("cannot be changed");
		default:
			return _("unspecified");
		}
	}
	return n && reason ? n : "unspecified";
}

void cli_reject_hint(FILE *f, const char *indent, int reason, const char *id)
{
	switch (reason) {
	case SAFECAMPUS__REJECT_REASON__REJECT_ILLEGAL_TRANSITION:
		/* the usual cause: two campuses took the same step offline */
		fprintf(f,
			_("%1$sanother campus probably took this step first: `safecampus sync` "
			  "shows it; then drop this one with `safecampus outbox discard %2$.8s`\n"),
			indent, id);
		break;
	case SAFECAMPUS__REJECT_REASON__REJECT_INVALID:
		fprintf(f,
			_("%1$sfix it with `safecampus edit %2$.8s ...` and sync, or drop it with "
			  "`safecampus outbox discard %2$.8s`\n"),
			indent, id);
		break;
	case SAFECAMPUS__REJECT_REASON__REJECT_NOT_FOUND:
		fprintf(f,
			_("%1$sthe record it belongs to is not on the server: sync again; if it "
			  "stays, `safecampus outbox discard %2$.8s`\n"),
			indent, id);
		break;
	case SAFECAMPUS__REJECT_REASON__REJECT_UNKNOWN_KIND:
		fprintf(f,
			_("%1$sthe server does not know this kind yet (upgrade it), or `safecampus "
			  "outbox discard %2$.8s`\n"),
			indent, id);
		break;
	default: /* forbidden, immutable: sending it again cannot help */
		fprintf(f,
			_("%1$sit cannot be stored as it is: `safecampus outbox discard %2$.8s`\n"),
			indent, id);
		break;
	}
}
