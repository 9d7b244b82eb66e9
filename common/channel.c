/* Framed TLS connection over libuv. See channel.h and docs/internals/tls.md.
 *
 * Data paths:
 *   preamble (server, on_preamble): uv_read -> rchunk (-> in while incomplete)
 *          -> on_preamble; what follows it -> tls_feed
 *   read:  uv_read -> rchunk -> tls_feed -> tls_read -> in -> frame_decode -> on_frame
 *   write: env -> scratch (frame) -> tls_write -> tls_out_take -> wq
 *          -> (swap) wfly -> uv_write, one in flight; the next write takes all of wq.
 * Every SSL_* output is flushed into wq right after the tls_* call that made it. */
#include "channel.h"
#include "util.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Buffers are given back as soon as they are empty: most connections are
 * idle schools, and an idle connection should cost its TLS session and little
 * more (docs/PERFORMANCE.md, connections). malloc of a few KiB per message is
 * cheap next to the message's own work. */

/* One read buffer per thread (the loop reads one stream at a time, and
 * tls_feed copies what it keeps), not one per connection. */
static _Thread_local uint8_t rchunk[CHANNEL_READ_CHUNK];

static void ch_process(struct channel *ch);
static void ch_kick_write(struct channel *ch);
static void ch_update_reading(struct channel *ch);
static void ch_preamble(struct channel *ch, const uint8_t *data, size_t n);

struct channel_limits channel_limits_default(void)
{
	struct channel_limits l = {
		.max_frame = FRAME_MAX_DEFAULT,
		.read_max = FRAME_MAX_DEFAULT + FRAME_HEADER + (64u << 10),
		.wq_high = 1u << 20,
		.wq_low = 256u << 10,
		.wq_max = 16u << 20,
	};
	return l;
}

/* Bad values are refused; derived values that do not hold together are
 * moved to the nearest that do, so a configuration that raises max_frame or
 * lowers wq_max alone still gives a working channel. */
static int limits_normalize(struct channel_limits *l)
{
	size_t one_frame;

	if (l->max_frame == 0 || l->max_frame > FRAME_MAX_LIMIT)
		return -EINVAL;
	one_frame = tls_write_bound(l->max_frame + FRAME_HEADER);
	if (l->read_max < l->max_frame + FRAME_HEADER)
		l->read_max = l->max_frame + FRAME_HEADER;
	if (l->wq_max < one_frame)
		l->wq_max = one_frame; /* one biggest frame always fits an empty queue */
	if (l->wq_max > UINT_MAX / 2)
		return -EINVAL; /* uv_buf_t lengths are unsigned int */
	if (l->wq_high > l->wq_max)
		l->wq_high = l->wq_max;
	if (l->wq_low > l->wq_high)
		l->wq_low = l->wq_high / 2;
	return 0;
}

/* One place decides which moves are legal. */
static void ch_set_state(struct channel *ch, enum channel_state to)
{
	enum channel_state from = ch->state;
	bool ok;

	switch (to) {
	case CHANNEL_PREAMBLE:
		ok = from == CHANNEL_INIT;
		break;
	case CHANNEL_HANDSHAKE:
		ok = from == CHANNEL_INIT || from == CHANNEL_PREAMBLE;
		break;
	case CHANNEL_READY:
		ok = from == CHANNEL_HANDSHAKE;
		break;
	case CHANNEL_CLOSING:
		ok = from == CHANNEL_HANDSHAKE || from == CHANNEL_READY;
		break;
	case CHANNEL_LINGER:
		ok = from == CHANNEL_CLOSING;
		break;
	case CHANNEL_CLOSED:
		ok = from != CHANNEL_CLOSED;
		break;
	default:
		ok = false;
		break;
	}
	assert(ok && "illegal channel state change");
	(void)ok;
	ch->state = to;
}

static bool ch_live(const struct channel *ch)
{
	return ch->state == CHANNEL_HANDSHAKE || ch->state == CHANNEL_READY;
}

