/* faultproxy: a TCP proxy for fault tests that delays, cuts and black-holes
 * traffic (client <-> safecampusd, safecampusd <-> PostgreSQL).
 *
 *   faultproxy LISTEN_PORT TARGET_HOST TARGET_PORT [options]
 *
 * It listens on 127.0.0.1:LISTEN_PORT (0: any free port, printed), connects
 * each accepted connection to TARGET_HOST:TARGET_PORT and copies bytes both
 * ways: "up" is client -> target, "down" is target -> client. Faults:
 *
 *   --dir up|down|both     which byte count the options below watch (default
 *                          both: whichever direction gets there first; for
 *                          --cut-at-random each connection draws its direction)
 *   --cut-after-bytes N    forward exactly N bytes, then close both sides
 *   --cut-at-random SEED   cut each connection at an offset drawn from
 *                          [--cut-min, --cut-max] (defaults 1, 65536) by a
 *                          generator seeded with SEED and the connection number,
 *                          so a run is reproducible; cuts land mid-frame and
 *                          mid-TLS-record
 *   --cut-with fin|rst|random   close a cut with FIN (default) or RST
 *   --drop-after N         after N bytes forward nothing more, either way, and
 *                          keep both sockets open: a black hole. A close from
 *                          one side is not passed on; the connection ends when
 *                          both sides have closed (or the proxy exits)
 *   --delay-ms N           hold every chunk N ms before forwarding it
 *   --fault-conns N        only the first N connections get a cut or a drop
 *   --max-conns N          at most N connections at once; more are closed at accept
 *   --control FILE         fault settings read from FILE whenever its contents
 *                          change (checked every 100 ms, and on SIGHUP): one
 *                          option a line without the dashes ("cut-after-bytes 300",
 *                          "dir up"), '#' comments. The file replaces every fault
 *                          setting (an empty file means a clean path; a missing
 *                          file changes nothing). Live connections are planned
 *                          again, counting from the bytes they have already
 *                          forwarded. "cut-now" cuts every live connection once.
 *
 * SIGUSR1 cuts every live connection. SIGTERM/SIGINT: every connection is
 * closed and the proxy exits 0.
 *
 * Output (stdout, one line each, for test scripts to grep):
 *   faultproxy: listening port=P target=H:P
 *   faultproxy: control settings="..."
 *   faultproxy: conn=N peer=A up=B down=B end=WHY [cut=DIR@OFFSET how=fin|rst]
 *               [dropped=DIR@OFFSET] ms=T
 *   faultproxy: exit conns=N cuts=N drops=N
 * WHY: closed (both sides ended), client-error / target-error (a read or write
 * failed), connect-failed, cut, dropped (a black hole whose sides both closed),
 * refused (over --max-conns), shutdown.
 *
 * Every buffer is bounded: a direction stops reading while more than 256 KiB
 * wait to be written (or delayed), and resumes below 64 KiB.
 *
 * This file: the options, the control file and main; the plan and the
 * proxying loop are faultproxy_conn.c, the shared state faultproxy_int.h. */
#include "faultproxy_int.h"

uv_loop_t *fp_loop;
static uv_tcp_t listener;
static uv_timer_t control_timer;
static uv_signal_t sig_term, sig_int, sig_hup, sig_usr1;
struct sockaddr_storage fp_target;
static char target_name[300];
static const char *control_path;
static char control_last[CONTROL_MAX + 1];
static bool control_seen;
struct faults fp_cur;
long fp_fault_budget_used;
struct pconn *fp_conns;
unsigned long fp_nconns_total, fp_ncuts, fp_ndrops;
unsigned fp_plan_gen;
bool fp_stopping;

/* ---- settings */

