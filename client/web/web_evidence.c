/* Evidence files in the browser (docs/internals/evidence.md): each file a
 * record's signature describes, listed with where it is; the file itself,
 * served from the local store once its bytes hash to its name; a fetch from
 * the server for a file only the server has (what `safecampus evidence get`
 * does, on the interface's own loop); and the upload of a sign-off's form,
 * kept by the very function `--evidence FILE` uses (evidence_add). */
#include "web_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "evidence.h"
#include "i18n.h"
#include "log.h"
#include "sig.h"

#define WEB_EV_FETCHES 4  /* fetches from the server at once */
#define WEB_EV_RESULTS 32 /* how the last fetches ended, for the record page */
#define WEB_EV_RESULT_MS (10 * 60 * 1000)

/* One `evidence get` on the interface's loop. so and rep belong to s until
 * it is freed, so they live here, not on a stack. */
struct web_fetch {
	char hex[65];
	struct sync *s; /* NULL: slot free */
	struct sync_opts so;
	struct sync_report rep;
	bool ended; /* seen finished: freed at the next tick, once its handles closed */
};

struct web_fetch_result {
	char hex[65];
	bool ok;
	char why[256];
	int64_t at_ms;
};

struct web_ev {
	struct web_fetch f[WEB_EV_FETCHES];
	struct web_fetch_result res[WEB_EV_RESULTS];
	size_t nres; /* results written, the ring's next slot is nres % WEB_EV_RESULTS */
};

static bool is_hex64(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && s[n] == '\0';
}

/* ---------------------------------------------------------------- which forms */

bool web_evidence_takes(const struct kind *g, const struct kind_verb *v, bool edit)
{
	if (edit || !g)
		return false;
	if (v)
		return (v->flags & KV_EVIDENCE_FILE) != 0;
	return g->ops && g->ops->evidence_files;
}

/* The form's URL as web_http.c routes it: /k/KIND/new, /k/KIND/v/VERB,
 * /r/ID/v/VERB. */
uint64_t web_evidence_form_max(struct web *w, const char *url)
{
	char a[8], b[96], c[8], d[64];
	const struct kind *k = NULL;
	const struct kind_verb *v = NULL;
	struct evidence_limits lim;
	int n = sscanf(url, "/%7[a-z]/%95[^/]/%7[a-z]/%63[^/]", a, b, c, d);

	if (n >= 3 && strcmp(a, "k") == 0) {
		k = kind_by_name(b);
		if (!k || (n == 3 && strcmp(c, "new") != 0) ||
		    (n == 4 && (strcmp(c, "v") != 0 || !(v = kind_verb(k, d)))))
			return 0;
	} else if (n == 4 && strcmp(a, "r") == 0 && strcmp(c, "v") == 0) {
		Safecampus__Record *rec = NULL;
		if (store_get(w->st, b, &rec) != 0)
			return 0;
		k = kind_of(rec);
		safecampus__record__free_unpacked(rec, NULL);
		if (!k || !(v = kind_verb(k, d)))
			return 0;
	} else {
		return 0;
	}
	if (!web_evidence_takes(k, v, false) || evidence_limits_get(w->st, &lim) != 0)
		return 0;
	return lim.max_file;
}

/* ---------------------------------------------------------------- sizes */

static void fmt_size(uint64_t n, char *out, size_t len)
{
	if (n < 1024)
		snprintf(out, len, _("%llu bytes"), (unsigned long long)n);
	else if (n < 1024 * 1024)
		snprintf(out, len, "%.1f KB", (double)n / 1024.0);
	else
		snprintf(out, len, "%.1f MB", (double)n / (1024.0 * 1024.0));
}

/* ---------------------------------------------------------------- the upload */

void web_evidence_input(struct web_page *p, struct web_req *r, const char *err)
{
	struct evidence_limits lim;
	char max[32];

	if (evidence_limits_get(r->w->st, &lim) != 0)
		lim.max_file = EVIDENCE_DEFAULT_MAX_FILE;
	fmt_size(lim.max_file, max, sizeof max);
	web_p(p,
	      "<div class=\"field%s\"><label for=\"in-_evidence\">%s</label>"
	      "<input id=\"in-_evidence\" name=\"_evidence\" type=\"file\" "
	      "accept=\"image/*,application/pdf\" data-max=\"%llu\" data-too-big=\"",
	      err ? " bad" : "", _("Evidence file (photo or PDF)"),
	      (unsigned long long)lim.max_file);
	/* the browser says so before sending (evidence.js); the server checks again */
	{
		char msg[256];
		snprintf(msg, sizeof msg,
			 _("The file is larger than this campus's limit of %s per file: choose a "
			   "smaller one (a photo at a lower resolution). Nothing was sent."),
			 max);
		web_e(p, msg);
	}
	web_p(p, "\"><div class=\"help\">");
	web_p(p,
	      _("Optional. At most %s; it is kept here, signed with the step and sent to "
		"the server at the next sync."),
	      max);
	web_p(p, "</div><div class=\"msg\" id=\"err-_evidence\"%s>", err ? "" : " hidden");
	if (err)
		web_e(p, err);
	web_p(p, "</div></div>\n");
}

