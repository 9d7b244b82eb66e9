/* `safecampus import KIND FILE.csv`: records of one kind from CSV.
 *
 * The file is what `export KIND --csv` writes, or what a person made in a
 * spreadsheet: RFC 4180 (fields in double quotes may hold commas, quotes
 * written twice, and line breaks), UTF-8 with or without a byte-order mark,
 * CRLF or LF line ends. The header row names the columns: the kind's field
 * names, and optionally id, school, campus, hlc, deleted (export's common
 * columns). A row with an id updates that record (or creates it with that
 * id); a row without one is a new record.
 *
 * Every row is checked as `add` would check it (field text, rules_check, the
 * record it belongs to, the bureau-only rule); every bad row is reported as
 * "FILE:LINE: field: message", LINE being the line the row starts on. The
 * good rows are then written with store_write_batch: one transaction, so a
 * process killed half way leaves all of them or none. Exit status 1 if any
 * row was refused (the good ones are still imported). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "import_text.h"
#include "rules.h"
#include "verb.h"
#include "uuid.h"

#define CSV_MAX_CELL (1u << 20) /* longer cells are refused, not read into memory */
#define CSV_MAX_COLS 256
#define IMPORT_MAX_BYTES (256u << 20) /* read whole to tell its encoding */

/* ---------------------------------------------------------------- RFC 4180 reader */

struct csv {
	FILE *f;
	unsigned long line; /* physical line of the next character, from 1 */
	char **cells;
	size_t *lens;
	size_t ncells, capcells;
	char *cell;
	size_t len, cap;
	bool started, eof;
};

static int cell_put(struct csv *p, int ch, bool *too_long)
{
	if (p->len + 1 >= CSV_MAX_CELL) {
		*too_long = true;
		return 0;
	}
	if (p->len + 2 > p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		char *more = realloc(p->cell, cap);
		if (!more)
			return -ENOMEM;
		p->cell = more;
		p->cap = cap;
	}
	p->cell[p->len++] = (char)ch;
	return 0;
}

static int cell_end(struct csv *p)
{
	char *copy;

	if (p->ncells == p->capcells) {
		size_t cap = p->capcells ? 2 * p->capcells : 16;
		char **more = realloc(p->cells, cap * sizeof *more);
		size_t *ml;
		if (!more)
			return -ENOMEM;
		p->cells = more;
		ml = realloc(p->lens, cap * sizeof *ml);
		if (!ml)
			return -ENOMEM;
		p->lens = ml;
		p->capcells = cap;
	}
	copy = malloc(p->len + 1);
	if (!copy)
		return -ENOMEM;
	if (p->len)
		memcpy(copy, p->cell, p->len);
	copy[p->len] = '\0';
	p->lens[p->ncells] = p->len;
	p->cells[p->ncells++] = copy;
	p->len = 0;
	return 0;
}

static void csv_clear(struct csv *p)
{
	for (size_t i = 0; i < p->ncells; i++)
		free(p->cells[i]);
	p->ncells = 0;
}

static void csv_free(struct csv *p)
{
	csv_clear(p);
	free(p->cells);
	free(p->lens);
	free(p->cell);
}

/* Reads one record into p->cells. Returns 1 for a record, 0 at the end of the
 * file, a negative code on a read failure. *start is the line it began on;
 * bad[] gets a message when the record is malformed (it is still returned
 * whole, so reading goes on with the next one). */
