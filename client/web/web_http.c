/* HTTP on the client's libuv loop: libmicrohttpd in external-epoll mode.
 *
 * MHD keeps its sockets in an epoll set of its own; that one descriptor is
 * watched by a uv_poll_t, and MHD_run is called when it is readable or when
 * MHD's next timeout (a uv_timer_t) is due. So MHD never blocks and never
 * runs a thread: one loop turns the sync and the web alike.
 *
 * Limits (web_int.h): MHD bounds the request line and headers by its
 * per-connection memory (WEB_HEADER_MEMORY: a larger request gets 431 or 414
 * and is closed), the number of connections in all and per address, and
 * drops a connection idle for WEB_TIMEOUT_S (a slow-loris browser). Bodies
 * are bounded here: a body over the limit is not parsed; it is read and
 * thrown away up to WEB_SWALLOW_FACTOR times the limit and then answered 413
 * (so that a browser, still sending, gets the answer and not a reset), and a
 * Content-Length past that bound is answered 413 before a byte is read. docs/internals/web.md says why this library. */
#include "web_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "i18n.h"
#include "log.h"
#include "util.h"

static const char csp_strict[] =
	"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'self'; "
	"base-uri 'none'";

/* ---------------------------------------------------------------- the loop */

static void arm(struct web *w);

static void run_mhd(struct web *w)
{
	if (w->stopping || !w->d)
		return;
	if (MHD_run(w->d) != MHD_YES)
		log_warn("web: MHD_run failed");
	arm(w);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct web *w = container_of(h, struct web, poll);

	(void)status;
	(void)events;
	run_mhd(w);
}

static void on_timer(uv_timer_t *t)
{
	run_mhd(container_of(t, struct web, timer));
}

/* MHD's next timeout as the timer's; none: a slow check anyway. */
static void arm(struct web *w)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;

	if (w->stopping)
		return;
	if (MHD_get_timeout(w->d, &ms) != MHD_YES || ms > 5000)
		ms = 5000;
	uv_timer_start(&w->timer, on_timer, ms, 0);
}

/* ---------------------------------------------------------------- requests */

void web_today(char out[11])
{
	verb_today(out);
}

const char *web_header(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *web_arg(struct web_req *r, const char *name)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (!r->fields[i].filename && strcmp(r->fields[i].name, name) == 0)
			return r->fields[i].val.data ? (const char *)r->fields[i].val.data : "";
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *web_file(struct web_req *r, const char *name, size_t *len)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (r->fields[i].filename && strcmp(r->fields[i].name, name) == 0) {
			*len = buf_used(&r->fields[i].val);
			if (*len)
				*len -= 1; /* the NUL we added */
			return r->fields[i].val.data ? (const char *)r->fields[i].val.data : "";
		}
	return NULL;
}

void web_wrote(struct web_req *r)
{
	if (r->w->opts->sync)
		sync_kick(r->w->opts->sync);
}

/* The language of this request: --lang, a cookie from the switch, else the
 * browser's Accept-Language, Chinese unless it asks for English only. */
static void pick_lang(struct web_req *r)
{
	const char *l = r->w->opts->lang;
	const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "lang");
	const char *al = web_header(r, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);

	if (!l && c && (strcmp(c, "en") == 0 || strcmp(c, "zh") == 0))
		l = c;
	if (!l && al) {
		const char *zh = strstr(al, "zh"), *en = strstr(al, "en");
		l = en && (!zh || en < zh) ? "en" : "zh";
	}
	if (!l)
		l = "zh";
	i18n_set_lang(l);
	snprintf(r->lang, sizeof r->lang, "%s", i18n_lang());
}

static void client_ip(struct web_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(r->ip, sizeof r->ip, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->ip,
			  sizeof r->ip);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->ip,
			  sizeof r->ip);
}

