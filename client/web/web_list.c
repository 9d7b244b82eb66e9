/* A kind's list with filters (period, campus, status) and search, its CSV
 * export (UTF-8 with a BOM, so Excel reads the Chinese) and import by
 * upload. Columns, status words and labels come from the kind table;
 * nothing here names a kind. */
#include "web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dashboard_text.h"
#include "hlc.h"
#include "i18n.h"
#include "store_events.h"
#include "web_rec.h"

#define LIST_PAGE 200

bool web_settable(const ProtobufCFieldDescriptor *f)
{
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return false;
	return f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_BYTES;
}

bool web_ends(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

/* The field a record's period is read from: the kind's first date field. */
const ProtobufCFieldDescriptor *web_date_field(const struct kind *k)
{
	for (unsigned i = 0; i < k->desc->n_fields; i++)
		if (k->desc->fields[i].type == PROTOBUF_C_TYPE_STRING &&
		    web_ends(k->desc->fields[i].name, "_date"))
			return &k->desc->fields[i];
	return NULL;
}

/* A ';'-separated list of words (a report's channels, a notice's schools),
 * each as word(ctx, item) names it, separated as the page's language does:
 * "主题班会；班级群". Empty items are skipped. */
static void list_words(struct web_page *p, const char *v,
		       const char *(*word)(const void *ctx, const char *item), const void *ctx)
{
	bool first = true;

	for (const char *s = v, *e; *s; s = *e ? e + 1 : e) {
		char *item;
		e = strchr(s, ';');
		if (!e)
			e = s + strlen(s);
		if (e == s)
			continue;
		item = strndup(s, (size_t)(e - s));
		if (!item) {
			p->oom = true;
			return;
		}
		if (!first)
			/* TRANSLATORS: between the items of a list of values in a cell */
			web_e(p, _("; "));
		first = false;
		web_e(p, word(ctx, item));
		free(item);
	}
}

struct field_of {
	const struct kind *k;
	const char *field;
};

/* An item of a list of set words by its label in k's table (no label: the word). */
static const char *label_word(const void *ctx, const char *item)
{
	const struct field_of *f = ctx;

	return kind_enum_label_tr(f->k, f->field, item);
}

/* A school id by the school's name, as the bureau knows it. */
static const char *school_word(const void *ctx, const char *item)
{
	return web_school_label(((const struct web_req *)ctx)->w, item);
}

/* An enum's label or a short text; a short one (班主任, 刘副校长) on one
 * line, which a narrow column broke in two. */
static void enum_cell(struct web_page *p, const char *label)
{
	size_t chars = 0;

	for (const char *c = label; *c; c++)
		chars += ((unsigned char)*c & 0xC0) != 0x80;
	if (chars && chars <= 6) {
		web_p(p, "<span class=\"nw\">");
		web_e(p, label);
		web_p(p, "</span>");
	} else {
		web_e(p, label);
	}
}

void web_value(struct web_req *r, struct web_page *p, const struct kind *k,
	       const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	char *v = kind_field_get(m, f);
	/* a notice's targets: the schools by name */
	bool schools =
		r && k->ops && k->ops->schools_field && !strcmp(k->ops->schools_field, f->name);

	if (!v) {
		p->oom = true;
		return;
	}
	if (r && f->type == PROTOBUF_C_TYPE_STRING && web_record_ref(p, r, k, f->name, v))
		; /* the record it names, not its UUID */
	else if (schools && !*v)
		web_e(p, _("every school"));
	else if (schools)
		list_words(p, v, school_word, r);
	else if (f->type == PROTOBUF_C_TYPE_ENUM && *v)
		enum_cell(p, kind_enum_label_tr(k, f->name, v));
	else if (f->type == PROTOBUF_C_TYPE_STRING && web_ends(f->name, "_date"))
		web_date_cell(p, v);
	else if (f->type == PROTOBUF_C_TYPE_STRING && *v && kind_field_ui(k, f->name) &&
		 kind_field_ui(k, f->name)->values)
		list_words(p, v, label_word, &(struct field_of){ k, f->name });
	else if (web_ends(f->name, "_ms") && f->type != PROTOBUF_C_TYPE_STRING) {
		if (strcmp(v, "0") != 0) /* 0: not set (not revoked, still on site) */
			web_time_cell(p, strtoll(v, NULL, 10));
	} else if (web_ends(f->name, "_hlc") && f->type == PROTOBUF_C_TYPE_UINT64) {
		/* a version of another record (the notice a school answered): the
		 * time it was written, which its page and history show too */
		if (strcmp(v, "0") != 0)
			web_time_cell(p, (int64_t)HLC_MS(strtoull(v, NULL, 10)));
	} else if (kind_field_is_hex(k, f->name) && strlen(v) > 16) {
		/* 64 hex digits say nothing to a person; the first 16, in groups,
		 * are enough to tell two apart (`safecampus show ID` prints all) */
		web_p(p, "<span class=\"key\" title=\"%s\">", _("the first 16 hex digits"));
		for (size_t i = 0; i < 16; i += 4)
			web_p(p, "%s%.4s", i ? " " : "", v + i);
		web_p(p, " …</span>");
	} else if (f->type == PROTOBUF_C_TYPE_BOOL) {
		web_e(p, strcmp(v, "true") == 0 ? _("yes") : _("no"));
	} else if (k->ops && k->ops->client_writes && f->type == PROTOBUF_C_TYPE_STRING) {
		/* a kind with steps the server takes (a hazard's escalation): those
		 * are in the server's English, by the server */
		char words[768];
		if (strcmp(v, KIND_SERVER_ACTOR) == 0)
			web_e(p, _("District server (automatic)"));
		else
			web_e_dates(p, dashboard_title_text(v, words, sizeof words));
	} else {
		enum_cell(p, v); /* a name (刘副校长), kept whole like a label */
	}
	free(v);
}

const char *web_sync_label(enum store_sync_state s)
{
	return s == STORE_PENDING    ? _("not yet synced")
	       : s == STORE_REJECTED ? _("rejected")
				     : _("synced");
}

void web_sync_cell(struct web_page *p, const char *tag, enum store_sync_state s)
{
	web_p(p, "<%s class=\"sync%s\">%s</%s>", tag,
	      s == STORE_PENDING    ? " pending"
	      : s == STORE_REJECTED ? " rejected"
				    : "",
	      web_sync_label(s), tag);
}

/* ---------------------------------------------------------------- the list */

struct list_ctx {
	struct web_req *r;
	struct web_page *p;
	const struct kind *k;
	struct kind_env env, store_env;
	struct store_events ev; /* a status filter's events, read in one pass */
	bool ev_held;
	char today[11];
	const char *q, *status, *campus, *from, *to, *school;
	bool bureau; /* a column and a filter for the school */
	const ProtobufCFieldDescriptor *df;
	const ProtobufCFieldDescriptor *cols[8];
	size_t ncols;
	size_t shown, matched, skip;
	int rc;
};

static bool matches_text(const ProtobufCMessage *m, const struct kind *k, const char *q)
{
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		char *v;
		bool hit;
		if (!web_settable(f))
			continue;
		v = kind_field_get(m, f);
		hit = v && (strcasestr(v, q) || (f->type == PROTOBUF_C_TYPE_ENUM && *v &&
						 strstr(kind_enum_label_tr(k, f->name, v), q)));
		free(v);
		if (hit)
			return true;
	}
	return false;
}