static void faults_clear(struct faults *f)
{
	memset(f, 0, sizeof *f);
	f->cut_after = NONE;
	f->drop_after = NONE;
	f->cut_min = 1;
	f->cut_max = 65536;
	f->dir = DIR_BOTH;
	f->cut_with = CW_FIN;
	f->fault_conns = -1;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (!v || !*v || *v == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = x;
	return 0;
}

/* Applies one option (name without dashes). Returns 1 if it took the value,
 * 0 if it took none, negative on error. */
static int opt_apply(struct faults *f, const char *name, const char *val, char *err, size_t errlen)
{
	uint64_t x = 0;

	if (!strcmp(name, "dir")) {
		if (val && !strcmp(val, "up"))
			f->dir = DIR_UP;
		else if (val && !strcmp(val, "down"))
			f->dir = DIR_DOWN;
		else if (val && !strcmp(val, "both"))
			f->dir = DIR_BOTH;
		else
			goto bad;
		return 1;
	}
	if (!strcmp(name, "cut-with")) {
		if (val && !strcmp(val, "fin"))
			f->cut_with = CW_FIN;
		else if (val && !strcmp(val, "rst"))
			f->cut_with = CW_RST;
		else if (val && !strcmp(val, "random"))
			f->cut_with = CW_RANDOM;
		else
			goto bad;
		return 1;
	}
	if (!strcmp(name, "cut-now"))
		return 0; /* an action, handled by the control file reader */
	if (parse_u64(val, &x))
		goto bad;
	if (!strcmp(name, "cut-after-bytes")) {
		f->cut_after = x;
	} else if (!strcmp(name, "cut-at-random")) {
		f->random = true;
		f->seed = x;
	} else if (!strcmp(name, "cut-min")) {
		f->cut_min = x;
	} else if (!strcmp(name, "cut-max")) {
		f->cut_max = x;
	} else if (!strcmp(name, "drop-after")) {
		f->drop_after = x;
	} else if (!strcmp(name, "delay-ms")) {
		if (x > 600000)
			goto bad;
		f->delay_ms = (unsigned)x;
	} else if (!strcmp(name, "fault-conns")) {
		if (x > 100000000)
			goto bad;
		f->fault_conns = (long)x;
	} else if (!strcmp(name, "max-conns")) {
		if (x > 100000000)
			goto bad;
		f->max_conns = (long)x;
	} else {
		snprintf(err, errlen, "unknown option \"%s\"", name);
		return -EINVAL;
	}
	return 1;
bad:
	snprintf(err, errlen, "bad value \"%s\" for %s", val ? val : "", name);
	return -EINVAL;
}

static int faults_check(struct faults *f, char *err, size_t errlen)
{
	if (f->random && (f->cut_min > f->cut_max)) {
		snprintf(err, errlen, "cut-min is above cut-max");
		return -EINVAL;
	}
	return 0;
}

static void faults_describe(const struct faults *f, char *out, size_t n)
{
	size_t off = 0;

#define ADD(...)                                                               \
	do {                                                                   \
		int w_ = snprintf(out + off, n - off, __VA_ARGS__);            \
		if (w_ > 0)                                                    \
			off = (size_t)w_ < n - off ? off + (size_t)w_ : n - 1; \
	} while (0)
	out[0] = '\0';
	ADD("dir=%s", f->dir == DIR_BOTH ? "both" : f->dir == DIR_UP ? "up" : "down");
	if (f->cut_after != NONE)
		ADD(" cut-after-bytes=%llu", (unsigned long long)f->cut_after);
	if (f->random)
		ADD(" cut-at-random=%llu cut-min=%llu cut-max=%llu", (unsigned long long)f->seed,
		    (unsigned long long)f->cut_min, (unsigned long long)f->cut_max);
	if (f->cut_after != NONE || f->random)
		ADD(" cut-with=%s", f->cut_with == CW_FIN   ? "fin"
				    : f->cut_with == CW_RST ? "rst"
							    : "random");
	if (f->drop_after != NONE)
		ADD(" drop-after=%llu", (unsigned long long)f->drop_after);
	if (f->delay_ms)
		ADD(" delay-ms=%u", f->delay_ms);
	if (f->fault_conns >= 0)
		ADD(" fault-conns=%ld", f->fault_conns);
	if (f->max_conns)
		ADD(" max-conns=%ld", f->max_conns);
#undef ADD
}

/* ---- control */

static void cut_all(const char *why)
{
	unsigned long n = 0;

	for (struct pconn *pc = fp_conns; pc; pc = pc->next) {
		if (pc->closing || pc->cutting)
			continue;
		if (!pc->connected) {
			fp_conn_close(pc, "cut", why);
		} else {
			fp_cut_begin(pc, UP, pc->s[UP].bytes);
		}
		n++;
	}
	printf("faultproxy: %s: cut %lu live connections\n", why, n);
}

static void control_apply(const char *text)
{
	struct faults f;
	char line[256], err[160], desc[300];
	const char *p = text;
	bool now = false;
	int lineno = 0;

	faults_clear(&f);
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *name, *val, *save = NULL;

		lineno++;
		snprintf(line, sizeof line, "%.*s",
			 (int)(len < sizeof line ? len : sizeof line - 1), p);
		p += len + (p[len] == '\n');
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		name = strtok_r(line, " \t\r=", &save);
		if (!name)
			continue;
		if (name[0] == '-' && name[1] == '-')
			name += 2;
		val = strtok_r(NULL, " \t\r=", &save);
		if (!strcmp(name, "cut-now")) {
			now = true;
			continue;
		}
		if (opt_apply(&f, name, val, err, sizeof err) < 0) {
			printf("faultproxy: control %s:%d: %s; settings unchanged\n", control_path,
			       lineno, err);
			return;
		}
	}
	if (faults_check(&f, err, sizeof err)) {
		printf("faultproxy: control %s: %s; settings unchanged\n", control_path, err);
		return;
	}
	/* max-conns is not a fault: the file may not drop the command line's */
	if (!f.max_conns)
		f.max_conns = fp_cur.max_conns;
	fp_cur = f;
	fp_fault_budget_used = 0;
	fp_plan_gen++;
	faults_describe(&fp_cur, desc, sizeof desc);
	printf("faultproxy: control settings=\"%s\"%s\n", desc, now ? " cut-now" : "");
	for (struct pconn *pc = fp_conns; pc; pc = pc->next) {
		if (pc->closing || pc->cutting || pc->dropping)
			continue;
		fp_plan(pc);
		fp_plan_act_now(pc);
	}
	if (now)
		cut_all("cut-now");
}