static void ch_note(struct channel *ch, int status, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static void ch_note(struct channel *ch, int status, const char *f, ...)
{
	va_list ap;

	if (ch->have_why)
		return;
	ch->have_why = true;
	ch->close_status = status;
	va_start(ap, f);
	vsnprintf(ch->why, sizeof ch->why, f, ap);
	va_end(ap);
}

size_t channel_queued(const struct channel *ch)
{
	return buf_used(&ch->wq) + buf_used(&ch->wfly);
}

bool channel_congested(const struct channel *ch)
{
	return ch->congested;
}

/* ------------------------------------------------------------------ closing */

static void ch_handle_gone(struct channel *ch)
{
	char why[sizeof ch->why];
	int status = ch->close_status;

	if (--ch->open_handles > 0)
		return;
	tls_free(ch->tls);
	ch->tls = NULL;
	buf_free(&ch->in);
	buf_free(&ch->wq);
	buf_free(&ch->wfly);
	buf_free(&ch->scratch);
	memcpy(why, ch->why, sizeof why); /* the owner may free ch in on_close */
	ch->ops->on_close(ch, status, why);
}

static void ch_tcp_closed(uv_handle_t *h)
{
	ch_handle_gone(container_of((uv_tcp_t *)h, struct channel, tcp));
}

static void ch_timer_closed(uv_handle_t *h)
{
	ch_handle_gone(container_of((uv_timer_t *)h, struct channel, close_timer));
}

/* Immediate close: no more I/O; pending write/shutdown requests complete with
 * UV_ECANCELED before the close callbacks run. */
static void ch_close_handles(struct channel *ch)
{
	if (ch->state == CHANNEL_CLOSED)
		return;
	ch_note(ch, 0, "closed");
	ch_set_state(ch, CHANNEL_CLOSED);
	ch->reading = false;
	uv_timer_stop(&ch->close_timer);
	uv_close((uv_handle_t *)&ch->tcp, ch_tcp_closed);
	uv_close((uv_handle_t *)&ch->close_timer, ch_timer_closed);
}

static void ch_close_timeout(uv_timer_t *t)
{
	struct channel *ch = container_of(t, struct channel, close_timer);

	ch_close_handles(ch);
}

static void ch_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct channel *ch = container_of(req, struct channel, sreq);

	if (ch->state == CHANNEL_CLOSED)
		return;
	if (status < 0)
		ch_close_handles(ch);
	/* else: keep reading until the peer's EOF or the timer */
}

/* Everything is sent: send FIN, then read (and drop) until the peer's EOF, so
 * that closing with unread input does not turn into a RST that could destroy
 * data the peer has not read yet. */
static void ch_linger(struct channel *ch)
{
	int rc;

	ch_set_state(ch, CHANNEL_LINGER);
	rc = uv_shutdown(&ch->sreq, (uv_stream_t *)&ch->tcp, ch_shutdown_cb);
	if (rc < 0) {
		ch_close_handles(ch);
		return;
	}
	ch_update_reading(ch);
}

void channel_abort(struct channel *ch, int status, const char *why)
{
	if (ch->state == CHANNEL_CLOSED)
		return;
	ch_note(ch, status, "%s", why ? why : status ? sc_strerror(status) : "aborted");
	ch_close_handles(ch);
}

void channel_close(struct channel *ch, int status, const char *why)
{
	int rc;

	if (ch->state >= CHANNEL_CLOSING)
		return;
	ch_note(ch, status, "%s", why ? why : status ? sc_strerror(status) : "closed");
	if (ch->state == CHANNEL_INIT || ch->state == CHANNEL_PREAMBLE) { /* no TLS to end */
		ch_close_handles(ch);
		return;
	}
	ch_set_state(ch, CHANNEL_CLOSING);
	ch_update_reading(ch);
	rc = tls_shutdown(ch->tls); /* close_notify; nothing after a fatal error */
	if (rc == 0 && tls_out_pending(ch->tls) > 0)
		rc = tls_out_take(ch->tls, &ch->wq);
	if (rc < 0) {
		ch_close_handles(ch);
		return;
	}
	uv_timer_start(&ch->close_timer, ch_close_timeout, CHANNEL_CLOSE_TIMEOUT_MS, 0);
	ch_kick_write(ch); /* goes to ch_linger once the queue is empty */
}

/* TLS failed: close, still sending the alert OpenSSL queued. */
static void ch_fail_tls(struct channel *ch, int rc)
{
	const char *e = ch->tls ? tls_error(ch->tls) : "";
	char why[sizeof ch->why];

	snprintf(why, sizeof why, "tls: %s", *e ? e : sc_strerror(rc));
	channel_close(ch, rc == SC_ETLS ? SC_ETLS : rc, why);
}

/* ------------------------------------------------------------------ writing */