/* The browser's name for the file, as a base name evidence_add can keep:
 * no directory, no control characters, not empty, at most 200 bytes cut at
 * a character's start. */
static void safe_name(const char *in, char *out, size_t n)
{
	const char *b = in;
	size_t k = 0;

	for (const char *s = in; *s; s++)
		if (*s == '/' || *s == '\\')
			b = s + 1;
	for (; b[k] && k + 1 < n && k < 200; k++)
		out[k] = (unsigned char)b[k] < 0x20 || b[k] == 0x7f ? '_' : b[k];
	/* cut: back to the start of the character cut through */
	if (b[k])
		while (k && ((unsigned char)b[k] & 0xc0) == 0x80)
			k--;
	out[k] = '\0';
	if (!strcmp(out, "") || !strcmp(out, ".") || !strcmp(out, ".."))
		snprintf(out, n, "upload");
}

int web_evidence_upload(struct web_req *r, struct evidence_file *f, char *why, size_t n)
{
	struct web_field *fd = NULL;
	struct evidence_limits lim;
	char dir[256], path[512], name[256], size[32], max[32];
	const char *tmp = getenv("TMPDIR");
	size_t len;
	FILE *o;
	int rc;

	for (size_t i = 0; i < r->nfields && !fd; i++)
		if (r->fields[i].filename && strcmp(r->fields[i].name, "_evidence") == 0)
			fd = &r->fields[i];
	len = fd && buf_used(&fd->val) ? buf_used(&fd->val) - 1 : 0;
	if (!fd || (!fd->over && len == 0))
		return 0; /* no file chosen: the browser sends an empty part */
	rc = evidence_limits_get(r->w->st, &lim);
	if (rc)
		return sc_refuse(rc, why, n, "%s", _("cannot read the evidence limits"));
	/* the limit first, before anything is kept */
	if (fd->over || len > lim.max_file) {
		fmt_size(fd->size, size, sizeof size);
		fmt_size(lim.max_file, max, sizeof max);
		return sc_refuse(
			SC_ETOOBIG, why, n,
			_("The file is %1$s, above this campus's limit of %2$s per file "
			  "(safecampus evidence limits): nothing was saved. Choose a smaller "
			  "file and send the form again."),
			size, max);
	}
	safe_name(fd->filename, name, sizeof name);
	/* evidence_add takes a path, and names the file by its base name */
	snprintf(dir, sizeof dir, "%s/safecampus-upload-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return sc_refuse(-errno, why, n, _("cannot copy the evidence file: %s"),
				 sc_strerror(-errno));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	o = fopen(path, "wb");
	if (!o || fwrite(fd->val.data, 1, len, o) != len || fclose(o) != 0) {
		rc = errno ? -errno : -EIO;
		if (o)
			(void)!fclose(o);
		sc_refuse(rc, why, n, _("cannot copy the evidence file: %s"), sc_strerror(rc));
		goto out;
	}
	rc = evidence_add(r->w->st, path, f, why, n);
	if (rc == 0)
		rc = 1;
out:
	unlink(path);
	rmdir(dir);
	return rc;
}

void web_evidence_unused(struct web_req *r, const struct evidence_file *f)
{
	struct evidence_file k;
	enum evidence_state st;
	bool known = false;
	char path[4200];

	/* no row: nothing here names it (evidence_write adds the row with the
	 * record), so the copy evidence_add made is nobody's */
	if (evidence_known(r->w->st, f->hex, &k, &st, &known) == 0 && !known &&
	    evidence_path(r->w->st, f->hex, path, sizeof path) == 0)
		unlink(path);
}

/* ---------------------------------------------------------------- fetches */

static struct web_ev *ev_of(struct web *w)
{
	if (!w->ev)
		w->ev = calloc(1, sizeof *w->ev);
	return w->ev;
}

static struct web_fetch *fetch_running(struct web *w, const char *hex)
{
	for (size_t i = 0; w->ev && i < WEB_EV_FETCHES; i++)
		if (w->ev->f[i].s && !w->ev->f[i].ended && !strcmp(w->ev->f[i].hex, hex))
			return &w->ev->f[i];
	return NULL;
}

