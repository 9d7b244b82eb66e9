#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "district.h"
#include "proxy.h"
#include "rules.h"

enum opt_type { OPT_STR, OPT_LONG };

struct opt {
	const char *name;
	enum opt_type type;
	size_t off;
	const char *def;
	long min, max;
	bool reload; /* SIGHUP applies a new value; otherwise it waits for a restart */
	const char *help;
};

/* R: reloadable with SIGHUP; F: fixed until the next restart */
#define R true
#define F false
#define S(field, def, rl, help)                                                      \
	{                                                                            \
#field, OPT_STR, offsetof(struct config, field), def, 0, 0, rl, help \
	}
#define L(field, def, lo, hi, rl, help)                                                  \
	{                                                                                \
#field, OPT_LONG, offsetof(struct config, field), #def, lo, hi, rl, help \
	}

static const struct opt opts[] = {
	S(listen, "127.0.0.1:7443", F, "address and port to listen on ([::1]:7443 for IPv6)"),
	S(cert, "", R, "server certificate (PEM), issued by the district CA"),
	S(key, "", R, "server private key (PEM)"),
	S(ca, "", R, "district CA certificate (PEM): clients must hold a certificate it issued"),
	S(crl, "", R,
	  "certificate revocation lists (PEM) of every CA in ca, checked at every handshake; "
	  "empty: revoked certificates are NOT refused"),
	L(require_signatures, 1, 0, 1, F,
	  "1: every sign-off must be signed by an enrolled person; 0: "
	  "unsigned ones are stored unchecked (synthetic or legacy data only)"),
	S(people_key, "", F,
	  "the district admin's Ed25519 public key (PEM, deploy/pki.sh people): it "
	  "signs the enrolment of principals and bureau officers; empty: none is accepted"),
	S(tls_min_version, "1.3", R,
	  "lowest TLS version accepted: 1.3, or 1.2 as a floor for old clients"),
	L(session_ticket_lifetime_s, 43200, 0, 604800, R,
	  "TLS 1.3 session tickets: a reconnecting campus "
	  "resumes within 1-2 times this (its certificate checked again "
	  "against the CRL); 0: every connection a full handshake"),
	S(district, "", F, "district id; client certificates must name it (subject O)"),
	S(database, "dbname=safecampus", F, "libpq connection string of the PostgreSQL database"),
	S(db_schema, "", F,
	  "PostgreSQL schema holding this district's tables, for several districts in one "
	  "database (one schema each, lower-case letters, digits, _); empty: the database "
	  "holds one district, in its default search_path"),
	L(db_retry_max_ms, 30000, 100, 600000, R,
	  "longest wait between two tries to reach the database at start-up"),
	S(log_level, "info", R, "debug, info, warn or error"),
	L(db_pool, 4, 1, 64, F, "PostgreSQL connections per worker process"),
	S(replica, "", F,
	  "libpq connection string of a streaming standby of the database (pg_basebackup -R) "
	  "that serves dashboard and Pull reads, db_pool connections; empty: none"),
	L(replica_max_lag_ms, 2000, 1, 3600000, R,
	  "reads go to the replica only while it is at most this many ms behind the "
	  "database, and never with data older than the client already has"),
	L(workers, 1, 1, 64, F, "worker processes sharing the listening port"),
	L(max_frame, 4194304, 1024, 67108864, R, "largest frame accepted or sent, in bytes"),
	L(max_push_records, 1000, 1, 10000, R, "records in one Push"),
	L(pull_limit, 1000, 1, 10000, R, "rows in one Changes"),
	L(max_connections, 10000, 1, 1000000, R, "client connections per worker"),
	L(max_handshakes, 0, 0, 1000000, R,
	  "connections per worker not yet through the TLS handshake "
	  "(0: a tenth of max_connections); when full, the oldest is dropped for a new one"),
	L(max_connections_per_address, 64, 0, 1000000, R,
	  "connections per worker from one IP address; "
	  "0: no limit (behind a balancer)"),
	L(max_connections_per_cert, 8, 0, 1000000, R,
	  "identified connections per worker for one "
	  "certificate identity (school/campus); 0: no limit"),
	S(proxy_trusted, "", R,
	  "addresses or prefixes (10.0.0.5, 10.0.0.0/24, fd00::/8) of TCP balancers that "
	  "send a PROXY protocol v2 header (HAProxy send-proxy-v2): required from them, "
	  "refused from anyone else; empty: nobody"),
	L(proxy_timeout_ms, 3000, 100, 600000, R, "time for a trusted balancer's PROXY header"),
	L(handshake_timeout_ms, 10000, 100, 600000, R, "time for the TLS handshake"),
	L(hello_timeout_ms, 10000, 100, 600000, R, "time from handshake to Hello"),
	L(idle_timeout_ms, 300000, 1000, 86400000, R,
	  "a connection with no message for this long is closed"),
	L(request_timeout_ms, 30000, 100, 600000, R,
	  "a request still in the database after this long fails"),
	L(write_queue_max, 67108864, 65536, 1073741824, R,
	  "bytes queued to one slow client before it is cut off"),
	L(escalation_enabled, 1, 0, 1, F,
	  "1: escalate overdue hazards to owner, principal, bureau; 0: never"),
	L(escalation_interval_ms, 60000, 1000, 86400000, F, "time between two escalation passes"),
	S(escalation_today, "", F,
	  "today for the escalation pass, YYYY-MM-DD (tests); empty: current_date"),
	L(evidence_max_file, 20971520, 1, 1073741824, R,
	  "largest evidence file (photo, PDF) accepted, in bytes"),
	L(evidence_max_school, 2147483647, 1, 2147483647, R, "evidence bytes kept for one school"),
	L(evidence_max_chunk, 262144, 1024, 1048576, R, "largest evidence upload chunk, in bytes"),
	/* anti-formalism flags on the bureau's dashboard (014_flags.sql) */
	L(flag_burst_min, 20, 1, 1000000, R,
	  "flag a burst: this many records of one kind entered on one day "
	  "near a month's end for past dates"),
	L(flag_burst_backdated_days, 7, 1, 3650, R,
	  "a burst's records are dated at least this many days "
	  "before they were entered"),
	L(flag_burst_deadline_days, 3, 0, 31, R,
	  "a burst is entered within this many days before a month's end"),
	L(flag_copy_min, 3, 2, 1000, R,
	  "flag drills with the same evacuation time, to the second, this many times"),
	L(flag_minutes_min_chars, 20, 1, 100000, R,
	  "meeting minutes this long or longer, the same in two "
	  "meetings, are flagged as copied"),
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const struct opt *opt_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTS; i++) {
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	}
	/* accept dashes in flags: --max-frame */
	char tmp[64];
	if (len >= sizeof tmp)
		return NULL;
	for (size_t i = 0; i < len; i++)
		tmp[i] = name[i] == '-' ? '_' : name[i];
	tmp[len] = '\0';
	for (size_t i = 0; i < NOPTS; i++) {
		if (strcmp(opts[i].name, tmp) == 0)
			return &opts[i];
	}
	return NULL;
}

