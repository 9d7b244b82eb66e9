/* status, outbox and sync: the sync side for people. */
#include "cli.h"
#include "cli_kind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "ident.h"
#include "sync.h"
#include "verb.h"

static void print_rejected(FILE *f, const char *indent, const struct store_rejected *rj)
{
	char d[600];

	fprintf(f, "%s%.8s  %-12s %s", indent, rj->id, rj->kind, cli_reject_name(rj->reason));
	if (rj->detail[0]) {
		fputs(": ", f);
		cli_text(f, cli_detail(rj->detail, d, sizeof d));
	}
	fputc('\n', f);
	cli_reject_hint(f, "            ", rj->reason, rj->id);
}

static int status_rejected(void *arg, const struct store_rejected *rj)
{
	(void)arg;
	print_rejected(stdout, "  ", rj);
	return 0;
}

/* ---------------------------------------------------------------- status */

static int status_due(struct cli *c);

int cmd_status(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "status",
		.summary = N_(
			"Shows the store, the server, this install's identity, the outbox "
			"(records waiting to be\npushed, records the server rejected and why), "
			"the last sync and the pull cursor, the\nopen ALARMS of the kinds "
			"that raise them, and what is due today and this week at\nthis school: "
			"notices to acknowledge and report, this month's drill, today's \"1530\"\n"
			"sessions per class, equipment checks and bus inspections coming due, "
			"letters not\nsigned for the year, hazards near their deadline. All of it "
			"from the local store and\nthe district calendar: it works offline."),
	};
	struct store_outbox_stats s;
	struct ident id;
	char err[512], buf[64], age[32];
	const char *pos[1];
	size_t npos;
	int64_t last = 0, now = cli_now_ms();
	uint64_t cursor = 0, nrec = 0;
	int rc = cli_parse(c, argc, argv, NULL, 0, &h, pos, 0, 0, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	rc = cli_config(c);
	if (rc)
		return rc;
	if ((rc = store_outbox_stats(c->st, &s)) || (rc = store_last_sync(c->st, &last)) ||
	    (rc = store_cursor(c->st, &cursor)) || (rc = store_count(c->st, NULL, &nrec)))
		return cli_store_fail(rc, _("cannot read the store"));

		/* a label in 16 columns, whatever its language's width */
#define LABEL(s) cli_cell(stdout, (s), 16)
	LABEL(_("store:"));
	printf(ngettext("%s (%llu record)\n", "%s (%llu records)\n", nrec), store_path(c->st),
	       (unsigned long long)nrec);
	LABEL(_("server:"));
	printf(_("%s (certificate name %s)\n"), c->cfg.server, c->cfg.server_name);
	LABEL(_("identity:"));
	if (c->cfg.role == SAFECAMPUS__ROLE__ROLE_BUREAU)
		printf(_("district %s, the bureau, campus %s (role bureau)\n"), c->cfg.district,
		       c->cfg.campus);
	else
		printf(_("district %s, school %s, campus %s (role school)\n"), c->cfg.district,
		       c->cfg.school, c->cfg.campus);
	LABEL(_("certificate:"));
	fputs(c->cfg.cert, stdout);
	if (ident_from_cert(c->cfg.cert, &id, err, sizeof err) != 0) {
		printf(_(" (UNUSABLE: %s)\n"), err);
	} else if (id.not_after) {
		cli_fmt_date(id.not_after * 1000, buf);
		printf(" (%s %s)\n", id.not_after * 1000 < now ? _("EXPIRED on") : _("valid until"),
		       buf);
	} else {
		fputc('\n', stdout);
	}
	LABEL(_("pending:"));
	printf("%llu\n", (unsigned long long)s.pending);
	LABEL(_("rejected:"));
	printf("%llu\n", (unsigned long long)s.rejected);
	LABEL(_("oldest pending:"));
	if (s.oldest_pending_ms) {
		cli_fmt_age(now - s.oldest_pending_ms, age, sizeof age);
		cli_fmt_time(s.oldest_pending_ms, buf, sizeof buf);
		printf(_("%s ago (%s)\n"), age, buf);
	} else {
		printf("-\n");
	}
	LABEL(_("last sync:"));
	if (last) {
		cli_fmt_age(now - last, age, sizeof age);
		cli_fmt_time(last, buf, sizeof buf);
		printf(_("%s (%s ago)\n"), buf, age);
	} else {
		printf("%s\n", _("never"));
	}
	LABEL(_("cursor:"));
	printf("%llu\n", (unsigned long long)cursor);
#undef LABEL
	if (s.rejected) {
		printf(_("rejected entries, each with what to do:\n"));
		rc = store_each_rejected(c->st, status_rejected, NULL);
		if (rc)
			return cli_store_fail(rc, _("cannot read the outbox"));
	}
	for (size_t i = 0; cli_kind_at(i); i++) {
		if (!cli_kind_at(i)->status)
			continue;
		rc = cli_kind_at(i)->status(c);
		if (rc < 0)
			return cli_store_fail(rc, _("cannot read the alarms"));
	}
	rc = status_due(c);
	if (rc)
		return cli_store_fail(rc, _("cannot read what is due"));
	return CLI_OK;
}

