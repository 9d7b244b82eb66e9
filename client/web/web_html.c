/* Writing pages: a bounded buffer, escaping, the frame every page shares
 * (language, the bar, the links), errors and redirects, the style sheet and
 * the one small script, served from here so nothing is fetched elsewhere. */
#include "web_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

void web_page_init(struct web_page *p)
{
	memset(p, 0, sizeof *p);
	buf_init(&p->b, WEB_MAX_PAGE);
	p->status = 200;
}

void web_page_free(struct web_page *p)
{
	buf_free(&p->b);
}

static void put(struct web_page *p, const char *s, size_t n)
{
	if (!p->oom && n && buf_append(&p->b, s, n) != 0)
		p->oom = true;
}

void web_p(struct web_page *p, const char *fmt, ...)
{
	char small[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		put(p, small, (size_t)n);
		return;
	}
	{
		char *big = malloc((size_t)n + 1);
		if (!big) {
			p->oom = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		put(p, big, (size_t)n);
		free(big);
	}
}

/* Length of the valid UTF-8 sequence at s, 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F))
			return 0;
		return 3;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
			return 0;
		return 4;
	}
	return 0;
}

void web_e(struct web_page *p, const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t run = 0;

	while (u[run] || run) {
		const unsigned char *c = u + run;
		const char *rep = NULL;
		size_t n;
		if (!*c) {
			put(p, (const char *)u, run);
			break;
		}
		switch (*c) {
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '&':
			rep = "&amp;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		case '\r': /* of a CR LF a form or a file once stored: the LF breaks the line */
			rep = "";
			break;
		default:
			break;
		}
		n = rep ? 1 : utf8_len(c);
		if (!rep && (n == 0 || (*c < 0x20 && *c != '\n' && *c != '\t') || *c == 0x7F)) {
			rep = "\xEF\xBF\xBD";
			n = n ? n : 1;
		}
		if (!rep) {
			run += n;
			continue;
		}
		put(p, (const char *)u, run);
		put(p, rep, strlen(rep));
		u = c + n;
		run = 0;
	}
}

void web_u(struct web_page *p, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.' || *c == '~') {
			put(p, (const char *)c, 1);
		} else {
			char e[3] = { '%', hex[*c >> 4], hex[*c & 15] };
			put(p, e, 3);
		}
	}
}

void web_csrf(struct web_page *p, struct web_req *r)
{
	if (r->sess)
		web_p(p, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->sess->csrf);
}

void web_redirect(struct web_page *p, const char *url)
{
	p->status = 303;
	snprintf(p->location, sizeof p->location, "%s", url);
}

static bool zh(const struct web_req *r)
{
	return strncmp(r->lang, "zh", 2) == 0;
}

void web_head(struct web_page *p, struct web_req *r, const char *title)
{
	const struct web *w = r->w;
	bool bureau = w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU;

	web_p(p,
	      "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<link rel=\"icon\" href=\"data:,\">\n"
	      "<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
	      "<script src=\"/static/app.js\" defer></script>\n<title>",
	      zh(r) ? "zh-CN" : "en");
	web_e(p, title);
	web_p(p,
	      " · %s</title>\n</head>\n<body>\n<header class=\"bar\">\n<a class=\"brand\" "
	      "href=\"/\">%s</a>\n<span class=\"who\">",
	      _("Safe campus"), _("Safe campus"));
	{
		/* people know their school by name; an id only when no name is
		 * held (no profile, no dashboard yet) */
		char name[256];
		web_scope_name(r->w, name, sizeof name);
		web_p(p, "<span id=\"scope\">");
		web_e(p, name);
		web_p(p, "</span>");
	}
	if (!bureau) {
		web_p(p, " · %s ", _("campus"));
		web_e(p, w->cfg.campus);
	}
	web_p(p,
	      "</span>\n<nav>\n<a href=\"/\">%s</a>\n<a href=\"/dashboard\">%s</a>\n"
	      "<a href=\"/report\">%s</a>\n<a href=\"/sync\">%s</a>\n<a href=\"/people\">%s</a>\n",
	      _("Home"), _("Dashboard"), _("Annual report"), _("Sync"), _("People"));
	if (r->sess) {
		web_p(p, "<span class=\"person\">");
		web_e(p, r->sess->who.display_name);
		web_p(p, " (%s)</span>\n<form method=\"post\" action=\"/logout\" class=\"inline\">",
		      web_role_label(r->sess->who.role));
		web_csrf(p, r);
		web_p(p, "<button type=\"submit\" class=\"link\">%s</button></form>\n",
		      _("Sign out"));
	} else {
		web_p(p, "<a href=\"/login\" id=\"signin\">%s</a>\n", _("Sign in"));
	}
	web_p(p, "<a class=\"lang\" href=\"/lang?to=%s&amp;back=", zh(r) ? "en" : "zh");
	web_u(p, r->url);
	web_p(p, "\">%s</a>\n</nav>\n</header>\n<main>\n<h1>", zh(r) ? "English" : "中文");
	web_e(p, title);
	web_p(p, "</h1>\n");
}

