/* The annual report as text (footnotes with the records' ids) and as a
 * standalone HTML document (each figure linked to its records' pages), for
 * `safecampus report annual`. The browser's /report page (web_report.c)
 * writes its own form around the same report and style sheet. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "kinds.h"

/* figures a footnote lists in full; past it, the first ones and a count */
#define TEXT_IDS_MAX 50
#define HTML_IDS_MAX 200

const char report_print_css[] =
	"main.report{max-width:210mm;background:#fff;padding:1rem 1.5rem}\n"
	".report h1{text-align:center;font-size:1.5rem}\n"
	".report .sub{text-align:center;color:#5b6876}\n"
	".report h2{font-size:1.15rem;margin:1.2rem 0 .4rem}\n"
	".report p.para{text-indent:2em;white-space:pre-wrap;line-height:1.8}\n"
	".report textarea{width:100%;min-height:8em;font:inherit;line-height:1.7;padding:.4rem}\n"
	".report .src{font-size:.85rem;color:#5b6876}\n"
	".report .src a{word-break:break-all}\n"
	".report table{border-collapse:collapse;width:100%}\n"
	".report th,.report td{border:1px solid #d5dce3;padding:.2rem .4rem;text-align:left}\n"
	".report .edited{color:#9a5b00;font-size:.85rem}\n"
	".printonly{display:none}\n"
	"@page{size:A4;margin:20mm 18mm}\n"
	"@media print{header.bar,nav,footer,form .actions,.noprint,textarea,button{display:none"
	"!important}.printonly{display:block!important}body{background:#fff;font-size:12pt;"
	"color:#000}main.report{max-width:none;padding:0}.report h2{page-break-after:avoid}"
	".report p.para{orphans:3;widows:3}.report a{color:inherit;text-decoration:none}"
	".report .src{font-size:9pt}}\n";

/* "1. " .. for the sections: 一、二、... in Chinese */
static const char *const ordinals[] = {
	N_("1. "), N_("2. "), N_("3. "), N_("4. "), N_("5. "),
	N_("6. "), N_("7. "), N_("8. "), N_("9. "), N_("10. "),
};

const char *report_ordinal(size_t i)
{
	return i < sizeof ordinals / sizeof ordinals[0] ? _(ordinals[i]) : "";
}

void report_title(const struct report *r, const char *who, char *out, size_t n)
{
	snprintf(out, n, _("%s: safe-campus work summary for %d"),
		 r->name ? r->name
		 : who   ? who
			 : "",
		 r->year);
}

/* The count of UTF-8 characters in s, up to stop. */
static size_t chars(const char *s, size_t stop)
{
	size_t c = 0;

	for (; *s && c <= stop; s++)
		c += ((unsigned char)*s & 0xC0) != 0x80;
	return c;
}

void report_fig_label(const struct report_fig *fig, char *out, size_t n)
{
	const char *fmt = fig->fmt ? fig->fmt : "%s", *at = strstr(fmt, "%s");
	FILE *f;

	if (n)
		out[0] = '\0';
	/* "召开安全会议 %s 次" heads a row of numbers as 召开安全会议（次）: the
	 * unit after the number, in brackets; a clause that goes on after it,
	 * and English ("N safety meetings were held"), keep N for the number */
	if (i18n_zh() && at && at > fmt && !strstr(at + 2, "%") && at[2] == ' ' && at[3] &&
	    !strchr(at + 3, ' ') && chars(at + 3, 4) <= 4) {
		size_t pre = (size_t)(at - fmt);
		while (pre && fmt[pre - 1] == ' ')
			pre--;
		snprintf(out, n, "%.*s（%s）", (int)pre, fmt, at + 3);
		return;
	}
	f = fmemopen(out, n, "w");
	if (!f)
		return;
	report_subst(f, fmt, "N", NULL);
	fputc('\0', f);
	fclose(f);
	out[n - 1] = '\0';
}

static const char *kind_word(const char *name)
{
	const struct kind *k = kind_by_name(name);

	return k ? kind_label(k) : name;
}

/* ---------------------------------------------------------------- text */

void report_write_text(FILE *f, const struct report *r, const char *who)
{
	char title[512];
	unsigned note = 0;

	report_title(r, who, title, sizeof title);
	fprintf(f, "%s\n\n", title);
	for (size_t i = 0; i < r->nsec; i++) {
		fprintf(f, "%s%s\n", report_ordinal(i), r->sec[i].title);
		report_section_write(f, &r->sec[i], &note);
		fputc('\n', f);
	}
	fprintf(f, "%s\n", _("Sources (the records behind each figure):"));
	note = 0;
	for (size_t i = 0; i < r->nsec; i++)
		for (size_t j = 0; j < r->sec[i].nfigs; j++) {
			const struct report_fig *g = &r->sec[i].figs[j];
			if (!g->text)
				continue;
			fprintf(f, "[%u] %s: ", ++note, kind_word(g->kind));
			if (!g->nids)
				fputs(_("no records"), f);
			for (size_t k = 0; k < g->nids && k < TEXT_IDS_MAX; k++)
				fprintf(f, "%s%s", k ? " " : "", g->ids[k]);
			if (g->nids > TEXT_IDS_MAX)
				fprintf(f, _(" ... and %zu more"), g->nids - TEXT_IDS_MAX);
			fputc('\n', f);
		}
}

