/* Schema migrations, applied once at start-up before the loop runs.
 *
 * The build embeds server/sql/NNNN_name.sql into `migrations` (embed_sql.cmake), in
 * name order. Each migration runs in its own transaction and is recorded in
 * schema_migrations(name, applied_at); a session advisory lock makes several
 * processes starting together apply each migration exactly once. A migration
 * must not contain transaction control (BEGIN/COMMIT) nor statements that
 * cannot run inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM). */
#ifndef SC_MIGRATE_H
#define SC_MIGRATE_H

#include <stddef.h>

#include "err.h"

struct migration {
	const char *name; /* file name, e.g. "0001_init.sql"; orders the list */
	const char *sql;  /* one or more statements */
};

/** Generated from server/sql/NNNN_name.sql; terminated by {0, 0}. */
extern const struct migration migrations[];

/** Applies every not-yet-applied entry of `migrations`. Blocking libpq: call
 * before the loop runs. 0, or SC_EDB (connection, lock or a migration
 * failed), -EINVAL (bad list), -ENOMEM; err then says which migration and
 * what PostgreSQL said. err may be NULL. */
int migrate_apply(const char *conninfo, char *err, size_t errlen) SC_WUR;

/** migrate_apply for the server of district. When the session works in a
 * district's own schema (db_schema, district.h) the schema is claimed for
 * district on its first start (its comment says "safecampus district=ID"),
 * and refused (SC_EDB, err says whose it is) to a server of another district:
 * a copied configuration must not mix two districts' records. */
int migrate_apply_district(const char *conninfo, const char *district, char *err,
			   size_t errlen) SC_WUR;

/** Same, for any list terminated by {0, 0} (tests). Names must be unique;
 * they are applied in strcmp order whatever the order of the list. */
int migrate_apply_list(const char *conninfo, const struct migration *list, char *err,
		       size_t errlen) SC_WUR;

#endif
