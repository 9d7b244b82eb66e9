/* Inside the browser interface (client/web/): the server, one request, the
 * page being written, sessions. docs/internals/web.md is the design note. */
#ifndef SC_WEB_INT_H
#define SC_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include <uv.h>

#include "buf.h"
#include "kind_ops.h"
#include "kinds.h"
#include "person.h"
#include "store.h"
#include "sync.h"
#include "verb.h"
#include "web.h"

struct MHD_Daemon;
struct MHD_Connection;
struct MHD_PostProcessor;

/* ---------------------------------------------------------------- limits */

#define WEB_MAX_CONNECTIONS 64    /* browsers at once */
#define WEB_MAX_PER_IP 24         /* from one address */
#define WEB_HEADER_MEMORY 32768   /* request line + headers of one request */
#define WEB_TIMEOUT_S 20          /* a connection idle this long is dropped */
#define WEB_MAX_BODY 65536        /* a form */
#define WEB_MAX_UPLOAD (4u << 20) /* a CSV upload */
#define WEB_SWALLOW_FACTOR 8      /* a body past its limit is read up to 8x, then cut */
#define WEB_MAX_FIELDS 128        /* fields of one form */
#define WEB_MAX_PAGE (64u << 20)  /* a page being written */
#define WEB_MAX_SESSIONS 256
#define WEB_MAX_SSE 32        /* live dashboards waiting at once */
#define WEB_SSE_WAIT_MS 25000 /* an event stream is answered within this */
#define WEB_LOGIN_FAILS 5     /* wrong passwords before a pause */
#define WEB_LOGIN_WINDOW_MS (15 * 60 * 1000)
#define WEB_LOGIN_PAUSE_MS (60 * 1000)
#define WEB_MAX_FAIL_ENTRIES 256
#define WEB_HEADER_DEADLINE_MS 10000   /* request line + headers, from accept */
#define WEB_REQUEST_DEADLINE_MS 120000 /* a whole body, from its headers */
#define WEB_CONN_RESERVE 8             /* slots kept for new browsers (web_conn.c) */
#define WEB_CONN_SLOTS (WEB_MAX_CONNECTIONS + 8)

/* ---------------------------------------------------------------- sessions */

struct web_session {
	char id[65];   /* cookie value, hex of 32 random bytes; "" = free slot */
	char csrf[65]; /* the token every form carries */
	struct person who;
	int64_t created_ms, seen_ms;
};

struct web_fail {
	char key[96]; /* "ip" or "login:..." */
	unsigned n;
	int64_t first_ms, until_ms;
};

/* ---------------------------------------------------------------- the server */

struct web_req;

/* One TCP connection (web_conn.c): when its request must be complete. */
struct web_conn {
	bool used, in_request, dropped;
	int fd;
	int64_t since_ms; /* accepted, or its last answer sent */
	int64_t req_ms;   /* its request's headers arrived */
	struct web_req *req;
};

struct web {
	uv_loop_t *loop;
	struct store *st;
	struct store_config cfg;
	const struct web_opts *opts;
	struct MHD_Daemon *d;
	uv_poll_t poll;       /* MHD's epoll descriptor */
	uv_timer_t timer;     /* MHD's next timeout */
	uv_timer_t sse_timer; /* answers waiting event streams in time */
	int nclosing;
	bool loopback, https, stopping;
	unsigned session_ttl_ms;
	char url[160];
	char *tls_cert, *tls_key; /* PEM text, for MHD */
	struct web_session sessions[WEB_MAX_SESSIONS];
	struct web_fail fails[WEB_MAX_FAIL_ENTRIES];
	struct web_req *sse[WEB_MAX_SSE]; /* suspended event streams */
	size_t nsse;
	uint64_t dash_version; /* +1 at every dashboard stored */
	uint64_t data_version; /* +1 at every sync round */
	struct web_conn conns[WEB_CONN_SLOTS];
	unsigned nconns;
	uint64_t ndropped;    /* connections ended by web_conn.c */
	struct web_ev *ev;    /* evidence fetches in flight (web_evidence.c), or NULL */
	struct web_job *jobs; /* pages being computed in a child (web_job.c) */
	/* the dashboard stored for this scope, decoded as of dash_version, for
	 * names (web_schools.c); NULL if none */
	Safecampus__Dashboard *own_dash;
	uint64_t own_dash_version;
	bool own_dash_read;
};

