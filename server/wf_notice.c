/* The notice workflow on the server (上级通知 -> 已收到 -> 落实情况).
 *
 * The bureau issues a notice: one row of `notice` in school "", shared by every
 * school it targets (Notice.targets, "" = all). Each school answers with
 * notice_event records in its own rows: ACK ("we have read it") and REPORT
 * ("this is how we implemented it"). Where a school stands on a notice is kept
 * per (school, notice) in notice_status, written here in the transaction that
 * accepts the events.
 *
 * The rules (docs/internals/kinds.md, "The notice workflow"):
 *   - an event is refused if the notice does not target the school, or was
 *     withdrawn (deleted) by the bureau, or names a notice version (notice_hlc)
 *     newer than the one the server has;
 *   - ACK is allowed at any time, again and again; the status keeps the
 *     newest version acknowledged (acked_hlc) and when it was first
 *     acknowledged. An ACK of an older version is kept as what it is: the
 *     school is then "acknowledged, but not the current version";
 *   - REPORT needs an ACK of the notice as it is now (acked_hlc equal to the
 *     notice's hlc) and must itself name that version: a notice changed after
 *     issue is acknowledged again before it is reported on. The first report
 *     on a version sets reported_hlc, report_date and late (report_date after
 *     the due date); later reports on the same version are kept as events
 *     (more evidence) and leave the status alone; a report on a newer version
 *     replaces it.
 *
 * Each push runs under the district sync lock, so load -> apply -> store sees
 * every earlier event of that school. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workflow.h"

#define ACT(x) SAFECAMPUS__NOTICE_ACTION__NOTICE_ACTION_##x

struct notice_status {
	/* the notice as the server has it now (read, never stored) */
	int known;                /* a notice row was found */
	int addressed;            /* it targets this school */
	int withdrawn;            /* the bureau deleted it */
	uint64_t notice_hlc;      /* its current version */
	char issue_date[11];
	char due_date[11];
	/* this school's standing (notice_status) */
	uint64_t acked_hlc;       /* newest version acknowledged, 0: never */
	int64_t ack_ms;           /* when acked_hlc was first acknowledged */
	uint64_t reported_hlc;    /* version the status's report answered, 0: none */
	int64_t reported_ms;
	char report_date[11];
	int late;
};

