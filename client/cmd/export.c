/* export KIND --csv [FILE]: every record of a kind as CSV. */
#include "cli.h"
#include "i18n.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool settable(const ProtobufCFieldDescriptor *f)
{
	return !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->type != PROTOBUF_C_TYPE_MESSAGE &&
	       f->type != PROTOBUF_C_TYPE_BYTES;
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
		.summary =
			N_("Writes every record of a kind as CSV (RFC 4180, UTF-8, CRLF line "
			   "ends, a cell in double\nquotes when it holds a comma, quote or line "
			   "break) to FILE or, without FILE or with '-', to\nstandard output. A "
			   "file starts with the UTF-8 byte-order mark, so that Excel opens it as\n"
			   "UTF-8 and shows Chinese right (standard output has none, for pipes; "
			   "--bom or --no-bom\nchooses). Header: the kind's field names, then id, "
			   "school, campus, hlc, deleted. Values\nare in the same text form `add` "
			   "takes; `import` reads the file back."),
	};
	struct cli_opt opts[] = {
		{ .name = "csv", .help = N_("comma-separated values (the only format so far)") },
		{ .name = "bom",
		  .help = N_("start with the UTF-8 byte-order mark (the default for a file)") },
		{ .name = "no-bom",
		  .help = N_("no byte-order mark (the default for standard output)") },
	};
	const char *pos[2];
	size_t npos;
	const struct kind *k;
	struct csv_ctx x = { 0 };
	const char *path;
	bool to_stdout;
	int rc = cli_parse(c, argc, argv, opts, 3, &h, pos, 1, 2, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	k = cli_kind(pos[0]);
	if (!k)
		return cli_kinds_hint("export", pos[0]);
	if (!opts[0].seen)
		return cli_usage("export", _("choose a format: --csv"));
	rc = cli_config(c);
	if (rc)
		return rc;
	path = npos > 1 ? pos[1] : "-";
	to_stdout = strcmp(path, "-") == 0;
	x.k = k;
	x.f = to_stdout ? stdout : fopen(path, "w");
	if (!x.f) {
		cli_err(_("cannot write %s: %s"), path, strerror(errno));
		return CLI_FAIL;
	}
	/* Excel reads a CSV without the mark in the system's code page (GBK on a
	 * Chinese Windows) and shows UTF-8 Chinese as mojibake */
	if (opts[1].seen || (!to_stdout && !opts[2].seen))
		fputs("\xEF\xBB\xBF", x.f);
	for (unsigned i = 0; i < k->desc->n_fields; i++)
		if (settable(&k->desc->fields[i]))
			fprintf(x.f, "%s,", k->desc->fields[i].name);
	fputs("id,school,campus,hlc,deleted\r\n", x.f);
	rc = store_each(c->st, k->name, csv_row, &x);
	if (x.rc)
		rc = x.rc;
	if (fflush(x.f) != 0 || ferror(x.f)) {
		cli_err(_("cannot write %s: %s"), to_stdout ? _("standard output") : path,
			strerror(errno));
		rc = rc ? rc : -EIO;
	}
	if (!to_stdout && fclose(x.f) != 0 && rc == 0) {
		cli_err(_("cannot write %s: %s"), path, strerror(errno));
		rc = -EIO;
	}
	if (rc)
		return rc == -EIO ? CLI_FAIL : cli_store_fail(rc, _("cannot export"));
	if (!to_stdout)
		fprintf(stderr,
			ngettext("%u %s record written to %s\n", "%u %s records written to %s\n",
				 x.rows),
			x.rows, k->name, path);
	return CLI_OK;
}