/* ---------------------------------------------------------------- one request */

struct web_field {
	char *name;
	char *filename; /* an uploaded file's name, or NULL */
	struct buf val; /* NUL-terminated once complete */
	uint64_t size;  /* an uploaded file's bytes as sent (more than val holds if over) */
	bool over;      /* the file passed the request's file_max: its bytes were dropped */
};

struct web_req {
	struct web *w;
	struct MHD_Connection *conn;
	const char *method; /* "GET", "POST", ... (MHD's) */
	const char *url;    /* the path, decoded by MHD */
	struct MHD_PostProcessor *pp;
	struct web_field fields[WEB_MAX_FIELDS];
	size_t nfields;
	size_t body, body_max; /* bytes of body seen, allowed */
	uint64_t file_max;     /* an evidence form: bytes kept of an uploaded file; 0 otherwise */
	bool too_big, bad_body, answered;
	bool suspended;
	struct web_job *job; /* its page, being computed in a child (web_job.c) */
	int64_t sse_since_ms;
	uint64_t sse_version;     /* the dashboard version the stream last saw */
	char lang[8];             /* "zh_CN" or "en" for this request */
	struct web_session *sess; /* signed in, or NULL */
	bool sess_new;            /* send the cookie */
	bool sess_expired;        /* the cookie names a sign-in that is over */
	char ip[64];
};

/* ---------------------------------------------------------------- a page */

struct web_page {
	struct buf b;
	int status;
	const char *ctype;      /* NULL: text/html; charset=utf-8 */
	const char *csp;        /* NULL: the strict one */
	char location[2048];    /* a redirect (303) */
	char disposition[1024]; /* a download's Content-Disposition (UTF-8 names, %-escaped) */
	char retry_after[16];
	char set_lang[4]; /* the language switch's cookie */
	bool oom;
};

void web_page_init(struct web_page *p);
void web_page_free(struct web_page *p);
/** Appends formatted text (not escaped: markup of ours). */
void web_p(struct web_page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Appends text escaped for HTML (element text and quoted attributes);
 * control characters and invalid UTF-8 become U+FFFD. */
void web_e(struct web_page *p, const char *s);
/** Appends s %-escaped for a URL query value. */
void web_u(struct web_page *p, const char *s);
/** The page's start: doctype, lang, title, the bar with the school, the
 * person, the language switch and the links. */
void web_head(struct web_page *p, struct web_req *r, const char *title);
void web_foot(struct web_page *p, struct web_req *r);
/** A hidden input with the session's CSRF token. */
void web_csrf(struct web_page *p, struct web_req *r);
/** A whole page saying what went wrong, with status (400, 403, 404, ...). */
void web_error_page(struct web_page *p, struct web_req *r, int status, const char *title,
		    const char *msg);
/** A 303 to url. */
void web_redirect(struct web_page *p, const char *url);

/* ---------------------------------------------------------------- requests */

/** The value of form field name (POST) or query argument (GET), or NULL. */
const char *web_arg(struct web_req *r, const char *name);
/** The uploaded file of field name and its length, or NULL. */
const char *web_file(struct web_req *r, const char *name, size_t *len);
/** The header's value, or NULL. */
const char *web_header(struct web_req *r, const char *name);
/** True for a POST whose CSRF token matches the session's. */
bool web_csrf_ok(struct web_req *r);
/** The verb context of the signed-in person (actor NULL if none); actor and
 * its strings live in *a. */
void web_verb_ctx(struct web_req *r, struct verb_ctx *vc, struct verb_actor *a,
		  const char *password);
/** After a date input of id input_id holding val: the day in the page's
 * words ("2026年12月6日 星期日"), which app.js keeps to the chosen day; the
 * browser's own display follows its locale, not the page's (web_date.c). */
void web_date_reading(struct web_page *p, const char *input_id, const char *val);
/** Today, local. */
void web_today(char out[11]);
/** Unix ms as a local time in the request's language ("2026年12月3日
 * 10:02"), "-" for 0 (web_date.c). */
void web_fmt_time(int64_t ms, char *out, size_t n);
/** text escaped, each ISO day in it (2026-12-08, standing alone) in the
 * request's words: for lines made for the terminal too (what is due). */
void web_e_dates(struct web_page *p, const char *text);
/** Unix ms as web_fmt_time writes it, in a <time datetime="ISO local">
 * (a list sorts by the attribute). */
void web_time_cell(struct web_page *p, int64_t ms);
/** An ISO day as <time datetime="ISO"> in the request's words (a list sorts
 * by the attribute); anything but a real day escaped as it is. */
void web_date_cell(struct web_page *p, const char *iso);
/** Lets the sync push a write at once. */
void web_wrote(struct web_req *r);

/* ---------------------------------------------------------------- connections (web_conn.c) */

/** MHD_OPTION_NOTIFY_CONNECTION: a connection accepted or closed. */
void web_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_ctx,
		     enum MHD_ConnectionNotificationCode toe);
