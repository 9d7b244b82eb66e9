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
 * --rate R: the end-to-end clients push on a schedule (open loop: Poisson
 * arrivals, R Pushes/s over all of them) instead of as fast as acks return;
 * either way every Push's latency is recorded and its percentiles printed
 * (from the scheduled send with --rate, so a Push that waits behind a slow
 * one counts its wait).
 *
 * usage: ingest [-n N] [-c clients] [-b batch] [-w window] [-s seed]
 *               [-d conninfo] [--server HOST:PORT --pki DIR [--server-pid PID]]
 *               [--only LIST] [--append] [--label TEXT] [--rate R]
 * Methods for --only (comma-separated): copy-binary, copy-text, upsert,
 * push-sql, e2e. tests/bench/run_ingest.sh sets everything up.
 *
 * This file: the options, the PostgreSQL connection, methods (a) and (b), and
 * main; the records and COPY streams are in ingest_data.c, the measurement and
 * the table in ingest_meter.c, method (c) in ingest_e2e.c (ingest_int.h).
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
#include "ingest_int.h"

/* The same key and statements as server/push.c (static there). */
#define SYNC_LOCK_KEY "5956551234"
#define NOTIFY_SQL "SELECT pg_notify('safecampus_changes', $1 || ':' || currval('sync_seq'))"
#define LOCK_SQL "SELECT pg_advisory_xact_lock($1::bigint)"
#define TIMEOUT_SQL                                                     \
	"SELECT set_config('statement_timeout', $1, true), "            \
	"set_config('idle_in_transaction_session_timeout', $1, true), " \
	"set_config('enable_seqscan', 'off', true)"
#define TIMEOUT_VALUE "30000ms" /* request_timeout_ms's default, as server.c formats it */


/* the bench lives for one run; what it allocates dies with it */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

struct ing_options ing_opt = {
	200000, 4, 1000, 2, 0, 42, NULL, NULL, NULL, NULL, "main", NULL, 0, 0
};

void ing_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ingest: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

double ing_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ PostgreSQL */

PGconn *ing_pg;
int pg_session_pid, ing_postmaster_pid;

PGresult *ing_q(const char *sql, ExecStatusType want)
{
	PGresult *r = PQexec(ing_pg, sql);

	if (PQresultStatus(r) != want)
		ing_die("%s: %s", sql, PQerrorMessage(ing_pg));
	return r;
}

long ing_count_rows(void)
{
	PGresult *r = ing_q("SELECT count(*) FROM hazard", PGRES_TUPLES_OK);
	long n = atol(PQgetvalue(r, 0, 0));

	PQclear(r);
	return n;
}

long ing_base_rows; /* rows the table held before the method (--append) */

/* Empty table and indexes (with --append: the table as it was, without this
 * run's rows), and a checkpoint so no method pays for the previous one's
 * dirty buffers (CHECKPOINT needs pg_checkpoint or superuser; run_ingest.sh
 * grants it). */