void report_write_schools_text(FILE *f, const struct report *district,
			       struct report *const *schools, size_t nschools)
{
	char label[256];

	fprintf(f, "\n%s\n", _("Figures per school:"));
	for (size_t i = 0; i < district->nsec; i++)
		for (size_t j = 0; j < district->sec[i].nfigs; j++) {
			const struct report_fig *g = &district->sec[i].figs[j];
			if (!g->numeric || !g->text)
				continue;
			report_fig_label(g, label, sizeof label);
			fprintf(f, "  %s\n", label);
			for (size_t s = 0; s < nschools; s++) {
				const struct report_fig *h = &schools[s]->sec[i].figs[j];
				fprintf(f, "    %-20s %.0f\n", schools[s]->scope,
					h->text ? h->value : 0);
			}
		}
}

/* ---------------------------------------------------------------- HTML */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

void report_write_html(FILE *f, const struct report *r, struct report *const *schools,
		       size_t nschools, const char *who, const char *base)
{
	char title[512], label[256];
	unsigned note = 0;

	report_title(r, who, title, sizeof title);
	fprintf(f,
		"<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'\">\n<title>",
		i18n_zh() ? "zh-CN" : "en");
	esc(f, title);
	fprintf(f,
		"</title>\n<style>\nbody{margin:0;font:15px/1.6 \"Noto Sans CJK SC\","
		"\"Source Han Sans SC\",\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",sans-serif}\n"
		"%s</style>\n</head>\n<body>\n<main class=\"report\">\n<h1>",
		report_print_css);
	esc(f, title);
	fprintf(f, "</h1>\n");
	for (size_t i = 0; i < r->nsec; i++) {
		const struct report_section *s = &r->sec[i];
		bool open = false;
		fprintf(f, "<h2 id=\"sec-%s\">%s", s->key, report_ordinal(i));
		esc(f, s->title);
		fprintf(f, "</h2>\n<p class=\"para\">");
		for (size_t j = 0; j < s->nfigs; j++) {
			if (!s->figs[j].text)
				continue;
			if (open)
				esc(f, report_sep(s->figs[j].sentence));
			esc(f, s->figs[j].text);
			note++;
			fprintf(f, "<sup><a href=\"#src-%u\">[%u]</a></sup>", note, note);
			open = true;
		}
		esc(f, open ? _(".\n") : _("No records of this work for the year.\n"));
		fprintf(f, "</p>\n");
	}
	if (nschools) {
		fprintf(f, "<h2>%s</h2>\n<table class=\"schools\"><thead><tr><th></th>",
			_("Figures per school"));
		for (size_t s = 0; s < nschools; s++) {
			fprintf(f, "<th>");
			esc(f, schools[s]->name ? schools[s]->name : schools[s]->scope);
			fprintf(f, "</th>");
		}
		fprintf(f, "</tr></thead><tbody>\n");
		for (size_t i = 0; i < r->nsec; i++)
			for (size_t j = 0; j < r->sec[i].nfigs; j++) {
				const struct report_fig *g = &r->sec[i].figs[j];
				if (!g->numeric || !g->text)
					continue;
				report_fig_label(g, label, sizeof label);
				fprintf(f, "<tr><th>");
				esc(f, label);
				fprintf(f, "</th>");
				for (size_t s = 0; s < nschools; s++) {
					const struct report_fig *h = &schools[s]->sec[i].figs[j];
					fprintf(f, "<td>%.0f</td>", h->text ? h->value : 0);
				}
				fprintf(f, "</tr>\n");
			}
		fprintf(f, "</tbody></table>\n");
	}
	fprintf(f, "<h2>%s</h2>\n<ol class=\"src\">\n", _("Sources"));
	note = 0;
	for (size_t i = 0; i < r->nsec; i++)
		for (size_t j = 0; j < r->sec[i].nfigs; j++) {
			const struct report_fig *g = &r->sec[i].figs[j];
			if (!g->text)
				continue;
			fprintf(f, "<li id=\"src-%u\" data-kind=\"%s\">", ++note, g->kind);
			esc(f, g->text);
			fprintf(f, " (");
			esc(f, kind_word(g->kind));
			fprintf(f, "): ");
			for (size_t k = 0; k < g->nids && k < HTML_IDS_MAX; k++) {
				fprintf(f, "<a href=\"");
				esc(f, base);
				fprintf(f, "/r/%s\">%.8s</a> ", g->ids[k], g->ids[k]);
			}
			if (g->nids > HTML_IDS_MAX)
				fprintf(f, _(" ... and %zu more"), g->nids - HTML_IDS_MAX);
			fprintf(f, "</li>\n");
		}
	fprintf(f, "</ol>\n</main>\n</body>\n</html>\n");
}
