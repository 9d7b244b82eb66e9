/* A framed, TLS-encrypted connection over a libuv TCP handle.
 *
 * Used by the server (one per accepted client) and by the client sync engine.
 * Frames are a 4-byte big-endian length and one Envelope (frame.h).
 *
 * Lifetime. The owner allocates struct channel and keeps it alive from
 * channel_init until on_close, which is called exactly once, after every libuv
 * handle inside the channel has closed; the owner may free the struct there.
 * After channel_init returns 0 the owner must eventually call channel_close
 * (also when uv_tcp_connect fails), or on_close never comes.
 *
 *   server: channel_init(ch, loop, ctx, NULL, ...); uv_accept(srv, (uv_stream_t *)&ch->tcp);
 *           channel_start(ch);
 *   client: channel_init(ch, loop, ctx, "host", ...);
 *           uv_tcp_connect(&req, &ch->tcp, addr, cb); in cb: channel_start(ch)
 *
 * Callbacks are never called from inside channel_send, channel_close or
 * channel_pause; channel_start and channel_resume may call on_ready/on_frame/
 * on_bad_input before they return. Calling channel_close from inside any
 * callback is safe: the connection closes after the callback returns.
 *
 * Backpressure. Ciphertext waits in a bounded write queue with one uv_write in
 * flight (queued data is coalesced into the next write). On the server side
 * (server_name NULL) reading stops while the queue is congested (above wq_high)
 * and resumes below wq_low, then on_drain runs. The client side keeps reading
 * (so two peers that both stop reading cannot deadlock) and should watch
 * channel_congested()/on_drain before producing more. */
#ifndef SC_CHANNEL_H
#define SC_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "buf.h"
#include "err.h"
#include "frame.h"
#include "tls.h"

/** A graceful close waits this long for queued data and the peer's EOF. */
#define CHANNEL_CLOSE_TIMEOUT_MS 2000
/** on_preamble: wait for more bytes. */
#define CHANNEL_PREAMBLE_MORE 1
/** Bytes kept while a preamble is incomplete. */
#define CHANNEL_PREAMBLE_MAX 4096u
/** Bytes asked of the kernel per read. */
#define CHANNEL_READ_CHUNK (64u << 10)

struct channel;

struct channel_ops {
	/** Handshake done and the peer's certificate verified; on the server side
	 * the identity also parsed (channel_peer_identity). On the client side the
	 * server may still refuse our certificate (TLS 1.3 tells the client after
	 * its handshake ends): that shows up as on_close with an alert reason. */
	void (*on_ready)(struct channel *ch);
	/** One frame. env is owned by the channel and freed when this returns. */
	void (*on_frame)(struct channel *ch, Safecampus__Envelope *env);
	/** The peer broke framing: code is SAFECAMPUS__ERROR_CODE__ERROR_FRAME_TOO_LARGE
	 * or SAFECAMPUS__ERROR_CODE__ERROR_BAD_FRAME. Reading has stopped for good;
	 * channel_send still works, so the owner typically sends an Error and calls
	 * channel_close. If it does not close, the channel closes with SC_EPROTO
	 * when this returns. May be NULL. */
	void (*on_bad_input)(struct channel *ch, int code, const char *why);
	/** The write queue fell below wq_low after having been congested. May be NULL. */
	void (*on_drain)(struct channel *ch);
	/** Server side, optional: the connection's first bytes, before TLS (a
	 * PROXY protocol header, server/proxy.h). Called on each read with
	 * every byte received and not yet consumed (p, n: at most
	 * CHANNEL_PREAMBLE_MAX; more is a close). Returns CHANNEL_PREAMBLE_MORE
	 * to wait for more bytes; 0 with *used set once the preamble is whole:
	 * *used bytes are dropped and the rest begins the TLS handshake; or a
	 * negative code after closing or aborting the channel (if the owner did
	 * not, the channel aborts with that code). NULL: TLS from the first byte. */
	int (*on_preamble)(struct channel *ch, const uint8_t *p, size_t n, size_t *used);
	/** Exactly once, after the handles closed. status 0 for a clean close
	 * (either side sent close_notify or the owner closed with 0); otherwise a
	 * negative errno / libuv / SC_E* code. why is for logs, e.g. "tls:
	 * certificate verify failed: certificate has expired", and only valid
	 * during the call. The owner may free ch here. */
	void (*on_close)(struct channel *ch, int status, const char *why);
};

struct channel_limits {
	size_t max_frame; /* largest Envelope payload either way, <= FRAME_MAX_LIMIT */
	size_t read_max; /* decrypted, not yet dispatched input; at least max_frame + FRAME_HEADER */
	size_t wq_high;  /* congested above this many queued ciphertext bytes */
	size_t wq_low;   /* ... until the queue falls below this */
	size_t wq_max;   /* channel_send refuses (-ENOBUFS) past this; at least
			   * tls_write_bound(max_frame + FRAME_HEADER) */
};

/** max_frame 4 MiB, read_max max_frame + 64 KiB, wq_high 1 MiB, wq_low 256 KiB,
 * wq_max 16 MiB. */
struct channel_limits channel_limits_default(void);

/** Counters for logs and tests. */
struct channel_stats {
	uint64_t frames_in, frames_out;
	uint64_t bytes_in, bytes_out; /* ciphertext on the wire */
	uint64_t writes;              /* uv_write calls */
};

enum channel_state {
	CHANNEL_INIT = 0,  /* initialised, not started */
	CHANNEL_PREAMBLE,  /* server with on_preamble: bytes before TLS */
	CHANNEL_HANDSHAKE, /* started, TLS handshake running */
	CHANNEL_READY,     /* on_ready called; frames flow */
	CHANNEL_CLOSING,   /* sending what is queued and close_notify */
	CHANNEL_LINGER,    /* our side shut down; reading until the peer's EOF */
	CHANNEL_CLOSED,    /* uv_close called; on_close follows */
};

