/* Record fields on the command line, from the protobuf descriptors: one
 * option per payload field (`--deadline-date` sets deadline_date), help with
 * types and enum values, defaults, and the checks a record passes before it
 * is written. Nothing here names a field except the alias and default tables. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "uuid.h"

/* Documented short flags for long field names. */
static const struct alias {
	const char *kind, *alias, *field;
} aliases[] = {
	{"hazard_event", "role", "actor_role"},
	{"hazard_event", "deadline", "deadline_date"},
	{"hazard_event", "hazard", "hazard_id"},
	{"hazard", "found", "found_date"},
};

/* Values filled in when a field is not given. */
enum dflt { D_TODAY, D_NOW_MS };
static const struct deflt {
	const char *kind, *field;
	enum dflt what;
} defaults[] = {
	{"hazard", "found_date", D_TODAY},
	{"hazard_event", "at_ms", D_NOW_MS},
	{"notice_event", "at_ms", D_NOW_MS},
};

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

/* Enum values without UNSPECIFIED, ", "-separated, into out. */
static void enum_values(const ProtobufCEnumDescriptor *e, char *out, size_t n)
{
	size_t at = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < e->n_values; i++) {
		const char *name = kind_enum_name(e, e->values[i].value);
		int w;
		if (e->values[i].value == 0 || !name)
			continue;
		w = snprintf(out + at, n - at, "%s%s", at ? ", " : "", name);
		if (w < 0 || (size_t)w >= n - at)
			break;
		at += (size_t)w;
	}
}

static const char *type_name(const ProtobufCFieldDescriptor *f)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return "list";
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (ends_with(f->name, "_date"))
			return "date";
		if (ends_with(f->name, "_id"))
			return "id";
		return "text";
	case PROTOBUF_C_TYPE_ENUM:
		return "enum";
	case PROTOBUF_C_TYPE_BOOL:
		return "bool";
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_FLOAT:
		return "number";
	default:
		return ends_with(f->name, "_ms") ? "time-ms" : "integer";
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

static const struct deflt *default_of(const struct kind *k, const char *field)
{
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (strcmp(defaults[i].kind, k->name) == 0 && strcmp(defaults[i].field, field) == 0)
			return &defaults[i];
	return NULL;
}

static const char *field_help(const struct kind *k, const ProtobufCFieldDescriptor *f)
{
	char vals[512];
	const struct deflt *d = default_of(k, f->name);
	const char *dtext = !d ? "" : d->what == D_TODAY ? " (default: today)" : " (default: now)";

	if (f->type == PROTOBUF_C_TYPE_ENUM) {
		enum_values(f->descriptor, vals, sizeof vals);
		return pool_fmt("one of: %s%s", vals, dtext);
	}
	if (ends_with(f->name, "_id"))
		return pool_fmt("record id (or its first 8 characters)%s", dtext);
	return pool_fmt("%s%s", type_name(f), dtext);
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
			.name = f->name, .metavar = metavar(f), .help = field_help(k, f),
			.flags = in_list(required, f->name) ? CLI_OPT_REQUIRED : 0, .field = f,
		};
		for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++) {
			if (strcmp(aliases[a].kind, k->name) != 0 ||
			    strcmp(aliases[a].field, f->name) != 0)
				continue;
			if (*nopts >= max)
				return -ENOSPC;
			opts[(*nopts)++] = (struct cli_opt){
				.name = aliases[a].alias, .metavar = metavar(f), .field = f,
				.alias_of = f->name,
			};
		}
	}
	return 0;
}

static void dashed(const char *name, char *out, size_t n)
{
	size_t i = 0;

	for (; name[i] && i + 1 < n; i++)
		out[i] = name[i] == '_' ? '-' : name[i];
	out[i] = '\0';
}

int cli_field_apply(struct cli *c, const char *cmd, ProtobufCMessage *m, struct cli_opt *opts,
		    size_t nopts)
{
	char err[512], id[37];

	for (size_t i = 0; i < nopts; i++) {
		const ProtobufCFieldDescriptor *f = opts[i].field;
		const char *v = opts[i].value;
		if (!f || !opts[i].seen)
			continue;
		for (size_t j = i + 1; j < nopts; j++) {
			if (opts[j].field == f && opts[j].seen) {
				char a[64], b[64];
				dashed(opts[i].name, a, sizeof a);
				dashed(opts[j].name, b, sizeof b);
				return cli_usage(cmd, "--%s and --%s set the same field", a, b);
			}
		}
		if (ends_with(f->name, "_id") && f->type == PROTOBUF_C_TYPE_STRING && *v &&
		    !uuid_valid(v)) {
			int rc = cli_store(c);
			if (rc)
				return rc;
			if (cli_resolve(c, v, id))
				return CLI_FAIL;
			v = id;
		}
		if (kind_field_set(m, f, v, err, sizeof err) != 0) {
			char a[64];
			size_t fl = strlen(f->name);
			const char *why = err;
			/* kinds says "field: why"; the user typed --flag */
			if (strncmp(err, f->name, fl) == 0 && err[fl] == ':' && err[fl + 1] == ' ')
				why = err + fl + 2;
			dashed(opts[i].name, a, sizeof a);
			return cli_usage(cmd, "--%s: %s", a, why);
		}
	}
	return 0;
}

