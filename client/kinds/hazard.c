/* Hazards (隐患排查整改) on the command line: what only a terminal does with
 * them -- the history under `show`. Everything else (verbs, status, columns,
 * the workflow check) is the kind's table entry, common/kind_hazard.c. */
#include "cli_kind.h"

#include <string.h>

#include "indicators.h"
#include "kind_hazard.h"

/* ---------------------------------------------------------------- show */

static const char *role_name(int role)
{
	const char *n = kind_enum_name(&safecampus__staff_role__descriptor, role);

	return role && n ? n : "-";
}

/* `show` for a hazard: its state and history after its fields. */
static int show_history(struct cli *c, const struct kind_env *env, const Safecampus__Record *r)
{
	struct kind_events f;
	struct hazard_status st;
	char today[11], when[32];
	int rc = hazard_fold(env, r->id, NULL, &f, &st);

	if (rc) {
		kind_events_free(&f);
		return cli_store_fail(rc, _("cannot read the hazard's events"));
	}
	cli_today(today);
	printf(_("\nstate: %s"), kind_status_label(hazard_state_name(st.state)));
	if (st.owner[0]) {
		fputs(_(", owner "), stdout);
		cli_text(stdout, st.owner);
	}
	if (st.deadline_date[0])
		printf(_(", deadline %s"), st.deadline_date);
	if (r->body_case == SAFECAMPUS__RECORD__BODY_HAZARD &&
	    indicators_hazard_overdue(&st, r->hazard->found_date, r->hazard->severity, today))
		fputs(_(", OVERDUE"), stdout);
	if (st.reopen_count)
		printf(ngettext(", reopened %u time", ", reopened %u times", st.reopen_count),
		       st.reopen_count);
	fputc('\n', stdout);
	printf(ngettext("\nhistory (%zu event, in clock order):\n",
			"\nhistory (%zu events, in clock order):\n", f.n),
	       f.n);
	if (f.n)
		printf("  %-16s  %-8s  %-20s  %-15s  %-10s  %s\n", "WHEN", "ACTION", "WHO", "ROLE",
		       "CAMPUS", "SYNC");
	for (size_t i = 0; i < f.n; i++) {
		const struct kind_event *e = &f.ev[i];
		const Safecampus__HazardEvent *ev = e->r->hazard_event;
		const char *act =
			kind_enum_name(&safecampus__hazard_action__descriptor, (int)ev->action);
		cli_fmt_time(ev->at_ms ? ev->at_ms : (int64_t)HLC_MS(e->r->hlc), when, sizeof when);
		printf("  %-16s  ", when);
		cli_cell(stdout, act ? act : "?", 8);
		fputs("  ", stdout);
		cli_cell(stdout, ev->actor, 20);
		fputs("  ", stdout);
		cli_cell(stdout, role_name((int)ev->actor_role), 15);
		fputs("  ", stdout);
		cli_cell(stdout, e->r->campus, 10);
		printf("  %s\n", cli_sync_name((enum store_sync_state)e->sync));
		if (cli_s(ev->owner)[0] || cli_s(ev->deadline_date)[0]) {
			fputs("      ", stdout);
			if (cli_s(ev->owner)[0]) {
				fputs(_("owner "), stdout);
				cli_text(stdout, ev->owner);
			}
			if (cli_s(ev->deadline_date)[0])
				printf(_("%sdeadline %s"), cli_s(ev->owner)[0] ? ", " : "",
				       ev->deadline_date);
			fputc('\n', stdout);
		}
		if (cli_s(ev->note)[0]) {
			fputs(_("      note: "), stdout);
			cli_text(stdout, ev->note);
			fputc('\n', stdout);
		}
		if (cli_s(ev->evidence_sha256)[0] || cli_s(ev->evidence_path)[0]) {
			fputs(_("      evidence: "), stdout);
			cli_text(stdout, ev->evidence_path);
			if (cli_s(ev->evidence_sha256)[0])
				printf(_(" (sha256 %s)"), ev->evidence_sha256);
			fputc('\n', stdout);
		}
		if (!e->applied) {
			fputs(_("      not counted: "), stdout);
			cli_text(stdout, e->why);
			fputc('\n', stdout);
		}
	}
	kind_events_free(&f);
	return 0;
}

const struct cli_kind cli_kind_hazard = {
	.kind = "hazard",
	.show = show_history,
};
