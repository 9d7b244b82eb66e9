/* faultproxy's connections: the plan of each connection and the proxying
 * loop (connection lifetime, writing, reading, accepting); see faultproxy.c
 * for the options and the control file. */
#include "faultproxy_int.h"

static const char *const dir_names[] = { "up", "down" };

static unsigned long nlive;

static void side_read_start(struct side *s);
static void drop_begin(struct pconn *pc, int d, uint64_t pos);

/* ---- the plan of one connection */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Where this connection will be cut or dropped, counting from what it has
 * already forwarded. */
void fp_plan(struct pconn *pc)
{
	const struct faults *f = &fp_cur;
	bool any = f->cut_after != NONE || f->random || f->drop_after != NONE;

	for (int d = 0; d < 2; d++)
		pc->cut_at[d] = pc->drop_at[d] = NONE;
	pc->rst = false;
	if (!any)
		return;
	if (f->fault_conns >= 0 && fp_fault_budget_used >= f->fault_conns)
		return;
	fp_fault_budget_used++;

	uint64_t rng = fp_cur.seed ^ ((uint64_t)pc->id * 0x2545f4914f6cdd1dull) ^
		       ((uint64_t)fp_plan_gen << 40);
	(void)splitmix64(&rng);
	for (int d = 0; d < 2; d++) {
		if (!(f->dir & (1u << d)))
			continue;
		if (f->cut_after != NONE)
			pc->cut_at[d] = pc->s[d].bytes + f->cut_after;
		if (f->drop_after != NONE)
			pc->drop_at[d] = pc->s[d].bytes + f->drop_after;
	}
	if (f->random) {
		uint64_t span = f->cut_max - f->cut_min;
		uint64_t off = f->cut_min + (span == UINT64_MAX ? splitmix64(&rng)
								: splitmix64(&rng) % (span + 1));
		int d = f->dir == DIR_UP     ? UP
			: f->dir == DIR_DOWN ? DOWN
					     : (int)(splitmix64(&rng) & 1);

		if (pc->s[d].bytes + off < pc->cut_at[d])
			pc->cut_at[d] = pc->s[d].bytes + off;
	}
	pc->rst = f->cut_with == CW_RST || (f->cut_with == CW_RANDOM && (splitmix64(&rng) & 1));
}

/* A plan may say "now" (cut-after-bytes 0); only act once both sides are up. */
void fp_plan_act_now(struct pconn *pc)
{
	if (!pc->connected || pc->closing || pc->cutting || pc->dropping)
		return;
	for (int d = 0; d < 2; d++) {
		if (pc->cut_at[d] <= pc->s[d].bytes) {
			fp_cut_begin(pc, d, pc->s[d].bytes);
			return;
		}
	}
	for (int d = 0; d < 2; d++) {
		if (pc->drop_at[d] <= pc->s[d].bytes) {
			drop_begin(pc, d, pc->s[d].bytes);
			return;
		}
	}
}

/* ---- connection lifetime */

static uint64_t now_ms(void)
{
	return uv_now(fp_loop);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct pconn *pc = h->data;

	if (--pc->handles > 0)
		return;
	if (pc->prev)
		pc->prev->next = pc->next;
	else
		fp_conns = pc->next;
	if (pc->next)
		pc->next->prev = pc->prev;
	nlive--;
	free(pc);
}

static void side_discard_queue(struct side *s)
{
	while (s->qhead) {
		struct chunk *c = s->qhead;

		s->qhead = c->next;
		s->pending -= c->len;
		free(c);
	}
	s->qtail = NULL;
}

static void close_tcp(struct pconn *pc, uv_tcp_t *t)
{
	if (uv_is_closing((uv_handle_t *)t))
		return;
	if (pc->rst && pc->end && !strcmp(pc->end, "cut") &&
	    uv_tcp_close_reset(t, on_handle_closed) == 0)
		return;
	uv_close((uv_handle_t *)t, on_handle_closed);
}