void web_foot(struct web_page *p, struct web_req *r)
{
	(void)r;
	web_p(p, "</main>\n<footer>%s</footer>\n</body>\n</html>\n",
	      _("safecampus: records are kept on this computer first and synced with the district "
		"server."));
}

void web_error_page(struct web_page *p, struct web_req *r, int status, const char *title,
		    const char *msg)
{
	web_page_free(p);
	web_page_init(p);
	p->status = status;
	web_head(p, r, title);
	web_p(p, "<p class=\"error\" id=\"error\">");
	web_e(p, msg);
	web_p(p, "</p>\n<p><a href=\"/\">%s</a></p>\n", _("Back to the home page"));
	web_foot(p, r);
}

/* ---------------------------------------------------------------- labels */

const char *web_kind_label(const struct kind *k)
{
	return kind_label(k);
}

const char *web_field_label(const struct kind *k, const char *field)
{
	const char *l = kind_field_label(k, field);

	return l ? l : field;
}

const char *web_role_label(int role)
{
	const char *name = person_role_name(role);

	for (const struct kind_enum_label *l = kind_enum_staff_role; name && l->name; l++)
		if (strcmp(l->name, name) == 0)
			return i18n_pgettext(NULL, l->label);
	return name ? name : "?";
}

const char *web_verb_label(const struct kind *k, const struct kind_verb *v)
{
	(void)k;
	return i18n_pgettext("verb", v->name);
}

/* ---------------------------------------------------------------- static files */

