/* What falls due, per kind: the hooks of kind_ops.due and kind_ops.owed
 * (common/kind_due.c), and the school-day rule they share. */
#ifndef SC_KIND_DUE_H
#define SC_KIND_DUE_H

#include <stdbool.h>
#include <stddef.h>

#include "kind_ops.h"

/** Is day ("YYYY-MM-DD") a school day? The bureau's calendar records
 * (school ""): in a term, a weekday not in its holidays, or one of its
 * makeup days; with no calendar record, the default terms of
 * 010_fair_numbers.sql. 0, or a negative code from env. */
SC_WUR int kind_due_school_day(const struct kind_env *env, const char *day, bool *yes);

int kind_due_notice(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		    const char *week_end, char *out, size_t n);
int kind_due_hazard(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		    const char *week_end, char *out, size_t n);
int kind_due_equipment(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		       const char *week_end, char *out, size_t n);
int kind_due_bus(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		 const char *week_end, char *out, size_t n);
int kind_owed_drill(const struct kind_env *env, const char *today, kind_due_line_cb cb, void *arg);
int kind_owed_education(const struct kind_env *env, const char *today, kind_due_line_cb cb,
			void *arg);
int kind_owed_letter(const struct kind_env *env, const char *today, kind_due_line_cb cb, void *arg);

#endif