/* Reads the control file; applies it if its contents changed. */
static void control_check(void)
{
	char buf[CONTROL_MAX + 1];
	FILE *f;
	size_t n;

	if (!control_path)
		return;
	f = fopen(control_path, "r");
	if (!f)
		return; /* missing: nothing changes */
	n = fread(buf, 1, CONTROL_MAX, f);
	fclose(f);
	buf[n] = '\0';
	if (control_seen && !strcmp(buf, control_last))
		return;
	control_seen = true;
	memcpy(control_last, buf, n + 1);
	control_apply(buf);
}

static void on_control_timer(uv_timer_t *t)
{
	(void)t;
	control_check();
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	if (signum == SIGHUP) {
		control_seen = false;
		control_check();
		return;
	}
	if (signum == SIGUSR1) {
		cut_all("SIGUSR1");
		return;
	}
	if (fp_stopping)
		return;
	fp_stopping = true;
	printf("faultproxy: signal %d: shutting down\n", signum);
	uv_close((uv_handle_t *)&listener, NULL);
	uv_close((uv_handle_t *)&control_timer, NULL);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&sig_hup, NULL);
	uv_close((uv_handle_t *)&sig_usr1, NULL);
	for (struct pconn *pc = fp_conns; pc; pc = pc->next)
		fp_conn_close(pc, "shutdown", NULL);
}

/* ---- main */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: faultproxy LISTEN_PORT TARGET_HOST TARGET_PORT [options]\n"
		"A TCP proxy on 127.0.0.1 that cuts, black-holes and delays traffic, for tests.\n"
		"  --dir up|down|both        byte count the faults watch (up: client->target)\n"
		"  --cut-after-bytes N       forward N bytes, then close both sides\n"
		"  --cut-at-random SEED      cut each connection at a seeded random offset\n"
		"  --cut-min N, --cut-max N  range of that offset (default 1..65536)\n"
		"  --cut-with fin|rst|random how a cut closes (default fin)\n"
		"  --drop-after N            after N bytes forward nothing, keep sockets open\n"
		"  --delay-ms N              hold every chunk N ms\n"
		"  --fault-conns N           only the first N connections get faults\n"
		"  --max-conns N             at most N connections at once\n"
		"  --control FILE            fault settings re-read whenever FILE changes\n"
		"SIGUSR1 cuts every live connection; SIGHUP re-reads FILE; SIGTERM exits 0.\n");
}

