/* Option parsing, help, messages, store access and text helpers for the CLI. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- messages */

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs(CLI_PROG ": ", stderr);
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
	fprintf(stderr, "\nTry '" CLI_PROG " %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
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

void cli_wrap(FILE *f, const char *text, size_t indent, size_t width)
{
	size_t col = indent;

	while (*text) {
		size_t w = strcspn(text, " \n");
		if (col > indent && col + 1 + w > width) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, w, f);
		col += cli_width_n(text, w);
		text += w;
		while (*text == ' ')
			text++;
		if (*text == '\n') {
			text++;
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		}
	}
	fputc('\n', f);
}

void cli_print_help(FILE *f, const struct cli_opt *opts, size_t nopts, const struct cli_help *h)
{
	fprintf(f, "Usage: " CLI_PROG " %s\n\n", h->usage);
	if (h->summary)
		cli_wrap(f, h->summary, 0, CLI_WIDTH);
	fputs("\nOptions:\n", f);
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
			fputs("same as --", f);
			print_name(f, o->alias_of);
			if (o->flags & CLI_OPT_REQUIRED)
				fputs(" (required)", f);
			fputc('\n', f);
		} else {
			char text[1024];
			snprintf(text, sizeof text, "%s%s", o->help ? o->help : "",
				 (o->flags & CLI_OPT_REQUIRED) ? " (required)" : "");
			cli_wrap(f, text, 30, CLI_WIDTH);
		}
	}
	fputs("  --store PATH                the store file (default: $SAFECAMPUS_STORE, else "
	      "./safecampus.db)\n", f);
	fputs("  -h, --help                  show this help\n", f);
	if (h->epilog) {
		fputc('\n', f);
		cli_wrap(f, h->epilog, 0, CLI_WIDTH);
	}
	fputs("\nExit status: 0 done, 1 failed or refused (message on stderr), 2 usage error.\n", f);
}

void cli_cmd_words(const struct cli_help *h, char *out, size_t n)
{
	const char *u = h->usage;
	size_t at = 0;

	/* the leading words made of lower-case letters only: "hazard assign" */
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
				return cli_usage(cmd, "unexpected argument '%s'", a);
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
				if (opts[j].short_name && opts[j].short_name == a[1] && a[2] == '\0')
					o = &opts[j];
			if (!o)
				return cli_usage(cmd, "unknown option '%s'", a);
		} else {
			eq = strchr(a + 2, '=');
			nlen = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			if (eq)
				val = eq + 1;
			if (name_eq("store", a + 2, nlen)) {
				if (!val) {
					if (i + 1 >= argc)
						return cli_usage(cmd, "option '--store' needs a value");
					val = argv[++i];
				}
				if (!*val)
					return cli_usage(cmd, "option '--store' needs a path");
				c->store_path = val;
				continue;
			}
			for (size_t j = 0; j < nopts; j++)
				if (name_eq(opts[j].name, a + 2, nlen))
					o = &opts[j];
			if (!o)
				return cli_usage(cmd, "unknown option '%.*s'", (int)(nlen + 2), a);
		}
		if (o->seen)
			return cli_usage(cmd, "option '--%s' given twice", o->name);
		o->seen = true;
		if (!o->metavar) {
			if (val)
				return cli_usage(cmd, "option '--%s' takes no value", o->name);
			o->value = "1";
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				return cli_usage(cmd, "option '--%s' needs a value (%s)", o->name,
						 o->metavar);
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
				if (!opts[k].alias_of || strcmp(opts[k].alias_of, opts[j].name) != 0)
					continue;
				alias = opts[k].name;
				via_alias |= opts[k].seen;
			}
			if (via_alias)
				continue;
			count++;
			at += (size_t)snprintf(missing + at, at < sizeof missing ? sizeof missing - at : 0,
					       "%s--", at ? ", " : "");
			for (const char *p = alias ? alias : opts[j].name; *p && at + 1 < sizeof missing; p++)
				missing[at++] = *p == '_' ? '-' : *p;
			if (at < sizeof missing)
				missing[at] = '\0';
			else
				break;
		}
		if (count)
			return cli_usage(cmd, "missing required option%s %s", count > 1 ? "s" : "",
					 missing);
	}
	if (*npos < minpos)
		return cli_usage(cmd, "missing argument (usage: " CLI_PROG " %s)", help->usage);
	return 0;
}

/* ---------------------------------------------------------------- the store */

