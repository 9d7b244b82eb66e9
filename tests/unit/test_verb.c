/* client/verb.c: the write path the command line and the browser share. A
 * real store in a temporary directory; the hazard kind stands in for any
 * kind with a workflow (the code under test never names it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "person.h"
#include "sig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_harness.h"
#include "verb.h"

struct fx {
	char dir[64], path[128];
	struct store *st;
	struct store_config cfg;
	struct verb_ctx vc;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);

	snprintf(x->dir, sizeof x->dir, "/tmp/test_verb.XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->path, sizeof x->path, "%s/store.db", x->dir);
	x->cfg = (struct store_config){
		.server = "localhost:7443",
		.server_name = "localhost",
		.cert = "/c.pem",
		.key = "/k.pem",
		.ca = "/ca.pem",
		.district = "d1",
		.school = "s03",
		.campus = "main",
		.role = SAFECAMPUS__ROLE__ROLE_SCHOOL,
	};
	assert_int_equal(store_open(&x->st, x->path, true), 0);
	assert_int_equal(store_config_save(x->st, &x->cfg), 0);
	{
		/* a principal (district admin key) and a teacher who sign the steps */
		static const struct verb_actor principal = { .login = "p1",
							     .password = "secret-p1" };
		char key[160];
		EVP_PKEY *k = NULL;
		FILE *f;
		struct person p = { .login = "p1",
				    .display_name = "P One",
				    .school = "s03",
				    .role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL };
		struct person t = { .login = "t1",
				    .display_name = "T One",
				    .school = "s03",
				    .role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_HEAD_TEACHER };
		snprintf(key, sizeof key, "%s/admin.key", x->dir);
		assert_int_equal(sig_keygen(&k), 0);
		assert_non_null(f = fopen(key, "w"));
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
		EVP_PKEY_free(k);
		assert_int_equal(person_add(x->st, &p, "secret-p1",
					    &(struct person_actor){ .admin_key = key }),
				 0);
		assert_int_equal(person_add(x->st, &t, "secret-t1",
					    &(struct person_actor){ .login = "p1",
								    .password = "secret-p1" }),
				 0);
		unlink(key);
		x->vc = (struct verb_ctx){ .st = x->st, .cfg = &x->cfg, .actor = &principal };
	}
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	store_harness_remove(x->st, x->path);
	rmdir(x->dir);
	free(x);
	return 0;
}

static uint64_t pending(struct fx *x)
{
	struct store_outbox_stats s;

	assert_int_equal(store_outbox_stats(x->st, &s), 0);
	return s.pending;
}

static void report(struct fx *x, char id[37])
{
	const struct kind *k = kind_by_name("hazard");
	const struct verb_value vals[] = {
		{ "title", "灭火器过期" },
		{ "area", "fire" },
		{ "severity", "high" },
	};
	struct verb_result res;

	assert_int_equal(verb_apply(&x->vc, k, kind_verb(k, "report"), NULL, vals, 3, &res), 0);
	assert_int_equal(res.nerrors, 0);
	assert_int_equal(strlen(res.id), 36);
	memcpy(id, res.id, 37);
}

/* A new record from values: written with its outbox entry, defaults filled. */
static void test_add(void **state)
{
	struct fx *x = *state;
	char id[37], *found;
	Safecampus__Record *r = NULL;
	const struct kind *k = kind_by_name("hazard");

	report(x, id);
	assert_int_equal(pending(x), 1 + 2) /* + the two enrolments */;
	assert_int_equal(store_get(x->st, id, &r), 0);
	assert_string_equal(r->hazard->title, "灭火器过期");
	found = kind_field_get(kind_payload(r), kind_field(k, "found_date"));
	assert_int_equal(strlen(found), 10); /* KF_TODAY */
	free(found);
	safecampus__record__free_unpacked(r, NULL);
}

