/* show ID: every field of a record, where it came from, its sync state, and
 * what its kind adds (a workflow's history, an alarm). */
#include "cli.h"
#include "i18n.h"
#include "cli_kind.h"
#include "date.h"
#include "versions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcmp(s + n - m, sfx) == 0;
}

static bool settable(const ProtobufCFieldDescriptor *f)
{
	return !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->type != PROTOBUF_C_TYPE_MESSAGE &&
	       f->type != PROTOBUF_C_TYPE_BYTES;
}

/* ---------------------------------------------------------------- show */

struct rej_find {
	const char *id;
	struct store_rejected found;
	bool hit;
};

static int rej_find_cb(void *arg, const struct store_rejected *rj)
{
	struct rej_find *x = arg;

	if (strcmp(rj->id, x->id) != 0)
		return 0;
	x->found = *rj;
	x->hit = true;
	return 1;
}

/* width of the key column of `show`: the longest field name, at least 16 */
static int show_w = 16;

static void show_line(const char *key, const char *val)
{
	/* padded by display width: a Chinese key is two columns a character */
	fputs("  ", stdout);
	cli_cell(stdout, key, cli_width(key) > (size_t)show_w ? cli_width(key) : (size_t)show_w);
	fputc(' ', stdout);
	cli_text(stdout, val);
	fputc('\n', stdout);
}

/* A field as `show` names it: its name, or in Chinese its label. */
static const char *field_key(const struct kind *k, const char *field)
{
	const char *label = i18n_zh() ? kind_field_label(k, field) : NULL;

	return label ? label : field;
}

/* "belongs to: KIND 8d89ea38 <its first text field>" for a child record. */
static void show_parent(struct cli *c, const struct kind *k, const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *pf = kind_field(k, k->parent_field);
	Safecampus__Record *p = NULL;
	char *pid = pf ? kind_field_get(m, pf) : NULL;
	const struct kind *pk;

	if (!pid || !*pid || store_get(c->st, pid, &p) != 0 || !(pk = kind_of(p))) {
		if (pid && *pid)
			printf(_("belongs to: %.8s (not known here)\n"), pid);
		free(pid);
		return;
	}
	printf(_("belongs to: %1$s %2$.8s"), cli_kind_name(pk), pid);
	for (unsigned i = 0; i < pk->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &pk->desc->fields[i];
		char *v;
		if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
			continue;
		v = kind_field_get(kind_payload(p), f);
		if (v && *v) {
			fputs(" \"", stdout);
			cli_text(stdout, v);
			fputc('"', stdout);
		}
		free(v);
		break;
	}
	fputc('\n', stdout);
	safecampus__record__free_unpacked(p, NULL);
	free(pid);
}

/* ---------------------------------------------------------------- versions */

/* The versions of a kind with history (client/versions.h), by their fields */
static const char *vfield(const struct kind *k, const Safecampus__Record *r, const char *name,
			  char *buf, size_t n)
{
	return versions_field(k, r, name, buf, n);
}

