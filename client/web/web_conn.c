/* Connections held open without a request: slow-loris browsers.
 *
 * MHD's own timeout (WEB_TIMEOUT_S) is an idle timeout: a client that sends
 * one byte of its headers every few seconds is never idle, and enough of
 * them, from a few addresses, fill every connection slot, so that no other
 * browser gets in. So each connection is watched here from accept
 * (MHD_OPTION_NOTIFY_CONNECTION): its request line and headers must arrive
 * within WEB_HEADER_DEADLINE_MS of the accept (or of the previous answer on
 * a kept-alive connection), and its body within WEB_REQUEST_DEADLINE_MS;
 * and when the slots are nearly all taken, the one that has waited longest
 * for its headers goes first. A connection is ended by shutting its socket
 * down, which MHD sees as the peer leaving and cleans up as usual. Waiting
 * event streams (suspended) and answers being sent are left alone. */
#include "web_int.h"

#include <microhttpd.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

static struct web_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void drop(struct web *w, struct web_conn *c, const char *why)
{
	if (c->dropped)
		return;
	c->dropped = true;
	w->ndropped++;
	log_info("web: connection dropped: %s", why);
	if (shutdown(c->fd, SHUT_RDWR) != 0)
		log_debug("web: shutdown: %m");
}

/* The connection that has waited longest for its headers, if any has waited
 * at least a second (a browser's fresh connection is left to arrive). */
static struct web_conn *oldest_waiting(struct web *w, int64_t now)
{
	struct web_conn *old = NULL;

	for (size_t i = 0; i < WEB_CONN_SLOTS; i++) {
		struct web_conn *c = &w->conns[i];
		if (!c->used || c->dropped || c->in_request || now - c->since_ms < 1000)
			continue;
		if (!old || c->since_ms < old->since_ms)
			old = c;
	}
	return old;
}

void web_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_ctx,
		     enum MHD_ConnectionNotificationCode toe)
{
	struct web *w = cls;
	struct web_conn *c = *socket_ctx;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (c) {
			memset(c, 0, sizeof *c);
			w->nconns--;
		}
		*socket_ctx = NULL;
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	for (size_t i = 0; i < WEB_CONN_SLOTS && !c; i++)
		if (!w->conns[i].used)
			c = &w->conns[i];
	if (!c || !ci) /* cannot happen: MHD accepts no more than WEB_MAX_CONNECTIONS */
		return;
	*c = (struct web_conn){ .used = true, .fd = ci->connect_fd, .since_ms = verb_now_ms() };
	*socket_ctx = c;
	w->nconns++;
	if (w->nconns > WEB_MAX_CONNECTIONS - WEB_CONN_RESERVE) {
		struct web_conn *old = oldest_waiting(w, c->since_ms);
		if (old)
			drop(w, old, "the slots are nearly full and it sent no request");
	}
}

void web_conn_request(struct web_req *r)
{
	struct web_conn *c = conn_of(r->conn);

	if (c) {
		c->in_request = true;
		c->req = r;
		c->req_ms = verb_now_ms();
	}
}

void web_conn_done(struct MHD_Connection *conn)
{
	struct web_conn *c = conn_of(conn);

	if (c) {
		c->in_request = false;
		c->req = NULL;
		c->since_ms = verb_now_ms();
	}
}

void web_conn_sweep(struct web *w)
{
	int64_t now = verb_now_ms();
	struct web_conn *old;
	unsigned open = 0;

	for (size_t i = 0; i < WEB_CONN_SLOTS; i++) {
		struct web_conn *c = &w->conns[i];
		if (!c->used || c->dropped)
			continue;
		if (!c->in_request && now - c->since_ms > WEB_HEADER_DEADLINE_MS)
			drop(w, c, "no complete request line and headers in time");
		else if (c->in_request && c->req && !c->req->answered && !c->req->suspended &&
			 now - c->req_ms > WEB_REQUEST_DEADLINE_MS)
			drop(w, c, "the request's body did not arrive in time");
	}
	/* slots nearly full (they filled faster than a second): make room */
	for (size_t i = 0; i < WEB_CONN_SLOTS; i++)
		open += w->conns[i].used && !w->conns[i].dropped;
	while (open > WEB_MAX_CONNECTIONS - WEB_CONN_RESERVE && (old = oldest_waiting(w, now))) {
		drop(w, old, "the slots are nearly full and it sent no request");
		open--;
	}
}