static void ch_write_cb(uv_write_t *req, int status)
{
	struct channel *ch = container_of(req, struct channel, wreq);

	ch->write_busy = false;
	if (ch->state == CHANNEL_CLOSED)
		return;
	if (status < 0) {
		ch_note(ch, status, "write: %s", uv_strerror(status));
		ch_close_handles(ch);
		return;
	}
	buf_free(&ch->wfly);
	ch_kick_write(ch);
	if (ch->congested && channel_queued(ch) < ch->lim.wq_low) {
		ch->congested = false;
		if (ch->state != CHANNEL_READY)
			return;
		if (ch->ops->on_drain)
			ch->ops->on_drain(ch);
		if (ch->server)
			ch_process(ch); /* dispatch what waited, restart reading */
	}
}

/* Starts one uv_write with everything queued, unless one is in flight. */
static void ch_kick_write(struct channel *ch)
{
	struct buf tmp;
	uv_buf_t b;
	int rc;

	if (ch->write_busy || (ch->state != CHANNEL_HANDSHAKE && ch->state != CHANNEL_READY &&
			       ch->state != CHANNEL_CLOSING))
		return;
	if (buf_used(&ch->wq) == 0) {
		if (ch->state == CHANNEL_CLOSING)
			ch_linger(ch);
		return;
	}
	tmp = ch->wfly; /* empty: no write in flight */
	ch->wfly = ch->wq;
	ch->wq = tmp;
	b = uv_buf_init((char *)buf_head(&ch->wfly), (unsigned int)buf_used(&ch->wfly));
	rc = uv_write(&ch->wreq, (uv_stream_t *)&ch->tcp, &b, 1, ch_write_cb);
	if (rc < 0) {
		ch_note(ch, rc, "write: %s", uv_strerror(rc));
		ch_close_handles(ch);
		return;
	}
	ch->write_busy = true;
	ch->stats.writes++;
	ch->stats.bytes_out += b.len;
}

/* Moves the session's ciphertext into the write queue and kicks a write. */
static int ch_flush_tls(struct channel *ch)
{
	int rc;

	if (tls_out_pending(ch->tls) == 0)
		return 0;
	rc = tls_out_take(ch->tls, &ch->wq);
	if (rc < 0) {
		/* the TLS stream can no longer be sent whole */
		ch_note(ch, rc == SC_ETOOBIG ? -ENOBUFS : rc, "write queue: %s",
			rc == SC_ETOOBIG ? "over its limit" : sc_strerror(rc));
		ch_close_handles(ch);
		return rc;
	}
	ch_kick_write(ch);
	return 0;
}

static int ch_write_plain(struct channel *ch, const void *p, size_t n)
{
	size_t bound = tls_write_bound(n);

	if (bound > ch->lim.wq_max ||
	    channel_queued(ch) + tls_out_pending(ch->tls) > ch->lim.wq_max - bound)
		return -ENOBUFS;
	int rc = tls_write(ch->tls, p, n);
	if (rc == -ENOBUFS || rc == SC_ETOOBIG)
		return rc; /* nothing was encrypted */
	if (rc < 0) {
		ch_fail_tls(ch, rc);
		return rc;
	}
	rc = ch_flush_tls(ch);
	if (rc < 0)
		return rc;
	if (!ch->congested && channel_queued(ch) > ch->lim.wq_high) {
		ch->congested = true;
		ch_update_reading(ch);
	}
	return 0;
}

int channel_send(struct channel *ch, const Safecampus__Envelope *env)
{
	size_t n;
	int rc;

	if (ch->state < CHANNEL_READY)
		return -ENOTCONN;
	if (ch->state > CHANNEL_READY)
		return -EPIPE;
	n = safecampus__envelope__get_packed_size(env);
	if (n == 0)
		return -EINVAL;
	if (n > ch->lim.max_frame)
		return SC_ETOOBIG;
	if (channel_queued(ch) + tls_write_bound(n + FRAME_HEADER) > ch->lim.wq_max)
		return -ENOBUFS;
	buf_reset(&ch->scratch);
	rc = frame_encode(&ch->scratch, env, ch->lim.max_frame);
	if (rc == 0)
		rc = ch_write_plain(ch, buf_head(&ch->scratch), buf_used(&ch->scratch));
	buf_free(&ch->scratch);
	if (rc == 0)
		ch->stats.frames_out++;
	return rc;
}

#ifdef UNITTEST
int channel__send_raw(struct channel *ch, const void *p, size_t n)
{
	if (ch->state != CHANNEL_READY)
		return -ENOTCONN;
	return ch_write_plain(ch, p, n);
}
#endif

/* ------------------------------------------------------------------ reading */

