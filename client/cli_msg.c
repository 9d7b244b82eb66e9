/* Messages for people: errors, usage errors, store failures. */
#include "cli.h"
#include "i18n.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- messages */

const char *cli_err_where;

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_err_where ? cli_err_where : CLI_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs(CLI_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, _("\nTry '%s %s%s--help'.\n"), CLI_PROG, cmd ? cmd : "", cmd ? " " : "");
	return CLI_USAGE;
}

int cli_store_fail(int rc, const char *what)
{
	const char *detail = store_last_error();

	if (detail && *detail)
		cli_err("%s: %s", what, detail);
	else
		cli_err("%s: %s", what, sc_strerror(rc));
	return CLI_FAIL;
}

const char *cli_sync_name(enum store_sync_state s)
{
	switch (s) {
	case STORE_PENDING:
		return _("pending");
	case STORE_REJECTED:
		return _("rejected");
	default:
		return _("synced");
	}
}

const char *cli_kind_name(const struct kind *k)
{
	if (!k)
		return "?";
	return i18n_zh() ? kind_label(k) : k->name;
}

int cli_kinds_hint(const char *cmd, const char *name)
{
	char list[512];
	size_t at = 0;

	list[0] = '\0';
	for (size_t i = 0; i < kind_count() && at < sizeof list; i++) {
		int w = snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "",
				 kind_at(i)->name);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	return cli_usage(cmd, _("unknown kind '%1$s' (kinds: %2$s)"), name, list);
}
