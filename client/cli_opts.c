/* The option parser: one table of struct cli_opt parses argv and prints --help. */
#include "cli.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- options */

/* Compares an option name with user text up to n bytes; '-' equals '_'. */
static bool name_eq(const char *name, const char *text, size_t n)
{
	size_t i = 0;

	for (; i < n && name[i]; i++) {
		char a = name[i] == '_' ? '-' : name[i];
		char b = text[i] == '_' ? '-' : text[i];
		if (a != b)
			return false;
	}
	return i == n && name[i] == '\0';
}

struct cli_opt *cli_opt_get(struct cli_opt *opts, size_t nopts, const char *name)
{
	for (size_t i = 0; i < nopts; i++)
		if (name_eq(opts[i].name, name, strlen(name)))
			return &opts[i];
	return NULL;
}

static void print_name(FILE *f, const char *name)
{
	for (const char *p = name; *p; p++)
		fputc(*p == '_' ? '-' : *p, f);
}

void cli_print_help(FILE *f, const struct cli_opt *opts, size_t nopts, const struct cli_help *h)
{
	fprintf(f, _("Usage: %s %s\n\n"), CLI_PROG, h->usage);
	if (h->summary)
		cli_wrap(f, _(h->summary), 0, CLI_WIDTH);
	fputs(_("\nOptions:\n"), f);
	for (size_t i = 0; i < nopts; i++) {
		const struct cli_opt *o = &opts[i];
		char head[96];
		size_t len;
		FILE *m;
		if (o->flags & CLI_OPT_HIDDEN)
			continue;
		m = fmemopen(head, sizeof head, "w");
		if (!m)
			continue;
		fputs("  ", m);
		if (o->short_name)
			fprintf(m, "-%c, ", o->short_name);
		fputs("--", m);
		print_name(m, o->name);
		if (o->metavar)
			fprintf(m, " %s", o->metavar);
		fclose(m);
		head[sizeof head - 1] = '\0';
		len = strlen(head);
		fputs(head, f);
		if (len < 30)
			fprintf(f, "%*s", (int)(30 - len), "");
		else
			fprintf(f, "\n%30s", "");
		if (o->alias_of) {
			char name[64];
			size_t k = 0;
			for (const char *p = o->alias_of; *p && k + 1 < sizeof name; p++)
				name[k++] = *p == '_' ? '-' : *p;
			name[k] = '\0';
			fprintf(f,
				(o->flags & CLI_OPT_REQUIRED) ? _("same as --%s (required)\n")
							      : _("same as --%s\n"),
				name);
		} else {
			char text[1024];
			const char *help = o->help ? _(o->help) : "";
			if (o->flags & CLI_OPT_REQUIRED)
				snprintf(text, sizeof text, _("%s (required)"), help);
			else
				snprintf(text, sizeof text, "%s", help);
			cli_wrap(f, text, 30, CLI_WIDTH);
		}
	}
	fputs(_("  --store PATH                the store file (default: $SAFECAMPUS_STORE, else "
		"./safecampus.db)\n"),
	      f);
	fputs(_("  -h, --help                  show this help\n"), f);
	if (h->epilog) {
		fputc('\n', f);
		cli_wrap(f, _(h->epilog), 0, CLI_WIDTH);
	}
	fputs(_("\nExit status: 0 done, 1 failed or refused (message on stderr), 2 usage error.\n"),
	      f);
}

void cli_cmd_words(const struct cli_help *h, char *out, size_t n)
{
	const char *u = h->usage;
	size_t at = 0;

	/* the leading words made of a-z and _ only: "KIND VERB" */
	out[0] = '\0';
	while (*u) {
		size_t w = 0;
		while ((u[w] >= 'a' && u[w] <= 'z') || u[w] == '_')
			w++;
		if (w == 0 || (u[w] != ' ' && u[w] != '\0') || at + w + 2 > n)
			break;
		if (at)
			out[at++] = ' ';
		memcpy(out + at, u, w);
		at += w;
		out[at] = '\0';
		u += w;
		while (*u == ' ')
			u++;
	}
}

