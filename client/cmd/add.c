/* add KIND --FIELD VALUE ...: a record of any kind, from its descriptor. */
#include "cli.h"
#include "cli_verb.h"
#include "i18n.h"

#include <string.h>

static const char *const add_epilog =
	N_("Each field is an option: --deadline-date sets deadline_date (--deadline_date works "
	   "too).\nEnum values are the short lower-case names (or their Chinese labels). The new "
	   "record's id is printed; it waits in\nthe outbox until `safecampus sync`.");

int cmd_add(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "add KIND --FIELD VALUE ...",
		.summary =
			N_("Adds a record of any kind, offline. `safecampus add KIND --help` lists "
			   "the kind's fields."),
	};
	static char usage[128], summary[160];
	struct cli_help kh;
	const struct kind *k;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
			char list[2048];
			size_t at = 0;
			cli_print_help(stdout, NULL, 0, &h);
			list[0] = '\0';
			for (size_t i = 0; i < kind_count() && at < sizeof list; i++)
				at += (size_t)snprintf(list + at, sizeof list - at,
						       i18n_zh() ? "%s%s（%s）" : "%s%s",
						       i ? " " : "", kind_at(i)->name,
						       kind_label(kind_at(i)));
			fputs(_("\nKinds: "), stdout);
			cli_wrap(stdout, list, cli_width(_("\nKinds: ")), CLI_WIDTH);
			return CLI_OK;
		}
		return cli_usage("add",
				 _("which kind? (one of the kinds in `safecampus add --help`)"));
	}
	k = cli_kind(argv[1]);
	if (!k)
		return cli_usage("add", _("unknown kind '%s'"), argv[1]);
	snprintf(usage, sizeof usage, "add %s [--FIELD VALUE ...]", k->name);
	snprintf(summary, sizeof summary,
		 _("Adds a %1$s record (%2$s). Writes locally and queues it for sync."), k->name,
		 kind_label(k));
	kh = (struct cli_help){
		.usage = usage,
		.summary = summary,
		.epilog = add_epilog,
	};
	return cli_verb_run(c, k, NULL, argc - 1, argv + 1, &kh);
}