static int list_cb(void *arg, const Safecampus__Record *rec)
{
	struct list_ctx *x = arg;
	struct web_page *p = x->p;
	const ProtobufCMessage *m = kind_payload(rec);
	struct kind_derived d;
	enum store_sync_state ss = STORE_SYNCED;
	bool derived = false;

	if (rec->deleted || !m)
		return 0;
	if (x->campus && *x->campus && strcmp(rec->campus ? rec->campus : "", x->campus) != 0)
		return 0;
	if (x->school && *x->school && strcmp(rec->school ? rec->school : "", x->school) != 0)
		return 0;
	if (x->df && ((x->from && *x->from) || (x->to && *x->to))) {
		char *v = kind_field_get(m, x->df);
		bool out = !v || (x->from && *x->from && strcmp(v, x->from) < 0) ||
			   (x->to && *x->to && strcmp(v, x->to) > 0);
		free(v);
		if (out)
			return 0;
	}
	if (x->q && *x->q && !matches_text(m, x->k, x->q))
		return 0;
	/* deriving reads the record's events (a query each): only for a status
	 * filter and for the rows shown, not for every record counted */
	memset(&d, 0, sizeof d);
	if (x->status && *x->status) {
		if (!x->k->ops || !x->k->ops->derive ||
		    kind_derive(&x->env, rec, x->today, &d) != 0 ||
		    !kind_status_has(d.status, x->status))
			return 0;
		derived = true;
	}
	x->matched++;
	if (x->matched <= x->skip || x->shown >= LIST_PAGE)
		return 0;
	x->shown++;
	if (!derived && x->k->ops && x->k->ops->derive &&
	    kind_derive(&x->env, rec, x->today, &d) != 0)
		d.status[0] = '\0';
	if (store_sync_state(x->r->w->st, rec->id, &ss) != 0)
		ss = STORE_SYNCED;
	/* a word to open it by, not the id's first digits (its tooltip, for
	 * whoever types `safecampus show`) */
	web_p(p, "<tr><td><a href=\"/r/%s\" title=\"%s\">%s</a></td>", rec->id, rec->id,
	      i18n_pgettext("link", NC_("link", "Open")));
	for (size_t i = 0; i < x->ncols; i++) {
		web_p(p, "<td>");
		web_value(x->r, p, x->k, m, x->cols[i]);
		web_p(p, "</td>");
	}
	if (x->k->ops && x->k->ops->status_words) {
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)strcspn(d.status, " !"), d.status);
		web_p(p, "<td>%s%s</td>", w[0] ? kind_status_label(w) : "", d.overdue ? " ⚠" : "");
	}
	if (x->bureau) { /* the bureau knows schools by name */
		web_p(p, "<td>");
		web_e(p, web_school_label(x->r->w, rec->school));
		web_p(p, "</td>");
	}
	web_p(p, "<td>");
	web_e(p, rec->campus);
	web_p(p, "</td>");
	web_sync_cell(p, "td", ss);
	web_p(p, "</tr>\n");
	return 0;
}