void ing_fresh_table(void)
{
	static int warned;
	PGresult *r;

	if (ing_opt.append) {
		ing_forget_own_rows();
		/* the deleted versions' index entries would otherwise be met by
		 * every later method's unique checks, and not by the first one's */
		PQclear(ing_q("VACUUM hazard, dash_hazard", PGRES_COMMAND_OK));
		ing_base_rows = ing_count_rows();
	} else {
		/* the timelines too: TRUNCATE fires no delete trigger */
		PQclear(ing_q("TRUNCATE hazard, dash_hazard CASCADE", PGRES_COMMAND_OK));
		ing_base_rows = 0;
	}
	r = PQexec(ing_pg, "CHECKPOINT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK && !warned++)
		fprintf(stderr,
			"ingest: note: CHECKPOINT refused (%s); methods may pay for each "
			"other's checkpoints\n",
			PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
	PQclear(r);
}

/* ------------------------------------------------------------ (a) COPY */

static void run_copy(int binary)
{
	struct buf b;
	struct meter m;
	const char *method =
		binary ? "COPY binary (1 stream, 1 txn)" : "COPY text (1 stream, 1 txn)";

	if (ing_build_copy(&b, binary)) {
		printf("%s: skipped (a column type has no binary encoder here)\n", method);
		buf_free(&b);
		return;
	}
	ing_fresh_table();
	ing_meter_start(&m, &pg_session_pid, 1);
	double t0 = ing_now_s();
	PGresult *r = PQexec(ing_pg, ing_copy_sql(binary));
	if (PQresultStatus(r) != PGRES_COPY_IN)
		ing_die("%s: %s", ing_copy_sql(binary), PQerrorMessage(ing_pg));
	PQclear(r);
	for (size_t off = 0; off < buf_used(&b); off += 256u << 10) {
		size_t n = buf_used(&b) - off < (256u << 10) ? buf_used(&b) - off : (256u << 10);
		if (PQputCopyData(ing_pg, (const char *)buf_head(&b) + off, (int)n) != 1)
			ing_die("COPY: %s", PQerrorMessage(ing_pg));
	}
	if (PQputCopyEnd(ing_pg, NULL) != 1)
		ing_die("COPY end: %s", PQerrorMessage(ing_pg));
	r = PQgetResult(ing_pg);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		ing_die("COPY: %s", PQerrorMessage(ing_pg));
	PQclear(r);
	while ((r = PQgetResult(ing_pg)))
		PQclear(r);
	double t1 = ing_now_s();
	struct result *res = ing_meter_stop(&m, method, t0, t1);
	snprintf(res->note, sizeof res->note, "%.1f MB stream", (double)buf_used(&b) / 1e6);
	buf_free(&b);
}

/* ------------------------------------------------------------ (b) server SQL */

static void build_params(void)
{
	const struct kindsql *ks = kindsql_of(ing_hk);

	for (size_t b = 0; b < ing_nub; b++) {
		struct ubatch *u = &ing_ub[b];
		if (kindsql_batch_init(&u->kb, ks, ing_ds.schools[u->school], ing_opt.campus))
			ing_die("kindsql_batch_init");
		buf_init(&u->ids, BIG);
		int rc = buf_append(&u->ids, "{", 1);
		for (size_t j = u->first; j < u->first + u->n && !rc; j++) {
			rc = kindsql_batch_add(&u->kb, ing_ds.ptrs[j]);
			if (!rc)
				rc = kindsql_array_elem(&u->ids, ing_ds.ptrs[j]->id);
		}
		if (rc || buf_append(&u->ids, "}", 2))
			ing_die("building batch parameters");
		if (!(u->params = kindsql_batch_params(&u->kb)))
			ing_die("kindsql_batch_params");
	}
}

static void free_params(void)
{
	for (size_t b = 0; b < ing_nub; b++) {
		kindsql_batch_free(&ing_ub[b].kb);
		buf_free(&ing_ub[b].ids);
		ing_ub[b].params = NULL;
	}
}

static void prepare(const char *name, const char *sql)
{
	PGresult *r = PQprepare(ing_pg, name, sql, 0, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		ing_die("prepare %s: %s", name, PQerrorMessage(ing_pg));
	PQclear(r);
}

static void send_prepared(const char *name, int n, const char *const *params)
{
	if (!PQsendQueryPrepared(ing_pg, name, n, params, NULL, NULL, 0))
		ing_die("send %s: %s", name, PQerrorMessage(ing_pg));
}

static void send_plain(const char *sql)
{
	if (!PQsendQueryParams(ing_pg, sql, 0, NULL, NULL, NULL, NULL, 0))
		ing_die("send %s: %s", sql, PQerrorMessage(ing_pg));
}

/* Reads one pipeline segment up to its sync; tuples[k] = rows of query k. */
static void pipe_collect(const char *what, int *tuples, int max)
{
	int k = 0;

	for (;;) {
		PGresult *r = PQgetResult(ing_pg);
		if (!r) {
			if (PQstatus(ing_pg) != CONNECTION_OK)
				ing_die("%s: connection lost: %s", what, PQerrorMessage(ing_pg));
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
			ing_die("%s: %s", what, PQresultErrorMessage(r));
		}
		PQclear(r);
	}
}

static void run_server_sql(int full)
{
	const struct kindsql *ks = kindsql_of(ing_hk);
	const char *lock[1] = { SYNC_LOCK_KEY };
	struct meter m;
	int tuples[8];

	ing_fresh_table();
	ing_meter_start(&m, &pg_session_pid, 1);
	double t0 = ing_now_s();
	if (!PQenterPipelineMode(ing_pg))
		ing_die("pipeline mode: %s", PQerrorMessage(ing_pg));
	for (size_t i = 0; i < ing_nub; i++) {
		struct ubatch *u = &ing_ub[i];
		const char *school[1] = { ing_ds.schools[u->school] };
		send_plain("BEGIN");
		if (full) {
			const char *tmo[1] = { TIMEOUT_VALUE };
			send_prepared("sc_timeout", 1, tmo);
		}
		send_prepared("sc_lock", 1, lock);
		if (full) {
			const char *sel[2] = { ing_ds.schools[u->school],
					       (const char *)buf_head(&u->ids) };
			/* as push.c: planned with seqscan off, then RESET */
			send_prepared("sc_select_existing", 2, sel);
			send_plain("RESET enable_seqscan");
			if (!PQpipelineSync(ing_pg))
				ing_die("sync: %s", PQerrorMessage(ing_pg));
			pipe_collect("phase 1", tuples, 8);
			if (tuples[3] != 0)
				ing_die("select existing found %d rows in an empty table",
					tuples[3]);
		}
		send_prepared("sc_upsert", ks->nparams_upsert, u->params);
		if (full)
			send_prepared("sc_notify", 1, school);
		send_plain("COMMIT");
		if (!PQpipelineSync(ing_pg))
			ing_die("sync: %s", PQerrorMessage(ing_pg));
		memset(tuples, 0, sizeof tuples);
		pipe_collect(full ? "phase 2" : "upsert", tuples, 8);
		if (tuples[full ? 0 : 2] != (int)u->n)
			ing_die("upsert returned %d rows for %zu records", tuples[full ? 0 : 2],
				u->n);
	}
	if (!PQexitPipelineMode(ing_pg))
		ing_die("leaving pipeline mode: %s", PQerrorMessage(ing_pg));
	double t1 = ing_now_s();
	struct result *r = ing_meter_stop(
		&m, full ? "push.c SQL (2 round trips/batch)" : "upsert only (lock+nextval+unnest)",
		t0, t1);
	r->batches = ing_nub;
	snprintf(r->note, sizeof r->note,
		 "%zu batches of up to %ld (schools round robin), one connection, "
		 "one transaction each",
		 ing_nub, ing_opt.batch);
}

/* ------------------------------------------------------------ main */

static int wanted(const char *method)
{
	if (!ing_opt.only)
		return strcmp(method, "e2e") != 0 || ing_opt.server != NULL;
	size_t n = strlen(method);
	for (const char *p = ing_opt.only; (p = strstr(p, method)); p += n)
		if ((p == ing_opt.only || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
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
		"  --rate R           end to end open loop: R Pushes/s over all clients (Poisson\n"
		"                     arrivals, -w still bounds those in flight); latency is from\n"
		"                     each Push's scheduled send to its PushAck. Default: closed\n"
		"                     loop (as fast as acks come back), latency from the send\n"
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
		{ "rate", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	char err[1024];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN); /* a server that hangs up is an error to report, not a kill */
	ing_opt.conninfo = getenv("SC_PG_CONNINFO") ? getenv("SC_PG_CONNINFO") : "";
	while ((ch = getopt_long(argc, argv, "n:c:b:w:s:d:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			ing_opt.n = atol(optarg);
			break;
		case 'c':
			ing_opt.clients = atol(optarg);
			break;
		case 'b':
			ing_opt.batch = atol(optarg);
			break;
		case 'w':
			ing_opt.window = atol(optarg);
			break;
		case 's':
			ing_opt.seed = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			ing_opt.conninfo = optarg;
			break;
		case 'S':
			ing_opt.server = optarg;
			break;
		case 'P':
			ing_opt.pki = optarg;
			break;
		case 'p':
			ing_opt.server_pid = atoi(optarg);
			break;
		case 'o':
			ing_opt.only = optarg;
			break;
		case 'A':
			ing_opt.append = 1;
			break;
		case 'L':
			ing_opt.label = optarg;
			break;
		case 'R':
			ing_opt.rate = atof(optarg);
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc || ing_opt.n < 1 || ing_opt.clients < 1 ||
	    ing_opt.clients > MAX_CLIENTS || ing_opt.batch < 1 || ing_opt.window < 1 ||
	    ing_opt.n < ing_opt.clients || ing_opt.rate < 0)
		usage(stderr, 2);
	log_set_level(LOG_WARN);

	if (migrate_apply(ing_opt.conninfo, err, sizeof err))
		ing_die("migrations: %s", err);
	ing_pg = PQconnectdb(ing_opt.conninfo);
	if (PQstatus(ing_pg) != CONNECTION_OK)
		ing_die("database: %s", PQerrorMessage(ing_pg));
	PQclear(ing_q("SET client_min_messages = error", PGRES_COMMAND_OK));
	if (kindsql_init(ing_pg, err, sizeof err))
		ing_die("kindsql_init: %s", err);
	if (!(ing_hk = kind_by_name("hazard")))
		ing_die("no hazard kind");
	PGresult *r = ing_q("SELECT pg_backend_pid()", PGRES_TUPLES_OK);
	pg_session_pid = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (ing_proc_stat(pg_session_pid, &ing_postmaster_pid, NULL))
		fprintf(stderr,
			"ingest: note: PostgreSQL runs elsewhere; no PostgreSQL CPU figures\n");
	ing_load_columns();

	double g0 = ing_now_s();
	ing_generate();
	ing_plan_batches();
	printf("ingest: %zu hazard records (%ld schools), %.0f bytes of text and %.0f bytes on the "
	       "wire "
	       "per record; generated in %.1f s\n",
	       ing_ds.n, ing_opt.clients, ing_ds.text_bytes, ing_ds.wire_bytes, ing_now_s() - g0);
	printf("ingest: postgres %s (backend pid %d, postmaster %d), server %s (pid %d), batch "
	       "%ld, window %ld\n",
	       PQparameterStatus(ing_pg, "server_version"), pg_session_pid, ing_postmaster_pid,
	       ing_opt.server ? ing_opt.server : "(none: no end-to-end run)", ing_opt.server_pid,
	       ing_opt.batch, ing_opt.window);

	if (wanted("copy-binary"))
		run_copy(1);
	if (wanted("copy-text"))
		run_copy(0);
	if (wanted("upsert") || wanted("push-sql")) {
		const struct kindsql *ks = kindsql_of(ing_hk);
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
		ing_run_e2e();
	if (ing_opt.append)
		ing_forget_own_rows(); /* the district as it was */
	ing_print_table();
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
	       ing_opt.clients);
	PQfinish(ing_pg);
	kindsql_free();
	return 0;
}