void fp_conn_close(struct pconn *pc, const char *why, const char *detail)
{
	char extra[200] = "";

	if (pc->closing)
		return;
	pc->closing = true;
	pc->end = why;
	if (pc->cutting)
		snprintf(extra, sizeof extra, " cut=%s@%llu how=%s", dir_names[pc->cut_dir],
			 (unsigned long long)pc->cut_pos, pc->rst ? "rst" : "fin");
	else if (pc->dropping)
		snprintf(extra, sizeof extra, " dropped=%s@%llu discarded=%llu",
			 dir_names[pc->drop_dir], (unsigned long long)pc->drop_pos,
			 (unsigned long long)(pc->s[UP].dropped + pc->s[DOWN].dropped));
	printf("faultproxy: conn=%lu peer=%s up=%llu down=%llu end=%s%s%s%s ms=%llu\n", pc->id,
	       pc->peer, (unsigned long long)pc->s[UP].bytes, (unsigned long long)pc->s[DOWN].bytes,
	       why, extra, detail && *detail ? " detail=" : "", detail ? detail : "",
	       (unsigned long long)(now_ms() - pc->start_ms));
	for (int d = 0; d < 2; d++) {
		side_discard_queue(&pc->s[d]);
		uv_timer_stop(&pc->s[d].delay);
		uv_close((uv_handle_t *)&pc->s[d].delay, on_handle_closed);
	}
	uv_timer_stop(&pc->guard);
	uv_close((uv_handle_t *)&pc->guard, on_handle_closed);
	close_tcp(pc, &pc->cli);
	close_tcp(pc, &pc->tgt);
}

static void conn_fail(struct pconn *pc, uv_tcp_t *which, int status)
{
	char detail[96];

	snprintf(detail, sizeof detail, "%s", uv_err_name(status));
	fp_conn_close(pc, which == &pc->cli ? "client-error" : "target-error", detail);
}

/* Both directions finished cleanly (each source ended and its end was passed on). */
static void maybe_done(struct pconn *pc)
{
	if (pc->closing)
		return;
	if (pc->dropping) {
		if (pc->s[UP].src_done && pc->s[DOWN].src_done)
			fp_conn_close(pc, "dropped", NULL);
		return;
	}
	if (pc->s[UP].src_done && pc->s[DOWN].src_done && pc->s[UP].pending == 0 &&
	    pc->s[DOWN].pending == 0)
		fp_conn_close(pc, "closed", NULL);
}

/* ---- writing */

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct side *s = req->data;

	(void)status;
	maybe_done(s->pc);
}

static void side_maybe_shutdown(struct side *s)
{
	struct pconn *pc = s->pc;

	if (!s->src_done || s->shut || s->pending || pc->closing || pc->cutting || pc->dropping)
		return;
	s->shut = true;
	pc->sreq[s->d].data = s;
	if (uv_shutdown(&pc->sreq[s->d], (uv_stream_t *)s->dst, on_shutdown))
		maybe_done(pc);
}

static void finish_cut_if_drained(struct pconn *pc)
{
	if (pc->cutting && !pc->closing && pc->s[pc->cut_dir].pending == 0)
		fp_conn_close(pc, "cut", NULL);
}

static void on_written(uv_write_t *req, int status)
{
	struct chunk *c = container_of(req, struct chunk, req);
	struct side *s = c->side;
	struct pconn *pc = s->pc;

	s->pending -= c->len;
	free(c);
	if (pc->closing)
		return;
	if (status < 0) {
		conn_fail(pc, s->dst, status);
		return;
	}
	if (pc->cutting) {
		finish_cut_if_drained(pc);
		return;
	}
	if (!s->reading && !s->src_done && !pc->dropping && s->pending < LOW_WATER)
		side_read_start(s);
	side_maybe_shutdown(s);
	maybe_done(pc);
}

static void chunk_write(struct side *s, struct chunk *c)
{
	uv_buf_t b = uv_buf_init(c->data, (unsigned)c->len);
	int rc;

	c->side = s;
	rc = uv_write(&c->req, (uv_stream_t *)s->dst, &b, 1, on_written);
	if (rc) {
		s->pending -= c->len;
		free(c);
		conn_fail(s->pc, s->dst, rc);
	}
}

