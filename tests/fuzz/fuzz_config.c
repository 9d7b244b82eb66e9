/* libFuzzer target: safecampusd's configuration parser (server/config.c).
 *
 * The input is a configuration file, optionally followed by a NUL byte and
 * command-line flags separated by NUL bytes ("--max_frame=1024\0--listen\0
 * [::1]:7443"). The file is handed to config_load through a memfd (no file is
 * left behind), as safecampusd --config would read it. Expectations: the
 * result is 0 or SC_ECONFIG with a reason (or -ENOMEM); a loaded
 * configuration has what config_load promises (TLS floor 1.2 or 1.3, cert,
 * key, ca and district set); a reload against the defaults never writes past
 * the buffer it is given, and everything is freed after a failure too. */
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_util.h"

#define FUZZ_MAX_ARGS 16

static const char *base_conf = "cert = /etc/safecampus/server.pem\n"
			       "key = /etc/safecampus/server.key\n"
			       "ca = /etc/safecampus/ca.pem\n"
			       "district = d1\n";

static void check_err(const char *err, size_t len, int rc)
{
	CHECK(strnlen(err, len) < len);
	if (rc)
		CHECK(err[0] != '\0' || rc == -ENOMEM);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t flen = nul ? (size_t)(nul - data) : size;
	char path[64], err[512], fixed[4][64];
	char *args = NULL, *argv[FUZZ_MAX_ARGS];
	struct config cfg, run;
	int fd, argc = 0, rc, brc;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	fd = memfd_create("fuzz_config", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(write(fd, data, flen) == (ssize_t)flen);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (nul) {
		size_t alen = size - flen - 1;
		args = malloc(alen + 1);
		CHECK(args);
		memcpy(args, nul + 1, alen);
		args[alen] = '\0';
		for (char *p = args; argc < FUZZ_MAX_ARGS && p <= args + alen; p += strlen(p) + 1)
			argv[argc++] = p;
	}

	memset(err, 0x55, sizeof err);
	err[sizeof err - 1] = '\0';
	rc = config_load(&cfg, path, argc, argv, err, sizeof err);
	CHECK(rc == 0 || rc == SC_ECONFIG || rc == -ENOMEM);
	check_err(err, sizeof err, rc);
	if (rc == 0) {
		CHECK(strcmp(cfg.tls_min_version, "1.3") == 0 ||
		      strcmp(cfg.tls_min_version, "1.2") == 0);
		CHECK(*cfg.cert && *cfg.key && *cfg.ca && *cfg.district);
		CHECK(cfg.max_frame >= 1024 && cfg.max_frame <= 67108864);
		CHECK(cfg.workers >= 1 && cfg.db_pool >= 1);
	}
	config_free(&cfg);

	/* the same flags over a valid file, then a reload of the running one */
	CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	CHECK(write(fd, base_conf, strlen(base_conf)) == (ssize_t)strlen(base_conf));
	brc = config_load(&run, path, 0, NULL, err, sizeof err);
	CHECK(brc == 0);
	rc = config_load(&cfg, path, argc, argv, err, sizeof err);
	check_err(err, sizeof err, rc);
	if (rc == 0) {
		static const size_t lens[4] = { 0, 1, 9, 64 };
		for (size_t i = 0; i < 4; i++) {
			memset(fixed[i], 0x55, sizeof fixed[i]);
			(void)config_apply_reload(&run, &cfg, fixed[i], lens[i]);
			if (lens[i])
				CHECK(strnlen(fixed[i], lens[i]) < lens[i]);
			for (size_t j = lens[i]; j < sizeof fixed[i]; j++)
				CHECK((unsigned char)fixed[i][j] == 0x55);
		}
	}
	config_free(&cfg);
	config_free(&run);
	free(args);
	close(fd);
	return 0;
}