/** The request's headers are complete. */
void web_conn_request(struct web_req *r);
/** The request on conn is over; the connection may carry another. */
void web_conn_done(struct MHD_Connection *conn);
/** Ends connections past their deadlines; run every second. */
void web_conn_sweep(struct web *w);

/* ---------------------------------------------------------------- sessions (web_auth.c) */

/** The session the request's cookie names, if valid and not expired. */
struct web_session *web_session_find(struct web *w, struct web_req *r);
int web_page_login(struct web_req *r, struct web_page *p);
int web_page_logout(struct web_req *r, struct web_page *p);
/** Refuses a write by someone not signed in: a page asking to sign in. */
bool web_need_person(struct web_req *r, struct web_page *p);

/* ---------------------------------------------------------------- pages */

int web_page_home(struct web_req *r, struct web_page *p);
int web_page_sync(struct web_req *r, struct web_page *p);
/** /people: who signs here; the principal enrols and revokes, everyone
 * changes their password (web_people.c). */
int web_page_people(struct web_req *r, struct web_page *p);
int web_page_outbox_post(struct web_req *r, struct web_page *p);
int web_page_list(struct web_req *r, struct web_page *p, const struct kind *k);
int web_page_record(struct web_req *r, struct web_page *p, const char *id);
int web_page_form(struct web_req *r, struct web_page *p, const struct kind *k,
		  const struct kind_verb *v, const char *id, bool edit);
int web_page_form_post(struct web_req *r, struct web_page *p, const struct kind *k,
		       const struct kind_verb *v, const char *id, bool edit);
int web_page_export(struct web_req *r, struct web_page *p, const struct kind *k);
int web_page_import(struct web_req *r, struct web_page *p, const struct kind *k);
int web_page_dashboard(struct web_req *r, struct web_page *p);
int web_page_dashboard_frame(struct web_req *r, struct web_page *p);
/** The event stream: answers at once when the dashboard changed since the
 * browser's Last-Event-ID, else returns 1 (the request waits). */
int web_page_events(struct web_req *r, struct web_page *p);
int web_static(struct web_req *r, struct web_page *p, const char *name);
/* the year's work summary (web_report.c) */
int web_page_report(struct web_req *r, struct web_page *p);
int web_page_report_post(struct web_req *r, struct web_page *p);
/** /static/report.css (the report's print style sheet: A4, no navigation)
 * and /static/report.js (the printed text follows the boxes). */
int web_report_static(struct web_req *r, struct web_page *p, const char *name);