static int csv_next(struct csv *p, unsigned long *start, char *bad, size_t badlen)
{
	bool quoted = false, after_quote = false, too_long = false;
	unsigned long qline = 0;
	int ch, rc;

	csv_clear(p);
	bad[0] = '\0';
	if (p->eof)
		return 0;
	if (!p->started) {
		p->started = true;
		p->line = 1;
		/* a UTF-8 byte-order mark, as spreadsheets write */
		ch = getc(p->f);
		if (ch == 0xEF) {
			int b = getc(p->f), c = getc(p->f);
			if (b != 0xBB || c != 0xBF) {
				snprintf(bad, badlen, "not UTF-8 text (starts with a stray byte)");
				if (c != EOF)
					ungetc(c, p->f);
				/* the bytes are lost; the row is refused anyway */
			}
		} else if (ch != EOF) {
			ungetc(ch, p->f);
		}
	}
	*start = p->line;
	p->len = 0;
	ch = getc(p->f);
	if (ch == EOF) {
		p->eof = true;
		return ferror(p->f) ? -EIO : 0;
	}
	for (;; ch = getc(p->f)) {
		if (ch == EOF) {
			if (ferror(p->f))
				return -EIO;
			p->eof = true;
			if (quoted)
				snprintf(bad, badlen,
					 "a quoted field opened on line %lu is never "
					 "closed",
					 qline);
			break;
		}
		if (quoted) {
			if (ch == '"') {
				int next = getc(p->f);
				if (next == '"') {
					if ((rc = cell_put(p, '"', &too_long)))
						return rc;
					continue;
				}
				if (next != EOF)
					ungetc(next, p->f);
				quoted = false;
				after_quote = true;
				continue;
			}
			if (ch == '\n')
				p->line++;
			if ((rc = cell_put(p, ch, &too_long)))
				return rc;
			continue;
		}
		if (ch == ',') {
			if ((rc = cell_end(p)))
				return rc;
			after_quote = false;
			continue;
		}
		if (ch == '\r' || ch == '\n') {
			if (ch == '\r') {
				int next = getc(p->f);
				if (next != '\n' && next != EOF)
					ungetc(next, p->f);
			}
			p->line++;
			break;
		}
		if (ch == '"' && p->len == 0 && !after_quote) {
			quoted = true;
			qline = p->line;
			continue;
		}
		if (after_quote && !bad[0])
			snprintf(bad, badlen,
				 "text after a closing quote (a quote inside a field "
				 "is written twice: \"\")");
		if ((rc = cell_put(p, ch, &too_long)))
			return rc;
	}
	if ((rc = cell_end(p)))
		return rc;
	if (too_long && !bad[0])
		snprintf(bad, badlen, "a cell is longer than %u bytes", CSV_MAX_CELL - 1);
	if (p->ncells > CSV_MAX_COLS && !bad[0])
		snprintf(bad, badlen, "more than %d cells", CSV_MAX_COLS);
	return 1;
}

/* ---------------------------------------------------------------- columns */

enum col_kind { COL_FIELD, COL_ID, COL_SCHOOL, COL_CAMPUS, COL_HLC, COL_DELETED };

struct column {
	enum col_kind what;
	const ProtobufCFieldDescriptor *f;
	char name[64];
};

static bool settable(const ProtobufCFieldDescriptor *f)
{
	return !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->type != PROTOBUF_C_TYPE_MESSAGE &&
	       f->type != PROTOBUF_C_TYPE_BYTES;
}

/* Header cell -> column: field names as export writes them ('-' or '_',
 * any case, surrounding spaces ignored). */
static int header_col(const struct kind *k, const char *cell, struct column *col)
{
	static const struct {
		const char *name;
		enum col_kind what;
	} common[] = {
		{ "id", COL_ID },   { "school", COL_SCHOOL },   { "campus", COL_CAMPUS },
		{ "hlc", COL_HLC }, { "deleted", COL_DELETED },
	};
	size_t n = 0, rl;
	char raw[256];

	while (*cell == ' ')
		cell++;
	rl = strlen(cell);
	while (rl && cell[rl - 1] == ' ')
		rl--;
	snprintf(raw, sizeof raw, "%.*s", (int)(rl < sizeof raw ? rl : sizeof raw - 1), cell);
	for (; cell[n] && n + 1 < sizeof col->name; n++)
		col->name[n] = cell[n] == '-' ? '_' : (char)tolower((unsigned char)cell[n]);
	while (n && col->name[n - 1] == ' ')
		n--;
	col->name[n] = '\0';
	col->f = kind_field(k, col->name);
	if (col->f && settable(col->f)) {
		col->what = COL_FIELD;
		return 0;
	}
	/* a field's label as people see it, in Chinese or English ("日期",
	 * "Date"), or its short flag: what a sheet made by hand is headed with */
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		const struct kind_field_ui *ui = kind_field_ui(k, f->name);
		if (!ui || !settable(f))
			continue;
		if ((ui->label && (strcasecmp(raw, ui->label) == 0 ||
				   strcmp(raw, i18n_pgettext_in("zh", k->name, ui->label)) == 0)) ||
		    (ui->alias && strcmp(col->name, ui->alias) == 0)) {
			col->what = COL_FIELD;
			col->f = f;
			snprintf(col->name, sizeof col->name, "%s", f->name);
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
		if (strcmp(col->name, common[i].name) == 0) {
			col->what = common[i].what;
			return 0;
		}
	return SC_EINVALID;
}

/* ---------------------------------------------------------------- references by name */

struct by_name {
	const struct kind *k;
	const char *school, *v;
	char id[37];
	unsigned n;
};

/* Is one of r's own text fields (a class's name, a staff member's name,
 * not a date, an id or a hash) v? */
static int by_name_cb(void *arg, const Safecampus__Record *r)
{
	struct by_name *x = arg;
	const ProtobufCMessage *m = kind_payload(r);

	if (r->deleted || !m || strcmp(cli_s(r->school), x->school) != 0)
		return 0;
	for (unsigned i = 0; i < x->k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &x->k->desc->fields[i];
		const char *val;
		size_t fl = strlen(f->name);
		if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED ||
		    (fl > 3 && !strcmp(f->name + fl - 3, "_id")) ||
		    (fl > 5 && !strcmp(f->name + fl - 5, "_date")) ||
		    kind_field_is_hex(x->k, f->name))
			continue;
		val = *(const char *const *)(const void *)((const char *)m + f->offset);
		if (val && !strcmp(val, x->v)) {
			if (strcmp(x->id, r->id) != 0)
				x->n++;
			snprintf(x->id, sizeof x->id, "%s", r->id);
			break;
		}
	}
	return 0;
}

