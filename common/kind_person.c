/* People who sign (签名人员): the kind table entry of the enrolment record.
 * Accounts and keys are client/person.c; the record carries the public key
 * and is signed by whoever enrolled the person (docs/internals/people.md). */
#include <stdio.h>

#include "kind_ops.h"
#include "i18n.h"
#include "kinds.h"

/* An enrolment is made by `safecampus person add`, which signs it; a person
 * record typed with `add person` would carry no enroller's signature. */
static int person_check(const struct kind_env *env, const Safecampus__Record *r, char *why,
			size_t n)
{
	if (!r->signature || !r->signature->signer || !*r->signature->signer)
		return sc_refuse(SC_EINVALID, why, n,
				 _("people are enrolled with `safecampus person add`, which signs "
				   "the enrolment"));
	return 0;
}

static int person_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
			 struct kind_derived *d)
{
	snprintf(d->status, sizeof d->status, "%s", r->person->revoked_ms ? "revoked" : "active");
	return 0;
}

static const struct kind_field_ui person_fields[] = {
	{ "login", NC_("person", "Login"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "display_name", NC_("person", "Name"), NULL, NULL, "name", KF_NONE, NULL },
	{ "role", NC_("person", "Role"), NULL, NULL, NULL, KF_NONE, kind_enum_staff_role },
	{ "public_key", NC_("person", "Public key"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "enrolled_ms", NC_("person", "Enrolled"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "revoked_ms", NC_("person", "Revoked"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_person = {
	.kind = "person",
	.import_key = "login",
	.label = N_("Person"),
	.fields = person_fields,
	.nfields = sizeof person_fields / sizeof person_fields[0],
	.status_words = "active revoked",
	.status_help = N_("active, revoked"),
	.derive = person_derive,
	.check = person_check,
	.anyone_writes = true,
	.bureau_rows_reach_schools = true,
	.no_add_form = true,
	.web_page = "/people",
	.hex_fields = (const char *const[]){ "public_key", NULL },
};
