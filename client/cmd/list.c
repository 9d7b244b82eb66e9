/* list KIND: the records of one kind, laid out to fit the terminal.
 *
 * The columns are the kind's table entry's (kind_ops.cols) or else its
 * fields in descriptor order; the status words and derived cells come from
 * the entry's derive function; a footer from the command line's hooks
 * (cli_kind.h). Nothing here names a kind. */
#include "cli.h"
#include "i18n.h"
#include "cli_kind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

#define LIST_MAX_COLS (CLI_MAX_OPTS + 5)

static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

static bool settable(const ProtobufCFieldDescriptor *f)
{
	return !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->type != PROTOBUF_C_TYPE_MESSAGE &&
	       f->type != PROTOBUF_C_TYPE_BYTES;
}

/* The date a record counts from for --since: its kind's first `*_date`
 * field when set, else the day of its last write. */
static void record_day(const struct kind *k, const Safecampus__Record *r, char out[11])
{
	const ProtobufCMessage *m = kind_payload(r);

	out[0] = '\0';
	for (unsigned i = 0; m && i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		char *v;
		if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED ||
		    !ends_with(f->name, "_date"))
			continue;
		v = kind_field_get(m, f);
		if (v && date_valid(v))
			snprintf(out, 11, "%s", v);
		free(v);
		break;
	}
	if (!out[0])
		cli_fmt_date((int64_t)HLC_MS(r->hlc), out);
}

/* One column: a payload field, a record column ("@school"), the status, or
 * a cell the kind derives. */
struct col {
	const ProtobufCFieldDescriptor *f;
	const char *special;
	int cell;
	const char *head;
	size_t maxw;
	unsigned flags;
};

struct rows {
	struct cli *c;
	const struct kind *k;
	struct kind_env env;
	const char *campus, *since, *school, *status;
	struct col cols[LIST_MAX_COLS];
	size_t ncols;
	struct cli_table *t;
	struct cli_list_counts n;
	int rc;
};

static int row_add(void *arg, const Safecampus__Record *r)
{
	struct rows *g = arg;
	const ProtobufCMessage *m = kind_payload(r);
	const char *status_words = g->k->ops ? g->k->ops->status_words : NULL;
	enum store_sync_state sync;
	struct kind_derived d;
	const char *cells[LIST_MAX_COLS];
	char *vals[LIST_MAX_COLS] = { 0 };
	char shown[64], sid[9];
	int rc;

	if (r->deleted)
		return 0;
	if (g->campus && strcmp(cli_s(r->campus), g->campus) != 0)
		return 0;
	if (g->school && !kind_reaches(r, g->school))
		return 0;
	if (g->since) {
		char day[11];
		record_day(g->k, r, day);
		if (strcmp(day, g->since) < 0)
			return 0;
	}
	rc = kind_derive(&g->env, r, g->env.today, &d);
	if (rc == 0 && g->status && !kind_status_has(d.status, g->status))
		return 0;
	if (rc == 0)
		rc = store_sync_state(g->c->st, r->id, &sync);
	if (rc) {
		g->rc = rc;
		return 1;
	}
	snprintf(sid, sizeof sid, "%.8s", r->id);
	{
		/* the state for people: its label, '!' kept after something overdue */
		char word[64];
		size_t wl = strcspn(d.status, " !");
		snprintf(word, sizeof word, "%.*s", (int)wl, d.status);
		snprintf(shown, sizeof shown, "%s%s", kind_status_label(word),
			 d.status[wl] == '!' ? "!" : "");
	}
	for (size_t i = 0; i < g->ncols; i++) {
		const struct col *cl = &g->cols[i];
		if (cl->f) {
			vals[i] = kind_field_get(m, cl->f);
			if (!vals[i])
				rc = -ENOMEM;
			else if (ends_with(cl->f->name, "_id") && strlen(vals[i]) > 8)
				vals[i][8] = '\0';
			cells[i] = vals[i];
			/* an enum value by its label in Chinese (全员培训) */
			if (vals[i] && cl->f->type == PROTOBUF_C_TYPE_ENUM && i18n_zh())
				cells[i] = kind_enum_label_tr(g->k, cl->f->name, vals[i]);
		} else if (cl->cell) {
			cells[i] = d.cell[cl->cell - 1];
			/* a derived state word ("assigned") by its label */
			if (i18n_zh())
				cells[i] = kind_status_label(cells[i]);
		} else if (strcmp(cl->special, "@id") == 0) {
			cells[i] = sid;
		} else if (strcmp(cl->special, "@school") == 0) {
			cells[i] = *cli_s(r->school) ? r->school : _("(bureau)");
		} else if (strcmp(cl->special, "@campus") == 0) {
			cells[i] = r->campus;
		} else if (strcmp(cl->special, "@status") == 0) {
			cells[i] = shown;
		} else {
			cells[i] = cli_sync_name(sync);
		}
	}
	if (rc == 0)
		rc = cli_table_add(g->t, cells);
	for (size_t i = 0; i < g->ncols; i++)
		free(vals[i]);
	if (rc) {
		g->rc = rc;
		return 1;
	}
	/* what the footer counts */
	g->n.overdue += d.overdue;
	for (size_t w = 0, at = 0; status_words && status_words[at] && w < 32; w++) {
		size_t len = strcspn(status_words + at, " ");
		char word[32];
		snprintf(word, sizeof word, "%.*s", (int)len, status_words + at);
		g->n.word[w] += kind_status_has(d.status, word);
		at += len;
		at += status_words[at] == ' ';
	}
	return 0;
}

