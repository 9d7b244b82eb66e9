/* Opening the store and its settings; ids by prefix; the kind_env over the store. */
#include "cli.h"

#include <errno.h>
#include <string.h>

/* ---------------------------------------------------------------- the store */

int cli_store(struct cli *c)
{
	int rc;

	if (c->st)
		return 0;
	rc = store_open(&c->st, c->store_path, false);
	if (rc)
		return cli_store_fail(rc, "cannot open the store");
	return 0;
}

int cli_config(struct cli *c)
{
	int rc = cli_store(c);

	if (rc || c->cfg_loaded)
		return rc;
	rc = store_config_load(c->st, &c->cfg);
	if (rc)
		return cli_store_fail(rc, "cannot read the settings");
	c->cfg_loaded = true;
	return 0;
}

void cli_done(struct cli *c)
{
	if (c->cfg_loaded)
		store_config_free(&c->cfg);
	c->cfg_loaded = false;
	store_close(c->st);
	c->st = NULL;
}

int cli_resolve(struct cli *c, const char *prefix, char out[37])
{
	int rc = store_resolve_id(c->st, prefix, out);

	if (rc == 0)
		return 0;
	if (rc == SC_ENOTFOUND || rc == SC_EINVALID || rc == -ENOTUNIQ) {
		cli_err("%s", store_last_error());
		return CLI_FAIL;
	}
	return cli_store_fail(rc, "cannot look up the id");
}

/* ---------------------------------------------------------------- the kind_env */

static int env_get(void *ctx, const char *id, Safecampus__Record **out)
{
	struct cli *c = ctx;

	return store_get(c->st, id, out);
}

static int env_each(void *ctx, const char *kind, kind_each_cb cb, void *arg)
{
	struct cli *c = ctx;

	return store_each(c->st, kind, cb, arg);
}

struct child_ctx {
	struct cli *c;
	kind_child_cb cb;
	void *arg;
	int rc;
};

static int child_cb(void *arg, const Safecampus__Record *r)
{
	struct child_ctx *x = arg;
	enum store_sync_state st;

	x->rc = store_sync_state(x->c->st, r->id, &st);
	if (x->rc)
		return 1;
	return x->cb(x->arg, r, st == STORE_REJECTED ? KIND_REJECTED
				: st == STORE_PENDING ? KIND_PENDING
						      : KIND_SYNCED);
}

static int env_each_child(void *ctx, const char *kind, const char *parent_id, kind_child_cb cb,
			  void *arg)
{
	struct child_ctx x = {.c = ctx, .cb = cb, .arg = arg};
	int rc = store_each_child(x.c->st, kind, parent_id, child_cb, &x);

	return x.rc ? x.rc : rc;
}

void cli_env(struct cli *c, struct kind_env *env)
{
	cli_today(c->today);
	*env = (struct kind_env){
		.ctx = c,
		.bureau = cli_is_bureau(c),
		.school = c->cfg_loaded ? cli_s(c->cfg.school) : "",
		.campus = c->cfg_loaded ? cli_s(c->cfg.campus) : "",
		.today = c->today,
		.get = env_get,
		.each = env_each,
		.each_child = env_each_child,
	};
}