/* One field of a form, piece by piece, within the body's limit. */
static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *filename, const char *content_type,
				const char *transfer_encoding, const char *data, uint64_t off,
				size_t size)
{
	struct web_req *r = cls;
	struct web_field *f = r->nfields ? &r->fields[r->nfields - 1] : NULL;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (!f || strcmp(f->name, key) != 0 || off == 0) {
		if (r->nfields >= WEB_MAX_FIELDS) {
			r->bad_body = true;
			return MHD_NO;
		}
		f = &r->fields[r->nfields++];
		f->name = strdup(key);
		f->filename = filename ? strdup(filename[0] ? filename : "upload") : NULL;
		/* an evidence form: the file up to its limit, the other fields as a form's */
		buf_init(&f->val, !r->file_max ? r->body_max + 1
				  : filename   ? r->file_max + 1
					       : WEB_MAX_BODY + 1);
		if (!f->name || (filename && !f->filename)) {
			r->bad_body = true;
			return MHD_NO;
		}
	}
	if (f->filename && r->file_max) {
		/* a file over the limit is counted, not kept: the form answers
		 * beside its field (web_evidence_upload) */
		f->size += size;
		if (f->size > r->file_max)
			f->over = true;
		if (f->over)
			return MHD_YES;
	}
	if (size && buf_append(&f->val, data, size) != 0) {
		r->too_big = true;
		return MHD_NO;
	}
	return MHD_YES;
}

/* A browser sends a textarea's line breaks as CR LF (HTML's form encoding);
 * the store keeps LF, as the command line and CSV import write them. A CR
 * left in would show as a replacement character on every page, and pile up
 * with each edit. Files are left as they came. */
static void plain_line_ends(struct buf *b)
{
	uint8_t *t = buf_head(b);
	size_t n = buf_used(b), w = 0;

	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n')
			continue;
		t[w++] = t[i] == '\r' ? '\n' : t[i];
	}
	b->len = b->off + w;
}

static void finish_fields(struct web_req *r)
{
	for (size_t i = 0; i < r->nfields; i++) {
		if (!r->fields[i].filename && r->fields[i].val.data)
			plain_line_ends(&r->fields[i].val);
		if (buf_append(&r->fields[i].val, "", 1) != 0)
			r->too_big = true;
	}
}

static void req_free(struct web_req *r)
{
	web_job_cancel(r);
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	for (size_t i = 0; i < r->nfields; i++) {
		free(r->fields[i].name);
		free(r->fields[i].filename);
		buf_free(&r->fields[i].val);
	}
	free(r);
}

/* ---------------------------------------------------------------- answers */

static void add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	if (MHD_add_response_header(resp, name, value) != MHD_YES)
		log_warn("web: header %s not added", name);
}

static enum MHD_Result send_page(struct web_req *r, struct web_page *p)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char cookie[200];
	size_t n = buf_used(&p->b);
	void *data = n ? buf_head(&p->b) : NULL;

	if (p->oom) {
		web_page_free(p);
		web_page_init(p);
		p->status = 500;
		p->ctype = "text/plain; charset=utf-8";
		web_p(p, "%s\n", _("The page is too large or the computer is out of memory."));
		n = buf_used(&p->b);
		data = buf_head(&p->b);
	}
	/* the page's buffer goes to MHD, which frees it once sent */
	resp = MHD_create_response_from_buffer_with_free_callback(n, data, free);
	if (!resp) {
		web_page_free(p);
		return MHD_NO;
	}
	p->b.data = NULL;
	buf_init(&p->b, 0);
	add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		   p->ctype ? p->ctype : "text/html; charset=utf-8");
	add_header(resp, "Content-Security-Policy", p->csp ? p->csp : csp_strict);
	add_header(resp, "X-Content-Type-Options", "nosniff");
	add_header(resp, "Referrer-Policy", "no-referrer");
	add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (p->location[0])
		add_header(resp, MHD_HTTP_HEADER_LOCATION, p->location);
	if (p->disposition[0])
		add_header(resp, "Content-Disposition", p->disposition);
	if (p->retry_after[0])
		add_header(resp, "Retry-After", p->retry_after);
	if (p->set_lang[0]) {
		snprintf(cookie, sizeof cookie, "lang=%s; Path=/; SameSite=Strict", p->set_lang);
		add_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	}
	if (r->sess && r->sess_new) {
		snprintf(cookie, sizeof cookie,
			 "sc_session=%s; Path=/; HttpOnly; SameSite=Strict%s", r->sess->id,
			 r->w->https ? "; Secure" : "");
		add_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	}
	ret = MHD_queue_response(r->conn, (unsigned)p->status, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ret;
}

/* A short answer before the request is complete (its body too large). */
static enum MHD_Result refuse_now(struct web_req *r, int status, const char *msg)
{
	struct web_page p;

