/* `safecampus init`: create the store or update its settings. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ident.h"

/* HOST:PORT or [IPv6]:PORT; host copied into host. */
static bool server_valid(const char *s, char *host, size_t hostlen)
{
	const char *colon = strrchr(s, ':');
	const char *h = s, *he;
	unsigned long port;
	char *end;

	if (!colon || colon == s || !colon[1])
		return false;
	he = colon;
	if (s[0] == '[') {
		if (colon[-1] != ']' || colon - s < 3)
			return false;
		h = s + 1;
		he = colon - 1;
	} else if (memchr(s, ':', (size_t)(colon - s))) {
		return false; /* a bare IPv6 address needs brackets */
	}
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535)
		return false;
	for (const char *p = h; p < he; p++)
		if ((unsigned char)*p <= ' ' || *p == '/' || *p == '@')
			return false;
	if ((size_t)(he - h) >= hostlen)
		return false;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	return true;
}

/* Replaces *slot with a copy of v. */
static int set(char **slot, const char *v)
{
	char *n = strdup(v ? v : "");

	if (!n)
		return -ENOMEM;
	free(*slot);
	*slot = n;
	return 0;
}

static int absolute(const char *what, const char *path, char out[PATH_MAX])
{
	if (!realpath(path, out)) {
		cli_err(_("cannot read %s %s: %s"), what, path, strerror(errno));
		return CLI_FAIL;
	}
	if (access(out, R_OK) != 0) {
		cli_err(_("cannot read %s %s: %s"), what, out, strerror(errno));
		return CLI_FAIL;
	}
	return 0;
}

int cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "init --server HOST:PORT --cert FILE --key FILE --ca FILE "
			 "[--server-name NAME] [--crl FILE]",
		.summary = N_(
			"Creates the local store and records the server and this install's "
			"certificate. The identity\n(district, school, campus) is read from "
			"the certificate's subject: O=<district>,\nOU=<school id, or \"bureau\" "
			"for the district bureau>, CN=<campus id>. Paths are stored\nabsolute.\n\n"
			"Run again to change settings: options not given keep their value, and "
			"no data is ever\ndropped. A store that holds records keeps its "
			"identity; use a new store for another one."),
	};
	struct cli_opt opts[] = {
		{ .name = "server",
		  .metavar = "HOST:PORT",
		  .help = N_("the district's safecampusd") },
		{ .name = "cert",
		  .metavar = "FILE",
		  .help = N_("this install's certificate (PEM)") },
		{ .name = "key",
		  .metavar = "FILE",
		  .help = N_("its private key (PEM, unencrypted)") },
		{ .name = "ca",
		  .metavar = "FILE",
		  .help = N_("the district CA certificate (PEM)") },
		{ .name = "server-name",
		  .metavar = "NAME",
		  .help = N_("name in the server certificate (default: HOST)") },
		{ .name = "crl",
		  .metavar = "FILE",
		  .help = N_("the district's CRL (PEM), if it ships one: a revoked server "
			     "certificate is "
			     "refused (\"\" for none)") },
	};
	enum { O_SERVER, O_CERT, O_KEY, O_CA, O_NAME, O_CRL };
	struct store_config cfg = { 0 }, old = { 0 };
	struct store *st = NULL;
	struct ident id;
	char host[256], cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX], crl[PATH_MAX] = "", err[512];
	const char *pos[1];
	size_t npos;
	bool existed, had_cfg = false, ident_changed = false;
	int rc = cli_parse(c, argc, argv, opts, sizeof opts / sizeof opts[0], &h, pos, 0, 0, &npos);

	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	existed = access(c->store_path, F_OK) == 0;
	if (existed) {
		rc = store_open(&st, c->store_path, true);
		if (rc)
			return cli_store_fail(rc, _("cannot open the store"));
		rc = store_config_load(st, &old);
		if (rc == 0) {
			had_cfg = true;
		} else if (rc != SC_ENOTFOUND) {
			rc = cli_store_fail(rc, _("cannot read the settings"));
			goto out;
		}
	}
	if (!had_cfg) {
		static const char *const need[] = { "server", "cert", "key", "ca" };
		for (size_t i = 0; i < 4; i++)
			if (!opts[i].seen) {
				rc = cli_usage("init",
					       _("missing required option '--%s' (the store "
						 "is new)"),
					       need[i]);
				goto out;
			}
	}
	/* start from the old settings, replace what was given */
	if (set(&cfg.server, opts[O_SERVER].seen ? opts[O_SERVER].value : old.server) ||
	    set(&cfg.cert, opts[O_CERT].seen ? opts[O_CERT].value : old.cert) ||
	    set(&cfg.key, opts[O_KEY].seen ? opts[O_KEY].value : old.key) ||
	    set(&cfg.ca, opts[O_CA].seen ? opts[O_CA].value : old.ca) ||
	    set(&cfg.crl, opts[O_CRL].seen ? opts[O_CRL].value
			  : old.crl        ? old.crl
					   : "")) {
		rc = cli_store_fail(-ENOMEM, "init");
		goto out;
	}
	if (!server_valid(cfg.server, host, sizeof host)) {
		rc = cli_usage("init",
			       _("--server: \"%s\" is not HOST:PORT (port 1-65535; IPv6 as "
				 "[ADDR]:PORT)"),
			       cfg.server);
		goto out;
	}
	if (set(&cfg.server_name, opts[O_NAME].seen ? opts[O_NAME].value
				  : (opts[O_SERVER].seen || !had_cfg || !*old.server_name)
					  ? host
					  : old.server_name)) {
		rc = cli_store_fail(-ENOMEM, "init");
		goto out;
	}
	if (!*cfg.server_name) {
		rc = cli_usage("init", _("--server-name must not be empty"));
		goto out;
	}
	if ((rc = absolute(_("certificate"), cfg.cert, cert)) ||
	    (rc = absolute(_("private key"), cfg.key, key)) ||
	    (rc = absolute(_("CA certificate"), cfg.ca, ca)))
		goto out;
	if (*cfg.crl) {
		if ((rc = absolute("CRL", cfg.crl, crl)))
			goto out;
		if (ident_check_crl(crl, ca, err, sizeof err) != 0) {
			cli_err("%s", err);
			rc = CLI_FAIL;
			goto out;
		}
	}
	if (ident_from_cert(cert, &id, err, sizeof err) != 0) {
		cli_err("%s", err);
		rc = CLI_FAIL;
		goto out;
	}
	if (ident_check_key(cert, key, err, sizeof err) != 0) {
		cli_err("%s", err);
		rc = CLI_FAIL;
		goto out;
	}
	rc = ident_check_ca(cert, ca, err, sizeof err);
	if (rc < 0) {
		cli_err("%s", err);
		rc = CLI_FAIL;
		goto out;
	}
	if (rc == 1)
		fprintf(stderr, _("safecampus: warning: %s\n"), err);
	if (id.not_after && id.not_after * 1000 < cli_now_ms())
		fprintf(stderr,
			_("safecampus: warning: certificate %s has expired; the server "
			  "will refuse it\n"),
			cert);
	if (set(&cfg.cert, cert) || set(&cfg.key, key) || set(&cfg.ca, ca) || set(&cfg.crl, crl) ||
	    set(&cfg.district, id.district) || set(&cfg.school, id.school) ||
	    set(&cfg.campus, id.campus)) {
		rc = cli_store_fail(-ENOMEM, "init");
		goto out;
	}
	cfg.role = id.role;

	if (had_cfg && (strcmp(old.district, cfg.district) || strcmp(old.school, cfg.school) ||
			strcmp(old.campus, cfg.campus) || old.role != cfg.role)) {
		uint64_t n = 0;
		rc = store_count(st, NULL, &n);
		if (rc) {
			rc = cli_store_fail(rc, _("cannot read the store"));
			goto out;
		}
		if (n > 0) {
			cli_err(_("refused: %s holds %llu records of district %s, %s%s, campus %s; "
				  "the certificate is for district %s, %s%s, campus %s. Use a new "
				  "store (--store PATH) for another identity."),
				c->store_path, (unsigned long long)n, old.district,
				*old.school ? _("school ") : _("the bureau"), old.school,
				old.campus, cfg.district,
				*cfg.school ? _("school ") : _("the bureau"), cfg.school,
				cfg.campus);
			rc = CLI_FAIL;
			goto out;
		}
		ident_changed = true;
	}
	if (!st) {
		rc = store_open(&st, c->store_path, true);
		if (rc) {
			rc = cli_store_fail(rc, _("cannot create the store"));
			goto out;
		}
	}
	rc = store_config_save(st, &cfg);
	if (rc == 0 && ident_changed)
		rc = store_set_cursor(st, 0); /* another identity sees other rows */
	if (rc) {
		rc = cli_store_fail(rc, _("cannot save the settings"));
		goto out;
	}
	printf("%s %s\n", had_cfg ? _("updated") : _("initialised"), c->store_path);
	printf(_("  identity  district %s, %s%s, campus %s\n"), cfg.district,
	       *cfg.school ? _("school ") : _("the bureau"), cfg.school, cfg.campus);
	printf(_("  server    %s (certificate name %s)\n"), cfg.server, cfg.server_name);
	printf(_("  cert      %s\n  key       %s\n  ca        %s\n"), cfg.cert, cfg.key, cfg.ca);
	printf(_("  crl       %s\n"),
	       *cfg.crl ? cfg.crl
			: _("(none: the server certificate is not checked for revocation)"));
	rc = CLI_OK;
out:
	store_config_free(&cfg);
	store_config_free(&old);
	store_close(st);
	return rc;
}