static void on_delay(uv_timer_t *t)
{
	struct side *s = container_of(t, struct side, delay);
	uint64_t now = now_ms();

	while (s->qhead && s->qhead->due <= now && !s->pc->closing) {
		struct chunk *c = s->qhead;

		s->qhead = c->next;
		if (!s->qhead)
			s->qtail = NULL;
		chunk_write(s, c);
	}
	if (s->qhead && !s->pc->closing)
		uv_timer_start(&s->delay, on_delay, s->qhead->due - now, 0);
}

/* Hands n bytes to the other side (now, or after the delay). */
static void side_forward(struct side *s, const char *data, size_t n)
{
	struct chunk *c;

	if (n == 0)
		return;
	c = malloc(sizeof *c + n);
	if (!c) {
		fp_conn_close(s->pc, "client-error", "out of memory");
		return;
	}
	memcpy(c->data, data, n);
	c->len = n;
	c->next = NULL;
	c->side = s;
	s->bytes += n;
	s->pending += n;
	if (fp_cur.delay_ms == 0 && !s->qhead) {
		chunk_write(s, c);
		return;
	}
	c->due = now_ms() + fp_cur.delay_ms;
	if (s->qtail)
		s->qtail->next = c;
	else
		s->qhead = c;
	s->qtail = c;
	if (!uv_is_active((uv_handle_t *)&s->delay))
		uv_timer_start(&s->delay, on_delay, fp_cur.delay_ms, 0);
}

/* ---- reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	size_t n = suggested < CHUNK_MAX ? suggested : CHUNK_MAX;

	(void)h;
	buf->base = malloc(n);
	buf->len = buf->base ? n : 0;
}

static struct side *side_of_src(struct pconn *pc, uv_stream_t *src)
{
	return src == (uv_stream_t *)&pc->cli ? &pc->s[UP] : &pc->s[DOWN];
}

static void on_guard(uv_timer_t *t)
{
	struct pconn *pc = container_of(t, struct pconn, guard);

	/* the peer does not take the prefix: cut anyway */
	fp_conn_close(pc, "cut", "prefix-not-drained");
}

void fp_cut_begin(struct pconn *pc, int d, uint64_t pos)
{
	if (pc->cutting || pc->closing)
		return;
	pc->cutting = true;
	pc->cut_dir = d;
	pc->cut_pos = pos;
	fp_ncuts++;
	for (int i = 0; i < 2; i++) {
		uv_read_stop((uv_stream_t *)pc->s[i].src);
		pc->s[i].reading = false;
	}
	/* what the other direction still held back is lost, as on a real cut */
	side_discard_queue(&pc->s[!d]);
	uv_timer_start(&pc->guard, on_guard, CUT_GUARD_MS + fp_cur.delay_ms, 0);
	finish_cut_if_drained(pc);
}

static void drop_begin(struct pconn *pc, int d, uint64_t pos)
{
	if (pc->dropping || pc->cutting || pc->closing)
		return;
	pc->dropping = true;
	pc->drop_dir = d;
	pc->drop_pos = pos;
	fp_ndrops++;
	printf("faultproxy: conn=%lu black hole from %s@%llu\n", pc->id, dir_names[d],
	       (unsigned long long)pos);
	/* keep reading (and throwing away) so the peers see an open, silent path */
	for (int i = 0; i < 2; i++)
		if (!pc->s[i].src_done && !pc->s[i].reading)
			side_read_start(&pc->s[i]);
}

