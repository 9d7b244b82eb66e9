/* The kind behaviour table (common/kind_ops.h): every entry is registered
 * and names only fields and kinds that exist; derive, check, client_writes
 * and alarm behave on records served by an in-memory kind_env. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kind_ops.h"
#include "kinds.h"
#include "mem_env.h"
#include "msg.h"

#define H1 "0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b"
#define N1 "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1f"

/* ---------------------------------------------------------------- the table */

static bool field_ok(const struct kind *k, const char *f)
{
	return k && f && kind_field(k, f) != NULL;
}

/* The Chinese of a label comes from the catalogue (po/zh_CN/kinds.po), built
 * into build/locale: a translation exists when it differs from the msgid and
 * is not plain ASCII. */
static bool has_zh(const char *ctx, const char *msgid)
{
	const char *t = i18n_pgettext_in("zh", ctx, msgid);

	if (t == msgid || strcmp(t, msgid) == 0)
		return false;
	for (; *t; t++)
		if ((unsigned char)*t >= 0x80)
			return true;
	return false;
}

static void test_every_entry_registered_and_consistent(void **state)
{
	size_t with_ops = 0;

	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		const struct kind_ops *o = k->ops;
		if (!o)
			continue;
		with_ops++;
		assert_string_equal(o->kind, k->name);
		assert_non_null(o->label);
		assert_true(has_zh(NULL, o->label));
		for (size_t j = 0; j < o->nfields; j++) {
			assert_true(field_ok(k, o->fields[j].field));
			/* an alias is not another field's name, nor used twice */
			/* enum labels name values of the field's enum */
			for (const struct kind_enum_label *l = o->fields[j].values; l && l->name;
			     l++) {
				const ProtobufCFieldDescriptor *f =
					kind_field(k, o->fields[j].field);
				int v;
				/* or the words of a ';'-separated list in a string */
				if (f->type == PROTOBUF_C_TYPE_STRING)
					assert_null(strpbrk(l->name, "; "));
				else {
					assert_int_equal(f->type, PROTOBUF_C_TYPE_ENUM);
					assert_int_equal(
						kind_enum_parse(f->descriptor, l->name, &v), 0);
				}
				assert_non_null(l->label);
				assert_true(has_zh(NULL, l->label));
			}
			if (o->fields[j].alias) {
				assert_null(kind_field(k, o->fields[j].alias));
				assert_string_equal(kind_alias_field(k, o->fields[j].alias),
						    o->fields[j].field);
			}
		}
		assert_true(!o->derive || (o->status_words && *o->status_words));
		for (size_t j = 0; j < o->ncols; j++) {
			const struct kind_col *c = &o->cols[j];
			assert_non_null(c->head);
			if (c->field && c->field[0] != '@')
				assert_true(field_ok(k, c->field));
			else if (!c->field)
				assert_true(c->cell >= 1 && c->cell <= KIND_CELLS);
		}
		if (o->event_kind)
			assert_non_null(kind_by_name(o->event_kind));
		/* a reference names a kind with versions, by fields that exist */
		for (size_t j = 0; j < o->nrefs; j++) {
			const struct kind_ref *ref = &o->refs[j];
			const struct kind *rk = kind_by_name(ref->kind);
			assert_non_null(rk);
			assert_non_null(rk->ops->in_force_field);
			assert_non_null(rk->ops->previous_field);
			assert_true(field_ok(k, ref->field));
			assert_true(field_ok(k, ref->on_field));
			if (ref->match_field)
				assert_true(field_ok(rk, ref->match_field));
		}
		/* a field holding another kind's names is a single text field */
		for (const struct kind_name_ref *nr = o->name_refs; nr && nr->field; nr++) {
			const ProtobufCFieldDescriptor *f = kind_field(k, nr->field);
			assert_non_null(kind_by_name(nr->kind));
			assert_non_null(f);
			assert_int_equal(f->type, PROTOBUF_C_TYPE_STRING);
			assert_int_not_equal(f->label, PROTOBUF_C_LABEL_REPEATED);
		}
		for (size_t j = 0; j < o->nverbs; j++) {
			const struct kind_verb *v = &o->verbs[j];
			const struct kind *vk = v->kind ? kind_by_name(v->kind) : k;
			assert_non_null(vk);
			assert_non_null(v->usage);
			assert_non_null(v->summary);
			/* the usage starts with the group and the verb */
			assert_int_equal(strncmp(v->usage, k->name, strlen(k->name)), 0);
			assert_non_null(strstr(v->usage, v->name));
			for (size_t f = 0; v->required && v->required[f]; f++)
				assert_true(field_ok(vk, v->required[f]));
			for (size_t f = 0; v->optional && v->optional[f]; f++)
				assert_true(field_ok(vk, v->optional[f]));
			for (const struct kind_set *s = v->sets; s && s->field; s++)
				assert_true(field_ok(vk, s->field));
			if (v->lookup) {
				assert_true(field_ok(k, v->lookup_field));
				assert_non_null(vk->parent_field);
			}
			assert_ptr_equal(kind_verb(k, v->name), v);
		}
	}
	assert_int_equal(with_ops, kind_count());
	assert_string_equal(kind_enum_label(kind_by_name("hazard"), "area", "fire", true),
			    "消防安全");
	assert_string_equal(kind_enum_label(kind_by_name("hazard"), "area", "fire", false),
			    "Fire safety");
	assert_string_equal(kind_enum_label(kind_by_name("hazard"), "title", "x", false), "x");
	/* a person may type the label, in either language, for the value */
	assert_string_equal(kind_enum_from_label(kind_by_name("meeting"), "type", "全员培训"),
			    "all_staff_training");
	assert_string_equal(
		kind_enum_from_label(kind_by_name("meeting"), "type", "All-staff safety training"),
		"all_staff_training");
	assert_null(kind_enum_from_label(kind_by_name("meeting"), "type", "all_staff_training"));
	/* the same English word is another Chinese one in another kind (msgctxt) */
	assert_string_equal(i18n_pgettext_in("zh", "hazard", "Title"), "隐患名称");
	assert_string_equal(i18n_pgettext_in("zh", "notice", "Title"), "标题");
	assert_null(kind_verb(kind_by_name("meeting"), "assign"));
}

