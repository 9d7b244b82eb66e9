/* safecampus: the light client run at each school campus and at the bureau. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "dashboard.h"
#include "log.h"

#ifndef SC_VERSION
#define SC_VERSION "0.1.0"
#endif

static const struct cmd {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *summary;
} cmds[] = {
	{ "init", cmd_init, N_("create the store, or update its settings") },
	{ "add", cmd_add, N_("add a record of any kind (add KIND --help lists its fields)") },
	{ "edit", cmd_edit, N_("change fields of a record, or fix a rejected one") },
	{ "list", cmd_list, N_("list the records of a kind (list hazards --status open)") },
	{ "show", cmd_show, N_("show a record; for a hazard or notice, its state and history") },
	{ "import", cmd_import, N_("add or update records of a kind from a CSV file") },
	{ "export", cmd_export, N_("write the records of a kind as CSV") },
	{ "dashboard", cmd_dashboard,
	  N_("the safe-campus dashboard: indicators, score, rank, alerts") },
	{ "rates", cmd_rates,
	  N_("this school's reporting rates and timeliness, counted here (works offline)") },
	{ "status", cmd_status, N_("identity, server, outbox, rejections, alarms, last sync") },
	{ "outbox", cmd_outbox, N_("list, discard or retry entries waiting to be pushed") },
	{ "sync", cmd_sync, N_("push the outbox and pull changes (--watch to stay connected)") },
	{ "serve", cmd_serve,
	  N_("the browser interface on this computer, kept synced (serve --help)") },
	{ "report", cmd_report,
	  N_("the year's safe-campus work summary, drafted from the records") },
	{ "person", cmd_person,
	  N_("enrol, list and revoke the people who sign; change a password") },
	{ "verify", cmd_verify, N_("recompute signatures and hash chains; name what was altered") },
	{ "evidence", cmd_evidence,
	  N_("open an evidence file (fetched on demand); evidence limits") },
};

static void usage(FILE *f)
{
	fprintf(f,
		_("Usage: %s [--store PATH] [--lang LANG] [--log-level LEVEL] COMMAND [ARGS]\n\n"
		  "The safe-campus client: records are written to a local store first and work "
		  "fully offline;\n`sync` exchanges them with the district server.\n\nCommands:\n"),
		CLI_PROG);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, _(cmds[i].summary));
	cli_groups_help(f);
	fprintf(f,
		_("\nGlobal options:\n"
		  "  --store PATH        the store file (default: $SAFECAMPUS_STORE, else "
		  "./safecampus.db);\n"
		  "                      also accepted after the command\n"
		  "  --lang LANG         zh (Simplified Chinese) or en; default: from LANG\n"
		  "  --log-level LEVEL   debug, info, warn (default), error, off\n"
		  "  -h, --help          this help; `%s COMMAND --help` for a command\n"
		  "  --version           the program's version\n"
		  "\nExit status: 0 done, 1 failed or refused (message on stderr), 2 usage error;\n"
		  "`sync` also 3-8, one per kind of network failure (`%s sync --help`).\n"),
		CLI_PROG, CLI_PROG);
}

static const struct cmd *find(const char *name)
{
	/* the command groups of the kinds with verbs (cmd/group.c) */
	static const struct cmd group = { NULL, cmd_group, NULL };

	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return cli_group(name) ? &group : NULL;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	const struct cmd *cmd;
	const char *env = getenv("SAFECAMPUS_STORE");
	enum log_level lvl;
	int i = 1, rc;

	/* A write to a connection the server has already closed (it gave up on a
	 * slow handshake, it died) must fail with EPIPE and be reported, not
	 * kill the process with SIGPIPE (exit 141, no message). */
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGPIPE, &sa, NULL);
	}
	i18n_init(NULL);
	c.store_path = env && *env ? env : "safecampus.db";
	log_set_level(LOG_WARN);
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *v = NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return CLI_OK;
		}
		if (strcmp(a, "--version") == 0) {
			printf(CLI_PROG " %s\n", SC_VERSION);
			return CLI_OK;
		}
		if (strcmp(a, "--lang") == 0 || strncmp(a, "--lang=", 7) == 0) {
			if (!a[6] && i + 1 >= argc)
				return cli_usage(NULL, _("option '%s' needs a value"), a);
			i18n_set_lang(a[6] ? a + 7 : argv[++i]);
			continue;
		}
		if (strcmp(a, "--store") == 0 || strcmp(a, "--log-level") == 0) {
			if (i + 1 >= argc)
				return cli_usage(NULL, _("option '%s' needs a value"), a);
			v = argv[++i];
		} else if (strncmp(a, "--store=", 8) == 0) {
			v = a + 8;
			a = "--store";
		} else if (strncmp(a, "--log-level=", 12) == 0) {
			v = a + 12;
			a = "--log-level";
		} else {
			return cli_usage(NULL, _("unknown option '%s'"), a);
		}
		if (strcmp(a, "--store") == 0) {
			if (!*v)
				return cli_usage(NULL, _("option '--store' needs a path"));
			c.store_path = v;
		} else {
			if (log_parse_level(v, &lvl) != 0)
				return cli_usage(NULL,
						 _("--log-level: \"%s\" is not one of debug, "
						   "info, warn, error, off"),
						 v);
			log_set_level(lvl);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage(stdout);
			return CLI_OK;
		}
		cmd = find(argv[i + 1]);
		if (!cmd)
			return cli_usage(NULL, _("unknown command '%s'"), argv[i + 1]);
		{
			char *hargv[] = { argv[i + 1], "--help", NULL };
			return cmd->run(&c, 2, hargv);
		}
	}
	cmd = find(argv[i]);
	if (!cmd)
		return cli_usage(NULL, _("unknown command '%s'"), argv[i]);
	rc = cmd->run(&c, argc - i, argv + i);
	cli_done(&c);
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		cli_err("%s", _("cannot write the output"));
		rc = CLI_FAIL;
	}
	return rc;
}
