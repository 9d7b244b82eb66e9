/* Internal to the rules module (common/rules.c, common/rules_list.c): the
 * helpers the per-kind rules share. Each check returns 0 or SC_EINVALID with a
 * message in why (whylen bytes) that names the field as "kind.field". The
 * generic rules run first, so a non-empty *_date is a real date and dates
 * compare as strings. Not for use outside common/rules*.c. */
#ifndef SC_RULES_INT_H
#define SC_RULES_INT_H

#include <stddef.h>

#include "kinds.h"

/* why <- the formatted refusal (translated by the caller's _()); SC_EINVALID */
int rules_fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* s cut to tmplen bytes at a character boundary, control characters as '?';
 * returns tmp. s must be valid UTF-8. */
const char *rules_quote(const char *s, char *tmp, size_t tmplen);
/* s is non-NULL and non-empty */
int rules_set(const char *s);

int rules_date_order(const struct kind *k, const char *earlier_f, const char *earlier,
		     const char *later_f, const char *later, char *why, size_t whylen);
/* one ';'-separated list: no empty or repeated entry, each passed to `each`
 * (copied and NUL-terminated, at most 63 bytes) with ctx */
int rules_check_list(const struct kind *k, const char *field, const char *list,
		     int (*each)(const struct kind *k, const char *field, const char *item,
				 const void *ctx, char *why, size_t whylen),
		     const void *ctx, char *why, size_t whylen);
/* `each` callbacks: ctx is a NULL-terminated word list (item_word), the enum
 * descriptor (item_enum), unused (item_school: a school id; item_date: a date;
 * item_date_or_range: a date or FROM..TO), the holidays list (item_makeup) */
int rules_item_word(const struct kind *k, const char *field, const char *item, const void *ctx,
		    char *why, size_t whylen);
int rules_item_enum(const struct kind *k, const char *field, const char *item, const void *ctx,
		    char *why, size_t whylen);
int rules_item_school(const struct kind *k, const char *field, const char *item, const void *ctx,
		      char *why, size_t whylen);
int rules_item_date(const struct kind *k, const char *field, const char *item, const void *ctx,
		    char *why, size_t whylen);
int rules_item_date_or_range(const struct kind *k, const char *field, const char *item,
			     const void *ctx, char *why, size_t whylen);
int rules_item_makeup(const struct kind *k, const char *field, const char *item, const void *ctx,
		      char *why, size_t whylen);

#endif