/* ---------------------------------------------------------------- due */

struct due_ctx {
	const struct kind_env *env;
	const struct kind *k;
	const char *today, *week_end;
	unsigned n;
	int rc;
};

static int due_line(void *arg, const char *line)
{
	struct due_ctx *x = arg;

	if (x->n++ == 0)
		printf(_("due today (%s) and this week (to %s):\n"), x->today, x->week_end);
	printf("  - %s\n", line);
	return 0;
}

static int due_rec(void *arg, const Safecampus__Record *r)
{
	struct due_ctx *x = arg;
	char line[512];
	int rc = x->k->ops->due(x->env, r, x->today, x->week_end, line, sizeof line);

	if (rc < 0) {
		x->rc = rc;
		return 1;
	}
	return rc == 1 ? due_line(x, line) : 0;
}

/* What this campus owes today and by Sunday, from the store and the
 * district calendar alone (each kind's due and owed hooks): it works with
 * the server down. The bureau owes none of it. */
static int status_due(struct cli *c)
{
	struct kind_env env;
	struct due_ctx x = { .env = &env };
	char today[11], week_end[11];
	int y, m, d, rc;

	if (cli_is_bureau(c))
		return 0;
	verb_today(today);
	if (date_parse(today, &y, &m, &d) != 0 ||
	    date_add(today, (7 - date_weekday(y, m, d)) % 7, week_end) != 0)
		return 0;
	verb_env(c->st, &c->cfg, today, &env);
	x.today = today;
	x.week_end = week_end;
	for (size_t i = 0; i < kind_count(); i++) {
		x.k = kind_at(i);
		if (!x.k->ops)
			continue;
		if (x.k->ops->owed) {
			rc = x.k->ops->owed(&env, today, due_line, &x);
			if (rc)
				return rc;
		}
		if (x.k->ops->due) {
			rc = store_each(c->st, x.k->name, due_rec, &x);
			if (x.rc)
				return x.rc;
			if (rc)
				return rc;
		}
	}
	if (!x.n)
		printf(_("due today (%s) and this week (to %s): nothing\n"), today, week_end);
	return 0;
}

/* ---------------------------------------------------------------- outbox */

static int outbox_row(void *arg, const struct store_outbox_entry *e)
{
	char when[32];

	(void)arg;
	cli_fmt_time(e->created_ms, when, sizeof when);
	printf("%.8s  %-12s ", e->id, e->kind);
	cli_cell(stdout, e->rejected ? _("rejected") : _("pending"), 8);
	printf(" %-16s", when);
	if (e->rejected) {
		char d[600];
		printf(" %s", cli_reject_name(e->reason));
		if (e->detail[0]) {
			fputs(": ", stdout);
			cli_text(stdout, cli_detail(e->detail, d, sizeof d));
		}
	}
	fputc('\n', stdout);
	return 0;
}

static void outbox_help(FILE *f)
{
	fputs(_("Usage: safecampus outbox list\n"
		"       safecampus outbox discard ID\n"
		"       safecampus outbox retry ID\n\n"
		"The outbox holds local writes until the server acknowledges them.\n"
		"  list      every entry, in push order, with the server's reason for rejected "
		"ones\n"
		"  discard   drop an entry: a record the server never had is deleted here (with\n"
		"            its events still waiting); an edit of a synced record is undone\n"
		"  retry     send a rejected entry again as it is (after the cause was fixed\n"
		"            elsewhere, e.g. a missing parent now synced)\n\n"
		"ID is the record's id or its first 8 characters.\n"
		"\nExit status: 0 done, 1 failed or refused (message on stderr), 2 usage error.\n"),
	      f);
}

