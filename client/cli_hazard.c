/* Hazards (隐患排查整改) on the command line: report, the workflow verbs,
 * the folded state for list and show. Every verb is a new immutable
 * hazard_event, checked offline with rules_check and hazard_apply over the
 * events known here before it is written. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "rules.h"

#define ACT(x) SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_##x
#define HST(x) SAFECAMPUS__HAZARD_STATE__HAZARD_STATE_##x

/* ---------------------------------------------------------------- folding */

struct fold_ctx {
	struct cli *c;
	struct hz_fold *f;
	const char *skip;
	int rc;
};

static int fold_collect(void *arg, const Safecampus__Record *r)
{
	struct fold_ctx *x = arg;
	struct hz_fold *f = x->f;
	struct hz_event *e;
	int rc;

	if (!r->hazard_event || (x->skip && strcmp(r->id, x->skip) == 0))
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct hz_event *ev = realloc(f->ev, cap * sizeof *ev);
		if (!ev) {
			x->rc = -ENOMEM;
			return 1;
		}
		f->ev = ev;
		f->cap = cap;
	}
	e = &f->ev[f->n];
	memset(e, 0, sizeof *e);
	e->r = cli_record_dup(r);
	if (!e->r) {
		x->rc = -ENOMEM;
		return 1;
	}
	f->n++;
	rc = store_sync_state(x->c->st, r->id, &e->sync);
	if (rc) {
		x->rc = rc;
		return 1;
	}
	return 0;
}

/* The server's order first (by seq), then local events by HLC. */
static int fold_order(const void *a, const void *b)
{
	const struct hz_event *x = *(const struct hz_event *const *)a;
	const struct hz_event *y = *(const struct hz_event *const *)b;
	bool xs = x->r->seq != 0, ys = y->r->seq != 0;

	if (xs != ys)
		return xs ? -1 : 1;
	if (xs && x->r->seq != y->r->seq)
		return x->r->seq < y->r->seq ? -1 : 1;
	if (x->r->hlc != y->r->hlc)
		return x->r->hlc < y->r->hlc ? -1 : 1;
	return strcmp(x->r->id, y->r->id);
}

int hz_fold(struct cli *c, const char *hazard_id, const char *skip_id, struct hz_fold *f)
{
	struct fold_ctx x = {.c = c, .f = f, .skip = skip_id};
	struct hz_event **order = NULL;
	int rc;

	memset(f, 0, sizeof *f);
	hazard_status_init(&f->status);
	rc = store_each_child(c->st, "hazard_event", hazard_id, fold_collect, &x);
	if (x.rc)
		rc = x.rc;
	if (rc)
		return rc;
	if (f->n == 0)
		return 0;
	order = malloc(f->n * sizeof *order);
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++)
		order[i] = &f->ev[i];
	qsort(order, f->n, sizeof *order, fold_order);
	for (size_t i = 0; i < f->n; i++) {
		struct hz_event *e = order[i];
		if (e->sync == STORE_REJECTED) {
			snprintf(e->why, sizeof e->why, "rejected by the server");
			continue;
		}
		e->applied = hazard_apply(&f->status, e->r->hazard_event, e->why,
					  sizeof e->why) == 0;
	}
	free(order);
	return 0;
}

void hz_fold_free(struct hz_fold *f)
{
	for (size_t i = 0; i < f->n; i++)
		safecampus__record__free_unpacked(f->ev[i].r, NULL);
	free(f->ev);
	memset(f, 0, sizeof *f);
}

static const char *short_id(const char *id, char out[9])
{
	size_t n = strnlen(cli_s(id), 8);

	memcpy(out, cli_s(id), n);
	out[n] = '\0';
	return out;
}

int hz_check_event(struct cli *c, const Safecampus__Record *r)
{
	const Safecampus__HazardEvent *ev = r->hazard_event;
	struct hz_fold f;
	char why[256], sid[9];
	int rc;

	if (!ev)
		return CLI_FAIL;
	rc = hz_fold(c, ev->hazard_id, r->id, &f);
	if (rc) {
		hz_fold_free(&f);
		return cli_store_fail(rc, "cannot read the hazard's events");
	}
	rc = hazard_apply(&f.status, ev, why, sizeof why);
	if (rc) {
		char text[320];
		/* the person typed --role, not actor_role */
		cli_flagify(kind_of(r), why, text, sizeof text);
		cli_err("refused: %s; hazard %s is %s here", text, short_id(ev->hazard_id, sid),
			hazard_state_name(f.status.state));
		rc = CLI_FAIL;
	}
	hz_fold_free(&f);
	return rc;
}

