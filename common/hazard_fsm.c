/* The hazard workflow: a pure function of (status, event) -> status.
 *
 * Checks run in the order a person would want to hear about them: is the
 * step allowed in this state, may this role take it, are its fields there,
 * and (verify) is it someone other than the rectifier. On any refusal the
 * status is left as it was. */
#include "hazard_fsm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kinds.h"
#include "date.h"
#include "i18n.h"
#include "rules.h"

#define ST(x) SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_##x
#define ACT(x) SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_##x
#define ROLE(x) SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_##x

#define refuse sc_refuse

void hazard_status_init(struct hazard_status *s)
{
	memset(s, 0, sizeof *s);
	s->state = ST(REPORTED);
}

const char *hazard_state_name(Safecampus__HazardState st)
{
	const char *n = kind_enum_name(&safecampus__hazard_state__descriptor, (int)st);

	return n ? n : "unknown";
}

static const char *action_name(int a)
{
	const char *n = kind_enum_name(&safecampus__hazard_action__descriptor, a);

	return n ? n : "unknown";
}

static const char *role_name(int r)
{
	const char *n;

	if (r == ROLE(UNSPECIFIED))
		return "not set";
	n = kind_enum_name(&safecampus__staff_role__descriptor, r);
	return n ? n : "unknown";
}

static int has(const char *s)
{
	return s && *s;
}

/* Same person, give or take case and surrounding blanks: "Li Wei" and
 * "li wei " must not pass as two people. */
