/* `safecampus KIND VERB ...`: the command group of every kind whose table
 * entry has verbs (kind_ops.verbs) or whose command-line hooks have reports
 * (cli_kind.verbs). `list` and `show` come with every group. */
#include "cli.h"
#include "i18n.h"
#include "cli_kind.h"
#include "cli_verb.h"

#include <string.h>

static bool has_group(const struct kind *k)
{
	const struct cli_kind *h = cli_kind_of(k);

	return (k->ops && k->ops->nverbs) || (h && h->nverbs);
}

const struct kind *cli_group(const char *name)
{
	const struct kind *k = kind_by_name(name);

	return k && has_group(k) ? k : NULL;
}

void cli_groups_help(FILE *f)
{
	for (size_t i = 0; i < kind_count(); i++) {
		const struct kind *k = kind_at(i);
		if (has_group(k))
			fprintf(f, "  %-9s %s\n", k->name,
				k->ops && k->ops->group_summary ? _(k->ops->group_summary) : "");
	}
}

static void group_help(FILE *f, const struct kind *k)
{
	const struct cli_kind *h = cli_kind_of(k);
	size_t nl = strlen(k->name);

	fprintf(f, _("Usage: %1$s %2$s VERB ...\n\n"), CLI_PROG, k->name);
	if (k->ops && k->ops->group_help)
		fprintf(f, "%s\n\n", _(k->ops->group_help));
	fputs(_("Verbs:\n"), f);
	for (size_t i = 0; k->ops && i < k->ops->nverbs; i++) {
		const struct kind_verb *v = &k->ops->verbs[i];
		const char *u = v->usage;
		/* the usage after "KIND VERB " */
		if (strncmp(u, k->name, nl) == 0 && u[nl] == ' ')
			u += nl + 1;
		if (strncmp(u, v->name, strlen(v->name)) == 0)
			u += strlen(v->name);
		u += strspn(u, " ");
		fprintf(f, "  %-9s ", v->name);
		cli_wrap(f, u, 12, CLI_WIDTH);
		/* the summary's first sentence says what it does */
		{
			char first[256];
			const char *s = _(v->summary), *end = s;
			while (*end &&
			       !(end[0] == '.' && (end[1] == ' ' || end[1] == '\n' || !end[1])) &&
			       strncmp(end, "。", strlen("。")) != 0)
				end++;
			if (*end == '.')
				snprintf(first, sizeof first, "%.*s.", (int)(end - s), s);
			else
				snprintf(first, sizeof first, "%.*s。", (int)(end - s), s);
			for (char *p = first; *p; p++)
				if (*p == '\n')
					*p = ' ';
			fprintf(f, "%12s", "");
			cli_wrap(f, first, 12, CLI_WIDTH);
		}
	}
	for (size_t i = 0; h && i < h->nverbs; i++)
		fprintf(f, "  %-9s %s\n", h->verbs[i].name, _(h->verbs[i].line));
	fprintf(f,
		_("  %1$-9s [--status STATE] [--campus C] [--since YYYY-MM-DD]: as `%2$s list "
		  "%3$s`\n"),
		"list", CLI_PROG, k->name);
	fprintf(f, _("  %1$-9s ID: as `%2$s show ID`\n\n"), "show", CLI_PROG);
	fprintf(f,
		_("`%1$s %2$s VERB --help` describes each verb.\n"
		  "\nExit status: 0 done, 1 failed or refused (message on stderr), 2 usage "
		  "error.\n"),
		CLI_PROG, k->name);
}

int cli_group_run(struct cli *c, const struct kind *k, int argc, char **argv)
{
	const struct cli_kind *h = cli_kind_of(k);
	const struct kind_verb *v;

	if (argc < 2) {
		group_help(stderr, k);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		group_help(stdout, k);
		return CLI_OK;
	}
	if (strcmp(argv[1], "list") == 0) {
		/* `KIND list ...` is `list KIND ...` */
		argv[1] = (char *)k->name;
		argv[0] = "list";
		return cmd_list(c, argc, argv);
	}
	if (strcmp(argv[1], "show") == 0) {
		argv[1] = "show";
		return cmd_show(c, argc - 1, argv + 1);
	}
	v = kind_verb(k, argv[1]);
	if (v) {
		struct cli_help help = { .usage = v->usage,
					 .summary = v->summary,
					 .epilog = v->epilog };
		return cli_verb_run(c, k, v, argc - 1, argv + 1, &help);
	}
	for (size_t i = 0; h && i < h->nverbs; i++)
		if (strcmp(argv[1], h->verbs[i].name) == 0)
			return h->verbs[i].run(c, argc - 1, argv + 1);
	return cli_usage(k->name, _("unknown %1$s verb '%2$s' (`%3$s %1$s --help` lists them)"),
			 k->name, argv[1], CLI_PROG);
}

int cmd_group(struct cli *c, int argc, char **argv)
{
	const struct kind *k = cli_group(argv[0]);

	if (!k)
		return cli_usage(NULL, _("unknown command '%s'"), argv[0]);
	return cli_group_run(c, k, argc, argv);
}