	web_page_init(&p);
	p.status = status;
	p.ctype = "text/plain; charset=utf-8";
	web_p(&p, "%s\n", msg);
	return send_page(r, &p);
}

/* ---------------------------------------------------------------- routes */

/* "/k/hazard/new" -> words {"k", "hazard", "new"}; at most n words. */
static size_t split_path(const char *url, char words[][96], size_t n)
{
	size_t k = 0;

	while (*url == '/')
		url++;
	while (*url && k < n) {
		size_t w = strcspn(url, "/");
		snprintf(words[k++], 96, "%.*s", (int)(w < 95 ? w : 95), url);
		url += w;
		while (*url == '/')
			url++;
	}
	return *url ? n + 1 : k;
}

static int route(struct web_req *r, struct web_page *p)
{
	char wd[5][96];
	size_t n = split_path(r->url, wd, 5);
	bool post = strcmp(r->method, "POST") == 0;
	const struct kind *k = NULL;

	if (!post && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		web_error_page(p, r, 405, _("Not allowed"),
			       _("This address takes GET or POST only."));
		return 0;
	}
	if (post && !web_csrf_ok(r) && !(n == 1 && strcmp(wd[0], "login") == 0)) {
		if (r->sess_expired) {
			web_error_page(
				p, r, 401, _("Signed out"),
				_("Your sign-in has expired (unused too long, or this computer "
				  "restarted the interface). Nothing was written. Sign in again, "
				  "then send the form again."));
			return 0;
		}
		web_error_page(p, r, 403, _("Form expired"),
			       _("The form's security token is missing or wrong (the form may be "
				 "old, or from another site). Nothing was written. Go back, reload "
				 "the page and try again."));
		return 0;
	}
	/* off loopback every page needs a signed-in person */
	if (!r->w->loopback && !r->sess && !(n == 1 && strcmp(wd[0], "login") == 0) &&
	    !(n == 2 && strcmp(wd[0], "static") == 0)) {
		web_redirect(p, "/login");
		return 0;
	}
	if (n == 0)
		return web_page_home(r, p);
	if (n == 2 && strcmp(wd[0], "static") == 0)
		return web_static(r, p, wd[1]);
	if (n == 1 && strcmp(wd[0], "login") == 0)
		return web_page_login(r, p);
	if (n == 1 && strcmp(wd[0], "logout") == 0 && post)
		return web_page_logout(r, p);
	if (n == 1 && strcmp(wd[0], "lang") == 0) {
		const char *to = web_arg(r, "to"), *back = web_arg(r, "back");
		/* only a path of ours: never an open redirect */
		if (!back || back[0] != '/' || back[1] == '/' || strpbrk(back, "\r\n\\"))
			back = "/";
		web_redirect(p, back);
		snprintf(p->set_lang, sizeof p->set_lang, "%s",
			 to && strcmp(to, "en") == 0 ? "en" : "zh");
		return 0;
	}
	if (n == 1 && strcmp(wd[0], "sync") == 0)
		return post ? web_page_outbox_post(r, p) : web_page_sync(r, p);
	if (n == 1 && strcmp(wd[0], "people") == 0)
		return web_page_people(r, p);
	if (n == 1 && strcmp(wd[0], "dashboard") == 0)
		return web_page_dashboard(r, p);
	if (n == 2 && strcmp(wd[0], "dashboard") == 0 && strcmp(wd[1], "frame") == 0)
		return web_page_dashboard_frame(r, p);
	if (n == 1 && strcmp(wd[0], "report") == 0)
		return post ? web_page_report_post(r, p) : web_page_report(r, p);
	if (n == 1 && strcmp(wd[0], "events") == 0)
		return web_page_events(r, p);
	if (n == 2 && strcmp(wd[0], "e") == 0 && !post)
		return web_page_evidence(r, p, wd[1], false);
	if (n == 3 && strcmp(wd[0], "e") == 0 && strcmp(wd[2], "fetch") == 0 && post)
		return web_page_evidence(r, p, wd[1], true);
	if (n >= 2 && strcmp(wd[0], "k") == 0) {
		k = kind_by_name(wd[1]);
		if (!k)
			goto notfound;
		if (n == 2)
			return web_page_list(r, p, k);
		if (n == 3 && strcmp(wd[2], "new") == 0)
			return post ? web_page_form_post(r, p, k, NULL, NULL, false)
				    : web_page_form(r, p, k, NULL, NULL, false);
		if (n == 3 && strcmp(wd[2], "export.csv") == 0)
			return web_page_export(r, p, k);
		if (n == 3 && strcmp(wd[2], "import") == 0)
			return web_page_import(r, p, k);
		if (n == 4 && strcmp(wd[2], "v") == 0) {
			const struct kind_verb *v = kind_verb(k, wd[3]);
			if (!v || (v->flags & KV_PARENT))
				goto notfound;
			return post ? web_page_form_post(r, p, k, v, NULL, false)
				    : web_page_form(r, p, k, v, NULL, false);
		}
	}
	if (n >= 2 && strcmp(wd[0], "r") == 0) {
		Safecampus__Record *rec = NULL;
		const char *id = wd[1];
		if (n == 2)
			return web_page_record(r, p, id);
		if (store_get(r->w->st, id, &rec) != 0)
			goto notfound;
		k = kind_of(rec);
		safecampus__record__free_unpacked(rec, NULL);
		if (!k)
			goto notfound;
		if (n == 3 && strcmp(wd[2], "edit") == 0)
			return post ? web_page_form_post(r, p, k, NULL, id, true)
				    : web_page_form(r, p, k, NULL, id, true);
		if (n == 4 && strcmp(wd[2], "v") == 0) {
			const struct kind_verb *v = kind_verb(k, wd[3]);
			if (!v || !(v->flags & KV_PARENT))
				goto notfound;
			return post ? web_page_form_post(r, p, k, v, id, false)
				    : web_page_form(r, p, k, v, id, false);
		}
	}
notfound:
	web_error_page(p, r, 404, _("Not found"), _("There is no such page or record here."));
	return 0;
}