struct channel {
	uv_tcp_t tcp; /* uv_accept into / uv_tcp_connect with &ch->tcp */
	void *data;   /* the owner's; channel_init sets it to NULL */

	/* Everything below is private to channel.c. */
	uv_timer_t close_timer;
	uv_write_t wreq;
	uv_shutdown_t sreq;
	uv_loop_t *loop;
	const struct channel_ops *ops;
	struct channel_limits lim;
	struct tls *tls;
	struct buf in;      /* decrypted input, max lim.read_max; in PREAMBLE the
			     * incomplete preamble, max CHANNEL_PREAMBLE_MAX */
	struct buf wq;      /* ciphertext waiting for the next write, max lim.wq_max */
	struct buf wfly;    /* ciphertext of the write in flight, max lim.wq_max */
	struct buf scratch; /* one frame being encoded, max max_frame + FRAME_HEADER */
	enum channel_state state;
	int open_handles;
	bool server;
	bool reading;     /* uv_read_start in effect */
	bool write_busy;  /* a uv_write is in flight */
	bool paused;      /* owner asked to stop dispatching */
	bool congested;   /* passed wq_high, not yet below wq_low */
	bool peer_eof;    /* close_notify seen */
	bool bad_input;   /* framing broken; no more reading */
	bool dispatching; /* inside the dispatch loop (re-entrancy guard) */
	bool have_why;    /* close_status/why are set; the first reason wins */
	int close_status;
	char why[256];
	int peer_rc; /* tls_peer_identity's result, taken at on_ready */
	struct tls_identity peer;
	char peer_name[64]; /* "ip:port", taken at channel_start */
	char tls_ver[64];
	struct channel_stats stats;
};

/** Prepares ch (zeroes it) and initialises ch->tcp on loop. ctx must outlive
 * the channel. server_name: NULL on the server; on the client the host name or
 * IP the server certificate must match. lim NULL means defaults. Derived
 * limits are made to hold together rather than refused: read_max is raised to
 * max_frame + FRAME_HEADER, wq_max to tls_write_bound(max_frame + FRAME_HEADER),
 * wq_high lowered to wq_max, wq_low below wq_high (the result is in ch->lim).
 * -EINVAL for max_frame 0 or over FRAME_MAX_LIMIT, wq_max over UINT_MAX / 2, a
 * ctx of the wrong side for server_name; -ENOMEM; a libuv error. On failure
 * nothing needs closing. */
SC_WUR int channel_init(struct channel *ch, uv_loop_t *loop, struct tls_ctx *ctx,
			const char *server_name, const struct channel_ops *ops,
			const struct channel_limits *lim);
/** After uv_accept / a successful connect: starts reading and, on the client,
 * the handshake. -EINVAL if not freshly initialised; on other errors the
 * channel is already closing (on_close follows). */
SC_WUR int channel_start(struct channel *ch);
/** Frames, encrypts and queues env. Only after on_ready (-ENOTCONN before,
 * -EPIPE once closing). -EINVAL for an empty envelope, SC_ETOOBIG over
 * max_frame, -ENOBUFS if the queue would pass wq_max (the owner then closes);
 * the channel is unchanged after these. Other errors close the channel. */
SC_WUR int channel_send(struct channel *ch, const Safecampus__Envelope *env);
/** True from passing wq_high until falling below wq_low. */
bool channel_congested(const struct channel *ch);
/** Ciphertext bytes queued or in flight. */
size_t channel_queued(const struct channel *ch);
/** Graceful close: stops reading, sends what is queued and close_notify, shuts
 * the TCP side down and waits (at most CHANNEL_CLOSE_TIMEOUT_MS) for the peer's
 * EOF, then closes the handle. Safe more than once and from callbacks; the
 * first status/why wins. why may be NULL. */
void channel_close(struct channel *ch, int status, const char *why);
/** Closes at once: no close_notify, no waiting for the peer; what is queued
 * is dropped. For connections turned away before they were ever served (a
 * flood must not hold a slot for CHANNEL_CLOSE_TIMEOUT_MS each). Safe from
 * callbacks and after channel_close; on_close follows as usual. */
void channel_abort(struct channel *ch, int status, const char *why);
/** Stops dispatching frames (and reading) until channel_resume. */
void channel_pause(struct channel *ch);
/** Resumes; frames already buffered are dispatched before it returns. */
void channel_resume(struct channel *ch);
/** The peer's identity from its certificate (after on_ready). SC_ETLS if the
 * certificate breaks the convention (docs/internals/tls.md). */
SC_WUR int channel_peer_identity(struct channel *ch, struct tls_identity *out);
/** tls_peer_recheck on the channel's session: does the peer certificate
 * still verify against ctx (a newer context after a reload)? */
SC_WUR int channel_peer_recheck(struct channel *ch, const struct tls_ctx *ctx, char *why,
				size_t whylen);
/** "ip:port" ("[v6]:port") of the peer, for logs; "?" if unknown. Works from
 * uv_accept/connect on, and still in on_close. */
void channel_peer_name(const struct channel *ch, char *out, size_t n);
/** Negotiated TLS version and cipher, for logs. */
const char *channel_tls_version(const struct channel *ch);
/** The channel's TLS session, for resumption: tls_session_offer between
 * channel_init and channel_start, tls_session_save once frames flow. */
struct tls *channel_tls(struct channel *ch);
void channel_get_stats(const struct channel *ch, struct channel_stats *out);

#ifdef UNITTEST
/** Tests only: encrypts and queues raw bytes, bypassing framing. */
SC_WUR int channel__send_raw(struct channel *ch, const void *p, size_t n);
#endif

#endif