/* Every bad value comes back on its field, and nothing is written. */
static void test_field_errors(void **state)
{
	struct fx *x = *state;
	const struct kind *k = kind_by_name("hazard");
	const struct verb_value vals[] = {
		{ "title", "x" },
		{ "area", "no_such_area" },
		{ "severity", "high" },
		{ "found_date", "2026-02-30" },
	};
	struct verb_result res;
	int rc = verb_apply(&x->vc, k, NULL, NULL, vals, 4, &res);

	assert_int_equal(rc, SC_EINVALID);
	assert_true(res.bad_value);
	assert_int_equal(res.nerrors, 1); /* the date reads; the rules would refuse it later */
	assert_string_equal(res.err[0].field, "area");
	assert_int_equal(pending(x), 0 + 2);

	/* a value that reads but breaks a rule: the rule's field */
	{
		const struct verb_value v2[] = {
			{ "title", "x" },
			{ "area", "fire" },
			{ "severity", "high" },
			{ "found_date", "2026-02-30" },
		};
		rc = verb_apply(&x->vc, k, NULL, NULL, v2, 4, &res);
		assert_int_equal(rc, SC_EINVALID);
		assert_false(res.bad_value);
		assert_int_equal(res.nerrors, 1);
		assert_string_equal(res.err[0].field, "found_date");
		assert_non_null(strstr(res.err[0].msg, "not a real date"));
	}
	/* a required field left out */
	{
		const struct verb_value v3[] = { { "area", "fire" }, { "severity", "high" } };
		rc = verb_apply(&x->vc, k, NULL, NULL, v3, 2, &res);
		assert_int_equal(rc, SC_EINVALID);
		assert_string_equal(res.err[0].field, "title");
	}
	assert_int_equal(pending(x), 0 + 2);
}

/* A workflow step: refused when not legal now (with nothing written), taken
 * when it is; verb_legal agrees with the write. */
static void test_workflow(void **state)
{
	struct fx *x = *state;
	const struct kind *k = kind_by_name("hazard");
	const struct kind_verb *rectify = kind_verb(k, "rectify"), *assign = kind_verb(k, "assign");
	const struct verb_value who[] = { { "actor", "王校长" }, { "actor_role", "principal" } };
	const struct verb_value fix[] = { { "note", "换新" }, { "actor", "李老师" } };
	const struct verb_value as[] = {
		{ "owner", "李老师" },
		{ "deadline_date", "2026-12-31" },
		{ "actor", "王校长" },
		{ "actor_role", "principal" },
	};
	const struct verb_value as_teacher[] = {
		{ "owner", "李老师" },
		{ "deadline_date", "2026-12-31" },
		{ "actor", "李老师" },
		{ "actor_role", "head_teacher" },
	};
	struct verb_result res;
	Safecampus__Record *h = NULL;
	char id[37], why[256];
	uint64_t before;

	report(x, id);
	before = pending(x);
	assert_int_equal(store_get(x->st, id, &h), 0);
	assert_false(verb_legal(&x->vc, k, rectify, h, who, 2, why, sizeof why));
	assert_true(verb_legal(&x->vc, k, assign, h, who, 2, why, sizeof why));
	safecampus__record__free_unpacked(h, NULL);

	assert_int_equal(verb_apply(&x->vc, k, rectify, id, fix, 2, &res), SC_ETRANSITION);
	assert_true(res.err[0].check);
	assert_non_null(strstr(res.err[0].msg, "not allowed in state reported"));
	assert_int_equal(pending(x), before);

	/* a role acting beyond itself */
	{
		static const struct verb_actor teacher = { .login = "t1", .password = "secret-t1" };
		const struct verb_actor *keep = x->vc.actor;
		x->vc.actor = &teacher;
		assert_int_not_equal(verb_apply(&x->vc, k, assign, id, as_teacher, 4, &res), 0);
		x->vc.actor = keep;
	}
	assert_int_equal(pending(x), before);

	assert_int_equal(verb_apply(&x->vc, k, assign, id, as, 4, &res), 0);
	assert_int_equal(pending(x), before + 1);
	assert_non_null(strstr(res.done, "assigned"));

	assert_int_equal(store_get(x->st, id, &h), 0);
	assert_true(verb_legal(&x->vc, k, rectify, h, fix, 2, why, sizeof why));
	safecampus__record__free_unpacked(h, NULL);
	assert_int_equal(verb_apply(&x->vc, k, rectify, id, fix, 2, &res), 0);
	assert_int_equal(pending(x), before + 2);
}