static void on_read(uv_stream_t *src, ssize_t nread, const uv_buf_t *buf)
{
	struct pconn *pc = src->data;
	struct side *s = side_of_src(pc, src);

	if (pc->closing || nread == 0) {
		free(buf->base);
		return;
	}
	if (nread < 0) {
		free(buf->base);
		uv_read_stop(src);
		s->reading = false;
		if (pc->dropping) {
			/* a black hole passes no close on */
			s->src_done = true;
			maybe_done(pc);
			return;
		}
		if (nread != UV_EOF) {
			conn_fail(pc, s->src, (int)nread);
			return;
		}
		s->src_done = true;
		side_maybe_shutdown(s);
		maybe_done(pc);
		return;
	}
	size_t n = (size_t)nread;
	if (pc->dropping || pc->cutting) {
		s->dropped += n;
		free(buf->base);
		return;
	}
	/* the first fault this chunk reaches, cut or drop */
	uint64_t lim = pc->cut_at[s->d] < pc->drop_at[s->d] ? pc->cut_at[s->d] : pc->drop_at[s->d];
	if (lim != NONE && s->bytes + n >= lim) {
		size_t keep = (size_t)(lim - s->bytes);
		bool is_cut = pc->cut_at[s->d] <= pc->drop_at[s->d];

		side_forward(s, buf->base, keep);
		s->dropped += n - keep;
		free(buf->base);
		if (pc->closing)
			return;
		if (is_cut)
			fp_cut_begin(pc, s->d, lim);
		else
			drop_begin(pc, s->d, lim);
		return;
	}
	side_forward(s, buf->base, n);
	free(buf->base);
	if (!pc->closing && s->pending > HIGH_WATER) {
		uv_read_stop(src);
		s->reading = false;
	}
}

static void side_read_start(struct side *s)
{
	int rc;

	if (s->reading || s->src_done || s->pc->closing)
		return;
	rc = uv_read_start((uv_stream_t *)s->src, on_alloc, on_read);
	if (rc) {
		conn_fail(s->pc, s->src, rc);
		return;
	}
	s->reading = true;
}

static void on_target_connected(uv_connect_t *req, int status)
{
	struct pconn *pc = req->data;
	char detail[96];

	if (pc->closing)
		return;
	if (status < 0) {
		snprintf(detail, sizeof detail, "%s", uv_err_name(status));
		fp_conn_close(pc, "connect-failed", detail);
		return;
	}
	pc->connected = true;
	uv_tcp_nodelay(&pc->cli, 1);
	uv_tcp_nodelay(&pc->tgt, 1);
	side_read_start(&pc->s[UP]);
	side_read_start(&pc->s[DOWN]);
	fp_plan_act_now(pc);
}

static void peer_name(uv_tcp_t *t, char *out, size_t n)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
	}
	snprintf(out, n, "%s:%d", host, port);
}

void fp_on_connection(uv_stream_t *l, int status)
{
	struct pconn *pc;
	int rc;

	if (status < 0) {
		printf("faultproxy: accept failed err=%s\n", uv_err_name(status));
		return;
	}
	pc = calloc(1, sizeof *pc);
	if (!pc)
		return;
	pc->id = ++fp_nconns_total;
	pc->start_ms = now_ms();
	pc->handles = 5;
	for (int d = 0; d < 2; d++) {
		pc->s[d].pc = pc;
		pc->s[d].d = d;
		pc->s[d].src = d == UP ? &pc->cli : &pc->tgt;
		pc->s[d].dst = d == UP ? &pc->tgt : &pc->cli;
		pc->cut_at[d] = pc->drop_at[d] = NONE;
		uv_timer_init(fp_loop, &pc->s[d].delay);
		pc->s[d].delay.data = pc;
	}
	uv_timer_init(fp_loop, &pc->guard);
	pc->guard.data = pc;
	uv_tcp_init(fp_loop, &pc->cli);
	uv_tcp_init(fp_loop, &pc->tgt);
	pc->cli.data = pc->tgt.data = pc;
	pc->next = fp_conns;
	if (fp_conns)
		fp_conns->prev = pc;
	fp_conns = pc;
	nlive++;
	rc = uv_accept(l, (uv_stream_t *)&pc->cli);
	if (rc) {
		fp_conn_close(pc, "client-error", uv_err_name(rc));
		return;
	}
	peer_name(&pc->cli, pc->peer, sizeof pc->peer);
	if (fp_stopping) {
		fp_conn_close(pc, "shutdown", NULL);
		return;
	}
	if (fp_cur.max_conns && (long)nlive > fp_cur.max_conns) {
		fp_conn_close(pc, "refused", "max-conns");
		return;
	}
	fp_plan(pc);
	pc->creq.data = pc;
	rc = uv_tcp_connect(&pc->creq, &pc->tgt, (const struct sockaddr *)&fp_target,
			    on_target_connected);
	if (rc)
		fp_conn_close(pc, "connect-failed", uv_err_name(rc));
}