int cmd_show(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "show ID [--on DATE]",
		.summary =
			N_("Shows every field of a record, where it came from and its sync state. "
			   "For a kind with\na workflow, also its derived state and its full event "
			   "history."),
		.epilog = N_("ID is the full id or its first 8 (at least 4) characters."),
	};
	const char *pos[1];
	size_t npos;
	char id[37], buf[64], buf2[256];
	const struct cli_kind *hooks;
	Safecampus__Record *r = NULL;
	enum store_sync_state sync;
	const struct kind *k;
	const ProtobufCMessage *m;
	struct cli_opt opts[] = {
		{ .name = "on",
		  .metavar = "DATE",
		  .help = N_("for a policy or plan: the version in force on DATE (YYYY-MM-DD)") },
	};
	struct versions vs = { 0 };
	int rc = cli_parse(c, argc, argv, opts, 1, &h, pos, 1, 1, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	if (opts[0].seen && !date_valid(opts[0].value))
		return cli_usage("show", _("--on: \"%s\" is not a date (YYYY-MM-DD)"),
				 opts[0].value);
	rc = cli_config(c);
	if (rc)
		return rc;
	if (cli_resolve(c, pos[0], id))
		return CLI_FAIL;
	rc = store_get(c->st, id, &r);
	if (rc)
		return cli_store_fail(rc, _("cannot read the record"));
	k = kind_of(r);
	if (k && k->ops && k->ops->previous_field) {
		rc = versions_load(c->st, k, id, &vs);
		if (rc) {
			rc = cli_store_fail(rc, _("cannot read the record"));
			goto out;
		}
	}
	if (opts[0].seen) {
		const Safecampus__Record *pick;
		if (!vs.k) {
			rc = cli_usage("show", _("--on: a %s has no versions"), kind_label(k));
			goto out;
		}
		pick = versions_in_force(&vs, opts[0].value);
		if (!pick) {
			cli_err(_("no version of %.8s was in force on %s (the first came into "
				  "force "
				  "later)"),
				id, opts[0].value);
			rc = CLI_FAIL;
			goto out;
		}
		printf(_("in force on %s:\n"), opts[0].value);
		snprintf(id, sizeof id, "%s", pick->id);
		safecampus__record__free_unpacked(r, NULL);
		r = kind_record_dup(pick);
		if (!r) {
			rc = cli_store_fail(-ENOMEM, _("cannot read the record"));
			goto out;
		}
	}
	rc = store_sync_state(c->st, id, &sync);
	if (rc) {
		rc = cli_store_fail(rc, _("cannot read the outbox"));
		goto out;
	}
	k = kind_of(r);
	m = kind_payload(r);
	hooks = cli_kind_of(k);
	if (i18n_zh())
		printf("%s（%s） %s\n", kind_label(k), k->name, r->id);
	else
		printf("%s %s\n", k->name, r->id);
	for (unsigned i = 0; i < k->desc->n_fields; i++)
		if ((int)cli_width(field_key(k, k->desc->fields[i].name)) > show_w)
			show_w = (int)cli_width(field_key(k, k->desc->fields[i].name));
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		char *v;
		if (!settable(f))
			continue;
		v = kind_field_get(m, f);
		if (v && ends_with(f->name, "_ms") && *v) {
			char when[32];
			long long ms = strtoll(v, NULL, 10);
			cli_fmt_time(ms, when, sizeof when);
			snprintf(buf, sizeof buf, "%s (%s)", when, v);
			show_line(field_key(k, f->name), buf);
		} else if (v && *v && f->type == PROTOBUF_C_TYPE_ENUM && i18n_zh()) {
			/* the value's label, and the name a command takes */
			snprintf(buf2, sizeof buf2, "%s（%s）", kind_enum_label_tr(k, f->name, v),
				 v);
			show_line(field_key(k, f->name),
				  strcmp(kind_enum_label_tr(k, f->name, v), v) ? buf2 : v);
		} else {
			show_line(field_key(k, f->name), v && *v ? v : "-");
		}
		free(v);
	}
	if (k->parent_field)
		show_parent(c, k, m);
	printf("%s", _("record:\n"));
	show_line(_("school"), *cli_s(r->school) ? r->school : _("(bureau)"));
	show_line(_("campus"), r->campus);
	show_line(_("written by"), *cli_s(r->written_by) ? r->written_by : r->campus);
	cli_fmt_time((int64_t)HLC_MS(r->hlc), buf, sizeof buf);
	snprintf(buf2, sizeof buf2, "%s (hlc %llu)", buf, (unsigned long long)r->hlc);
	show_line(_("last write"), buf2);
	if (r->seq) {
		snprintf(buf2, sizeof buf2, "%llu", (unsigned long long)r->seq);
		show_line(_("server seq"), buf2);
	} else {
		show_line(_("server seq"), _("- (not on the server yet)"));
	}
	if (r->deleted)
		show_line(_("deleted"), _("yes"));
	if (sync == STORE_REJECTED) {
		struct rej_find x = { .id = id };
		rc = store_each_rejected(c->st, rej_find_cb, &x);
		if (rc < 0) {
			rc = cli_store_fail(rc, _("cannot read the outbox"));
			goto out;
		}
		fputs("  ", stdout);
		cli_cell(stdout, _("sync"), (size_t)show_w);
		printf(_(" rejected: %s"), x.hit ? cli_reject_name(x.found.reason) : "?");
		if (x.hit && x.found.detail[0]) {
			char d[600];
			fputs(": ", stdout);
			cli_text(stdout, cli_detail(x.found.detail, d, sizeof d));
		}
		printf("\n  %-*s ", show_w, "");
		cli_reject_hint(stdout, "", x.hit ? x.found.reason : 0, id);
	} else {
		show_line(_("sync"), cli_sync_name(sync));
	}
	rc = 0;
	if (vs.k && vs.n > 1) {
		printf("%s", _("versions (in the order they came into force):\n"));
		for (size_t i = 0; i < vs.n; i++) {
			char v[64], d[64];
			printf("  %.8s  %-16s %s %s%s\n", vs.v[i]->id,
			       vfield(k, vs.v[i], k->ops->versioned_by, v, sizeof v),
			       _("in force from"),
			       *vfield(k, vs.v[i], k->ops->in_force_field, d, sizeof d) ? d : "-",
			       strcmp(vs.v[i]->id, r->id) == 0 ? _("  (this one)") : "");
		}
	}
	if (k->ops && k->ops->alarm && k->ops->alarm(r, buf2, sizeof buf2))
		printf(_("\nALARM: %s\n"), buf2);
	if (hooks && hooks->show) {
		struct kind_env env;
		cli_env(c, &env);
		rc = hooks->show(c, &env, r);
	}
out:
	versions_free(&vs);
	safecampus__record__free_unpacked(r, NULL);
	return rc == CLI_USAGE ? rc : rc ? CLI_FAIL : CLI_OK;
}
