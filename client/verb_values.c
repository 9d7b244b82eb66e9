/* A record's values as a verb sets them: from the text people give (a
 * record id by its first characters, an enum value by its label), what the
 * verb fills in itself (kind_set: today, the parent's id, the signer's
 * name), the acting person's own fields, the kind's defaults. Errors name the
 * field they are about (verb.h). */
#include "verb_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "uuid.h"
#include "verb_sign.h"

/* Sets field of m from text; a record id may be given by a prefix. */
int verb__set_value(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
		    const char *field, const char *text, struct verb_result *res)
{
	const ProtobufCFieldDescriptor *f = kind_field(k, field);
	char err[512], id[37];
	size_t fl;
	const char *why = err;

	if (!f) {
		res->bad_value = true;
		return verb__fail(res, SC_EINVALID, field, _("%s: %s has no such field"), field,
				  k->name);
	}
	if (verb__ends_with(f->name, "_id") && f->type == PROTOBUF_C_TYPE_STRING && *text &&
	    !uuid_valid(text)) {
		int rc = store_resolve_id(c->st, text, id);
		if (rc == -ENOTUNIQ) {
			res->bad_value = true;
			return verb__fail(
				res, SC_EINVALID, field,
				_("%s: '%s' is the start of more than one record id: give more "
				  "of it"),
				field, text);
		}
		if (rc) {
			res->bad_value = true;
			return verb__fail(res, SC_EINVALID, field,
					  _("%s: no record with id '%s' here"), field, text);
		}
		text = id;
	}
	/* a person may type the value's label (全员培训) for its name */
	if (f->type == PROTOBUF_C_TYPE_ENUM && *text) {
		const char *name = kind_enum_from_label(k, f->name, text);
		if (name)
			text = name;
	}
	if (kind_field_set(m, f, text, err, sizeof err) == 0)
		return 0;
	/* kinds says "field: why" */
	fl = strlen(f->name);
	if (strncmp(err, f->name, fl) == 0 && err[fl] == ':' && err[fl + 1] == ' ')
		why = err + fl + 2;
	res->bad_value = true;
	return verb__fail(res, SC_EINVALID, field, _("%s: %s"), field, why);
}

int verb__set_values(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
		     const struct verb_value *vals, size_t n, struct verb_result *res)
{
	int rc = 0;

	/* every bad value is reported, not only the first: a form shows them all */
	for (size_t i = 0; i < n; i++) {
		int r = verb__set_value(c, k, m, vals[i].field, vals[i].value, res);
		if (r && !rc)
			rc = r;
	}
	return rc;
}

int verb_apply_defaults(const struct kind *k, ProtobufCMessage *m)
{
	char buf[32], err[128];

	for (size_t i = 0; k->ops && i < k->ops->nfields; i++) {
		const struct kind_field_ui *ui = &k->ops->fields[i];
		const ProtobufCFieldDescriptor *f;
		char *cur;
		if (ui->dflt != KF_TODAY && ui->dflt != KF_NOW_MS)
			continue;
		f = kind_field(k, ui->field);
		if (!f)
			continue;
		cur = kind_field_get(m, f);
		if (!cur)
			return -ENOMEM;
		if (*cur) {
			free(cur);
			continue;
		}
		free(cur);
		if (ui->dflt == KF_TODAY)
			verb_today(buf);
		else
			snprintf(buf, sizeof buf, "%lld", (long long)verb_now_ms());
		if (kind_field_set(m, f, buf, err, sizeof err) != 0)
			return SC_EINVALID;
	}
	return 0;
}

/* The fields verb v fills in itself. */
int verb__apply_sets(const struct verb_ctx *c, const struct kind *k, const struct kind_verb *v,
		     ProtobufCMessage *m, const Safecampus__Record *parent, struct verb_result *res)
{
	for (const struct kind_set *s = v->sets; s && s->field; s++) {
		char buf[160];
		const char *text = buf;
		if (s->if_empty) {
			char *cur = kind_field_get(m, kind_field(k, s->field));
			bool empty = cur && !*cur;
			free(cur);
			if (!empty)
				continue;
		}
		switch (s->fill) {
		case KF_TODAY:
			verb_today(buf);
			break;
		case KF_NOW_MS:
			snprintf(buf, sizeof buf, "%lld", (long long)verb_now_ms());
			break;
		case KF_TEXT:
			text = s->text;
			break;
		case KF_PARENT_ID:
			text = parent ? parent->id : "";
			break;
		case KF_PARENT_HLC:
			snprintf(buf, sizeof buf, "%llu",
				 parent ? (unsigned long long)parent->hlc : 0ULL);
			break;
		case KF_ACTOR:
			if (c->actor && c->actor->name) {
				snprintf(buf, sizeof buf, "%s", c->actor->name);
				break;
			}
			/* written into the record: the bureau reads it, so Chinese when Chinese */
			snprintf(buf, sizeof buf, _("safety office, campus %s"),
				 verb__s(c->cfg->campus));
			break;
		case KF_SIGNER_NAME:
		case KF_SIGNER_ROLE: {
			char why[256];
			/* no person named: leave what was given (verb_legal's
			 * placeholders); verb_sign refuses to write it unsigned */
			if (!c->actor)
				continue;
			int rc = verb_signer_value(c->st, c->actor, s->fill, buf, sizeof buf, why,
						   sizeof why);
			if (rc)
				return verb__fail(res, rc, "", "refused: %s", why);
			break;
		}
		default:
			continue;
		}
		if (verb__set_value(c, k, m, s->field, text, res))
			return SC_EINVALID;
	}
	return 0;
}

/* A signed-in person acts as themselves: the fields that name who acts
 * (KF_PERSON, KF_PERSON_ROLE) are theirs, whatever the form said. */
int verb__person_fields(const struct verb_ctx *c, const struct kind *k, ProtobufCMessage *m,
			struct verb_result *res)
{
	for (size_t i = 0; c->actor && c->actor->name && k->ops && i < k->ops->nfields; i++) {
		const struct kind_field_ui *ui = &k->ops->fields[i];
		char buf[32];
		const char *text = NULL;
		if (ui->dflt == KF_PERSON)
			text = c->actor->name;
		else if (ui->dflt == KF_PERSON_ROLE && c->actor->role) {
			const ProtobufCFieldDescriptor *f = kind_field(k, ui->field);
			const char *name = f && f->type == PROTOBUF_C_TYPE_ENUM
						   ? kind_enum_name(f->descriptor, c->actor->role)
						   : NULL;
			snprintf(buf, sizeof buf, "%s", name ? name : "");
			text = name ? buf : NULL;
		}
		if (text && verb__set_value(c, k, m, ui->field, text, res))
			return SC_EINVALID;
	}
	return 0;
}

Safecampus__Record *verb_record_new(const struct kind *k, ProtobufCMessage *m)
{
	Safecampus__Record *r = malloc(sizeof *r);
	char id[UUID_STR_LEN + 1];

	if (!r) {
		kind_payload_free(m);
		return NULL;
	}
	safecampus__record__init(r);
	if (uuid_new(id) != 0 || !(r->id = strdup(id))) {
		free(r);
		kind_payload_free(m);
		return NULL;
	}
	kind_record_set_payload(r, k, m);
	return r;
}
