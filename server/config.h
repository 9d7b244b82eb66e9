/* safecampusd configuration: one declarative table (config.c) gives the
 * defaults, the parser for `key = value` files and --key=value flags, --help
 * and the sample configuration (safecampusd --sample-config). */
#ifndef SC_SERVER_CONFIG_H
#define SC_SERVER_CONFIG_H

#include <stdio.h>

#include "err.h"

struct config {
	char *listen;            /* host:port, [v6]:port */
	char *cert, *key, *ca;   /* server certificate, key, district CA */
	char *crl;               /* CRLs of the CAs in ca (PEM); "" = no revocation check */
	long require_signatures; /* 0: unsigned sign-offs pass (synthetic or legacy data only) */
	char *people_key;      /* district admin's public key (PEM): signs principals' enrolments */
	char *tls_min_version; /* "1.3" (default) or "1.2" */
	long session_ticket_lifetime_s; /* 0: no session tickets */
	char *district;                 /* certificates of another district are refused */
	char *database;                 /* libpq conninfo (with db_schema's search_path) */
	char *db_schema; /* the district's schema; "" = the database's one district */
	char *log_level;
	long db_pool;            /* PostgreSQL connections per worker */
	char *replica;           /* libpq conninfo of a read replica (db_replica.h); "" = none */
	long replica_max_lag_ms; /* staleness bound for reads on it */
	long workers;            /* processes sharing the port (SO_REUSEPORT) */
	long max_frame;          /* bytes */
	long max_push_records;
	long pull_limit;                  /* rows per Changes */
	long max_connections;             /* per worker */
	long max_handshakes;              /* per worker, connections not yet identified */
	long max_connections_per_address; /* per worker; 0 = no limit */
	long max_connections_per_cert;    /* per worker and school/campus; 0 = no limit */
	char *proxy_trusted;   /* balancers that send a PROXY v2 header (proxy.h); "" = none */
	long proxy_timeout_ms; /* time for their header */
	long db_retry_max_ms;  /* backoff cap while the database is unreachable at start */
	long handshake_timeout_ms, hello_timeout_ms, idle_timeout_ms, request_timeout_ms;
	long write_queue_max;    /* bytes queued to one client before it is cut off */
	long escalation_enabled; /* 1: run the overdue-hazard escalation pass (escalate.c) */
	long escalation_interval_ms;
	char *escalation_today;   /* "YYYY-MM-DD" taken as today by the pass; "" = current_date */
	long evidence_max_file;   /* bytes per evidence file (evidence.c) */
	long evidence_max_school; /* evidence bytes kept per school */
	long evidence_max_chunk;  /* bytes per EvidenceChunk / EvidenceData */
	long flag_burst_min, flag_burst_backdated_days,
		flag_burst_deadline_days; /* 014_flags.sql */
	long flag_copy_min, flag_minutes_min_chars;

	/* where config_load read it from, for a reload (borrowed, not freed) */
	const char *path;
	int argc;
	char **argv;
};

/** Fills cfg with defaults, then the file (if path is not NULL), then argv
 * flags of the form --key=value or --key value. Strings are owned by cfg
 * (config_free). SC_ECONFIG with a reason for people in err. */
SC_WUR int config_load(struct config *cfg, const char *path, int argc, char **argv, char *err,
		       size_t errlen);
void config_free(struct config *cfg);
/** A reload: next was loaded afresh (config_load with cfg->path/argc/argv)
 * and checked. Moves every reloadable setting that differs from next into
 * cfg (the old values go to next, for config_free). Settings that differ but
 * only take effect at a restart are left as they run, and their names go,
 * comma-separated, into fixed. Returns how many settings changed. */
int config_apply_reload(struct config *cfg, struct config *next, char *fixed, size_t fixedlen);
/** Writes every key with its default and help as a commented sample file. */
void config_write_sample(FILE *out);
/** Writes the flag list for --help. */
void config_write_help(FILE *out);

#endif