int main(int argc, char **argv)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_in la;
	uint64_t lport = 0;
	char err[160], desc[300];
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	faults_clear(&fp_cur);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 4 || parse_u64(argv[1], &lport) || lport > 65535) {
		usage(stderr);
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		const char *name = argv[i];

		if (strncmp(name, "--", 2) != 0) {
			fprintf(stderr, "faultproxy: unexpected argument \"%s\"\n", name);
			return 2;
		}
		name += 2;
		if (!strcmp(name, "control")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "faultproxy: --control needs a file\n");
				return 2;
			}
			control_path = argv[++i];
			continue;
		}
		rc = opt_apply(&fp_cur, name, i + 1 < argc ? argv[i + 1] : NULL, err, sizeof err);
		if (rc < 0) {
			fprintf(stderr, "faultproxy: %s\n", err);
			return 2;
		}
		i += rc;
	}
	if (faults_check(&fp_cur, err, sizeof err)) {
		fprintf(stderr, "faultproxy: %s\n", err);
		return 2;
	}

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(argv[2], argv[3], &hints, &ai);
	if (rc || !ai) {
		fprintf(stderr, "faultproxy: cannot resolve %s:%s: %s\n", argv[2], argv[3],
			gai_strerror(rc));
		return 1;
	}
	memcpy(&fp_target, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	snprintf(target_name, sizeof target_name, "%s:%s", argv[2], argv[3]);

	fp_loop = uv_default_loop();
	uv_ip4_addr("127.0.0.1", (int)lport, &la);
	uv_tcp_init(fp_loop, &listener);
	rc = uv_tcp_bind(&listener, (const struct sockaddr *)&la, 0);
	if (!rc)
		rc = uv_listen((uv_stream_t *)&listener, 128, fp_on_connection);
	if (rc) {
		fprintf(stderr, "faultproxy: cannot listen on 127.0.0.1:%llu: %s\n",
			(unsigned long long)lport, uv_strerror(rc));
		uv_close((uv_handle_t *)&listener, NULL);
		uv_run(fp_loop, UV_RUN_DEFAULT);
		uv_loop_close(fp_loop);
		return 1;
	}
	struct sockaddr_storage bound;
	int blen = sizeof bound;
	if (uv_tcp_getsockname(&listener, (struct sockaddr *)&bound, &blen) == 0)
		lport = ntohs(((struct sockaddr_in *)&bound)->sin_port);

	uv_timer_init(fp_loop, &control_timer);
	uv_signal_init(fp_loop, &sig_term);
	uv_signal_init(fp_loop, &sig_int);
	uv_signal_init(fp_loop, &sig_hup);
	uv_signal_init(fp_loop, &sig_usr1);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_signal_start(&sig_hup, on_signal, SIGHUP);
	uv_signal_start(&sig_usr1, on_signal, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	printf("faultproxy: listening port=%llu target=%s\n", (unsigned long long)lport,
	       target_name);
	faults_describe(&fp_cur, desc, sizeof desc);
	printf("faultproxy: settings=\"%s\"\n", desc);
	if (control_path) {
		control_check();
		uv_timer_start(&control_timer, on_control_timer, CONTROL_POLL_MS, CONTROL_POLL_MS);
	}

	uv_run(fp_loop, UV_RUN_DEFAULT);
	printf("faultproxy: exit conns=%lu cuts=%lu drops=%lu\n", fp_nconns_total, fp_ncuts,
	       fp_ndrops);
	rc = uv_loop_close(fp_loop);
	if (rc)
		fprintf(stderr, "faultproxy: loop closed with handles open\n");
	return rc ? 1 : 0;
}
