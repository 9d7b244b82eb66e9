/* safecampusd: the district's sync server. */
#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "dbstart.h"
#include "kindsql.h"
#include "log.h"
#include "migrate.h"
#include "server.h"
#include "verify_pg.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: safecampusd --config FILE [--key=value ...]\n"
		"       safecampusd --sample-config\n"
		"       safecampusd --help\n\n"
		"The district's safe-campus sync server: mutual-TLS clients, PostgreSQL storage.\n"
		"Every setting can be given in the file (key = value) or as a flag, which wins.\n"
		"SIGHUP reloads the file: settings marked 'reload' below, the certificates and the "
		"CRL.\n"
		"SIGUSR1 runs an escalation pass now (docs/internals/escalation.md).\n"
		"PostgreSQL need not be up at start: requests get ERROR_UNAVAILABLE until it is.\n"
		"Extra actions:\n"
		"  --migrate-only         apply database migrations and exit\n"
		"  --verify[=ID]          recompute every signature and hash chain from the\n"
		"                         database's rows (or ID's chain) and name what was\n"
		"                         altered; exit 1 if anything was\n"
		"  --log-head=N:HEX       with --verify: the signoff log's head the bureau\n"
		"                         recorded (`safecampus verify` at the bureau prints\n"
		"                         it): the log must still reach N with that hash\n\n"
		"Settings:\n");
	config_write_help(out);
	fprintf(out, "\nExit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a start-up "
		     "failure,\n"
		     "2 on a usage error.\n");
}

/* --migrate-only: blocking, before any loop; a database that cannot be
 * reached is an error here (exit 1), not something to wait for. */
static int prepare_database(const struct config *cfg)
{
	char err[1024];
	bool retryable;
	int rc = dbstart_prepare(cfg->database, cfg->district, err, sizeof err, &retryable);

	if (rc)
		log_error("%s err=\"%s\"",
			  retryable ? "migration failed"
				    : "schema does not match the wire contract",
			  err);
	return rc;
}

static int run_worker(struct config *cfg)
{
	uv_loop_t loop;
	struct server srv;
	int rc;

	uv_loop_init(&loop);
	rc = server_start(&srv, &loop, cfg);
	if (rc)
		server_stop(&srv);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0)
		log_warn("event loop closed with handles still open");
	server_free(&srv);
	return rc || srv.exit_code ? 1 : 0;
}

static volatile sig_atomic_t got_signal, got_hup, got_usr1;

static void on_parent_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_signal = sig;
}

/* The parent keeps its copy current too: a worker it restarts later starts
 * from the reloaded settings. The TLS files are the workers' to judge. */
static void parent_reload(struct config *cfg)
{
	struct config next;
	char err[512], fixed[256];

	if (config_load(&next, cfg->path, cfg->argc, cfg->argv, err, sizeof err)) {
		log_error("reload failed, keeping the running configuration err=\"%s\"", err);
	} else {
		(void)config_apply_reload(cfg, &next, fixed, sizeof fixed);
		enum log_level lvl;
		if (log_parse_level(cfg->log_level, &lvl) == 0)
			log_set_level(lvl);
	}
	config_free(&next);
}

/* With workers > 1 the parent only starts the workers, forwards SIGTERM and
 * SIGINT to them, and restarts one that dies unexpectedly. */