static const char css[] =
	":root{--fg:#1d2733;--mute:#5b6876;--line:#d5dce3;--bg:#f5f7f9;--acc:#0b5cad;"
	"--bad:#b3261e;--ok:#1e7b34;--warn:#9a5b00}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;color:var(--fg);background:var(--bg);font:15px/1.55 \"Noto Sans CJK SC\","
	"\"Source Han Sans SC\",\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",\"PingFang SC\","
	"\"Hiragino Sans GB\",system-ui,sans-serif}\n"
	"a{color:var(--acc)}\n"
	".bar{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center;padding:.6rem 1rem;"
	"background:#fff;border-bottom:1px solid var(--line)}\n"
	".brand{font-weight:700;font-size:1.1rem;text-decoration:none;color:var(--fg)}\n"
	".who{color:var(--mute)}\nnav{display:flex;gap:1rem;flex-wrap:wrap;margin-left:auto;"
	"align-items:center}\n"
	"main{max-width:1200px;margin:0 auto;padding:1rem}\nh1{font-size:1.4rem;margin:.4rem 0 "
	"1rem}\n"
	"h2{font-size:1.15rem;margin:1.4rem 0 .6rem}\n"
	"table{border-collapse:collapse;width:100%;background:#fff}\n"
	"th,td{border:1px solid var(--line);padding:.35rem "
	".5rem;text-align:left;vertical-align:top}\n"
	/* a heading of a few Chinese words, and a day, never break inside: the
	 * squeezed columns of a history read 环 / 节 otherwise */
	"th{background:#eef2f6;cursor:pointer;white-space:nowrap}td time{white-space:nowrap}\n"
	/* on a phone a table wider than the screen scrolls in its own box, the
	 * page staying put (every table: lists, history, people, the outbox) */
	"@media(max-width:760px){table{display:block;max-width:100%;overflow-x:auto}"
	"main{padding:.6rem}}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:.8rem}\n"
	".card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem}\n"
	".card h3{margin:0 0 .3rem;font-size:1rem}\n"
	"form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:.6rem 0}\n"
	"label{display:block;font-weight:600;margin-bottom:.15rem}\n"
	".field{margin:.6rem 0;max-width:640px}\n"
	".field input,.field select,.field textarea{width:100%;padding:.35rem;font:inherit;"
	"border:1px solid var(--line);border-radius:4px;background:#fff}\n"
	".field.bad input,.field.bad select,.field.bad textarea{border-color:var(--bad)}\n"
	/* ticks: each box beside its name, in columns, not a full-width box
	 * on a line of its own above it */
	".choices{display:grid;grid-template-columns:repeat(auto-fill,minmax(11em,1fr));gap:.2rem "
	".8rem}.choices label{display:flex;gap:.4rem;align-items:center;font-weight:400;margin:0}"
	".field .choices input{width:auto}\n"
	".req{color:var(--bad)}\n.help{color:var(--mute);font-size:.88rem}\n"
	".msg{color:var(--bad);font-size:.92rem}\n"
	".date-read{display:block;color:var(--mute);font-size:.92rem}\n"
	".field .date-read{min-height:1.2em}\n"
	/* a filter's reading goes under its box, the row's boxes staying in line */
	"form.filters{margin-bottom:1.4rem}form.filters>div{position:relative}\n"
	"form.filters .date-read{position:absolute;left:0;top:100%;white-space:nowrap}\n"
	".error{color:var(--bad);font-weight:600}\n.ok{color:var(--ok);font-weight:600}\n"
	".pending{color:var(--warn)}\n.rejected{color:var(--bad)}\n"
	/* short words a narrow column broke in two (已同/步) */
	".sync,td time,.nw{white-space:nowrap}\n"
	"button,.button{display:inline-block;padding:.4rem .9rem;border:1px solid var(--acc);"
	"border-radius:4px;background:var(--acc);color:#fff;font:inherit;cursor:pointer;"
	"text-decoration:none}\n"
	"button.link{background:none;border:none;color:var(--acc);padding:0;text-decoration:"
	"underline}\n"
	"button.secondary,.button.secondary{background:#fff;color:var(--acc)}\n"
	"form.inline{display:inline}\n.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem "
	"0}\n"
	"fieldset{border:1px solid var(--line);border-radius:6px;background:#fff;margin:.8rem 0}\n"
	"legend{font-weight:700}\ndl.rec{display:grid;grid-template-columns:max-content 1fr;"
	"gap:.2rem 1rem;background:#fff;padding:.7rem;border:1px solid var(--line)}\n"
	"dl.rec dt{font-weight:600}\ndl.rec dd{margin:0;white-space:pre-wrap}\n"
	"iframe.dash{width:100%;height:80vh;border:1px solid var(--line);background:#fff}\n"
	"footer{color:var(--mute);font-size:.85rem;padding:1rem;text-align:center}\n"
	".live{color:var(--mute);font-size:.9rem}\n"
	"ul.evidence{margin:0;padding-left:1.1rem}\nul.evidence li{margin:.15rem 0}\n"
	".ev-sha{color:var(--mute)}\n"
	/* a table cell of actions (the sync page's) stays a cell: flex would
	 * take it out of the row */
	"td.actions{display:table-cell}\ntd.actions>*{margin:.1rem .2rem .1rem 0}\n"
	/* the report's per-school table: its figure names stay readable
	 * beside fourteen school columns */
	"table.schools tbody th{min-width:11em;text-align:left}\n"
	/* a table of every school side by side scrolls in its box, its row
	 * names kept in view: the page itself never widens */
	".scroll{max-width:100%;overflow-x:auto}.scroll table.schools tbody th{position:sticky;"
	"left:0;background:#fff}\n"
	"details.ids{display:inline}details.ids summary{display:inline;cursor:pointer;"
	"color:var(--acc)}\n"
	"@media print{.bar,nav,footer,form,.actions,.noprint,details.ids{display:none!important}"
	"body{background:#fff;font-size:12pt}main{max-width:none;padding:0}"
	"table{page-break-inside:auto}tr{page-break-inside:avoid}a{color:inherit;"
	"text-decoration:none}iframe.dash{height:auto;border:none}}\n";

