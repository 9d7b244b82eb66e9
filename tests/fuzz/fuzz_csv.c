/* libFuzzer target: a CSV file given to `safecampus import KIND FILE`, run
 * through cmd_import itself (client/cli_import.c) against a real SQLite store
 * of a school.
 *
 * The first input byte picks the kind (among the kinds a school writes), the
 * rest is the file, read from a memfd. Expectations: the command answers
 * with an exit code (0 or 1: the arguments are good, only the file is bad),
 * every record it stored passes the rules `add` applies (rules_check), every
 * one of them waits in the outbox, and the store still answers. Output for
 * people (row errors, the summary line) goes to /dev/null unless SC_FUZZ_LOG is set. */
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz_util.h"
#include "rules.h"

static const struct kind *school_kinds[64];
static size_t n_school_kinds;

static void pick_kinds(void)
{
	if (n_school_kinds)
		return;
	for (size_t i = 0; i < kind_count() && n_school_kinds < 64; i++)
		if (!kind_at(i)->bureau_only)
			school_kinds[n_school_kinds++] = kind_at(i);
	CHECK(n_school_kinds > 0);
}

struct tally {
	uint64_t n;
};

static int each_valid(void *arg, const Safecampus__Record *r)
{
	struct tally *t = arg;
	char why[256];

	if (rules_check(r, why, sizeof why) != 0) {
		fprintf(stderr, "import stored a record the rules refuse: %s\n", why);
		abort();
	}
	t->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli c = { .store_path = ":memory:" };
	const struct kind *k;
	struct store_outbox_stats ob;
	struct tally t = { 0 };
	char path[64], kname[64];
	FILE *quiet = NULL, *saved_err = stderr, *saved_out = stdout;
	int fd, rc;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return -1;
	pick_kinds();
	k = school_kinds[data[0] % n_school_kinds];
	fd = memfd_create("fuzz.csv", 0);
	CHECK(fd >= 0);
	CHECK(write(fd, data + 1, size - 1) == (ssize_t)(size - 1));
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	snprintf(kname, sizeof kname, "%s", k->name);

	c.st = fuzz_store_new(0);
	if (!getenv("SC_FUZZ_LOG")) {
		quiet = fopen("/dev/null", "w");
		CHECK(quiet);
		stderr = quiet;
		stdout = quiet;
	}
	{
		char *argv[] = { "import", kname, path, NULL };
		rc = cmd_import(&c, 3, argv);
	}
	stderr = saved_err;
	stdout = saved_out;
	if (quiet)
		fclose(quiet);
	CHECK(rc == CLI_OK || rc == CLI_FAIL);
	CHECK(store_each(c.st, k->name, each_valid, &t) == 0);
	CHECK(store_outbox_stats(c.st, &ob) == 0);
	CHECK(ob.pending == t.n && ob.rejected == 0);
	cli_done(&c);
	close(fd);
	return 0;
}
