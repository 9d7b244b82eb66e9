/* Record fields on the command line, from the protobuf descriptors: one
 * option per payload field (`--deadline-date` sets deadline_date), help with
 * types and enum values, defaults, and the checks a record passes before it
 * is written. Aliases, defaults and help come from the kind's table entry
 * (kind_ops.h); nothing here names a kind or a field. */
#include "cli.h"
#include "i18n.h"
#include "cli_kind.h"
#include "cli_verb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "verb.h"

/* Help strings built from descriptors live for the whole run. */
static char pool[16384];
static size_t pool_used;

static const char *pool_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *pool_fmt(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pool_used >= sizeof pool)
		return "";
	va_start(ap, fmt);
	n = vsnprintf(pool + pool_used, sizeof pool - pool_used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof pool - pool_used) {
		pool_used = sizeof pool;
		return "";
	}
	pool_used += (size_t)n + 1;
	return pool + pool_used - (size_t)n - 1;
}

static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

static bool settable(const ProtobufCFieldDescriptor *f)
{
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return false;
	return f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_BYTES;
}

/* Enum values without UNSPECIFIED, ", "-separated, into out; in Chinese
 * each with its label, which may be typed instead (k's field table). */
static void enum_values(const struct kind *k, const ProtobufCFieldDescriptor *f, char *out,
			size_t n)
{
	const ProtobufCEnumDescriptor *e = f->descriptor;
	size_t at = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < e->n_values; i++) {
		const char *name = kind_enum_name(e, e->values[i].value);
		const char *label;
		int w;
		if (e->values[i].value == 0 || !name)
			continue;
		label = i18n_zh() ? kind_enum_label_tr(k, f->name, name) : name;
		if (label != name && strcmp(label, name) != 0)
			/* TRANSLATORS: an enum value and its label in a list of values */
			w = snprintf(out + at, n - at, _("%1$s%2$s (%3$s)"), at ? _(", ") : "",
				     name, label);
		else
			w = snprintf(out + at, n - at, "%s%s", at ? _(", ") : "", name);
		if (w < 0 || (size_t)w >= n - at)
			break;
		at += (size_t)w;
	}
}

/* TRANSLATORS: the type of a field in `add KIND --help` */
static const char *type_name(const ProtobufCFieldDescriptor *f)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return _("list");
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (ends_with(f->name, "_date"))
			return _("date");
		if (ends_with(f->name, "_id"))
			return _("id");
		return _("text");
	case PROTOBUF_C_TYPE_ENUM:
		return _("enum");
	case PROTOBUF_C_TYPE_BOOL:
		return _("bool");
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_FLOAT:
		return _("number");
	default:
		return ends_with(f->name, "_ms") ? _("time-ms") : _("integer");
	}
}

static const char *metavar(const ProtobufCFieldDescriptor *f)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return "A;B;...";
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (ends_with(f->name, "_date"))
			return "YYYY-MM-DD";
		if (ends_with(f->name, "_id"))
			return "ID";
		return "TEXT";
	case PROTOBUF_C_TYPE_ENUM:
		return "VALUE";
	case PROTOBUF_C_TYPE_BOOL:
		return "BOOL";
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_FLOAT:
		return "NUMBER";
	default:
		return ends_with(f->name, "_ms") ? "UNIX-MS" : "N";
	}
}

static enum kind_fill default_of(const struct kind *k, const char *field)
{
	const struct kind_field_ui *ui = kind_field_ui(k, field);

	return ui ? ui->dflt : KF_NONE;
}

static const char *default_text(enum kind_fill d)
{
	return d == KF_TODAY ? _(" (default: today)") : d == KF_NOW_MS ? _(" (default: now)") : "";
}

/* " (1 to 12)": the kind table's bounds, which the rules hold the field to */
static const char *bound_text(const struct kind *k, const ProtobufCFieldDescriptor *f)
{
	const struct kind_bound *b = kind_field_bound(k, f->name);

	if (!b)
		return "";
	if (b->max == KB_NO_MAX)
		return pool_fmt(_(" (at least %lld)"), b->min);
	return pool_fmt(_(" (%lld to %lld)"), b->min, b->max);
}

static const char *field_help(const struct kind *k, const ProtobufCFieldDescriptor *f)
{
	char vals[512];
	const struct kind_field_ui *ui = kind_field_ui(k, f->name);
	const char *btext = bound_text(k, f), *dtext = default_text(default_of(k, f->name));

	const char *label = kind_field_label(k, f->name);
	char what[160];

	if (*btext)
		dtext = pool_fmt("%s%s", btext, dtext);

	/* in Chinese the field's label comes first: the option names are English */
	if (label && i18n_zh())
		snprintf(what, sizeof what, _("%s: "), label);
	else
		what[0] = '\0';
	if (ui && ui->help)
		return pool_fmt("%s%s%s", what, kind_field_help(k, f->name), dtext);
	if (f->type == PROTOBUF_C_TYPE_ENUM) {
		enum_values(k, f, vals, sizeof vals);
		return pool_fmt(_("%1$sone of: %2$s%3$s"), what, vals, dtext);
	}
	if (ends_with(f->name, "_id"))
		return pool_fmt(_("%1$srecord id (or its first 8 characters)%2$s"), what, dtext);
	if (*what && (f->type == PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED))
		return pool_fmt("%s%s", label, dtext); /* the metavar says the rest */
	return pool_fmt("%s%s%s", what, type_name(f), dtext);
}