int cli_parse(struct cli *c, int argc, char **argv, struct cli_opt *opts, size_t nopts,
	      const struct cli_help *help, const char **pos, size_t minpos, size_t maxpos,
	      size_t *npos)
{
	char cmd[64];
	bool dashdash = false;

	cli_cmd_words(help, cmd, sizeof cmd);
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL, *eq;
		struct cli_opt *o = NULL;
		size_t nlen;

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (*npos >= maxpos)
				return cli_usage(cmd, _("unexpected argument '%s'"), a);
			pos[(*npos)++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			cli_print_help(stdout, opts, nopts, help);
			return CLI_HELP;
		}
		if (a[1] != '-') {
			/* -x VALUE */
			for (size_t j = 0; j < nopts; j++)
				if (opts[j].short_name && opts[j].short_name == a[1] &&
				    a[2] == '\0')
					o = &opts[j];
			if (!o)
				return cli_usage(cmd, _("unknown option '%s'"), a);
		} else {
			eq = strchr(a + 2, '=');
			nlen = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			if (eq)
				val = eq + 1;
			if (name_eq("store", a + 2, nlen)) {
				if (!val) {
					if (i + 1 >= argc)
						return cli_usage(
							cmd, _("option '--store' needs a value"));
					val = argv[++i];
				}
				if (!*val)
					return cli_usage(cmd, _("option '--store' needs a path"));
				c->store_path = val;
				continue;
			}
			/* --lang is a global option, also accepted after the command */
			if (name_eq("lang", a + 2, nlen)) {
				if (!val) {
					if (i + 1 >= argc)
						return cli_usage(cmd,
								 _("option '%s' needs a value"),
								 "--lang");
					val = argv[++i];
				}
				i18n_set_lang(val);
				continue;
			}
			for (size_t j = 0; j < nopts; j++)
				if (name_eq(opts[j].name, a + 2, nlen))
					o = &opts[j];
			if (!o &&
			    (name_eq("as", a + 2, nlen) || name_eq("password-file", a + 2, nlen))) {
				/* who acts, for any command that writes a sign-off */
				bool as = name_eq("as", a + 2, nlen);
				if (!val) {
					if (i + 1 >= argc)
						return cli_usage(cmd,
								 _("option '%s' needs a value"), a);
					val = argv[++i];
				}
				*(as ? &c->as : &c->password_file) = val;
				continue;
			}
			if (!o && (name_eq("role", a + 2, nlen) || name_eq("actor", a + 2, nlen)))
				return cli_usage(
					cmd,
					_("--%.*s grants nothing: a sign-off is signed by the "
					  "person named with --as LOGIN, whose role and name "
					  "come from their enrolment"),
					(int)nlen, a + 2);
			if (!o)
				return cli_usage(cmd, _("unknown option '%.*s'"), (int)(nlen + 2),
						 a);
		}
		if (o->seen)
			return cli_usage(cmd, _("option '--%s' given twice"), o->name);
		o->seen = true;
		if (!o->metavar) {
			if (val)
				return cli_usage(cmd, _("option '--%s' takes no value"), o->name);
			o->value = "1";
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				return cli_usage(cmd, _("option '--%1$s' needs a value (%2$s)"),
						 o->name, o->metavar);
			val = argv[++i];
		}
		o->value = val;
	}
	{
		char missing[512];
		size_t at = 0, count = 0;
		missing[0] = '\0';
		for (size_t j = 0; j < nopts; j++) {
			const char *alias = NULL;
			bool via_alias = false;
			if (!(opts[j].flags & CLI_OPT_REQUIRED) || opts[j].seen)
				continue;
			/* a required field may also come through its alias */
			for (size_t k = 0; k < nopts; k++) {
				if (!opts[k].alias_of ||
				    strcmp(opts[k].alias_of, opts[j].name) != 0)
					continue;
				alias = opts[k].name;
				via_alias |= opts[k].seen;
			}
			if (via_alias)
				continue;
			count++;
			at += (size_t)snprintf(missing + at,
					       at < sizeof missing ? sizeof missing - at : 0,
					       "%s--", at ? ", " : "");
			for (const char *p = alias ? alias : opts[j].name;
			     *p && at + 1 < sizeof missing; p++)
				missing[at++] = *p == '_' ? '-' : *p;
			if (at < sizeof missing)
				missing[at] = '\0';
			else
				break;
		}
		if (count)
			return cli_usage(cmd,
					 ngettext("missing required option %s",
						  "missing required options %s", count),
					 missing);
	}
	if (*npos < minpos)
		return cli_usage(cmd, _("missing argument (usage: %s %s)"), CLI_PROG, help->usage);
	return 0;
}

bool cli_prescan(struct cli *c, int argc, char **argv)
{
	bool help = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			help = true;
		else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc && *argv[i + 1])
			c->store_path = argv[++i];
		else if (strncmp(argv[i], "--store=", 8) == 0 && argv[i][8])
			c->store_path = argv[i] + 8;
	}
	return help;
}
