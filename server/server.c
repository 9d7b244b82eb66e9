#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "dashboard.h"
#include "escalate.h"
#include "log.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

static void on_connection(uv_stream_t *l, int status)
{
	struct server *s = container_of((uv_tcp_t *)l, struct server, listener);
	int rc;

	if (status < 0) {
		log_warn("accept failed err=\"%s\"", uv_strerror(status));
		return;
	}
	if (s->stopping)
		return;
	rc = conn_accept(s);
	if (rc)
		log_warn("connection not served err=\"%s\"", sc_strerror(rc));
}

/* Splits "host:port" / "[v6]:port" and makes a socket with SO_REUSEPORT, so
 * several worker processes can each accept on the same port. */
static int make_listener(const char *listen, struct sockaddr_storage *ss, int *fd_out)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	long port;
	char *end;
	int fd, one = 1, rc;

	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -EINVAL;
	if (listen[0] == '[') {
		if (colon[-1] != ']')
			return -EINVAL;
		snprintf(host, sizeof host, "%.*s", (int)(colon - listen - 2), listen + 1);
		rc = uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss);
	} else {
		snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
		rc = uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss);
	}
	if (rc)
		return rc;
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) ||
	    (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one)) ||
	    bind(fd, (struct sockaddr *)ss, ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								       : sizeof(struct sockaddr_in))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return 0;
}

static void on_signal(uv_signal_t *sig, int signum)
{
	struct server *s = sig->data;

	log_info("signal %d: shutting down", signum);
	server_stop(s);
}

static void on_changes(void *arg, const char *channel, const char *payload)
{
	struct server *s = arg;

	char school[64];
	const char *colon = payload ? strrchr(payload, ':') : NULL;

	(void)channel;
	if (!payload) {
		/* (re)subscribed: notices sent while the listener was down are lost,
		 * so tell every subscriber to pull */
		server_notify(s, "", 0);
		return;
	}
	/* payload "school:seq", sent by whichever worker committed the push */
	if (!colon || (size_t)(colon - payload) >= sizeof school)
		return;
	snprintf(school, sizeof school, "%.*s", (int)(colon - payload), payload);
	server_notify(s, school, strtoull(colon + 1, NULL, 10));
}

int server_start(struct server *s, uv_loop_t *loop, const struct config *cfg)
{
	struct sockaddr_storage ss;
	char err[512];
	int rc;

	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->cfg = cfg;
	s->listen_fd = -1;
	snprintf(s->request_timeout, sizeof s->request_timeout, "%ldms", cfg->request_timeout_ms);
	rc = tls_ctx_new(&s->tls, true, cfg->cert, cfg->key, cfg->ca, cfg->tls_min_version, err, sizeof err);
	if (rc) {
		log_error("tls setup failed err=\"%s\"", err);
		return rc;
	}
	rc = db_pool_new(&s->db, loop, cfg->database, (int)cfg->db_pool);
	if (rc) {
		log_error("database pool failed err=\"%s\"", sc_strerror(rc));
		return rc;
	}
	rc = db_listen(s->db, "safecampus_changes", on_changes, s);
	if (rc) {
		log_error("LISTEN failed err=\"%s\"", sc_strerror(rc));
		return rc;
	}
	/* dashboards: recompute and push on change notices (dashboard.c) */
	rc = dashboard_sched_start(s);
	if (rc) {
		log_error("dashboard scheduler failed err=\"%s\"", sc_strerror(rc));
		return rc;
	}
	rc = make_listener(cfg->listen, &ss, &s->listen_fd);
	if (rc) {
		log_error("cannot listen addr=%s err=\"%s\"", cfg->listen, sc_strerror(rc));
		return rc;
	}
	uv_tcp_init(loop, &s->listener);
	rc = uv_tcp_open(&s->listener, s->listen_fd);
	if (!rc)
		rc = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
	if (rc) {
		log_error("cannot listen addr=%s err=\"%s\"", cfg->listen, uv_strerror(rc));
		return rc;
	}
	uv_signal_init(loop, &s->sigterm);
	uv_signal_init(loop, &s->sigint);
	s->sigterm.data = s->sigint.data = s;
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	rc = escalate_start(s);
	if (rc) {
		log_error("escalation timer failed err=\"%s\"", sc_strerror(rc));
		return rc;
	}
	log_info("listening addr=%s district=%s tls_min=%s pid=%d", cfg->listen, cfg->district,
		 cfg->tls_min_version, (int)getpid());
	return 0;
}

static struct school_head *head_find(const struct server *s, const char *school)
{
	for (size_t i = 0; i < s->nheads; i++)
		if (!strcmp(s->heads[i].school, school))
			return &s->heads[i];
	return NULL;
}

/* Raises school's head to seq. Out of memory only loses precision: the head
 * is informative, the Notify itself still goes out. */
static void head_raise(struct server *s, const char *school, uint64_t seq)
{
	struct school_head *h = head_find(s, school);

	if (!h && s->nheads == s->capheads) {
		size_t cap = s->capheads ? 2 * s->capheads : 64;
		struct school_head *nh = realloc(s->heads, cap * sizeof *nh);
		if (!nh)
			return;
		s->heads = nh;
		s->capheads = cap;
	}
	if (!h) {
		h = &s->heads[s->nheads++];
		snprintf(h->school, sizeof h->school, "%s", school);
		h->seq = 0;
	}
	if (seq > h->seq)
		h->seq = seq;
}

uint64_t server_head_for(const struct server *s, const struct conn *c)
{
	const struct school_head *own, *bureau;
	uint64_t head;

	if (c->id.role == SAFECAMPUS__ROLE__ROLE_BUREAU)
		return s->head_seq;
	own = head_find(s, c->id.school);
	bureau = head_find(s, "");
	head = own ? own->seq : 0;
	return bureau && bureau->seq > head ? bureau->seq : head;
}

void server_notify(struct server *s, const char *school, uint64_t seq)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Notify n = SAFECAMPUS__NOTIFY__INIT;

	if (seq > s->head_seq)
		s->head_seq = seq;
	if (seq)
		head_raise(s, school, seq);
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_NOTIFY;
	env.notify = &n;
	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (!c->subscribed || c->state != CONN_READY)
			continue;
		/* a school sees its own rows and the bureau's; the bureau sees all */
		if (c->id.role != SAFECAMPUS__ROLE__ROLE_BUREAU && school[0] && strcmp(school, c->id.school))
			continue;
		n.head = server_head_for(s, c);
		/* every call means "something new": a head that did not move can
		 * still hide a commit from another worker with a smaller seq */
		conn_send(c, &env);
	}
	/* dashboards: one debounced recomputation for the subscribers concerned */
	dashboard_changed(s, school);
}

static void on_pool_closed(void *arg)
{
	(void)arg;
}

void server_stop(struct server *s)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	/* server_start may have failed part way: close only what it opened */
	if (s->listener.type == UV_TCP)
		uv_close((uv_handle_t *)&s->listener, NULL);
	else if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->sigterm.type == UV_SIGNAL) {
		uv_close((uv_handle_t *)&s->sigterm, NULL);
		uv_close((uv_handle_t *)&s->sigint, NULL);
	}
	for (struct conn *c = s->conns; c; c = c->next)
		if (c->state != CONN_CLOSING && !c->busy)
			conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE, "server shutting down");
	escalate_stop(s);
	dashboard_sched_stop(s);
	if (s->db)
		db_pool_close(s->db, on_pool_closed, NULL);
}