/* ---------------------------------------------------------------- slow pages (web_job.c) */

typedef int (*web_job_fn)(struct web_req *r, struct web_page *p);
/** Runs page function fn for r in a child process, so the loop goes on:
 * returns 1 (r waits; route's "answer later") and, when r is resumed, 0 with
 * fn's page in p. Computes fn here when no child can be had. */
int web_job_run(struct web_req *r, struct web_page *p, web_job_fn fn);
/** r is going: its child, if any, is stopped. */
void web_job_cancel(struct web_req *r);
void web_job_cancel_job(struct web_job *j);
/** The interface stops: every child is stopped and reaped. */
void web_job_stop(struct web *w);

/* ---------------------------------------------------------------- evidence (web_evidence.c) */

struct evidence_file;

/** Does the form of verb v of g (NULL: adding a g) take an evidence file? */
bool web_evidence_takes(const struct kind *g, const struct kind_verb *v, bool edit);
/** For a request's headers: the bytes of a file the form at url may carry
 * (the campus's per-file limit), 0 if that form takes no file. */
uint64_t web_evidence_form_max(struct web *w, const char *url);
/** The form's file input (name "_evidence") with err beside it (may be NULL). */
void web_evidence_input(struct web_page *p, struct web_req *r, const char *err);
/** The uploaded file of "_evidence", checked against the limits and kept in
 * the store under its hash (evidence_add, as --evidence FILE): 1 and *f
 * filled, 0 if none was sent, < 0 with why (for people) if refused. */
int web_evidence_upload(struct web_req *r, struct evidence_file *f, char *why, size_t n);
/** A write with file f failed: its copy is removed unless a record uses it. */
void web_evidence_unused(struct web_req *r, const struct evidence_file *f);
/** The files rec's signature describes, for people: name, size, hash, where
 * they are, a link or a button to fetch. Nothing if none. */
void web_evidence_list(struct web_req *r, struct web_page *p, const Safecampus__Record *rec);
/** True while a fetch for one of rec's files (or its events') runs. */
bool web_evidence_fetching(struct web_req *r, const Safecampus__Record *rec);
/** GET /e/HEX (the file, checked against its hash) and POST /e/HEX/fetch. */
int web_page_evidence(struct web_req *r, struct web_page *p, const char *hex, bool fetch);
/** /static/evidence.js: the file's size checked before the form is sent. */
int web_evidence_static(struct web_req *r, struct web_page *p);
/** Every second: fetches that ended are noted and freed. */
void web_evidence_tick(struct web *w);
/** web_stop: fetches in flight are stopped; web_free: freed. */
void web_evidence_stop(struct web *w);
void web_evidence_free(struct web *w);

/* ---------------------------------------------------------------- labels */

/** This install's school by name (its profile's, else its dashboard's,
 * else "School ID"), or at the bureau "Education Bureau" with the
 * district's name if the dashboard gives one; for the bar and titles. */
void web_scope_name(struct web *w, char *out, size_t n);
/** At the bureau, a school's name from the district dashboard held here;
 * the id itself when it has none, and at a school; "" (the school of the
 * bureau's own records, a notice) is "Education Bureau". Valid until the
 * next dashboard arrives. */
const char *web_school_label(struct web *w, const char *school);
/** The bureau's "one school" choice of a filter form (name "school", id
 * "f-school"): the district's schools by name, val selected; a text box
 * before the district dashboard is held. */
void web_school_choice(struct web_page *p, struct web_req *r, const char *val);
/** Frees what web_school_label and web_scope_name keep. */
void web_schools_free(struct web *w);
/** The kind's name for people in the request's language. */
const char *web_kind_label(const struct kind *k);
/** The field's label in the request's language. */
const char *web_field_label(const struct kind *k, const char *field);
/** A staff role (SAFECAMPUS__STAFF_ROLE__*) for people. */
const char *web_role_label(int role);
/** The verb's name for people. */
const char *web_verb_label(const struct kind *k, const struct kind_verb *v);

#endif