int cli_apply_defaults(const struct kind *k, ProtobufCMessage *m)
{
	char buf[32], err[128];

	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		const ProtobufCFieldDescriptor *f;
		char *cur;
		if (strcmp(defaults[i].kind, k->name) != 0)
			continue;
		f = kind_field(k, defaults[i].field);
		if (!f)
			continue;
		cur = kind_field_get(m, f);
		if (!cur)
			return -ENOMEM;
		if (*cur) {
			free(cur);
			continue;
		}
		free(cur);
		if (defaults[i].what == D_TODAY)
			cli_today(buf);
		else
			snprintf(buf, sizeof buf, "%lld", (long long)cli_now_ms());
		if (kind_field_set(m, f, buf, err, sizeof err) != 0)
			return SC_EINVALID;
	}
	return 0;
}

/* The option a person types for field f of k: its documented alias, else
 * the field's name with '-' for '_'. */
static void flag_of(const struct kind *k, const char *field, char *out, size_t n)
{
	for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
		if (strcmp(aliases[a].kind, k->name) == 0 && strcmp(aliases[a].field, field) == 0) {
			dashed(aliases[a].alias, out, n);
			return;
		}
	dashed(field, out, n);
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
		while ((p[w] >= 'a' && p[w] <= 'z') || (p[w] >= '0' && p[w] <= '9') || p[w] == '_' ||
		       p[w] == '.')
			w++;
		/* a token ends before a trailing '.' (end of a sentence) */
		while (w && p[w - 1] == '.')
			w--;
		if (w == 0) {
			out[at++] = *p++;
			continue;
		}
		if (w < sizeof tok && (p == in || !(p[-1] == '-' || (p[-1] >= 'A' && p[-1] <= 'Z')))) {
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
			flag_of(k, field, flag, sizeof flag);
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
	size_t namew = 18;

	fprintf(f, "Fields of %s%s%s:\n", k->name, k->immutable ? " (immutable once synced)" : "",
		k->bureau_only ? " (bureau only)" : "");
	for (unsigned i = 0; i < k->desc->n_fields; i++)
		if (strlen(k->desc->fields[i].name) > namew)
			namew = strlen(k->desc->fields[i].name);
	fprintf(f, "  %-*s %-8s %s\n", (int)namew, "FIELD", "TYPE", "VALUES / NOTES");
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &k->desc->fields[i];
		const struct deflt *d;
		size_t at;
		if (!settable(fd))
			continue;
		fprintf(f, "  %-*s %-8s ", (int)namew, fd->name, type_name(fd));
		vals[0] = '\0';
		if (fd->type == PROTOBUF_C_TYPE_ENUM)
			enum_values(fd->descriptor, vals, sizeof vals);
		else if (ends_with(fd->name, "_date"))
			snprintf(vals, sizeof vals, "YYYY-MM-DD");
		else if (ends_with(fd->name, "_id"))
			snprintf(vals, sizeof vals, "record id or its 8-character prefix");
		else if (ends_with(fd->name, "_ms"))
			snprintf(vals, sizeof vals, "Unix time in milliseconds");
		else if (fd->label == PROTOBUF_C_LABEL_REPEATED)
			snprintf(vals, sizeof vals, "values separated by ';'");
		d = default_of(k, fd->name);
		at = strlen(vals);
		if (d)
			at += (size_t)snprintf(vals + at, sizeof vals - at, "%s",
					       d->what == D_TODAY ? " (default: today)"
								  : " (default: now)");
		if (k->parent_field && strcmp(k->parent_field, fd->name) == 0 && at < sizeof vals)
			snprintf(vals + at, sizeof vals - at, " (the record it belongs to)");
		cli_wrap(f, vals, namew + 12, CLI_WIDTH);
	}
	for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++) {
		char d[64];
		if (strcmp(aliases[a].kind, k->name) != 0)
			continue;
		dashed(aliases[a].field, d, sizeof d);
		fprintf(f, "  --%s is short for --%s\n", aliases[a].alias, d);
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
	Safecampus__Record *r = malloc(sizeof *r);
	char id[UUID_STR_LEN + 1];

	if (!r) {
		kind_payload_free(m);
		return NULL;
	}
	safecampus__record__init(r);
	if (uuid_new(id) != 0 || !(r->id = strdup(id))) {
		free(r);
		kind_payload_free(m);
		return NULL;
	}
	kind_record_set_payload(r, k, m);
	return r;
}

