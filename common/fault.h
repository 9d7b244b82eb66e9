/* Fault injection points for crash tests.
 *
 * The environment variable SAFECAMPUS_FAULT names points to arm, separated by
 * commas (e.g. "server_kill_after_commit"). An armed point kills the process
 * with SIGKILL where it stands, the way a power cut or the OOM killer would.
 * Unset (always, in production), a point costs one branch on a cached flag.
 * Points: docs/OPERATIONS.md lists them. */
#ifndef SC_FAULT_H
#define SC_FAULT_H

#include <stdbool.h>

/** True if point `name` is armed in SAFECAMPUS_FAULT. */
bool fault_armed(const char *name);
/** If `name` is armed: logs it and dies by SIGKILL. */
void fault_point(const char *name);

#endif
