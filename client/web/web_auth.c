/* Signing in: the people of client/person.c (scrypt passwords), sessions in
 * memory with an idle expiry, a CSRF token per session carried by every
 * form, and a pause after repeated wrong passwords, per address and per
 * login. A restart signs everyone out, which is the safe side. */
#include "web_int.h"

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "log.h"

static int random_hex(char *out, size_t bytes)
{
	unsigned char b[32];

	if (bytes > sizeof b || RAND_bytes(b, (int)bytes) != 1)
		return -1;
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static bool same(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

struct web_session *web_session_find(struct web *w, struct web_req *r)
{
	const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "sc_session");
	int64_t now = verb_now_ms();

	if (!c || strlen(c) != 64)
		return NULL;
	for (size_t i = 0; i < WEB_MAX_SESSIONS; i++) {
		struct web_session *s = &w->sessions[i];
		if (!s->id[0] || !same(s->id, c))
			continue;
		if (now - s->seen_ms > (int64_t)w->session_ttl_ms ||
		    now - s->created_ms > 12 * 3600 * 1000LL) {
			memset(s, 0, sizeof *s); /* expired: signed out */
			r->sess_expired = true;
			return NULL;
		}
		s->seen_ms = now;
		return s;
	}
	r->sess_expired = true; /* signed out earlier, or this box restarted since */
	return NULL;
}

bool web_csrf_ok(struct web_req *r)
{
	const char *t = web_arg(r, "csrf");

	return r->sess && t && same(r->sess->csrf, t);
}

static struct web_session *session_new(struct web *w, const struct person *who)
{
	struct web_session *s = NULL;
	int64_t now = verb_now_ms();

	for (size_t i = 0; i < WEB_MAX_SESSIONS; i++) {
		struct web_session *x = &w->sessions[i];
		if (!x->id[0] || now - x->seen_ms > (int64_t)w->session_ttl_ms) {
			s = x;
			break;
		}
		if (!s || x->seen_ms < s->seen_ms)
			s = x; /* all in use: the one idle longest goes */
	}
	memset(s, 0, sizeof *s);
	if (random_hex(s->id, 32) || random_hex(s->csrf, 32)) {
		memset(s, 0, sizeof *s);
		return NULL;
	}
	s->who = *who;
	s->created_ms = s->seen_ms = now;
	return s;
}

/* ---------------------------------------------------------------- wrong passwords */

static struct web_fail *fail_entry(struct web *w, const char *key, bool make)
{
	struct web_fail *old = NULL;
	int64_t now = verb_now_ms();

	for (size_t i = 0; i < WEB_MAX_FAIL_ENTRIES; i++) {
		struct web_fail *f = &w->fails[i];
		if (f->key[0] && strcmp(f->key, key) == 0)
			return f;
		if (!old || !f->key[0] || f->first_ms < old->first_ms)
			old = f;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof *old);
	snprintf(old->key, sizeof old->key, "%.90s", key);
	old->first_ms = now;
	return old;
}

/* Milliseconds until key may try again, 0 if it may now. */
static int64_t paused(struct web *w, const char *key)
{
	struct web_fail *f = fail_entry(w, key, false);
	int64_t now = verb_now_ms();

	return f && f->until_ms > now ? f->until_ms - now : 0;
}

static void count_fail(struct web *w, const char *key)
{
	struct web_fail *f = fail_entry(w, key, true);
	int64_t now = verb_now_ms();

	if (now - f->first_ms > WEB_LOGIN_WINDOW_MS) {
		f->n = 0;
		f->first_ms = now;
	}
	if (++f->n >= WEB_LOGIN_FAILS) {
		f->until_ms = now + WEB_LOGIN_PAUSE_MS;
		f->n = 0;
		f->first_ms = now;
	}
}

static void forget_fails(struct web *w, const char *key)
{
	struct web_fail *f = fail_entry(w, key, false);

	if (f)
		memset(f, 0, sizeof *f);
}

/* ---------------------------------------------------------------- pages */

static void login_form(struct web_page *p, struct web_req *r, const char *login, const char *error)
{
	const char *back = web_arg(r, "back");

	web_head(p, r, _("Sign in"));
	if (error) {
		web_p(p, "<p class=\"error\" id=\"error\">");
		web_e(p, error);
		web_p(p, "</p>\n");
	}
	web_p(p,
	      "<form method=\"post\" action=\"/login\" id=\"login\">\n"
	      "<div class=\"field\"><label for=\"login-name\">%s</label>"
	      "<input id=\"login-name\" name=\"login\" autocomplete=\"username\" required value=\"",
	      _("Login"));
	web_e(p, login ? login : "");
	web_p(p,
	      "\"></div>\n<div class=\"field\"><label for=\"login-password\">%s</label>"
	      "<input id=\"login-password\" name=\"password\" type=\"password\" "
	      "autocomplete=\"current-password\" required></div>\n"
	      "<input type=\"hidden\" name=\"back\" value=\"",
	      _("Password"));
	web_e(p, back && back[0] == '/' && back[1] != '/' ? back : "/");
	web_p(p, "\">\n<button type=\"submit\">%s</button>\n</form>\n<p class=\"help\">%s</p>\n",
	      _("Sign in"),
	      _("The principal makes the school's accounts on the People page. After five "
		"wrong passwords, signing in pauses for a minute."));
	web_foot(p, r);
}

int web_page_login(struct web_req *r, struct web_page *p)
{
	struct web *w = r->w;
	const char *login = web_arg(r, "login"), *pw = web_arg(r, "password");
	const char *back = web_arg(r, "back");
	char ipkey[96], lkey[96], msg[256];
	/* keys fit web_fail.key */
	struct person who;
	int64_t wait;
	int rc;

	if (strcmp(r->method, "POST") != 0) {
		login_form(p, r, NULL, NULL);
		return 0;
	}
	if (!login || !pw || !*login || !*pw) {
		p->status = 400;
		login_form(p, r, login, _("Give your login and your password."));
		return 0;
	}
	snprintf(ipkey, sizeof ipkey, "ip:%.64s", r->ip);
	snprintf(lkey, sizeof lkey, "login:%.80s", login);
	wait = paused(w, ipkey);
	if (paused(w, lkey) > wait)
		wait = paused(w, lkey);
	if (wait) {
		p->status = 429;
		snprintf(p->retry_after, sizeof p->retry_after, "%d",
			 (int)((wait + 999) / 1000 % 100000));
		snprintf(msg, sizeof msg, _("Too many wrong passwords: try again in %lld seconds."),
			 (long long)(wait + 999) / 1000);
		login_form(p, r, login, msg);
		return 0;
	}
	rc = person_login(w->st, login, pw, &who);
	if (rc == 0 && w->cfg.role != SAFECAMPUS__ROLE__ROLE_BUREAU && who.school[0] &&
	    strcmp(who.school, w->cfg.school) != 0)
		rc = PERSON_EUNKNOWN; /* a person of another school */
	if (rc) {
		count_fail(w, ipkey);
		count_fail(w, lkey);
		log_info("web: sign-in refused login=%s ip=%s: %s", login, r->ip,
			 rc == PERSON_EREVOKED ? "revoked" : "unknown login or wrong password");
		p->status = 401;
		login_form(p, r, login,
			   rc == PERSON_EREVOKED ? _("This account was revoked.")
						 : _("Unknown login or wrong password."));
		return 0;
	}
	forget_fails(w, lkey);
	r->sess = session_new(w, &who);
	if (!r->sess) {
		web_error_page(p, r, 500, _("Sign in"), _("Cannot make a session."));
		return 0;
	}
	r->sess_new = true;
	log_info("web: signed in login=%s ip=%s", login, r->ip);
	web_redirect(p, back && back[0] == '/' && back[1] != '/' && !strpbrk(back, "\r\n\\") ? back
											     : "/");
	return 0;
}

int web_page_logout(struct web_req *r, struct web_page *p)
{
	if (r->sess)
		memset(r->sess, 0, sizeof *r->sess);
	r->sess = NULL;
	web_redirect(p, "/");
	return 0;
}

bool web_need_person(struct web_req *r, struct web_page *p)
{
	if (r->sess)
		return false;
	web_error_page(p, r, 401, _("Sign in first"),
		       _("Writing records needs a signed-in person of this school: sign in, then "
			 "send the form again. Nothing was written."));
	return true;
}

void web_verb_ctx(struct web_req *r, struct verb_ctx *vc, struct verb_actor *a,
		  const char *password)
{
	memset(a, 0, sizeof *a);
	if (r->sess) {
		a->login = r->sess->who.login;
		a->password = password;
		a->name = r->sess->who.display_name;
		a->role = r->sess->who.role;
	}
	*vc = (struct verb_ctx){ .st = r->w->st, .cfg = &r->w->cfg, .actor = r->sess ? a : NULL };
}