/* Every value of an enum field has words for people: a list, a record's page
 * and a form show them, never the key ("principal", "all_staff_training";
 * issue 12: a person's role was listed as its key). */
static void enum_values_labelled(const struct kind *k, const ProtobufCFieldDescriptor *f)
{
	const ProtobufCEnumDescriptor *e = f->descriptor;

	for (unsigned v = 0; v < e->n_values; v++) {
		const char *name = kind_enum_name(e, e->values[v].value);
		const char *zh;
		if (!e->values[v].value || !name)
			continue; /* unspecified: shown empty */
		zh = kind_enum_label(k, f->name, name, true);
		if (zh == name || strcmp(zh, name) == 0)
			fail_msg("%s.%s: the value %s has no label", k->name, f->name, name);
		if (!has_zh(NULL, kind_enum_label(k, f->name, name, false)))
			fail_msg("%s.%s: the value %s has no Chinese", k->name, f->name, name);
	}
}

/* Forms need words for every kind and every field, in both languages. */
static void test_every_field_has_a_label(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		assert_non_null(k->ops);
		assert_non_null(k->ops->label);
		assert_true(has_zh(NULL, k->ops->label));
		for (unsigned j = 0; j < k->desc->n_fields; j++) {
			const struct kind_field_ui *ui = kind_field_ui(k, k->desc->fields[j].name);
			if (!ui)
				fail_msg("%s.%s has no label", k->name, k->desc->fields[j].name);
			assert_non_null(ui->label);
			if (!has_zh(k->name, ui->label))
				fail_msg("%s.%s: \"%s\" has no Chinese", k->name, ui->field,
					 ui->label);
			if (k->desc->fields[j].type == PROTOBUF_C_TYPE_ENUM)
				enum_values_labelled(k, &k->desc->fields[j]);
		}
	}
}