/* Editing a record; an unknown id; the bureau-only kind refused to a school. */
static void test_edit_and_refusals(void **state)
{
	struct fx *x = *state;
	const struct verb_value t[] = { { "title", "灭火器已更换" } };
	const struct kind *notice = kind_by_name("notice");
	const struct verb_value n[] = { { "title", "x" } };
	struct verb_result res;
	Safecampus__Record *r = NULL;
	char id[37];

	report(x, id);
	assert_int_equal(verb_edit(&x->vc, id, t, 1, &res), 0);
	assert_int_equal(store_get(x->st, id, &r), 0);
	assert_string_equal(r->hazard->title, "灭火器已更换");
	safecampus__record__free_unpacked(r, NULL);

	assert_int_equal(verb_edit(&x->vc, "00000000-0000-4000-8000-000000000000", t, 1, &res),
			 SC_ENOTFOUND);
	assert_int_equal(verb_apply(&x->vc, notice, NULL, NULL, n, 1, &res), -EPERM);
	assert_non_null(strstr(res.err[0].msg, "only the bureau"));
}

/* What is offered follows the server's rules (verb_legal): a step the
 * workflow allows in this state is still not offered to a role that may not
 * sign it, to the bureau (schools write a hazard's steps), or to another
 * school; a school may write its kinds, the bureau only its own. */
static void test_offered_to_whom(void **state)
{
	struct fx *x = *state;
	const struct kind *k = kind_by_name("hazard");
	const struct kind_verb *verify = kind_verb(k, "verify"), *note = kind_verb(k, "note");
	const struct verb_value as[] = { { "owner", "李老师" }, { "deadline_date", "2030-12-31" } };
	const struct verb_value fix[] = { { "note", "换新" } };
	static const struct verb_actor principal = {
		.login = "p1",
		.password = "secret-p1",
		.role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_PRINCIPAL
	};
	static const struct verb_actor teacher = {
		.login = "t1", .role = SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_HEAD_TEACHER
	};
	struct store_config bureau = x->cfg, other = x->cfg;
	struct verb_ctx vc = x->vc;
	struct verb_result res;
	Safecampus__Record *h = NULL;
	char id[37], why[512];

	vc.actor = &principal;
	report(x, id);
	assert_int_equal(verb_apply(&vc, k, kind_verb(k, "assign"), id, as, 2, &res), 0);
	assert_int_equal(verb_apply(&vc, k, kind_verb(k, "rectify"), id, fix, 1, &res), 0);
	assert_int_equal(store_get(x->st, id, &h), 0);

	/* rectified by p1: t1 is not the rectifier, the workflow allows the
	 * verification, but it is signed by the leadership */
	vc.actor = &teacher;
	assert_false(verb_legal(&vc, k, verify, h, NULL, 0, why, sizeof why));
	assert_non_null(strstr(why, "head_teacher"));
	assert_true(verb_legal(&vc, k, note, h, NULL, 0, why, sizeof why));

	bureau.role = SAFECAMPUS__ROLE__ROLE_BUREAU;
	bureau.school = "";
	vc.cfg = &bureau;
	assert_false(verb_legal(&vc, k, note, h, NULL, 0, why, sizeof why));
	assert_non_null(strstr(why, "written by schools"));
	assert_false(verb_legal(&vc, k, kind_verb(k, "report"), NULL, NULL, 0, why, sizeof why));
	assert_false(verb_may_write(&bureau, k, NULL, why, sizeof why));
	assert_true(verb_may_write(&bureau, kind_by_name("notice"), NULL, why, sizeof why));

	other.school = "s04";
	vc.cfg = &other;
	assert_false(verb_legal(&vc, k, note, h, NULL, 0, why, sizeof why));
	assert_false(verb_may_write(&other, k, h, why, sizeof why));
	assert_true(verb_may_write(&x->cfg, k, h, why, sizeof why));
	assert_false(verb_may_write(&x->cfg, kind_by_name("notice"), NULL, why, sizeof why));
	safecampus__record__free_unpacked(h, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offered_to_whom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_and_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
