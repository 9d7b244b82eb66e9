/* Internal to the ingest bench (ingest.c: options, PostgreSQL, the COPY and
 * server-SQL methods, main; ingest_data.c: the records, batches and COPY
 * streams; ingest_meter.c: CPU accounting, the meter and the results table;
 * ingest_e2e.c: the end-to-end clients): what they share. */
#ifndef SC_BENCH_INGEST_INT_H
#define SC_BENCH_INGEST_INT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "kinds.h"
#include "kindsql.h"
#include "safecampus.pb-c.h"

#define BIG ((size_t)4 << 30)
#define MAX_CLIENTS 128 /* the latency run's 100 schools */
#define MAX_COLS 64

/* the options (main) */
struct ing_options {
	long n, clients, batch, window;
	double rate; /* --rate: e2e open loop, Pushes/s over all clients; 0: closed loop */
	unsigned long long seed;
	const char *conninfo, *server, *pki, *only, *campus, *label;
	int server_pid, append;
};
extern struct ing_options ing_opt;

/* says "ingest: " and the message on stderr, exits 1 */
void ing_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* monotonic clock, seconds */
double ing_now_s(void);

/* ingest.c: the connection, the postmaster's pid, the rows before a method */
extern PGconn *ing_pg;
extern int ing_postmaster_pid;
extern long ing_base_rows;
/* runs sql on ing_pg; dies unless the result is want */
PGresult *ing_q(const char *sql, ExecStatusType want);
/* rows in the hazard table */
long ing_count_rows(void);
/* the empty (or --append: original) table before a method, checkpointed */
void ing_fresh_table(void);

/* CPU time and run-queue wait (seconds) of a process or a set of them, from
 * the scheduler's own counters (/proc/PID/task/TID/schedstat, nanoseconds). */
struct usage {
	double cpu, wait;
};
/* ingest_meter.c */
/* ppid and reaped children's CPU of pid from /proc/PID/stat; 0 or -1 */
int ing_proc_stat(int pid, int *ppid, double *reaped);
/* this process's usage */
struct usage ing_self_usage(void);

struct result {
	const char *method;
	long rows;
	size_t batches; /* transactions / Pushes; 0 for COPY */
	double secs, client_cpu, server_cpu, pg_sess_cpu, pg_cpu, other_cpu, wait;
	char note[160];
	/* end to end: per-Push latency (ms) percentiles, lat_n Pushes; 0: none */
	size_t lat_n;
	double lat_p50, lat_p90, lat_p99, lat_max;
};
extern struct result ing_results[8];

struct meter {
	struct usage self, server, sess, pg;
	double t, busy;
	int sess_pids[16], nsess;
};
/* starts measuring, with the PostgreSQL session pids doing the load */
void ing_meter_start(struct meter *m, const int *sess, int nsess);
/* stops, checks the row count and records a result of method over [t0, t1] */
struct result *ing_meter_stop(struct meter *m, const char *method, double t0, double t1);
/* prints the results table */
void ing_print_table(void);

/* ingest_data.c */
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
extern struct dataset ing_ds;
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
extern struct ubatch *ing_ub;
extern size_t ing_nub;
/* the hazard kind */
extern const struct kind *ing_hk;
/* calloc that dies on out-of-memory */
void *ing_xcalloc(size_t n, size_t sz);
/* --append: deletes this run's records (untimed) */
void ing_forget_own_rows(void);
/* the N records, deterministic from the seed */
void ing_generate(void);
/* the batches of every method, round robin over the schools */
void ing_plan_batches(void);
/* the hazard table's columns from the database */
void ing_load_columns(void);
/* the COPY stream of all records, binary or text; 0 or -1 */
int ing_build_copy(struct buf *b, int binary);
/* the COPY statement */
const char *ing_copy_sql(int binary);

/* ingest_e2e.c: (c), end to end through safecampusd */
void ing_run_e2e(void);

#endif