static void test_status_has(void **state)
{
	(void)state;
	assert_true(kind_status_has("acked! open overdue", "acked"));
	assert_true(kind_status_has("acked! open overdue", "overdue"));
	assert_false(kind_status_has("acked! open overdue", "ack"));
	assert_false(kind_status_has("", "open"));
}

/* ---------------------------------------------------------------- behaviour */

static void test_hazard_derive_and_check(void **state)
{
	struct mem x = { 0 };
	struct kind_env env = env_of(&x, false);
	struct kind_derived d;
	char why[256];
	Safecampus__Record *h = make("hazard", H1, "title=Loose rail|area=building|severity=low");
	Safecampus__Record *ev;

	(void)state;
	mem_add(&x, h, 100, 1, KIND_SYNCED);
	assert_int_equal(kind_derive(&env, h, env.today, &d), 0);
	assert_string_equal(d.status, "reported open");
	/* a local assign with a passed deadline: assigned, overdue */
	mem_add(&x,
		make("hazard_event", "11111111-1111-4111-8111-111111111111",
		     "hazard_id=" H1 "|action=assign|actor=Li|actor_role=principal|owner=Wang|"
		     "deadline_date=2026-03-10"),
		200, 0, KIND_PENDING);
	assert_int_equal(kind_derive(&env, h, env.today, &d), 0);
	assert_string_equal(d.status, "assigned open overdue");
	assert_true(d.overdue);
	assert_string_equal(d.cell[1], "Wang");
	assert_string_equal(d.cell[2], "2026-03-10!");
	/* a rejected close does not count */
	mem_add(&x,
		make("hazard_event", "22222222-2222-4222-8222-222222222222",
		     "hazard_id=" H1 "|action=rectify|actor=Wang|note=fixed"),
		300, 0, KIND_REJECTED);
	assert_int_equal(kind_derive(&env, h, env.today, &d), 0);
	assert_string_equal(d.cell[0], "assigned");
	/* a new step is checked against the events known here */
	ev = make("hazard_event", "33333333-3333-4333-8333-333333333333",
		  "hazard_id=" H1 "|action=close|actor=Li|actor_role=principal");
	assert_int_equal(kind_by_name("hazard_event")->ops->check(&env, ev, why, sizeof why),
			 SC_ETRANSITION);
	assert_non_null(strstr(why, "hazard 0f8e1c2a is assigned here"));
	kind_record_free(ev);
	/* escalations are the server's */
	ev = make("hazard_event", "44444444-4444-4444-8444-444444444444",
		  "hazard_id=" H1 "|action=escalate|actor=server");
	assert_false(kind_client_writes(ev));
	kind_record_free(ev);
	ev = make("hazard_event", "55555555-5555-4555-8555-555555555555",
		  "hazard_id=" H1 "|action=note|actor=Li|note=x");
	assert_true(kind_client_writes(ev));
	assert_true(kind_client_writes(h));
	kind_record_free(ev);
	mem_free(&x);
}

static void test_events_in_apply_order(void **state)
{
	struct mem x = { 0 };
	struct kind_env env = env_of(&x, false);
	struct kind_events ev;

	(void)state;
	mem_add(&x, make("hazard", H1, "title=t|area=fire|severity=low"), 1, 1, KIND_SYNCED);
	mem_add(&x,
		make("hazard_event", "a0000000-0000-4000-8000-000000000003",
		     "hazard_id=" H1 "|action=note|actor=a|note=n"),
		50, 0, KIND_PENDING);
	mem_add(&x,
		make("hazard_event", "a0000000-0000-4000-8000-000000000002",
		     "hazard_id=" H1 "|action=note|actor=a|note=n"),
		90, 7, KIND_SYNCED);
	mem_add(&x,
		make("hazard_event", "a0000000-0000-4000-8000-000000000001",
		     "hazard_id=" H1 "|action=note|actor=a|note=n"),
		80, 9, KIND_SYNCED);
	assert_int_equal(kind_events_load(&env, "hazard_event", H1, NULL, &ev), 0);
	assert_int_equal(ev.n, 3);
	/* the server's order (seq) first, then local ones */
	assert_int_equal(ev.ev[0].r->seq, 7);
	assert_int_equal(ev.ev[1].r->seq, 9);
	assert_int_equal(ev.ev[2].r->seq, 0);
	kind_events_free(&ev);
	assert_int_equal(kind_events_load(&env, "hazard_event", H1,
					  "a0000000-0000-4000-8000-000000000002", &ev),
			 0);
	assert_int_equal(ev.n, 2);
	kind_events_free(&ev);
	mem_free(&x);
}