static void ch_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct channel *ch = container_of((uv_tcp_t *)h, struct channel, tcp);

	(void)suggested;
	(void)ch;
	*b = uv_buf_init((char *)rchunk, CHANNEL_READ_CHUNK);
}

static void ch_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct channel *ch = container_of((uv_tcp_t *)s, struct channel, tcp);
	int rc;

	(void)b;
	if (nread == 0)
		return;
	if (ch->state == CHANNEL_LINGER) {
		if (nread < 0)
			ch_close_handles(ch); /* the peer's EOF (or an error): done */
		return;                       /* input after our close is dropped */
	}
	if (!ch_live(ch) && ch->state != CHANNEL_PREAMBLE)
		return;
	if (nread < 0) {
		if (nread == UV_EOF)
			ch_note(ch, -ECONNRESET, "%s",
				ch->state != CHANNEL_READY
					? "peer closed the connection during the TLS handshake"
					: "peer closed the connection without TLS close_notify");
		else
			ch_note(ch, (int)nread, "read: %s", uv_strerror((int)nread));
		ch_close_handles(ch);
		return;
	}
	ch->stats.bytes_in += (uint64_t)nread;
	if (ch->state == CHANNEL_PREAMBLE) {
		ch_preamble(ch, rchunk, (size_t)nread);
		return;
	}
	rc = tls_feed(ch->tls, rchunk, (size_t)nread);
	if (rc < 0) {
		ch_fail_tls(ch, rc);
		return;
	}
	ch_process(ch);
}

/* Reading runs while the connection is live and nobody asked it to stop. */
static void ch_update_reading(struct channel *ch)
{
	bool want;
	int rc;

	switch (ch->state) {
	case CHANNEL_PREAMBLE:
	case CHANNEL_HANDSHAKE:
	case CHANNEL_READY:
		want = !ch->peer_eof && !ch->bad_input && !ch->paused &&
		       !(ch->server && ch->congested);
		break;
	case CHANNEL_LINGER:
		want = true;
		break;
	default:
		want = false;
		break;
	}
	if (want == ch->reading)
		return;
	if (!want) {
		uv_read_stop((uv_stream_t *)&ch->tcp);
		ch->reading = false;
		return;
	}
	rc = uv_read_start((uv_stream_t *)&ch->tcp, ch_alloc_cb, ch_read_cb);
	if (rc < 0) {
		ch_note(ch, rc, "read: %s", uv_strerror(rc));
		ch_close_handles(ch);
		return;
	}
	ch->reading = true;
}

static void ch_bad_input(struct channel *ch, int code, const char *why)
{
	ch->bad_input = true;
	ch_update_reading(ch);
	if (ch->ops->on_bad_input)
		ch->ops->on_bad_input(ch, code, why);
	if (ch_live(ch))
		channel_close(ch, SC_EPROTO, why);
}

/* Hands whole frames to the owner; returns how many. */
static int ch_dispatch(struct channel *ch)
{
	int n = 0;

	while (ch->state == CHANNEL_READY && !ch->paused && !ch->bad_input &&
	       !(ch->server && ch->congested)) {
		const uint8_t *payload;
		size_t plen, used;
		Safecampus__Envelope *env;
		enum frame_status st = frame_decode(buf_head(&ch->in), buf_used(&ch->in),
						    ch->lim.max_frame, &payload, &plen, &used);
		char why[128];

		if (st == FRAME_NEED_MORE)
			break;
		if (st == FRAME_TOO_BIG) {
			const uint8_t *h = buf_head(&ch->in);
			snprintf(why, sizeof why, "frame of %lu bytes over the limit of %zu",
				 (unsigned long)h[0] << 24 | (unsigned long)h[1] << 16 |
					 (unsigned long)h[2] << 8 | h[3],
				 ch->lim.max_frame);
			ch_bad_input(ch, SAFECAMPUS__ERROR_CODE__ERROR_FRAME_TOO_LARGE, why);
			break;
		}
		if (st == FRAME_EMPTY) {
			ch_bad_input(ch, SAFECAMPUS__ERROR_CODE__ERROR_BAD_FRAME, "empty frame");
			break;
		}
		env = frame_envelope_unpack(payload, plen);
		buf_consume(&ch->in, used);
		if (!env) {
			ch_bad_input(ch, SAFECAMPUS__ERROR_CODE__ERROR_BAD_FRAME,
				     "frame is not a valid Envelope");
			break;
		}
		n++;
		ch->stats.frames_in++;
		ch->ops->on_frame(ch, env);
		frame_envelope_free(env);
	}
	if (ch->state != CHANNEL_CLOSED && buf_used(&ch->in) == 0)
		buf_free(&ch->in);
	return n;
}

