/* The notice workflow (上级通知 -> 已收到 -> 落实情况) as pure functions,
 * shared by the server (server/wf_notice.c keeps only its SQL) and the client
 * (which refuses offline a step the server would refuse).
 *
 * The bureau issues a notice (school "", Notice.targets: "" = every school);
 * each school answers with notice_events: ACK ("we have read it", naming the
 * version it read, notice_hlc) and REPORT ("this is how we implemented it").
 *
 *   - an event is refused if the notice is not known, or does not target the
 *     school (the same answer, SC_ENOTFOUND with the same words: a school
 *     cannot tell a notice for another school from no notice at all), was
 *     withdrawn (deleted), or names a version newer than the notice known;
 *   - ACK: at any time, again and again; the newest version acknowledged is
 *     kept (acked_hlc), with when it was first acknowledged;
 *   - REPORT: needs an ACK of the notice as it is now and must name that
 *     version; report_date not before the issue date. The first report on a
 *     version sets reported_hlc, report_date and late; later ones on the same
 *     version are more evidence and leave the status alone.
 *
 * docs/internals/kinds.md, "The notice workflow", has the reasons. */
#ifndef SC_NOTICE_FSM_H
#define SC_NOTICE_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "safecampus.pb-c.h"

struct notice_status {
	/* the notice as this side has it now */
	bool known;          /* a notice was found */
	bool addressed;      /* it targets this school */
	bool withdrawn;      /* the bureau deleted it */
	bool local;          /* a client's copy: messages say "here", not "the server" */
	uint64_t notice_hlc; /* its current version */
	char issue_date[11];
	char due_date[11];
	/* this school's standing */
	uint64_t acked_hlc;    /* newest version acknowledged, 0: never */
	int64_t ack_ms;        /* when acked_hlc was first acknowledged */
	uint64_t reported_hlc; /* version the standing report answered, 0: none */
	int64_t reported_ms;
	char report_date[11];
	bool late;
};

/** A status with no notice: every event on it is refused as not known. */
void notice_status_init(struct notice_status *s);
/** The notice part of s from a notice record as known here (the standing
 * part is left alone), for the school `school`. */
void notice_status_set_notice(struct notice_status *s, const Safecampus__Record *notice,
			      const char *school);
/** Applies one new notice_event to s if the workflow allows it; otherwise
 * SC_ENOTFOUND, SC_ETRANSITION or SC_EINVALID with a reason in why and s
 * unchanged. */
SC_WUR int notice_apply(struct notice_status *s, const Safecampus__Record *event, char *why,
			size_t whylen);
/** Does notice n target school? ("" targets every school) */
bool notice_targets(const Safecampus__Notice *n, const char *school);

/* Where one school stands on one notice, folded from the events the server
 * accepted (and local ones not rejected), in order. Unlike notice_apply this
 * does not re-judge old events against the notice's current version: they
 * were judged when they were accepted. */
struct notice_standing {
	uint64_t cur;       /* the notice's version (hlc) as known here */
	uint64_t acked_hlc; /* newest version acknowledged, 0: never */
	int64_t ack_ms;
	uint64_t reported_hlc; /* newest version reported on, 0: none */
	char report_date[11];
	bool late; /* report_date after the due date as it is now */
	unsigned nack, nreport;
};

void notice_standing_init(struct notice_standing *st, const Safecampus__Record *notice);
/** Adds one accepted event (in order). */
void notice_standing_add(struct notice_standing *st, const Safecampus__Record *event);
/** Judges late against the notice's due date; call after the last add. */
void notice_standing_done(struct notice_standing *st, const Safecampus__Record *notice);
/** The standing in one word: unread, re-ack, acked, reported, late. */
const char *notice_standing_word(const struct notice_standing *st);
/** Past the due date on day today without a report. */
bool notice_standing_overdue(const struct notice_standing *st, const Safecampus__Record *notice,
			     const char *today);

#endif