/* Up to 6 columns: the table's list columns that are fields, else the first
 * settable fields. */
static void pick_cols(struct list_ctx *x, bool bureau)
{
	const struct kind *k = x->k;

	for (size_t i = 0; k->ops && k->ops->cols && i < k->ops->ncols && x->ncols < 6; i++) {
		const struct kind_col *c = &k->ops->cols[i];
		const ProtobufCFieldDescriptor *f =
			c->field && c->field[0] != '@' ? kind_field(k, c->field) : NULL;
		if (f && !((bureau ? c->bureau : c->school) & KC_OFF))
			x->cols[x->ncols++] = f;
	}
	if (x->ncols)
		return;
	for (unsigned i = 0; i < k->desc->n_fields && x->ncols < 6; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		if (web_settable(f) && f->label != PROTOBUF_C_LABEL_REPEATED &&
		    !kind_field_is_hex(k, f->name) &&
		    !(k->parent_field && strcmp(f->name, k->parent_field) == 0))
			x->cols[x->ncols++] = f;
	}
}

static void filter_input(struct web_page *p, const char *name, const char *label, const char *type,
			 const char *value)
{
	web_p(p,
	      "<div><label for=\"f-%s\">%s</label><input id=\"f-%s\" name=\"%s\" type=\"%s\" "
	      "value=\"",
	      name, label, name, name, type);
	web_e(p, value ? value : "");
	web_p(p, "\">");
	if (!strcmp(type, "date")) {
		char id[80];
		snprintf(id, sizeof id, "f-%s", name);
		web_date_reading(p, id, value);
	}
	web_p(p, "</div>\n");
}

bool web_addable(const struct kind *k)
{
	if (k->ops && k->ops->no_add_form)
		return false;
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *g = kind_at(i);
		if (g->ops && g->ops->event_kind && strcmp(g->ops->event_kind, k->name) == 0)
			return false;
	}
	return true;
}

/* A link to page n of the same list, its filters kept. */
static void page_link(struct web_page *p, const struct list_ctx *x, long n, const char *label)
{
	const struct {
		const char *name, *val;
	} args[] = { { "q", x->q },           { "status", x->status }, { "campus", x->campus },
		     { "school", x->school }, { "from", x->from },     { "to", x->to } };

	web_p(p, " <a href=\"?page=%ld", n);
	for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
		web_p(p, "&amp;%s=", args[i].name);
		web_u(p, args[i].val);
	}
	web_p(p, "\">");
	web_e(p, label);
	web_p(p, "</a>");
}