static bool ch_whole_frame_buffered(const struct channel *ch)
{
	const uint8_t *p;
	size_t plen, used;

	return frame_decode(buf_head(&ch->in), buf_used(&ch->in), ch->lim.max_frame, &p, &plen,
			    &used) != FRAME_NEED_MORE;
}

/* Decrypts, finishes the handshake, dispatches frames; loops while dispatching
 * made room for input that still waits inside the TLS session. */
static void ch_process(struct channel *ch)
{
	int rc;

	if (ch->dispatching)
		return; /* called from a callback: the outer loop carries on */
	ch->dispatching = true;
	while (ch_live(ch) && !ch->bad_input) {
		rc = tls_read(ch->tls, &ch->in);
		if (ch_flush_tls(ch) < 0)
			break;
		if (rc < 0) {
			ch_fail_tls(ch, rc);
			break;
		}
		if (ch->state == CHANNEL_HANDSHAKE) {
			if (!tls_handshake_done(ch->tls))
				break;
			snprintf(ch->tls_ver, sizeof ch->tls_ver, "%s", tls_version(ch->tls));
			ch->peer_rc = tls_peer_identity(ch->tls, &ch->peer);
			if (ch->server && ch->peer_rc < 0) {
				ch_fail_tls(ch, ch->peer_rc);
				break;
			}
			ch_set_state(ch, CHANNEL_READY);
			if (ch->ops->on_ready)
				ch->ops->on_ready(ch);
			continue;
		}
		if (tls_peer_closed(ch->tls))
			ch->peer_eof = true;
		if (ch_dispatch(ch) > 0 && ch->state == CHANNEL_READY && tls_in_pending(ch->tls))
			continue;
		break;
	}
	ch->dispatching = false;
	if (ch->state != CHANNEL_CLOSED && buf_used(&ch->in) == 0)
		buf_free(&ch->in); /* idle: keep no input buffer */
	if (ch->state == CHANNEL_READY && ch->peer_eof && !ch->paused && !ch->bad_input &&
	    !ch_whole_frame_buffered(ch)) {
		if (buf_used(&ch->in) > 0)
			channel_close(ch, SC_EPROTO,
				      "peer closed the connection in the middle of a frame");
		else
			channel_close(ch, 0, "peer closed the connection");
	}
	ch_update_reading(ch);
}

/* The bytes before TLS go to the owner until it says the preamble is whole.
 * The common case, a whole header (or a ClientHello) in one read, copies
 * nothing; an incomplete one waits in ch->in, bounded. */
static void ch_preamble(struct channel *ch, const uint8_t *data, size_t n)
{
	bool buffered = buf_used(&ch->in) > 0;
	const uint8_t *p = data;
	size_t avail = n, take = n, used = 0;
	int rc;

	if (buffered) {
		size_t room = CHANNEL_PREAMBLE_MAX - buf_used(&ch->in);
		take = n < room ? n : room;
		if (buf_append(&ch->in, data, take) < 0) {
			ch_note(ch, -ENOMEM, "out of memory for the bytes before TLS");
			ch_close_handles(ch);
			return;
		}
		p = buf_head(&ch->in);
		avail = buf_used(&ch->in);
	}
	rc = ch->ops->on_preamble(ch, p, avail, &used);
	if (ch->state != CHANNEL_PREAMBLE)
		return; /* the owner closed it */
	if (rc < 0) {
		ch_note(ch, rc, "refused before the TLS handshake");
		ch_close_handles(ch);
		return;
	}
	if (rc == CHANNEL_PREAMBLE_MORE) {
		if (avail >= CHANNEL_PREAMBLE_MAX ||
		    (!buffered && buf_append(&ch->in, data, n) < 0)) {
			ch_note(ch, SC_EPROTO, "more than %u bytes before the TLS handshake",
				CHANNEL_PREAMBLE_MAX);
			ch_close_handles(ch);
		}
		return;
	}
	if (used > avail)
		used = avail;
	ch_set_state(ch, CHANNEL_HANDSHAKE);
	rc = tls_feed(ch->tls, p + used, avail - used);
	if (rc == 0 && take < n)
		rc = tls_feed(ch->tls, data + take, n - take);
	buf_free(&ch->in); /* fed: tls_feed keeps its own copy */
	if (rc < 0) {
		ch_fail_tls(ch, rc);
		return;
	}
	ch_process(ch);
}

