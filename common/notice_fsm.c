/* The notice workflow: see notice_fsm.h. */
#include "notice_fsm.h"
#include "util.h"
#include "i18n.h"

#include "hlc.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ACT(x) SAFECAMPUS__NOTICE_ACTION__NOTICE_ACTION_##x

static const char *s_(const char *s)
{
	return s ? s : "";
}

void notice_status_init(struct notice_status *s)
{
	memset(s, 0, sizeof *s);
}

bool notice_targets(const Safecampus__Notice *n, const char *school)
{
	const char *t = s_(n->targets);

	return !*t || sc_list_has(t, s_(school));
}

void notice_status_set_notice(struct notice_status *s, const Safecampus__Record *notice,
			      const char *school)
{
	const Safecampus__Notice *n = notice->notice;

	s->known = n != NULL;
	if (!n)
		return;
	s->addressed = notice_targets(n, school);
	s->withdrawn = notice->deleted;
	s->notice_hlc = notice->hlc;
	snprintf(s->issue_date, sizeof s->issue_date, "%s", s_(n->issue_date));
	snprintf(s->due_date, sizeof s->due_date, "%s", s_(n->due_date));
}

int notice_apply(struct notice_status *s, const Safecampus__Record *event, char *why, size_t whylen)
{
	const Safecampus__NoticeEvent *ev = event ? event->notice_event : NULL;
	const char *where = s->local ? "here" : "the server has";

	if (!ev || event->body_case != SAFECAMPUS__RECORD__BODY_NOTICE_EVENT)
		return sc_refuse(SC_EINVALID, why, whylen, _("not a notice_event"));
	if (event->deleted)
		return sc_refuse(
			SC_EINVALID, why, whylen,
			_("a notice_event cannot be deleted: acknowledge or report again"));
	/* not there and not yours get the same answer: no existence oracle */
	if (!s->known || !s->addressed)
		return sc_refuse(SC_ENOTFOUND, why, whylen, _("notice %s is not known %s"),
				 s_(ev->notice_id),
				 s->local ? _("here (sync first?)") : _("to the server"));
	if (s->withdrawn)
		return sc_refuse(SC_ETRANSITION, why, whylen,
				 _("notice %s was withdrawn by the bureau"), ev->notice_id);
	if (ev->notice_hlc > s->notice_hlc)
		return sc_refuse(SC_ETRANSITION, why, whylen,
				 "notice_hlc %" PRIu64 " is newer than the notice %s (%" PRIu64
				 ")%s",
				 (uint64_t)ev->notice_hlc, where, s->notice_hlc,
				 s->local ? "; sync first" : "");

	switch (ev->action) {
	case ACT(ACK):
		/* a re-ack of a version already acknowledged keeps the first time */
		if (ev->notice_hlc > s->acked_hlc) {
			s->acked_hlc = ev->notice_hlc;
			s->ack_ms = ev->at_ms;
		}
		return 0;
	case ACT(REPORT):
		if (s->acked_hlc == 0)
			return sc_refuse(
				SC_ETRANSITION, why, whylen,
				_("notice %s must be acknowledged before it is reported on"),
				ev->notice_id);
		if (s->acked_hlc < s->notice_hlc || ev->notice_hlc < s->notice_hlc)
			return sc_refuse(
				SC_ETRANSITION, why, whylen,
				_("notice %s changed after it was %s: sync, acknowledge it "
				  "again, then report"),
				ev->notice_id,
				s->acked_hlc < s->notice_hlc ? _("acknowledged") : _("read"));
		if (!ev->report_date || !*ev->report_date)
			return sc_refuse(SC_EINVALID, why, whylen,
					 _("notice_event.report_date is required for a report"));
		if (s->issue_date[0] && strcmp(ev->report_date, s->issue_date) < 0)
			return sc_refuse(
				SC_EINVALID, why, whylen,
				_("notice_event.report_date %s is before the notice's issue "
				  "date %s"),
				ev->report_date, s->issue_date);
		if (s->reported_hlc == s->notice_hlc)
			return 0; /* more evidence for a version already reported on */
		s->reported_hlc = s->notice_hlc;
		s->reported_ms = ev->at_ms;
		snprintf(s->report_date, sizeof s->report_date, "%s", ev->report_date);
		s->late = s->due_date[0] && strcmp(s->report_date, s->due_date) > 0;
		return 0;
	default:
		return sc_refuse(SC_EINVALID, why, whylen,
				 _("notice_event.action %d is not ack or report"), (int)ev->action);
	}
}

/* ---------------------------------------------------------------- standing */

void notice_standing_init(struct notice_standing *st, const Safecampus__Record *notice)
{
	memset(st, 0, sizeof *st);
	st->cur = notice->hlc;
}

void notice_standing_add(struct notice_standing *st, const Safecampus__Record *r)
{
	const Safecampus__NoticeEvent *ev = r->notice_event;

	if (!ev)
		return;
	if (ev->action == ACT(ACK)) {
		st->nack++;
		if (ev->notice_hlc > st->acked_hlc) {
			st->acked_hlc = ev->notice_hlc;
			st->ack_ms = ev->at_ms ? ev->at_ms : (int64_t)HLC_MS(r->hlc);
		}
	} else if (ev->action == ACT(REPORT)) {
		/* the server takes a report only on a version acknowledged */
		if (ev->notice_hlc == 0 || ev->notice_hlc > st->acked_hlc)
			return;
		st->nreport++;
		if (ev->notice_hlc > st->reported_hlc) {
			st->reported_hlc = ev->notice_hlc;
			snprintf(st->report_date, sizeof st->report_date, "%s",
				 s_(ev->report_date));
		}
	}
}

void notice_standing_done(struct notice_standing *st, const Safecampus__Record *notice)
{
	const char *due = notice->notice ? s_(notice->notice->due_date) : "";

	/* judged against the due date as it is now (the bureau may move it) */
	st->late = st->reported_hlc && *due && strcmp(st->report_date, due) > 0;
}

const char *notice_standing_word(const struct notice_standing *st)
{
	if (st->acked_hlc == 0)
		return "unread";
	if (st->acked_hlc < st->cur)
		return "re-ack";
	if (st->reported_hlc >= st->cur)
		return st->late ? "late" : "reported";
	return "acked";
}

bool notice_standing_overdue(const struct notice_standing *st, const Safecampus__Record *notice,
			     const char *today)
{
	const char *due = notice->notice ? s_(notice->notice->due_date) : "";

	return st->reported_hlc == 0 && *due && strcmp(due, today) < 0;
}
