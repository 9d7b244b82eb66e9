/* Value and list checks the per-kind rules (common/rules.c) share: each
 * returns 0 or SC_EINVALID with a message in why that names the field as
 * "kind.field". */
#include "rules_int.h"

#include <stdio.h>
#include <string.h>

#include "date.h"
#include "i18n.h"
#include "uuid.h"

int rules_set(const char *s)
{
	return s && *s;
}

/* later >= earlier when both are set. */
int rules_date_order(const struct kind *k, const char *earlier_f, const char *earlier,
		     const char *later_f, const char *later, char *why, size_t whylen)
{
	if (rules_set(earlier) && rules_set(later) && strcmp(later, earlier) < 0)
		return rules_fail(why, whylen, _("%s.%s must not be before %s"), k->name, later_f,
				  earlier_f);
	return 0;
}

/* One ';'-separated list. `each` is called on every entry (copied, NUL-
 * terminated); entries may not be empty or repeat. */
#define LIST_ITEM_MAX 64

int rules_check_list(const struct kind *k, const char *field, const char *list,
		     int (*each)(const struct kind *k, const char *field, const char *item,
				 const void *ctx, char *why, size_t whylen),
		     const void *ctx, char *why, size_t whylen)
{
	char item[LIST_ITEM_MAX], q[64];
	const char *p = list;
	int rc;

	if (!rules_set(list))
		return 0;
	for (;;) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0)
			return rules_fail(why, whylen,
					  _("%s.%s: empty entry in a ';'-separated list"), k->name,
					  field);
		if (n >= sizeof item)
			return rules_fail(why, whylen, _("%s.%s: \"%s\" is too long for one entry"),
					  k->name, field, rules_quote(p, q, 24));
		memcpy(item, p, n);
		item[n] = '\0';
		/* repeated? compare with every earlier entry */
		for (const char *o = list; o < p;) {
			const char *oe = strchr(o, ';');
			if ((size_t)(oe - o) == n && memcmp(o, item, n) == 0)
				return rules_fail(why, whylen, _("%s.%s: \"%s\" is listed twice"),
						  k->name, field, rules_quote(item, q, sizeof q));
			o = oe + 1;
		}
		rc = each(k, field, item, ctx, why, whylen);
		if (rc < 0)
			return rc;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* An entry that must be one of a fixed set of lower-case words. */
int rules_item_word(const struct kind *k, const char *field, const char *item, const void *ctx,
		    char *why, size_t whylen)
{
	const char *const *words = ctx;
	char choices[200] = "", q[64];
	size_t at = 0;

	for (size_t i = 0; words[i]; i++) {
		if (strcmp(item, words[i]) == 0)
			return 0;
		at += (size_t)snprintf(choices + at, sizeof choices - at, "%s%s", i ? ", " : "",
				       words[i]);
		if (at >= sizeof choices)
			at = sizeof choices - 1;
	}
	return rules_fail(why, whylen, _("%s.%s: \"%s\" is not one of: %s"), k->name, field,
			  rules_quote(item, q, sizeof q), choices);
}

/* An entry that must be the short lower-case name of a value of an enum
 * (not UNSPECIFIED), exactly as kind_field_get writes it. */
int rules_item_enum(const struct kind *k, const char *field, const char *item, const void *ctx,
		    char *why, size_t whylen)
{
	const ProtobufCEnumDescriptor *e = ctx;
	char choices[400] = "", q[64];
	size_t at = 0;

	for (unsigned i = 0; i < e->n_values; i++) {
		const char *nm = kind_enum_name(e, e->values[i].value);
		if (e->values[i].value == 0 || !nm)
			continue;
		if (strcmp(item, nm) == 0)
			return 0;
		at += (size_t)snprintf(choices + at, sizeof choices - at, "%s%s", at ? ", " : "",
				       nm);
		if (at >= sizeof choices)
			at = sizeof choices - 1;
	}
	return rules_fail(why, whylen, _("%s.%s: \"%s\" is not one of: %s"), k->name, field,
			  rules_quote(item, q, sizeof q), choices);
}

/* A school id as certificates carry it: [A-Za-z0-9._-]{1,63}, not "bureau". */
int rules_item_school(const struct kind *k, const char *field, const char *item, const void *ctx,
		      char *why, size_t whylen)
{
	char q[64];
	size_t n = strlen(item);
	int ok = n >= 1 && n <= 63 && strcmp(item, "bureau") != 0;

	(void)ctx;
	for (size_t i = 0; ok && i < n; i++) {
		char c = item[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '.' || c == '_' || c == '-';
	}
	if (!ok)
		return rules_fail(why, whylen,
				  _("%s.%s: \"%s\" is not a school id ([A-Za-z0-9._-], "
				    "at most 63)"),
				  k->name, field, rules_quote(item, q, sizeof q));
	return 0;
}

int rules_item_date(const struct kind *k, const char *field, const char *item, const void *ctx,
		    char *why, size_t whylen)
{
	char q[64];

	(void)ctx;
	if (!date_valid(item))
		return rules_fail(why, whylen, _("%s.%s: \"%s\" is not a real date (YYYY-MM-DD)"),
				  k->name, field, rules_quote(item, q, sizeof q));
	return 0;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" with the end not before the start. */
int rules_item_date_or_range(const struct kind *k, const char *field, const char *item,
			     const void *ctx, char *why, size_t whylen)
{
	char a[11], b[11], q[64];
	const char *dots = strstr(item, "..");

	(void)ctx;
	if (!dots)
		return rules_item_date(k, field, item, ctx, why, whylen);
	if (dots - item != 10 || strlen(dots + 2) != 10)
		goto bad;
	memcpy(a, item, 10);
	a[10] = '\0';
	memcpy(b, dots + 2, 11);
	if (!date_valid(a) || !date_valid(b))
		goto bad;
	if (strcmp(b, a) < 0)
		return rules_fail(why, whylen, _("%s.%s: range \"%s\" ends before it starts"),
				  k->name, field, rules_quote(item, q, sizeof q));
	return 0;
bad:
	return rules_fail(why, whylen,
			  _("%s.%s: \"%s\" is not a date or a range "
			    "YYYY-MM-DD..YYYY-MM-DD"),
			  k->name, field, rules_quote(item, q, sizeof q));
}

/* A makeup day (a weekend day that is a school day) may not fall inside a
 * holiday entry of the same calendar. ctx is the holidays list, already
 * checked. */
int rules_item_makeup(const struct kind *k, const char *field, const char *item, const void *ctx,
		      char *why, size_t whylen)
{
	const char *h = ctx;
	int rc = rules_item_date(k, field, item, NULL, why, whylen);

	if (rc < 0 || !rules_set(h))
		return rc;
	for (const char *p = h; p;) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char from[11] = "", to[11] = "";

		if (n == 10) {
			memcpy(from, p, 10);
			memcpy(to, p, 10);
		} else if (n == 22) {
			memcpy(from, p, 10);
			memcpy(to, p + 12, 10);
		}
		if (from[0] && strcmp(item, from) >= 0 && strcmp(item, to) <= 0)
			return rules_fail(why, whylen, _("%s.%s: %s is also listed in holidays"),
					  k->name, field, item);
		p = end ? end + 1 : NULL;
	}
	return 0;
}
