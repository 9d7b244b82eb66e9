/* Calendar arithmetic on day numbers (days since 1970-01-01), after Howard
 * Hinnant's civil_from_days / days_from_civil. */
#include "date.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

bool date_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_month_days(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return days[m - 1] + (m == 2 && date_leap(y));
}

bool date_valid(const char *s)
{
	int y, mo, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	mo = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || mo < 1 || mo > 12 || d < 1)
		return false;
	return d <= date_month_days(y, mo);
}

int date_parse(const char *s, int *y, int *m, int *d)
{
	if (!date_valid(s))
		return -EINVAL;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	return 0;
}

void date_format(int y, int m, int d, char out[11])
{
	/* the modulos tell the compiler the fields fit */
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long days_from_civil(int y, int m, int d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((long)yoe + era * 400 + (*m <= 2));
}

int date_diff(const char *a, const char *b, long *days)
{
	int ya, ma, da, yb, mb, db;

	if (date_parse(a, &ya, &ma, &da) || date_parse(b, &yb, &mb, &db))
		return -EINVAL;
	*days = days_from_civil(yb, mb, db) - days_from_civil(ya, ma, da);
	return 0;
}

int date_weekday(int y, int m, int d)
{
	long w = (days_from_civil(y, m, d) + 4) % 7; /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

int date_add(const char *day, int days, char out[11])
{
	int y, m, d;

	if (date_parse(day, &y, &m, &d))
		return -EINVAL;
	civil_from_days(days_from_civil(y, m, d) + days, &y, &m, &d);
	if (y < 1900 || y > 9999)
		return -EINVAL;
	date_format(y, m, d, out);
	return 0;
}

const char *date_words(const char *iso, char *out, size_t n)
{
	int y, m, d;

	if (!iso || !date_valid(iso) || date_parse(iso, &y, &m, &d) != 0) {
		snprintf(out, n, "%s", iso ? iso : "");
		return out;
	}
	/* TRANSLATORS: a day in a list, on a record's page or a dashboard: %1$d
	 * the year, %2$02d the month, %3$02d the day ("2026年9月9日") */
	snprintf(out, n, _("%1$d-%2$02d-%3$02d"), y, m, d);
	return out;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* How long the ISO day (10) or month (7) standing alone at s is, 0 if none:
 * no digit or '-' just before or after it, so a range "2026-09-01..." or a
 * number "12026-09" is left alone. */
static size_t iso_at(const char *text, const char *s, bool months)
{
	char day[11];
	size_t n;

	if ((s > text && ((s[-1] >= '0' && s[-1] <= '9') || s[-1] == '-')) || !digits(s, 4) ||
	    s[4] != '-' || !digits(s + 5, 2))
		return 0;
	n = s[7] == '-' && digits(s + 8, 2) ? 10 : 7;
	if ((s[n] >= '0' && s[n] <= '9') || s[n] == '-' || (n == 7 && !months))
		return 0;
	memcpy(day, s, 7);
	memcpy(day + 7, n == 10 ? s + 7 : "-01", 3);
	day[10] = '\0';
	return date_valid(day) ? n : 0;
}

const char *date_words_in(const char *text, bool months, char *out, size_t n)
{
	size_t at = 0;

	if (!n)
		return out;
	out[0] = '\0';
	for (const char *s = text ? text : ""; *s && at + 1 < n;) {
		size_t len = iso_at(text, s, months);
		char iso[11], words[64];
		if (!len) { /* one character, whole */
			size_t c = 1;
			while (((unsigned char)s[c] & 0xC0) == 0x80)
				c++;
			if (at + c >= n)
				break;
			memcpy(out + at, s, c);
			at += c;
			out[at] = '\0';
			s += c;
			continue;
		}
		memcpy(iso, s, len);
		iso[len] = '\0';
		if (len == 10) {
			date_words(iso, words, sizeof words);
		} else {
			/* TRANSLATORS: a month in a dashboard's or a page's words: %1$d the
			 * year, %2$02d the month ("2026年9月") */
			snprintf(words, sizeof words, _("%1$d-%2$02d"), atoi(iso), atoi(iso + 5));
		}
		{
			/* cut where a character starts, never inside one */
			size_t w = strlen(words), room = n - at - 1;
			if (w > room) {
				w = room;
				while (w && ((unsigned char)words[w] & 0xC0) == 0x80)
					w--;
			}
			memcpy(out + at, words, w);
			at += w;
			out[at] = '\0';
			if (w < strlen(words))
				break;
		}
		s += len;
	}
	return out;
}
