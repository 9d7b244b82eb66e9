#include "i18n.h"

#include <limits.h>
#include <stdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* glibc caches a translation by locale name, not by $LANGUAGE: a change of
 * LANGUAGE is seen only once this counter is bumped (the GNU gettext manual
 * says so for programs that switch language at run time). */
extern int _nl_msg_cat_cntr;

static void set_language(const char *norm)
{
	setenv("LANGUAGE", strcmp(norm, "zh_CN") == 0 ? "zh_CN" : "en", 1);
	++_nl_msg_cat_cntr;
}

static char g_default[8] = "en";
static char g_current[8] = "en";

/* "zh", "zh_CN.UTF-8", "zh-CN,zh;q=0.9" -> "zh_CN"; anything else -> "en":
 * Simplified Chinese is the only catalogue, English the msgids themselves. */
static const char *normalise(const char *lang)
{
	if (lang && (lang[0] == 'z' || lang[0] == 'Z') && (lang[1] == 'h' || lang[1] == 'H'))
		return "zh_CN";
	return "en";
}

static const char *env_lang(void)
{
	static const char *vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

/* True if DIR holds our zh_CN catalogue. Testing DIR alone is not enough:
 * installed in /usr/bin, "DIR/locale" is /usr/bin/locale, glibc's program. */
static int has_catalogue(const char *dir)
{
	char mo[PATH_MAX];
	int n = snprintf(mo, sizeof mo, "%s/zh_CN/LC_MESSAGES/" SC_TEXTDOMAIN ".mo", dir);
	return n > 0 && (size_t)n < sizeof mo && access(mo, R_OK) == 0;
}

/* The catalogue beside the program (a build tree: build/locale), else in
 * ../share/locale (an installed tree, wherever its prefix), else the
 * configured SC_LOCALEDIR; SAFECAMPUS_LOCALEDIR overrides them all. */
static void bind_dir(void)
{
	const char *dir = getenv("SAFECAMPUS_LOCALEDIR");
	char path[PATH_MAX];
	if (!dir || !*dir) {
		ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
		dir = SC_LOCALEDIR;
		if (n > 0) {
			path[n] = '\0';
			char *slash = strrchr(path, '/');
			if (slash) {
				strcpy(slash, "/locale");
				if (has_catalogue(path)) {
					dir = path;
				} else {
					strcpy(slash, "/../share/locale");
					if (has_catalogue(path))
						dir = path;
				}
			}
		}
	}
	bindtextdomain(SC_TEXTDOMAIN, dir);
	bind_textdomain_codeset(SC_TEXTDOMAIN, "UTF-8");
	textdomain(SC_TEXTDOMAIN);
}

void i18n_set_lang(const char *lang)
{
	const char *want = (lang && *lang) ? normalise(lang) : g_default;
	strcpy(g_current, want);
	/* gettext consults LANGUAGE on every call, before LC_MESSAGES, unless the
	 * locale is plain "C"; i18n_init made sure it is not. */
	set_language(want);
}

void i18n_init(const char *lang)
{
	const char *loc = setlocale(LC_ALL, "");
	if (!loc || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0)
		setlocale(LC_ALL, "C.UTF-8");
	/* numbers in files and on the wire keep the C form whatever the language */
	setlocale(LC_NUMERIC, "C");
	bind_dir();
	strcpy(g_default, normalise(lang && *lang ? lang : env_lang()));
	i18n_set_lang(NULL);
}

const char *i18n_lang(void)
{
	return g_current;
}

int i18n_zh(void)
{
	return strcmp(g_current, "zh_CN") == 0;
}

const char *i18n_pgettext(const char *ctx, const char *msgid)
{
	char key[256];
	const char *t;
	int w;

	if (!msgid || !*msgid)
		return msgid ? msgid : "";
	if (ctx && *ctx) {
		/* the .mo keys a string with a context as "ctx\004msgid" (pgettext) */
		w = snprintf(key, sizeof key, "%s\004%s", ctx, msgid);
		if (w > 0 && (size_t)w < sizeof key) {
			t = gettext(key);
			if (t != key)
				return t;
		}
	}
	return gettext(msgid);
}

const char *i18n_pgettext_in(const char *lang, const char *ctx, const char *msgid)
{
	char was[8];
	const char *t;

	if (strcmp(normalise(lang), g_current) == 0)
		return i18n_pgettext(ctx, msgid);
	memcpy(was, g_current, sizeof was);
	set_language(normalise(lang));
	t = i18n_pgettext(ctx, msgid);
	set_language(was);
	return t;
}
