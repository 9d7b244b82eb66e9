/* person add|list|passwd|revoke: the people who sign at this campus
 * (client/person.h). */
#include "cli.h"
#include "i18n.h"
#include "person.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define PW_MAX 256

static int person_fail(int rc, const char *what)
{
	const char *t = person_last_error();

	cli_err("%s: %s", what, *t ? t : sc_strerror(rc));
	return CLI_FAIL;
}

/* Who signs an enrolment: --as LOGIN (and their password) or --admin-key. */
static int actor_of(struct cli_opt *as, struct cli_opt *pwfile, struct cli_opt *admin,
		    struct person_actor *by, char pw[PW_MAX])
{
	memset(by, 0, sizeof *by);
	pw[0] = '\0';
	if (!!as->seen == !!admin->seen)
		return cli_usage("person", _("say who enrols: --as LOGIN (the principal) or "
					     "--admin-key FILE (the district admin)"));
	if (admin->seen) {
		by->admin_key = admin->value;
		/* an admin key file may be encrypted: its passphrase comes the
		 * same way as a person's password, if given */
		if (pwfile->seen && cli_password(pwfile->value, NULL, "", pw, PW_MAX))
			return CLI_FAIL;
		by->password = pw;
		return CLI_OK;
	}
	by->login = as->value;
	by->password = pw;
	return cli_password(pwfile->seen ? pwfile->value : NULL, "SAFECAMPUS_PASSWORD",
			    _("Password"), pw, PW_MAX);
}

static int person_cmd_add(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "person add --login LOGIN --name NAME --role ROLE (--as LOGIN | "
			 "--admin-key FILE)",
		.summary = N_("Enrols a person who signs at this campus: makes their signing "
			      "key, protected by their password, and writes the signed enrolment "
			      "record to the outbox. A principal (or, at the bureau, a bureau "
			      "officer) is enrolled with the district admin key; the principal "
			      "enrols everyone else of the school."),
		.epilog = N_("ROLE: principal, vice_principal, department_head, head_teacher, "
			     "subject_teacher, security_guard (guard), canteen_staff, bus_staff, "
			     "parent_volunteer, logistics, bureau_officer.\nThe new password comes "
			     "from --new-password-file, $SAFECAMPUS_NEW_PASSWORD or the terminal; "
			     "the enroller's from --password-file, $SAFECAMPUS_PASSWORD or the "
			     "terminal."),
	};
	struct cli_opt o[] = {
		{ .name = "login",
		  .metavar = "LOGIN",
		  .help = N_("2 to 32 of a-z 0-9 . _ -"),
		  .flags = CLI_OPT_REQUIRED },
		{ .name = "name",
		  .metavar = "NAME",
		  .help = N_("the name people see"),
		  .flags = CLI_OPT_REQUIRED },
		{ .name = "role",
		  .metavar = "ROLE",
		  .help = N_("the role the enrolment grants"),
		  .flags = CLI_OPT_REQUIRED },
		{ .name = "as", .metavar = "LOGIN", .help = N_("the principal who enrols") },
		{ .name = "admin_key",
		  .metavar = "FILE",
		  .help = N_("the district admin's private key (PEM)") },
		{ .name = "password_file",
		  .metavar = "FILE",
		  .help = N_("the enroller's password (first line)") },
		{ .name = "new_password_file",
		  .metavar = "FILE",
		  .help = N_("the new person's password (first line)") },
	};
	char pw[PW_MAX], npw[PW_MAX];
	struct person_actor by;
	struct person p = { 0 };
	size_t npos0;
	int rc = cli_parse(c, argc, argv, o, SC_NELEM(o), &h, NULL, 0, 0, &npos0);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	if (person_role_parse(o[2].value, &p.role))
		return cli_usage("person add", _("--role: \"%s\" is not a role"), o[2].value);
	rc = cli_config(c);
	if (rc)
		return rc;
	snprintf(p.login, sizeof p.login, "%s", o[0].value);
	snprintf(p.display_name, sizeof p.display_name, "%s", o[1].value);
	snprintf(p.school, sizeof p.school, "%s", cli_s(c->cfg.school));
	if (cli_is_bureau(c) != (p.role == SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_BUREAU_OFFICER)) {
		cli_err(_("a bureau officer is enrolled at the bureau, and only there"));
		return CLI_FAIL;
	}
	rc = actor_of(&o[3], &o[5], &o[4], &by, pw);
	if (rc == CLI_OK)
		rc = cli_new_password(o[6].seen ? o[6].value : NULL, npw, sizeof npw);
	if (rc == CLI_OK) {
		rc = person_add(c->st, &p, npw, &by);
		rc = rc ? person_fail(rc, _("cannot enrol")) : CLI_OK;
	}
	cli_password_clear(pw, sizeof pw);
	cli_password_clear(npw, sizeof npw);
	if (rc == CLI_OK)
		printf(_("%s (%s) enrolled as %s; the enrolment reaches the server with the next "
			 "sync\n"),
		       p.login, p.display_name, person_role_name(p.role));
	return rc;
}

struct list_ctx {
	struct cli_table *t;
	int rc;
};