static enum MHD_Result answer(struct web_req *r)
{
	struct web_page p;
	int rc;

	web_page_init(&p);
	r->sess = web_session_find(r->w, r);
	rc = route(r, &p);
	if (rc == 1) { /* an event stream waits for news */
		web_page_free(&p);
		return MHD_YES;
	}
	return send_page(r, &p);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **ctx)
{
	struct web *w = cls;
	struct web_req *r = *ctx;

	(void)version;
	if (!r) {
		const char *cl, *ct;
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		r->w = w;
		r->conn = conn;
		r->method = method;
		r->url = url;
		*ctx = r;
		web_conn_request(r);
		client_ip(r);
		pick_lang(r);
		ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_TYPE);
		r->body_max = ct && strncmp(ct, "multipart/form-data", 19) == 0 ? WEB_MAX_UPLOAD
										: WEB_MAX_BODY;
		/* a form taking an evidence file: a file up to twice the limit is read
		 * (its bytes past the limit dropped) so that the form can say so
		 * beside the field; a larger body is refused at once */
		if (ct && strncmp(ct, "multipart/form-data", 19) == 0 &&
		    strcmp(method, "POST") == 0 && (r->file_max = web_evidence_form_max(w, url)))
			r->body_max = (size_t)(2 * r->file_max) + WEB_MAX_BODY;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* A browser sends the whole body before it reads an answer: a 413
		 * sent at once, followed by MHD closing a socket with the body
		 * still arriving, makes the kernel reset the connection, and the
		 * reset can discard the 413 before the browser reads it (curl then
		 * reports no status at all). So a body up to the swallow bound is
		 * read and thrown away, and answered when in; only a larger one,
		 * or a client that waits for "100 Continue", is answered now. */
		if (cl && strtoull(cl, NULL, 10) > r->body_max) {
			const char *ex = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								     MHD_HTTP_HEADER_EXPECT);
			r->too_big = true;
			if ((ex && strcasecmp(ex, "100-continue") == 0) ||
			    strtoull(cl, NULL, 10) > WEB_SWALLOW_FACTOR * (uint64_t)r->body_max)
				return refuse_now(
					r, 413,
					_("The form or file is too large: nothing was written."));
			return MHD_YES;
		}
		if (strcmp(method, "POST") == 0) {
			r->pp = MHD_create_post_processor(conn, 8192, on_field, r);
			if (!r->pp)
				r->bad_body = true; /* not a form: answered when complete */
		}
		return MHD_YES;
	}
	pick_lang(r);
	if (r->answered) { /* refused early: swallow what still comes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		r->body += *upload_size;
		if (r->body > r->body_max)
			r->too_big = true;
		else if (r->pp && !r->bad_body && !r->too_big &&
			 MHD_post_process(r->pp, upload, *upload_size) != MHD_YES && !r->too_big)
			r->bad_body = true;
		*upload_size = 0;
		/* MHD takes an answer only once the body is in (a body without a
		 * length grows past the limit here): the rest is read and thrown
		 * away, up to a bound, so the browser gets its 413 */
		if (r->too_big && r->body > WEB_SWALLOW_FACTOR * (uint64_t)r->body_max)
			return MHD_NO;
		return MHD_YES;
	}
	if (r->suspended) /* a waiting event stream, resumed */
		r->suspended = false;
	if (r->too_big)
		return refuse_now(r, 413, _("The form or file is too large: nothing was written."));
	if (r->bad_body)
		return refuse_now(r, 400, _("The form could not be read: nothing was written."));
	finish_fields(r);
	return answer(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
			 enum MHD_RequestTerminationCode toe)
{
	struct web *w = cls;
	struct web_req *r = *ctx;