static int opt_set(struct config *cfg, const struct opt *o, const char *val, char *err,
		   size_t errlen)
{
	char *base = (char *)cfg + o->off;

	if (o->type == OPT_STR) {
		char *s = strdup(val);
		if (!s)
			return -ENOMEM;
		free(*(char **)base);
		*(char **)base = s;
		return 0;
	}
	char *end;
	errno = 0;
	long v = strtol(val, &end, 10);
	if (errno || end == val || *end != '\0' || v < o->min || v > o->max) {
		snprintf(err, errlen, "%s: \"%s\" is not a whole number from %ld to %ld", o->name,
			 val, o->min, o->max);
		return SC_ECONFIG;
	}
	*(long *)base = v;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int rc = 0, lineno = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SC_ECONFIG;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = SC_ECONFIG;
			break;
		}
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			rc = SC_ECONFIG;
			break;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		const struct opt *o = opt_find(k, strlen(k));
		if (!o) {
			snprintf(err, errlen, "%s:%d: unknown setting \"%s\"", path, lineno, k);
			rc = SC_ECONFIG;
			break;
		}
		rc = opt_set(cfg, o, v, err, errlen);
		if (rc) {
			/* prefix the location onto the message opt_set wrote */
			char tmp[512];
			snprintf(tmp, sizeof tmp, "%s:%d: %s", path, lineno, err);
			snprintf(err, errlen, "%s", tmp);
			break;
		}
	}
	fclose(f);
	return rc;
}