int web_page_list(struct web_req *r, struct web_page *p, const struct kind *k)
{
	struct list_ctx x = { .r = r, .p = p, .k = k };
	const char *pg = web_arg(r, "page");
	long page = pg ? strtol(pg, NULL, 10) : 1;
	bool bureau = r->w->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU;
	int rc;

	if (page < 1 || page > 100000)
		page = 1;
	x.skip = (size_t)(page - 1) * LIST_PAGE;
	web_today(x.today);
	verb_env(r->w->st, &r->w->cfg, x.today, &x.env);
	x.q = web_arg(r, "q");
	x.status = web_arg(r, "status");
	x.campus = web_arg(r, "campus");
	x.from = web_arg(r, "from");
	x.to = web_arg(r, "to");
	x.bureau = bureau;
	x.school = bureau ? web_arg(r, "school") : NULL;
	x.df = web_date_field(k);
	pick_cols(&x, bureau);
	/* a status filter derives every record: read the kind's events in one
	 * query, not one query per record (issue 12); if there are too many to
	 * hold, derive the slow way */
	if (x.status && *x.status && k->ops && k->ops->event_kind) {
		x.store_env = x.env;
		rc = store_events_load(r->w->st, k->ops->event_kind, &x.ev);
		if (rc == 0) {
			store_events_env(&x.ev, &x.store_env, &x.env);
			x.ev_held = true;
		} else {
			store_events_free(&x.ev);
		}
	}
	web_head(p, r, web_kind_label(k));
	web_p(p, "<div class=\"actions\" id=\"list-actions\">");
	{
		/* what this person may write here, by the rules the record's page
		 * and the server use (verb_may_write, verb_legal) */
		struct verb_ctx vc;
		struct verb_actor a;
		char why[512];
		bool writes = verb_may_write(&r->w->cfg, k, NULL, why, sizeof why);
		web_verb_ctx(r, &vc, &a, NULL);
		if (writes && web_addable(k))
			web_p(p, "<a class=\"button\" id=\"add\" href=\"/k/%s/new\">%s</a>",
			      k->name, _("Add"));
		for (size_t i = 0; k->ops && i < k->ops->nverbs; i++) {
			const struct kind_verb *v = &k->ops->verbs[i];
			if (v->flags & KV_PARENT ||
			    !verb_legal(&vc, k, v, NULL, NULL, 0, why, sizeof why))
				continue;
			web_p(p,
			      "<a class=\"button secondary\" data-verb=\"%s\" "
			      "href=\"/k/%s/v/%s\">%s</a>",
			      v->name, k->name, v->name, web_verb_label(k, v));
		}
		if (writes)
			web_p(p,
			      "<a class=\"button secondary\" id=\"import\" "
			      "href=\"/k/%s/import\">%s</a>",
			      k->name, _("Import CSV"));
	}
	web_p(p,
	      "<a class=\"button secondary\" id=\"export\" "
	      "href=\"/k/%s/export.csv\">%s</a></div>\n",
	      k->name, _("Export CSV"));
	if (k->ops && k->ops->web_page) {
		/* the records of a kind with its own page (the people's) are
		 * managed there; this list only shows them */
		web_p(p, "<p class=\"help\">%s <a id=\"own-page\" href=\"%s\">", _("Managed on:"),
		      k->ops->web_page);
		web_e(p, web_kind_label(k));
		web_p(p, "</a></p>\n");
	}
	web_p(p, "<form class=\"filters\" method=\"get\">\n");
	filter_input(p, "q", _("Search"), "search", x.q);
	if (k->ops && k->ops->status_words) {
		const char *s = k->ops->status_words;
		web_p(p,
		      "<div><label for=\"f-status\">%s</label><select id=\"f-status\" "
		      "name=\"status\">"
		      "<option value=\"\">%s</option>",
		      _("Status"), _("all"));
		while (*s) {
			char w[64];
			size_t n = strcspn(s, " ");
			snprintf(w, sizeof w, "%.*s", (int)(n < 63 ? n : 63), s);
			web_p(p, "<option value=\"%s\"%s>%s</option>", w,
			      x.status && strcmp(x.status, w) == 0 ? " selected" : "",
			      kind_status_label(w));
			s += n;
			s += strspn(s, " ");
		}
		web_p(p, "</select></div>\n");
	}
	if (bureau) { /* the district's schools by name (web_schools.c) */
		web_p(p, "<div><label for=\"f-school\">%s</label>", _("School"));
		web_school_choice(p, r, x.school);
		web_p(p, "</div>\n");
	}
	filter_input(p, "campus", _("Campus"), "text", x.campus);
	if (x.df) {
		filter_input(p, "from", _("From"), "date", x.from);
		filter_input(p, "to", _("To"), "date", x.to);
	}
	web_p(p, "<div><button type=\"submit\">%s</button></div></form>\n", _("Filter"));
	web_p(p, "<table class=\"sortable\" id=\"list\"><thead><tr><th>%s</th>", _("Record"));
	for (size_t i = 0; i < x.ncols; i++) {
		web_p(p, "<th>");
		web_e(p, web_field_label(k, x.cols[i]->name));
		web_p(p, "</th>");
	}
	if (k->ops && k->ops->status_words)
		web_p(p, "<th>%s</th>", _("Status"));
	if (bureau)
		web_p(p, "<th>%s</th>", _("School"));
	web_p(p, "<th>%s</th><th>%s</th></tr></thead><tbody>\n", _("Campus"), _("Sync"));
	rc = store_each(r->w->st, k->name, list_cb, &x);
	if (x.ev_held)
		store_events_free(&x.ev);
	web_p(p, "</tbody></table>\n<p id=\"count\">");
	web_p(p, _("%zu records match."), x.matched);
	if (x.matched > LIST_PAGE) {
		long pages = (long)((x.matched + LIST_PAGE - 1) / LIST_PAGE);
		web_p(p, " ");
		web_p(p, _("Page %ld of %ld."), page, pages);
		if (page > 1)
			page_link(p, &x, page - 1, _("Previous page"));
		if (x.matched > x.skip + x.shown)
			page_link(p, &x, page + 1, _("Next page"));
	}
	web_p(p, "</p>\n");
	if (rc)
		web_p(p, "<p class=\"error\">%s</p>", _("The records could not all be read."));
	web_foot(p, r);
	return 0;
}