/* ---------------------------------------------------------------- list */

struct list_ctx {
	struct cli *c;
	const char *status, *campus, *since, *school;
	char today[11];
	struct cli_table *t;
	unsigned overdue;
	int rc;
};

static bool status_match(const char *want, const struct hazard_status *s, bool overdue)
{
	int v;

	if (!want)
		return true;
	if (strcmp(want, "open") == 0)
		return s->state != HST(CLOSED);
	if (strcmp(want, "overdue") == 0)
		return overdue;
	if (kind_enum_parse(&safecampus__hazard_state__descriptor, want, &v) != 0)
		return false;
	return (int)s->state == v;
}

enum { HC_ID, HC_SCHOOL, HC_TITLE, HC_SEV, HC_STATE, HC_OWNER, HC_DEADLINE, HC_CAMPUS, HC_SYNC,
       HC__N };

static int list_row(void *arg, const Safecampus__Record *r)
{
	struct list_ctx *x = arg;
	const Safecampus__Hazard *h = r->hazard;
	struct hz_fold f;
	enum store_sync_state sync;
	char sid[9], deadline[16];
	const char *sev;
	bool overdue;
	int rc;

	if (!h || r->deleted)
		return 0;
	if (x->campus && strcmp(cli_s(r->campus), x->campus) != 0)
		return 0;
	if (x->school && strcmp(cli_s(r->school), x->school) != 0)
		return 0;
	if (x->since) {
		char d[11];
		const char *found = cli_s(h->found_date);
		if (!*found) {
			cli_fmt_date((int64_t)HLC_MS(r->hlc), d);
			found = d;
		}
		if (strcmp(found, x->since) < 0)
			return 0;
	}
	rc = hz_fold(x->c, r->id, NULL, &f);
	if (rc == 0)
		rc = store_sync_state(x->c->st, r->id, &sync);
	if (rc) {
		x->rc = rc;
		hz_fold_free(&f);
		return 1;
	}
	overdue = hazard_is_overdue(&f.status, x->today) != 0;
	if (status_match(x->status, &f.status, overdue)) {
		const char *cells[HC__N];
		sev = kind_enum_name(&safecampus__severity__descriptor, (int)h->severity);
		snprintf(deadline, sizeof deadline, "%s%s", f.status.deadline_date,
			 overdue ? "!" : "");
		cells[HC_ID] = short_id(r->id, sid);
		cells[HC_SCHOOL] = r->school;
		cells[HC_TITLE] = h->title;
		cells[HC_SEV] = sev && h->severity ? sev : "";
		cells[HC_STATE] = hazard_state_name(f.status.state);
		cells[HC_OWNER] = f.status.owner;
		cells[HC_DEADLINE] = deadline;
		cells[HC_CAMPUS] = r->campus;
		cells[HC_SYNC] = cli_sync_name(sync);
		if (cli_table_add(x->t, cells) != 0) {
			x->rc = -ENOMEM;
			hz_fold_free(&f);
			return 1;
		}
		x->overdue += overdue;
	}
	hz_fold_free(&f);
	return 0;
}

int hz_list(struct cli *c, const char *status, const char *campus, const char *since,
	    const char *school)
{
	struct list_ctx x = {.c = c, .status = status, .campus = campus, .since = since,
			     .school = school};
	size_t shown;
	int rc;

	cli_today(x.today);
	x.t = cli_table_new(HC__N);
	if (!x.t)
		return cli_store_fail(-ENOMEM, "cannot list hazards");
	cli_table_col(x.t, HC_ID, "id", 8, CLI_COL_KEEP);
	/* the bureau sees every school's hazards: say whose */
	cli_table_col(x.t, HC_SCHOOL, "school", 16, cli_is_bureau(c) ? CLI_COL_KEEP : CLI_COL_OFF);
	cli_table_col(x.t, HC_TITLE, "title", 0, CLI_COL_KEEP | CLI_COL_FLEX);
	cli_table_col(x.t, HC_SEV, "severity", 8, CLI_COL_KEEP);
	cli_table_col(x.t, HC_STATE, "state", 9, CLI_COL_KEEP);
	cli_table_col(x.t, HC_OWNER, "owner", 16, CLI_COL_KEEP);
	cli_table_col(x.t, HC_DEADLINE, "deadline", 11, CLI_COL_KEEP);
	cli_table_col(x.t, HC_CAMPUS, "campus", 12, CLI_COL_KEEP);
	cli_table_col(x.t, HC_SYNC, "sync", 8, CLI_COL_KEEP);
	rc = store_each(c->st, "hazard", list_row, &x);
	if (x.rc)
		rc = x.rc;
	if (rc) {
		cli_table_free(x.t);
		return cli_store_fail(rc, "cannot list hazards");
	}
	cli_table_print(x.t, stdout, cli_term_width());
	shown = cli_table_rows(x.t);
	cli_table_free(x.t);
	printf("%zu hazard%s", shown, shown == 1 ? "" : "s");
	if (x.overdue)
		printf(", %u overdue (deadline marked !)", x.overdue);
	fputc('\n', stdout);
	return 0;
}

