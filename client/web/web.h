/* The browser interface of `safecampus serve`: HTTP on the client's libuv
 * loop (libmicrohttpd in external-epoll mode, docs/internals/web.md), pages
 * rendered from the kind table and the local store, in Chinese first.
 *
 * It reads and writes the same store as the command line and the sync
 * engine running on the same loop, so it works with the district server
 * down. Nothing here blocks the loop for long: a page is one pass over the
 * store; every request has a bounded line, headers and body, and a time
 * limit, so a slow or broken browser cannot starve the sync. */
#ifndef SC_WEB_H
#define SC_WEB_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "err.h"
#include "store.h"
#include "sync.h"

struct web;

struct web_opts {
	const char *listen;     /* "ADDR:PORT"; NULL: 127.0.0.1:8370 */
	const char *lang;       /* "zh", "en", NULL: from each browser */
	unsigned session_ttl_s; /* idle time before a sign-in expires; 0: 1800 */
	const char *tls_cert;   /* PEM: HTTPS (required off loopback), NULL: HTTP */
	const char *tls_key;
	struct sync *sync;                  /* the sync on the same loop, NULL: none */
	const struct sync_report *sync_rep; /* its report, kept current */
};

/** Starts serving on loop. st and opts (and what they point to) stay the
 * caller's and must outlive the web. *out owned by the caller: web_stop,
 * run the loop until its handles have closed, then web_free. 0, or a
 * negative code with why (for people) in err. */
SC_WUR int web_start(uv_loop_t *loop, struct store *st, const struct web_opts *opts,
		     struct web **out, char *err, size_t errlen);
/** Stops accepting and closes its handles (asynchronously). */
void web_stop(struct web *w);
void web_free(struct web *w);
/** The sync stored something (SYNC_CHANGED_*): live pages are told. */
void web_sync_changed(struct web *w, unsigned what);
/** The address actually served, "http://127.0.0.1:8370/". */
const char *web_url(const struct web *w);

#endif