static void test_notice_standing_and_check(void **state)
{
	struct mem x = { 0 };
	struct kind_env env = env_of(&x, false);
	const struct kind_ops *evo = kind_by_name("notice_event")->ops;
	struct kind_derived d;
	char why[256], ack[160];
	Safecampus__Record *n = make("notice", N1,
				     "title=Drowning|issue_date=2026-03-16|"
				     "due_date=2026-04-10|targets=sch-001");
	Safecampus__Record *other = make("notice", "9c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1f",
					 "title=Not ours|issue_date=2026-03-16|"
					 "due_date=2026-04-10|targets=sch-002");
	Safecampus__Record *e;

	(void)state;
	n->school[0] = other->school[0] = '\0';
	mem_add(&x, n, 1000, 1, KIND_SYNCED);
	mem_add(&x, other, 1001, 2, KIND_SYNCED);
	assert_int_equal(kind_derive(&env, n, env.today, &d), 0);
	assert_string_equal(d.status, "unread open");
	assert_true(kind_reaches(n, "sch-001"));
	assert_false(kind_reaches(other, "sch-001"));
	/* a report before an ack: the server's rule, said for here */
	e = make("notice_event", "b0000000-0000-4000-8000-000000000001",
		 "notice_id=" N1 "|action=report|actor=a|notice_hlc=1000|report_date=2026-03-20|"
		 "channels=class_meeting|evidence=x");
	assert_int_equal(evo->check(&env, e, why, sizeof why), SC_ETRANSITION);
	assert_non_null(strstr(why, "must be acknowledged before it is reported on"));
	kind_record_free(e);
	/* a notice for another school answers like no notice at all */
	snprintf(ack, sizeof ack, "notice_id=%s|action=ack|actor=a|notice_hlc=1001", other->id);
	e = make("notice_event", "b0000000-0000-4000-8000-000000000002", ack);
	assert_int_equal(evo->check(&env, e, why, sizeof why), SC_ENOTFOUND);
	assert_string_equal(why, "notice 9c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1f is not known here "
				 "(sync first?)");
	kind_record_free(e);
	/* acknowledged: acked, still open */
	mem_add(&x,
		make("notice_event", "b0000000-0000-4000-8000-000000000003",
		     "notice_id=" N1 "|action=ack|actor=a|notice_hlc=1000"),
		1100, 3, KIND_SYNCED);
	assert_int_equal(kind_derive(&env, n, env.today, &d), 0);
	assert_string_equal(d.status, "acked open");
	/* the bureau sees counts over the target schools */
	env = env_of(&x, true);
	assert_int_equal(kind_derive(&env, n, env.today, &d), 0);
	assert_string_equal(d.status, "open");
	assert_string_equal(d.cell[0], "1");
	assert_string_equal(d.cell[1], "1");
	mem_free(&x);
}

