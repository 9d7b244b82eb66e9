/* Message translation (gettext, domain "safecampus").
 *
 * Every string a person reads goes through _() (or N_() where the string sits
 * in a static table and is translated where it is shown, with _()).  The
 * Simplified Chinese catalogue lives in po/zh_CN/ (one part per area); the build concatenates
 * the parts and compiles them into <localedir>/zh_CN/LC_MESSAGES/safecampus.mo.
 * tests/tools/i18n_check.sh fails when a marked string has no translation. */
#ifndef SC_I18N_H
#define SC_I18N_H

#include <libintl.h>

#define SC_TEXTDOMAIN "safecampus"
#define _(s) gettext(s)
#define N_(s) (s)
/* A string in a static table that needs a context to be translated right
 * ("Title" is 标题 for a notice, 隐患名称 for a hazard): the table keeps the
 * plain English, the context is given again where it is translated with
 * i18n_pgettext (for the kind tables: the kind's name). */
#define NC_(c, s) (s)

/* Binds the catalogue and picks the language: `lang` ("zh", "zh_CN", "en",
 * ...) when not NULL, else the environment (LANGUAGE, LC_ALL, LC_MESSAGES,
 * LANG).  Works on machines where the zh_CN.UTF-8 locale is not generated:
 * the catalogue is chosen through LANGUAGE over C.UTF-8.  The catalogue
 * directory is $SAFECAMPUS_LOCALEDIR, else <exe dir>/locale (the build tree),
 * else <exe dir>/../share/locale (an installation).  Call once, first. */
void i18n_init(const char *lang);

/* Switches the language of later _() calls, e.g. per browser request; NULL or
 * "" returns to the language i18n_init chose.  Not thread-safe: call from the
 * loop thread only. */
void i18n_set_lang(const char *lang);

/* The language now in force, normalised: "zh_CN" or "en". */
const char *i18n_lang(void);

/* True when the language in force is Chinese. */
int i18n_zh(void);

/* msgid translated in context ctx (NC_), else without a context, else
 * msgid itself; ctx NULL: plain gettext. */
const char *i18n_pgettext(const char *ctx, const char *msgid);

/* msgid in the language lang ("zh", "en") whatever is in force now, as
 * i18n_pgettext finds it; for callers that show both languages side by side
 * or accept input in either. */
const char *i18n_pgettext_in(const char *lang, const char *ctx, const char *msgid);

#endif