/* ---------------------------------------------------------------- export */

struct csv_ctx {
	struct web_page *p;
	const struct kind *k;
};

static void csv_cell(struct web_page *p, const char *s)
{
	web_p(p, "\"");
	for (const char *c = s; *c; c++) {
		if (*c == '"')
			web_p(p, "\"\"");
		else
			web_p(p, "%c", *c);
	}
	web_p(p, "\"");
}

static int csv_cb(void *arg, const Safecampus__Record *rec)
{
	struct csv_ctx *x = arg;
	const ProtobufCMessage *m = kind_payload(rec);

	if (rec->deleted || !m)
		return 0;
	csv_cell(x->p, rec->id);
	for (unsigned i = 0; i < x->k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &x->k->desc->fields[i];
		char *v;
		if (!web_settable(f))
			continue;
		v = kind_field_get(m, f);
		web_p(x->p, ",");
		csv_cell(x->p, v ? v : "");
		free(v);
	}
	web_p(x->p, "\r\n");
	return 0;
}

int web_page_export(struct web_req *r, struct web_page *p, const struct kind *k)
{
	struct csv_ctx x = { .p = p, .k = k };

	p->ctype = "text/csv; charset=utf-8";
	snprintf(p->disposition, sizeof p->disposition, "attachment; filename=\"%s.csv\"", k->name);
	/* the BOM: Excel reads the file as UTF-8 only with it */
	web_p(p, "\xEF\xBB\xBF"
		 "id");
	for (unsigned i = 0; i < k->desc->n_fields; i++)
		if (web_settable(&k->desc->fields[i]))
			web_p(p, ",%s", k->desc->fields[i].name);
	web_p(p, "\r\n");
	if (store_each(r->w->st, k->name, csv_cb, &x) != 0)
		p->status = 500;
	return 0;
}
