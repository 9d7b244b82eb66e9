/* ingest: how fast hazard records get into PostgreSQL, three ways, one run.
 *
 *   (a) COPY hazard (...) FROM STDIN, binary and text: the database's ceiling
 *       for this table with its indexes (one stream, one transaction);
 *   (b) the server's own SQL over libpq, without the server: the upsert that
 *       kindsql builds for the hazard kind (kindsql_init + kindsql_batch_*),
 *       batches of -b records, one transaction per batch under the district
 *       sync lock with nextval('sync_seq'), as server/push.c runs it:
 *         upsert-only  BEGIN; lock; upsert; COMMIT            (one round trip)
 *         push.c SQL   BEGIN; statement_timeout; lock;        (two round
 *                      select existing | upsert; pg_notify;    trips, lock held
 *                      COMMIT                                  across both)
 *   (c) end to end: -c clients, each with its own school's certificate, push
 *       N/c records to a running safecampusd over mutual TLS in Push batches
 *       of -b (up to -w Pushes in flight per connection), measured from the
 *       first send to the last PushAck; every result must be accepted.
 *
 * The same N records (generated once, deterministic from -s; school k of -c
 * owns the k-th slice) go in every way and in the same order: batches of -b
 * taken round robin over the schools, the order in which the concurrent
 * clients of (c) deliver them. One database: the hazard table is truncated
 * (and a CHECKPOINT taken, if allowed) before each method, so every method
 * starts from an empty table and indexes with no dirty buffers left by the
 * one before. After each method the row count must be N.
 *
 * Timed: only the loading. Not timed: generating the records, building the
 * COPY streams and the upsert parameter arrays (so (a) and (b) measure the
 * database), TLS handshakes and Hello, and encoding the Push frames (so (c)
 * measures the server path: TLS, framing, decoding, checks, SQL, acks).
 *
 * CPU columns (scheduler counters, /proc/PID/task/TID/schedstat): this
 * process, the server process tree, the whole PostgreSQL cluster (postmaster
 * and every child), the PostgreSQL sessions doing the load (this process's
 * backend for a/b, the server's pool backends for c); the run-queue wait of
 * ours; and what the rest of the machine used meanwhile (/proc/stat), since a
 * shared machine's wall-clock numbers are only as good as its quiet.
 *
 * --append: the table keeps what it holds (a filled district); before each
 * method only this run's own ids are deleted (untimed), and the check is
 * that the table grew by N. Without it the table is emptied (TRUNCATE).
 * --label names the run in the table's title (run_ingest.sh: "empty
 * district", "filled district").
 *
 * usage: ingest [-n N] [-c clients] [-b batch] [-w window] [-s seed]
 *               [-d conninfo] [--server HOST:PORT --pki DIR [--server-pid PID]]
 *               [--only LIST] [--append] [--label TEXT]
 * Methods for --only (comma-separated): copy-binary, copy-text, upsert,
 * push-sql, e2e. tests/bench/run_ingest.sh sets everything up.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"
#include "hlc.h"
#include "kinds.h"
#include "kindsql.h"
#include "log.h"
#include "migrate.h"
#include "tls.h"

/* The same key and statements as server/push.c (static there). */
#define SYNC_LOCK_KEY "5956551234"
#define NOTIFY_SQL "SELECT pg_notify('safecampus_changes', $1 || ':' || currval('sync_seq'))"
#define LOCK_SQL "SELECT pg_advisory_xact_lock($1::bigint)"
#define TIMEOUT_SQL "SELECT set_config('statement_timeout', $1, true)"
#define TIMEOUT_VALUE "30000ms" /* request_timeout_ms's default, as server.c formats it */

#define BIG ((size_t)4 << 30)
#define MAX_CLIENTS 64
#define MAX_COLS 64

/* the bench lives for one run; what it allocates dies with it */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static struct {
	long n, clients, batch, window;
	unsigned long long seed;
	const char *conninfo, *server, *pki, *only, *campus, *label;
	int server_pid, append;
} opt = { 200000, 4, 1000, 2, 42, NULL, NULL, NULL, NULL, "main", NULL, 0, 0 };

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ingest: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time and run-queue wait (seconds) of a process or a set of them, from
 * the scheduler's own counters (/proc/PID/task/TID/schedstat, nanoseconds). */
struct usage {
	double cpu, wait;
};

static int task_usage(int pid, struct usage *u)
{
	char path[64];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		char sp[320];
		unsigned long long run, wait;
		FILE *f;
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(sp, sizeof sp, "/proc/%d/task/%s/schedstat", pid, e->d_name);
		if (!(f = fopen(sp, "r")))
			continue;
		if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
			u->cpu += (double)run / 1e9;
			u->wait += (double)wait / 1e9;
		}
		fclose(f);
	}
	closedir(d);
	return 0;
}

/* ppid of pid and the CPU of the children it reaped (cutime+cstime). */
static int proc_stat(int pid, int *ppid, double *reaped)
{
	char path[64], line[1024];
	FILE *f;
	size_t len;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	len = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[len] = '\0';
	char *p = strrchr(line, ')'); /* comm may hold spaces */
	if (!p)
		return -1;
	/* after ") ": state(3) ppid(4) pgrp session tty tpgid flags(9), then
	 * v[0..3] minflt cminflt majflt cmajflt, v[4] utime(14) v[5] stime(15)
	 * v[6] cutime(16) v[7] cstime(17) v[8] priority */
	char st;
	int pp;
	unsigned long long v[10];
	if (sscanf(p + 2, "%c %d %*d %*d %*d %*d %*u %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &st, &pp, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 11)
		return -1;
	if (ppid)
		*ppid = pp;
	if (reaped)
		*reaped = (double)(v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

/* pid, its live children, and the children it reaped (CPU only, to the
 * clock tick): the whole tree, monotonic as long as pid lives. */
static struct usage tree_usage(int pid)
{
	struct usage u = { 0, 0 };
	double reaped;
	DIR *d;
	struct dirent *e;

	if (pid <= 0 || task_usage(pid, &u) || proc_stat(pid, NULL, &reaped)) {
		u.cpu = -1;
		return u;
	}
	u.cpu += reaped;
	if (!(d = opendir("/proc")))
		return u;
	while ((e = readdir(d))) {
		int ppid, child;
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		child = atoi(e->d_name);
		if (child == pid || proc_stat(child, &ppid, &reaped) || ppid != pid)
			continue;
		struct usage c = { reaped, 0 };
		if (task_usage(child, &c) == 0) {
			u.cpu += c.cpu;
			u.wait += c.wait;
		}
	}
	closedir(d);
	return u;
}

/* This process: CPU of every thread, live or finished (getrusage), and the
 * calling thread's run-queue wait (a finished thread's wait is gone from
 * /proc, so the client threads report theirs themselves). */
static struct usage self_usage(void)
{
	struct usage u = { 0, 0 };
	struct rusage ru;
	unsigned long long run, wait;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &run, &wait) == 2)
			u.wait = (double)wait / 1e9;
		fclose(f);
	}
	getrusage(RUSAGE_SELF, &ru);
	u.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return u;
}

static struct usage pids_usage(const int *pids, int n)
{
	struct usage u = { 0, 0 };

	for (int i = 0; i < n; i++)
		(void)task_usage(pids[i], &u);
	if (!n)
		u.cpu = -1;
	return u;
}

/* CPU seconds all CPUs spent busy (not idle, not iowait) since boot. */
static double machine_busy(void)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		       &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 8)
		return -1;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* ------------------------------------------------------------ PostgreSQL */