/* Plain script, no library: sortable tables, the live dashboard, confirm. */
static const char js[] =
	"'use strict';\n"
	"document.querySelectorAll('table.sortable th').forEach(function(th,i){\n"
	" th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0];\n"
	"  var rows=Array.from(b.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';\n"
	/* days sort by their <time datetime> (ISO), not by their words */
	"  rows.sort(function(a,c){var ta=a.cells[i].querySelector('time'),"
	"tc=c.cells[i].querySelector('time'),r;\n"
	"   if(ta&&tc){var p=ta.getAttribute('datetime'),q=tc.getAttribute('datetime');"
	"r=p<q?-1:p>q?1:0;}\n"
	"   else{var x=a.cells[i].textContent,y=c.cells[i].textContent;\n"
	"   var nx=parseFloat(x),ny=parseFloat(y);r=(!isNaN(nx)&&!isNaN(ny))?nx-ny:"
	"x.localeCompare(y,'zh');}\n"
	"   return asc?r:-r;});rows.forEach(function(r){b.appendChild(r);});});});\n"
	"document.querySelectorAll('form[data-confirm]').forEach(function(f){\n"
	" f.addEventListener('submit',function(e){if(!confirm(f.dataset.confirm))e.preventDefault()"
	";});});\n"
	/* a date input's day in the page's words (web_date.c): the browser's
	 * own display follows its locale; the span carries the format and days */
	"document.querySelectorAll('.date-read').forEach(function(s){\n"
	" var i=document.getElementById(s.dataset.for),days=(s.dataset.days||'').split(';');\n"
	" if(!i)return;function read(){var m=/^(\\d{4})-(\\d{2})-(\\d{2})$/.exec(i.value);\n"
	"  if(!m){s.textContent='';return;}var a=[+m[1],+m[2],+m[3]];\n"
	"  a.push(days[new Date(Date.UTC(a[0],a[1]-1,a[2])).getUTCDay()]||'');\n"
	"  s.textContent=s.dataset.fmt.replace(/%(\\d)\\$(0?\\d*)[ds]/g,function(x,n,w){\n"
	"   var v=String(a[n-1]);while(w&&w[0]==='0'&&v.length<+w)v='0'+v;return v;});}\n"
	" i.addEventListener('input',read);i.addEventListener('change',read);read();});\n"
	"var dash=document.getElementById('dash');\n"
	"if(dash&&window.EventSource){var es=new EventSource('/events');\n"
	" es.addEventListener('dashboard',function(e){dash.src=dash.src;\n"
	"  var s=document.getElementById('live');if(s)s.textContent=s.dataset.updated+' '+"
	"new Date().toLocaleTimeString(document.documentElement.lang||undefined);});}\n";

int web_static(struct web_req *r, struct web_page *p, const char *name)
{
	if (strcmp(name, "app.css") == 0) {
		p->ctype = "text/css; charset=utf-8";
		web_p(p, "%s", css);
		return 0;
	}
	if (strcmp(name, "evidence.js") == 0)
		return web_evidence_static(r, p);
	if (strcmp(name, "report.css") == 0 || strcmp(name, "report.js") == 0)
		return web_report_static(r, p, name);
	if (strcmp(name, "app.js") == 0) {
		p->ctype = "text/javascript; charset=utf-8";
		web_p(p, "%s", js);
		return 0;
	}
	web_error_page(p, r, 404, _("Not found"), _("There is no such page or record here."));
	return 0;
}