/* ---------------------------------------------------------------- show */

static const char *role_name(int role)
{
	const char *n = kind_enum_name(&safecampus__staff_role__descriptor, role);

	return role && n ? n : "-";
}

int hz_show_history(struct cli *c, const Safecampus__Record *r)
{
	struct hz_fold f;
	char today[11], when[32];
	int rc = hz_fold(c, r->id, NULL, &f);

	if (rc) {
		hz_fold_free(&f);
		return cli_store_fail(rc, "cannot read the hazard's events");
	}
	cli_today(today);
	printf("\nstate: %s", hazard_state_name(f.status.state));
	if (f.status.owner[0]) {
		fputs(", owner ", stdout);
		cli_text(stdout, f.status.owner);
	}
	if (f.status.deadline_date[0])
		printf(", deadline %s", f.status.deadline_date);
	if (hazard_is_overdue(&f.status, today))
		fputs(", OVERDUE", stdout);
	if (f.status.reopen_count)
		printf(", reopened %u time%s", f.status.reopen_count,
		       f.status.reopen_count == 1 ? "" : "s");
	fputc('\n', stdout);
	printf("\nhistory (%zu event%s, in clock order):\n", f.n, f.n == 1 ? "" : "s");
	if (f.n)
		printf("  %-16s  %-8s  %-20s  %-15s  %-10s  %s\n", "WHEN", "ACTION", "WHO", "ROLE",
		       "CAMPUS", "SYNC");
	for (size_t i = 0; i < f.n; i++) {
		const struct hz_event *e = &f.ev[i];
		const Safecampus__HazardEvent *ev = e->r->hazard_event;
		const char *act = kind_enum_name(&safecampus__hazard_action__descriptor,
						 (int)ev->action);
		cli_fmt_time(ev->at_ms ? ev->at_ms : (int64_t)HLC_MS(e->r->hlc), when, sizeof when);
		printf("  %-16s  ", when);
		cli_cell(stdout, act ? act : "?", 8);
		fputs("  ", stdout);
		cli_cell(stdout, ev->actor, 20);
		fputs("  ", stdout);
		cli_cell(stdout, role_name((int)ev->actor_role), 15);
		fputs("  ", stdout);
		cli_cell(stdout, e->r->campus, 10);
		printf("  %s\n", cli_sync_name(e->sync));
		if (cli_s(ev->owner)[0] || cli_s(ev->deadline_date)[0]) {
			fputs("      ", stdout);
			if (cli_s(ev->owner)[0]) {
				fputs("owner ", stdout);
				cli_text(stdout, ev->owner);
			}
			if (cli_s(ev->deadline_date)[0])
				printf("%sdeadline %s", cli_s(ev->owner)[0] ? ", " : "",
				       ev->deadline_date);
			fputc('\n', stdout);
		}
		if (cli_s(ev->note)[0]) {
			fputs("      note: ", stdout);
			cli_text(stdout, ev->note);
			fputc('\n', stdout);
		}
		if (cli_s(ev->evidence_sha256)[0] || cli_s(ev->evidence_path)[0]) {
			fputs("      evidence: ", stdout);
			cli_text(stdout, ev->evidence_path);
			if (cli_s(ev->evidence_sha256)[0])
				printf(" (sha256 %s)", ev->evidence_sha256);
			fputc('\n', stdout);
		}
		if (!e->applied) {
			fputs("      not counted: ", stdout);
			cli_text(stdout, e->why);
			fputc('\n', stdout);
		}
	}
	hz_fold_free(&f);
	return 0;
}

/* ---------------------------------------------------------------- verbs */

struct verb {
	const char *name;
	int action;
	const char *usage;
	const char *summary;
	const char *const required[5];
	const char *const optional[5];
	bool evidence_file;
};