static int list_row(void *arg, const struct person *p)
{
	struct list_ctx *x = arg;
	char enrolled[32], revoked[32];
	const char *cells[6];

	cli_fmt_time(p->enrolled_ms, enrolled, sizeof enrolled);
	cli_fmt_time(p->revoked_ms, revoked, sizeof revoked);
	cells[0] = p->login;
	cells[1] = p->display_name;
	cells[2] = person_role_name(p->role);
	cells[3] = p->enrolled_by;
	cells[4] = enrolled;
	cells[5] = p->revoked_ms ? revoked : "";
	x->rc = cli_table_add(x->t, cells);
	return x->rc;
}

static int person_cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "person list",
		.summary = N_("Lists the people enrolled at this campus, who enrolled them and "
			      "whether they were revoked."),
	};
	static const char *const heads[] = { N_("login"),       N_("name"),     N_("role"),
					     N_("enrolled by"), N_("enrolled"), N_("revoked") };
	struct list_ctx x = { 0 };
	size_t npos0;
	int rc = cli_parse(c, argc, argv, NULL, 0, &h, NULL, 0, 0, &npos0);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc || (rc = cli_config(c)))
		return rc;
	x.t = cli_table_new(6);
	if (!x.t)
		return cli_store_fail(-12, _("cannot list"));
	for (size_t i = 0; i < 6; i++)
		cli_table_col(x.t, i, _(heads[i]), 24, i < 3 ? CLI_COL_KEEP : CLI_COL_HIDE_EMPTY);
	rc = person_each(c->st, list_row, &x);
	if (rc == 0 && x.rc == 0)
		cli_table_print(x.t, stdout, cli_term_width());
	cli_table_free(x.t);
	if (rc || x.rc)
		return person_fail(rc ? rc : x.rc, _("cannot list"));
	return CLI_OK;
}

static int person_cmd_passwd(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "person passwd LOGIN",
		.summary = N_("Changes a person's password; their signing key stays the same "
			      "key, encrypted under the new password."),
	};
	struct cli_opt o[] = {
		{ .name = "password_file", .metavar = "FILE", .help = N_("the old password") },
		{ .name = "new_password_file", .metavar = "FILE", .help = N_("the new password") },
	};
	char pw[PW_MAX], npw[PW_MAX];
	const char *pos[1];
	size_t npos;
	int rc = cli_parse(c, argc, argv, o, SC_NELEM(o), &h, pos, 1, 1, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc || (rc = cli_config(c)))
		return rc;
	rc = cli_password(o[0].seen ? o[0].value : NULL, "SAFECAMPUS_PASSWORD", _("Password"), pw,
			  sizeof pw);
	if (rc == CLI_OK)
		rc = cli_new_password(o[1].seen ? o[1].value : NULL, npw, sizeof npw);
	if (rc == CLI_OK) {
		rc = person_passwd(c->st, pos[0], pw, npw);
		rc = rc ? person_fail(rc, _("cannot change the password")) : CLI_OK;
	}
	cli_password_clear(pw, sizeof pw);
	cli_password_clear(npw, sizeof npw);
	if (rc == CLI_OK)
		printf(_("the password of %s was changed\n"), pos[0]);
	return rc;
}

static int person_cmd_revoke(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "person revoke LOGIN (--as LOGIN | --admin-key FILE)",
		.summary = N_("Revokes a person from now on: the server refuses their "
			      "signatures made from now; earlier ones stay valid. The principal "
			      "revokes the people of the school; a principal is revoked with the "
			      "district admin key."),
	};
	struct cli_opt o[] = {
		{ .name = "as", .metavar = "LOGIN", .help = N_("the principal who revokes") },
		{ .name = "admin_key",
		  .metavar = "FILE",
		  .help = N_("the district admin's private key (PEM)") },
		{ .name = "password_file",
		  .metavar = "FILE",
		  .help = N_("the revoker's password (first line)") },
	};
	char pw[PW_MAX];
	struct person_actor by;
	const char *pos[1];
	size_t npos;
	int rc = cli_parse(c, argc, argv, o, SC_NELEM(o), &h, pos, 1, 1, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc || (rc = cli_config(c)))
		return rc;
	rc = actor_of(&o[0], &o[2], &o[1], &by, pw);
	if (rc == CLI_OK) {
		rc = person_revoke(c->st, pos[0], 0, &by);
		rc = rc ? person_fail(rc, _("cannot revoke")) : CLI_OK;
	}
	cli_password_clear(pw, sizeof pw);
	if (rc == CLI_OK)
		printf(_("%s was revoked; the revocation reaches the server with the next sync\n"),
		       pos[0]);
	return rc;
}

int cmd_person(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct cli *, int, char **);
		const char *summary;
	} verbs[] = {
		{ "add", person_cmd_add,
		  N_("enrol a person (the principal first, with the admin key)") },
		{ "list", person_cmd_list, N_("the people enrolled here") },
		{ "passwd", person_cmd_passwd, N_("change a person's password") },
		{ "revoke", person_cmd_revoke, N_("revoke a person from now on") },
	};

	if (argc >= 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
		for (size_t i = 0; i < SC_NELEM(verbs); i++)
			if (strcmp(argv[1], verbs[i].name) == 0)
				return verbs[i].run(c, argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf(_("Usage: %s person VERB ...\n\nThe people who sign sign-offs at this "
			 "campus.\n\nVerbs:\n"),
		       CLI_PROG);
		for (size_t i = 0; i < SC_NELEM(verbs); i++)
			printf("  %-9s %s\n", verbs[i].name, _(verbs[i].summary));
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	return cli_usage("person", _("unknown verb '%s'"), argv[1]);
}
