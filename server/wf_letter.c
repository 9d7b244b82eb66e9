/* The responsibility letter's counter-signature on the server (安全责任书,
 * issue 11): the letter is the first signed step of its chain, its
 * counter-signature (letter_event COUNTERSIGN) the second.
 *
 * push_sign.c has already checked who signed the counter-signature, for the
 * level it names (the kind table's letter_countersign_roles). Here: that the
 * level it names is the letter's (else a department head could counter-sign
 * a vice principal's letter by naming another level), that the letter is
 * counter-signed once, and not by the person who signed it as its holder.
 * Nothing is stored besides the event itself: whether a letter is
 * counter-signed is read back from letter_event (store_sql NULL).
 *
 * load_sql returns only the pushing school's letters: a counter-signature of
 * another school's letter is answered as one of no letter at all
 * (REJECT_NOT_FOUND). Each push runs under the district sync lock, so a
 * second counter-signature in a later push sees the first. */
#include <stdio.h>
#include <string.h>

#include "kinds.h"
#include "workflow.h"

struct letter_status {
	int level;              /* LetterLevel */
	int deleted;            /* withdrawn (letters are immutable: not expected) */
	int countersigned;      /* an accepted counter-signature exists */
	char holder[64];        /* login that signed the letter ("" unsigned) */
	char holder_school[64]; /* and their school ("" the bureau) */
};

static void lt_init(void *status)
{
	memset(status, 0, sizeof(struct letter_status));
}

/* A letter earlier in this batch: its level and signer from the record. */
static void lt_init_new(void *status, const Safecampus__Record *parent)
{
	struct letter_status *s = status;

	lt_init(s);
	if (parent->body_case == SAFECAMPUS__RECORD__BODY_LETTER && parent->letter)
		s->level = (int)parent->letter->level;
	if (parent->signature && parent->signature->signer)
		snprintf(s->holder, sizeof s->holder, "%s", parent->signature->signer);
	if (parent->signature && parent->signature->signer_school)
		snprintf(s->holder_school, sizeof s->holder_school, "%s",
			 parent->signature->signer_school);
}

enum { L_ID, L_LEVEL, L_DELETED, L_HOLDER, L_COUNTERSIGNED, L_HOLDER_SCHOOL, L_NCOLS };

static int lt_load(void *status, const PGresult *res, int row)
{
	struct letter_status *s = status;
	int level = 0;

	lt_init(s);
	if (PQnfields(res) < L_NCOLS)
		return SC_EDB;
	if (*PQgetvalue(res, row, L_LEVEL) &&
	    kind_enum_parse(&safecampus__letter_level__descriptor, PQgetvalue(res, row, L_LEVEL),
			    &level))
		return SC_EDB;
	s->level = level;
	s->deleted = PQgetvalue(res, row, L_DELETED)[0] == 't';
	s->countersigned = PQgetvalue(res, row, L_COUNTERSIGNED)[0] == 't';
	snprintf(s->holder, sizeof s->holder, "%s", PQgetvalue(res, row, L_HOLDER));
	snprintf(s->holder_school, sizeof s->holder_school, "%s",
		 PQgetvalue(res, row, L_HOLDER_SCHOOL));
	return 0;
}

static const char *level_name(int level)
{
	const char *n = kind_enum_name(&safecampus__letter_level__descriptor, level);

	return n ? n : "unspecified";
}

static int lt_apply(void *status, const Safecampus__Record *event, char *why, size_t whylen)
{
	struct letter_status *s = status;
	const Safecampus__LetterEvent *ev = event->letter_event;
	const char *signer =
		event->signature && event->signature->signer ? event->signature->signer : "";
	const char *signer_school = event->signature && event->signature->signer_school
					    ? event->signature->signer_school
					    : "";

	if (!ev || ev->action != SAFECAMPUS__LETTER_ACTION__LETTER_ACTION_COUNTERSIGN) {
		snprintf(why, whylen, "a letter_event is a counter-signature (action countersign)");
		return SC_EINVALID;
	}
	if (s->deleted) {
		snprintf(why, whylen, "letter %.8s was withdrawn", ev->letter_id);
		return SC_ETRANSITION;
	}
	if ((int)ev->level != s->level) {
		snprintf(why, whylen,
			 "the counter-signature names level %s, but letter %.8s is of level %s",
			 level_name((int)ev->level), ev->letter_id, level_name(s->level));
		return SC_EINVALID;
	}
	if (s->countersigned) {
		snprintf(why, whylen, "letter %.8s is already counter-signed", ev->letter_id);
		return SC_ETRANSITION;
	}
	/* a login is a school's (or the bureau's): the same login at the
	 * bureau is another person */
	if (*signer && !strcmp(signer, s->holder) && !strcmp(signer_school, s->holder_school)) {
		snprintf(why, whylen,
			 "%s signed letter %.8s as its holder and cannot counter-sign it", signer,
			 ev->letter_id);
		return SC_ETRANSITION;
	}
	s->countersigned = 1;
	return 0;
}

const struct workflow wf_letter = {
	.event_kind = "letter_event",
	.parent_kind = "letter",
	.status_size = sizeof(struct letter_status),
	/* the holder is whoever signed the letter's first (only) version */
	.load_sql =
		"SELECT l.id::text, l.level, l.deleted, coalesce(h.signer, ''), "
		"EXISTS (SELECT 1 FROM letter_event e WHERE e.school = $1 AND e.letter_id = l.id "
		"AND NOT e.deleted AND e.action = 'countersign'), coalesce(h.signer_school, '') "
		"FROM letter l LEFT JOIN LATERAL (SELECT s.signer, s.signer_school FROM signoff s "
		"WHERE s.school = l.school AND s.id = l.id ORDER BY s.pos LIMIT 1) h ON true "
		"WHERE l.school = $1 AND l.id = ANY($2::uuid[])",
	.store_sql = NULL,
	.nstore = 0,
	.init = lt_init,
	.init_new = lt_init_new,
	.load = lt_load,
	.apply = lt_apply,
	.store = NULL,
};
