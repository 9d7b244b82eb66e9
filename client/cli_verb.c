/* One verb of a kind's table entry on the command line: `add KIND`,
 * `KIND VERB ID ...`. The verb's data (kind_ops.h)
 * says which fields it asks for, which it fills in, who may use it and what
 * it says when done; this file turns that into options, checks and a write,
 * the same for every kind. */
#include "cli_verb.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "cli_kind.h"
#include "uuid.h"

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

/* Refuses at once when this install may not use the verb. */
static int role_check(struct cli *c, const struct kind_verb *v)
{
	if ((v->flags & KV_BUREAU) && !cli_is_bureau(c)) {
		cli_err("refused: only the bureau %s; this install is school %s, campus %s%s",
			cli_s(v->role_what), c->cfg.school, c->cfg.campus, cli_s(v->role_hint));
		return CLI_FAIL;
	}
	if ((v->flags & KV_SCHOOL) && cli_is_bureau(c)) {
		cli_err("refused: a school %s%s", cli_s(v->role_what), cli_s(v->role_hint));
		return CLI_FAIL;
	}
	return 0;
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
	struct find_by x = {.f = kind_field(k, field), .text = text};
	int rc = x.f ? store_each(c->st, k->name, find_by_cb, &x) : 0;

	if (rc)
		return cli_store_fail(rc, "cannot read the records");
	if (x.hits == 1) {
		memcpy(id, x.id, 37);
		return 0;
	}
	if (x.hits > 1) {
		cli_err("more than one %s has %s %s: give the %s's id", k->name, field, text,
			k->name);
		return CLI_FAIL;
	}
	if (store_resolve_id(c->st, text, id) != 0) {
		cli_err("no %s with %s or id '%s' here (`" CLI_PROG " list %s`; sync first?)",
			k->name, field, text, k->name);
		return CLI_FAIL;
	}
	return 0;
}

/* The record the verb is about, which must be of kind k. */
static int load_parent(struct cli *c, const struct kind *k, const char *id,
		       Safecampus__Record **out)
{
	int rc = store_get(c->st, id, out);

	if (rc)
		return cli_store_fail(rc, "cannot read the record");
	if (kind_of(*out) != k) {
		cli_err("%.8s is a %s, not a %s", id, kind_of(*out) ? kind_of(*out)->name : "record",
			k->name);
		safecampus__record__free_unpacked(*out, NULL);
		*out = NULL;
		return CLI_FAIL;
	}
	return 0;
}

/* The fields the verb fills in itself. */
static int apply_sets(struct cli *c, const struct kind *k, const struct kind_verb *v,
		      ProtobufCMessage *m, const Safecampus__Record *parent, const char *cmd)
{
	for (const struct kind_set *s = v->sets; s && s->field; s++) {
		char buf[160];
		const char *text = buf;
		if (s->if_empty) {
			char *cur = kind_field_get(m, kind_field(k, s->field));
			bool empty = cur && !*cur;
			free(cur);
			if (!empty)
				continue;
		}
		switch (s->fill) {
		case KF_TODAY:
			cli_today(buf);
			break;
		case KF_NOW_MS:
			snprintf(buf, sizeof buf, "%lld", (long long)cli_now_ms());
			break;
		case KF_TEXT:
			text = s->text;
			break;
		case KF_PARENT_ID:
			text = parent ? parent->id : "";
			break;
		case KF_PARENT_HLC:
			snprintf(buf, sizeof buf, "%llu", parent ? (unsigned long long)parent->hlc : 0ULL);
			break;
		case KF_ACTOR:
			snprintf(buf, sizeof buf, "safety office, campus %s", c->cfg.campus);
			break;
		default:
			continue;
		}
		if (cli_set_field(k, m, s->field, text, cmd))
			return CLI_USAGE;
	}
	return 0;
}

/* --evidence-file FILE: its hash and where it is kept. */
static int evidence_file(const struct kind *k, ProtobufCMessage *m, struct cli_opt *opts,
			 size_t nopts, const char *cmd)
{
	struct cli_opt *ef = cli_opt_get(opts, nopts, "evidence-file");
	struct cli_opt *hs = cli_opt_get(opts, nopts, "evidence_sha256");
	struct cli_opt *hp = cli_opt_get(opts, nopts, "evidence_path");
	char hex[65], abs[PATH_MAX], err[128];
	int rc;

	if (!ef || !ef->seen)
		return 0;
	if (hs && hs->seen)
		return cli_usage(cmd, "give --evidence-file or --evidence-sha256, not both");
	rc = sha256_file(ef->value, hex);
	if (rc) {
		cli_err("cannot read evidence file %s: %s", ef->value, sc_strerror(rc));
		return CLI_FAIL;
	}
	if (kind_field_set(m, kind_field(k, "evidence_sha256"), hex, err, sizeof err) ||
	    (!(hp && hp->seen) &&
	     kind_field_set(m, kind_field(k, "evidence_path"),
			    realpath(ef->value, abs) ? abs : ef->value, err, sizeof err)))
		return cli_store_fail(-ENOMEM, "cannot make the record");
	return 0;
}

