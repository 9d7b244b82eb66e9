/* Staff and safety responsibility letters (安全责任书): the kind table
 * entries of staff and letter. Letters are immutable once the server has
 * them; coverage counts distinct holders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "i18n.h"
#include "indicators.h"
#include "kind_letter.h"
#include "kind_due.h"
#include "kind_ops.h"
#include "kinds.h"

static const char *s_(const char *s)
{
	return s ? s : "";
}

bool staff_same_name(const char *a, const char *b)
{
	size_t la, lb;

	a += strspn(a, " ");
	b += strspn(b, " ");
	la = strlen(a);
	lb = strlen(b);
	while (la && a[la - 1] == ' ')
		la--;
	while (lb && b[lb - 1] == ' ')
		lb--;
	return la == lb && la && strncasecmp(a, b, la) == 0;
}

static int staff_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
			struct kind_derived *d)
{
	bool left = date_valid(s_(r->staff->left_date)) && strcmp(r->staff->left_date, today) <= 0;

	snprintf(d->status, sizeof d->status, "%s",
		 left                 ? "left"
		 : r->staff->inactive ? "inactive"
				      : "current");
	return 0;
}

static const struct kind_field_ui staff_field_ui[] = {
	{ "name", NC_("staff", "Name"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "staff_role", NC_("staff", "Role"), NULL, NULL, NULL, KF_NONE, kind_enum_staff_role },
	{ "department", NC_("staff", "Department"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "inactive", NC_("staff", "Not current"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "joined_date", NC_("staff", "Joined"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "left_date", NC_("staff", "Left"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_staff = {
	.kind = "staff",
	.import_key = "name",
	.fields = staff_field_ui,
	.nfields = sizeof staff_field_ui / sizeof staff_field_ui[0],
	.label = N_("Staff member"),
	.status_words = "current inactive left",
	.status_help = N_("current, inactive, left"),
	.derive = staff_derive,
};

/* A signer_staff_id must name a staff record known here; a letter already
 * counter-signed does not change (the counter-signature's prev_hash names
 * this version: the server would refuse it as off its chain). */
static int letter_check(const struct kind_env *env, const Safecampus__Record *r, char *why,
			size_t n)
{
	const Safecampus__Letter *lt = r->letter;
	Safecampus__Record *s = NULL;
	unsigned have = 0;
	int rc;

	if (lt && env->each_child && (rc = letter_countersigns(env, r, NULL, &have)) != 0)
		return rc;
	if (have)
		return sc_refuse(SC_ETRANSITION, why, n,
				 _("letter %.8s is counter-signed and cannot change: sign a new "
				   "letter to correct it"),
				 r->id);
	if (!lt || !*s_(lt->signer_staff_id))
		return 0;
	rc = env->get(env->ctx, lt->signer_staff_id, &s);
	if (rc == SC_ENOTFOUND)
		return sc_refuse(SC_ENOTFOUND, why, n,
				 _("signer_staff_id %.8s is not a staff record "
				   "known here (sync first?)"),
				 lt->signer_staff_id);
	if (rc)
		return rc;
	if (s->body_case != SAFECAMPUS__RECORD__BODY_STAFF) {
		const struct kind *k = kind_of(s);
		rc = sc_refuse(SC_EINVALID, why, n,
			       _("signer_staff_id %.8s is a %s, not a staff "
				 "record"),
			       lt->signer_staff_id, k ? k->name : "record");
	}
	safecampus__record__free_unpacked(s, NULL);
	return rc;
}

struct link {
	const char *name, *today;
	char id[37];
	unsigned hits;
};

static int link_cb(void *arg, const Safecampus__Record *r)
{
	struct link *l = arg;

	if (r->body_case == SAFECAMPUS__RECORD__BODY_STAFF && !r->deleted &&
	    indicators_staff_current(r->staff, l->today) &&
	    staff_same_name(s_(r->staff->name), l->name)) {
		snprintf(l->id, sizeof l->id, "%s", r->id);
		l->hits++;
	}
	return 0;
}