int cmd_outbox(struct cli *c, int argc, char **argv)
{
	const struct cli_help h = { .usage = "outbox list|discard ID|retry ID" };
	const char *pos[2];
	size_t npos;
	char id[37];
	enum store_sync_state sync;
	Safecampus__Record *r = NULL;
	int rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			outbox_help(stdout);
			return CLI_OK;
		}
	rc = cli_parse(c, argc, argv, NULL, 0, &h, pos, 1, 2, &npos);
	if (rc)
		return rc;
	if (strcmp(pos[0], "list") == 0) {
		if (npos != 1)
			return cli_usage("outbox", _("outbox list takes no argument"));
		rc = cli_config(c);
		if (rc)
			return rc;
		rc = store_each_outbox(c->st, outbox_row, NULL);
		return rc ? cli_store_fail(rc, _("cannot read the outbox")) : CLI_OK;
	}
	if (strcmp(pos[0], "discard") != 0 && strcmp(pos[0], "retry") != 0)
		return cli_usage("outbox", _("unknown outbox command '%s' (list, discard, retry)"),
				 pos[0]);
	if (npos != 2)
		return cli_usage("outbox", _("which record? (safecampus outbox %s ID)"), pos[0]);
	rc = cli_config(c);
	if (rc)
		return rc;
	if (cli_resolve(c, pos[1], id))
		return CLI_FAIL;
	rc = store_sync_state(c->st, id, &sync);
	if (rc)
		return cli_store_fail(rc, _("cannot read the outbox"));
	if (sync == STORE_SYNCED) {
		cli_err(_("%.8s has nothing waiting in the outbox (it is synced)"), id);
		return CLI_FAIL;
	}
	if (strcmp(pos[0], "retry") == 0) {
		if (sync == STORE_PENDING) {
			printf(_("%.8s is already pending\n"), id);
			return CLI_OK;
		}
		rc = store_outbox_retry(c->st, id);
		if (rc)
			return cli_store_fail(rc, _("cannot retry"));
		printf(_("%.8s is pending again; it is sent at the next sync\n"), id);
		return CLI_OK;
	}
	rc = store_get(c->st, id, &r);
	if (rc)
		return cli_store_fail(rc, _("cannot read the record"));
	rc = store_outbox_discard(c->st, id);
	if (rc) {
		safecampus__record__free_unpacked(r, NULL);
		return cli_store_fail(rc, _("cannot discard"));
	}
	if (r->seq)
		printf(_("discarded the local change to %s %.8s; it is back to the server's "
			 "version\n"),
		       kind_of(r) ? kind_of(r)->name : "record", id);
	else
		printf(_("discarded %s %.8s; the server never had it, so it is deleted here\n"),
		       kind_of(r) ? kind_of(r)->name : "record", id);
	safecampus__record__free_unpacked(r, NULL);
	return CLI_OK;
}

/* ---------------------------------------------------------------- sync */

struct idset {
	char (*ids)[37];
	size_t n, cap;
	bool oom;
};

static int idset_add(void *arg, const struct store_rejected *rj)
{
	struct idset *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char(*ids)[37] = realloc(s->ids, cap * sizeof *ids);
		if (!ids) {
			s->oom = true;
			return 1;
		}
		s->ids = ids;
		s->cap = cap;
	}
	memcpy(s->ids[s->n++], rj->id, 37);
	return 0;
}

struct new_rejected {
	const struct idset *before;
	FILE *f; /* stdout after a sync, stderr after a failed one */
};

static int print_new_rejected(void *arg, const struct store_rejected *rj)
{
	const struct new_rejected *x = arg;

	for (size_t i = 0; i < x->before->n; i++)
		if (strcmp(x->before->ids[i], rj->id) == 0)
			return 0;
	print_rejected(x->f, "rejected: ", rj);
	return 0;
}

static int parse_uint(const char *cmd, const char *opt, const char *v, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	if (!v || !(*v >= '0' && *v <= '9'))
		return cli_usage(cmd, _("--%s: \"%s\" is not a number"), opt, v ? v : "");
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		return cli_usage(cmd, _("--%s: \"%s\" is not a number from 0 to %u"), opt, v, max);
	*out = (unsigned)n;
	return 0;
}

/* The exit status of a failed sync, one per kind of failure (docs/CLI.md,
 * "Exit codes"). */
static int sync_exit_code(enum sync_failure f)
{
	switch (f) {
	case SYNC_FAIL_NONE:
		return CLI_OK;
	case SYNC_FAIL_CONFIG:
		return CLI_FAIL;
	case SYNC_FAIL_UNREACHABLE:
		return 3;
	case SYNC_FAIL_LOST:
		return 4;
	case SYNC_FAIL_TLS:
		return 5;
	case SYNC_FAIL_UNAVAILABLE:
		return 6;
	case SYNC_FAIL_PROTOCOL:
		return 7;
	case SYNC_FAIL_STORE:
		return 8;
	}
	return CLI_FAIL;
}

