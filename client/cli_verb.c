/* One verb of a kind's table entry on the command line: `add KIND`,
 * `KIND VERB ID ...`. The verb's data (kind_ops.h)
 * says which fields it asks for, which it fills in, who may use it and what
 * it says when done; this file turns that into options, checks and a write,
 * the same for every kind. */
#include "cli_verb.h"
#include "i18n.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "cli_kind.h"
#include "evidence.h"
#include "verb.h"

/* Refuses at once when this install may not use the verb. */
static int role_check(struct cli *c, const struct kind_verb *v)
{
	char why[512];

	if (verb_role(&c->cfg, v, why, sizeof why) == 0)
		return 0;
	cli_err("%s", why);
	return CLI_FAIL;
}

struct find_by {
	const ProtobufCFieldDescriptor *f;
	const char *text;
	char id[37];
	unsigned hits;
};

static int find_by_cb(void *arg, const Safecampus__Record *r)
{
	struct find_by *x = arg;
	char *v;

	if (r->deleted)
		return 0;
	v = kind_field_get(kind_payload(r), x->f);
	if (v && strcasecmp(v, x->text) == 0) {
		snprintf(x->id, sizeof x->id, "%s", r->id);
		x->hits++;
	}
	free(v);
	return 0;
}

/* --PARENT VALUE|ID: a record of kind k by the value of one of its fields, else
 * by its id. */
static int lookup(struct cli *c, const struct kind *k, const char *field, const char *text,
		  char id[37])
{
	struct find_by x = { .f = kind_field(k, field), .text = text };
	int rc = x.f ? store_each(c->st, k->name, find_by_cb, &x) : 0;

	if (rc)
		return cli_store_fail(rc, _("cannot read the records"));
	if (x.hits == 1) {
		memcpy(id, x.id, 37);
		return 0;
	}
	if (x.hits > 1) {
		cli_err(_("more than one %1$s has %2$s %3$s: give the %1$s's id"), cli_kind_name(k),
			field, text);
		return CLI_FAIL;
	}
	if (store_resolve_id(c->st, text, id) != 0) {
		cli_err(_("no %1$s with %2$s or id '%3$s' here (`safecampus list %4$s`; sync "
			  "first?)"),
			cli_kind_name(k), field, text, k->name);
		return CLI_FAIL;
	}
	return 0;
}

/* --evidence FILE (or its older name --evidence-file): the file is checked
 * against this campus's limits and kept in the store under its hash
 * (evidence.h) before anything is written or sent; the signature describes
 * it, and a kind with evidence_sha256 / evidence_path fields gets them too. */
static int evidence_opt(struct cli *c, const struct kind *k, struct cli_opt *opts, size_t nopts,
			const char *cmd, struct verb_value *vals, size_t *nvals,
			struct evidence_file *ef, size_t *nfiles)
{
	struct cli_opt *e1 = cli_opt_get(opts, nopts, "evidence");
	struct cli_opt *e2 = cli_opt_get(opts, nopts, "evidence-file");
	struct cli_opt *hs = cli_opt_get(opts, nopts, "evidence_sha256");
	struct cli_opt *hp = cli_opt_get(opts, nopts, "evidence_path");
	struct cli_opt *e = e1 && e1->seen ? e1 : e2 && e2->seen ? e2 : NULL;
	char why[1024];
	int rc;

	*nfiles = 0;
	if (!e)
		return 0;
	if (e1 && e1->seen && e2 && e2->seen)
		return cli_usage(cmd, "%s", _("give --evidence or --evidence-file, not both"));
	if (hs && hs->seen)
		return cli_usage(cmd, "%s", _("give --evidence or --evidence-sha256, not both"));
	rc = evidence_add(c->st, e->value, ef, why, sizeof why);
	if (rc) {
		cli_err("%s", why);
		return CLI_FAIL;
	}
	*nfiles = 1;
	if (kind_field(k, "evidence_sha256"))
		vals[(*nvals)++] = (struct verb_value){ "evidence_sha256", ef->hex };
	if (kind_field(k, "evidence_path") && !(hp && hp->seen))
		vals[(*nvals)++] = (struct verb_value){ "evidence_path", ef->name };
	return 0;
}

int cli_field_values(struct cli_opt *opts, size_t nopts, const char *cmd, struct verb_value *vals,
		     size_t *nvals)
{
	for (size_t i = 0; i < nopts; i++) {
		const ProtobufCFieldDescriptor *f = opts[i].field;
		if (!f || !opts[i].seen)
			continue;
		for (size_t j = i + 1; j < nopts; j++) {
			if (opts[j].field == f && opts[j].seen) {
				char a[64], b[64];
				cli_dashed(opts[i].name, a, sizeof a);
				cli_dashed(opts[j].name, b, sizeof b);
				return cli_usage(cmd, _("--%1$s and --%2$s set the same field"), a,
						 b);
			}
		}
		vals[(*nvals)++] = (struct verb_value){ f->name, opts[i].value };
	}
	return 0;
}