static bool in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

int cli_field_opts(const struct kind *k, struct cli_opt *opts, size_t *nopts, size_t max,
		   const char *const *required, const char *const *only)
{
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		if (!settable(f) || (only && !in_list(only, f->name)))
			continue;
		if (*nopts >= max)
			return -ENOSPC;
		opts[(*nopts)++] = (struct cli_opt){
			.name = f->name,
			.metavar = metavar(f),
			.help = field_help(k, f),
			.flags = in_list(required, f->name) ? CLI_OPT_REQUIRED : 0,
			.field = f,
		};
		{
			const struct kind_field_ui *ui = kind_field_ui(k, f->name);
			if (!ui || !ui->alias)
				continue;
			if (*nopts >= max)
				return -ENOSPC;
			opts[(*nopts)++] = (struct cli_opt){
				.name = ui->alias,
				.metavar = metavar(f),
				.field = f,
				.alias_of = f->name,
			};
		}
	}
	return 0;
}

void cli_dashed(const char *name, char *out, size_t n)
{
	size_t i = 0;

	for (; name[i] && i + 1 < n; i++)
		out[i] = name[i] == '_' ? '-' : name[i];
	out[i] = '\0';
}

int cli_apply_defaults(const struct kind *k, ProtobufCMessage *m)
{
	return verb_apply_defaults(k, m);
}

/* The option a person types for field f of k: its documented alias, else
 * the field's name with '-' for '_'. */
void cli_flag_of(const struct kind *k, const char *field, char *out, size_t n)
{
	const struct kind_field_ui *ui = kind_field_ui(k, field);

	cli_dashed(ui && ui->alias ? ui->alias : field, out, n);
}

void cli_flagify(const struct kind *k, const char *in, char *out, size_t n)
{
	size_t at = 0, klen = strlen(k->name);
	const char *p = in;

	if (n == 0)
		return;
	while (*p && at + 1 < n) {
		size_t w = 0;
		char tok[96], flag[80];
		const char *field = NULL;
		while ((p[w] >= 'a' && p[w] <= 'z') || (p[w] >= '0' && p[w] <= '9') ||
		       p[w] == '_' || p[w] == '.')
			w++;
		/* a token ends before a trailing '.' (end of a sentence) */
		while (w && p[w - 1] == '.')
			w--;
		if (w == 0) {
			out[at++] = *p++;
			continue;
		}
		if (w < sizeof tok &&
		    (p == in || !(p[-1] == '-' || (p[-1] >= 'A' && p[-1] <= 'Z')))) {
			memcpy(tok, p, w);
			tok[w] = '\0';
			if (w > klen + 1 && strncmp(tok, k->name, klen) == 0 && tok[klen] == '.')
				field = tok + klen + 1;
			else if (strchr(tok, '_') && !strchr(tok, '.'))
				field = tok;
			if (field && !kind_field(k, field))
				field = NULL;
		}
		if (field) {
			cli_flag_of(k, field, flag, sizeof flag);
			at += (size_t)snprintf(out + at, n - at, "--%s", flag);
			if (at >= n)
				at = n - 1;
		} else {
			size_t cp = w < n - 1 - at ? w : n - 1 - at;
			memcpy(out + at, p, cp);
			at += cp;
		}
		p += w;
	}
	out[at] = '\0';
}