/* Widest cell shown for a field, by its type. */
static size_t field_cap(const ProtobufCFieldDescriptor *f)
{
	if (ends_with(f->name, "_date"))
		return 10;
	if (ends_with(f->name, "_id"))
		return 8;
	if (f->type == PROTOBUF_C_TYPE_ENUM)
		return 20;
	if (f->type != PROTOBUF_C_TYPE_STRING)
		return 12;
	return 24;
}

static void add_col(struct rows *g, const char *head, const ProtobufCFieldDescriptor *f,
		    const char *special, int cell, size_t maxw, unsigned flags)
{
	if (g->ncols >= LIST_MAX_COLS)
		return;
	g->cols[g->ncols++] = (struct col){
		.f = f, .special = special, .cell = cell, .head = head, .maxw = maxw, .flags = flags
	};
}

/* The columns of a kind with a table of its own. */
static void kind_cols(struct rows *g)
{
	const struct kind_ops *o = g->k->ops;
	bool bureau = cli_is_bureau(g->c);

	add_col(g, NC_("column", "id"), NULL, "@id", 0, 8, CLI_COL_KEEP);
	for (size_t i = 0; i < o->ncols; i++) {
		const struct kind_col *kc = &o->cols[i];
		const ProtobufCFieldDescriptor *f =
			kc->field && kc->field[0] != '@' ? kind_field(g->k, kc->field) : NULL;
		add_col(g, kc->head, f, kc->field && kc->field[0] == '@' ? kc->field : NULL,
			kc->cell, kc->maxw, bureau ? kc->bureau : kc->school);
	}
	add_col(g, NC_("column", "sync"), NULL, "@sync", 0, 8, CLI_COL_KEEP);
}

/* The columns of any other kind: its fields in order, the first text field
 * taking the room. */