static int run_workers(struct config *cfg)
{
	long n = cfg->workers;
	pid_t *pids = calloc((size_t)n, sizeof *pids);
	struct sigaction sa;
	int exit_code = 0;

	if (!pids)
		return 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_parent_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	for (;;) {
		for (long i = 0; i < n && !got_signal; i++) {
			if (pids[i] > 0)
				continue;
			pid_t pid = fork();
			if (pid == 0) {
				/* a worker must not outlive its parent (kill -9 of the
				 * parent, a crash): it would keep serving the port */
				prctl(PR_SET_PDEATHSIG, SIGTERM);
				if (getppid() == 1)
					_exit(1);
				signal(SIGTERM, SIG_DFL);
				signal(SIGINT, SIG_DFL);
				signal(SIGHUP, SIG_IGN); /* the worker's loop takes them over */
				signal(SIGUSR1, SIG_IGN);
				_exit(run_worker(cfg));
			}
			if (pid < 0) {
				log_error("fork failed err=\"%s\"", strerror(errno));
				got_signal = SIGTERM;
				exit_code = 1;
				break;
			}
			pids[i] = pid;
			log_info("worker started index=%ld pid=%d", i, (int)pid);
		}
		if (got_signal)
			break;
		if (got_hup) {
			got_hup = 0;
			log_info("signal %d: reloading workers=%ld", SIGHUP, n);
			parent_reload(cfg);
			for (long i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGHUP);
			continue;
		}
		if (got_usr1) {
			/* every worker tries; the escalation lock lets one through */
			got_usr1 = 0;
			log_info("signal %d: escalation pass requested workers=%ld", SIGUSR1, n);
			for (long i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGUSR1);
			continue;
		}
		int status;
		pid_t dead = waitpid(-1, &status, 0);
		if (dead < 0 && errno == EINTR)
			continue;
		for (long i = 0; i < n; i++) {
			if (pids[i] == dead) {
				log_warn("worker exited index=%ld pid=%d status=%d; restarting", i,
					 (int)dead, status);
				pids[i] = 0;
				sleep(1);
			}
		}
	}
	for (long i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (long i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	free(pids);
	return exit_code;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	struct config cfg;
	char err[512];
	int migrate_only = 0, rc, nrest = 0;
	const char *verify = NULL, *log_head = NULL;
	char **rest = calloc((size_t)argc + 1, sizeof *rest);

	if (!rest)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			free(rest);
			return 0;
		} else if (!strcmp(argv[i], "--sample-config")) {
			config_write_sample(stdout);
			free(rest);
			return 0;
		} else if (!strcmp(argv[i], "--migrate-only")) {
			migrate_only = 1;
		} else if (!strcmp(argv[i], "--verify") || !strncmp(argv[i], "--verify=", 9)) {
			verify = argv[i][8] == '=' ? argv[i] + 9 : "";
		} else if (!strncmp(argv[i], "--log-head=", 11)) {
			log_head = argv[i] + 11;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			path = argv[i] + 9;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	/* rest stays: a reload (SIGHUP) parses the same flags again */
	rc = config_load(&cfg, path, nrest, rest, err, sizeof err);
	if (rc) {
		fprintf(stderr, "safecampusd: %s\n", err);
		config_free(&cfg);
		free(rest);
		return 2;
	}
	enum log_level lvl;
	if (log_parse_level(cfg.log_level, &lvl) == 0)
		log_set_level(lvl);
	signal(SIGPIPE, SIG_IGN);
	/* until the loop listens for them: a reload or a pass asked for must
	 * never kill */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	/* a connection string that does not parse never gets better: exit 2 */
	char *pqerr = NULL;
	PQconninfoOption *parsed = PQconninfoParse(cfg.database, &pqerr);
	if (!parsed) {
		fprintf(stderr, "safecampusd: database: %s", pqerr ? pqerr : "out of memory\n");
		PQfreemem(pqerr);
		config_free(&cfg);
		free(rest);
		return 2;
	}
	PQconninfoFree(parsed);
	/* the server starts whether PostgreSQL answers or not: each worker
	 * migrates and checks the schema in the background (dbstart.c) */
	if (verify) {
		rc = verify_pg_run(&cfg, verify, log_head, stdout);
		kindsql_free();
		config_free(&cfg);
		free(rest);
		return rc;
	}
	rc = migrate_only ? prepare_database(&cfg) : 0;
	if (rc || migrate_only) {
		kindsql_free();
		config_free(&cfg);
		free(rest);
		return rc ? 1 : 0;
	}
	rc = cfg.workers > 1 ? run_workers(&cfg) : run_worker(&cfg);
	kindsql_free();
	config_free(&cfg);
	free(rest);
	return rc;
}
