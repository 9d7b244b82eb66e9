/* list, show and export: records of any kind through their descriptors. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

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

static int kinds_hint(const char *cmd, const char *name)
{
	char list[512];
	size_t at = 0;

	list[0] = '\0';
	for (size_t i = 0; i < kind_count() && at < sizeof list; i++) {
		int w = snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "",
				 kind_at(i)->name);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	return cli_usage(cmd, "unknown kind '%s' (kinds: %s)", name, list);
}

/* ---------------------------------------------------------------- list */

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
		if (v && rules_date_valid(v))
			snprintf(out, 11, "%s", v);
		free(v);
		break;
	}
	if (!out[0])
		cli_fmt_date((int64_t)HLC_MS(r->hlc), out);
}

/* ---- derived status of the kinds that have one (--status and the STATUS
 * column). Words are space-separated: the first is shown, any matches
 * --status; "!" after the shown word marks something overdue. */

/* Days from today to day (a large number when day is not a date). */
static long days_until(const char *today, const char *day)
{
	long d;

	if (!day || cli_date_diff(today, day, &d) != 0)
		return 1L << 30;
	return d;
}

static const struct kind_status {
	const char *kind;
	const char *accept; /* the words --status takes */
} kind_statuses[] = {
	{"hazard", "reported assigned rectified verified closed open overdue"},
	{"notice", "unread acked re-ack reported late open overdue past_due"},
	{"risk", "open mitigated removed overdue"},
	{"equipment", "overdue due_soon current ok fault replaced"},
	{"bus", "active inactive inspection_overdue"},
	{"bus_trip", "mismatch ok"},
	{"bus_rider", "active inactive"},
	{"staff", "current inactive left"},
};

static const struct kind_status *kind_status_of(const struct kind *k)
{
	for (size_t i = 0; i < sizeof kind_statuses / sizeof kind_statuses[0]; i++)
		if (strcmp(kind_statuses[i].kind, k->name) == 0)
			return &kind_statuses[i];
	return NULL;
}

/* The status words of r (out "" if its kind has none). */
static int record_status(struct cli *c, const struct kind *k, const Safecampus__Record *r,
			 const char *today, char *out, size_t n)
{
	bool overdue = false;

	out[0] = '\0';
	if (strcmp(k->name, "notice") == 0) {
		int rc = nt_status_word(c, r, out, n, &overdue);
		if (rc == 0 && overdue) {
			size_t ol = strlen(out);
			snprintf(out + ol, n - ol, " overdue");
		}
		return rc;
	}
	if (r->body_case == SAFECAMPUS__RECORD__BODY_RISK) {
		const char *st = kind_enum_name(&safecampus__risk_status__descriptor,
						(int)r->risk->status);
		overdue = r->risk->status != SAFECAMPUS__RISK_STATUS__RISK_STATUS_REMOVED &&
			  rules_date_valid(cli_s(r->risk->planned_date)) &&
			  strcmp(r->risk->planned_date, today) < 0;
		snprintf(out, n, "%s%s", st && r->risk->status ? st : "?", overdue ? "! overdue" : "");
	} else if (r->body_case == SAFECAMPUS__RECORD__BODY_EQUIPMENT) {
		const char *res = kind_enum_name(&safecampus__equipment_result__descriptor,
						 (int)r->equipment->result);
		long d = days_until(today, r->equipment->next_due_date);
		snprintf(out, n, "%s %s", d < 0 ? "overdue!" : d <= 30 ? "due_soon" : "current",
			 res && r->equipment->result ? res : "");
		if (d < 0) {
			size_t ol = strlen(out);
			snprintf(out + ol, n - ol, " overdue");
		}
	} else if (r->body_case == SAFECAMPUS__RECORD__BODY_BUS) {
		bool late = rules_date_valid(cli_s(r->bus->next_inspection_date)) &&
			    strcmp(r->bus->next_inspection_date, today) < 0;
		snprintf(out, n, "%s", r->bus->inactive ? "inactive"
				       : late		  ? "inspection_overdue!"
							  : "active");
	} else if (r->body_case == SAFECAMPUS__RECORD__BODY_BUS_TRIP) {
		snprintf(out, n, "%s", r->bus_trip->boarded != r->bus_trip->alighted ? "mismatch!"
										     : "ok");
	} else if (r->body_case == SAFECAMPUS__RECORD__BODY_BUS_RIDER) {
		snprintf(out, n, "%s", r->bus_rider->inactive ? "inactive" : "active");
	} else if (r->body_case == SAFECAMPUS__RECORD__BODY_STAFF) {
		bool left = rules_date_valid(cli_s(r->staff->left_date)) &&
			    strcmp(r->staff->left_date, today) <= 0;
		snprintf(out, n, "%s", left ? "left" : r->staff->inactive ? "inactive" : "current");
	}
	return 0;
}