/* ------------------------------------------------------------------ public */

int channel_init(struct channel *ch, uv_loop_t *loop, struct tls_ctx *ctx, const char *server_name,
		 const struct channel_ops *ops, const struct channel_limits *lim)
{
	int rc;

	memset(ch, 0, sizeof *ch);
	if (!loop || !ctx || !ops || !ops->on_frame || !ops->on_close)
		return -EINVAL;
	ch->lim = lim ? *lim : channel_limits_default();
	rc = limits_normalize(&ch->lim);
	if (rc < 0)
		return rc;
	rc = tls_new(&ch->tls, ctx, server_name);
	if (rc < 0)
		return rc;
	buf_init(&ch->in, ch->lim.read_max);
	buf_init(&ch->wq, ch->lim.wq_max);
	buf_init(&ch->wfly, ch->lim.wq_max);
	buf_init(&ch->scratch, ch->lim.max_frame + FRAME_HEADER);
	rc = uv_tcp_init(loop, &ch->tcp);
	if (rc < 0)
		goto fail;
	(void)uv_timer_init(loop, &ch->close_timer); /* always 0 in libuv 1.x */
	ch->loop = loop;
	ch->ops = ops;
	ch->server = server_name == NULL;
	ch->open_handles = 2;
	ch->peer_rc = SC_ETLS;
	ch->state = CHANNEL_INIT;
	return 0;
fail:
	tls_free(ch->tls);
	memset(ch, 0, sizeof *ch);
	return rc;
}

static void peer_name_of(const uv_tcp_t *tcp, char *out, size_t n)
{
	struct sockaddr_storage ss;
	int len = (int)sizeof ss;
	char ip[INET6_ADDRSTRLEN] = "?";

	snprintf(out, n, "?");
	if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		uv_ip4_name(a, ip, sizeof ip);
		snprintf(out, n, "%s:%d", ip, ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		uv_ip6_name(a, ip, sizeof ip);
		snprintf(out, n, "[%s]:%d", ip, ntohs(a->sin6_port));
	}
}

int channel_start(struct channel *ch)
{
	if (ch->state != CHANNEL_INIT || !ch->ops)
		return -EINVAL;
	ch_set_state(ch, ch->server && ch->ops->on_preamble ? CHANNEL_PREAMBLE : CHANNEL_HANDSHAKE);
	peer_name_of(&ch->tcp, ch->peer_name, sizeof ch->peer_name);
	(void)uv_tcp_nodelay(&ch->tcp, 1); /* request/response: do not wait for Nagle */
	if (ch->state == CHANNEL_PREAMBLE)
		ch_update_reading(ch);
	else
		ch_process(ch); /* client: ClientHello; server: start reading */
	if (ch->state == CHANNEL_PREAMBLE || ch->state == CHANNEL_HANDSHAKE ||
	    ch->state == CHANNEL_READY)
		return 0;
	return ch->close_status < 0 ? ch->close_status : -EPIPE;
}

void channel_pause(struct channel *ch)
{
	if (ch->paused)
		return;
	ch->paused = true;
	ch_update_reading(ch);
}

void channel_resume(struct channel *ch)
{
	if (!ch->paused)
		return;
	ch->paused = false;
	if (ch_live(ch))
		ch_process(ch);
}

int channel_peer_identity(struct channel *ch, struct tls_identity *out)
{
	*out = ch->peer; /* zeroed until on_ready, and when it did not parse */
	return ch->peer_rc;
}

void channel_peer_name(const struct channel *ch, char *out, size_t n)
{
	if (n == 0)
		return;
	if (ch->peer_name[0]) /* taken at channel_start, so it survives the close */
		snprintf(out, n, "%s", ch->peer_name);
	else if (ch->state == CHANNEL_INIT && ch->ops) /* after uv_accept, before start */
		peer_name_of(&ch->tcp, out, n);
	else
		snprintf(out, n, "?");
}

const char *channel_tls_version(const struct channel *ch)
{
	return ch->tls_ver;
}

void channel_get_stats(const struct channel *ch, struct channel_stats *out)
{
	*out = ch->stats;
}

int channel_peer_recheck(struct channel *ch, const struct tls_ctx *ctx, char *why, size_t whylen)
{
	return tls_peer_recheck(ch->tls, ctx, why, whylen);
}

struct tls *channel_tls(struct channel *ch)
{
	return ch->tls;
}