static const struct web_fetch_result *fetch_result(struct web *w, const char *hex)
{
	const struct web_fetch_result *best = NULL;
	int64_t now = verb_now_ms();

	for (size_t i = 0; w->ev && i < WEB_EV_RESULTS; i++) {
		const struct web_fetch_result *x = &w->ev->res[i];
		if (x->at_ms && !strcmp(x->hex, hex) && now - x->at_ms < WEB_EV_RESULT_MS &&
		    (!best || x->at_ms > best->at_ms))
			best = x;
	}
	return best;
}

void web_evidence_tick(struct web *w)
{
	for (size_t i = 0; w->ev && i < WEB_EV_FETCHES; i++) {
		struct web_fetch *f = &w->ev->f[i];
		struct web_fetch_result *x;
		if (!f->s)
			continue;
		if (f->ended) {
			/* a tick after it finished: the loop has closed its handles */
			sync_free(f->s);
			f->s = NULL;
			f->ended = false;
			continue;
		}
		if (!sync_finished(f->s))
			continue;
		f->ended = true;
		x = &w->ev->res[w->ev->nres++ % WEB_EV_RESULTS];
		memset(x, 0, sizeof *x);
		memcpy(x->hex, f->hex, sizeof x->hex);
		x->at_ms = verb_now_ms();
		x->ok = f->rep.evidence_sent > 0 && !f->rep.evidence_error[0];
		snprintf(x->why, sizeof x->why, "%s",
			 f->rep.evidence_error[0] ? f->rep.evidence_error
			 : f->rep.error[0]        ? f->rep.error
						  : "?");
		log_info("web: evidence %.16s fetched=%d %s", f->hex, x->ok, x->ok ? "" : x->why);
	}
}

void web_evidence_stop(struct web *w)
{
	for (size_t i = 0; w->ev && i < WEB_EV_FETCHES; i++)
		if (w->ev->f[i].s)
			sync_stop(w->ev->f[i].s);
}

void web_evidence_free(struct web *w)
{
	for (size_t i = 0; w->ev && i < WEB_EV_FETCHES; i++)
		sync_free(w->ev->f[i].s);
	free(w->ev);
	w->ev = NULL;
}

/* ---------------------------------------------------------------- the list */

/* Are the file's bytes here (the size; the hash is checked when it is served)? */
static bool present(struct web *w, const char *hex, uint64_t size)
{
	char path[4200];
	struct stat sb;

	return evidence_path(w->st, hex, path, sizeof path) == 0 && stat(path, &sb) == 0 &&
	       S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == size;
}

static void one_file(struct web_req *r, struct web_page *p, const Safecampus__EvidenceFile *d)
{
	struct evidence_file kf;
	enum evidence_state state = EVIDENCE_TO_UPLOAD;
	bool known = false, here;
	const struct web_fetch_result *fr;
	char hex[65], size[32];
	const char *name = d->name && *d->name ? d->name : _("(no name)");

	sig_hex(d->sha256.data, 32, hex);
	if (evidence_known(r->w->st, hex, &kf, &state, &known) != 0)
		known = false;
	here = present(r->w, hex, d->size);
	fmt_size(d->size, size, sizeof size);
	web_p(p, "<li class=\"evidence\" data-sha256=\"%s\">", hex);
	if (here) {
		web_p(p, "<a class=\"ev-open\" href=\"/e/%s\">", hex);
		web_e(p, name);
		web_p(p, "</a>");
	} else {
		web_p(p, "<span class=\"ev-name\">");
		web_e(p, name);
		web_p(p, "</span>");
	}
	web_p(p,
	      " <span class=\"ev-size\">%s</span> <code class=\"ev-sha\" "
	      "title=\"%s\">%.12s</code> ",
	      size, hex, hex);
	if (here) {
		web_p(p, "<span class=\"ev-state\" data-state=\"%s\">%s</span>",
		      !known || state == EVIDENCE_TO_UPLOAD ? "to-upload"
		      : state == EVIDENCE_UPLOADED          ? "uploaded"
							    : "fetched",
		      !known || state == EVIDENCE_TO_UPLOAD
			      ? _("kept here, to be uploaded at the next sync")
		      : state == EVIDENCE_UPLOADED ? _("kept here and uploaded to the server")
						   : _("fetched from the server, kept here"));
		web_p(p, " <a class=\"ev-download\" href=\"/e/%s?dl=1\" download>%s</a></li>", hex,
		      _("Download"));
		return;
	}
	if (fetch_running(r->w, hex)) {
		web_p(p,
		      "<span class=\"ev-state\" data-state=\"fetching\" "
		      "data-fetching>%s</span></li>",
		      _("being fetched from the server..."));
		return;
	}
	web_p(p, "<span class=\"ev-state\" data-state=\"server\">%s</span>",
	      _("only on the server"));
	fr = fetch_result(r->w, hex);
	if (fr && !fr->ok) {
		web_p(p, " <span class=\"error ev-error\">%s ", _("The fetch failed:"));
		web_e(p, fr->why);
		web_p(p, "</span>");
	}
	if (!r->w->opts->sync) {
		web_p(p, " <span class=\"help\">%s</span></li>",
		      _("This interface runs without the sync (--no-sync): fetch it with "
			"`safecampus evidence get HASH`."));
		return;
	}
	/* back to this page (a hazard's, listing its events' files) */
	if (!r->sess) {
		web_p(p, " <a href=\"/login?back=");
		web_u(p, r->url);
		web_p(p, "\">%s</a></li>", _("Sign in to fetch it"));
		return;
	}
	web_p(p, " <form method=\"post\" action=\"/e/%s/fetch\" class=\"inline\">", hex);
	web_csrf(p, r);
	web_p(p, "<input type=\"hidden\" name=\"back\" value=\"");
	web_e(p, r->url);
	web_p(p, "\"><button class=\"secondary ev-fetch\">%s</button></form></li>",
	      _("Fetch from the server"));
}