/* The one record of kind pk of school in st whose text reads v, into out:
 * 0, SC_ENOTFOUND for none, SC_EINVALID for more than one. */
static int named_record(struct store *st, const char *school, const struct kind *pk, const char *v,
			char out[37])
{
	struct by_name x = { .k = pk, .school = school, .v = v };

	if (store_each(st, pk->name, by_name_cb, &x) != 0 || x.n == 0)
		return SC_ENOTFOUND;
	if (x.n > 1)
		return SC_EINVALID;
	memcpy(out, x.id, 37);
	return 0;
}

/* ---------------------------------------------------------------- rows */

struct import {
	struct cli *c;
	const struct kind *k;
	const char *file;
	struct column cols[CSV_MAX_COLS];
	size_t ncols;
	Safecampus__Record **recs; /* the good rows, in file order */
	unsigned long *lines;
	size_t n, cap;
	size_t nmoved; /* records the rows move (a check's item), after recs[n] */
	unsigned rejected, unchanged, deleted;
};

/* "FILE:LINE: field: message" on stderr. */
static void row_error(const struct import *im, unsigned long line, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void row_error(const struct import *im, unsigned long line, const char *field,
		      const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%lu: %s: ", im->file, line, field);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* rules_check says "kind.field is required" or "kind.field: why": report it
 * under the field's name. */
static void rules_error(const struct import *im, unsigned long line, const char *why)
{
	size_t kl = strlen(im->k->name), fl;
	char field[64];
	const char *p = why;

	if (strncmp(p, im->k->name, kl) == 0 && p[kl] == '.') {
		p += kl + 1;
		fl = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (fl && fl < sizeof field && (p[fl] == ' ' || p[fl] == ':')) {
			memcpy(field, p, fl);
			field[fl] = '\0';
			p += fl;
			p += p[0] == ':' ? 1 : 0;
			while (*p == ' ')
				p++;
			if (strncmp(p, "is ", 3) == 0)
				p += 3; /* "title: required", not "title: is required" */
			row_error(im, line, field, "%s", p);
			return;
		}
		row_error(im, line, "record", "%s", why + kl + 1);
		return;
	}
	row_error(im, line, "record", "%s", why);
}

static int keep(struct import *im, Safecampus__Record *r, unsigned long line)
{
	if (im->n == im->cap) {
		size_t cap = im->cap ? 2 * im->cap : 256;
		Safecampus__Record **more = realloc(im->recs, cap * sizeof *more);
		unsigned long *ml;
		if (!more)
			return -ENOMEM;
		im->recs = more;
		ml = realloc(im->lines, cap * sizeof *ml);
		if (!ml)
			return -ENOMEM;
		im->lines = ml;
		im->cap = cap;
	}
	im->recs[im->n] = r;
	im->lines[im->n++] = line;
	return 0;
}

static bool same_payload(const Safecampus__Record *a, const Safecampus__Record *b)
{
	const ProtobufCMessage *ma = kind_payload(a), *mb = kind_payload(b);
	size_t na = protobuf_c_message_get_packed_size(ma);
	size_t nb = protobuf_c_message_get_packed_size(mb);
	uint8_t *ba, *bb;
	bool same = false;

	if (na != nb)
		return false;
	if (na == 0)
		return true;
	ba = malloc(na);
	bb = malloc(nb);
	if (ba && bb) {
		protobuf_c_message_pack(ma, ba);
		protobuf_c_message_pack(mb, bb);
		same = memcmp(ba, bb, na) == 0;
	}
	free(ba);
	free(bb);
	return same;
}

/* An earlier good row with this id (for "also on line N"). */
static unsigned long dup_line(const struct import *im, const char *id)
{
	for (size_t i = 0; i < im->n; i++)
		if (strcmp(im->recs[i]->id, id) == 0)
			return im->lines[i];
	return 0;
}

/* Replaces a strdup'd string of a record built with kind_* helpers. */
static int set_str_dup(char **slot, const char *v)
{
	char *n = strdup(cli_s(v));

	if (!n)
		return -ENOMEM;
	if (*slot && *slot != protobuf_c_empty_string)
		free(*slot);
	*slot = n;
	return 0;
}

static bool in_header(const struct import *im, const ProtobufCFieldDescriptor *f)
{
	for (size_t j = 0; j < im->ncols; j++)
		if (im->cols[j].f == f)
			return true;
	return false;
}

/* The row's stable id when it names none (import_text.h): the hash of its
 * kind's import key as the row gives it, else of every column it has. */
static int derived_id(const struct import *im, const ProtobufCMessage *m, char out[37])
{
	const struct kind *k = im->k;
	const char *names[CSV_MAX_COLS], *vals[CSV_MAX_COLS];
	char *owned[CSV_MAX_COLS];
	const char *key = k->ops ? k->ops->import_key : NULL;
	size_t n = 0;
	int rc;

	for (unsigned i = 0; i < k->desc->n_fields && n < CSV_MAX_COLS; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		bool in = false;
		if (!settable(f))
			continue;
		if (key) {
			size_t fl = strlen(f->name);
			for (const char *p = key; *p;) {
				size_t wl = strcspn(p, " ");
				if (wl == fl && strncmp(p, f->name, fl) == 0)
					in = true;
				p += wl;
				p += strspn(p, " ");
			}
		} else {
			in = in_header(im, f);
		}
		if (!in)
			continue;
		owned[n] = kind_field_get(m, f);
		if (!owned[n]) {
			rc = -ENOMEM;
			goto out;
		}
		names[n] = f->name;
		vals[n] = owned[n];
		n++;
	}
	rc = import_row_id(k->name, cli_s(im->c->cfg.school), names, vals, n, out);
out:
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
	return rc;
}

/* Checks one row; a good one is kept in im->recs. Returns 0 (good, bad or
 * skipped: im's counts say which) or a negative code for an out-of-memory or
 * store failure that stops the import. */
static int import_row(struct import *im, struct csv *p, unsigned long line)
{
	const struct kind *k = im->k;
	ProtobufCMessage *m = NULL;
	Safecampus__Record *r = NULL, *old = NULL;
	const char *id = NULL, *school = NULL;
	bool bad = false, tomb = false, derived = false;
	char err[512], why[512], idbuf[37];
	int rc = 0;

	for (size_t j = 0; j < im->ncols; j++) {
		const char *v = p->cells[j];
		if (strlen(v) != p->lens[j]) {
			row_error(im, line, im->cols[j].name, _("contains a NUL byte"));
			im->rejected++;
			return 0;
		}
		if (im->cols[j].what == COL_ID && *v)
			id = v;
		else if (im->cols[j].what == COL_SCHOOL)
			school = v;
		else if (im->cols[j].what == COL_DELETED)
			tomb = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
	}
	if (tomb) {
		/* a row export wrote for a deleted record: nothing to import */
		im->deleted++;
		return 0;
	}
	m = kind_payload_new(k);
	if (!m)
		return -ENOMEM;
	r = cli_record_new(k, m);
	if (!r)
		return -ENOMEM;
	if (school && *school && strcmp(school, cli_s(im->c->cfg.school)) != 0) {
		row_error(im, line, "school",
			  _("the row is for school \"%.64s\"; this install writes "
			    "for %s"),
			  school,
			  *cli_s(im->c->cfg.school) ? im->c->cfg.school
						    : _("the bureau (school \"\")"));
		bad = true;
	}
	for (size_t j = 0; j < im->ncols; j++) {
		const ProtobufCFieldDescriptor *f = im->cols[j].f;
		const char *v = p->cells[j];
		const struct kind *pk;
		char full[37];
		int named = 0;
		if (im->cols[j].what != COL_FIELD)
			continue;
		/* a reference may be an id prefix, as on the command line, or the
		 * name of the record (三年级（2）班): a sheet people fill in knows
		 * no ids */
		pk = *v && f->type == PROTOBUF_C_TYPE_STRING && !uuid_valid(v)
			     ? kind_named_by(k, f->name, NULL)
			     : NULL;
		if (pk && strlen(v) >= 4 && strlen(v) < 36 &&
		    store_resolve_id(im->c->st, v, full) == 0) {
			v = full;
		} else if (pk && (named = named_record(im->c->st, cli_s(im->c->cfg.school), pk, v,
						       full)) == 0) {
			v = full;
		} else if (pk) {
			row_error(im, line, f->name,
				  named == SC_EINVALID
					  ? _("\"%.64s\" names more than one %s here: give its id")
					  : _("no %2$s here is called \"%1$.64s\""),
				  v, kind_label(pk));
			bad = true;
			continue;
		}
		/* an enum cell may hold the value's label (全员培训), as `add` takes it */
		if (*v && f->type == PROTOBUF_C_TYPE_ENUM) {
			const char *name = kind_enum_from_label(k, f->name, v);
			if (name)
				v = name;
		}
		if (kind_field_set(m, f, v, err, sizeof err) != 0) {
			size_t fl = strlen(f->name);
			const char *msg = err;
			if (strncmp(err, f->name, fl) == 0 && err[fl] == ':' && err[fl + 1] == ' ')
				msg = err + fl + 2;
			row_error(im, line, f->name, "%s", msg);
			bad = true;
		}
	}
	if (id) {
		size_t n = strlen(id);
		for (size_t i = 0; i < n && i < 36; i++)
			idbuf[i] = (char)tolower((unsigned char)id[i]);
		idbuf[n < 36 ? n : 36] = '\0';
		if (n != 36 || !uuid_valid(idbuf)) {
			row_error(im, line, "id",
				  _("\"%.40s\" is not a record id (a UUID, as export "
				    "writes it; leave the cell empty for a new record)"),
				  id);
			goto reject;
		}
	} else if (!bad) {
		/* its id from what it is, so importing it again finds it */
		rc = derived_id(im, m, idbuf);
		if (rc)
			goto out;
		derived = true;
	} else {
		goto reject;
	}
	{
		unsigned long other = dup_line(im, idbuf);
		if (other) {
			if (derived)
				row_error(im, line, "row", _("the same %s as line %lu (%s)"),
					  kind_label(k), other,
					  k->ops && k->ops->import_key ? k->ops->import_key
								       : _("every cell"));
			else
				row_error(im, line, "id", _("%s is also on line %lu"), idbuf,
					  other);
			goto reject;
		}
	}
	if (set_str_dup(&r->id, idbuf) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	rc = store_get(im->c->st, r->id, &old);
	if (rc == SC_ENOTFOUND) {
		rc = 0;
	} else if (rc) {
		goto out;
	} else if (kind_of(old) != k) {
		row_error(im, line, "id", _("%s already belongs to a %s record"), r->id,
			  kind_of(old) ? kind_of(old)->name : "?");
		bad = true;
	} else if (derived && old->deleted) {
		/* the sheet's row was imported once and deleted here since: a
		 * re-import does not bring it back */
		im->deleted++;
		goto out;
	} else {
		/* an update: the columns left out keep their values */
		for (unsigned i = 0; i < k->desc->n_fields; i++) {
			const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
			char *v;
			if (!settable(f) || in_header(im, f))
				continue;
			v = kind_field_get(kind_payload(old), f);
			if (!v || kind_field_set(m, f, v, err, sizeof err) != 0) {
				free(v);
				rc = -ENOMEM;
				goto out;
			}
			free(v);
		}
		if (set_str_dup(&r->campus, old->campus) != 0 ||
		    set_str_dup(&r->school, old->school) != 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (bad)
		goto reject;
	if (cli_apply_defaults(k, m) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (rules_check(r, why, sizeof why) != 0) {
		rules_error(im, line, why);
		goto reject;
	}
	if (k->parent_field) {
		const ProtobufCFieldDescriptor *pf = kind_field(k, k->parent_field);
		char *pid = pf ? kind_field_get(m, pf) : NULL;
		Safecampus__Record *parent = NULL;
		size_t pl = strlen(k->parent_field) - 3;
		if (!pid) {
			rc = -ENOMEM;
			goto out;
		}
		rc = store_get(im->c->st, pid, &parent);
		if (rc == SC_ENOTFOUND) {
			row_error(im, line, k->parent_field,
				  "%.*s %.8s is not known here (sync "
				  "first?)",
				  (int)pl, k->parent_field, pid);
			bad = true;
			rc = 0;
		} else if (rc == 0 && (!kind_of(parent) ||
				       strncmp(kind_of(parent)->name, k->parent_field, pl) != 0 ||
				       kind_of(parent)->name[pl] != '\0')) {
			row_error(im, line, k->parent_field, "%.8s is a %s, not a %.*s", pid,
				  kind_of(parent) ? kind_of(parent)->name : "?", (int)pl,
				  k->parent_field);
			bad = true;
		}
		free(pid);
		safecampus__record__free_unpacked(parent, NULL);
		if (rc)
			goto out;
		if (bad)
			goto reject;
	}
	if (old) {
		if (!old->deleted && same_payload(old, r)) {
			im->unchanged++;
			goto out;
		}
		if (k->immutable && old->seq) {
			row_error(im, line, "id",
				  "%s %.8s is on the server and cannot change "
				  "(add a new one instead)",
				  k->name, r->id);
			goto reject;
		}
	}
	/* the rest of what `add` checks: role, workflows, linked records */
	{
		char where[256];
		snprintf(where, sizeof where, "%s:%lu", im->file, line);
		cli_err_where = where;
		rc = cli_check_record(im->c, r);
		cli_err_where = NULL;
		if (rc) {
			rc = 0;
			goto reject;
		}
	}
	rc = keep(im, r, line);
	if (rc == 0)
		r = NULL;
	goto out;
reject:
	im->rejected++;
out:
	kind_record_free(r);
	safecampus__record__free_unpacked(old, NULL);
	return rc;
}

/* Appends to im->recs the records the good rows move (kind_ops.moves_parent:
 * a check moves its item's dates), one updated copy per record however many
 * rows move it, so they are written in the rows' transaction. */
static int with_moved(struct import *im)
{
	for (size_t i = 0; i < im->n; i++) {
		Safecampus__Record *moved = NULL, *base = NULL;
		size_t at = im->n + im->nmoved;
		int rc;
		for (size_t j = im->n; j < im->n + im->nmoved; j++) {
			const struct kind *k = kind_of(im->recs[i]);
			const ProtobufCFieldDescriptor *pf =
				k && k->parent_field ? kind_field(k, k->parent_field) : NULL;
			char *pid = pf ? kind_field_get(kind_payload(im->recs[i]), pf) : NULL;
			if (pid && strcmp(pid, im->recs[j]->id) == 0) {
				base = im->recs[j];
				at = j;
			}
			free(pid);
		}
		rc = verb_moved_parent(im->c->st, &im->c->cfg, im->recs[i], base, &moved);
		if (rc < 0)
			return rc;
		if (!moved)
			continue;
		if (base) {
			safecampus__record__free_unpacked(base, NULL);
			im->recs[at] = moved;
			continue;
		}
		if (at == im->cap) {
			size_t cap = 2 * im->cap;
			Safecampus__Record **more = realloc(im->recs, cap * sizeof *more);
			unsigned long *ml;
			if (!more) {
				safecampus__record__free_unpacked(moved, NULL);
				return -ENOMEM;
			}
			im->recs = more;
			ml = realloc(im->lines, cap * sizeof *ml);
			if (!ml) {
				safecampus__record__free_unpacked(moved, NULL);
				return -ENOMEM;
			}
			im->lines = ml;
			im->cap = cap;
		}
		im->recs[at] = moved;
		im->nmoved++;
	}
	return 0;
}

/* ---------------------------------------------------------------- the command */

int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "import KIND FILE.csv [--dry-run]",
		.summary = N_(
			"Adds or updates records of one kind from a CSV file (RFC 4180; UTF-8 with "
			"or without a\nbyte-order mark, else GB18030/GBK as Chinese Excel saves "
			"it; "
			"'-' reads standard input).\nThe header row names the columns: the "
			"kind's fields as `safecampus add KIND --help`\nlists them, by name or "
			"by their label in Chinese or English, in any order, any of them\nleft "
			"out; and optionally id, school, campus, hlc, deleted, the columns "
			"`export KIND --csv`\nadds. A row with an id updates that record (the "
			"columns the file leaves out keep their\nvalues) or creates it with that "
			"id. A row without one gets an id made from what it\nrecords (for a "
			"meeting: its kind, date and title), so importing the same sheet again,\n"
			"or a corrected one, updates or skips the records it made instead of "
			"adding them twice.\nSo `export` then `import` round-trips."),
		.epilog = N_(
			"Every row is checked as `add` checks it; each bad row is reported as "
			"FILE:LINE: field: message\n(LINE: where the row starts). The good rows "
			"are written in one transaction: all of them or,\nif the program is "
			"stopped half way, none. Rows the same as the record already here are\n"
			"skipped (unchanged); rows export wrote for deleted records, and rows "
			"whose record was\ndeleted here since, are skipped. "
			"The last line says \"imported N, rejected M\". Exit status\n1 if any row "
			"was rejected (the good rows are still imported), 2 for a usage error, "
			"0\notherwise.\nEvents (the *_event kinds) are checked against the "
			"events already in the store, not\nagainst earlier rows of the same "
			"file: import one step per record at a time."),
	};
	struct cli_opt opts[] = {
		{ .name = "dry-run", .help = N_("check every row, write nothing") },
	};
	struct import im = { .c = c };
	struct csv p = { 0 };
	const char *pos[2];
	size_t npos;
	unsigned long line;
	char bad[256];
	bool to_close = false;
	char *text = NULL;
	size_t textlen = 0;
	int rc = cli_parse(c, argc, argv, opts, 1, &h, pos, 2, 2, &npos), got;

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	im.k = cli_kind(pos[0]);
	if (!im.k)
		return cli_usage(
			"import",
			_("unknown kind '%s' (the kinds are listed by `safecampus add --help`)"),
			pos[0]);
	rc = cli_config(c);
	if (rc)
		return rc;
	if (im.k->bureau_only != cli_is_bureau(c)) {
		if (im.k->bureau_only)
			cli_err(_("refused: only the bureau may write %s records (this install is "
				  "school %s)"),
				im.k->name, c->cfg.school);
		else {
			char list[256];
			size_t at = 0;
			list[0] = '\0';
			for (size_t i = 0; i < kind_count() && at < sizeof list; i++)
				if (kind_at(i)->bureau_only)
					at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
							       at ? " and " : "", kind_at(i)->name);
			cli_err(_("refused: %s records are written by schools; the bureau imports "
				  "only "
				  "%s"),
				im.k->name, list);
		}
		return CLI_FAIL;
	}
	im.file = pos[1];
	{
		FILE *in = stdin;
		enum import_enc enc;
		size_t bad_at;
		if (strcmp(pos[1], "-") == 0) {
			im.file = "<stdin>";
		} else {
			in = fopen(pos[1], "rb");
			if (!in) {
				cli_err(_("cannot read %s: %s"), pos[1], strerror(errno));
				return CLI_FAIL;
			}
		}
		rc = import_read(in, IMPORT_MAX_BYTES, &text, &textlen, &enc, &bad_at);
		if (in != stdin)
			fclose(in);
		if (rc == SC_EINVALID) {
			cli_err(_("%s: neither UTF-8 nor GB18030 (GBK) text (byte %zu); save it "
				  "from "
				  "the spreadsheet as \"CSV UTF-8\""),
				im.file, bad_at + 1);
			return CLI_FAIL;
		}
		if (rc == -EFBIG) {
			cli_err(_("%s: larger than %u MiB; split it"), im.file,
				(unsigned)(IMPORT_MAX_BYTES >> 20));
			return CLI_FAIL;
		}
		if (rc) {
			cli_err(_("cannot read %s: %s"), im.file,
				rc == -ENOTSUP ? _("this system cannot convert GB18030 text")
					       : strerror(-rc));
			return CLI_FAIL;
		}
		if (enc == IMPORT_GB18030)
			fprintf(stderr, _("%s: not UTF-8, read as GB18030 (GBK)\n"), im.file);
		if (textlen == 0) {
			cli_err(_("%s: the file is empty (the first row names the columns)"),
				im.file);
			free(text);
			return CLI_FAIL;
		}
		p.f = fmemopen(text, textlen, "rb");
		if (!p.f) {
			free(text);
			return cli_store_fail(-ENOMEM, _("cannot import"));
		}
		to_close = true;
	}
	/* the header */
	got = csv_next(&p, &line, bad, sizeof bad);
	if (got <= 0) {
		if (got < 0)
			cli_err(_("cannot read %s: %s"), im.file, strerror(-got));
		else
			cli_err(_("%s: the file is empty (the first row names the columns)"),
				im.file);
		rc = CLI_FAIL;
		goto out;
	}
	if (bad[0]) {
		fprintf(stderr, _("%s:%lu: header: %s\n"), im.file, line, bad);
		rc = CLI_FAIL;
		goto out;
	}
	im.ncols = p.ncells;
	for (size_t j = 0; j < p.ncells; j++) {
		if (header_col(im.k, p.cells[j], &im.cols[j]) != 0) {
			char list[1024];
			size_t at = 0;
			for (unsigned i = 0; i < im.k->desc->n_fields && at < sizeof list; i++)
				if (settable(&im.k->desc->fields[i]))
					at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
							       at ? ", " : "",
							       im.k->desc->fields[i].name);
			fprintf(stderr,
				_("%s:%lu: header: column %zu \"%.64s\" is not a field of %s "
				  "(fields: %s; and id, school, campus, hlc, deleted)\n"),
				im.file, line, j + 1, p.cells[j], im.k->name, list);
			rc = CLI_FAIL;
			goto out;
		}
		for (size_t i = 0; i < j; i++)
			if (strcmp(im.cols[i].name, im.cols[j].name) == 0) {
				fprintf(stderr,
					_("%s:%lu: header: column \"%s\" appears twice (columns "
					  "%zu and %zu)\n"),
					im.file, line, im.cols[j].name, i + 1, j + 1);
				rc = CLI_FAIL;
				goto out;
			}
	}
	/* the rows */
	while ((got = csv_next(&p, &line, bad, sizeof bad)) > 0) {
		if (p.ncells == 1 && p.lens[0] == 0 && !bad[0])
			continue; /* an empty line */
		if (bad[0]) {
			row_error(&im, line, "row", "%s", bad);
			im.rejected++;
			continue;
		}
		if (p.ncells != im.ncols) {
			row_error(&im, line, "row", "%zu cells, but the header has %zu columns",
				  p.ncells, im.ncols);
			im.rejected++;
			continue;
		}
		rc = import_row(&im, &p, line);
		if (rc) {
			rc = cli_store_fail(rc, _("cannot import"));
			goto out;
		}
	}
	if (got < 0) {
		cli_err(_("cannot read %s: %s; nothing imported"), im.file, strerror(-got));
		rc = CLI_FAIL;
		goto out;
	}
	if (opts[0].seen) {
		printf(_("would import %zu, rejected %u"), im.n, im.rejected);
	} else {
		if (im.n >= 1000) {
			/* a long write: say so (it is all or nothing, so an interrupt is safe) */
			fprintf(stderr,
				_("%s: %zu rows checked; writing them in one transaction\n"),
				im.file, im.n);
			fflush(stderr);
		}
		rc = with_moved(&im);
		if (rc == 0)
			rc = store_write_batch(c->st, im.recs, im.n + im.nmoved);
		if (rc) {
			cli_store_fail(rc, _("import failed, nothing was imported"));
			printf(_("imported 0, rejected %u\n"), im.rejected);
			rc = CLI_FAIL;
			goto out;
		}
		for (size_t i = 0; i < im.n; i++)
			cli_after_write(c, im.recs[i]);
		printf(_("imported %zu, rejected %u"), im.n, im.rejected);
	}
	if (im.unchanged)
		printf(_(" (%u unchanged, skipped)"), im.unchanged);
	if (im.deleted)
		printf(_(" (%u deleted, skipped)"), im.deleted);
	fputc('\n', stdout);
	rc = im.rejected ? CLI_FAIL : CLI_OK;
out:
	for (size_t i = 0; i < im.n; i++)
		kind_record_free(im.recs[i]);
	for (size_t i = 0; i < im.nmoved; i++)
		safecampus__record__free_unpacked(im.recs[im.n + i], NULL);
	free(im.recs);
	free(im.lines);
	csv_free(&p);
	if (to_close)
		fclose(p.f);
	free(text);
	return rc;
}
