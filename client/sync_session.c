/* The parts of the sync engine outside its state machine: the settings and
 * TLS before the loop, the TLS session kept across runs, the server's address. */
#include "sync_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tls.h"

/* TLS 1.3 resumption across runs: the server's last ticket is kept in the
 * store, so the next `sync` (a new process) skips the full handshake. A stale
 * or refused one only costs the full handshake it would have had anyway. */
#define SESSION_BLOB "tls_session"

void sync__offer_session(struct store *st, struct channel *ch)
{
	void *der = NULL;
	size_t len = 0;
	struct tls_session *ts;

	if (store_blob_get(st, SESSION_BLOB, &der, &len, NULL))
		return;
	ts = tls_session_decode(der, len);
	if (ts && tls_session_offer(channel_tls(ch), ts))
		log_debug("stored TLS session not offered");
	tls_session_free(ts);
	free(der);
}

void sync__keep_session(struct store *st, struct channel *ch)
{
	struct tls_session *ts = tls_session_save(channel_tls(ch));
	unsigned char *der = NULL;
	size_t len = 0;

	if (ts && !tls_session_encode(ts, &der, &len) && store_blob_put(st, SESSION_BLOB, der, len))
		log_debug("TLS session not kept: %s", store_last_error());
	free(der);
	tls_session_free(ts);
}

/* "host:port" or "[v6]:port" into host and port. */
int sync__split_server(const char *server, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon = strrchr(server, ':');

	if (!colon || !colon[1] || strlen(colon + 1) >= portlen)
		return -EINVAL;
	const char *h = server;
	size_t n = (size_t)(colon - server);
	if (server[0] == '[') {
		if (n < 2 || colon[-1] != ']')
			return -EINVAL;
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, portlen, "%s", colon + 1);
	return 0;
}


/* The settings, the address and TLS: everything before the loop. */
int sync__prepare(struct sync *s, struct store *st, const struct sync_opts *opts,
		  struct sync_report *rep)
{
	char err[200];
	int rc;

	memset(rep, 0, sizeof *rep);
	s->st = st;
	s->opts = opts;
	s->rep = rep;
	s->timeout_ms = opts->timeout_ms ? opts->timeout_ms : 15000;
	s->batch = opts->batch;
	s->lim = channel_limits_default();
	rc = store_config_load(st, &s->cfg);
	if (rc) {
		rep->failure = SYNC_FAIL_CONFIG;
		snprintf(rep->error, sizeof rep->error, "%s",
			 _("this store has no server settings: run `safecampus init` first"));
		return rc;
	}
	if (sync__split_server(s->cfg.server, s->host, sizeof s->host, s->port, sizeof s->port)) {
		rep->failure = SYNC_FAIL_CONFIG;
		snprintf(rep->error, sizeof rep->error, _("server \"%s\" is not HOST:PORT"),
			 s->cfg.server);
		return SC_ECONFIG;
	}
	rc = tls_ctx_new(&s->tls, false, s->cfg.cert, s->cfg.key, s->cfg.ca, "1.3", err,
			 sizeof err);
	/* the district's CRL, if this install was given one: a revoked server
	 * certificate is refused like an unknown one */
	if (!rc && s->cfg.crl && *s->cfg.crl &&
	    (rc = tls_ctx_load_crl(s->tls, s->cfg.crl, s->cfg.ca, err, sizeof err))) {
		tls_ctx_free(s->tls);
		s->tls = NULL;
	}
	if (rc) {
		rep->failure = SYNC_FAIL_CONFIG;
		snprintf(rep->error, sizeof rep->error, _("TLS setup: %s"), err);
		return rc;
	}
	return 0;
}
