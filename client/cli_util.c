/* Option parsing, help, messages, store access and text helpers for the CLI. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "rules.h"

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

/* ---------------------------------------------------------------- time */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long days_from_civil(int y, int m, int d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((long)yoe + era * 400 + (*m <= 2));
}

int cli_date_diff(const char *a, const char *b, long *days)
{
	int ya, ma, da, yb, mb, db;

	if (!rules_date_valid(a) || !rules_date_valid(b) ||
	    sscanf(a, "%4d-%2d-%2d", &ya, &ma, &da) != 3 ||
	    sscanf(b, "%4d-%2d-%2d", &yb, &mb, &db) != 3)
		return -EINVAL;
	*days = days_from_civil(yb, mb, db) - days_from_civil(ya, ma, da);
	return 0;
}

int cli_weekday(int y, int m, int d)
{
	long w = (days_from_civil(y, m, d) + 4) % 7; /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

int cli_date_add(const char *day, int days, char out[11])
{
	int y, m, d;

	if (!rules_date_valid(day) || sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return -EINVAL;
	civil_from_days(days_from_civil(y, m, d) + days, &y, &m, &d);
	if (y < 1900 || y > 9999)
		return -EINVAL;
	/* in range (checked above); the modulo tells the compiler so */
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
	return 0;
}

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

size_t cli_term_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col) {
		if (ws.ws_col < 60)
			return 60;
		return ws.ws_col > 400 ? 400 : ws.ws_col;
	}
	return CLI_WIDTH;
}

const char *cli_detail(const char *detail, char *out, size_t n)
{
	const char *p = cli_s(detail), *h;
	size_t at = 0;

	out[0] = '\0';
	/* "hlc 1234567890123 is ..." -> "clock stamp 2026-03-01 08:00 (hlc ...) is ..." */
	while ((h = strstr(p, "hlc ")) != NULL && at + 1 < n) {
		const char *num = h + 4;
		char *end;
		unsigned long long v;
		size_t digits = strspn(num, "0123456789");
		if (digits < 10 || (h > cli_s(detail) && (h[-1] == '_' || (h[-1] >= 'a' && h[-1] <= 'z')))) {
			int w = snprintf(out + at, n - at, "%.*s", (int)(num - p), p);
			at = w < 0 || (size_t)w >= n - at ? n : at + (size_t)w;
			p = num;
			continue;
		}
		v = strtoull(num, &end, 10);
		{
			char when[32];
			time_t t = (time_t)(HLC_MS(v) / 1000);
			struct tm tm;
			if (!gmtime_r(&t, &tm) || strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm) == 0)
				snprintf(when, sizeof when, "?");
			int w = snprintf(out + at, n - at, "%.*sclock stamp %s", (int)(h - p), p,
					 when);
			at = w < 0 || (size_t)w >= n - at ? n : at + (size_t)w;
		}
		p = end;
	}
	if (at + 1 < n)
		snprintf(out + at, n - at, "%s", p);
	return out;
}

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

/* ---------------------------------------------------------------- tables */

struct cli_table {
	size_t ncols, nrows, cap;
	const char **head;
	size_t *maxw;
	unsigned *flags;
	char **cells; /* nrows * ncols */
};