int cli_check_record(struct cli *c, const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	char why[512];
	int rc;

	if (!k)
		return CLI_FAIL;
	if (k->bureau_only && !cli_is_bureau(c)) {
		cli_err("refused: only the bureau may write %s records (this install is school "
			"%s, campus %s)", k->name, c->cfg.school, c->cfg.campus);
		return CLI_FAIL;
	}
	if (!k->bureau_only && cli_is_bureau(c)) {
		char list[256];
		size_t at = 0;
		list[0] = '\0';
		for (size_t i = 0; i < kind_count() && at < sizeof list; i++)
			if (kind_at(i)->bureau_only)
				at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
						       at ? ", " : "", kind_at(i)->name);
		cli_err("refused: %s records are written by schools; the bureau writes only %s",
			k->name, list);
		return CLI_FAIL;
	}
	if (rules_check(r, why, sizeof why) != 0) {
		cli_err("refused: %s", why);
		return CLI_FAIL;
	}
	if (k->parent_field) {
		const ProtobufCFieldDescriptor *pf = kind_field(k, k->parent_field);
		char *pid = pf ? kind_field_get(kind_payload(r), pf) : NULL;
		Safecampus__Record *parent = NULL;
		char pkind[64];
		size_t n;
		if (!pid)
			return CLI_FAIL;
		/* the parent's kind is the field's name without "_id" */
		n = strlen(k->parent_field);
		snprintf(pkind, sizeof pkind, "%.*s", (int)(n > 3 ? n - 3 : n), k->parent_field);
		rc = *pid ? store_get(c->st, pid, &parent) : SC_ENOTFOUND;
		if (rc == SC_ENOTFOUND) {
			cli_err("refused: %s %s is not known here (sync first?)", pkind, pid);
			free(pid);
			return CLI_FAIL;
		}
		free(pid);
		if (rc)
			return cli_store_fail(rc, "cannot read the record it belongs to");
		if (kind_by_name(pkind) && kind_of(parent) != kind_by_name(pkind)) {
			cli_err("refused: %s %s is a %s, not a %s", k->parent_field, parent->id,
				kind_of(parent) ? kind_of(parent)->name : "?", pkind);
			safecampus__record__free_unpacked(parent, NULL);
			return CLI_FAIL;
		}
		safecampus__record__free_unpacked(parent, NULL);
	}
	if (strcmp(k->name, "hazard_event") == 0)
		return hz_check_event(c, r);
	if (strcmp(k->name, "notice_event") == 0)
		return nt_check_event(c, r);
	if (strcmp(k->name, "letter") == 0)
		return lt_check(c, r);
	return 0;
}

void cli_after_write(struct cli *c, const Safecampus__Record *r)
{
	if (r->body_case == SAFECAMPUS__RECORD__BODY_BUS_TRIP && !r->deleted)
		bus_trip_alarm(c, r);
}

int cli_write(struct cli *c, Safecampus__Record *r)
{
	int rc = store_write(c->st, r);

	if (rc)
		return cli_store_fail(rc, "cannot write the record");
	cli_after_write(c, r);
	return 0;
}

/* ---------------------------------------------------------------- add / edit */

static const char *const add_epilog =
	"Each field is an option: --deadline-date sets deadline_date (--deadline_date works "
	"too).\nEnum values are the short lower-case names. The new record's id is printed; "
	"it waits in\nthe outbox until `" CLI_PROG " sync`.";

int cli_add_kind(struct cli *c, const struct kind *k, int argc, char **argv,
		 const struct cli_help *help, const char *const *required)
{
	struct cli_opt opts[CLI_MAX_OPTS];
	size_t nopts = 0, npos;
	const char *pos[1];
	char cmd[64];
	ProtobufCMessage *m = NULL;
	Safecampus__Record *r = NULL;
	int rc;

	cli_cmd_words(help, cmd, sizeof cmd);
	if (cli_field_opts(k, opts, &nopts, CLI_MAX_OPTS, required, NULL) != 0) {
		cli_err("too many fields in kind %s", k->name);
		return CLI_FAIL;
	}
	rc = cli_parse(c, argc, argv, opts, nopts, help, pos, 0, 0, &npos);
	if (rc == CLI_HELP) {
		fputc('\n', stdout);
		cli_kind_fields_help(stdout, k);
		return CLI_OK;
	}
	if (rc)
		return rc;
	rc = cli_config(c);
	if (rc)
		return rc;
	m = kind_payload_new(k);
	if (!m)
		return cli_store_fail(-ENOMEM, "cannot make the record");
	rc = cli_field_apply(c, cmd, m, opts, nopts);
	if (rc == 0 && cli_apply_defaults(k, m) != 0)
		rc = cli_store_fail(-ENOMEM, "cannot make the record");
	if (rc) {
		kind_payload_free(m);
		return rc;
	}
	r = cli_record_new(k, m);
	if (!r)
		return cli_store_fail(-ENOMEM, "cannot make the record");
	rc = cli_check_record(c, r);
	if (rc == 0)
		rc = cli_write(c, r);
	if (rc == 0)
		printf("%s\n", r->id);
	kind_record_free(r);
	return rc;
}

