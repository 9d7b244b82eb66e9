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

struct grow_rows {
	struct cli *c;
	const struct kind *k;
	const char *campus, *since;
	size_t ncols;   /* id, fields..., campus, sync */
	char **cells;   /* nrows * ncols */
	size_t nrows, cap;
	int rc;
};

static int row_add(void *arg, const Safecampus__Record *r)
{
	struct grow_rows *g = arg;
	const ProtobufCMessage *m = kind_payload(r);
	enum store_sync_state sync;
	char **row;
	size_t col = 0;
	int rc;

	if (r->deleted)
		return 0;
	if (g->campus && strcmp(cli_s(r->campus), g->campus) != 0)
		return 0;
	if (g->since) {
		char day[11];
		record_day(g->k, r, day);
		if (strcmp(day, g->since) < 0)
			return 0;
	}
	rc = store_sync_state(g->c->st, r->id, &sync);
	if (rc) {
		g->rc = rc;
		return 1;
	}
	if (g->nrows == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 32;
		char **cells = realloc(g->cells, cap * g->ncols * sizeof *cells);
		if (!cells) {
			g->rc = -ENOMEM;
			return 1;
		}
		g->cells = cells;
		g->cap = cap;
	}
	row = &g->cells[g->nrows * g->ncols];
	memset(row, 0, g->ncols * sizeof *row);
	g->nrows++;
	row[col++] = strndup(r->id, 8);
	for (unsigned i = 0; i < g->k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &g->k->desc->fields[i];
		if (!settable(f))
			continue;
		row[col] = kind_field_get(m, f);
		if (row[col] && ends_with(f->name, "_id") && strlen(row[col]) > 8)
			row[col][8] = '\0';
		col++;
	}
	row[col++] = strdup(cli_s(r->campus));
	row[col++] = strdup(cli_sync_name(sync));
	for (size_t i = 0; i < g->ncols; i++)
		if (!row[i]) {
			g->rc = -ENOMEM;
			return 1;
		}
	return 0;
}

static int list_generic(struct cli *c, const struct kind *k, const char *campus, const char *since)
{
	struct grow_rows g = {.c = c, .k = k, .campus = campus, .since = since};
	const char *head[CLI_MAX_OPTS];
	size_t width[CLI_MAX_OPTS];
	bool show[CLI_MAX_OPTS];
	size_t room = CLI_WIDTH;
	int rc;

	head[g.ncols++] = "id";
	for (unsigned i = 0; i < k->desc->n_fields && g.ncols < CLI_MAX_OPTS - 2; i++)
		if (settable(&k->desc->fields[i]))
			head[g.ncols++] = k->desc->fields[i].name;
	head[g.ncols++] = "campus";
	head[g.ncols++] = "sync";
	rc = store_each(c->st, k->name, row_add, &g);
	if (g.rc)
		rc = g.rc;
	if (rc) {
		rc = cli_store_fail(rc, "cannot list records");
		goto out;
	}
	for (size_t j = 0; j < g.ncols; j++) {
		width[j] = cli_width(head[j]);
		for (size_t i = 0; i < g.nrows; i++) {
			size_t w = cli_width(g.cells[i * g.ncols + j]);
			if (w > width[j])
				width[j] = w;
		}
		if (width[j] > 24)
			width[j] = 24;
	}
	/* id, campus and sync always; then fields in order while they fit */
	room -= width[0] + 1 + width[g.ncols - 2] + 1 + width[g.ncols - 1];
	for (size_t j = 0; j < g.ncols; j++) {
		show[j] = j == 0 || j >= g.ncols - 2;
		if (!show[j] && width[j] + 1 <= room) {
			show[j] = true;
			room -= width[j] + 1;
		}
	}
	for (size_t j = 0, first = 1; j < g.ncols; j++) {
		char up[64];
		size_t n = 0;
		if (!show[j])
			continue;
		for (const char *p = head[j]; *p && n + 1 < sizeof up; p++)
			up[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
		up[n] = '\0';
		if (!first)
			fputc(' ', stdout);
		first = 0;
		cli_cell(stdout, up, j == g.ncols - 1 ? cli_width(up) : width[j]);
	}
	fputc('\n', stdout);
	for (size_t i = 0; i < g.nrows; i++) {
		for (size_t j = 0, first = 1; j < g.ncols; j++) {
			const char *v = g.cells[i * g.ncols + j];
			if (!show[j])
				continue;
			if (!first)
				fputc(' ', stdout);
			first = 0;
			cli_cell(stdout, *v ? v : "-", j == g.ncols - 1 ? cli_width(v) : width[j]);
		}
		fputc('\n', stdout);
	}
	printf("%zu %s record%s\n", g.nrows, k->name, g.nrows == 1 ? "" : "s");
	rc = 0;
out:
	for (size_t i = 0; i < g.nrows * g.ncols; i++)
		free(g.cells[i]);
	free(g.cells);
	return rc;
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "list KIND [--status STATE] [--campus CAMPUS] [--since YYYY-MM-DD]",
		.summary = "Lists the records of one kind (e.g. `list hazards`) known to this store: "
			   "this school's\nrows from every campus, as of the last sync, plus local "
			   "writes. Ids are shown by their\nfirst 8 characters, which every "
			   "command accepts.",
		.epilog = "Hazards show their state, folded from their events, the owner and "
			  "deadline, '!' after an\noverdue deadline, and the sync state: pending "
			  "(waiting to be pushed), rejected (see\n`" CLI_PROG " status`) or "
			  "synced.\n--status (hazards only): reported, assigned, rectified, "
			  "verified, closed, open (not closed),\noverdue.\n--since: the kind's "
			  "first date field (for hazards found_date) on or after the date.",
	};
	struct cli_opt opts[] = {
		{.name = "status", .metavar = "STATE", .help = "hazards in this state only"},
		{.name = "campus", .metavar = "CAMPUS", .help = "records created by this campus only"},
		{.name = "since", .metavar = "YYYY-MM-DD", .help = "records dated on or after this day"},
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
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
	if (opts[0].seen) {
		int v;
		if (strcmp(k->name, "hazard") != 0)
			return cli_usage("list", "--status applies to hazards only");
		if (strcmp(opts[0].value, "open") != 0 && strcmp(opts[0].value, "overdue") != 0 &&
		    (kind_enum_parse(&safecampus__hazard_state__descriptor, opts[0].value, &v) != 0 ||
		     v == 0))
			return cli_usage("list", "--status: unknown state '%s' (reported, assigned, "
					 "rectified, verified, closed, open, overdue)",
					 opts[0].value);
	}
	rc = cli_config(c);
	if (rc)
		return rc;
	if (strcmp(k->name, "hazard") == 0)
		return hz_list(c, opts[0].value, opts[1].value, opts[2].value) ? CLI_FAIL : CLI_OK;
	return list_generic(c, k, opts[1].value, opts[2].value);
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
			fputs(": ", stdout);
			cli_text(stdout, x.found.detail);
		}
		printf("\n  %-*s fix it with `" CLI_PROG " edit %.8s ...` or drop it with `" CLI_PROG
		       " outbox discard %.8s`\n", show_w, "", id, id);
	} else {
		show_line("sync", cli_sync_name(sync));
	}
	rc = 0;
	if (strcmp(k->name, "hazard") == 0)
		rc = hz_show_history(c, r);
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