static const struct verb verbs[] = {
	{"assign", ACT(ASSIGN),
	 "hazard assign ID --owner NAME --deadline YYYY-MM-DD --actor NAME --role ROLE",
	 "Signs the hazard into the responsibility list (签发): who rectifies it, by when.\n"
	 "Allowed from reported (or assigned, to re-assign); principal or vice principal only.",
	 {"owner", "deadline_date", "actor", "actor_role", NULL}, {"note", NULL}, false},
	{"rectify", ACT(RECTIFY), "hazard rectify ID --note TEXT --actor NAME [--role ROLE]",
	 "Records that the hazard was rectified (整改); the note says what was done.\n"
	 "Allowed from assigned.",
	 {"note", "actor", NULL}, {"actor_role", "evidence_sha256", "evidence_path", NULL}, true},
	{"verify", ACT(VERIFY),
	 "hazard verify ID --note TEXT --actor NAME [--evidence-sha256 H --evidence-path P]",
	 "Records the leadership group's check of the fix (验收); the note is the evidence.\n"
	 "Allowed from rectified, by someone other than the rectifier.",
	 {"note", "actor", NULL}, {"actor_role", "evidence_sha256", "evidence_path", NULL}, true},
	{"close", ACT(CLOSE), "hazard close ID --actor NAME --role ROLE [--note TEXT]",
	 "The principal's final review (销号). Allowed from verified; principal or vice "
	 "principal only.",
	 {"actor", "actor_role", NULL}, {"note", NULL}, false},
	{"reopen", ACT(REOPEN), "hazard reopen ID --note TEXT --actor NAME [--deadline YYYY-MM-DD]",
	 "Sends a verified or closed hazard back to assigned; the note says why.",
	 {"note", "actor", NULL}, {"deadline_date", "actor_role", NULL}, false},
	{"note", ACT(NOTE), "hazard note ID --note TEXT --actor NAME",
	 "Adds a note to the hazard's history; any state, no change.",
	 {"note", "actor", NULL}, {"actor_role", "evidence_sha256", "evidence_path", NULL}, true},
};

/* SHA-256 of a file as lower-case hex. */
static int sha256_file(const char *path, char out[65])
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	FILE *f = fopen(path, "rb");
	size_t n;
	int rc = 0;

	if (!f)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (EVP_DigestUpdate(ctx, buf, n) != 1) {
			rc = -EIO;
			goto out;
		}
	if (ferror(f) || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
		rc = -EIO;
		goto out;
	}
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(ctx);
	fclose(f);
	return rc;
}