int cmd_add(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "add KIND --FIELD VALUE ...",
		.summary = "Adds a record of any kind, offline. `" CLI_PROG " add KIND --help` lists "
			   "the kind's fields.",
	};
	char usage[128];
	struct cli_help kh;
	const struct kind *k;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
			char list[2048];
			size_t at = 0;
			cli_print_help(stdout, NULL, 0, &h);
			list[0] = '\0';
			for (size_t i = 0; i < kind_count() && at < sizeof list; i++)
				at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
						       i ? " " : "", kind_at(i)->name);
			fputs("\nKinds: ", stdout);
			cli_wrap(stdout, list, 7, CLI_WIDTH);
			return CLI_OK;
		}
		return cli_usage("add", "which kind? (one of the kinds in `" CLI_PROG
				 " add --help`)");
	}
	k = cli_kind(argv[1]);
	if (!k)
		return cli_usage("add", "unknown kind '%s'", argv[1]);
	snprintf(usage, sizeof usage, "add %s [--FIELD VALUE ...]", k->name);
	kh = (struct cli_help){
		.usage = usage,
		.summary = pool_fmt("Adds a %s record. Writes locally and queues it for sync.",
				    k->name),
		.epilog = add_epilog,
	};
	return cli_add_kind(c, k, argc - 1, argv + 1, &kh, NULL);
}

int cmd_edit(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "edit ID --FIELD VALUE ...",
		.summary = "Changes fields of a record (last writer by clock wins when campuses "
			   "edit the same record). Also the way to fix a record the server "
			   "rejected; it goes back to pending.\nEvents cannot be edited once the "
			   "server has them: add a new event instead.",
		.epilog = "The options are the fields of the record's kind: see `" CLI_PROG
			  " add KIND --help`. An empty value clears a field.",
	};
	struct cli_opt opts[CLI_MAX_OPTS];
	size_t nopts = 0, npos;
	const char *pos[1];
	char id[37];
	Safecampus__Record *r = NULL;
	const struct kind *k;
	int rc;
	bool any = false;

	/* the kind (and so the options) comes from the record: find it first */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cli_print_help(stdout, NULL, 0, &h);
			return CLI_OK;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
			c->store_path = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--store=", 8) == 0) {
			c->store_path = argv[i] + 8;
			continue;
		}
		if (argv[i][0] != '-') {
			pos[0] = argv[i];
			any = true;
			break;
		}
		if (!strchr(argv[i], '='))
			i++; /* skip the option's value */
	}
	if (!any)
		return cli_usage("edit", "which record? (usage: " CLI_PROG " %s)", h.usage);
	rc = cli_config(c);
	if (rc)
		return rc;
	if (cli_resolve(c, pos[0], id))
		return CLI_FAIL;
	rc = store_get(c->st, id, &r);
	if (rc)
		return cli_store_fail(rc, "cannot read the record");
	k = kind_of(r);
	if (cli_field_opts(k, opts, &nopts, CLI_MAX_OPTS, NULL, NULL) != 0) {
		rc = CLI_FAIL;
		goto out;
	}
	rc = cli_parse(c, argc, argv, opts, nopts, &h, pos, 1, 1, &npos);
	if (rc)
		goto out;
	any = false;
	for (size_t i = 0; i < nopts; i++)
		any |= opts[i].seen;
	if (!any) {
		rc = cli_usage("edit", "nothing to change: give at least one --FIELD VALUE");
		goto out;
	}
	if (k->immutable && r->seq != 0) {
		cli_err("refused: %s %s is on the server and cannot change; add a new event "
			"instead", k->name, id);
		rc = CLI_FAIL;
		goto out;
	}
	rc = cli_field_apply(c, "edit", kind_payload(r), opts, nopts);
	if (rc == 0)
		rc = cli_check_record(c, r);
	if (rc == 0)
		rc = cli_write(c, r);
	if (rc == 0)
		printf("%s\n", r->id);
out:
	safecampus__record__free_unpacked(r, NULL);
	return rc;
}
