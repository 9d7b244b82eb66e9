#include "i18n.h"

#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	static const char *vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

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
				if (access(path, R_OK) == 0) {
					dir = path;
				} else {
					strcpy(slash, "/../share/locale");
					if (access(path, R_OK) == 0)
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
	setenv("LANGUAGE", strcmp(want, "zh_CN") == 0 ? "zh_CN" : "en", 1);
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
