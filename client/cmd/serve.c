/* serve: keep the campus synced (as `sync --watch`) and serve the browser
 * interface (client/web/) from the local store, on one libuv loop. */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "i18n.h"
#include "log.h"
#include "sync.h"
#include "web.h"

struct serve {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	struct sync *sync;
	struct web *web;
	struct sync_opts so;
	struct sync_report rep;
	struct web_opts wo;
};

static void on_changed(void *arg, unsigned what)
{
	struct serve *s = arg;

	if (s->web)
		web_sync_changed(s->web, what);
}

static void on_notice(void *arg, const char *msg)
{
	(void)arg;
	log_info("sync: %s", msg);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct serve *s = h->data;

	(void)signum;
	log_info("serve: stopping");
	if (s->sync)
		sync_stop(s->sync);
	if (s->web)
		web_stop(s->web);
	uv_close((uv_handle_t *)&s->sigint, NULL);
	uv_close((uv_handle_t *)&s->sigterm, NULL);
}

int cmd_serve(struct cli *c, int argc, char **argv)
{
	static const struct cli_help h = {
		.usage = "serve [--listen ADDR:PORT] [--no-sync] [--tls-cert FILE --tls-key FILE] "
			 "[--session-ttl SECONDS]",
		.summary =
			N_("Serves the browser interface at http://127.0.0.1:8370/ from this "
			   "store and keeps the campus synced as `sync --watch` does. Works with "
			   "the district server down; records wait in the outbox."),
		.epilog = N_(
			"A --listen address other than loopback serves the campus network: it "
			"needs HTTPS (--tls-cert, --tls-key from `deploy/pki.sh web DIR HOST`) and "
			"every page needs a signed-in person. People are added with `safecampus "
			"person add`."),
	};
	struct cli_opt opts[] = {
		{ .name = "listen",
		  .metavar = "ADDR:PORT",
		  .help = N_("where to serve (default 127.0.0.1:8370)") },
		{ .name = "no-sync",
		  .help = N_("serve the store only, do not connect to the server") },
		{ .name = "tls-cert", .metavar = "FILE", .help = N_("HTTPS certificate (PEM)") },
		{ .name = "tls-key", .metavar = "FILE", .help = N_("HTTPS private key (PEM)") },
		{ .name = "session-ttl",
		  .metavar = "SECONDS",
		  .help = N_("a sign-in expires after this long unused (default 1800)") },
	};
	enum { O_LISTEN, O_NOSYNC, O_CERT, O_KEY, O_TTL, O_N };
	struct serve *s;
	const char *pos[1];
	size_t npos;
	char err[512];
	bool usage = false;
	unsigned long ttl = 0;
	char *end;
	int rc;

	rc = cli_parse(c, argc, argv, opts, O_N, &h, pos, 0, 0, &npos);
	if (rc == CLI_HELP)
		return CLI_OK;
	if (rc)
		return rc;
	if (opts[O_CERT].seen != opts[O_KEY].seen)
		return cli_usage("serve", _("--tls-cert and --tls-key go together"));
	if (opts[O_TTL].seen) {
		errno = 0;
		ttl = strtoul(opts[O_TTL].value, &end, 10);
		if (errno || *end || end == opts[O_TTL].value || ttl == 0 || ttl > 7 * 24 * 3600)
			return cli_usage("serve", _("--session-ttl takes seconds, 1 to 604800"));
	}
	rc = cli_config(c);
	if (rc)
		return rc;
	s = calloc(1, sizeof *s);
	if (!s)
		return cli_store_fail(-ENOMEM, "serve");
	uv_loop_init(&s->loop);
	s->wo.listen = opts[O_LISTEN].seen ? opts[O_LISTEN].value : NULL;
	s->wo.lang = getenv("SAFECAMPUS_WEB_LANG");
	s->wo.session_ttl_s = (unsigned)ttl;
	s->wo.tls_cert = opts[O_CERT].seen ? opts[O_CERT].value : NULL;
	s->wo.tls_key = opts[O_KEY].seen ? opts[O_KEY].value : NULL;
	s->wo.sync_rep = &s->rep;
	if (!opts[O_NOSYNC].seen) {
		s->so = (struct sync_opts){ .watch = true,
					    .notice = on_notice,
					    .notice_arg = s,
					    .changed = on_changed,
					    .changed_arg = s };
		rc = sync_start(&s->loop, c->st, &s->so, &s->rep, &s->sync);
		if (rc) {
			cli_err(_("cannot start the sync: %s"), s->rep.error);
			goto out;
		}
		s->wo.sync = s->sync;
	}
	rc = web_start(&s->loop, c->st, &s->wo, &s->web, err, sizeof err);
	if (rc) {
		cli_err("%s", err);
		/* a bad --listen, or the LAN without HTTPS: the command line is wrong */
		usage = rc == -EINVAL || rc == -EPERM;
		if (s->sync)
			sync_stop(s->sync);
		uv_run(&s->loop, UV_RUN_DEFAULT);
		goto out;
	}
	uv_signal_init(&s->loop, &s->sigint);
	uv_signal_init(&s->loop, &s->sigterm);
	s->sigint.data = s->sigterm.data = s;
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	printf(_("Serving %s (Ctrl-C stops)\n"), web_url(s->web));
	fflush(stdout);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	rc = 0;
out:
	if (uv_loop_close(&s->loop))
		log_warn("serve: loop closed with handles open");
	web_free(s->web);
	sync_free(s->sync);
	free(s);
	return !rc ? CLI_OK : usage ? CLI_USAGE : CLI_FAIL;
}
