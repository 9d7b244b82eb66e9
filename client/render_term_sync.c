/* The terminal dashboard's sync sections: how fresh each school's data is
 * (the bureau's sync health) and, at a campus, what its own store holds that
 * the dashboard does not count yet. */
#include "render_term_int.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "dashboard_text.h"
#include "i18n.h"

static void fmt_ago(int64_t ref, int64_t ms, char *out, size_t n)
{
	char age[32];

	if (ms <= 0) {
		snprintf(out, n, "%s", _("never"));
		return;
	}
	cli_fmt_age(ref - ms, age, sizeof age);
	snprintf(out, n, _("%s ago"), age);
}

void rterm_health(struct term *t)
{
	const Safecampus__Dashboard *d = t->d;
	int64_t ref = render__ref_ms(t->r);
	size_t nstale = 0;
	bool district = t->r->bureau && !(d->scope && *d->scope);

	if (!d->n_health)
		return;
	for (size_t i = 0; i < d->n_health; i++)
		nstale += dashboard_health_stale(d->health[i], ref);
	rterm_heading(t, _("SYNC HEALTH"));
	fprintf(t->f,
		ngettext(" (%zu client, %zu stale: no contact for 3 days or a record unsent for a "
			 "day)\n",
			 " (%zu clients, %zu stale: no contact for 3 days or a record unsent for a "
			 "day)\n",
			 d->n_health),
		d->n_health, nstale);
	rterm_col(t, C_DIM);
	fputs("  ", t->f);
	if (district) {
		cli_cell(t->f, _("SCHOOL"), 20);
		fputc(' ', t->f);
	}
	cli_cell(t->f, _("CAMPUS"), 12);
	fputc(' ', t->f);
	cli_cell(t->f, _("LAST CONTACT"), 14);
	fputc(' ', t->f);
	rterm_rcell(t->f, _("UNSENT"), 7);
	fputc(' ', t->f);
	cli_cell(t->f, _("OLDEST UNSENT"), 14);
	fprintf(t->f, " %s\n", _("LAST SYNC"));
	rterm_col(t, C_RESET);
	/* stale first, in the dashboard's order otherwise */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->n_health; i++) {
			const Safecampus__SyncHealth *h = d->health[i];
			bool stale = dashboard_health_stale(h, ref);
			char a[48], b[48], c[48];
			if (stale != (pass == 0))
				continue;
			fmt_ago(ref, h->last_contact_ms, a, sizeof a);
			if (h->outbox_pending)
				fmt_ago(ref, h->oldest_pending_ms, b, sizeof b);
			else
				snprintf(b, sizeof b, "-");
			fmt_ago(ref, h->last_sync_ms, c, sizeof c);
			fputs("  ", t->f);
			if (district) {
				cli_cell(t->f, render__school_label(t->r, h->school), 20);
				fputc(' ', t->f);
			}
			cli_cell(t->f, h->campus, 12);
			fputc(' ', t->f);
			if (stale && (h->last_contact_ms <= 0 ||
				      ref - h->last_contact_ms > DASHBOARD_STALE_CONTACT_MS))
				rterm_col(t, C_RED);
			cli_cell(t->f, a, 14);
			rterm_col(t, C_RESET);
			fprintf(t->f, " %7llu ", (unsigned long long)h->outbox_pending);
			if (stale && h->outbox_pending &&
			    ref - h->oldest_pending_ms > DASHBOARD_STALE_UNSENT_MS)
				rterm_col(t, C_RED);
			cli_cell(t->f, b, 14);
			rterm_col(t, C_RESET);
			fputc(' ', t->f);
			if (stale) {
				cli_cell(t->f, c, 14);
				rterm_col(t, C_RED);
				rterm_col(t, C_BOLD);
				fprintf(t->f, " %s", _("STALE"));
				rterm_col(t, C_RESET);
			} else {
				cli_text(t->f, c);
			}
			fputc('\n', t->f);
		}
}

void rterm_local_note(struct term *t)
{
	const struct dashboard_local *l = t->r->local;
	char buf[2048], age[32];
	size_t at = 0;

	if (!l || (!l->pending && !l->rejected))
		return;
	rterm_heading(t, _("NOT YET SYNCED FROM HERE"));
	fputc('\n', t->f);
	if (l->pending) {
		cli_fmt_age(t->r->now_ms - l->oldest_pending_ms, age, sizeof age);
		at += (size_t)snprintf(buf, sizeof buf,
				       ngettext("%llu record waits in this install's outbox "
						"(oldest %s ago):",
						"%llu records wait in this install's outbox "
						"(oldest %s ago):",
						l->pending),
				       (unsigned long long)l->pending, age);
		for (size_t i = 0, n = 0; i < l->nkinds && at < sizeof buf; i++) {
			if (!l->kinds[i].pending)
				continue;
			at += (size_t)snprintf(
				buf + at, sizeof buf - at, "%s %llu %s", n++ ? "," : "",
				(unsigned long long)l->kinds[i].pending,
				dashboard_kind_noun(l->kinds[i].kind, l->kinds[i].pending));
		}
		if (at < sizeof buf)
			at += (size_t)snprintf(buf + at, sizeof buf - at, "%s",
					       _(". The dashboard counts them "
						 "after `safecampus sync`."));
	}
	if (l->rejected && at < sizeof buf)
		snprintf(buf + at, sizeof buf - at,
			 ngettext("%s%llu record was rejected by the server: see "
				  "`safecampus outbox list`.",
				  "%s%llu records were rejected by the server: see "
				  "`safecampus outbox list`.",
				  l->rejected),
			 at ? " " : "", (unsigned long long)l->rejected);
	fputs("  ", t->f);
	rterm_wrap(t->f, buf, 2, 2);
}