/* Prints text to stderr indented, wrapped at 88 columns. */
static void print_wrapped(const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strlen(p), cut = n;
		if (n > 86) {
			cut = 86;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = 86;
		}
		fprintf(stderr, "  %.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

/* sync_opts.notice: a retry or a reconnection, as it happens. */
static void sync_notice(void *arg, const char *msg)
{
	(void)arg;
	cli_err(_("sync: %s"), msg);
}

int cmd_sync(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "sync [--watch] [--watch-secs N] [--timeout-ms N]",
		.summary = N_(
			"Pushes the outbox to the server and pulls what changed since the last "
			"sync, over mutual\nTLS with the certificate from `init`. Prints "
			"\"pushed N, rejected N, pulled N\" and each\nnew rejection; when it "
			"fails, only the error and what to do (on standard error). What\nthe "
			"server acknowledged stays acknowledged even if the sync fails or is "
			"killed half way;\nrunning it again is always safe. An unreachable server "
			"is tried again a few times\nwithin --timeout-ms."),
		.epilog = N_(
			"With --watch it stays connected and pulls again whenever the server "
			"reports new changes,\nuntil --watch-secs runs out or SIGINT/SIGTERM. When "
			"the server cannot be reached or the\nconnection breaks, it says so and "
			"connects again by itself, waiting 0.5 s, then twice as\nlong each time up "
			"to a minute (+-50 %); it stops only for a refused certificate or a\nlocal "
			"store error.\n\n"
			"A failed sync exits with a status that says why (besides 1, not set up, "
			"and 2 below):\n3 server unreachable; 4 connection lost during the sync; 5 "
			"certificate refused; 6 the\ndistrict database is unavailable; 7 protocol "
			"error; 8 local store error (docs/CLI.md)."),
	};
	struct cli_opt opts[] = {
		{ .name = "watch", .help = N_("stay connected and pull as changes arrive") },
		{ .name = "watch-secs",
		  .metavar = "N",
		  .help = N_("with --watch: stop after N seconds") },
		{ .name = "timeout-ms",
		  .metavar = "N",
		  .help = N_("limit for connect, handshake and each request (default 15000)") },
		{ .name = "batch",
		  .metavar = "N",
		  .help = N_("records per push (default: the server's)") },
	};
	struct sync_opts so = { 0 };
	struct sync_report rep;
	struct idset before = { 0 };
	const char *pos[1];
	size_t npos;
	int rc = cli_parse(c, argc, argv, opts, sizeof opts / sizeof opts[0], &h, pos, 0, 0, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	so.watch = opts[0].seen;
	if (opts[1].seen &&
	    (rc = parse_uint("sync", "watch-secs", opts[1].value, 86400 * 365, &so.watch_secs)))
		return rc;
	if (opts[1].seen && !so.watch)
		return cli_usage("sync", _("--watch-secs needs --watch"));
	if (opts[2].seen &&
	    (rc = parse_uint("sync", "timeout-ms", opts[2].value, 3600000, &so.timeout_ms)))
		return rc;
	if (opts[3].seen && (rc = parse_uint("sync", "batch", opts[3].value, 100000, &so.batch)))
		return rc;
	rc = cli_config(c);
	if (rc)
		return rc;
	rc = store_each_rejected(c->st, idset_add, &before);
	if (rc || before.oom) {
		free(before.ids);
		return cli_store_fail(rc ? rc : -ENOMEM, _("cannot read the outbox"));
	}
	memset(&rep, 0, sizeof rep);
	so.notice = sync_notice;
	rc = sync_run(c->st, &so, &rep);
	if (rc == 0)
		printf(_("pushed %llu, rejected %llu, pulled %llu\n"),
		       (unsigned long long)rep.pushed, (unsigned long long)rep.rejected,
		       (unsigned long long)rep.pulled);
	if (rep.evidence_sent || rep.evidence_refused)
		printf(_("evidence files: %1$u uploaded, %2$u refused%3$s%4$s\n"),
		       rep.evidence_sent, rep.evidence_refused, rep.evidence_error[0] ? ": " : "",
		       rep.evidence_error);
	/* what the server refused is news either way: after the summary on
	 * success, with the error on stderr after a failure */
	{
		struct new_rejected x = { .before = &before, .f = rc ? stderr : stdout };
		fflush(stdout);
		if (store_each_rejected(c->st, print_new_rejected, &x) != 0)
			cli_err(_("cannot list the new rejections: %s"), store_last_error());
	}
	free(before.ids);
	if (rc) {
		const char *why = rep.error[0] ? rep.error : sc_strerror(rc);
		cli_err(_("sync failed: %s"), why);
		if (rep.pushed || rep.rejected || rep.pulled)
			cli_err(_("before it failed: pushed %llu, rejected %llu, pulled %llu "
				  "(kept)"),
				(unsigned long long)rep.pushed, (unsigned long long)rep.rejected,
				(unsigned long long)rep.pulled);
		print_wrapped(sync_failure_hint(rep.failure));
		return rep.failure == SYNC_FAIL_NONE ? CLI_FAIL : sync_exit_code(rep.failure);
	}
	return CLI_OK;
}