void cli_verb_ctx(struct cli *c, struct verb_ctx *vc)
{
	static struct verb_actor actor;
	const char *as = c->as ? c->as : getenv("SAFECAMPUS_AS");

	*vc = (struct verb_ctx){ .st = c->st, .cfg = &c->cfg, .actor = NULL };
	if (!as || !*as)
		return;
	/* a failure to read it was printed; the signing then refuses the
	 * empty password, and nothing is written */
	if (!c->password_read &&
	    cli_password(c->password_file, "SAFECAMPUS_PASSWORD", _("Password"), c->password,
			 sizeof c->password) != CLI_OK)
		c->password[0] = '\0';
	c->password_read = true;
	actor = (struct verb_actor){ .login = as, .password = c->password };
	vc->actor = &actor;
}

int cli_verb_failed(struct cli *c, const struct kind *k, int rc, const struct verb_result *res,
		    const char *cmd)
{
	char text[640];

	if (rc == 0)
		return CLI_OK;
	if (res->nerrors == 0) {
		cli_err(_("failed: %s"), sc_strerror(rc));
		return CLI_FAIL;
	}
	if (res->bad_value) {
		/* a value that does not read is the command line's fault: name its option */
		const struct verb_error *e = &res->err[0];
		size_t fl = strlen(e->field);
		const char *why = e->msg;
		char flag[80];
		if (fl && strncmp(why, e->field, fl) == 0 && why[fl] == ':' && why[fl + 1] == ' ')
			why += fl + 2;
		cli_flagify(k, why, text, sizeof text);
		cli_flag_of(k, e->field, flag, sizeof flag);
		return cli_usage(cmd, "--%s: %s", flag, text);
	}
	for (size_t i = 0; i < res->nerrors; i++) {
		/* the person typed --role, not actor_role (a workflow names fields bare;
		 * the field rules say kind.field, as import and the server do) */
		if (res->err[i].check)
			cli_flagify(k, res->err[i].msg, text, sizeof text);
		else
			snprintf(text, sizeof text, "%s", res->err[i].msg);
		cli_err("%s", text);
	}
	return CLI_FAIL;
}

/* The line for people after a write. */
static void say_done(const struct kind_verb *v, const struct verb_result *res)
{
	if (res->skipped) {
		printf("%s\n", res->done);
		return;
	}
	if (!v || (v->flags & KV_PRINT_ID))
		printf("%s\n", res->id);
	if (res->done[0])
		fprintf(v && (v->flags & KV_PRINT_ID) ? stderr : stdout, "%s\n", res->done);
}

int cli_verb_write(struct cli *c, const struct kind_verb *v, Safecampus__Record *r)
{
	struct verb_result *res = calloc(1, sizeof *res);
	struct verb_ctx vc;
	const struct kind *k = kind_of(r);
	int rc;

	if (!res) {
		kind_record_free(r);
		return cli_store_fail(-ENOMEM, _("cannot check the record"));
	}
	cli_verb_ctx(c, &vc);
	rc = verb_write(&vc, v, NULL, r, res);
	if (rc == 0) {
		cli_after_write(c, r);
		say_done(v, res);
	}
	rc = cli_verb_failed(c, k, rc, res, v ? v->name : "add");
	kind_record_free(r);
	free(res);
	return rc;
}