static int same_person(const char *a, const char *b)
{
	size_t na, nb;

	while (*a == ' ' || *a == '\t')
		a++;
	while (*b == ' ' || *b == '\t')
		b++;
	na = strlen(a);
	nb = strlen(b);
	while (na > 0 && (a[na - 1] == ' ' || a[na - 1] == '\t'))
		na--;
	while (nb > 0 && (b[nb - 1] == ' ' || b[nb - 1] == '\t'))
		nb--;
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

static int is_leader(int role)
{
	return role == ROLE(PRINCIPAL) || role == ROLE(VICE_PRINCIPAL);
}

static int wrong_state(const struct hazard_status *s, int action, const char *needs, char *why,
		       size_t whylen)
{
	return refuse(SC_ETRANSITION, why, whylen, _("%s not allowed in state %s (needs %s)"),
		      action_name(action), hazard_state_name(s->state), needs);
}

static int need_leader(const Safecampus__HazardEvent *ev, char *why, size_t whylen)
{
	if (is_leader((int)ev->actor_role))
		return 0;
	return refuse(SC_ETRANSITION, why, whylen,
		      _("%s must be by the principal or a vice principal (actor_role is %s)"),
		      action_name((int)ev->action), role_name((int)ev->actor_role));
}

static int need_note(const Safecampus__HazardEvent *ev, char *why, size_t whylen)
{
	if (has(ev->note))
		return 0;
	return refuse(SC_EINVALID, why, whylen, _("hazard_event.note is required to %s"),
		      action_name((int)ev->action));
}

static int check_deadline(const struct hazard_status *s, const Safecampus__HazardEvent *ev,
			  int required, char *why, size_t whylen)
{
	if (!has(ev->deadline_date)) {
		if (!required)
			return 0;
		return refuse(SC_EINVALID, why, whylen,
			      _("hazard_event.deadline_date is required to %s"),
			      action_name((int)ev->action));
	}
	if (!date_valid(ev->deadline_date)) {
		char q[16];
		snprintf(q, sizeof q, "%.10s", ev->deadline_date);
		return refuse(SC_EINVALID, why, whylen,
			      _("hazard_event.deadline_date: \"%s%s\" is not a real date"), q,
			      strlen(ev->deadline_date) > 10 ? "..." : "");
	}
	/* a deadline before the hazard was found is a typo, not a plan */
	if (s->found_date[0] && strcmp(ev->deadline_date, s->found_date) < 0)
		return refuse(
			SC_EINVALID, why, whylen,
			_("hazard_event.deadline_date: %s is before the hazard was found (%s)"),
			ev->deadline_date, s->found_date);
	return 0;
}

int hazard_apply(struct hazard_status *s, const Safecampus__HazardEvent *ev, char *why,
		 size_t whylen)
{
	struct hazard_status n;
	int a, rc;

	if (why && whylen)
		why[0] = '\0';
	if (!s || !ev)
		return refuse(SC_EINVALID, why, whylen, _("no hazard status or event"));
	if (s->state < ST(REPORTED) || s->state > ST(CLOSED))
		return refuse(SC_EINVALID, why, whylen, _("hazard state %d is not a known state"),
			      (int)s->state);
	a = (int)ev->action;
	if (a == ACT(UNSPECIFIED))
		return refuse(SC_EINVALID, why, whylen, _("hazard_event.action is required"));
	if (!protobuf_c_enum_descriptor_get_value(&safecampus__hazard_action__descriptor, a))
		return refuse(SC_EINVALID, why, whylen,
			      _("hazard_event.action: %d is not a known action"), a);
	if (!has(ev->actor))
		return refuse(SC_EINVALID, why, whylen, _("hazard_event.actor is required"));
	if (strlen(ev->actor) >= sizeof n.rectified_by)
		return refuse(SC_EINVALID, why, whylen, _("hazard_event.actor: at most %zu bytes"),
			      sizeof n.rectified_by - 1);

	n = *s;
	switch (a) {
	case ACT(ASSIGN):
		if (s->state != ST(REPORTED) && s->state != ST(ASSIGNED))
			return wrong_state(s, a, "reported or assigned", why, whylen);
		if ((rc = need_leader(ev, why, whylen)) < 0)
			return rc;
		if (!has(ev->owner))
			return refuse(SC_EINVALID, why, whylen,
				      _("hazard_event.owner is required to assign"));
		if (strlen(ev->owner) >= sizeof n.owner)
			return refuse(SC_EINVALID, why, whylen,
				      _("hazard_event.owner: at most %zu bytes"),
				      sizeof n.owner - 1);
		if ((rc = check_deadline(s, ev, 1, why, whylen)) < 0)
			return rc;
		n.state = ST(ASSIGNED);
		snprintf(n.owner, sizeof n.owner, "%s", ev->owner);
		/* a new deadline is a new chance: escalation counts again from it
		 * (the server's trigger hazard_escalation_reset does the same) */
		if (strcmp(n.deadline_date, ev->deadline_date) != 0)
			n.escalation_level = HAZARD_ESCALATION_NONE;
		snprintf(n.deadline_date, sizeof n.deadline_date, "%s", ev->deadline_date);
		break;
	case ACT(RECTIFY):
		if (s->state != ST(ASSIGNED))
			return wrong_state(s, a, "assigned", why, whylen);
		if ((rc = need_note(ev, why, whylen)) < 0)
			return rc;
		n.state = ST(RECTIFIED);
		snprintf(n.rectified_by, sizeof n.rectified_by, "%s", ev->actor);
		n.rectified_ms = ev->at_ms;
		break;
	case ACT(VERIFY):
		if (s->state != ST(RECTIFIED))
			return wrong_state(s, a, "rectified", why, whylen);
		if ((rc = need_note(ev, why, whylen)) < 0)
			return rc;
		if (same_person(ev->actor, s->rectified_by))
			return refuse(SC_ETRANSITION, why, whylen,
				      _("verify must be by someone other than the rectifier (%s)"),
				      s->rectified_by);
		n.state = ST(VERIFIED);
		n.verified_ms = ev->at_ms;
		break;
	case ACT(CLOSE):
		if (s->state != ST(VERIFIED))
			return wrong_state(s, a, "verified", why, whylen);
		if ((rc = need_leader(ev, why, whylen)) < 0)
			return rc;
		n.state = ST(CLOSED);
		n.closed_ms = ev->at_ms;
		break;
	case ACT(REOPEN):
		if (s->state != ST(VERIFIED) && s->state != ST(CLOSED))
			return wrong_state(s, a, "verified or closed", why, whylen);
		if ((rc = need_note(ev, why, whylen)) < 0)
			return rc;
		if ((rc = check_deadline(s, ev, 0, why, whylen)) < 0)
			return rc;
		n.state = ST(ASSIGNED);
		if (has(ev->deadline_date))
			snprintf(n.deadline_date, sizeof n.deadline_date, "%s", ev->deadline_date);
		/* the next cycle is rectified and verified afresh */
		n.rectified_by[0] = '\0';
		n.rectified_ms = n.verified_ms = n.closed_ms = 0;
		n.reopen_count++;
		n.escalation_level = HAZARD_ESCALATION_NONE;
		break;
	case ACT(NOTE):
		if ((rc = need_note(ev, why, whylen)) < 0)
			return rc;
		break;
	case ACT(ESCALATE):
		/* any state: an escalation raised just before a verify that the
		 * server took later must still fold on every campus */
		if ((rc = need_note(ev, why, whylen)) < 0)
			return rc;
		if (s->escalation_level >= HAZARD_ESCALATION_MAX)
			return refuse(SC_ETRANSITION, why, whylen,
				      _("escalate: already escalated to %s for deadline %s"),
				      hazard_escalation_to(s->escalation_level),
				      s->deadline_date[0] ? s->deadline_date : "(none)");
		n.escalation_level++;
		break;
	default:
		return refuse(SC_EINVALID, why, whylen, _("hazard_event.action: %d is not handled"),
			      a);
	}
	*s = n;
	return 0;
}

const char *hazard_escalation_to(unsigned level)
{
	switch (level) {
	case HAZARD_ESCALATION_NONE:
		return "nobody";
	case HAZARD_ESCALATION_OWNER:
		return "the owner";
	case HAZARD_ESCALATION_PRINCIPAL:
		return "the principal";
	case HAZARD_ESCALATION_BUREAU:
		return "the bureau";
	default:
		return "unknown";
	}
}

int hazard_is_overdue(const struct hazard_status *s, const char *today)
{
	if (!s || !today || !s->deadline_date[0])
		return 0;
	if (s->state == ST(VERIFIED) || s->state == ST(CLOSED))
		return 0;
	return strcmp(today, s->deadline_date) > 0;
}