static void field_cols(struct rows *g)
{
	const struct kind *k = g->k;
	bool flex_done = false, has_status = k->ops && k->ops->derive;

	add_col(g, NC_("column", "id"), NULL, "@id", 0, 8, CLI_COL_KEEP);
	add_col(g, NC_("column", "school"), NULL, "@school", 0, 16,
		cli_is_bureau(g->c) && !k->bureau_only ? CLI_COL_KEEP : CLI_COL_OFF);
	add_col(g, NC_("column", "status"), NULL, "@status", 0, 20,
		has_status ? CLI_COL_KEEP : CLI_COL_OFF);
	for (unsigned i = 0; i < k->desc->n_fields && g->ncols + 2 < LIST_MAX_COLS; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		bool title;
		/* times in ms are for machines: `show` prints them */
		if (!settable(f) || ends_with(f->name, "_ms"))
			continue;
		title = !flex_done && f->type == PROTOBUF_C_TYPE_STRING &&
			f->label != PROTOBUF_C_LABEL_REPEATED && !ends_with(f->name, "_date") &&
			!ends_with(f->name, "_id");
		if (title) {
			flex_done = true;
			add_col(g, f->name, f, NULL, 0, 0, CLI_COL_KEEP | CLI_COL_FLEX);
		} else {
			add_col(g, f->name, f, NULL, 0, field_cap(f), CLI_COL_HIDE_EMPTY);
		}
	}
	add_col(g, NC_("column", "campus"), NULL, "@campus", 0, 12, CLI_COL_KEEP);
	add_col(g, NC_("column", "sync"), NULL, "@sync", 0, 8, CLI_COL_KEEP);
}

/* A column's header for people: English as the table has it; in Chinese
 * the field's label, else the header's translation. */
static const char *col_head(const struct rows *g, const struct col *cl)
{
	const char *label = cl->f ? kind_field_label(g->k, cl->f->name) : NULL;

	if (!i18n_zh())
		return cl->head;
	return label ? label : i18n_pgettext("column", cl->head);
}

unsigned cli_list_count(const struct kind *k, const struct cli_list_counts *n, const char *word)
{
	const char *w = k->ops ? k->ops->status_words : NULL;
	size_t wl = strlen(word);

	for (size_t i = 0, at = 0; w && w[at] && i < 32; i++) {
		size_t len = strcspn(w + at, " ");
		if (len == wl && strncmp(w + at, word, wl) == 0)
			return n->word[i];
		at += len;
		at += w[at] == ' ';
	}
	return 0;
}

static int list_kind(struct cli *c, const struct kind *k, const char *campus, const char *since,
		     const char *school, const char *status)
{
	struct rows g = {
		.c = c, .k = k, .campus = campus, .since = since, .school = school, .status = status
	};
	const struct cli_kind *hooks = cli_kind_of(k);
	const struct kind_ops *o = k->ops;
	int rc;

	cli_env(c, &g.env);
	if (o && o->cols)
		kind_cols(&g);
	else
		field_cols(&g);
	g.t = cli_table_new(g.ncols);
	if (!g.t)
		return cli_store_fail(-ENOMEM, _("cannot list records"));
	for (size_t i = 0; i < g.ncols; i++)
		cli_table_col(g.t, i, col_head(&g, &g.cols[i]), g.cols[i].maxw, g.cols[i].flags);
	rc = store_each(c->st, k->name, row_add, &g);
	if (g.rc)
		rc = g.rc;
	if (rc) {
		cli_table_free(g.t);
		return cli_store_fail(rc, _("cannot list records"));
	}
	cli_table_print(g.t, stdout, cli_term_width());
	g.n.rows = cli_table_rows(g.t);
	cli_table_free(g.t);
	if (hooks && hooks->list_footer) {
		hooks->list_footer(c, k, &g.n);
	} else if (o && o->noun) {
		/* TRANSLATORS: "3 hazards": a count and the kind's noun (%2$s, in
		 * Chinese the kind's label) with an English plural s */
		printf(ngettext("%1$zu %2$s", "%1$zu %2$ss", g.n.rows), g.n.rows,
		       i18n_zh() ? kind_label(k) : o->noun);
		if (o->overdue_note && g.n.overdue)
			printf(_(", %1$u overdue (%2$s)"), g.n.overdue, _(o->overdue_note));
		fputc('\n', stdout);
	} else {
		printf(ngettext("%1$zu %2$s record\n", "%1$zu %2$s records\n", g.n.rows), g.n.rows,
		       i18n_zh() ? kind_label(k) : k->name);
	}
	return 0;
}

