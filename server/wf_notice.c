/* The notice workflow on the server (上级通知 -> 已收到 -> 落实情况): its SQL.
 *
 * The rules are common/notice_fsm.c, which the client runs too. Here: where a
 * school stands on a notice is kept per (school, notice) in notice_status,
 * read before and written in the transaction that accepts the events.
 *
 * load_sql returns only notices that target the pushing school: an event on a
 * notice for another school finds no parent and is answered exactly like an
 * event on a notice that does not exist (REJECT_NOT_FOUND, "notice ... is not
 * known to the server"), so a school cannot probe for other schools' notices.
 *
 * Each push runs under the district sync lock, so load -> apply -> store sees
 * every earlier event of that school. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notice_fsm.h"
#include "workflow.h"

/* A parent new in this batch: cannot happen (schools never write notices), so
 * the status is "not known" and every event on it is refused. */
static void nt_init(void *status)
{
	notice_status_init(status);
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
	L_ID,
	L_HLC,
	L_ISSUE,
	L_DUE,
	L_ADDRESSED,
	L_DELETED,
	L_ACKED_HLC,
	L_ACK_MS,
	L_REPORTED_HLC,
	L_REPORTED_MS,
	L_REPORT_DATE,
	L_LATE,
	L_NCOLS
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
	return notice_apply(status, event, why, whylen);
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
	 * target $1 is not returned: "not yours" reads as "not there". */
	.load_sql =
		"SELECT n.id::text, n.hlc, coalesce(n.issue_date::text, ''), "
		"coalesce(n.due_date::text, ''), "
		"(n.targets = '' OR $1 = ANY(string_to_array(n.targets, ';'))), n.deleted, "
		"coalesce(s.acked_hlc, 0), "
		"coalesce((extract(epoch from s.ack_at) * 1000)::bigint, 0), "
		"coalesce(s.reported_hlc, 0), "
		"coalesce((extract(epoch from s.reported_at) * 1000)::bigint, 0), "
		"coalesce(s.report_date::text, ''), coalesce(s.late, false) "
		"FROM notice n LEFT JOIN notice_status s ON s.school = $1 AND s.notice_id = n.id "
		"WHERE n.school = '' AND n.id = ANY($2::uuid[]) "
		"AND (n.targets = '' OR $1 = ANY(string_to_array(n.targets, ';')))",
	/* an act with no time of its own (at_ms 0) takes the server's */
	.store_sql =
		"INSERT INTO notice_status AS t (school, notice_id, acked_hlc, ack_at, "
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
