/* Internal to the verb module (verb.c, verb_env.c, verb_values.c,
 * verb_may.c): what its files share. Not for use outside them; the module's
 * interface is verb.h. */
#ifndef SC_VERB_INT_H
#define SC_VERB_INT_H

#include <stdbool.h>
#include <string.h>

#include "verb.h"

static inline bool verb__is_bureau(const struct store_config *cfg)
{
	return cfg && cfg->role == SAFECAMPUS__ROLE__ROLE_BUREAU;
}

static inline const char *verb__s(const char *s)
{
	return s ? s : "";
}

static inline bool verb__ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

/* ---------------------------------------------------------------- errors (verb.c) */

/** A kind as a message names it: what a person types, or in Chinese its label. */
const char *verb__kname(const struct kind *k);
/** Adds an error about field ("" the record) to res; returns rc. */
int verb__fail(struct verb_result *res, int rc, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/** Runs v's skip hook on parent: > 0 nothing to do (msg says why), 0 go
 * on, < 0 from the store. */
int verb__run_skip(const struct verb_ctx *c, const struct kind_verb *v,
		   const Safecampus__Record *parent, char *msg, size_t n);

/* ---------------------------------------------------------------- values (verb_values.c) */

/** Sets field of m from text (a record id may be given by a prefix, an enum
 * value by its label); SC_EINVALID with res->err on a bad value. */
int verb__set_value(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
		    const char *field, const char *text, struct verb_result *res);
/** Every value of vals, each bad one reported; the first failure's code. */
int verb__set_values(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
		     const struct verb_value *vals, size_t n, struct verb_result *res);
/** The fields verb v fills in itself (kind_set), on parent (may be NULL). */
int verb__apply_sets(const struct verb_ctx *c, const struct kind *k, const struct kind_verb *v,
		     ProtobufCMessage *m, const Safecampus__Record *parent,
		     struct verb_result *res);
/** The fields naming who acts (KF_PERSON, KF_PERSON_ROLE): the signed-in
 * person's, whatever was given. */
int verb__person_fields(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
			struct verb_result *res);

/* ---------------------------------------------------------------- who may (verb_may.c) */

/** Does the bureau write what v writes on parent for parent's school? */
bool verb__for_school(const struct store_config *cfg, const struct kind *k,
		      const struct kind_verb *v, const Safecampus__Record *parent);
/** The refusal for a bureau install writing a school's record r it may not. */
void verb__bureau_refusal(const struct kind *k, const Safecampus__Record *r, char *why, size_t n);

#endif