/* Without --signer-staff-id, link the current staff record of the signer's
 * name when there is exactly one (a school only: the bureau has no staff). */
static int sign_prepare(const struct kind_env *env, Safecampus__Record *r)
{
	Safecampus__Letter *lt = r->letter;
	const struct kind *k = kind_of(r);
	struct link l = { .name = s_(lt->signer), .today = env->today };
	char err[128];
	int rc;

	if (*s_(lt->signer_staff_id) || env->bureau)
		return 0;
	rc = env->each(env->ctx, "staff", link_cb, &l);
	if (rc == 0 && l.hits == 1 &&
	    kind_field_set(&lt->base, kind_field(k, "signer_staff_id"), l.id, err, sizeof err))
		rc = -ENOMEM;
	return rc;
}

static void sign_done(const struct kind_env *env, const Safecampus__Record *parent,
		      const Safecampus__Record *r, char *out, size_t n)
{
	const Safecampus__Letter *lt = r->letter;

	snprintf(out, n, _("letter %.8s: %s holds the %d letter (%s), counter-signed by %s%s"),
		 r->id, s_(lt->signer), (int)lt->year,
		 s_(kind_enum_name(&safecampus__letter_level__descriptor, (int)lt->level)),
		 s_(lt->counter_signer),
		 *s_(lt->signer_staff_id) ? ""
					  : "; no staff record linked, so coverage matches "
					    "the name");
}

/* ---------------------------------------------------------------- counter-signature */

#define LEVEL(x) SAFECAMPUS__LETTER_LEVEL__LETTER_LEVEL_##x

/* Who counter-signs a letter of this level: the level above the holder, in
 * the cascade bureau <-> principal <-> vice principals <-> department heads
 * <-> teachers (or anyone higher up it inside the school). The principal's
 * own letter (bureau_principal) is counter-signed by a bureau officer, the
 * one school record the bureau writes (kind_ops.bureau_for_school). A letter
 * of level other (school <-> parents) is signed for the school by its
 * principal. */
unsigned letter_countersign_roles(int level)
{
	switch (level) {
	case LEVEL(PRINCIPAL_VICE):
		return KS(PRINCIPAL);
	case LEVEL(VICE_DEPARTMENT):
		return KS_LEADERS;
	case LEVEL(DEPARTMENT_TEACHER):
		return KS_LEADERSHIP;
	case LEVEL(OTHER):
		return KS(PRINCIPAL);
	case LEVEL(BUREAU_PRINCIPAL):
		return KS_BUREAU;
	default:
		return 0; /* no level: nobody (the rules refuse it first) */
	}
}

/* Who holds a letter of this level: any staff, but the bureau's letter with
 * the school is the principal's own. */
static unsigned holder_roles_of(const Safecampus__Record *r)
{
	return r->body_case == SAFECAMPUS__RECORD__BODY_LETTER && r->letter &&
			       r->letter->level == LEVEL(BUREAU_PRINCIPAL)
		       ? KS(PRINCIPAL)
		       : KS_STAFF;
}

static unsigned countersign_roles_of(const Safecampus__Record *r)
{
	return r->body_case == SAFECAMPUS__RECORD__BODY_LETTER_EVENT && r->letter_event
		       ? letter_countersign_roles((int)r->letter_event->level)
		       : 0;
}

/* The counter-signatures of letter not refused by the server: how many, and
 * the earliest day among them ("" if none). */
static int countersigns(const struct kind_env *env, const Safecampus__Record *letter,
			const char *skip_id, unsigned *n, char first[11])
{
	struct kind_events x;
	int rc = kind_events_load(env, "letter_event", letter->id, skip_id, &x);

	*n = 0;
	first[0] = '\0';
	for (size_t i = 0; rc == 0 && i < x.n; i++) {
		const Safecampus__Record *e = x.ev[i].r;
		const char *d;
		if (x.ev[i].sync == KIND_REJECTED || e->deleted || !e->letter_event ||
		    e->letter_event->action != SAFECAMPUS__LETTER_ACTION__LETTER_ACTION_COUNTERSIGN)
			continue;
		(*n)++;
		d = s_(e->letter_event->signed_date);
		if (date_valid(d) && (!first[0] || strcmp(d, first) < 0))
			memcpy(first, d, 11);
	}
	kind_events_free(&x);
	return rc;
}

