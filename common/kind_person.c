/* People who sign (签名人员): the kind table entry of the enrolment record.
 * Accounts and keys are client/person.c; the record carries the public key
 * and is signed by whoever enrolled the person (docs/internals/people.md). */
#include <stdio.h>

#include "kind_ops.h"
#include "kinds.h"

/* An enrolment is made by `safecampus person add`, which signs it; a person
 * record typed with `add person` would carry no enroller's signature. */
static int person_check(const struct kind_env *env, const Safecampus__Record *r, char *why,
			size_t n)
{
	if (!r->signature || !r->signature->signer || !*r->signature->signer)
		return sc_refuse(SC_EINVALID, why, n,
				 "people are enrolled with `safecampus person add`, which signs "
				 "the enrolment");
	return 0;
}

static int person_derive(const struct kind_env *env, const Safecampus__Record *r,
			 const char *today, struct kind_derived *d)
{
	snprintf(d->status, sizeof d->status, "%s", r->person->revoked_ms ? "revoked" : "active");
	return 0;
}

static const struct kind_field_ui person_fields[] = {
	{"login", "Login", "登录名", NULL, NULL, NULL, KF_NONE, NULL},
	{"display_name", "Name", "姓名", NULL, NULL, "name", KF_NONE, NULL},
	{"role", "Role", "职务", NULL, NULL, NULL, KF_NONE, NULL},
	{"public_key", "Public key", "公钥", NULL, NULL, NULL, KF_NONE, NULL},
	{"enrolled_ms", "Enrolled", "登记时间", NULL, NULL, NULL, KF_NONE, NULL},
	{"revoked_ms", "Revoked", "注销时间", NULL, NULL, NULL, KF_NONE, NULL},
};

const struct kind_ops kind_ops_person = {
	.kind = "person",
	.label = "Person",
	.label_zh = "签名人员",
	.fields = person_fields,
	.nfields = sizeof person_fields / sizeof person_fields[0],
	.status_words = "active revoked",
	.status_help = "active, revoked",
	.derive = person_derive,
	.check = person_check,
};
