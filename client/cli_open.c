/* Opening the store and its settings; ids by prefix; the kind_env over the store. */
#include "cli.h"
#include "verb.h"

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
		return cli_store_fail(rc, _("cannot open the store"));
	return 0;
}

int cli_config(struct cli *c)
{
	int rc = cli_store(c);

	if (rc || c->cfg_loaded)
		return rc;
	rc = store_config_load(c->st, &c->cfg);
	if (rc)
		return cli_store_fail(rc, _("cannot read the settings"));
	c->cfg_loaded = true;
	return 0;
}

void cli_done(struct cli *c)
{
	cli_password_clear(c->password, sizeof c->password);
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
	return cli_store_fail(rc, _("cannot look up the id"));
}

/* ---------------------------------------------------------------- the kind_env */

void cli_env(struct cli *c, struct kind_env *env)
{
	cli_today(c->today);
	verb_env(c->st, c->cfg_loaded ? &c->cfg : NULL, c->today, env);
}