int letter_countersigns(const struct kind_env *env, const Safecampus__Record *letter,
			const char *skip_id, unsigned *n)
{
	char first[11];

	return countersigns(env, letter, skip_id, n, first);
}

int letter_since(const struct kind_env *env, const Safecampus__Record *letter, char out[11])
{
	char first[11] = "";
	unsigned n = 0;
	int rc = 0;

	/* an unsigned letter needs no counter-signature: no query for it */
	if (letter->signature && env->each_child)
		rc = countersigns(env, letter, NULL, &n, first);
	indicators_letter_since(letter, first, out);
	return rc;
}

/* The counter-signature carries the letter's level: who may sign it is read
 * from the record alone (countersign_roles_of), and the check below and the
 * server's workflow (server/wf_letter.c) hold it to the letter's. */
static int countersign_prepare(const struct kind_env *env, Safecampus__Record *r)
{
	Safecampus__Record *letter = NULL;
	int rc;

	if (!r->letter_event || !*s_(r->letter_event->letter_id))
		return 0;
	rc = env->get(env->ctx, r->letter_event->letter_id, &letter);
	if (rc == SC_ENOTFOUND)
		return 0; /* the parent check says so */
	if (rc)
		return rc;
	if (letter->body_case == SAFECAMPUS__RECORD__BODY_LETTER && letter->letter)
		r->letter_event->level = letter->letter->level;
	safecampus__record__free_unpacked(letter, NULL);
	return 0;
}

/* A counter-signature names its letter's level, is the letter's only one,
 * and is not by the letter's holder. */
static int event_check(const struct kind_env *env, const Safecampus__Record *r, char *why, size_t n)
{
	const Safecampus__LetterEvent *ev = r->letter_event;
	Safecampus__Record *letter = NULL;
	unsigned have = 0;
	int rc;

	if (!ev || !*s_(ev->letter_id))
		return 0;
	rc = env->get(env->ctx, ev->letter_id, &letter);
	if (rc == SC_ENOTFOUND)
		return sc_refuse(SC_ENOTFOUND, why, n,
				 _("letter %.8s is not known here (sync first?)"), ev->letter_id);
	if (rc)
		return rc;
	if (letter->body_case != SAFECAMPUS__RECORD__BODY_LETTER || !letter->letter)
		rc = sc_refuse(SC_EINVALID, why, n, _("%.8s is not a responsibility letter"),
			       ev->letter_id);
	else if ((rc = letter_countersigns(env, letter, r->id, &have)) == 0 && have)
		rc = sc_refuse(SC_ETRANSITION, why, n,
			       _("letter %.8s is already counter-signed; nothing to do"),
			       letter->id);
	else if (!rc && *s_(ev->actor) && staff_same_name(ev->actor, s_(letter->letter->signer)))
		rc = sc_refuse(SC_ETRANSITION, why, n,
			       _("%s holds letter %.8s and cannot counter-sign it too"), ev->actor,
			       letter->id);
	/* last: the step the browser offers (verb_legal) has no level yet */
	else if (!rc && ev->level != letter->letter->level)
		rc = sc_refuse(SC_EINVALID, why, n,
			       _("letter_event.level must be the letter's level (%s)"),
			       s_(kind_enum_name(&safecampus__letter_level__descriptor,
						 (int)letter->letter->level)));
	safecampus__record__free_unpacked(letter, NULL);
	return rc;
}

static void countersign_done(const struct kind_env *env, const Safecampus__Record *letter,
			     const Safecampus__Record *r, char *out, size_t n)
{
	snprintf(out, n, _("letter %.8s counter-signed by %s (event %s)"), letter->id,
		 s_(r->letter_event->actor), r->id);
}