	web_conn_done(conn);
	if (!r)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_debug("web: request ended early url=%s code=%d", r->url, (int)toe);
	for (size_t i = 0; i < w->nsse; i++)
		if (w->sse[i] == r) {
			w->sse[i] = w->sse[--w->nsse];
			break;
		}
	req_free(r);
	*ctx = NULL;
}

/* libmicrohttpd's own printf-style messages: fmt is theirs */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_info("web: %s", line);
}

/* ---------------------------------------------------------------- event streams */

/* Suspended streams are resumed: the dashboard changed, time is up, or we stop. */
static void wake_streams(struct web *w, bool all)
{
	int64_t now = verb_now_ms();

	for (size_t i = 0; i < w->nsse; i++) {
		struct web_req *r = w->sse[i];
		if (!r->suspended)
			continue;
		if (all || r->sse_version != w->dash_version ||
		    now - r->sse_since_ms >= WEB_SSE_WAIT_MS)
			MHD_resume_connection(r->conn);
	}
}

static void on_sse_timer(uv_timer_t *t)
{
	struct web *w = container_of(t, struct web, sse_timer);

	wake_streams(w, false);
	web_conn_sweep(w);
	web_evidence_tick(w);
	run_mhd(w);
}

int web__suspend(struct web_req *r);
int web__suspend(struct web_req *r)
{
	struct web *w = r->w;

	if (w->nsse >= WEB_MAX_SSE || w->stopping)
		return -EBUSY;
	w->sse[w->nsse++] = r;
	r->suspended = true;
	r->sse_since_ms = verb_now_ms();
	MHD_suspend_connection(r->conn);
	return 0;
}

void web_sync_changed(struct web *w, unsigned what)
{
	if (what & SYNC_CHANGED_DASHBOARD)
		w->dash_version++;
	if (what & SYNC_CHANGED_ROUND)
		w->data_version++;
	wake_streams(w, false);
	run_mhd(w);
}

/* ---------------------------------------------------------------- start and stop */

static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *loopback, char *err,
			size_t n)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	long port;
	char *end;

	if (!colon || (size_t)(colon - s) >= sizeof host) {
		snprintf(err, n, _("--listen %s: not ADDR:PORT"), s);
		return -EINVAL;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535) {
		snprintf(err, n, _("--listen %s: the port is not 1-65535"), s);
		return -EINVAL;
	}
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[strlen(host) - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			goto bad;
		*loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
		*loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	return 0;
bad:
	snprintf(err, n, _("--listen %s: \"%s\" is not an IP address"), s, host);
	return -EINVAL;
}

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1 << 20) ||
	    fseek(f, 0, SEEK_SET) != 0 || !(s = malloc((size_t)n + 1))) {
		fclose(f);
		return NULL;
	}
	if (fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		fclose(f);
		return NULL;
	}
	s[n] = '\0';
	fclose(f);
	return s;
}