int config_load(struct config *cfg, const char *path, int argc, char **argv, char *err,
		size_t errlen)
{
	int rc;

	memset(cfg, 0, sizeof *cfg);
	cfg->path = path;
	cfg->argc = argc;
	cfg->argv = argv;
	for (size_t i = 0; i < NOPTS; i++) {
		rc = opt_set(cfg, &opts[i], opts[i].def, err, errlen);
		if (rc)
			return rc;
	}
	if (path && (rc = load_file(cfg, path, err, errlen)))
		return rc;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument \"%s\"", a);
			return SC_ECONFIG;
		}
		a += 2;
		const char *eq = strchr(a, '=');
		size_t klen = eq ? (size_t)(eq - a) : strlen(a);
		const struct opt *o = opt_find(a, klen);
		if (!o) {
			snprintf(err, errlen, "unknown option \"--%.*s\" (see --help)", (int)klen,
				 a);
			return SC_ECONFIG;
		}
		const char *v = eq ? eq + 1 : NULL;
		if (!v) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--%s needs a value", o->name);
				return SC_ECONFIG;
			}
			v = argv[++i];
		}
		if ((rc = opt_set(cfg, o, v, err, errlen)))
			return rc;
	}
	if (strcmp(cfg->tls_min_version, "1.3") && strcmp(cfg->tls_min_version, "1.2")) {
		snprintf(err, errlen, "tls_min_version must be 1.3 or 1.2, not \"%s\"",
			 cfg->tls_min_version);
		return SC_ECONFIG;
	}
	if (!*cfg->cert || !*cfg->key || !*cfg->ca) {
		snprintf(err, errlen, "cert, key and ca are required (mutual TLS is not optional)");
		return SC_ECONFIG;
	}
	if (!*cfg->district) {
		snprintf(err, errlen, "district is required");
		return SC_ECONFIG;
	}
	if (cfg->max_handshakes && cfg->max_connections > 1 &&
	    cfg->max_handshakes >= cfg->max_connections) {
		snprintf(err, errlen,
			 "max_handshakes (%ld) must be below max_connections (%ld): the rest "
			 "is what identified clients keep when unidentified ones flood in",
			 cfg->max_handshakes, cfg->max_connections);
		return SC_ECONFIG;
	}
	if (*cfg->replica) {
		char *why = NULL;
		PQconninfoOption *ci = PQconninfoParse(cfg->replica, &why);
		if (!ci) {
			snprintf(err, errlen, "replica: not a libpq connection string: %s",
				 why ? trim(why) : "out of memory");
			PQfreemem(why);
			return SC_ECONFIG;
		}
		PQconninfoFree(ci);
		if (!strcmp(cfg->replica, cfg->database)) {
			snprintf(err, errlen,
				 "replica names the database itself; give the standby's "
				 "connection string, or leave replica empty");
			return SC_ECONFIG;
		}
	}
	const char *why = NULL;
	if (!district_schema_valid(cfg->db_schema, &why)) {
		snprintf(err, errlen, "db_schema \"%.60s\" %s", cfg->db_schema, why);
		return SC_ECONFIG;
	}
	if (*cfg->db_schema) {
		/* in the connection string, so that every session has it, the
		 * pool's reconnects and the migrations' own connection included */
		char *ci, pqerr[256];
		rc = district_conninfo(cfg->database, cfg->db_schema, &ci, pqerr, sizeof pqerr);
		if (rc == -EINVAL) {
			snprintf(err, errlen, "database: %s", pqerr);
			return SC_ECONFIG;
		}
		if (rc)
			return rc;
		free(cfg->database);
		cfg->database = ci;
		/* the standby holds the same schema */
		if (*cfg->replica) {
			rc = district_conninfo(cfg->replica, cfg->db_schema, &ci, pqerr,
					       sizeof pqerr);
			if (rc == -EINVAL) {
				snprintf(err, errlen, "replica: %s", pqerr);
				return SC_ECONFIG;
			}
			if (rc)
				return rc;
			free(cfg->replica);
			cfg->replica = ci;
		}
	}
	struct proxy_trust trust;
	if (proxy_trust_parse(&trust, cfg->proxy_trusted, err, errlen))
		return SC_ECONFIG;
	if (*cfg->escalation_today && !rules_date_valid(cfg->escalation_today)) {
		snprintf(err, errlen,
			 "escalation_today must be empty or a date YYYY-MM-DD, not \"%.40s\"",
			 cfg->escalation_today);
		return SC_ECONFIG;
	}
	return 0;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].type == OPT_STR) {
			char **p = (char **)((char *)cfg + opts[i].off);
			free(*p);
			*p = NULL;
		}
	}
}

static bool opt_equal(const struct config *a, const struct config *b, const struct opt *o)
{
	const char *pa = (const char *)a + o->off, *pb = (const char *)b + o->off;

	if (o->type == OPT_STR)
		return strcmp(*(char *const *)pa, *(char *const *)pb) == 0;
	return *(const long *)pa == *(const long *)pb;
}

int config_apply_reload(struct config *cfg, struct config *next, char *fixed, size_t fixedlen)
{
	size_t used = 0;
	int changed = 0;

	if (fixedlen)
		fixed[0] = '\0';
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];
		char *a = (char *)cfg + o->off, *b = (char *)next + o->off;

		if (opt_equal(cfg, next, o))
			continue;
		if (!o->reload) {
			int w = snprintf(fixed + used, fixedlen > used ? fixedlen - used : 0,
					 "%s%s", used ? "," : "", o->name);
			if (w > 0 && used + (size_t)w < fixedlen)
				used += (size_t)w;
			continue;
		}
		changed++;
		if (o->type == OPT_STR) {
			char *tmp = *(char **)a;
			*(char **)a = *(char **)b;
			*(char **)b = tmp; /* the old value is freed with next */
		} else {
			*(long *)a = *(long *)b;
		}
	}
	return changed;
}

void config_write_sample(FILE *out)
{
	fprintf(out, "# safecampusd configuration: key = value, # starts a comment.\n"
		     "# Settings marked (reload) take effect on SIGHUP; the others at the next "
		     "restart.\n");
	for (size_t i = 0; i < NOPTS; i++)
		fprintf(out, "\n# %s%s\n%s = %s\n", opts[i].help, opts[i].reload ? " (reload)" : "",
			opts[i].name, opts[i].def);
}

void config_write_help(FILE *out)
{
	for (size_t i = 0; i < NOPTS; i++)
		fprintf(out, "  --%-28s %s (default: %s%s)\n", opts[i].name, opts[i].help,
			*opts[i].def ? opts[i].def : "none", opts[i].reload ? "; reload" : "");
}