static PGconn *pg;
static int pg_session_pid, postmaster_pid;

static PGresult *q(const char *sql, ExecStatusType want)
{
	PGresult *r = PQexec(pg, sql);

	if (PQresultStatus(r) != want)
		die("%s: %s", sql, PQerrorMessage(pg));
	return r;
}

static long count_rows(void)
{
	PGresult *r = q("SELECT count(*) FROM hazard", PGRES_TUPLES_OK);
	long n = atol(PQgetvalue(r, 0, 0));

	PQclear(r);
	return n;
}

static long base_rows; /* rows the table held before the method (--append) */
static void forget_own_rows(void);

/* Empty table and indexes (with --append: the table as it was, without this
 * run's rows), and a checkpoint so no method pays for the previous one's
 * dirty buffers (CHECKPOINT needs pg_checkpoint or superuser; run_ingest.sh
 * grants it). */
static void fresh_table(void)
{
	static int warned;
	PGresult *r;

	if (opt.append) {
		forget_own_rows();
		base_rows = count_rows();
	} else {
		/* the timelines too: TRUNCATE fires no delete trigger */
		PQclear(q("TRUNCATE hazard, dash_hazard CASCADE", PGRES_COMMAND_OK));
		base_rows = 0;
	}
	r = PQexec(pg, "CHECKPOINT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK && !warned++)
		fprintf(stderr,
			"ingest: note: CHECKPOINT refused (%s); methods may pay for each "
			"other's checkpoints\n",
			PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
	PQclear(r);
}

/* ------------------------------------------------------------ the records */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
#define PICK(a) ((a)[rnd() % (sizeof(a) / sizeof((a)[0]))])

static const char *const titles[] = {
	"教学楼东侧楼梯扶手松动",
	"实验室危化品柜未双人双锁",
	"食堂燃气管道接口老化渗漏",
	"操场北侧围栏立柱锈蚀松动",
	"宿舍楼安全出口指示灯不亮",
	"配电箱门未关闭且无警示标识",
	"北门监控摄像头画面中断",
	"校车座椅安全带卡扣损坏",
	"图书馆灭火器压力不足",
	"体育馆篮球架底座螺栓缺失",
	"Loose handrail on east stairwell",
	"Fire door propped open with a chair",
	"Cracked window pane in classroom 2-3",
	"Emergency lighting fails battery test",
	"Gas smell near canteen kitchen range",
	"Exposed wiring above corridor ceiling tiles",
	"Playground slide edge splintered",
	"Blocked evacuation route behind the gym",
	"门卫室一键报警装置无响应",
	"教学楼顶层天台门锁损坏",
	"校园周界红外对射报警误报频繁",
	"化学实验室通风橱风量不足",
	"Water dispenser leaking onto power strip",
	"Missing anti-slip strips on stairs",
};
static const char *const buildings[] = {
	"教学楼A座", "教学楼B座", "综合楼",        "实验楼",        "学生宿舍3号楼", "食堂一楼后厨",
	"体育馆",    "图书馆",    "Main building", "Science block", "North gate",    "Sports field",
};
static const char *const observations[] = {
	"日常巡查时发现该处存在明显安全隐患，现场已拍照留存，",
	"班主任在课间巡视中报告此问题，经安全员复核属实，",
	"月度安全检查中由后勤处会同保卫处共同发现，",
	"During the weekly inspection the duty teacher found the problem and took photos; ",
	"Reported by a student at morning assembly and confirmed by the safety officer; ",
	"家长委员会开放日反映，经现场核查确认，",
};
static const char *const risks[] = {
	"若不及时处理，学生上下楼高峰时段易发生跌倒、挤压等事故。",
	"存在火灾及触电风险，可能影响周边教室和人员疏散通道。",
	"可能导致夜间周界防范失效，外来人员可趁机进入校园。",
	"students could be hurt during the busy change of classes. ",
	"it creates a fire and electric shock risk next to an evacuation route. ",
	"雨季来临前需重点关注，防止事态扩大。",
};
static const char *const actions[] = {
	"已设置临时警戒线并通知后勤处安排维修，预计三个工作日内完成整改。",
	"建议更换同型号配件，整改完成后由安全办复查并上传照片。",
	"Temporary barrier in place; facilities asked for a repair quote this week.",
	"已报告分管副校长，列入本周隐患整改台账并明确责任人。",
	"Area closed to students until the contractor fixes it; recheck after repair.",
};
static const char *const reporters[] = { "张伟", "李娜",     "王芳",      "刘洋",     "陈静",
					 "杨磊", "Zhao Min", "Wang Fang", "Li Qiang", "周老师" };

struct dataset {
	size_t n;
	int nschools;
	char schools[MAX_CLIENTS][24];        /* "school" + any int: no truncation */
	size_t school_start[MAX_CLIENTS + 1]; /* records of school s: [start[s], start[s+1]) */
	Safecampus__Record *recs;
	Safecampus__Hazard *hz;
	Safecampus__Record **ptrs;
	char (*ids)[37];
	double text_bytes, wire_bytes; /* averages per record */
};
static struct dataset ds;

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		die("out of memory");
	return p;
}

/* --append: deletes this run's records (by id, school by school) so that
 * every method meets the district as it was; the dashboard triggers see the
 * deletes, as they would any. Not timed. */
static void forget_own_rows(void)
{
	for (int s = 0; s < ds.nschools; s++) {
		struct buf ids;
		int rc;

		buf_init(&ids, BIG);
		rc = buf_append(&ids, "{", 1);
		for (size_t i = ds.school_start[s]; i < ds.school_start[s + 1] && !rc; i++)
			rc = (i > ds.school_start[s] ? buf_append(&ids, ",", 1) : 0) ||
			     buf_append(&ids, ds.ids[i], 36);
		if (rc || buf_append(&ids, "}", 2))
			die("building the id list");
		const char *params[2] = { ds.schools[s], (const char *)buf_head(&ids) };
		PGresult *r = PQexecParams(pg,
					   "DELETE FROM hazard h USING unnest($2::uuid[]) AS q(id) "
					   "WHERE h.school = $1 AND h.id = q.id",
					   2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			die("deleting the bench's rows: %s", PQerrorMessage(pg));
		PQclear(r);
		buf_free(&ids);
	}
}

static void make_uuid(char out[37])
{
	uint64_t a = rnd(), b = rnd();
	uint8_t u[16];

	for (int i = 0; i < 8; i++) {
		u[i] = (uint8_t)(a >> (8 * i));
		u[8 + i] = (uint8_t)(b >> (8 * i));
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

static void generate(void)
{
	struct hlc clock = { 0 };
	char tmp[1024];
	size_t text = 0, wire = 0;

	rng_state = opt.seed;
	ds.n = (size_t)opt.n;
	ds.nschools = (int)opt.clients;
	ds.recs = xcalloc(ds.n, sizeof *ds.recs);
	ds.hz = xcalloc(ds.n, sizeof *ds.hz);
	ds.ptrs = xcalloc(ds.n, sizeof *ds.ptrs);
	ds.ids = xcalloc(ds.n, sizeof *ds.ids);
	for (int s = 0; s <= ds.nschools; s++)
		ds.school_start[s] = ds.n * (size_t)s / (size_t)ds.nschools;
	uint64_t base = hlc_wall_ms() - 1000; /* stamps stay in the past: never "ahead" */
	for (int s = 0; s < ds.nschools; s++) {
		snprintf(ds.schools[s], sizeof ds.schools[s], "school%03d", s + 1);
		for (size_t i = ds.school_start[s]; i < ds.school_start[s + 1]; i++) {
			Safecampus__Record *r = &ds.recs[i];
			Safecampus__Hazard *h = &ds.hz[i];
			safecampus__record__init(r);
			safecampus__hazard__init(h);
			make_uuid(ds.ids[i]);
			r->id = ds.ids[i];
			r->school = ds.schools[s];
			r->campus = (char *)opt.campus;
			r->hlc = hlc_tick(&clock, base);
			r->body_case = SAFECAMPUS__RECORD__BODY_HAZARD;
			r->hazard = h;
			snprintf(tmp, sizeof tmp, "%s（第%zu号）", PICK(titles), i + 1);
			h->title = xstrdup(tmp);
			snprintf(tmp, sizeof tmp, "%s %d层 %d%02d室", PICK(buildings),
				 (int)(rnd() % 6) + 1, (int)(rnd() % 6) + 1, (int)(rnd() % 30) + 1);
			h->location = xstrdup(tmp);
			h->area = (Safecampus__HazardArea)(1 + rnd() % 9);
			h->severity = (Safecampus__Severity)(1 + rnd() % 4);
			snprintf(tmp, sizeof tmp, "%s%s%s", PICK(observations), PICK(risks),
				 PICK(actions));
			h->description = xstrdup(tmp);
			snprintf(tmp, sizeof tmp, "2026-%02d-%02d", (int)(rnd() % 11) + 1,
				 (int)(rnd() % 28) + 1); /* not after today (rules) */
			h->found_date = xstrdup(tmp);
			h->reporter = xstrdup(PICK(reporters));
			ds.ptrs[i] = r;
			text += strlen(h->title) + strlen(h->location) + strlen(h->description) +
				strlen(h->found_date) + strlen(h->reporter);
			wire += safecampus__record__get_packed_size(r);
		}
	}
	ds.text_bytes = (double)text / (double)ds.n;
	ds.wire_bytes = (double)wire / (double)ds.n;
}

/* ------------------------------------------------------------ batches */

/* The batches of every method, in one order: round robin over the schools,
 * as the concurrent clients of the end-to-end run deliver them, so that all
 * methods build the indexes in the same pattern. */
struct ubatch {
	int school;
	size_t first, n;
	struct kindsql_batch kb;
	const char *const *params;
	struct buf ids; /* uuid[] literal for select_existing */
};
static struct ubatch *ub;
static size_t nub;

static void plan_batches(void)
{
	size_t cap = ds.n / (size_t)opt.batch + (size_t)ds.nschools + 1;

	ub = xcalloc(cap, sizeof *ub);
	nub = 0;
	for (size_t k = 0;; k++) {
		size_t added = 0;
		for (int s = 0; s < ds.nschools; s++) {
			size_t i = ds.school_start[s] + k * (size_t)opt.batch;
			if (i >= ds.school_start[s + 1])
				continue;
			struct ubatch *u = &ub[nub++];
			u->school = s;
			u->first = i;
			u->n = ds.school_start[s + 1] - i < (size_t)opt.batch
				       ? ds.school_start[s + 1] - i
				       : (size_t)opt.batch;
			added++;
		}
		if (!added)
			break;
	}
}

/* ------------------------------------------------------------ columns */

struct col {
	char name[64];
	char type[64];
	int field; /* payload field index, or -1 for a common column */
};
static struct col cols[MAX_COLS];
static int ncols;
static const struct kind *hk;

static void load_columns(void)
{
	static const char *const common[] = { "id",      "school", "campus",    "hlc",
					      "deleted", "seq",    "written_by" };
	const char *params[1] = { "hazard" };
	PGresult *r = PQexecParams(
		pg,
		"SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
		"WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
		1, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		die("reading hazard columns: %s", PQerrorMessage(pg));
	ncols = 0;
	for (unsigned i = 0; i < 7 + hk->desc->n_fields; i++) {
		struct col *c = &cols[ncols++];
		snprintf(c->name, sizeof c->name, "%s",
			 i < 7 ? common[i] : hk->desc->fields[i - 7].name);
		c->field = i < 7 ? -1 : (int)(i - 7);
		c->type[0] = '\0';
		for (int row = 0; row < PQntuples(r); row++)
			if (!strcmp(PQgetvalue(r, row, 0), c->name))
				snprintf(c->type, sizeof c->type, "%s", PQgetvalue(r, row, 1));
		if (!c->type[0])
			die("table hazard has no column %s", c->name);
	}
	PQclear(r);
}

/* Text form of column c of record i (the same text kindsql_batch_add sends);
 * seq is the row's position in the load. */
static char *col_text(int c, size_t i, size_t seq, char *num)
{
	const Safecampus__Record *r = ds.ptrs[i];

	switch (c) {
	case 0:
		return xstrdup(r->id);
	case 1:
		return xstrdup(r->school);
	case 2:
		return xstrdup(r->campus);
	case 3:
		snprintf(num, 32, "%" PRIu64, r->hlc);
		return xstrdup(num);
	case 4:
		return xstrdup(r->deleted ? "true" : "false");
	case 5:
		snprintf(num, 32, "%zu", seq);
		return xstrdup(num);
	case 6:
		return xstrdup(opt.campus); /* written_by */
	default: {
		char *s = kind_field_get(kind_payload(r), &hk->desc->fields[cols[c].field]);
		if (!s)
			die("out of memory");
		return s;
	}
	}
}

static int is_text(const char *t)
{
	return !strcmp(t, "text") || !strncmp(t, "character varying", 17);
}
static int is_int(const char *t)
{
	return !strcmp(t, "bigint") || !strcmp(t, "integer") || !strcmp(t, "smallint");
}

static void put(struct buf *b, const void *p, size_t n)
{
	if (buf_append(b, p, n))
		die("COPY stream too large");
}
static void put_be(struct buf *b, uint64_t v, int bytes)
{
	uint8_t x[8];

	for (int i = 0; i < bytes; i++)
		x[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	put(b, x, (size_t)bytes);
}

/* Days from 2000-01-01 (PostgreSQL's date epoch), proleptic Gregorian. */
static long days_since_2000(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - 10957;
}

/* One value in COPY BINARY; the conventions of kindsql's upsert: "" is 0 for
 * numbers, false for booleans, NULL for other non-text types. */
static int bin_value(struct buf *b, const char *type, const char *s)
{
	if (is_text(type)) {
		put_be(b, strlen(s), 4);
		put(b, s, strlen(s));
	} else if (is_int(type)) {
		int bytes = !strcmp(type, "bigint") ? 8 : !strcmp(type, "integer") ? 4 : 2;
		put_be(b, (uint64_t)bytes, 4);
		put_be(b, (uint64_t)strtoll(s, NULL, 10), bytes);
	} else if (!strcmp(type, "boolean")) {
		put_be(b, 1, 4);
		put_be(b, s[0] == 't' || s[0] == '1' || s[0] == 'y', 1);
	} else if (!s[0]) {
		put_be(b, 0xffffffffu, 4); /* NULL */
	} else if (!strcmp(type, "uuid")) {
		uint8_t u[16];
		int k = 0;
		for (const char *p = s; *p && k < 32; p++) {
			if (*p == '-')
				continue;
			int v = isdigit((unsigned char)*p) ? *p - '0' : (*p | 0x20) - 'a' + 10;
			u[k / 2] = (uint8_t)(k % 2 ? (u[k / 2] | v) : v << 4);
			k++;
		}
		put_be(b, 16, 4);
		put(b, u, 16);
	} else if (!strcmp(type, "date")) {
		int y, m, d;
		if (sscanf(s, "%d-%d-%d", &y, &m, &d) != 3)
			return -1;
		put_be(b, 4, 4);
		put_be(b, (uint64_t)days_since_2000(y, m, d), 4);
	} else {
		return -1;
	}
	return 0;
}

static void text_value(struct buf *b, const char *type, const char *s)
{
	if (!s[0] && !is_text(type)) {
		const char *v = is_int(type) || !strcmp(type, "double precision") ? "0"
				: !strcmp(type, "boolean")                        ? "f"
										  : "\\N";
		put(b, v, strlen(v));
		return;
	}
	for (const char *p = s; *p; p++) {
		const char *esc = *p == '\\'   ? "\\\\"
				  : *p == '\t' ? "\\t"
				  : *p == '\n' ? "\\n"
				  : *p == '\r' ? "\\r"
					       : NULL;
		if (esc)
			put(b, esc, 2);
		else
			put(b, p, 1);
	}
}

/* The whole COPY stream for all records; -1 if a column type has no binary
 * encoder here. */
static int build_copy(struct buf *b, int binary)
{
	char num[32];

	buf_init(b, BIG);
	if (binary) {
		put(b, "PGCOPY\n\377\r\n\0", 11);
		put_be(b, 0, 4);
		put_be(b, 0, 4);
	}
	size_t seq = 0;
	for (size_t bi = 0; bi < nub; bi++) {
		for (size_t i = ub[bi].first; i < ub[bi].first + ub[bi].n; i++) {
			seq++;
			if (binary)
				put_be(b, (uint64_t)ncols, 2);
			for (int c = 0; c < ncols; c++) {
				char *s = col_text(c, i, seq, num);
				int bad = binary ? bin_value(b, cols[c].type, s) : 0;
				if (!binary) {
					if (c)
						put(b, "\t", 1);
					text_value(b, cols[c].type, s);
				}
				free(s);
				if (bad)
					return -1;
			}
			if (!binary)
				put(b, "\n", 1);
		}
	}
	if (binary)
		put_be(b, 0xffff, 2);
	return 0;
}

static const char *copy_sql(int binary)
{
	static char sql[2048];
	size_t at = (size_t)snprintf(sql, sizeof sql, "COPY hazard (");

	for (int c = 0; c < ncols; c++)
		at += (size_t)snprintf(sql + at, sizeof sql - at, "%s%s", c ? ", " : "",
				       cols[c].name);
	snprintf(sql + at, sizeof sql - at, ") FROM STDIN%s", binary ? " (FORMAT binary)" : "");
	return sql;
}

/* ------------------------------------------------------------ results */

struct result {
	const char *method;
	long rows;
	size_t batches; /* transactions / Pushes; 0 for COPY */
	double secs, client_cpu, server_cpu, pg_sess_cpu, pg_cpu, other_cpu, wait;
	char note[160];
};
static struct result results[8];
static int nresults;

struct meter {
	struct usage self, server, sess, pg;
	double t, busy;
	int sess_pids[16], nsess;
};

static void meter_start(struct meter *m, const int *sess, int nsess)
{
	m->nsess = nsess;
	memcpy(m->sess_pids, sess, (size_t)nsess * sizeof *sess);
	m->self = self_usage();
	m->server = tree_usage(opt.server_pid);
	m->sess = pids_usage(sess, nsess);
	m->pg = tree_usage(postmaster_pid);
	m->busy = machine_busy();
	m->t = now_s();
}

static struct result *meter_stop(struct meter *m, const char *method, double t0, double t1)
{
	struct result *r = &results[nresults++];
	struct usage self = self_usage(), server = tree_usage(opt.server_pid);
	struct usage sess = pids_usage(m->sess_pids, m->nsess), pgc = tree_usage(postmaster_pid);
	double busy = machine_busy();

	r->method = method;
	r->secs = t1 - t0;
	r->client_cpu = self.cpu - m->self.cpu;
	r->server_cpu = m->server.cpu >= 0 && server.cpu >= 0 ? server.cpu - m->server.cpu : -1;
	r->pg_sess_cpu = m->sess.cpu >= 0 ? sess.cpu - m->sess.cpu : -1;
	r->pg_cpu = m->pg.cpu >= 0 && pgc.cpu >= 0 ? pgc.cpu - m->pg.cpu : -1;
	r->wait = self.wait - m->self.wait +
		  (r->server_cpu >= 0 ? server.wait - m->server.wait : 0) +
		  (r->pg_cpu >= 0 ? pgc.wait - m->pg.wait : 0);
	/* what the rest of the machine burnt meanwhile: a shared box is noisy */
	r->other_cpu = busy - m->busy - r->client_cpu - (r->server_cpu > 0 ? r->server_cpu : 0) -
		       (r->pg_cpu > 0 ? r->pg_cpu : 0);
	if (r->other_cpu < 0)
		r->other_cpu = 0;
	r->rows = count_rows() - base_rows;
	if (r->rows != (long)ds.n)
		die("%s: hazard grew by %ld rows, expected %zu", method, r->rows, ds.n);
	return r;
}

static void print_cpu(double v, int w)
{
	if (v < 0)
		printf(" %*s", w, "-");
	else
		printf(" %*.2f", w, v);
}

static void print_table(void)
{
	double copy_rate = 0, upsert_rate = 0;

	for (int i = 0; i < nresults; i++) {
		if (!copy_rate && !strncmp(results[i].method, "COPY binary", 11))
			copy_rate = (double)results[i].rows / results[i].secs;
		if (!upsert_rate && !strncmp(results[i].method, "upsert only", 11))
			upsert_rate = (double)results[i].rows / results[i].secs;
	}
	if (opt.label)
		printf("\n== %s: %zu records in batches of %ld\n", opt.label, ds.n, opt.batch);
	printf("\n%-34s %7s %7s %7s %7s %7s %7s %6s %6s %7s %6s %6s %6s %7s %7s\n", "method",
	       "rows", "seconds", "rows/s", "push/s", "vs COPY", "vs ups", "bench", "server", "pg",
	       "pg", "ours", "others", "ours", "pg sess");
	printf("%-34s %7s %7s %7s %7s %7s %7s %6s %6s %7s %6s %6s %6s %7s %7s\n", "", "", "", "",
	       "", "", "", "cpu s", "cpu s", "sess", "all", "runq", "cpu s", "us/row", "us/row");
	for (int i = 0; i < nresults; i++) {
		struct result *r = &results[i];
		double rate = (double)r->rows / r->secs;
		double ours = r->client_cpu + (r->server_cpu > 0 ? r->server_cpu : 0) +
			      (r->pg_cpu > 0 ? r->pg_cpu : 0);
		printf("%-34s %7ld %7.2f %7.0f", r->method, r->rows, r->secs, rate);
		if (r->batches)
			printf(" %7.1f", (double)r->batches / r->secs);
		else
			printf(" %7s", "-");
		if (copy_rate)
			printf(" %7.2f", rate / copy_rate);
		else
			printf(" %7s", "-");
		if (upsert_rate)
			printf(" %7.2f", rate / upsert_rate);
		else
			printf(" %7s", "-");
		print_cpu(r->client_cpu, 6);
		print_cpu(r->server_cpu, 6);
		print_cpu(r->pg_sess_cpu, 7);
		print_cpu(r->pg_cpu, 6);
		print_cpu(r->wait, 6);
		print_cpu(r->other_cpu, 6);
		printf(" %7.1f", ours * 1e6 / (double)r->rows);
		if (r->pg_sess_cpu >= 0)
			printf(" %7.1f\n", r->pg_sess_cpu * 1e6 / (double)r->rows);
		else
			printf(" %7s\n", "-");
	}
	for (int i = 0; i < nresults; i++)
		if (results[i].note[0])
			printf("  %s: %s\n", results[i].method, results[i].note);
}

/* ------------------------------------------------------------ (a) COPY */

static void run_copy(int binary)
{
	struct buf b;
	struct meter m;
	const char *method =
		binary ? "COPY binary (1 stream, 1 txn)" : "COPY text (1 stream, 1 txn)";

	if (build_copy(&b, binary)) {
		printf("%s: skipped (a column type has no binary encoder here)\n", method);
		buf_free(&b);
		return;
	}
	fresh_table();
	meter_start(&m, &pg_session_pid, 1);
	double t0 = now_s();
	PGresult *r = PQexec(pg, copy_sql(binary));
	if (PQresultStatus(r) != PGRES_COPY_IN)
		die("%s: %s", copy_sql(binary), PQerrorMessage(pg));
	PQclear(r);
	for (size_t off = 0; off < buf_used(&b); off += 256u << 10) {
		size_t n = buf_used(&b) - off < (256u << 10) ? buf_used(&b) - off : (256u << 10);
		if (PQputCopyData(pg, (const char *)buf_head(&b) + off, (int)n) != 1)
			die("COPY: %s", PQerrorMessage(pg));
	}
	if (PQputCopyEnd(pg, NULL) != 1)
		die("COPY end: %s", PQerrorMessage(pg));
	r = PQgetResult(pg);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("COPY: %s", PQerrorMessage(pg));
	PQclear(r);
	while ((r = PQgetResult(pg)))
		PQclear(r);
	double t1 = now_s();
	struct result *res = meter_stop(&m, method, t0, t1);
	snprintf(res->note, sizeof res->note, "%.1f MB stream", (double)buf_used(&b) / 1e6);
	buf_free(&b);
}

/* ------------------------------------------------------------ (b) server SQL */

static void build_params(void)
{
	const struct kindsql *ks = kindsql_of(hk);

	for (size_t b = 0; b < nub; b++) {
		struct ubatch *u = &ub[b];
		if (kindsql_batch_init(&u->kb, ks, ds.schools[u->school], opt.campus))
			die("kindsql_batch_init");
		buf_init(&u->ids, BIG);
		int rc = buf_append(&u->ids, "{", 1);
		for (size_t j = u->first; j < u->first + u->n && !rc; j++) {
			rc = kindsql_batch_add(&u->kb, ds.ptrs[j]);
			if (!rc)
				rc = kindsql_array_elem(&u->ids, ds.ptrs[j]->id);
		}
		if (rc || buf_append(&u->ids, "}", 2))
			die("building batch parameters");
		if (!(u->params = kindsql_batch_params(&u->kb)))
			die("kindsql_batch_params");
	}
}

static void free_params(void)
{
	for (size_t b = 0; b < nub; b++) {
		kindsql_batch_free(&ub[b].kb);
		buf_free(&ub[b].ids);
		ub[b].params = NULL;
	}
}

static void prepare(const char *name, const char *sql)
{
	PGresult *r = PQprepare(pg, name, sql, 0, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("prepare %s: %s", name, PQerrorMessage(pg));
	PQclear(r);
}

static void send_prepared(const char *name, int n, const char *const *params)
{
	if (!PQsendQueryPrepared(pg, name, n, params, NULL, NULL, 0))
		die("send %s: %s", name, PQerrorMessage(pg));
}

static void send_plain(const char *sql)
{
	if (!PQsendQueryParams(pg, sql, 0, NULL, NULL, NULL, NULL, 0))
		die("send %s: %s", sql, PQerrorMessage(pg));
}

/* Reads one pipeline segment up to its sync; tuples[k] = rows of query k. */
static void pipe_collect(const char *what, int *tuples, int max)
{
	int k = 0;

	for (;;) {
		PGresult *r = PQgetResult(pg);
		if (!r) {
			if (PQstatus(pg) != CONNECTION_OK)
				die("%s: connection lost: %s", what, PQerrorMessage(pg));
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(r);
			return;
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			if (k < max)
				tuples[k] = PQntuples(r);
			k++;
			break;
		default:
			die("%s: %s", what, PQresultErrorMessage(r));
		}
		PQclear(r);
	}
}

static void run_server_sql(int full)
{
	const struct kindsql *ks = kindsql_of(hk);
	const char *lock[1] = { SYNC_LOCK_KEY };
	struct meter m;
	int tuples[8];

	fresh_table();
	meter_start(&m, &pg_session_pid, 1);
	double t0 = now_s();
	if (!PQenterPipelineMode(pg))
		die("pipeline mode: %s", PQerrorMessage(pg));
	for (size_t i = 0; i < nub; i++) {
		struct ubatch *u = &ub[i];
		const char *school[1] = { ds.schools[u->school] };
		send_plain("BEGIN");
		if (full) {
			const char *tmo[1] = { TIMEOUT_VALUE };
			send_prepared("sc_timeout", 1, tmo);
		}
		send_prepared("sc_lock", 1, lock);
		if (full) {
			const char *sel[2] = { ds.schools[u->school],
					       (const char *)buf_head(&u->ids) };
			send_prepared("sc_select_existing", 2, sel);
			if (!PQpipelineSync(pg))
				die("sync: %s", PQerrorMessage(pg));
			pipe_collect("phase 1", tuples, 8);
			if (tuples[3] != 0)
				die("select existing found %d rows in an empty table", tuples[3]);
		}
		send_prepared("sc_upsert", ks->nparams_upsert, u->params);
		if (full)
			send_prepared("sc_notify", 1, school);
		send_plain("COMMIT");
		if (!PQpipelineSync(pg))
			die("sync: %s", PQerrorMessage(pg));
		memset(tuples, 0, sizeof tuples);
		pipe_collect(full ? "phase 2" : "upsert", tuples, 8);
		if (tuples[full ? 0 : 2] != (int)u->n)
			die("upsert returned %d rows for %zu records", tuples[full ? 0 : 2], u->n);
	}
	if (!PQexitPipelineMode(pg))
		die("leaving pipeline mode: %s", PQerrorMessage(pg));
	double t1 = now_s();
	struct result *r = meter_stop(
		&m, full ? "push.c SQL (2 round trips/batch)" : "upsert only (lock+nextval+unnest)",
		t0, t1);
	r->batches = nub;
	snprintf(r->note, sizeof r->note,
		 "%zu batches of up to %ld (schools round robin), one connection, "
		 "one transaction each",
		 nub, opt.batch);
}

/* ------------------------------------------------------------ (c) end to end */

struct client {
	int idx;
	pthread_t th;
	int fd;
	struct tls *t;
	struct tls_ctx *ctx;
	struct buf plain, cipher;
	struct buf *frames;
	size_t *frame_n, nframes;
	size_t accepted, rejected, results;
	uint64_t max_seq;
	double t_first, t_last;
	struct usage u0, u1; /* this thread's, around the timed part */
	char err[512];
};
static struct client *clients;
static pthread_barrier_t ready, go;
static char srv_host[256], srv_port[16];

static int c_flush(struct client *c)
{
	buf_reset(&c->cipher);
	if (tls_out_take(c->t, &c->cipher))
		return -1;
	size_t off = 0;
	while (off < buf_used(&c->cipher)) {
		ssize_t n = write(c->fd, buf_head(&c->cipher) + off, buf_used(&c->cipher) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(c->err, sizeof c->err, "write: %s",
				 n < 0 ? strerror(errno) : "nothing written");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static int c_pump(struct client *c)
{
	uint8_t tmp[16384];
	ssize_t n;

	do
		n = read(c->fd, tmp, sizeof tmp);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		snprintf(c->err, sizeof c->err, "connection closed or timed out (%s)",
			 n < 0 ? strerror(errno) : "EOF");
		return -1;
	}
	if (tls_feed(c->t, tmp, (size_t)n))
		return -1;
	int rc = tls_read(c->t, &c->plain);
	if (c_flush(c) || rc) {
		snprintf(c->err, sizeof c->err, "tls: %s", tls_error(c->t));
		return -1;
	}
	return 0;
}

static int c_send(struct client *c, const struct buf *frame)
{
	if (tls_write(c->t, buf_head(frame), buf_used(frame))) {
		snprintf(c->err, sizeof c->err, "tls write: %s", tls_error(c->t));
		return -1;
	}
	return c_flush(c);
}

/* Next whole Envelope from the connection (caller frees), NULL on failure. */
static Safecampus__Envelope *c_recv(struct client *c)
{
	for (;;) {
		const uint8_t *payload;
		size_t len, used;
		if (frame_decode(buf_head(&c->plain), buf_used(&c->plain), FRAME_MAX_LIMIT,
				 &payload, &len, &used) == FRAME_OK) {
			Safecampus__Envelope *e = frame_envelope_unpack(payload, len);
			buf_consume(&c->plain, used);
			if (!e)
				snprintf(c->err, sizeof c->err, "undecodable frame");
			return e;
		}
		if (c_pump(c))
			return NULL;
	}
}

static int c_connect(struct client *c)
{
	char cert[1024], key[1024], ca[1024], err[400];
	struct addrinfo hints = { 0 }, *ai;
	struct timeval tv = { 120, 0 };
	int one = 1;
	const char *school = ds.schools[c->idx];

	snprintf(cert, sizeof cert, "%s/%s-%s.crt", opt.pki, school, opt.campus);
	snprintf(key, sizeof key, "%s/%s-%s.key", opt.pki, school, opt.campus);
	snprintf(ca, sizeof ca, "%s/ca.crt", opt.pki);
	if (tls_ctx_new(&c->ctx, false, cert, key, ca, NULL, err, sizeof err)) {
		snprintf(c->err, sizeof c->err, "tls setup: %s", err);
		return -1;
	}
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(srv_host, srv_port, &hints, &ai)) {
		snprintf(c->err, sizeof c->err, "cannot resolve %s", srv_host);
		return -1;
	}
	c->fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen)) {
		snprintf(c->err, sizeof c->err, "connect %s:%s: %s", srv_host, srv_port,
			 strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	buf_init(&c->plain, 80u << 20);
	buf_init(&c->cipher, 80u << 20);
	if (tls_new(&c->t, c->ctx, "localhost"))
		return -1;
	if (tls_read(c->t, &c->plain) == 0 && c_flush(c))
		return -1;
	while (!tls_handshake_done(c->t))
		if (c_pump(c))
			return -1;

	/* Hello / Welcome */
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT, *in;
	Safecampus__Hello h = SAFECAMPUS__HELLO__INIT;
	struct buf fb;
	h.min_version = 1;
	h.max_version = 1;
	h.client_version = "ingest-bench";
	env.request_id = 1;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_HELLO;
	env.hello = &h;
	buf_init(&fb, FRAME_MAX_LIMIT);
	if (frame_encode(&fb, &env, FRAME_MAX_LIMIT) || c_send(c, &fb)) {
		buf_free(&fb);
		return -1;
	}
	buf_free(&fb);
	if (!(in = c_recv(c)))
		return -1;
	if (in->body_case != SAFECAMPUS__ENVELOPE__BODY_WELCOME) {
		snprintf(c->err, sizeof c->err, "expected Welcome, got body %d%s%s", in->body_case,
			 in->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR ? ": " : "",
			 in->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR ? in->error->message
									   : "");
		frame_envelope_free(in);
		return -1;
	}
	if ((long)in->welcome->max_push_records < opt.batch) {
		snprintf(c->err, sizeof c->err, "server takes at most %u records per Push (-b %ld)",
			 in->welcome->max_push_records, opt.batch);
		frame_envelope_free(in);
		return -1;
	}
	size_t max_frame = in->welcome->max_frame_bytes;
	frame_envelope_free(in);

	/* encode every Push now: the timed part is the server's, not ours */
	size_t first = ds.school_start[c->idx], end = ds.school_start[c->idx + 1];
	c->nframes = (end - first + (size_t)opt.batch - 1) / (size_t)opt.batch;
	c->frames = xcalloc(c->nframes, sizeof *c->frames);
	c->frame_n = xcalloc(c->nframes, sizeof *c->frame_n);
	for (size_t f = 0; f < c->nframes; f++) {
		Safecampus__Push p = SAFECAMPUS__PUSH__INIT;
		size_t at = first + f * (size_t)opt.batch;
		p.n_records = end - at < (size_t)opt.batch ? end - at : (size_t)opt.batch;
		p.records = &ds.ptrs[at];
		env = (Safecampus__Envelope)SAFECAMPUS__ENVELOPE__INIT;
		env.request_id = 2 + f;
		env.body_case = SAFECAMPUS__ENVELOPE__BODY_PUSH;
		env.push = &p;
		c->frame_n[f] = p.n_records;
		buf_init(&c->frames[f], FRAME_MAX_LIMIT);
		if (frame_encode(&c->frames[f], &env, max_frame)) {
			snprintf(c->err, sizeof c->err,
				 "a Push of %zu records is over the server's %zu-byte "
				 "frame limit",
				 p.n_records, max_frame);
			return -1;
		}
	}
	return 0;
}

static int c_check_ack(struct client *c, Safecampus__Envelope *e, size_t f)
{
	if (e->body_case != SAFECAMPUS__ENVELOPE__BODY_PUSH_ACK) {
		snprintf(c->err, sizeof c->err, "Push %zu: expected PushAck, got body %d%s%s", f,
			 e->body_case, e->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR ? ": " : "",
			 e->body_case == SAFECAMPUS__ENVELOPE__BODY_ERROR ? e->error->message : "");
		return -1;
	}
	if (e->request_id != 2 + f || e->push_ack->n_results != c->frame_n[f]) {
		snprintf(c->err, sizeof c->err,
			 "Push %zu: ack for request %" PRIu64 " with %zu results", f, e->request_id,
			 e->push_ack->n_results);
		return -1;
	}
	size_t at = ds.school_start[c->idx] + f * (size_t)opt.batch;
	for (size_t i = 0; i < e->push_ack->n_results; i++) {
		const Safecampus__RecordResult *r = e->push_ack->results[i];
		c->results++;
		if (r->accepted && r->seq && !strcmp(r->id, ds.ptrs[at + i]->id)) {
			c->accepted++;
			if (r->seq > c->max_seq)
				c->max_seq = r->seq;
		} else {
			if (!c->rejected++)
				snprintf(c->err, sizeof c->err, "record %s rejected: reason %d %s",
					 r->id, r->reason, r->detail ? r->detail : "");
		}
	}
	return 0;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	int ok = c_connect(c) == 0;

	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go);
	if (!ok)
		return NULL;
	c->u0 = self_usage();
	size_t sent = 0, acked = 0;
	c->t_first = now_s();
	while (acked < c->nframes) {
		while (sent < c->nframes && sent - acked < (size_t)opt.window)
			if (c_send(c, &c->frames[sent++]))
				return NULL;
		Safecampus__Envelope *e = c_recv(c);
		if (!e)
			return NULL;
		int rc = c_check_ack(c, e, acked);
		frame_envelope_free(e);
		if (rc)
			return NULL;
		acked++;
	}
	c->t_last = now_s();
	c->u1 = self_usage();
	if (tls_shutdown(c->t) == 0)
		(void)c_flush(c);
	return NULL;
}

/* Backends of the server's database pool (application_name safecampusd). */
static int server_backends(int *pids, int max)
{
	PGresult *r = q("SELECT pid FROM pg_stat_activity WHERE application_name = 'safecampusd' "
			"AND datname = current_database()",
			PGRES_TUPLES_OK);
	int n = 0;

	for (int i = 0; i < PQntuples(r) && n < max; i++)
		pids[n++] = atoi(PQgetvalue(r, i, 0));
	PQclear(r);
	return n;
}

static void run_e2e(void)
{
	struct meter m;
	int sess[16], nsess;
	const char *colon = strrchr(opt.server, ':');

	if (!colon || !opt.pki)
		die("--server HOST:PORT and --pki DIR are needed for the end-to-end run");
	snprintf(srv_host, sizeof srv_host, "%.*s", (int)(colon - opt.server), opt.server);
	snprintf(srv_port, sizeof srv_port, "%s", colon + 1);
	fresh_table();
	clients = xcalloc((size_t)opt.clients, sizeof *clients);
	pthread_barrier_init(&ready, NULL, (unsigned)opt.clients + 1);
	pthread_barrier_init(&go, NULL, (unsigned)opt.clients + 1);
	for (int i = 0; i < opt.clients; i++) {
		clients[i].idx = i;
		clients[i].fd = -1;
		if (pthread_create(&clients[i].th, NULL, client_main, &clients[i]))
			die("pthread_create");
	}
	pthread_barrier_wait(&ready); /* everyone connected, said Hello, encoded */
	nsess = server_backends(sess, 16);
	meter_start(&m, sess, nsess);
	pthread_barrier_wait(&go);
	for (int i = 0; i < opt.clients; i++)
		pthread_join(clients[i].th, NULL);
	size_t accepted = 0, results_n = 0, frames = 0;
	double t0 = 1e300, t1 = 0;
	int failed = 0;
	for (int i = 0; i < opt.clients; i++) {
		struct client *c = &clients[i];
		accepted += c->accepted;
		results_n += c->results;
		frames += c->nframes;
		if (c->err[0] || !c->t_last) {
			fprintf(stderr, "ingest: client %d (%s): %s\n", i, ds.schools[i],
				c->err[0] ? c->err : "did not finish");
			failed = 1;
		}
		if (c->t_first < t0)
			t0 = c->t_first;
		if (c->t_last > t1)
			t1 = c->t_last;
	}
	if (failed || accepted != ds.n)
		die("end to end: %zu of %zu records accepted (%zu results)", accepted, ds.n,
		    results_n);
	static char method[64];
	snprintf(method, sizeof method, "end to end (%ld clients, mTLS)", opt.clients);
	struct result *r = meter_stop(&m, method, t0, t1);
	r->batches = frames;
	for (int i = 0; i < opt.clients; i++)
		r->wait += clients[i].u1.wait - clients[i].u0.wait;
	snprintf(r->note, sizeof r->note,
		 "%zu Pushes of up to %ld, %ld in flight per connection; %d pool backends", frames,
		 opt.batch, opt.window, nsess);
	for (int i = 0; i < opt.clients; i++) {
		struct client *c = &clients[i];
		for (size_t f = 0; f < c->nframes; f++)
			buf_free(&c->frames[f]);
		free(c->frames);
		free(c->frame_n);
		buf_free(&c->plain);
		buf_free(&c->cipher);
		tls_free(c->t);
		tls_ctx_free(c->ctx);
		if (c->fd >= 0)
			close(c->fd);
	}
	free(clients);
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&go);
}

/* ------------------------------------------------------------ main */

static int wanted(const char *method)
{
	if (!opt.only)
		return strcmp(method, "e2e") != 0 || opt.server != NULL;
	size_t n = strlen(method);
	for (const char *p = opt.only; (p = strstr(p, method)); p += n)
		if ((p == opt.only || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

static void usage(FILE *out, int code)
{
	fprintf(out,
		"usage: ingest [options]\n"
		"  -n N               records (default 200000)\n"
		"  -c CLIENTS         schools / concurrent clients for the end-to-end run (default "
		"4)\n"
		"  -b BATCH           records per batch / Push (default 1000)\n"
		"  -w WINDOW          Pushes in flight per connection (default 2)\n"
		"  -s SEED            record generator seed (default 42)\n"
		"  -d CONNINFO        database (default $SC_PG_CONNINFO, else libpq defaults)\n"
		"  --server HOST:PORT safecampusd to push to (end-to-end run only with it)\n"
		"  --pki DIR          deploy/pki.sh directory with ca.crt and\n"
		"                     school001-main.{crt,key} .. schoolNNN-main.{crt,key}\n"
		"  --server-pid PID   server process, for its CPU time\n"
		"  --only LIST        comma-separated: copy-binary,copy-text,upsert,push-sql,e2e\n"
		"  --append           keep the table's rows (a filled district); delete only this\n"
		"                     run's ids before each method, and count the rows added\n"
		"  --label TEXT       title of the result table\n"
		"The hazard table of the database is TRUNCATEd (without --append).\n"
		"tests/bench/run_ingest.sh does it all.\n");
	exit(code);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 'S' },
		{ "pki", required_argument, NULL, 'P' },
		{ "server-pid", required_argument, NULL, 'p' },
		{ "only", required_argument, NULL, 'o' },
		{ "append", no_argument, NULL, 'A' },
		{ "label", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	char err[1024];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN); /* a server that hangs up is an error to report, not a kill */
	opt.conninfo = getenv("SC_PG_CONNINFO") ? getenv("SC_PG_CONNINFO") : "";
	while ((ch = getopt_long(argc, argv, "n:c:b:w:s:d:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			opt.n = atol(optarg);
			break;
		case 'c':
			opt.clients = atol(optarg);
			break;
		case 'b':
			opt.batch = atol(optarg);
			break;
		case 'w':
			opt.window = atol(optarg);
			break;
		case 's':
			opt.seed = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			opt.conninfo = optarg;
			break;
		case 'S':
			opt.server = optarg;
			break;
		case 'P':
			opt.pki = optarg;
			break;
		case 'p':
			opt.server_pid = atoi(optarg);
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'A':
			opt.append = 1;
			break;
		case 'L':
			opt.label = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc || opt.n < 1 || opt.clients < 1 || opt.clients > MAX_CLIENTS ||
	    opt.batch < 1 || opt.window < 1 || opt.n < opt.clients)
		usage(stderr, 2);
	log_set_level(LOG_WARN);

	if (migrate_apply(opt.conninfo, err, sizeof err))
		die("migrations: %s", err);
	pg = PQconnectdb(opt.conninfo);
	if (PQstatus(pg) != CONNECTION_OK)
		die("database: %s", PQerrorMessage(pg));
	PQclear(q("SET client_min_messages = error", PGRES_COMMAND_OK));
	if (kindsql_init(pg, err, sizeof err))
		die("kindsql_init: %s", err);
	if (!(hk = kind_by_name("hazard")))
		die("no hazard kind");
	PGresult *r = q("SELECT pg_backend_pid()", PGRES_TUPLES_OK);
	pg_session_pid = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (proc_stat(pg_session_pid, &postmaster_pid, NULL))
		fprintf(stderr,
			"ingest: note: PostgreSQL runs elsewhere; no PostgreSQL CPU figures\n");
	load_columns();

	double g0 = now_s();
	generate();
	plan_batches();
	printf("ingest: %zu hazard records (%ld schools), %.0f bytes of text and %.0f bytes on the "
	       "wire "
	       "per record; generated in %.1f s\n",
	       ds.n, opt.clients, ds.text_bytes, ds.wire_bytes, now_s() - g0);
	printf("ingest: postgres %s (backend pid %d, postmaster %d), server %s (pid %d), batch "
	       "%ld, window %ld\n",
	       PQparameterStatus(pg, "server_version"), pg_session_pid, postmaster_pid,
	       opt.server ? opt.server : "(none: no end-to-end run)", opt.server_pid, opt.batch,
	       opt.window);

	if (wanted("copy-binary"))
		run_copy(1);
	if (wanted("copy-text"))
		run_copy(0);
	if (wanted("upsert") || wanted("push-sql")) {
		const struct kindsql *ks = kindsql_of(hk);
		prepare("sc_lock", LOCK_SQL);
		prepare("sc_timeout", TIMEOUT_SQL);
		prepare("sc_upsert", ks->upsert);
		prepare("sc_select_existing", ks->select_existing);
		prepare("sc_notify", NOTIFY_SQL);
		build_params();
		if (wanted("upsert"))
			run_server_sql(0);
		if (wanted("push-sql"))
			run_server_sql(1);
		free_params();
	}
	if (wanted("e2e"))
		run_e2e();
	if (opt.append)
		forget_own_rows(); /* the district as it was */
	print_table();
	printf("push/s: transactions (SQL) or Pushes (end to end) per second; vs COPY, vs ups: "
	       "rows/s\n"
	       "against COPY binary's and the upsert-only loop's of this table.\n"
	       "cpu s: CPU seconds during the timed part. bench: this process (the COPY/SQL "
	       "client,\n"
	       "or the %ld TLS clients); server: safecampusd; pg sess: the loading PostgreSQL "
	       "backends;\n"
	       "pg all: every PostgreSQL process (backends, WAL writer, checkpointer, "
	       "autovacuum);\n"
	       "ours runq: seconds our processes were runnable but waiting for a CPU (schedstat);\n"
	       "others: CPU the rest of the machine used meanwhile (/proc/stat busy minus ours).\n"
	       "When runq/others are not ~0 the seconds are inflated by contention for the CPUs.\n"
	       "ours us/row: (bench + server + pg all) CPU per row; pg sess us/row: the loading\n"
	       "backends' CPU per row (the database's cost of a record, triggers included).\n",
	       opt.clients);
	PQfinish(pg);
	kindsql_free();
	return 0;
}
