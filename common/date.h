/* Calendar dates "YYYY-MM-DD" (proleptic Gregorian, 1900..9999): the one
 * place that knows how long a month is. Used by the field rules and the
 * client; pure functions, no time zone (a date is a day, not an instant). */
#ifndef SC_DATE_H
#define SC_DATE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/** True if s is a real date "YYYY-MM-DD" from 1900-01-01 to 9999-12-31. */
bool date_valid(const char *s);
/** True for a leap year. */
bool date_leap(int y);
/** Days in month m (1..12) of year y; 0 for a bad month. */
int date_month_days(int y, int m);
/** Splits a valid date; -EINVAL if s is not one. */
SC_WUR int date_parse(const char *s, int *y, int *m, int *d);
/** Formats y-m-d into out (no check beyond 4/2/2 digits). */
void date_format(int y, int m, int d, char out[11]);
/** out = day + days; -EINVAL if day is not a date or the result leaves 1900..9999. */
SC_WUR int date_add(const char *day, int days, char out[11]);
/** *days = b - a, for two valid dates; -EINVAL otherwise. */
SC_WUR int date_diff(const char *a, const char *b, long *days);
/** Day of the week of y-m-d, 0 = Sunday. */
int date_weekday(int y, int m, int d);
/** A day as people of the current language (i18n) write it into out, which
 * is returned: "2026年9月9日", "2026-09-09" in English. Pages and printed
 * dashboards use it; the terminal's text and files for scripts keep ISO.
 * Anything but a real day is copied as it is (NULL as ""). */
const char *date_words(const char *iso, char *out, size_t n);
/** text with each ISO day ("2026-09-09") that stands alone (no digit or '-'
 * beside it) written as date_words writes it (2026年9月9日), and with months
 * each ISO month too ("2026-09": 2026年9月), into out, which is returned (cut
 * to n). For lines made for the terminal shown on a page, and the server's
 * own words (alert titles, a missing item's what). */
const char *date_words_in(const char *text, bool months, char *out, size_t n);

#endif
