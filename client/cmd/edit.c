/* edit ID --FIELD VALUE ...: change a record, or fix a rejected one. */
#include "cli.h"
#include "cli_verb.h"
#include "i18n.h"

#include <errno.h>
#include <stdlib.h>

#include <string.h>

int cmd_edit(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "edit ID --FIELD VALUE ...",
		.summary =
			N_("Changes fields of a record (last writer by clock wins when campuses "
			   "edit the same record). Also the way to fix a record the server "
			   "rejected; it goes back to pending.\nEvents cannot be edited once the "
			   "server has them: add a new event instead."),
		.epilog = N_("The options are the fields of the record's kind: see `safecampus "
			     "add KIND --help`. An empty value clears a field."),
	};
	struct cli_opt opts[CLI_MAX_OPTS];
	size_t nopts = 0, npos;
	const char *pos[1];
	char id[37];
	Safecampus__Record *r = NULL;
	struct verb_value vals[CLI_MAX_OPTS];
	size_t nvals = 0;
	struct verb_result *res = NULL;
	struct verb_ctx vc;
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
		return cli_usage("edit", _("which record? (usage: %s %s)"), CLI_PROG, h.usage);
	rc = cli_config(c);
	if (rc)
		return rc;
	if (cli_resolve(c, pos[0], id))
		return CLI_FAIL;
	rc = store_get(c->st, id, &r);
	if (rc)
		return cli_store_fail(rc, _("cannot read the record"));
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
		rc = cli_usage("edit", "%s",
			       _("nothing to change: give at least one --FIELD VALUE"));
		goto out;
	}
	rc = cli_field_values(opts, nopts, "edit", vals, &nvals);
	if (rc)
		goto out;
	res = calloc(1, sizeof *res);
	if (!res) {
		rc = cli_store_fail(-ENOMEM, _("cannot change the record"));
		goto out;
	}
	cli_verb_ctx(c, &vc);
	rc = verb_edit(&vc, r->id, vals, nvals, res);
	if (rc == 0) {
		Safecampus__Record *now = NULL;
		/* the terminal's follow-up (an alarm) reads the record as written */
		if (store_get(c->st, res->id, &now) == 0) {
			cli_after_write(c, now);
			safecampus__record__free_unpacked(now, NULL);
		}
		printf("%s\n", res->id);
	}
	rc = cli_verb_failed(c, k, rc, res, "edit");
out:
	free(res);
	safecampus__record__free_unpacked(r, NULL);
	return rc;
}
