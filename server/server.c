#include "server.h"

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "dashboard.h"
#include "db_replica.h"
#include "dbstart.h"
#include "district.h"
#include "escalate.h"
#include "log.h"
#include "util.h"


/* A burst of handshakes leaves the heap full of freed buffers (flights,
 * 16 KiB record reservations) between the live sessions; glibc keeps those
 * pages resident. Once the burst is over, give them back, so what a worker
 * holds is what its idle connections need (docs/PERFORMANCE.md). */
#define TRIM_AFTER_MS 1000

static void on_trim_timer(uv_timer_t *t)
{
	(void)t;
	malloc_trim(0);
}

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
	/* restarted by every accept: runs once the burst has been quiet a second */
	uv_timer_start(&s->trim_timer, on_trim_timer, TRIM_AFTER_MS, 0);
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
	    (ss->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one)) ||
	    bind(fd, (struct sockaddr *)ss,
		 ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
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

	if (signum == SIGHUP) {
		log_info("signal %d: reloading config=%s", signum,
			 s->cfg->path ? s->cfg->path : "(none)");
		(void)server_reload(s);
		return;
	}
	if (signum == SIGUSR1) {
		if (escalate_now(s) == -ENOENT)
			log_info("signal %d: escalation is off (escalation_enabled = 0): no pass",
				 signum);
		else
			log_info("signal %d: escalation pass requested", signum);
		return;
	}
	log_info("signal %d: shutting down", signum);
	server_stop(s);
}

size_t server_max_handshakes(const struct config *cfg)
{
	long n = cfg->max_handshakes ? cfg->max_handshakes : cfg->max_connections / 10;

	return n > 0 ? (size_t)n : 1;
}

