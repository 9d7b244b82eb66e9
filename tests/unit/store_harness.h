/* Throwaway client stores for the unit tests: a school campus's
 * configuration, a new store in a fresh folder under /tmp, and the removal
 * of the store's files. Header-only: each test is its own executable. */
#ifndef SC_TEST_STORE_HARNESS_H
#define SC_TEST_STORE_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store.h"

/* Campus "north" of school s1 in district d1; the file names need not exist. */
static inline struct store_config store_harness_config(void)
{
	return (struct store_config){
		.server = "localhost:7443",
		.server_name = "localhost",
		.cert = "/c.pem",
		.key = "/k.pem",
		.ca = "/ca.pem",
		.district = "d1",
		.school = "s1",
		.campus = "north",
		.role = SAFECAMPUS__ROLE__ROLE_SCHOOL,
	};
}

/* Makes the folder DIR (/tmp/NAME.XXXXXX), creates the store DIR/store.db
 * (its name in PATH) and saves CFG in it. Returns 0, or -1 on any failure.
 * On success the caller owns *ST and the folder: store_harness_remove, then
 * rmdir(DIR). */
static inline int store_harness_open(struct store **st, char dir[64], char path[128],
				     const char *name, const struct store_config *cfg)
{
	snprintf(dir, 64, "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, 128, "%s/store.db", dir);
	if (store_open(st, path, true) != 0 || store_config_save(*st, cfg) != 0)
		return -1;
	return 0;
}

/* Closes ST and deletes the store's files (PATH, PATH-wal, PATH-shm); the
 * folder is the caller's, as it may hold other files. */
static inline void store_harness_remove(struct store *st, const char *path)
{
	char p[160];

	store_close(st);
	for (const char *const *sfx = (const char *const[]){ "", "-wal", "-shm", NULL }; *sfx;
	     sfx++) {
		snprintf(p, sizeof p, "%s%s", path, *sfx);
		unlink(p);
	}
}

#endif
