/* `safecampusd --verify[=ID]`: the bureau's view of history. Recomputes the
 * signatures and hash chains of every signed row in PostgreSQL (or of the
 * record ID's chain) from the rows themselves and the signoff table
 * (015_people.sql), and names each record and step whose history was altered
 * directly in the database: a changed field, a deleted step, a removed
 * signature (common/verify.c does the checking).
 *
 * A subcommand of the server, not an SQL function: it needs the same code as
 * the push path (the canonical bytes, the protobuf packing of each kind, the
 * Ed25519 check), which lives in C; an SQL function in C would be a second
 * build and a superuser's CREATE FUNCTION, and a check written in PL/pgSQL a
 * second implementation of the byte format that could disagree with the
 * first. It reads with one blocking connection in one REPEATABLE READ
 * snapshot, and never writes. */
#ifndef SC_VERIFY_PG_H
#define SC_VERIFY_PG_H

#include <stdio.h>

#include "config.h"

/** Runs the verification and prints one line per finding and a summary to
 * out. log_head ("N:HEX", or NULL): the signoff log's head the bureau
 * recorded at a pull, which the log must still reach with that hash.
 * Returns the exit status: 0 nothing wrong, 1 something altered or the
 * database could not be read (the reason on stderr), 2 a log_head that does
 * not parse. */
int verify_pg_run(const struct config *cfg, const char *only_id, const char *log_head, FILE *out);

#endif