/* awaiting: signed by its holder, not yet by the level above */
static int letter_derive(const struct kind_env *env, const Safecampus__Record *r, const char *today,
			 struct kind_derived *d)
{
	unsigned have = 0;
	int rc = env && env->each_child ? letter_countersigns(env, r, NULL, &have) : 0;

	(void)today;
	snprintf(d->status, sizeof d->status, "%s", have ? "countersigned" : "awaiting");
	return rc;
}

/* `status`: this year's letters signed by their holder and not yet by the
 * level above, each a step someone owes (they do not count till then) */
static int letter_due(const struct kind_env *env, const Safecampus__Record *r, const char *today,
		      const char *week_end, char *out, size_t n)
{
	const Safecampus__Letter *lt = r->letter;
	unsigned have = 0;
	int rc;

	(void)week_end;
	if (r->deleted || !lt || !r->signature || lt->year < (int)strtol(today, NULL, 10))
		return 0;
	rc = letter_countersigns(env, r, NULL, &have);
	if (rc || have)
		return rc;
	/* the level by its label and no command: the browser's home page shows
	 * this line too, where a key and a command line mean nothing */
	snprintf(out, n, _("letter %.8s (%d, %s) of %s: to be counter-signed by %s"), r->id,
		 (int)lt->year,
		 kind_enum_label_tr(
			 kind_of(r), "level",
			 s_(kind_enum_name(&safecampus__letter_level__descriptor, (int)lt->level))),
		 s_(lt->signer), s_(lt->counter_signer));
	return 1;
}

static const struct kind_verb letter_verbs[] = {
	{ .name = "sign",
	  .kind = "letter",
	  .usage = "letter sign --year YYYY --level LEVEL --signer NAME --counter-signer NAME "
		   "[--signer-staff-id ID] [--signed-date D]",
	  .summary =
		  N_("Records a signed safety responsibility letter (安全责任书). The signer holds "
		     "the letter; the\ncounter-signer signs for the level above. Letters cannot be "
		     "changed once synced: a mistake\nis answered by a new letter."),
	  .epilog = N_(
		  "LEVEL: principal_vice (principal <-> vice principal), vice_department (vice "
		  "principal <->\ndepartment head), department_teacher (department head <-> "
		  "head/subject teacher), bureau_principal (the\nbureau <-> the principal: "
		  "the principal's own letter), other.\n--signed-date defaults to today. Without "
		  "--signer-staff-id, a current staff record with exactly\nthe signer's name is "
		  "linked. `safecampus letter coverage` shows who still needs one."),
	  .required = (const char *const[]){ "year", "level", "signer", "counter_signer", NULL },
	  .sets = (const struct kind_set[]){ { "signed_date", KF_TODAY, NULL, true }, { 0 } },
	  .flags = KV_PRINT_ID | KV_FIELDS_HELP,
	  .sign_roles = KS_STAFF,
	  .sign_roles_of = holder_roles_of,
	  .prepare = sign_prepare,
	  .done = sign_done },
	{ .name = "countersign",
	  .kind = "letter_event",
	  .usage = "letter countersign ID --as LOGIN [--signed-date D]",
	  .summary = N_("Counter-signs a responsibility letter for the level above its holder: "
			"the second signature\nof the letter, chained to the holder's. A letter is "
			"counter-signed once."),
	  .epilog = N_("Who counter-signs: a principal_vice letter the principal; "
		       "vice_department the principal or a\nvice principal; department_teacher "
		       "the principal, a vice principal or a department head;\nother the "
		       "principal; bureau_principal (the principal's own letter) a bureau "
		       "officer, at the\nbureau's install. ID is the letter's id or its first 8 "
		       "characters (`safecampus "
		       "list letter\n--status awaiting` lists the letters waiting for it). "
		       "--signed-date defaults to today."),
	  .required = (const char *const[]){ NULL },
	  .optional = (const char *const[]){ "signed_date", NULL },
	  .sets = (const struct kind_set[]){ { "letter_id", KF_PARENT_ID, NULL, false },
					     { "action", KF_TEXT, "countersign", false },
					     { "actor", KF_SIGNER_NAME, NULL, false },
					     { "signed_date", KF_TODAY, NULL, true },
					     { 0 } },
	  /* a school's, and the bureau's for the principal's letter (the
	   * kind's bureau_for_school: the level decides, not the install) */
	  .flags = KV_PARENT,
	  .sign_roles = KS_LEADERSHIP | KS_BUREAU,
	  .sign_roles_of = countersign_roles_of,
	  .role_what = N_("counter-signs responsibility letters"),
	  .prepare = countersign_prepare,
	  .done = countersign_done },
};

