/* ingest: the measurement and the report: CPU time and run-queue wait from the
 * scheduler counters (this process, the server tree, the PostgreSQL cluster and
 * sessions, the rest of the machine), the meter around each method, and the
 * results table. */
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
int ing_proc_stat(int pid, int *ppid, double *reaped)
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

	if (pid <= 0 || task_usage(pid, &u) || ing_proc_stat(pid, NULL, &reaped)) {
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
		if (child == pid || ing_proc_stat(child, &ppid, &reaped) || ppid != pid)
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
struct usage ing_self_usage(void)
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

/* ------------------------------------------------------------ results */

struct result ing_results[8];
static int nresults;


void ing_meter_start(struct meter *m, const int *sess, int nsess)
{
	m->nsess = nsess;
	memcpy(m->sess_pids, sess, (size_t)nsess * sizeof *sess);
	m->self = ing_self_usage();
	m->server = tree_usage(ing_opt.server_pid);
	m->sess = pids_usage(sess, nsess);
	m->pg = tree_usage(ing_postmaster_pid);
	m->busy = machine_busy();
	m->t = ing_now_s();
}

struct result *ing_meter_stop(struct meter *m, const char *method, double t0, double t1)
{
	struct result *r = &ing_results[nresults++];
	struct usage self = ing_self_usage(), server = tree_usage(ing_opt.server_pid);
	struct usage sess = pids_usage(m->sess_pids, m->nsess),
		     pgc = tree_usage(ing_postmaster_pid);
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
	r->rows = ing_count_rows() - ing_base_rows;
	if (r->rows != (long)ing_ds.n)
		ing_die("%s: hazard grew by %ld rows, expected %zu", method, r->rows, ing_ds.n);
	return r;
}

static void print_cpu(double v, int w)
{
	if (v < 0)
		printf(" %*s", w, "-");
	else
		printf(" %*.2f", w, v);
}

void ing_print_table(void)
{
	double copy_rate = 0, upsert_rate = 0;

	for (int i = 0; i < nresults; i++) {
		if (!copy_rate && !strncmp(ing_results[i].method, "COPY binary", 11))
			copy_rate = (double)ing_results[i].rows / ing_results[i].secs;
		if (!upsert_rate && !strncmp(ing_results[i].method, "upsert only", 11))
			upsert_rate = (double)ing_results[i].rows / ing_results[i].secs;
	}
	if (ing_opt.label)
		printf("\n== %s: %zu records in batches of %ld\n", ing_opt.label, ing_ds.n,
		       ing_opt.batch);
	printf("\n%-34s %7s %7s %7s %7s %7s %7s %6s %6s %7s %6s %6s %6s %7s %7s\n", "method",
	       "rows", "seconds", "rows/s", "push/s", "vs COPY", "vs ups", "bench", "server", "pg",
	       "pg", "ours", "others", "ours", "pg sess");
	printf("%-34s %7s %7s %7s %7s %7s %7s %6s %6s %7s %6s %6s %6s %7s %7s\n", "", "", "", "",
	       "", "", "", "cpu s", "cpu s", "sess", "all", "runq", "cpu s", "us/row", "us/row");
	for (int i = 0; i < nresults; i++) {
		struct result *r = &ing_results[i];
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
		if (ing_results[i].note[0])
			printf("  %s: %s\n", ing_results[i].method, ing_results[i].note);
	for (int i = 0; i < nresults; i++) {
		struct result *r = &ing_results[i];
		if (r->lat_n)
			printf("latency %s: %zu Pushes, ms p50 %.2f p90 %.2f p99 %.2f max %.2f\n",
			       r->method, r->lat_n, r->lat_p50, r->lat_p90, r->lat_p99, r->lat_max);
	}
}