/* "--status, for the kinds with a state:" and one line per kind. */
static const char *status_epilog(void)
{
	static char text[4096];
	size_t at;

	if (text[0])
		return text;
	at = (size_t)snprintf(
		text, sizeof text, "%s",
		_("Kinds with a workflow show their state, folded from their events, "
		  "'!' after something\noverdue, and the sync state: pending (waiting "
		  "to be pushed), rejected (see\n`safecampus status`) or synced.\n"
		  "--status, for the kinds with a state:\n"));
	for (size_t i = 0; i < kind_count() && at < sizeof text; i++) {
		const struct kind *k = kind_at(i);
		const char *h;
		if (!k->ops || !k->ops->status_help)
			continue;
		at += (size_t)snprintf(text + at, sizeof text - at, "  %-10s ", k->name);
		/* a help of several lines keeps its indent */
		for (h = _(k->ops->status_help); *h && at + 16 < sizeof text; h++) {
			text[at++] = *h;
			if (*h == '\n')
				at += (size_t)snprintf(text + at, sizeof text - at, "%13s", "");
		}
		text[at < sizeof text ? at++ : sizeof text - 1] = '\n';
		text[at < sizeof text ? at : sizeof text - 1] = '\0';
	}
	if (at < sizeof text)
		snprintf(text + at, sizeof text - at, "%s",
			 _("--since: the kind's first date field on or after the date; for a\n"
			   "kind without a date, the day of its last write."));
	return text;
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	struct cli_help h = {
		.usage = "list KIND [--status STATE] [--campus CAMPUS] [--since YYYY-MM-DD] "
			 "[--school SCHOOL]",
		.summary =
			N_("Lists the records of one kind (plurals work too) "
			   "known to this\nstore: this school's rows from every campus, as of the "
			   "last sync, plus local writes;\nfor the bureau, every school's. Ids are "
			   "shown by their first 8 characters, which every\ncommand accepts. The "
			   "columns are the kind's first fields, as many as fit the terminal\n(100 "
			   "columns when the output is not a terminal); `show ID` prints every "
			   "field,\n`export KIND --csv` every record in full."),
	};
	struct cli_opt opts[] = {
		{ .name = "status",
		  .metavar = "STATE",
		  .help = N_("records in this state only (see below)") },
		{ .name = "campus",
		  .metavar = "CAMPUS",
		  .help = N_("records created by this campus only") },
		{ .name = "since",
		  .metavar = "YYYY-MM-DD",
		  .help = N_("records dated on or after this day") },
		{ .name = "school",
		  .metavar = "SCHOOL",
		  .help = N_("bureau: one school's records only") },
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	const char *pos[1];
	const struct kind *k;
	size_t npos;
	int rc;

	h.epilog = status_epilog();
	rc = cli_parse(c, argc, argv, opts, nopts, &h, pos, 1, 1, &npos);
	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	k = cli_kind(pos[0]);
	if (!k)
		return cli_kinds_hint("list", pos[0]);
	if (opts[2].seen && !date_valid(opts[2].value))
		return cli_usage("list", _("--since: \"%s\" is not a date YYYY-MM-DD"),
				 opts[2].value);
	if (opts[0].seen) {
		if (!k->ops || !k->ops->status_words) {
			char list[400];
			size_t at = 0;
			list[0] = '\0';
			for (size_t i = 0; i < kind_count() && at < sizeof list; i++)
				if (kind_at(i)->ops && kind_at(i)->ops->status_words)
					at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
							       at ? ", " : "", kind_at(i)->name);
			return cli_usage("list",
					 _("--status: %1$s records have no state (kinds with "
					   "one: %2$s)"),
					 cli_kind_name(k), list);
		}
		if (!kind_status_has(k->ops->status_words, opts[0].value))
			return cli_usage("list",
					 _("--status: unknown %1$s state '%2$s' (one of: %3$s)"),
					 cli_kind_name(k), opts[0].value, k->ops->status_words);
	}
	rc = cli_config(c);
	if (rc)
		return rc;
	if (opts[3].seen && !cli_is_bureau(c))
		return cli_usage("list", "%s",
				 _("--school is for the bureau: a school sees only its "
				   "own records"));
	return list_kind(c, k, opts[1].value, opts[2].value, opts[3].value, opts[0].value)
		       ? CLI_FAIL
		       : CLI_OK;
}