static const struct kind_field_ui letter_field_ui[] = {
	{ "year", NC_("letter", "Year"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "level", NC_("letter", "Level"), NULL, NULL, NULL, KF_NONE, kind_enum_letter_level },
	{ "signer", NC_("letter", "Holder"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "signer_staff_id", NC_("letter", "Holder (staff record)"), NULL, NULL, NULL, KF_NONE,
	  NULL },
	{ "counter_signer", NC_("letter", "Counter-signed by"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "signed_date", NC_("letter", "Signed on"), NULL, NULL, NULL, KF_NONE, NULL },
};

const struct kind_ops kind_ops_letter = {
	.kind = "letter",
	.name_refs = (const struct kind_name_ref[]){ { "signer", "staff" },
						     { "counter_signer", "staff" },
						     { NULL, NULL } },
	.bounds = (const struct kind_bound[]){ { "year", 2000, 2100 }, { NULL, 0, 0 } },
	.owed = kind_owed_letter,
	.import_key = "year level signer",
	.fields = letter_field_ui,
	.nfields = sizeof letter_field_ui / sizeof letter_field_ui[0],
	.label = N_("Responsibility letter"),
	.status_words = "awaiting countersigned",
	.status_help = N_("awaiting (a counter-signature), countersigned"),
	.derive = letter_derive,
	.due = letter_due,
	.event_kind = "letter_event",
	.check = letter_check,
	.sign_roles = KS_STAFF,
	.group_summary = N_("sign responsibility letters; coverage of current staff"),
	.group_help =
		N_("Safety responsibility letters (安全责任书), signed every year in a cascade:\n"
		   "principal <-> vice principals <-> department heads <-> head and subject "
		   "teachers."),
	.verbs = letter_verbs,
	.nverbs = sizeof letter_verbs / sizeof letter_verbs[0],
};

static const struct kind_enum_label event_actions[] = {
	{ "countersign", N_("Counter-signed") },
	{ 0 },
};

static const struct kind_field_ui event_field_ui[] = {
	{ "letter_id", NC_("letter_event", "Letter"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "action", NC_("letter_event", "Step"), NULL, NULL, NULL, KF_NONE, event_actions },
	{ "level", NC_("letter_event", "Level"), NULL, NULL, NULL, KF_NONE,
	  kind_enum_letter_level },
	{ "actor", NC_("letter_event", "Counter-signed by"), NULL, NULL, NULL, KF_NONE, NULL },
	{ "signed_date", NC_("letter_event", "Counter-signed on"), NULL, NULL, NULL, KF_NONE,
	  NULL },
};

const struct kind_ops kind_ops_letter_event = {
	.kind = "letter_event",
	.label = N_("Counter-signature of a letter"),
	.fields = event_field_ui,
	.nfields = sizeof event_field_ui / sizeof event_field_ui[0],
	.check = event_check,
	/* written only by `letter countersign` (its verb narrows these by level) */
	.sign_roles = KS_LEADERSHIP | KS_BUREAU,
	/* the bureau counter-signs a principal's letter: a row of the school */
	.bureau_for_school = true,
	.no_add_form = true,
};