static int run_verb(struct cli *c, const struct verb *v, int argc, char **argv)
{
	const struct kind *k = kind_by_name("hazard_event");
	struct cli_opt opts[CLI_MAX_OPTS];
	const char *only[12];
	const char *pos[1];
	size_t nopts = 0, npos, no = 0;
	struct cli_help h = {.usage = v->usage, .summary = v->summary};
	struct cli_opt *ef = NULL;
	Safecampus__Record *r = NULL;
	Safecampus__HazardEvent *ev;
	ProtobufCMessage *m;
	char id[37], sid[9], cmd[32];
	int rc;

	if (!k) {
		cli_err("this build has no hazard_event kind");
		return CLI_FAIL;
	}
	snprintf(cmd, sizeof cmd, "hazard %s", v->name);
	for (size_t i = 0; v->required[i]; i++)
		only[no++] = v->required[i];
	for (size_t i = 0; v->optional[i]; i++)
		only[no++] = v->optional[i];
	only[no] = NULL;
	if (cli_field_opts(k, opts, &nopts, CLI_MAX_OPTS - 1, v->required, only) != 0)
		return CLI_FAIL;
	if (v->evidence_file) {
		opts[nopts++] = (struct cli_opt){
			.name = "evidence-file", .metavar = "FILE",
			.help = "a photo or document: sets --evidence-sha256 and --evidence-path",
		};
		ef = &opts[nopts - 1];
	}
	h.epilog = "ID is the hazard's id or its first 8 characters. ROLE is one of: principal, "
		   "vice_principal,\ndepartment_head, head_teacher, subject_teacher, "
		   "security_guard, canteen_staff, bus_staff,\nparent_volunteer, logistics, "
		   "bureau_officer.\nThe step is checked here, offline, against the hazard's "
		   "events known locally; a refused\nstep writes nothing.";
	rc = cli_parse(c, argc, argv, opts, nopts, &h, pos, 1, 1, &npos);
	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	rc = cli_config(c);
	if (rc)
		return rc;
	if (cli_resolve(c, pos[0], id))
		return CLI_FAIL;
	m = kind_payload_new(k);
	if (!m)
		return cli_store_fail(-ENOMEM, "cannot make the event");
	r = cli_record_new(k, m);
	if (!r)
		return cli_store_fail(-ENOMEM, "cannot make the event");
	rc = cli_field_apply(c, cmd, m, opts, nopts);
	if (rc)
		goto out;
	ev = r->hazard_event;
	if (ef && ef->seen) {
		char hex[65], abs[PATH_MAX], err[128];
		struct cli_opt *hs = cli_opt_get(opts, nopts, "evidence_sha256");
		struct cli_opt *hp = cli_opt_get(opts, nopts, "evidence_path");
		if ((hs && hs->seen)) {
			rc = cli_usage(cmd, "give --evidence-file or --evidence-sha256, not both");
			goto out;
		}
		rc = sha256_file(ef->value, hex);
		if (rc) {
			cli_err("cannot read evidence file %s: %s", ef->value, sc_strerror(rc));
			rc = CLI_FAIL;
			goto out;
		}
		if (kind_field_set(m, kind_field(k, "evidence_sha256"), hex, err, sizeof err) ||
		    (!(hp && hp->seen) &&
		     kind_field_set(m, kind_field(k, "evidence_path"),
				    realpath(ef->value, abs) ? abs : ef->value, err, sizeof err))) {
			rc = cli_store_fail(-ENOMEM, "cannot make the event");
			goto out;
		}
	}
	{
		char err[128], at[24];
		snprintf(at, sizeof at, "%lld", (long long)cli_now_ms());
		if (kind_field_set(m, kind_field(k, "hazard_id"), id, err, sizeof err) ||
		    kind_field_set(m, kind_field(k, "at_ms"), at, err, sizeof err)) {
			rc = cli_store_fail(-ENOMEM, "cannot make the event");
			goto out;
		}
	}
	ev->action = (Safecampus__HazardAction)v->action;
	rc = cli_check_record(c, r);
	if (rc == 0)
		rc = cli_write(c, r);
	if (rc == 0) {
		struct hz_fold f;
		if (hz_fold(c, id, NULL, &f) == 0)
			printf("hazard %s is now %s (event %s)\n", short_id(id, sid),
			       hazard_state_name(f.status.state), r->id);
		hz_fold_free(&f);
	}
out:
	kind_record_free(r);
	return rc;
}

static int run_report(struct cli *c, int argc, char **argv)
{
	static const char *const required[] = {"title", "area", "severity", NULL};
	static const struct cli_help h = {
		.usage = "hazard report --title T --area AREA --severity SEV [options]",
		.summary = "Reports a hazard found by an inspection or by anyone (隐患上报). "
			   "Prints the new hazard's id.\nIts state is reported until it is "
			   "assigned.",
		.epilog = "--found-date defaults to today.",
	};
	const struct kind *k = kind_by_name("hazard");

	if (!k) {
		cli_err("this build has no hazard kind");
		return CLI_FAIL;
	}
	return cli_add_kind(c, k, argc, argv, &h, required);
}

static void hazard_help(FILE *f)
{
	fputs("Usage: " CLI_PROG " hazard VERB ...\n\n"
	      "The hazard workflow (隐患排查整改):\n"
	      "  reported --assign--> assigned --rectify--> rectified --verify--> verified "
	      "--close--> closed\n"
	      "  reopen: verified or closed -> assigned; note: any state, no change\n\n"
	      "Verbs:\n"
	      "  report    report a new hazard; prints its id\n", f);
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].usage + strlen("hazard "));
	fputs("  list      [--status STATE] [--campus C] [--since YYYY-MM-DD]: hazards with "
	      "their state,\n"
	      "            owner and deadline (`" CLI_PROG " list hazards --help` for the states)\n\n"
	      "`" CLI_PROG " hazard VERB --help` describes each verb.\n"
	      "\nExit status: 0 done, 1 failed or refused (message on stderr), 2 usage error.\n",
	      f);
}

int cmd_hazard(struct cli *c, int argc, char **argv)
{
	int rc = cli_group_help(argc, argv, hazard_help);

	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "report") == 0)
		return run_report(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0) {
		argv[1] = "hazard";
		return cmd_list(c, argc, argv);
	}
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return run_verb(c, &verbs[i], argc - 1, argv + 1);
	return cli_usage("hazard", "unknown hazard verb '%s'", argv[1]);
}
