/* A record's page says whether its signed history still adds up: the
 * signatures and the hash chain recomputed from this store's rows
 * (client/verify_store.c, the checks of `safecampus verify`), so a bureau
 * officer or a principal sees a step edited in the store file, deleted, or
 * signed by someone who may not sign it, where they read the record. */
#include "web_rec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "verify_store.h"

#define FINDINGS_SHOWN 20

struct findings {
	struct web_page *p;
	unsigned n;
};

static void finding(void *arg, bool bad, const char *school, const char *record, const char *kind,
		    const char *event, const char *text)
{
	struct findings *f = arg;
	const struct kind *k = kind_by_name(kind);

	(void)school;
	(void)record;
	if (!bad || f->n++ >= FINDINGS_SHOWN)
		return;
	web_p(f->p, "<li>");
	web_e(f->p, k ? web_kind_label(k) : kind);
	web_p(f->p, " <a href=\"/r/%s\">%.8s</a>: ", event, event);
	web_e(f->p, text);
	web_p(f->p, "</li>\n");
}

void web_verify_box(struct web_req *r, struct web_page *p, const Safecampus__Record *rec)
{
	const struct store_config *cfg = &r->w->cfg;
	struct findings f = { .p = p };
	struct verify v;
	int rc;

	const struct kind *k = kind_of(rec);
	const struct kind *ek =
		k && k->ops && k->ops->event_kind ? kind_by_name(k->ops->event_kind) : NULL;

	/* a kind nothing signs has no signed history to speak of */
	if (!verify_kind_signs(k) && !verify_kind_signs(ek))
		return;
	verify_init(&v, finding, &f);
	/* the findings are written as verify reports them, the verdict
	 * after them */
	web_p(p,
	      "<section class=\"verify\" id=\"verify\">\n<h2>%s</h2>\n<ul "
	      "id=\"verify-findings\">\n",
	      _("Signatures and history"));
	rc = verify_store_record(r->w->st, cfg->school ? cfg->school : "", rec, &v);
	web_p(p, "</ul>\n");
	if (rc)
		web_p(p, "<p class=\"error\" id=\"verify-state\">%s</p>\n",
		      _("The signed history could not be checked here."));
	else if (v.bad)
		web_p(p, "<p class=\"error\" id=\"verify-state\">%s</p>\n",
		      _("Altered: this record's signed history does not add up (the steps "
			"above)."));
	else if (v.chains)
		web_p(p, "<p class=\"ok\" id=\"verify-state\">%s</p>\n",
		      _("Checked: every signature matches its step and the chain is whole."));
	else
		web_p(p, "<p id=\"verify-state\">%s</p>\n", _("Nothing of this record is signed."));
	if (!rc && v.chains) {
		web_p(p, "<p class=\"help\">");
		web_p(p, _("%lu signatures checked from the rows stored here."), v.signatures);
		if (f.n > FINDINGS_SHOWN) {
			web_p(p, " ");
			web_p(p, _("%u problems; the first %u are listed."), f.n, FINDINGS_SHOWN);
		}
		web_p(p, "</p>\n");
	}
	web_p(p, "</section>\n");
	verify_free(&v);
}