int server_tls_new(const struct config *cfg, struct tls_ctx **out, char *err, size_t errlen)
{
	struct tls_ctx *t;
	int rc = tls_ctx_new(&t, true, cfg->cert, cfg->key, cfg->ca, cfg->tls_min_version, err,
			     errlen);

	if (rc)
		return rc;
	if ((*cfg->crl && (rc = tls_ctx_load_crl(t, cfg->crl, cfg->ca, err, errlen))) ||
	    (rc = tls_ctx_enable_tickets(t, cfg->session_ticket_lifetime_s, err, errlen))) {
		tls_ctx_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

#define DAY_S (24 * 3600)
/* Warn this long before the CRL's next update: then every handshake fails. */
#define CRL_WARN_DAYS 30
#define CRL_CHECK_MS (3600u * 1000u)

/* One line about revocation: what is loaded, and how long it lasts. */
static void crl_report(struct server *s, bool loaded_now)
{
	struct tls_crl_info ci;
	long long left;

	tls_ctx_crl_info(s->tls, &ci);
	if (!ci.crls) {
		if (loaded_now)
			log_warn("revocation not checked: no crl configured; a revoked certificate "
				 "is "
				 "still accepted (docs/OPERATIONS.md, Revocation)");
		return;
	}
	left = ci.next_update - (long long)time(NULL);
	if (loaded_now)
		log_info("crl loaded file=%s crls=%u revoked=%u next_update_days=%lld", s->cfg->crl,
			 ci.crls, ci.revoked, left / DAY_S);
	if (left <= 0)
		log_error("crl expired file=%s: every handshake is refused until a fresh CRL is "
			  "installed (deploy/pki.sh crl DIR, then SIGHUP)",
			  s->cfg->crl);
	else if (left < CRL_WARN_DAYS * DAY_S)
		log_warn("crl expires soon file=%s next_update_days=%lld: then every handshake is "
			 "refused; make a fresh one (deploy/pki.sh crl DIR, then SIGHUP)",
			 s->cfg->crl, left / DAY_S);
}

static void on_crl_timer(uv_timer_t *t)
{
	struct server *s = t->data;

	crl_report(s, false);
}

int server_reload(struct server *s)
{
	struct config next;
	struct tls_ctx *tls = NULL;
	char err[512], fixed[256];
	int rc, changed;
	unsigned closed;

	rc = config_load(&next, s->cfg->path, s->cfg->argc, s->cfg->argv, err, sizeof err);
	if (!rc && (rc = server_tls_new(&next, &tls, err, sizeof err)) == 0) {
		enum log_level lvl;
		if (log_parse_level(next.log_level, &lvl))
			rc = SC_ECONFIG,
			snprintf(err, sizeof err, "log_level \"%s\" is not a level",
				 next.log_level);
	}
	if (rc) {
		log_error("reload failed, keeping the running configuration and certificates "
			  "err=\"%s\"",
			  err);
		config_free(&next);
		return rc;
	}
	changed = config_apply_reload(s->cfg, &next, fixed, sizeof fixed);
	config_free(&next);
	if (fixed[0])
		log_warn("reload: changed settings take effect at the next restart only keys=%s",
			 fixed);
	enum log_level lvl;
	if (log_parse_level(s->cfg->log_level, &lvl) == 0)
		log_set_level(lvl);
	snprintf(s->request_timeout, sizeof s->request_timeout, "%ldms",
		 s->cfg->request_timeout_ms);
	dash_set_flag_settings(s->cfg);
	replica_set_max_lag(s->replica, s->cfg->replica_max_lag_ms);
	if (proxy_trust_parse(&s->proxies, s->cfg->proxy_trusted, err,
			      sizeof err)) /* checked by config_load */
		log_error("reload: proxy_trusted err=\"%s\"", err);
	tls_ctx_free(s->tls); /* live sessions hold their own reference */
	s->tls = tls;
	s->tls_gen++;
	crl_report(s, true);
	closed = conn_recheck_all(s);
	log_info("reloaded settings_changed=%d connections=%zu closed_no_longer_valid=%u", changed,
		 s->nconns, closed);
	return 0;
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

/* Longest wait for the first database attempt before accepting anyway. */
#define LISTEN_WAIT_MS 5000

static void on_listen_timer(uv_timer_t *t)
{
	server_listen(t->data);
}

int server_start(struct server *s, uv_loop_t *loop, struct config *cfg)
{
	struct sockaddr_storage ss;
	char err[512];
	int rc;

	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->cfg = cfg;
	s->listen_fd = -1;
	snprintf(s->request_timeout, sizeof s->request_timeout, "%ldms", cfg->request_timeout_ms);
	dash_set_flag_settings(cfg);
	limit_table_init(&s->by_addr);
	limit_table_init(&s->by_cert);
	rc = proxy_trust_parse(&s->proxies, cfg->proxy_trusted, err, sizeof err);
	if (rc) {
		log_error("bad configuration err=\"%s\"", err);
		return rc;
	}
	rc = server_tls_new(cfg, &s->tls, err, sizeof err);
	if (rc) {
		log_error("tls setup failed err=\"%s\"", err);
		return rc;
	}
	crl_report(s, true);
	rc = make_listener(cfg->listen, &ss, &s->listen_fd);
	if (rc) {
		log_error("cannot listen addr=%s err=\"%s\"", cfg->listen, sc_strerror(rc));
		return rc;
	}
	uv_tcp_init(loop, &s->listener);
	rc = uv_tcp_open(&s->listener, s->listen_fd);
	if (rc) {
		log_error("cannot listen addr=%s err=\"%s\"", cfg->listen, uv_strerror(rc));
		return rc;
	}
	uv_signal_init(loop, &s->sigterm);
	uv_signal_init(loop, &s->sigint);
	uv_signal_init(loop, &s->sighup);
	uv_signal_init(loop, &s->sigusr1);
	s->sigterm.data = s->sigint.data = s->sighup.data = s->sigusr1.data = s;
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	uv_signal_start(&s->sighup, on_signal, SIGHUP);
	uv_signal_start(&s->sigusr1, on_signal, SIGUSR1);
	uv_timer_init(loop, &s->trim_timer);
	uv_timer_init(loop, &s->crl_timer);
	s->crl_timer.data = s;
	uv_timer_start(&s->crl_timer, on_crl_timer, CRL_CHECK_MS, CRL_CHECK_MS);
	/* the database comes up in the background (dbstart.c). Accepting starts
	 * after its first attempt, so a normal start serves with the database
	 * ready; if that attempt fails (or hangs past LISTEN_WAIT_MS) clients are
	 * served anyway, with ERROR_UNAVAILABLE for what needs the database. */
	uv_timer_init(loop, &s->listen_timer);
	s->listen_timer.data = s;
	uv_timer_start(&s->listen_timer, on_listen_timer, LISTEN_WAIT_MS, 0);
	rc = dbstart_begin(s);
	if (rc)
		log_error("cannot start the database set-up err=\"%s\"", sc_strerror(rc));
	return rc;
}

void server_listen(struct server *s)
{
	int rc;

	if (s->stopping || s->listening)
		return;
	s->listening = true;
	uv_timer_stop(&s->listen_timer);
	rc = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
	if (rc) {
		log_error("cannot listen addr=%s err=\"%s\"", s->cfg->listen, uv_strerror(rc));
		s->exit_code = 1;
		server_stop(s);
		return;
	}
	log_info("listening addr=%s district=%s schema=%s tls_min=%s pid=%d db_ready=%d",
		 s->cfg->listen, s->cfg->district, *s->cfg->db_schema ? s->cfg->db_schema : "-",
		 s->cfg->tls_min_version, (int)getpid(), s->db_ready);
}

void server_db_up(struct server *s)
{
	const struct config *cfg = s->cfg;
	int rc;

	if (s->stopping)
		return;
	rc = db_pool_new(&s->db, s->loop, cfg->database, (int)cfg->db_pool);
	if (rc) {
		log_error("database pool failed err=\"%s\"", sc_strerror(rc));
		goto fatal;
	}
	/* the district's own channel: a NOTIFY reaches the whole database */
	char chan[DISTRICT_CHANNEL_SIZE];
	district_channel(s->cfg->db_schema, chan, sizeof chan);
	rc = db_listen(s->db, chan, on_changes, s);
	if (rc) {
		log_error("LISTEN failed err=\"%s\"", sc_strerror(rc));
		goto fatal;
	}
	if (*cfg->replica) {
		rc = replica_new(&s->replica, s->loop, s->db, cfg->replica, (int)cfg->db_pool,
				 cfg->replica_max_lag_ms);
		if (rc) {
			log_error("replica pool failed err=\"%s\"", sc_strerror(rc));
			goto fatal;
		}
	}
	/* dashboards: recompute and push on change notices (dashboard.c) */
	rc = dashboard_sched_start(s);
	if (rc) {
		log_error("dashboard scheduler failed err=\"%s\"", sc_strerror(rc));
		goto fatal;
	}
	rc = escalate_start(s);
	if (rc) {
		log_error("escalation timer failed err=\"%s\"", sc_strerror(rc));
		goto fatal;
	}
	s->db_ready = true;
	return;
fatal:
	s->exit_code = 1;
	server_stop(s);
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
		h->at_ns = 0;
	}
	if (seq > h->seq) {
		h->seq = seq;
		h->at_ns = uv_hrtime();
	}
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

uint64_t server_head_at(const struct server *s, const struct conn *c)
{
	const struct school_head *own, *bureau;
	uint64_t at;

	if (c->id.role == SAFECAMPUS__ROLE__ROLE_BUREAU)
		return s->head_at_ns;
	own = head_find(s, c->id.school);
	bureau = head_find(s, "");
	at = own ? own->at_ns : 0;
	return bureau && bureau->at_ns > at ? bureau->at_ns : at;
}

void server_notify(struct server *s, const char *school, uint64_t seq)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__Notify n = SAFECAMPUS__NOTIFY__INIT;

	if (seq > s->head_seq) {
		s->head_seq = seq;
		s->head_at_ns = uv_hrtime();
	}
	if (seq)
		head_raise(s, school, seq);
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_NOTIFY;
	env.notify = &n;
	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (!c->subscribed || !conn_serving(c))
			continue;
		/* a school sees its own rows and the bureau's; the bureau sees all */
		if (c->id.role != SAFECAMPUS__ROLE__ROLE_BUREAU && school[0] &&
		    strcmp(school, c->id.school))
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

void server_free(struct server *s)
{
	tls_ctx_free(s->tls);
	s->tls = NULL;
	limit_table_free(&s->by_addr);
	limit_table_free(&s->by_cert);
	free(s->heads);
	s->heads = NULL;
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
		uv_close((uv_handle_t *)&s->sighup, NULL);
		uv_close((uv_handle_t *)&s->sigusr1, NULL);
		uv_close((uv_handle_t *)&s->crl_timer, NULL);
		uv_close((uv_handle_t *)&s->trim_timer, NULL);
	}
	if (s->listen_timer.type == UV_TIMER)
		uv_close((uv_handle_t *)&s->listen_timer, NULL);
	for (struct conn *c = s->conns; c; c = c->next)
		if (c->state != CONN_CLOSING && !c->busy) /* busy ones answer first */
			conn_fail(c, 0, SAFECAMPUS__ERROR_CODE__ERROR_UNAVAILABLE,
				  "server shutting down");
	dbstart_stop(s);
	escalate_stop(s);
	dashboard_sched_stop(s);
	/* before the primary's pool: its probe may hold a primary connection */
	replica_close(s->replica);
	s->replica = NULL;
	if (s->db)
		db_pool_close(s->db, on_pool_closed, NULL);
}
