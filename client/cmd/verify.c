/* verify [ID|--all]: recomputes the signatures and hash chains of the signed
 * records in this store from their stored rows (common/verify.c) and names
 * every record and step whose history was altered, whoever altered it: a row
 * edited or deleted in the SQLite file shows here as on the server. */
#include "cli.h"
#include "i18n.h"
#include "verify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct gather {
	struct cli *c;
	struct verify *v;
	Safecampus__Record **recs;
	size_t n, cap;
	int rc;
};

/* Every signed record, and every person, except outbox entries the server
 * refused: they were never part of the history (and `outbox` shows them). */
static int gather_cb(void *arg, const Safecampus__Record *r)
{
	struct gather *g = arg;
	enum store_sync_state st;

	if (!verify_kind_signs(kind_of(r)))
		return 0;
	g->rc = store_sync_state(g->c->st, r->id, &st);
	if (g->rc)
		return 1;
	if (st == STORE_REJECTED)
		return 0;
	if ((g->rc = verify_add_person(g->v, r)))
		return 1;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 256;
		Safecampus__Record **more = realloc(g->recs, cap * sizeof *more);
		if (!more) {
			g->rc = -ENOMEM;
			return 1;
		}
		g->recs = more;
		g->cap = cap;
	}
	g->recs[g->n] = kind_record_dup(r);
	if (!g->recs[g->n]) {
		g->rc = -ENOMEM;
		return 1;
	}
	g->n++;
	return 0;
}

static int by_chain(const void *a, const void *b)
{
	const Safecampus__Record *x = *(Safecampus__Record *const *)a;
	const Safecampus__Record *y = *(Safecampus__Record *const *)b;

	return strcmp(kind_chain_id(x), kind_chain_id(y));
}

static void report(void *arg, bool bad, const char *school, const char *record, const char *kind,
		   const char *event, const char *text)
{
	(void)arg;
	(void)school;
	if (strcmp(record, event) != 0)
		printf(bad ? _("ALTERED  record %1$s, %2$s %3$s: %4$s\n")
			   : _("note     record %1$s, %2$s %3$s: %4$s\n"),
		       record, kind, event, text);
	else
		printf(bad ? _("ALTERED  %1$s %2$s: %3$s\n") : _("note     %1$s %2$s: %3$s\n"),
		       kind, record, text);
}

static int run(struct cli *c, struct verify *v, const char *only)
{
	struct gather g = { .c = c, .v = v };
	struct verify_link *links = NULL;
	int rc = store_each(c->st, NULL, gather_cb, &g);

	if (!rc)
		rc = g.rc;
	if (!rc && g.n)
		qsort(g.recs, g.n, sizeof *g.recs, by_chain);
	if (!rc && !(links = calloc(g.n ? g.n : 1, sizeof *links)))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < g.n;) {
		const char *chain = kind_chain_id(g.recs[i]);
		bool pick = !only || !strcmp(chain, only);
		size_t j = i, m = 0;

		for (; j < g.n && !strcmp(kind_chain_id(g.recs[j]), chain); j++) {
			pick = pick || !strcmp(g.recs[j]->id, only);
			links[m++] = (struct verify_link){ .r = g.recs[j],
							   .id = g.recs[j]->id,
							   .kind = kind_of(g.recs[j])->name,
							   .row_expected = true };
		}
		/* school by school, each a parent's events or one record's versions */
		if (pick &&
		    verify_chains(v, c->cfg.school ? c->cfg.school : "", chain, links, m) < 0)
			rc = -ENOMEM;
		i = j;
	}
	free(links);
	for (size_t i = 0; i < g.n; i++)
		kind_record_free(g.recs[i]);
	free(g.recs);
	return rc;
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "verify [ID|--all] [--people-key FILE]",
		.summary = N_(
			"Recomputes the signatures and hash chains of the signed records in this "
			"store from the stored rows, and names every record and step whose "
			"history was altered (a row edited or deleted, even directly in the "
			"store file), signed by someone who may not sign it, or signed after "
			"the signer's revocation. Signatures made before a revocation stay "
			"valid and are noted."),
		.epilog =
			N_("ID: a record (a hazard: all its steps) or a step; --all (the default): "
			   "every signed record.\n--people-key: the district's public key "
			   "(people-admin.pub from deploy/pki.sh people); without it the "
			   "enrolments it signed are noted, not checked.\nExit status: 0 nothing "
			   "wrong, 1 something altered (or the store cannot be read), 2 usage "
			   "error."),
	};
	struct cli_opt opts[] = {
		{ .name = "all", .help = N_("every signed record (the default)") },
		{ .name = "people-key",
		  .metavar = "FILE",
		  .help = N_("the district admin's public key (PEM)") },
	};
	const char *pos[1];
	char id[37];
	size_t npos = 0;
	struct verify v;
	int rc = cli_parse(c, argc, argv, opts, 2, &h, pos, 0, 1, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	if (npos && opts[0].seen)
		return cli_usage("verify", _("give an ID or --all, not both"));
	if ((rc = cli_config(c)))
		return rc;
	if (npos && (rc = cli_resolve(c, pos[0], id)))
		return rc;
	verify_init(&v, report, NULL);
	if (opts[1].seen && verify_admin_key(&v, opts[1].value)) {
		cli_err(_("%s does not hold an Ed25519 public key (people-admin.pub)"),
			opts[1].value);
		return CLI_FAIL;
	}
	rc = run(c, &v, npos ? id : NULL);
	if (rc) {
		verify_free(&v);
		return cli_store_fail(rc, _("cannot verify"));
	}
	if (npos && v.chains == 0)
		printf(_("%s has no signed history here (nothing of it is signed)\n"), id);
	printf(_("%lu chains, %lu signatures checked (%lu made before their signer's revocation, "
		 "%lu sign-offs unsigned): %lu problems\n"),
	       v.chains, v.signatures, v.before_revocation, v.unsigned_, v.bad);
	{
		/* the bureau's anchor for the server's log (people.md: the last
		 * step deleted): the server checks it, this store cannot */
		char head[96];
		if (store_log_head(c->st, head) == 0 && *head)
			printf(_("the server's signoff log at the last pull: %1$s (check the "
				 "server "
				 "with `safecampusd --verify --log-head=%1$s`)\n"),
			       head);
	}
	rc = v.bad ? CLI_FAIL : CLI_OK;
	verify_free(&v);
	return rc;
}