static int refuse(int rc, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(int rc, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* A parent new in this batch: cannot happen (schools never write notices), so
 * the status is "not known" and every event on it is refused. */
static void nt_init(void *status)
{
	memset(status, 0, sizeof(struct notice_status));
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int copy_date(char dst[11], const char *s)
{
	size_t n = strlen(s);

	if (n != 0 && n != 10)
		return -EINVAL;
	memcpy(dst, s, n + 1);
	return 0;
}

/* Columns of load_sql after id: see there. */
enum {
	L_ID, L_HLC, L_ISSUE, L_DUE, L_ADDRESSED, L_DELETED, L_ACKED_HLC, L_ACK_MS,
	L_REPORTED_HLC, L_REPORTED_MS, L_REPORT_DATE, L_LATE, L_NCOLS
};

static int nt_load(void *status, const PGresult *res, int row)
{
	struct notice_status *s = status;
	nt_init(s);
	if (PQnfields(res) < L_NCOLS)
		return SC_EDB;
	if (parse_u64(PQgetvalue(res, row, L_HLC), &s->notice_hlc) ||
	    copy_date(s->issue_date, PQgetvalue(res, row, L_ISSUE)) ||
	    copy_date(s->due_date, PQgetvalue(res, row, L_DUE)) ||
	    parse_u64(PQgetvalue(res, row, L_ACKED_HLC), &s->acked_hlc) ||
	    parse_i64(PQgetvalue(res, row, L_ACK_MS), &s->ack_ms) ||
	    parse_u64(PQgetvalue(res, row, L_REPORTED_HLC), &s->reported_hlc) ||
	    parse_i64(PQgetvalue(res, row, L_REPORTED_MS), &s->reported_ms) ||
	    copy_date(s->report_date, PQgetvalue(res, row, L_REPORT_DATE)))
		return SC_EDB;
	s->addressed = PQgetvalue(res, row, L_ADDRESSED)[0] == 't';
	s->withdrawn = PQgetvalue(res, row, L_DELETED)[0] == 't';
	s->late = PQgetvalue(res, row, L_LATE)[0] == 't';
	s->known = 1;
	return 0;
}

static int nt_apply(void *status, const Safecampus__Record *event, char *why, size_t whylen)
{
	struct notice_status *s = status;
	const Safecampus__NoticeEvent *ev = event ? event->notice_event : NULL;

	if (!ev || event->body_case != SAFECAMPUS__RECORD__BODY_NOTICE_EVENT)
		return refuse(SC_EINVALID, why, whylen, "not a notice_event");
	if (event->deleted)
		return refuse(SC_EINVALID, why, whylen,
			      "a notice_event cannot be deleted: acknowledge or report again");
	if (!s->known)
		return refuse(SC_ETRANSITION, why, whylen, "notice %s is not known to the server",
			      ev->notice_id);
	if (!s->addressed)
		return refuse(SC_ETRANSITION, why, whylen,
			      "notice %s is not addressed to school %s", ev->notice_id,
			      event->school ? event->school : "?");
	if (s->withdrawn)
		return refuse(SC_ETRANSITION, why, whylen, "notice %s was withdrawn by the bureau",
			      ev->notice_id);
	if (ev->notice_hlc > s->notice_hlc)
		return refuse(SC_ETRANSITION, why, whylen,
			      "notice_hlc %" PRIu64 " is newer than the notice the server has "
			      "(%" PRIu64 ")", (uint64_t)ev->notice_hlc, s->notice_hlc);

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
			return refuse(SC_ETRANSITION, why, whylen,
				      "notice %s must be acknowledged before it is reported on",
				      ev->notice_id);
		if (s->acked_hlc < s->notice_hlc || ev->notice_hlc < s->notice_hlc)
			return refuse(SC_ETRANSITION, why, whylen,
				      "notice %s changed after it was %s: sync, acknowledge it "
				      "again, then report",
				      ev->notice_id,
				      s->acked_hlc < s->notice_hlc ? "acknowledged" : "read");
		if (!ev->report_date || !*ev->report_date)
			return refuse(SC_EINVALID, why, whylen, "notice_event.report_date is "
				      "required for a report");
		if (s->issue_date[0] && strcmp(ev->report_date, s->issue_date) < 0)
			return refuse(SC_EINVALID, why, whylen,
				      "notice_event.report_date %s is before the notice's issue "
				      "date %s", ev->report_date, s->issue_date);
		if (s->reported_hlc == s->notice_hlc)
			return 0; /* more evidence for a version already reported on */
		s->reported_hlc = s->notice_hlc;
		s->reported_ms = ev->at_ms;
		snprintf(s->report_date, sizeof s->report_date, "%s", ev->report_date);
		s->late = s->due_date[0] && strcmp(s->report_date, s->due_date) > 0;
		return 0;
	default:
		return refuse(SC_EINVALID, why, whylen, "notice_event.action %d is not ack or "
			      "report", (int)ev->action);
	}
}

/* Store columns, in the order of store_sql's unnest after the id. */
static void nt_store(const void *status, char out[][WF_TEXT])
{
	const struct notice_status *s = status;

	snprintf(out[0], WF_TEXT, "%" PRIu64, s->acked_hlc);
	snprintf(out[1], WF_TEXT, "%" PRId64, s->ack_ms);
	snprintf(out[2], WF_TEXT, "%" PRIu64, s->reported_hlc);
	snprintf(out[3], WF_TEXT, "%" PRId64, s->reported_ms);
	snprintf(out[4], WF_TEXT, "%s", s->report_date);
	snprintf(out[5], WF_TEXT, "%s", s->late ? "true" : "false");
}

const struct workflow wf_notice = {
	.event_kind = "notice_event",
	.parent_kind = "notice",
	.status_size = sizeof(struct notice_status),
	/* notices are the bureau's rows (school ''), whatever school $1 is; the
	 * school's standing joins in from notice_status. A notice that does not
	 * target $1 is still returned, flagged, so that apply can say why. */
	.load_sql = "SELECT n.id::text, n.hlc, coalesce(n.issue_date::text, ''), "
		    "coalesce(n.due_date::text, ''), "
		    "(n.targets = '' OR $1 = ANY(string_to_array(n.targets, ';'))), n.deleted, "
		    "coalesce(s.acked_hlc, 0), "
		    "coalesce((extract(epoch from s.ack_at) * 1000)::bigint, 0), "
		    "coalesce(s.reported_hlc, 0), "
		    "coalesce((extract(epoch from s.reported_at) * 1000)::bigint, 0), "
		    "coalesce(s.report_date::text, ''), coalesce(s.late, false) "
		    "FROM notice n LEFT JOIN notice_status s ON s.school = $1 AND s.notice_id = n.id "
		    "WHERE n.school = '' AND n.id = ANY($2::uuid[])",
	/* an act with no time of its own (at_ms 0) takes the server's */
	.store_sql = "INSERT INTO notice_status AS t (school, notice_id, acked_hlc, ack_at, "
		     "reported_hlc, reported_at, report_date, late, updated_at) "
		     "SELECT $1, u.id::uuid, u.acked_hlc::bigint, "
		     "CASE WHEN u.acked_hlc = '0' THEN NULL WHEN u.ack_ms = '0' THEN now() "
		     "ELSE to_timestamp(u.ack_ms::bigint / 1000.0) END, "
		     "u.reported_hlc::bigint, "
		     "CASE WHEN u.reported_hlc = '0' THEN NULL WHEN u.reported_ms = '0' THEN now() "
		     "ELSE to_timestamp(u.reported_ms::bigint / 1000.0) END, "
		     "NULLIF(u.report_date, '')::date, u.late::boolean, now() "
		     "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
		     "$7::text[], $8::text[]) AS u(id, acked_hlc, ack_ms, reported_hlc, reported_ms, "
		     "report_date, late) "
		     "ON CONFLICT (school, notice_id) DO UPDATE SET acked_hlc = excluded.acked_hlc, "
		     "ack_at = excluded.ack_at, reported_hlc = excluded.reported_hlc, "
		     "reported_at = excluded.reported_at, report_date = excluded.report_date, "
		     "late = excluded.late, updated_at = excluded.updated_at",
	.nstore = 6,
	.init = nt_init,
	.load = nt_load,
	.apply = nt_apply,
	.store = nt_store,
};