int cli_store(struct cli *c)
{
	int rc;

	if (c->st)
		return 0;
	rc = store_open(&c->st, c->store_path, false);
	if (rc)
		return cli_store_fail(rc, "cannot open the store");
	return 0;
}

int cli_config(struct cli *c)
{
	int rc = cli_store(c);

	if (rc || c->cfg_loaded)
		return rc;
	rc = store_config_load(c->st, &c->cfg);
	if (rc)
		return cli_store_fail(rc, "cannot read the settings");
	c->cfg_loaded = true;
	return 0;
}

void cli_done(struct cli *c)
{
	if (c->cfg_loaded)
		store_config_free(&c->cfg);
	c->cfg_loaded = false;
	store_close(c->st);
	c->st = NULL;
}

int cli_resolve(struct cli *c, const char *prefix, char out[37])
{
	int rc = store_resolve_id(c->st, prefix, out);

	if (rc == 0)
		return 0;
	if (rc == SC_ENOTFOUND || rc == SC_EINVALID || rc == -ENOTUNIQ) {
		cli_err("%s", store_last_error());
		return CLI_FAIL;
	}
	return cli_store_fail(rc, "cannot look up the id");
}

/* ---------------------------------------------------------------- time */

int64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_today(char out[11])
{
	cli_fmt_date(cli_now_ms(), out);
}

void cli_fmt_date(int64_t ms, char out[11])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

void cli_fmt_time(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	if (!localtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, n, "?");
}

void cli_fmt_age(int64_t ms, char *out, size_t n)
{
	int64_t s = ms / 1000;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, n, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, n, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, n, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

/* ---------------------------------------------------------------- text */

/* Decodes one UTF-8 sequence at s; *len is its length (1 for a bad byte,
 * which decodes as U+FFFD). */
static uint32_t utf8_next(const unsigned char *s, size_t *len)
{
	unsigned char c = s[0];
	uint32_t cp;
	size_t n;

	if (c < 0x80) {
		*len = 1;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		*len = 1;
		return 0xFFFD;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*len = 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*len = n;
	return cp;
}

/* East Asian wide and fullwidth ranges: two columns on a terminal. */
static int cp_width(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F)
		return 1; /* shown as '?' */
	if ((cp >= 0x0300 && cp <= 0x036F) || cp == 0x200B || (cp >= 0xFE00 && cp <= 0xFE0F))
		return 0; /* combining marks, zero-width space, variation selectors */
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
	    (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	    (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
	    (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	return 1;
}

size_t cli_width_n(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0, len, at = 0;

	while (at < n && p[at]) {
		w += (size_t)cp_width(utf8_next(p + at, &len));
		at += len;
	}
	return w;
}

size_t cli_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)cli_s(s);
	size_t w = 0, len;

	while (*p) {
		w += (size_t)cp_width(utf8_next(p, &len));
		p += len;
	}
	return w;
}

static void put_seq(FILE *f, const unsigned char *p, size_t len, uint32_t cp, bool keep_nl)
{
	if (cp == '\n' && keep_nl)
		fputc('\n', f);
	else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xFFFD)
		fputc('?', f);
	else
		fwrite(p, 1, len, f);
}

void cli_cell(FILE *f, const char *s, size_t width)
{
	const unsigned char *p = (const unsigned char *)cli_s(s);
	size_t total = cli_width(s), w = 0, len;
	size_t room = total > width ? (width ? width - 1 : 0) : width;

	while (*p) {
		uint32_t cp = utf8_next(p, &len);
		int cw = cp_width(cp);
		if (w + (size_t)cw > room)
			break;
		put_seq(f, p, len, cp, false);
		w += (size_t)cw;
		p += len;
	}
	if (total > width && width) {
		fputc('~', f);
		w++;
	}
	for (; w < width; w++)
		fputc(' ', f);
}

void cli_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)cli_s(s);
	size_t len;

	while (*p) {
		uint32_t cp = utf8_next(p, &len);
		put_seq(f, p, len, cp, true);
		p += len;
	}
}

const char *cli_sync_name(enum store_sync_state s)
{
	switch (s) {
	case STORE_PENDING:
		return "pending";
	case STORE_REJECTED:
		return "rejected";
	default:
		return "synced";
	}
}

Safecampus__Record *cli_record_dup(const Safecampus__Record *r)
{
	size_t n = safecampus__record__get_packed_size(r);
	uint8_t *buf = malloc(n ? n : 1);
	Safecampus__Record *d;

	if (!buf)
		return NULL;
	safecampus__record__pack(r, buf);
	d = safecampus__record__unpack(NULL, n, buf);
	free(buf);
	return d;
}
