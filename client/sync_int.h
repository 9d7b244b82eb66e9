/* Inside the sync engine (client/sync*.c): helpers shared by its files. */
#ifndef SC_SYNC_INT_H
#define SC_SYNC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "channel.h"
#include "store.h"
#include "sync.h"

/* The life of one sync_run. A connection goes CONNECT ... IDLE; any failure
 * or the end moves it to CLOSING, and its on_close to BACKOFF (a retry
 * timer, then CONNECT again) or DONE. set_phase() is the only place the
 * phase changes. */
enum phase {
	PH_BACKOFF,   /* no connection; waiting to reconnect */
	PH_CONNECT,   /* resolving the name and connecting */
	PH_HANDSHAKE, /* TLS handshake */
	PH_HELLO,     /* Hello sent, waiting for Welcome */
	PH_PUSH,
	PH_PULL,
	PH_DASHBOARD,
	PH_SUBSCRIBE,
	PH_EVIDENCE, /* evidence files: uploading after the push, or `evidence get` */
	PH_IDLE,     /* watch: connected, nothing in flight */
	PH_CLOSING,  /* the connection is closing; its on_close decides what follows */
	PH_DONE,     /* everything closes; uv_run returns */
	PH_COUNT
};

#define SYNC_MAX_ADDRS 8
/* a one-shot sync tries the next address or again only when at least this
 * much of its timeout is left, and gives each request at least this much */
#define ONESHOT_MIN_LEFT_MS 500u

struct sync {
	uv_loop_t own_loop; /* sync_run's; sync_start runs on the caller's */
	uv_loop_t *loop;
	struct channel ch;
	uv_timer_t timer; /* request time limit (connect + handshake, then each request) */
	uv_timer_t poll;  /* watch: look at the outbox, keep alive, watch_secs */
	uv_timer_t retry; /* BACKOFF: until the next connection */
	uv_signal_t sigint, sigterm;
	uv_getaddrinfo_t gai;
	uv_connect_t connect;
	/* the server name's addresses, tried in turn before a backoff (a name
	 * with an IPv6 address that does not answer and an IPv4 one that does) */
	struct sockaddr_storage addrs[SYNC_MAX_ADDRS];
	unsigned naddrs, next_addr;
	struct store *st;
	struct store_config cfg;
	const struct sync_opts *opts;
	struct sync_report *rep;
	struct tls_ctx *tls;
	struct channel_limits lim;
	char host[256], port[16];
	enum phase phase;
	uint64_t next_rid, waiting_rid;
	unsigned timeout_ms, batch;
	unsigned limit_ms; /* the running limit, for the message */
	int rc;            /* the failure sync_run returns */
	int stop;          /* done, a signal or watch_secs: no more connections */
	int channel_open;  /* channel_init done, on_close not yet */
	int gai_busy;      /* uv_getaddrinfo in flight (one request struct) */
	int failed;        /* this connection already has its failure */
	int want_round;    /* watch: a Notify or a local write came while busy */
	int subscribed;
	int dashboard_done; /* opts->dashboard: the requested Dashboard is stored */
	unsigned failures;  /* failed connections since the last good round */
	unsigned oneshot_retries;
	int unavail_retry; /* a one-shot trying again after "database unavailable":
			    * its attempts share what is left of timeout_ms */
	uint64_t
		progress_ms; /* start, or the last Welcome: a one-shot's timeout counts from here */
	uint64_t started_ms; /* the run's start: a one-shot waits out an unavailable
			     * database this long at most (timeout_ms) */
	uint64_t deadline_ms; /* watch_secs */
	uint64_t rng;         /* backoff jitter */
	Safecampus__Record **sent;
	size_t nsent;
	uint64_t last_io_ms;    /* for keep-alive pings */
	struct sync_ev {        /* evidence files (sync_evidence.c) */
		int fd;         /* the file being sent or fetched into; -1 if none */
		char hex[65];   /* its hash */
		char after[65]; /* files up to this hash were tried this round */
		uint64_t size;
		char media_type[64], name[256];
	} ev;
};

/* sync.c, for sync_evidence.c: a request, and the end of a connection */
int sync__send(struct sync *s, Safecampus__Envelope *env);
/* sync_dashboard.c: DASHBOARD, one DashboardRequest for opts->dashboard_school
 * and _as_of; and d kept under key (NULL: the key its scope gives), counted in
 * the report, the changed callback told. Returns 0 or the store's error. */
void sync__dashboard_request(struct sync *s);
int sync__dashboard_keep(struct sync *s, const Safecampus__Dashboard *d, const char *key);
void sync__fail(struct sync *s, int rc, enum sync_failure class, const char *msg);
void sync__set_phase(struct sync *s, enum phase next);

/* sync.c, for sync_connect.c */
/** Ends this connection (sync__fail with a format); it closes, then
 * sync__connection_closed decides what follows. */
void sync__conn_end(struct sync *s, int rc, enum sync_failure class, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/** Everything closes (PH_DONE); uv_run returns once the handles have. */
void sync__end(struct sync *s);
/** Frees the records of the last Push (s->sent). */
void sync__free_sent(struct sync *s);
/** s->timer's callback: a request (or connect and handshake) took too long. */
void sync__on_request_timeout(uv_timer_t *t);
/** The callbacks of every connection's channel. */
extern const struct channel_ops sync__channel_ops;

/* sync_connect.c: connecting and reconnecting */
/** Waiting out a backoff: try again now (a person asked, or wrote). */
void sync__retry_now(struct sync *s);
/** BACKOFF -> CONNECT: a new channel (s->ch, closed through sync__conn_end),
 * the name lookup (or the next address already resolved), the connect limit.
 * A failure ends the connection like any other. */
void sync__connect_start(struct sync *s);
/** A connection is over (its channel closed, or it never had one): the next
 * address, a backoff then sync__connect_start, or sync__end. */
void sync__connection_closed(struct sync *s);

/** After the push: sends the next evidence upload request (phase
 * PH_EVIDENCE) and returns 1, or returns 0 when nothing is left to upload.
 * A failure ends the connection and returns 1. */
int sync__evidence_next(struct sync *s);
/** `evidence get`: the first EvidenceGet. 1 sent, or the connection ended. */
int sync__evidence_fetch(struct sync *s);
/** An answer in PH_EVIDENCE. 1: more requests under way (or the connection
 * ended); 0: the evidence work of this round is done. */
int sync__evidence_on(struct sync *s, const Safecampus__Envelope *env);
/** Closes what an interrupted transfer left open. */
void sync__evidence_reset(struct sync *s);

/** The settings, the address and TLS of s: everything before the loop.
 * 0, or a negative code with rep saying why. */
int sync__prepare(struct sync *s, struct store *st, const struct sync_opts *opts,
		  struct sync_report *rep);

/** Offers the TLS session kept in st on the new channel ch (if any). */
void sync__offer_session(struct store *st, struct channel *ch);
/** Keeps ch's TLS session in st for the next run. */
void sync__keep_session(struct store *st, struct channel *ch);
/** "host:port" or "[v6]:port" into host and port; -EINVAL if it is neither. */
int sync__split_server(const char *server, char *host, size_t hostlen, char *port, size_t portlen);

#endif