struct cli_table *cli_table_new(size_t ncols)
{
	struct cli_table *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->ncols = ncols;
	t->head = calloc(ncols, sizeof *t->head);
	t->maxw = calloc(ncols, sizeof *t->maxw);
	t->flags = calloc(ncols, sizeof *t->flags);
	if (!t->head || !t->maxw || !t->flags) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

void cli_table_col(struct cli_table *t, size_t col, const char *head, size_t maxw,
		   unsigned flags)
{
	if (col >= t->ncols)
		return;
	t->head[col] = head;
	t->maxw[col] = maxw;
	t->flags[col] = flags;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	char **row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		char **more = realloc(t->cells, cap * t->ncols * sizeof *more);
		if (!more)
			return -ENOMEM;
		t->cells = more;
		t->cap = cap;
	}
	row = &t->cells[t->nrows * t->ncols];
	for (size_t j = 0; j < t->ncols; j++) {
		row[j] = strdup(cells[j] ? cells[j] : "");
		if (!row[j]) {
			while (j--)
				free(row[j]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

size_t cli_table_rows(const struct cli_table *t)
{
	return t->nrows;
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->head);
	free(t->maxw);
	free(t->flags);
	free(t);
}

static bool cell_empty(const char *s)
{
	return !*s || strcmp(s, "-") == 0;
}

void cli_table_print(const struct cli_table *t, FILE *f, size_t width)
{
	size_t n = t->ncols, room = width, flex = n, flexmin = 0, last = 0;
	size_t *w = calloc(n ? n : 1, sizeof *w), *nat = calloc(n ? n : 1, sizeof *nat);
	bool *show = calloc(n ? n : 1, sizeof *show), first;

	if (!w || !nat || !show)
		goto out;
	for (size_t j = 0; j < n; j++) {
		bool empty = true;
		nat[j] = cli_width(cli_s(t->head[j]));
		for (size_t i = 0; i < t->nrows; i++) {
			const char *v = t->cells[i * n + j];
			size_t cw = cli_width(cell_empty(v) ? "-" : v);
			empty &= cell_empty(v);
			if (cw > nat[j])
				nat[j] = cw;
		}
		w[j] = t->maxw[j] && nat[j] > t->maxw[j] ? t->maxw[j] : nat[j];
		/* a header is cut only when it is much wider than what it heads */
		{
			size_t hw = cli_width(cli_s(t->head[j]));
			if (hw > 14)
				hw = 14;
			if (w[j] < hw)
				w[j] = hw;
		}
		show[j] = !(t->flags[j] & CLI_COL_OFF) &&
			  (!(t->flags[j] & CLI_COL_HIDE_EMPTY) || !empty || t->nrows == 0);
		if ((t->flags[j] & CLI_COL_FLEX) && flex == n && show[j])
			flex = j;
	}
	/* kept columns first, then the title's fair share, then the rest in order */
	for (size_t j = 0; j < n; j++) {
		if (!show[j] || j == flex || !(t->flags[j] & CLI_COL_KEEP))
			continue;
		room = room > w[j] + 1 ? room - w[j] - 1 : 0;
	}
	if (flex < n) {
		size_t share = width * 2 / 5 > 24 ? width * 2 / 5 : 24;
		flexmin = nat[flex] < share ? nat[flex] : share;
		/* never so wide that the kept columns push the line past the width */
		if (flexmin > room)
			flexmin = room > 16 ? room : 16;
		if (flexmin > nat[flex])
			flexmin = nat[flex];
		if (flexmin < cli_width(cli_s(t->head[flex])))
			flexmin = cli_width(cli_s(t->head[flex]));
		room = room > flexmin ? room - flexmin : 0;
	}
	/* the columns before the title (what kind of record, when) come first;
	 * then the title takes what it needs; the columns after it get the rest */
	for (size_t j = 0; j < n; j++) {
		if (flex < n && j == flex) {
			size_t give = flexmin + room;
			w[flex] = nat[flex] < give ? nat[flex] : give;
			room = give - w[flex];
			continue;
		}
		if (!show[j] || (t->flags[j] & CLI_COL_KEEP))
			continue;
		if (w[j] + 1 <= room)
			room -= w[j] + 1;
		else
			show[j] = false;
	}
	for (size_t j = 0; j < n; j++)
		if (show[j])
			last = j;
	first = true;
	for (size_t j = 0; j < n; j++) {
		char up[64];
		size_t k = 0;
		if (!show[j])
			continue;
		for (const char *p = cli_s(t->head[j]); *p && k + 1 < sizeof up; p++)
			up[k++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
		up[k] = '\0';
		if (!first)
			fputc(' ', f);
		first = false;
		cli_cell(f, up, j == last ? cli_width(up) : w[j]);
	}
	fputc('\n', f);
	for (size_t i = 0; i < t->nrows; i++) {
		first = true;
		for (size_t j = 0; j < n; j++) {
			const char *v = t->cells[i * n + j];
			if (!show[j])
				continue;
			if (cell_empty(v))
				v = "-";
			if (!first)
				fputc(' ', f);
			first = false;
			if (j == last)
				cli_cell(f, v, cli_width(v) < w[j] ? cli_width(v) : w[j]);
			else
				cli_cell(f, v, w[j]);
		}
		fputc('\n', f);
	}
out:
	free(w);
	free(nat);
	free(show);
}

int cli_group_help(int argc, char **argv, void (*help)(FILE *f))
{
	if (argc < 2) {
		help(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		help(stdout);
		return CLI_OK;
	}
	return -1;
}