/* The line for people after a write: the verb's own, else the parent's new state. */
static void say_done(struct cli *c, const struct kind_verb *v, const Safecampus__Record *parent,
		     const Safecampus__Record *r)
{
	struct kind_env env;
	char line[1024];

	line[0] = '\0';
	cli_env(c, &env);
	if (v && (v->flags & KV_PRINT_ID))
		printf("%s\n", r->id);
	if (v && v->done) {
		v->done(&env, parent, r, line, sizeof line);
	} else if (v && (v->flags & KV_PARENT) && parent) {
		struct kind_derived d;
		Safecampus__Record *now = NULL;
		if (store_get(c->st, parent->id, &now) == 0 &&
		    kind_derive(&env, now, c->today, &d) == 0 && d.status[0])
			snprintf(line, sizeof line, "%s %.8s is now %.*s%s%s%s",
				 kind_of(now)->name, now->id, (int)strcspn(d.status, " !"),
				 d.status, r != parent ? " (event " : "",
				 r != parent ? r->id : "", r != parent ? ")" : "");
		if (now)
			safecampus__record__free_unpacked(now, NULL);
	} else if (!v) {
		printf("%s\n", r->id);
	}
	if (line[0])
		fprintf((v->flags & KV_PRINT_ID) ? stderr : stdout, "%s\n", line);
}

static int check_write(struct cli *c, const struct kind_verb *v, const Safecampus__Record *parent,
		       Safecampus__Record *r)
{
	int rc = 0;

	if (v && v->prepare) {
		struct kind_env env;
		cli_env(c, &env);
		rc = v->prepare(&env, r);
		if (rc)
			return cli_store_fail(rc, "cannot read the records");
	}
	rc = cli_check_record(c, r);
	if (rc == 0)
		rc = cli_write(c, r);
	if (rc == 0)
		say_done(c, v, parent, r);
	return rc;
}

int cli_verb_write(struct cli *c, const struct kind_verb *v, Safecampus__Record *r)
{
	int rc = check_write(c, v, NULL, r);

	kind_record_free(r);
	return rc;
}

int cli_verb_run(struct cli *c, const struct kind *g, const struct kind_verb *v, int argc,
		 char **argv, const struct cli_help *help)
{
	const struct kind *k = !v ? g : v->kind ? kind_by_name(v->kind) : g;
	bool on_record = v && !v->kind, takes_id = v && (v->flags & KV_PARENT);
	struct cli_opt opts[CLI_MAX_OPTS];
	const char *only[CLI_MAX_OPTS + 1], *pos[1];
	size_t nopts = 0, npos, no = 0;
	struct cli_opt *lk = NULL;
	Safecampus__Record *parent = NULL, *r = NULL;
	ProtobufCMessage *m = NULL;
	char cmd[64], id[37], lkmeta[64], lkhelp[128];
	int rc;

	if (!k) {
		cli_err("this build has no kind %s", v->kind);
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
		snprintf(lkhelp, sizeof lkhelp, "the %s: its %s or its id", g->name, v->lookup_field);
		opts[nopts++] = (struct cli_opt){
			.name = v->lookup, .metavar = lkmeta, .flags = CLI_OPT_REQUIRED, .help = lkhelp,
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
		cli_err("too many fields in kind %s", k->name);
		return CLI_FAIL;
	}
	if (v && (v->flags & KV_EVIDENCE_FILE))
		opts[nopts++] = (struct cli_opt){
			.name = "evidence-file", .metavar = "FILE",
			.help = "a photo or document: sets --evidence-sha256 and --evidence-path",
		};
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
	lk = v && v->lookup ? cli_opt_get(opts, nopts, v->lookup) : NULL;
	if (takes_id || lk) {
		if (takes_id ? cli_resolve(c, pos[0], id) : lookup(c, g, v->lookup_field, lk->value, id))
			return CLI_FAIL;
		rc = load_parent(c, g, id, &parent);
		if (rc)
			return rc;
	}
	if (v && v->skip && parent) {
		struct kind_env env;
		char msg[512];
		cli_env(c, &env);
		rc = v->skip(&env, parent, msg, sizeof msg);
		if (rc < 0) {
			rc = cli_store_fail(rc, "cannot read the records");
			goto out;
		}
		if (rc > 0) {
			printf("%s\n", msg);
			rc = CLI_OK;
			goto out;
		}
	}
	if (on_record) {
		r = parent;
		m = kind_payload(r);
	} else {
		m = kind_payload_new(k);
		r = m ? cli_record_new(k, m) : NULL;
		if (!r) {
			rc = cli_store_fail(-ENOMEM, "cannot make the record");
			goto out;
		}
	}
	rc = cli_field_apply(c, cmd, m, opts, nopts);
	if (rc == 0)
		rc = evidence_file(k, m, opts, nopts, cmd);
	if (rc == 0 && v)
		rc = apply_sets(c, k, v, m, parent, cmd);
	if (rc == 0 && lk && k->parent_field)
		rc = cli_set_field(k, m, k->parent_field, parent->id, cmd);
	if (rc == 0 && cli_apply_defaults(k, m) != 0)
		rc = cli_store_fail(-ENOMEM, "cannot make the record");
	if (rc == 0)
		rc = check_write(c, v, parent, r);
out:
	if (r && r != parent)
		kind_record_free(r);
	if (parent)
		safecampus__record__free_unpacked(parent, NULL);
	return rc;
}