/* Does --status want match the words? ("!" is not part of a word) */
static bool status_has(const char *words, const char *want)
{
	size_t wl = strlen(want);

	for (const char *p = words; *p;) {
		size_t n = strcspn(p, " !");
		if (n == wl && strncmp(p, want, wl) == 0)
			return true;
		p += n;
		p += strspn(p, " !");
	}
	return false;
}

/* The shown word: the first, with its "!" */
static void status_shown(const char *words, char *out, size_t n)
{
	size_t w = strcspn(words, " ");

	snprintf(out, n, "%.*s", (int)w, words);
}

/* ---- the generic listing */

struct grow_rows {
	struct cli *c;
	const struct kind *k;
	const char *campus, *since, *school, *status;
	char today[11];
	bool has_status;
	size_t ncols;   /* id, school, status, fields..., campus, sync */
	const ProtobufCFieldDescriptor *fields[CLI_MAX_OPTS];
	size_t nfields;
	struct cli_table *t;
	int rc;
};

static int row_add(void *arg, const Safecampus__Record *r)
{
	struct grow_rows *g = arg;
	const ProtobufCMessage *m = kind_payload(r);
	enum store_sync_state sync;
	const char *cells[CLI_MAX_OPTS + 5];
	char *vals[CLI_MAX_OPTS];
	char words[128], shown[64], sid[9];
	size_t col = 0;
	int rc;

	if (r->deleted)
		return 0;
	if (g->campus && strcmp(cli_s(r->campus), g->campus) != 0)
		return 0;
	if (g->school && strcmp(cli_s(r->school), g->school) != 0)
		return 0;
	if (g->since) {
		char day[11];
		record_day(g->k, r, day);
		if (strcmp(day, g->since) < 0)
			return 0;
	}
	words[0] = '\0';
	if (g->has_status) {
		rc = record_status(g->c, g->k, r, g->today, words, sizeof words);
		if (rc) {
			g->rc = rc;
			return 1;
		}
		if (g->status && !status_has(words, g->status))
			return 0;
	}
	rc = store_sync_state(g->c->st, r->id, &sync);
	if (rc) {
		g->rc = rc;
		return 1;
	}
	snprintf(sid, sizeof sid, "%.8s", r->id);
	status_shown(words, shown, sizeof shown);
	cells[col++] = sid;
	cells[col++] = *cli_s(r->school) ? r->school : "(bureau)";
	cells[col++] = shown;
	for (size_t i = 0; i < g->nfields; i++) {
		vals[i] = kind_field_get(m, g->fields[i]);
		if (vals[i] && ends_with(g->fields[i]->name, "_id") && strlen(vals[i]) > 8)
			vals[i][8] = '\0';
		cells[col++] = vals[i];
	}
	cells[col++] = r->campus;
	cells[col++] = cli_sync_name(sync);
	rc = 0;
	for (size_t i = 0; i < g->nfields; i++)
		if (!vals[i])
			rc = -ENOMEM;
	if (rc == 0)
		rc = cli_table_add(g->t, cells);
	for (size_t i = 0; i < g->nfields; i++)
		free(vals[i]);
	if (rc) {
		g->rc = rc;
		return 1;
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

static int list_generic(struct cli *c, const struct kind *k, const char *campus,
			const char *since, const char *school, const char *status)
{
	struct grow_rows g = {.c = c, .k = k, .campus = campus, .since = since, .school = school,
			      .status = status};
	size_t col = 0, n;
	bool flex_done = false;
	int rc;

	cli_today(g.today);
	g.has_status = kind_status_of(k) != NULL;
	for (unsigned i = 0; i < k->desc->n_fields && g.nfields < CLI_MAX_OPTS; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		/* times in ms are for machines: `show` prints them */
		if (settable(f) && !ends_with(f->name, "_ms"))
			g.fields[g.nfields++] = f;
	}
	g.ncols = 3 + g.nfields + 2;
	g.t = cli_table_new(g.ncols);
	if (!g.t)
		return cli_store_fail(-ENOMEM, "cannot list records");
	cli_table_col(g.t, col++, "id", 8, CLI_COL_KEEP);
	cli_table_col(g.t, col++, "school", 16,
		      cli_is_bureau(c) && !k->bureau_only ? CLI_COL_KEEP : CLI_COL_OFF);
	cli_table_col(g.t, col++, "status", 20, g.has_status ? CLI_COL_KEEP : CLI_COL_OFF);
	for (size_t i = 0; i < g.nfields; i++) {
		const ProtobufCFieldDescriptor *f = g.fields[i];
		bool title = !flex_done && f->type == PROTOBUF_C_TYPE_STRING &&
			     f->label != PROTOBUF_C_LABEL_REPEATED && !ends_with(f->name, "_date") &&
			     !ends_with(f->name, "_id");
		if (title) {
			/* the first text field names the record: it gets the room */
			flex_done = true;
			cli_table_col(g.t, col++, f->name, 0, CLI_COL_KEEP | CLI_COL_FLEX);
		} else {
			cli_table_col(g.t, col++, f->name, field_cap(f), CLI_COL_HIDE_EMPTY);
		}
	}
	cli_table_col(g.t, col++, "campus", 12, CLI_COL_KEEP);
	cli_table_col(g.t, col++, "sync", 8, CLI_COL_KEEP);
	rc = store_each(c->st, k->name, row_add, &g);
	if (g.rc)
		rc = g.rc;
	if (rc) {
		cli_table_free(g.t);
		return cli_store_fail(rc, "cannot list records");
	}
	cli_table_print(g.t, stdout, cli_term_width());
	n = cli_table_rows(g.t);
	cli_table_free(g.t);
	printf("%zu %s record%s\n", n, k->name, n == 1 ? "" : "s");
	return 0;
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "list KIND [--status STATE] [--campus CAMPUS] [--since YYYY-MM-DD] "
			 "[--school SCHOOL]",
		.summary = "Lists the records of one kind (e.g. `list hazards`) known to this store: "
			   "this school's\nrows from every campus, as of the last sync, plus local "
			   "writes; for the bureau, every school's.\nIds are shown by their "
			   "first 8 characters, which every command accepts. The columns are the "
			   "kind's\nfirst fields, as many as fit the terminal (100 columns when the "
			   "output is not a terminal);\n`show ID` prints every field, `export KIND "
			   "--csv` every record in full.",
		.epilog = "Hazards show their state, folded from their events, the owner and "
			  "deadline, '!' after an\noverdue deadline, and the sync state: pending "
			  "(waiting to be pushed), rejected (see\n`" CLI_PROG " status`) or "
			  "synced.\n--status, for the kinds with a state:\n"
			  "  hazard     reported, assigned, rectified, verified, closed, open (not "
			  "closed), overdue\n"
			  "  notice     for a school: unread, acked, re-ack (acknowledged an older "
			  "version), reported,\n"
			  "             late, open (not reported), overdue; for the bureau: open, "
			  "past_due, overdue\n"
			  "  risk       open, mitigated, removed, overdue (planned date passed)\n"
			  "  equipment  overdue, due_soon (within 30 days), current; ok, fault, "
			  "replaced (last result)\n"
			  "  bus        active, inactive, inspection_overdue\n"
			  "  bus_trip   mismatch, ok\n"
			  "  bus_rider  active, inactive\n"
			  "  staff      current, inactive, left\n"
			  "--since: the kind's first date field (for hazards found_date) on or "
			  "after the date; for a\nkind without a date, the day of its last write.",
	};
	struct cli_opt opts[] = {
		{.name = "status", .metavar = "STATE", .help = "records in this state only (see below)"},
		{.name = "campus", .metavar = "CAMPUS", .help = "records created by this campus only"},
		{.name = "since", .metavar = "YYYY-MM-DD", .help = "records dated on or after this day"},
		{.name = "school", .metavar = "SCHOOL", .help = "bureau: one school's records only"},
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	const struct kind_status *ks;
	const char *pos[1];
	const struct kind *k;
	size_t npos;
	int rc = cli_parse(c, argc, argv, opts, nopts, &h, pos, 1, 1, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	k = cli_kind(pos[0]);
	if (!k)
		return kinds_hint("list", pos[0]);
	if (opts[2].seen && !rules_date_valid(opts[2].value))
		return cli_usage("list", "--since: \"%s\" is not a date YYYY-MM-DD", opts[2].value);
	ks = kind_status_of(k);
	if (opts[0].seen) {
		if (!ks) {
			char list[200];
			size_t at = 0;
			for (size_t i = 0; i < sizeof kind_statuses / sizeof kind_statuses[0]; i++)
				at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
						       i ? ", " : "", kind_statuses[i].kind);
			return cli_usage("list", "--status: %s records have no state (kinds with "
					 "one: %s)", k->name, list);
		}
		if (!status_has(ks->accept, opts[0].value))
			return cli_usage("list", "--status: unknown %s state '%s' (one of: %s)",
					 k->name, opts[0].value, ks->accept);
	}
	rc = cli_config(c);
	if (rc)
		return rc;
	if (opts[3].seen && !cli_is_bureau(c))
		return cli_usage("list", "--school is for the bureau: a school sees only its own "
				 "records");
	if (strcmp(k->name, "hazard") == 0)
		return hz_list(c, opts[0].value, opts[1].value, opts[2].value, opts[3].value)
			       ? CLI_FAIL
			       : CLI_OK;
	if (strcmp(k->name, "notice") == 0)
		return nt_list(c, opts[0].value, opts[2].value, opts[3].value) ? CLI_FAIL : CLI_OK;
	return list_generic(c, k, opts[1].value, opts[2].value, opts[3].value, opts[0].value)
		       ? CLI_FAIL
		       : CLI_OK;
}

/* ---------------------------------------------------------------- show */

struct rej_find {
	const char *id;
	struct store_rejected found;
	bool hit;
};

static int rej_find_cb(void *arg, const struct store_rejected *rj)
{
	struct rej_find *x = arg;

	if (strcmp(rj->id, x->id) != 0)
		return 0;
	x->found = *rj;
	x->hit = true;
	return 1;
}

static const char *reason_name(int reason)
{
	const char *n = kind_enum_name(&safecampus__reject_reason__descriptor, reason);

	return n ? n : "unspecified";
}

/* width of the key column of `show`: the longest field name, at least 16 */
static int show_w = 16;

static void show_line(const char *key, const char *val)
{
	printf("  %-*s ", show_w, key);
	cli_text(stdout, val);
	fputc('\n', stdout);
}

/* "belongs to: hazard 8d89ea38 <its first text field>" for a child record. */
static void show_parent(struct cli *c, const struct kind *k, const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *pf = kind_field(k, k->parent_field);
	Safecampus__Record *p = NULL;
	char *pid = pf ? kind_field_get(m, pf) : NULL;
	const struct kind *pk;

	if (!pid || !*pid || store_get(c->st, pid, &p) != 0 || !(pk = kind_of(p))) {
		if (pid && *pid)
			printf("belongs to: %.8s (not known here)\n", pid);
		free(pid);
		return;
	}
	printf("belongs to: %s %.8s", pk->name, pid);
	for (unsigned i = 0; i < pk->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &pk->desc->fields[i];
		char *v;
		if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
			continue;
		v = kind_field_get(kind_payload(p), f);
		if (v && *v) {
			fputs(" \"", stdout);
			cli_text(stdout, v);
			fputc('"', stdout);
		}
		free(v);
		break;
	}
	fputc('\n', stdout);
	safecampus__record__free_unpacked(p, NULL);
	free(pid);
}

int cmd_show(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "show ID",
		.summary = "Shows every field of a record, where it came from and its sync state. "
			   "For a hazard,\nalso its derived state and its full event history.",
		.epilog = "ID is the full id or its first 8 (at least 4) characters.",
	};
	const char *pos[1];
	size_t npos;
	char id[37], buf[64];
	Safecampus__Record *r = NULL;
	enum store_sync_state sync;
	const struct kind *k;
	const ProtobufCMessage *m;
	int rc = cli_parse(c, argc, argv, NULL, 0, &h, pos, 1, 1, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	rc = cli_config(c);
	if (rc)
		return rc;
	if (cli_resolve(c, pos[0], id))
		return CLI_FAIL;
	rc = store_get(c->st, id, &r);
	if (rc)
		return cli_store_fail(rc, "cannot read the record");
	rc = store_sync_state(c->st, id, &sync);
	if (rc) {
		rc = cli_store_fail(rc, "cannot read the outbox");
		goto out;
	}
	k = kind_of(r);
	m = kind_payload(r);
	printf("%s %s\n", k->name, r->id);
	for (unsigned i = 0; i < k->desc->n_fields; i++)
		if ((int)strlen(k->desc->fields[i].name) > show_w)
			show_w = (int)strlen(k->desc->fields[i].name);
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		char *v;
		if (!settable(f))
			continue;
		v = kind_field_get(m, f);
		if (v && ends_with(f->name, "_ms") && *v) {
			char when[32];
			long long ms = strtoll(v, NULL, 10);
			cli_fmt_time(ms, when, sizeof when);
			snprintf(buf, sizeof buf, "%s (%s)", when, v);
			show_line(f->name, buf);
		} else {
			show_line(f->name, v && *v ? v : "-");
		}
		free(v);
	}
	if (k->parent_field)
		show_parent(c, k, m);
	printf("record:\n");
	show_line("school", *cli_s(r->school) ? r->school : "(bureau)");
	show_line("campus", r->campus);
	show_line("written by", *cli_s(r->written_by) ? r->written_by : r->campus);
	cli_fmt_time((int64_t)HLC_MS(r->hlc), buf, sizeof buf);
	printf("  %-*s %s (hlc %llu)\n", show_w, "last write", buf, (unsigned long long)r->hlc);
	if (r->seq)
		printf("  %-*s %llu\n", show_w, "server seq", (unsigned long long)r->seq);
	else
		show_line("server seq", "- (not on the server yet)");
	if (r->deleted)
		show_line("deleted", "yes");
	if (sync == STORE_REJECTED) {
		struct rej_find x = {.id = id};
		rc = store_each_rejected(c->st, rej_find_cb, &x);
		if (rc < 0) {
			rc = cli_store_fail(rc, "cannot read the outbox");
			goto out;
		}
		printf("  %-*s rejected: %s", show_w, "sync", x.hit ? reason_name(x.found.reason) : "?");
		if (x.hit && x.found.detail[0]) {
			char d[600];
			fputs(": ", stdout);
			cli_text(stdout, cli_detail(x.found.detail, d, sizeof d));
		}
		printf("\n  %-*s fix it with `" CLI_PROG " edit %.8s ...` or drop it with `" CLI_PROG
		       " outbox discard %.8s`\n", show_w, "", id, id);
	} else {
		show_line("sync", cli_sync_name(sync));
	}
	rc = 0;
	if (strcmp(k->name, "hazard") == 0)
		rc = hz_show_history(c, r);
	else if (strcmp(k->name, "notice") == 0)
		rc = nt_show_status(c, r);
	else if (r->body_case == SAFECAMPUS__RECORD__BODY_BUS_TRIP && r->bus_trip->boarded != r->bus_trip->alighted)
		printf("\nALARM: %d boarded, %d alighted: a child may have been left on the bus\n",
		       (int)r->bus_trip->boarded, (int)r->bus_trip->alighted);
out:
	safecampus__record__free_unpacked(r, NULL);
	return rc ? CLI_FAIL : CLI_OK;
}

/* ---------------------------------------------------------------- export */

/* One CSV cell (RFC 4180): quoted when it holds a comma, quote, CR or LF,
 * or starts or ends with a space. */
static void csv_cell(FILE *f, const char *s)
{
	size_t n = strlen(s);
	bool q = n && (s[0] == ' ' || s[n - 1] == ' ');

	for (const char *p = s; *p && !q; p++)
		q = *p == ',' || *p == '"' || *p == '\r' || *p == '\n';
	if (!q) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

struct csv_ctx {
	FILE *f;
	const struct kind *k;
	unsigned rows;
	int rc;
};

static int csv_row(void *arg, const Safecampus__Record *r)
{
	struct csv_ctx *x = arg;
	const ProtobufCMessage *m = kind_payload(r);
	char num[32];

	for (unsigned i = 0; i < x->k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &x->k->desc->fields[i];
		char *v;
		if (!settable(f))
			continue;
		v = kind_field_get(m, f);
		if (!v) {
			x->rc = -ENOMEM;
			return 1;
		}
		csv_cell(x->f, v);
		fputc(',', x->f);
		free(v);
	}
	csv_cell(x->f, r->id);
	fputc(',', x->f);
	csv_cell(x->f, cli_s(r->school));
	fputc(',', x->f);
	csv_cell(x->f, cli_s(r->campus));
	snprintf(num, sizeof num, "%llu", (unsigned long long)r->hlc);
	fprintf(x->f, ",%s,%s\r\n", num, r->deleted ? "true" : "false");
	x->rows++;
	return 0;
}

int cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "export KIND --csv [FILE]",
		.summary = "Writes every record of a kind as CSV (RFC 4180, UTF-8, CRLF line "
			   "ends) to FILE or, without\nFILE or with '-', to standard output. "
			   "Header: the kind's field names, then id, school,\ncampus, hlc, deleted. "
			   "Values are in the same text form `add` takes.",
	};
	struct cli_opt opts[] = {
		{.name = "csv", .help = "comma-separated values (the only format so far)"},
	};
	const char *pos[2];
	size_t npos;
	const struct kind *k;
	struct csv_ctx x = {0};
	const char *path;
	bool to_stdout;
	int rc = cli_parse(c, argc, argv, opts, 1, &h, pos, 1, 2, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	k = cli_kind(pos[0]);
	if (!k)
		return kinds_hint("export", pos[0]);
	if (!opts[0].seen)
		return cli_usage("export", "choose a format: --csv");
	rc = cli_config(c);
	if (rc)
		return rc;
	path = npos > 1 ? pos[1] : "-";
	to_stdout = strcmp(path, "-") == 0;
	x.k = k;
	x.f = to_stdout ? stdout : fopen(path, "w");
	if (!x.f) {
		cli_err("cannot write %s: %s", path, strerror(errno));
		return CLI_FAIL;
	}
	for (unsigned i = 0; i < k->desc->n_fields; i++)
		if (settable(&k->desc->fields[i]))
			fprintf(x.f, "%s,", k->desc->fields[i].name);
	fputs("id,school,campus,hlc,deleted\r\n", x.f);
	rc = store_each(c->st, k->name, csv_row, &x);
	if (x.rc)
		rc = x.rc;
	if (fflush(x.f) != 0 || ferror(x.f)) {
		cli_err("cannot write %s: %s", to_stdout ? "standard output" : path, strerror(errno));
		rc = rc ? rc : -EIO;
	}
	if (!to_stdout && fclose(x.f) != 0 && rc == 0) {
		cli_err("cannot write %s: %s", path, strerror(errno));
		rc = -EIO;
	}
	if (rc)
		return rc == -EIO ? CLI_FAIL : cli_store_fail(rc, "cannot export");
	if (!to_stdout)
		fprintf(stderr, "%u %s record%s written to %s\n", x.rows, k->name,
			x.rows == 1 ? "" : "s", path);
	return CLI_OK;
}
