/* evidence get|list|limits: the evidence files attached to sign-offs
 * (client/evidence.h). */
#include "cli.h"
#include "evidence.h"
#include "i18n.h"
#include "sync.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_file(const struct evidence_file *f, const char *path)
{
	printf("sha256 %s\nsize   %llu\ntype   %s\nname   %s\nfile   %s\n", f->hex,
	       (unsigned long long)f->size, f->media_type, f->name, path);
}

static int copy_out(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	size_t n;
	int rc = 0;

	if (!in || !out)
		rc = -errno;
	while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -EIO;
	if (!rc && (ferror(in) || fflush(out) != 0))
		rc = -EIO;
	if (out && fclose(out) != 0 && !rc)
		rc = -EIO;
	if (in)
		fclose(in);
	return rc;
}

static bool hex64(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && s[n] == '\0';
}

static int evidence_cmd_get(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "evidence get HASH|RECORD [--out FILE] [--timeout-ms N]",
		.summary =
			N_("Opens an evidence file: the one with this SHA-256, or the first one "
			   "attached to this record. If it is not here yet it is fetched from the "
			   "server (a campus of the same school, or the bureau), and kept only if "
			   "its bytes hash to its name."),
	};
	struct cli_opt o[] = {
		{ .name = "out", .metavar = "FILE", .help = N_("also copy it to FILE") },
		{ .name = "timeout-ms",
		  .metavar = "N",
		  .help = N_("limit for connect, handshake and each request (default 15000)") },
	};
	struct evidence_file f;
	struct sync_opts so = { 0 };
	struct sync_report rep;
	char path[4200];
	const char *pos[1];
	bool local = false;
	size_t npos;
	int rc = cli_parse(c, argc, argv, o, SC_NELEM(o), &h, pos, 1, 1, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc || (rc = cli_config(c)))
		return rc;
	if (o[1].seen)
		so.timeout_ms = (unsigned)strtoul(o[1].value, NULL, 10);
	rc = evidence_find(c->st, pos[0], &f, &local);
	if (rc == SC_ENOTFOUND && hex64(pos[0])) {
		/* a hash no record here describes: the server may still have it */
		memset(&f, 0, sizeof f);
		snprintf(f.hex, sizeof f.hex, "%s", pos[0]);
		rc = 0;
	}
	if (rc == SC_ENOTFOUND) {
		cli_err(_("no evidence file '%s' here: give its SHA-256, or the id of a record "
			  "it is attached to (sync first?)"),
			pos[0]);
		return CLI_FAIL;
	}
	if (rc)
		return cli_store_fail(rc, _("cannot read the evidence files"));
	if (!local) {
		memset(&rep, 0, sizeof rep);
		so.evidence_fetch = f.hex;
		rc = sync_run(c->st, &so, &rep);
		if (rc) {
			cli_err(_("cannot fetch evidence file %1$.16s...: %2$s"), f.hex,
				rep.evidence_error[0] ? rep.evidence_error
				: rep.error[0]        ? rep.error
						      : sc_strerror(rc));
			return CLI_FAIL;
		}
		rc = evidence_find(c->st, f.hex, &f, &local);
		if (rc || !local) {
			cli_err(_("evidence file %.16s... was fetched but is not here"), f.hex);
			return CLI_FAIL;
		}
	}
	if (evidence_path(c->st, f.hex, path, sizeof path) != 0)
		return cli_store_fail(-ENAMETOOLONG, _("cannot read the evidence files"));
	if (o[0].seen) {
		rc = copy_out(path, o[0].value);
		if (rc) {
			cli_err(_("cannot write %1$s: %2$s"), o[0].value, sc_strerror(rc));
			return CLI_FAIL;
		}
	}
	print_file(&f, o[0].seen ? o[0].value : path);
	return CLI_OK;
}

static int evidence_cmd_limits(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "evidence limits [--max-file BYTES] [--max-school BYTES]",
		.summary = N_("Shows, or sets, this campus's limits for evidence files: the "
			      "largest file, and all the school's evidence kept here. A file "
			      "above them is refused when it is attached, before anything is "
			      "sent. The server has its own limits (evidence_max_file, "
			      "evidence_max_school)."),
	};
	struct cli_opt o[] = {
		{ .name = "max-file", .metavar = "BYTES", .help = N_("largest evidence file") },
		{ .name = "max-school",
		  .metavar = "BYTES",
		  .help = N_("all the evidence kept here") },
	};
	struct evidence_limits l;
	size_t npos;
	int rc = cli_parse(c, argc, argv, o, SC_NELEM(o), &h, NULL, 0, 0, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc || (rc = cli_config(c)))
		return rc;
	rc = evidence_limits_get(c->st, &l);
	for (int i = 0; i < 2 && !rc; i++) {
		char *end = NULL;
		unsigned long long v;
		if (!o[i].seen)
			continue;
		errno = 0;
		v = strtoull(o[i].value, &end, 10);
		if (errno || !end || *end || v == 0 || o[i].value[0] == '-')
			return cli_usage("evidence limits",
					 _("--%1$s: \"%2$s\" is not a number of "
					   "bytes above 0"),
					 o[i].name, o[i].value);
		if (i == 0)
			l.max_file = v;
		else
			l.max_school = v;
	}
	if (!rc && (o[0].seen || o[1].seen))
		rc = evidence_limits_set(c->st, &l);
	if (rc)
		return cli_store_fail(rc, _("cannot read or set the evidence limits"));
	printf(_("max file   %llu bytes\nmax school %llu bytes\n"), (unsigned long long)l.max_file,
	       (unsigned long long)l.max_school);
	return CLI_OK;
}

int cmd_evidence(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct cli *, int, char **);
		const char *summary;
	} verbs[] = {
		{ "get", evidence_cmd_get,
		  N_("open an evidence file, fetching it from the server") },
		{ "limits", evidence_cmd_limits, N_("show or set this campus's evidence limits") },
	};

	if (argc >= 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
		for (size_t i = 0; i < SC_NELEM(verbs); i++)
			if (strcmp(argv[1], verbs[i].name) == 0)
				return verbs[i].run(c, argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf(_("Usage: %s evidence VERB ...\n\nPhotos and PDFs attached to sign-offs "
			 "(--evidence FILE).\n\nVerbs:\n"),
		       CLI_PROG);
		for (size_t i = 0; i < SC_NELEM(verbs); i++)
			printf("  %-9s %s\n", verbs[i].name, _(verbs[i].summary));
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	return cli_usage("evidence", _("unknown verb '%s'"), argv[1]);
}