void web_evidence_list(struct web_req *r, struct web_page *p, const Safecampus__Record *rec)
{
	const Safecampus__Signature *s = rec->signature;
	bool any = false;

	for (size_t i = 0; s && i < s->n_files; i++) {
		if (!s->files[i] || s->files[i]->sha256.len != 32)
			continue;
		if (!any)
			web_p(p, "<ul class=\"evidence\">");
		any = true;
		one_file(r, p, s->files[i]);
	}
	if (any)
		web_p(p, "</ul>");
}

/* ---------------------------------------------------------------- /e/HEX */

static bool inline_type(const char *t)
{
	return !strcmp(t, "image/jpeg") || !strcmp(t, "image/png") || !strcmp(t, "image/gif") ||
	       !strcmp(t, "image/webp") || !strcmp(t, "application/pdf");
}

/* attachment; filename="ASCII"; filename*=UTF-8''%E6%95%B4... (RFC 6266) */
static void disposition(struct web_page *p, bool attach, const char *name)
{
	static const char hx[] = "0123456789ABCDEF";
	char ascii[128], pct[768];
	size_t a = 0, k = 0;

	/* the fallback for old browsers: one '_' for each character it cannot say */
	for (const unsigned char *s = (const unsigned char *)name; *s && a + 1 < sizeof ascii; s++)
		if ((*s & 0xc0) != 0x80)
			ascii[a++] = *s < 0x20 || *s >= 0x7f || *s == '"' || *s == '\\' || *s == '%'
					     ? '_'
					     : (char)*s;
	ascii[a] = '\0';
	for (const unsigned char *s = (const unsigned char *)name; *s && k + 4 < sizeof pct; s++) {
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("!#$&+-.^_`|~", *s)) {
			pct[k++] = (char)*s;
		} else {
			pct[k++] = '%';
			pct[k++] = hx[*s >> 4];
			pct[k++] = hx[*s & 15];
		}
	}
	pct[k] = '\0';
	snprintf(p->disposition, sizeof p->disposition, "%s; filename=\"%s\"; filename*=UTF-8''%s",
		 attach ? "attachment" : "inline", ascii, pct);
}

static int serve_file(struct web_req *r, struct web_page *p, const char *hex)
{
	struct evidence_file f;
	enum evidence_state state;
	bool known = false;
	char path[4200], got[65];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *dl = web_arg(r, "dl");
	struct stat sb;
	uint8_t *dst;
	ssize_t k;
	size_t off = 0;
	int fd = -1;

	if (evidence_known(r->w->st, hex, &f, &state, &known) != 0 || !known ||
	    evidence_path(r->w->st, hex, path, sizeof path) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		web_error_page(p, r, 404, _("Not found"),
			       _("This evidence file is not here. Open the record it belongs to "
				 "and fetch it from the server."));
		return 0;
	}
	/* bounded: the size the store knows, within a page's limit */
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != f.size ||
	    f.size > WEB_MAX_PAGE || !(dst = buf_reserve(&p->b, f.size ? f.size : 1))) {
		close(fd);
		web_error_page(p, r, 500, _("Evidence file"),
			       _("The copy here is not the size its record says: fetch it again "
				 "from the server."));
		return 0;
	}
	while (off < f.size && (k = read(fd, dst + off, f.size - off)) > 0)
		off += (size_t)k;
	close(fd);
	if (off != f.size || EVP_Digest(dst, off, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32 || (sig_hex(md, 32, got), strcmp(got, hex) != 0)) {
		web_error_page(p, r, 500, _("Evidence file"),
			       _("The copy here does not hash to its name (damaged?): it was not "
				 "sent. Fetch it again from the server."));
		return 0;
	}
	buf_commit(&p->b, off);
	/* the type from the bytes, not from what a sender said */
	p->ctype = evidence_media_type(dst, off);
	if (!strcmp(p->ctype, "image/heic"))
		p->ctype = "application/octet-stream";
	/* an image or PDF opens in the browser; it may run nothing of ours */
	p->csp = !strcmp(p->ctype, "application/pdf")
			 ? "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
			 : "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
			   "frame-ancestors 'self'";
	disposition(p, (dl && *dl) || !inline_type(p->ctype), f.name);
	return 0;
}