int web_start(uv_loop_t *loop, struct store *st, const struct web_opts *opts, struct web **out,
	      char *err, size_t errlen)
{
	struct web *w = calloc(1, sizeof *w);
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const char *listen = opts->listen ? opts->listen : "127.0.0.1:8370";
	int rc;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->loop = loop;
	w->st = st;
	w->opts = opts;
	w->session_ttl_ms = (opts->session_ttl_s ? opts->session_ttl_s : 1800) * 1000u;
	rc = store_config_load(st, &w->cfg);
	if (rc) {
		snprintf(err, errlen, "%s",
			 _("this store has no settings: run `safecampus init` first"));
		goto fail;
	}
	rc = parse_listen(listen, &ss, &w->loopback, err, errlen);
	if (rc)
		goto fail;
	if (opts->tls_cert && opts->tls_key) {
		w->tls_cert = read_pem(opts->tls_cert);
		w->tls_key = read_pem(opts->tls_key);
		if (!w->tls_cert || !w->tls_key) {
			snprintf(err, errlen, _("cannot read the HTTPS certificate %s or key %s"),
				 opts->tls_cert, opts->tls_key);
			rc = -EINVAL;
			goto fail;
		}
		w->https = true;
		flags |= MHD_USE_TLS;
	}
	if (!w->loopback && !w->https) {
		snprintf(
			err, errlen,
			_("--listen %s is not a loopback address: serving the campus network needs "
			  "HTTPS, so that passwords and records do not cross it in the clear "
			  "(--tls-cert and --tls-key, from `deploy/pki.sh web DIR HOST`)"),
			listen);
		rc = -EPERM;
		goto fail;
	}
	{
		struct MHD_OptionItem tls[] = {
			{ MHD_OPTION_HTTPS_MEM_CERT, 0, w->tls_cert },
			{ MHD_OPTION_HTTPS_MEM_KEY, 0, w->tls_key },
			{ MHD_OPTION_END, 0, NULL },
		};
		struct MHD_OptionItem none[] = { { MHD_OPTION_END, 0, NULL } };
		w->d = MHD_start_daemon(
			flags, 0, NULL, NULL, on_request, w, MHD_OPTION_SOCK_ADDR,
			(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			(size_t)WEB_HEADER_MEMORY, MHD_OPTION_CONNECTION_LIMIT,
			(unsigned)WEB_MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			(unsigned)WEB_MAX_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
			(unsigned)WEB_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
			MHD_OPTION_NOTIFY_CONNECTION, web_conn_notify, w,
			MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, w,
			MHD_OPTION_ARRAY, w->https ? tls : none, MHD_OPTION_END);
	}
	if (!w->d) {
		snprintf(err, errlen,
			 _("cannot listen on %s (in use, or not an address of this "
			   "computer? or the HTTPS certificate and key do not match)"),
			 listen);
		rc = -EADDRINUSE;
		goto fail;
	}
	di = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!di) {
		snprintf(err, errlen, "libmicrohttpd has no epoll descriptor");
		rc = -ENOSYS;
		MHD_stop_daemon(w->d);
		goto fail;
	}
	snprintf(w->url, sizeof w->url, "%s://%s/", w->https ? "https" : "http", listen);
	uv_poll_init(loop, &w->poll, di->epoll_fd);
	uv_poll_start(&w->poll, UV_READABLE, on_poll);
	uv_timer_init(loop, &w->timer);
	uv_timer_init(loop, &w->sse_timer);
	uv_timer_start(&w->sse_timer, on_sse_timer, 1000, 1000);
	arm(w);
	*out = w;
	return 0;
fail:
	store_config_free(&w->cfg);
	free(w->tls_cert);
	free(w->tls_key);
	free(w);
	return rc;
}

const char *web_url(const struct web *w)
{
	return w->url;
}

void web_stop(struct web *w)
{
	if (w->stopping)
		return;
	/* every waiting stream is answered before MHD goes */
	wake_streams(w, true);
	web_job_stop(w); /* its requests too */
	run_mhd(w);
	w->stopping = true;
	web_evidence_stop(w);
	uv_poll_stop(&w->poll);
	uv_close((uv_handle_t *)&w->poll, NULL);
	uv_close((uv_handle_t *)&w->timer, NULL);
	uv_close((uv_handle_t *)&w->sse_timer, NULL);
}

void web_free(struct web *w)
{
	if (!w)
		return;
	if (w->d)
		MHD_stop_daemon(w->d);
	web_evidence_free(w);
	web_schools_free(w);
	store_config_free(&w->cfg);
	free(w->tls_cert);
	free(w->tls_key);
	free(w);
}