static void test_visitor_and_bus_trip(void **state)
{
	struct mem x = { 0 };
	struct kind_env env = env_of(&x, false);
	struct kind_derived d;
	char line[160];
	Safecampus__Record *v = make("visitor", "c0000000-0000-4000-8000-000000000001",
				     "visit_date=2026-03-20|name=Liu|purpose=meter|host=Wang|"
				     "time_in_ms=1772430000000");
	Safecampus__Record *t = make("bus_trip", "c0000000-0000-4000-8000-000000000002",
				     "bus_id=" H1 "|trip_date=2026-03-20|direction=to_school|"
				     "boarded=42|alighted=41|checked_by=He");
	const struct kind_verb *leave = kind_verb(kind_by_name("visitor"), "leave");

	(void)state;
	assert_int_equal(kind_derive(&env, v, env.today, &d), 0);
	assert_string_equal(d.status, "on_site");
	assert_non_null(leave);
	assert_null(leave->kind); /* it changes the visitor record itself */
	assert_int_equal((leave->skip)(&env, v, line, sizeof line), 0);
	v->visitor->time_out_ms = 1772433600000;
	assert_int_equal(kind_derive(&env, v, env.today, &d), 0);
	assert_string_equal(d.status, "left");
	assert_int_equal((leave->skip)(&env, v, line, sizeof line), 1);
	assert_true(kind_by_name("bus_trip")->ops->alarm(t, line, sizeof line));
	assert_string_equal(line, "42 boarded, 41 alighted: a child may have been left on the bus");
	t->bus_trip->alighted = 42;
	assert_false(kind_by_name("bus_trip")->ops->alarm(t, line, sizeof line));
	kind_record_free(v);
	kind_record_free(t);
}

/* Who may sign a counter-signature, and whether the bureau writes it, read
 * from the record alone: the letter's level decides (kind_letter.c), the
 * generic rules (kind_ops.c) only ask the kind table. */
static void test_bureau_writes_for_school(void **state)
{
	Safecampus__Record *top =
		make("letter_event", "d0000000-0000-4000-8000-000000000001",
		     "letter_id=" H1 "|action=countersign|level=bureau_principal");
	Safecampus__Record *vice = make("letter_event", "d0000000-0000-4000-8000-000000000002",
					"letter_id=" H1 "|action=countersign|level=principal_vice");
	Safecampus__Record *held = make("letter", "d0000000-0000-4000-8000-000000000003",
					"year=2026|level=bureau_principal|signer=Wang");
	Safecampus__Record *other = make("letter", "d0000000-0000-4000-8000-000000000004",
					 "year=2026|level=department_teacher|signer=Sun");
	Safecampus__Record *ev = make("hazard_event", "d0000000-0000-4000-8000-000000000005",
				      "hazard_id=" H1 "|action=assign");

	(void)state;
	assert_int_equal(kind_sign_roles(top), KS_BUREAU);
	assert_int_equal(kind_sign_roles(vice), KS(PRINCIPAL));
	/* the principal's own letter only a principal holds */
	assert_int_equal(kind_sign_roles(held), KS(PRINCIPAL));
	assert_int_equal(kind_sign_roles(other), KS_STAFF);
	assert_true(kind_bureau_writes_for_school(top));
	assert_false(kind_bureau_writes_for_school(vice));
	assert_false(kind_bureau_writes_for_school(held)); /* not the kind's exception */
	assert_false(kind_bureau_writes_for_school(ev));
	assert_true(kind_signer_side(top, ""));         /* the bureau's officer */
	assert_true(kind_signer_side(top, "sch-001"));  /* its role is checked apart */
	assert_false(kind_signer_side(top, "sch-002")); /* another school's */
	assert_false(kind_signer_side(vice, ""));       /* a school's step */
	assert_true(kind_signer_side(vice, "sch-001"));
	assert_false(kind_signer_side(ev, ""));
	/* a school's row of no school: nothing the bureau writes for one */
	free(top->school);
	top->school = strdup("");
	assert_false(kind_bureau_writes_for_school(top));
	kind_record_free(top);
	kind_record_free(vice);
	kind_record_free(held);
	kind_record_free(other);
	kind_record_free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_entry_registered_and_consistent),
		cmocka_unit_test(test_every_field_has_a_label),
		cmocka_unit_test(test_status_has),
		cmocka_unit_test(test_hazard_derive_and_check),
		cmocka_unit_test(test_events_in_apply_order),
		cmocka_unit_test(test_notice_standing_and_check),
		cmocka_unit_test(test_visitor_and_bus_trip),
		cmocka_unit_test(test_bureau_writes_for_school),
	};

	/* the catalogue of the build tree (SAFECAMPUS_LOCALEDIR, tests/CMakeLists.txt) */
	i18n_init("en");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
