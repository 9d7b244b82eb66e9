/* Text on a terminal: display width of UTF-8, cells, wrapping, no control characters. */
#include "cli.h"

#include <langinfo.h>
#include <locale.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>


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

/* A CJK character or punctuation mark: text may break before or after it
 * without a space, as Chinese has none between words. */
static bool cjk_at(const char *s, size_t *len)
{
	uint32_t cp = utf8_next((const unsigned char *)s, len);

	return cp_width(cp) == 2;
}

/* Closing CJK punctuation (，。、；：？！）」』》): never starts a line. */
static bool cjk_closing(const char *s)
{
	size_t len;
	uint32_t cp = utf8_next((const unsigned char *)s, &len);

	return (cp >= 0x3001 && cp <= 0x3002) || cp == 0x300B || cp == 0x300D || cp == 0x300F ||
	       cp == 0x3011 || cp == 0xFF01 || cp == 0xFF09 || cp == 0xFF0C || cp == 0xFF1A ||
	       cp == 0xFF1B || cp == 0xFF1F || cp == 0x201D;
}

void cli_wrap(FILE *f, const char *text, size_t indent, size_t width)
{
	size_t col = indent;
	bool glued = false; /* the last piece was CJK: the next needs no space */

	while (*text) {
		size_t w = 0, len;
		bool cjk = cjk_at(text, &len);
		/* a piece is one CJK character, or a run up to a space, newline or CJK */
		if (cjk) {
			w = len;
		} else {
			while (text[w] && text[w] != ' ' && text[w] != '\n' &&
			       !cjk_at(text + w, &len))
				w += len;
		}
		bool tight = glued || (cjk && col > indent && text[-1] != ' ');
		size_t pw = cli_width_n(text, w);
		if (col > indent && col + (tight ? 0 : 1) + pw > width &&
		    !(cjk && cjk_closing(text))) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent && !tight) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, w, f);
		col += pw;
		text += w;
		glued = cjk && *text && *text != ' ' && *text != '\n';
		while (*text == ' ') {
			text++;
			glued = false;
		}
		if (*text == '\n') {
			text++;
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			glued = false;
		}
	}
	fputc('\n', f);
}

bool cli_utf8_locale(void)
{
	const char *cs;

	if (!setlocale(LC_CTYPE, ""))
		return false;
	cs = nl_langinfo(CODESET);
	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}
