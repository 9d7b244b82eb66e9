/* CSV import by upload: the file goes through the command line's own import
 * (client/cli_import.c: the same parser, column checks, rules and one
 * transaction), whose per-row messages are collected and shown. */
#include "web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "web_rec.h"

/* Runs `import KIND FILE` on the store with its stdout and stderr caught in
 * out and err (tmpfiles, read back by the caller). Returns its exit code. */
static int run_import(struct web *w, const struct kind *k, const char *path, FILE *out, FILE *err)
{
	struct cli c = { .store_path = store_path(w->st), .st = w->st };
	char *argv[] = { "import", (char *)k->name, (char *)path, NULL };
	int so, se, rc;

	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	if (so < 0 || se < 0) {
		if (so >= 0)
			close(so);
		if (se >= 0)
			close(se);
		return -errno;
	}
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	/* the import writes with cli_err: "FILE:LINE: field: why" */
	rc = cmd_import(&c, 3, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	/* the store stays ours: only the settings the command loaded go */
	if (c.cfg_loaded)
		store_config_free(&c.cfg);
	return rc;
}

static void show_file(struct web_page *p, FILE *f, const char *path, const char *id,
		      const struct kind *k)
{
	char line[1024];
	size_t plen = strlen(path);

	rewind(f);
	web_p(p, "<ul id=\"%s\">", id);
	for (int n = 0; n < 500 && fgets(line, sizeof line, f); n++) {
		const char *s = line;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(s, path, plen) == 0)
			s += plen; /* ":5: title: required" */
		if (strncmp(s, "safecampus: ", 12) == 0)
			s += 12;
		web_p(p, "<li>");
		if (*s == ':') {
			long row = strtol(s + 1, (char **)&s, 10);
			char fl[64];
			size_t fn;
			web_p(p, _("row %ld"), row);
			/* ": field: why": the field's label for its name */
			fn = s[0] == ':' && s[1] == ' '
				     ? strspn(s + 2, "abcdefghijklmnopqrstuvwxyz0123456789_")
				     : 0;
			if (fn && fn < sizeof fl && s[2 + fn] == ':') {
				memcpy(fl, s + 2, fn);
				fl[fn] = '\0';
				if (kind_field(k, fl)) {
					web_p(p, ": ");
					web_e(p, web_field_label(k, fl));
					s += 2 + fn;
				}
			}
		}
		web_e(p, s);
		web_p(p, "</li>\n");
	}
	web_p(p, "</ul>\n");
}

int web_page_import(struct web_req *r, struct web_page *p, const struct kind *k)
{
	const char *data;
	size_t len = 0;
	char path[] = "/tmp/safecampus-import.XXXXXX";
	FILE *out = NULL, *err = NULL;
	int fd = -1, rc;
	char why[512];

	/* only a kind this install writes, as the list's button says */
	if (!verb_may_write(&r->w->cfg, k, NULL, why, sizeof why)) {
		web_not_offered(r, p, why);
		return 0;
	}
	if (strcmp(r->method, "POST") != 0) {
		web_head(p, r, web_kind_label(k));
		web_p(p,
		      "<h2>%s</h2>\n<form method=\"post\" enctype=\"multipart/form-data\" "
		      "id=\"import\" action=\"/k/%s/import\">",
		      _("Import CSV"), k->name);
		web_csrf(p, r);
		web_p(p,
		      "<div class=\"field\"><label for=\"file\">%s</label>"
		      "<input id=\"file\" type=\"file\" name=\"file\" accept=\".csv,text/csv\" "
		      "required>"
		      "<div class=\"help\">%s</div></div><button "
		      "type=\"submit\">%s</button></form>\n",
		      _("CSV file"),
		      _("UTF-8 (with or without a BOM); the first row names the fields, as in the "
			"export. Good rows are imported; each bad row is listed with its reason."),
		      _("Import"));
		web_foot(p, r);
		return 0;
	}
	if (web_need_person(r, p))
		return 0;
	data = web_file(r, "file", &len);
	if (!data || !len) {
		web_error_page(p, r, 400, _("Import CSV"), _("No file was sent."));
		return 0;
	}
	fd = mkstemp(path);
	out = tmpfile();
	err = tmpfile();
	if (fd < 0 || !out || !err || write(fd, data, len) != (ssize_t)len) {
		web_error_page(p, r, 500, _("Import CSV"), _("Cannot keep the uploaded file."));
		goto out;
	}
	close(fd);
	fd = -1;
	rc = run_import(r->w, k, path, out, err);
	web_wrote(r);
	p->status = rc == 0 ? 200 : 422;
	web_head(p, r, web_kind_label(k));
	web_p(p, "<h2>%s</h2>\n<p class=\"%s\" id=\"result\">%s</p>\n", _("Import CSV"),
	      rc == 0 ? "ok" : "error",
	      rc == 0 ? _("Every row was imported.")
		      : _("Some rows were refused (listed below); the other rows were imported."));
	show_file(p, out, path, "imported", k);
	show_file(p, err, path, "row-errors", k);
	web_p(p, "<p><a href=\"/k/%s\">%s</a></p>", k->name, _("Back to the list"));
	web_foot(p, r);
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	return 0;
}