int cli_verb_run(struct cli *c, const struct kind *g, const struct kind_verb *v, int argc,
		 char **argv, const struct cli_help *help)
{
	const struct kind *k = !v ? g : v->kind ? kind_by_name(v->kind) : g;
	bool takes_id = v && (v->flags & KV_PARENT);
	bool takes_files = (v && (v->flags & KV_EVIDENCE_FILE)) ||
			   (!v && k && k->ops && k->ops->evidence_files);
	struct cli_opt opts[CLI_MAX_OPTS];
	const char *only[CLI_MAX_OPTS + 1], *pos[1];
	size_t nopts = 0, npos, no = 0;
	struct cli_opt *lk = NULL;
	struct verb_value vals[CLI_MAX_OPTS + 2];
	size_t nvals = 0;
	struct verb_result *res;
	struct verb_ctx vc;
	char cmd[64], id[37], lkmeta[64], lkhelp[128];
	struct evidence_file ef;
	size_t nfiles = 0;
	int rc;

	if (!k) {
		cli_err(_("this build has no kind %s"), v->kind);
		return CLI_FAIL;
	}
	cli_cmd_words(help, cmd, sizeof cmd);
	if (v && (v->flags & (KV_BUREAU | KV_SCHOOL)) && !cli_prescan(c, argc, argv)) {
		rc = cli_config(c);
		if (rc == 0)
			rc = role_check(c, v);
		if (rc)
			return rc;
	}
	if (v && v->lookup) {
		size_t at = 0;
		for (const char *p = v->lookup_field; *p && at + 4 < sizeof lkmeta; p++)
			lkmeta[at++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
		memcpy(lkmeta + at, "|ID", 4);
		snprintf(lkhelp, sizeof lkhelp, _("the %1$s: its %2$s or its id"), cli_kind_name(g),
			 v->lookup_field);
		opts[nopts++] = (struct cli_opt){
			.name = v->lookup,
			.metavar = lkmeta,
			.flags = CLI_OPT_REQUIRED,
			.help = lkhelp,
		};
	}
	if (v && v->optional) {
		for (size_t i = 0; v->required && v->required[i] && no < CLI_MAX_OPTS; i++)
			only[no++] = v->required[i];
		for (size_t i = 0; v->optional[i] && no < CLI_MAX_OPTS; i++)
			only[no++] = v->optional[i];
	}
	only[no] = NULL;
	if (cli_field_opts(k, opts, &nopts, CLI_MAX_OPTS - 1, v ? v->required : NULL,
			   v && v->optional ? only : NULL) != 0) {
		cli_err(_("too many fields in kind %s"), k->name);
		return CLI_FAIL;
	}
	if ((v && v->sign_roles) || (!v && k->ops && k->ops->sign_roles)) {
		opts[nopts++] = (struct cli_opt){
			.name = "as",
			.metavar = "LOGIN",
			.help = N_("the person who signs this step (or $SAFECAMPUS_AS)"),
		};
		opts[nopts++] = (struct cli_opt){
			.name = "password-file",
			.metavar = "FILE",
			.help = N_("their password, first line (else $SAFECAMPUS_PASSWORD or the "
				   "terminal)"),
		};
	}
	if (takes_files) {
		opts[nopts++] = (struct cli_opt){
			.name = "evidence",
			.metavar = "FILE",
			.help = N_(
				"a photo or PDF attached to this sign-off: kept here under its "
				"SHA-256, described in the signature, uploaded at the next sync"),
		};
		opts[nopts++] = (struct cli_opt){
			.name = "evidence-file",
			.metavar = "FILE",
			.help = N_("the same as --evidence"),
		};
	}
	rc = cli_parse(c, argc, argv, opts, nopts, help, pos, takes_id, takes_id, &npos);
	if (rc == CLI_HELP) {
		if (!v || (v->flags & KV_FIELDS_HELP)) {
			fputc('\n', stdout);
			cli_kind_fields_help(stdout, k);
		}
		return CLI_OK;
	}
	if (rc)
		return rc;
	rc = cli_config(c);
	if (rc == 0 && v)
		rc = role_check(c, v);
	if (rc)
		return rc;
	{
		struct cli_opt *as = cli_opt_get(opts, nopts, "as");
		struct cli_opt *pf = cli_opt_get(opts, nopts, "password-file");
		if (as && as->seen)
			c->as = as->value;
		if (pf && pf->seen)
			c->password_file = pf->value;
	}
	lk = v && v->lookup ? cli_opt_get(opts, nopts, v->lookup) : NULL;
	if (takes_id || lk) {
		if (takes_id ? cli_resolve(c, pos[0], id)
			     : lookup(c, g, v->lookup_field, lk->value, id))
			return CLI_FAIL;
	}
	rc = cli_field_values(opts, nopts, cmd, vals, &nvals);
	/* only a verb that takes files: elsewhere --evidence is a text field
	 * (a notice report's evidence is its description) */
	if (rc == 0 && takes_files)
		rc = evidence_opt(c, k, opts, nopts, cmd, vals, &nvals, &ef, &nfiles);
	if (rc)
		return rc;
	res = calloc(1, sizeof *res);
	if (!res)
		return cli_store_fail(-ENOMEM, _("cannot make the record"));
	cli_verb_ctx(c, &vc);
	vc.files = nfiles ? &ef : NULL;
	vc.nfiles = nfiles;
	rc = verb_apply(&vc, g, v, takes_id || lk ? id : NULL, vals, nvals, res);
	if (rc == 0 && !res->skipped) {
		Safecampus__Record *r = NULL;
		/* the terminal's own follow-up (an alarm) reads the record as written */
		if (store_get(c->st, res->id, &r) == 0) {
			cli_after_write(c, r);
			safecampus__record__free_unpacked(r, NULL);
		}
	}
	if (rc == 0)
		say_done(v, res);
	rc = cli_verb_failed(c, k, rc, res, cmd);
	free(res);
	return rc;
}