static int start_fetch(struct web_req *r, struct web_page *p, const char *hex)
{
	struct web_ev *ev = ev_of(r->w);
	const char *back = web_arg(r, "back");
	struct web_fetch *f = NULL;
	struct evidence_file kf;
	enum evidence_state state;
	bool known = false;

	/* only a path of ours: never an open redirect */
	if (!back || back[0] != '/' || back[1] == '/' || strpbrk(back, "\r\n\\"))
		back = "/";
	if (!r->w->opts->sync) {
		web_error_page(p, r, 409, _("Evidence file"),
			       _("This interface runs without the sync (--no-sync): fetch it with "
				 "`safecampus evidence get HASH`."));
		return 0;
	}
	if (!ev) {
		web_error_page(p, r, 500, _("Evidence file"), sc_strerror(-ENOMEM));
		return 0;
	}
	if (evidence_known(r->w->st, hex, &kf, &state, &known) == 0 && known &&
	    present(r->w, hex, kf.size)) {
		web_redirect(p, back);
		return 0;
	}
	if (fetch_running(r->w, hex)) {
		web_redirect(p, back);
		return 0;
	}
	for (size_t i = 0; i < WEB_EV_FETCHES && !f; i++)
		if (!ev->f[i].s)
			f = &ev->f[i];
	if (!f) {
		snprintf(p->retry_after, sizeof p->retry_after, "5");
		web_error_page(p, r, 503, _("Evidence file"),
			       _("Other files are being fetched: try again in a few seconds."));
		return 0;
	}
	memset(f, 0, sizeof *f);
	snprintf(f->hex, sizeof f->hex, "%s", hex);
	f->so.evidence_fetch = f->hex;
	if (sync_start(r->w->loop, r->w->st, &f->so, &f->rep, &f->s) != 0) {
		char msg[400];
		f->s = NULL;
		snprintf(msg, sizeof msg, "%s %s", _("The fetch failed:"), f->rep.error);
		web_error_page(p, r, 502, _("Evidence file"), msg);
		return 0;
	}
	web_redirect(p, back);
	return 0;
}

int web_page_evidence(struct web_req *r, struct web_page *p, const char *hex, bool fetch)
{
	if (!is_hex64(hex)) {
		web_error_page(p, r, 404, _("Not found"),
			       _("There is no such page or record here."));
		return 0;
	}
	if (fetch)
		return start_fetch(r, p, hex);
	return serve_file(r, p, hex);
}

/* ---------------------------------------------------------------- script */

/* A file over the limit is named beside its field before the form is sent;
 * a page with a fetch in progress looks again shortly. */
static const char js[] =
	"'use strict';\n"
	"document.querySelectorAll('input[type=file][data-max]').forEach(function(i){\n"
	" var m=document.getElementById('err-'+i.name);\n"
	" function bad(){return i.files.length&&i.files[0].size>Number(i.dataset.max);}\n"
	" i.addEventListener('change',function(){var b=bad();if(m){m.hidden=!b;"
	"m.textContent=b?i.dataset.tooBig:'';}i.closest('.field').classList.toggle('bad',b);});\n"
	" i.form.addEventListener('submit',function(e){if(bad()){e.preventDefault();"
	"if(m){m.hidden=false;m.textContent=i.dataset.tooBig;}}});});\n"
	"if(document.querySelector('[data-fetching]'))"
	"setTimeout(function(){location.reload();},1500);\n";

int web_evidence_static(struct web_req *r, struct web_page *p)
{
	(void)r;
	p->ctype = "text/javascript; charset=utf-8";
	web_p(p, "%s", js);
	return 0;
}