void cli_kind_fields_help(FILE *f, const struct kind *k)
{
	char vals[512];
	size_t namew = 18, pre;

	fprintf(f, _("Fields of %1$s (%2$s)%3$s%4$s:\n"), k->name, kind_label(k),
		k->immutable ? _(" (immutable once synced)") : "",
		k->bureau_only ? _(" (bureau only)") : "");
	for (unsigned i = 0; i < k->desc->n_fields; i++)
		if (strlen(k->desc->fields[i].name) > namew)
			namew = strlen(k->desc->fields[i].name);
	fputs("  ", f);
	cli_cell(f, _("FIELD"), namew + 1);
	cli_cell(f, _("TYPE"), 9);
	fprintf(f, "%s\n", _("VALUES / NOTES"));
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &k->desc->fields[i];
		size_t at;
		if (!settable(fd))
			continue;
		const char *label = kind_field_label(k, fd->name);
		fprintf(f, "  %-*s ", (int)namew, fd->name);
		cli_cell(f, type_name(fd), 9);
		vals[0] = '\0';
		/* in Chinese the label says what the English field name means */
		if (label && i18n_zh())
			snprintf(vals, sizeof vals, _("%s: "), label);
		at = strlen(vals);
		pre = at;
		if (at && fd->type == PROTOBUF_C_TYPE_STRING && !ends_with(fd->name, "_date") &&
		    !ends_with(fd->name, "_id"))
			snprintf(vals, sizeof vals, "%s", label);
		else if (fd->type == PROTOBUF_C_TYPE_ENUM)
			enum_values(k, fd, vals + at, sizeof vals - at);
		else if (ends_with(fd->name, "_date"))
			snprintf(vals + at, sizeof vals - at, "YYYY-MM-DD");
		else if (ends_with(fd->name, "_id"))
			snprintf(vals + at, sizeof vals - at, "%s",
				 _("record id or its 8-character prefix"));
		else if (ends_with(fd->name, "_ms"))
			snprintf(vals + at, sizeof vals - at, "%s", _("Unix time in milliseconds"));
		else if (fd->label == PROTOBUF_C_LABEL_REPEATED)
			snprintf(vals + at, sizeof vals - at, "%s", _("values separated by ';'"));
		if (pre && strlen(vals) == pre)
			snprintf(vals, sizeof vals, "%s", label); /* no "label: " before nothing */
		at = strlen(vals);
		at += (size_t)snprintf(vals + at, sizeof vals - at, "%s",
				       default_text(default_of(k, fd->name)));
		if (k->parent_field && strcmp(k->parent_field, fd->name) == 0 && at < sizeof vals)
			snprintf(vals + at, sizeof vals - at, "%s",
				 _(" (the record it belongs to)"));
		cli_wrap(f, vals, namew + 12, CLI_WIDTH);
	}
	for (size_t a = 0; k->ops && a < k->ops->nfields; a++) {
		char d[64];
		if (!k->ops->fields[a].alias)
			continue;
		cli_dashed(k->ops->fields[a].field, d, sizeof d);
		fprintf(f, _("  --%1$s is short for --%2$s\n"), k->ops->fields[a].alias, d);
	}
}

const struct kind *cli_kind(const char *name)
{
	char buf[64];
	size_t n;
	const struct kind *k;

	if (!name || !*name)
		return NULL;
	n = strlen(name);
	if (n >= sizeof buf)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	if ((k = kind_by_name(buf)))
		return k;
	if (n > 1 && buf[n - 1] == 's') {
		buf[n - 1] = '\0';
		if ((k = kind_by_name(buf)))
			return k;
		if (n > 2 && buf[n - 2] == 'e') {
			buf[n - 2] = '\0';
			if ((k = kind_by_name(buf)))
				return k;
		}
	}
	return NULL;
}

Safecampus__Record *cli_record_new(const struct kind *k, ProtobufCMessage *m)
{
	return verb_record_new(k, m);
}

int cli_check_record(struct cli *c, const Safecampus__Record *r)
{
	struct verb_result *res = calloc(1, sizeof *res);
	struct verb_ctx vc;
	int rc;

	if (!res)
		return cli_store_fail(-ENOMEM, _("cannot check the record"));
	cli_verb_ctx(c, &vc);
	rc = verb_check(&vc, r, res);
	rc = cli_verb_failed(c, kind_of(r), rc, res, "");
	free(res);
	return rc;
}

int cli_refused(const struct kind *k, int rc, const char *why)
{
	char text[640];

	if (rc != SC_EINVALID && rc != SC_ETRANSITION && rc != SC_ENOTFOUND)
		return cli_store_fail(rc, _("cannot check the record"));
	/* the person typed --role, not actor_role */
	cli_flagify(k, why, text, sizeof text);
	cli_err(_("refused: %s"), text);
	return CLI_FAIL;
}

int cli_set_field(const struct kind *k, ProtobufCMessage *m, const char *field, const char *text,
		  const char *cmd)
{
	char err[256];
	const char *name = kind_enum_from_label(k, field, text);

	/* a person may type the value's label (全员培训) for its name */
	if (name && kind_field(k, field) && kind_field(k, field)->type == PROTOBUF_C_TYPE_ENUM)
		text = name;
	if (kind_field_set(m, kind_field(k, field), text, err, sizeof err) != 0) {
		char msg[300], flag[80];
		cli_flagify(k, err, msg, sizeof msg);
		cli_flag_of(k, field, flag, sizeof flag);
		return cli_usage(cmd, "--%s: %s", flag, msg);
	}
	return 0;
}

void cli_after_write(struct cli *c, const Safecampus__Record *r)
{
	const struct cli_kind *h = cli_kind_of(kind_of(r));

	if (h && h->after_write && !r->deleted)
		h->after_write(c, r);
}

int cli_write(struct cli *c, Safecampus__Record *r)
{
	int rc = store_write(c->st, r);

	if (rc)
		return cli_store_fail(rc, _("cannot write the record"));
	cli_after_write(c, r);
	return 0;
}
