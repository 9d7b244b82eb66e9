/* evidence_store: where the server keeps evidence bytes, measured
 * (docs/internals/evidence.md, docs/PERFORMANCE.md).
 *
 *   evidence_store CONNINFO DIR [FILES [MIB]]     (defaults 100 files of 5 MiB)
 *
 * Writes FILES random files of MIB MiB and reads them back, two ways:
 *  pg:  as server/evidence.c does: one INSERT per 256 KiB chunk into
 *       evidence_chunk (bytea, STORAGE EXTERNAL; the chunk sent as the
 *       text-format hex parameter the server sends), one transaction per
 *       chunk, then the final hash in SQL (sha256 over string_agg); read:
 *       one SELECT per chunk, as EvidenceGet does;
 *  dir: a directory beside the database: each file written in 256 KiB
 *       writes and fsync'ed, then read back with read(2).
 * Each read-back is checked against the written bytes. Prints MB/s and files/s
 * for each, plus the table's size on disk. Uses its own tables
 * (bench_evidence_*), dropped at the end. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256u * 1024u)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(PGconn *c, const char *what)
{
	fprintf(stderr, "evidence_store: %s: %s\n", what, c ? PQerrorMessage(c) : strerror(errno));
	exit(1);
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die(c, sql);
	PQclear(r);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = d[p[i] >> 4];
		out[3 + 2 * i] = d[p[i] & 15];
	}
	out[2 + 2 * n] = '\0';
}

static int nib(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

int main(int argc, char **argv)
{
	const char *conninfo = argc > 1 ? argv[1] : NULL;
	const char *dir = argc > 2 ? argv[2] : NULL;
	int files = argc > 3 ? atoi(argv[3]) : 100;
	size_t size = (size_t)(argc > 4 ? atoi(argv[4]) : 5) << 20;
	uint8_t *data, *back;
	char *hx = malloc(2 * CHUNK + 3);
	double t0, w_pg, r_pg, w_dir, r_dir;
	PGconn *c;

	if (!conninfo || !dir || files < 1 || !hx) {
		fprintf(stderr, "usage: evidence_store CONNINFO DIR [FILES [MIB]]\n");
		return 2;
	}
	data = malloc(size * (size_t)files);
	back = malloc(size);
	if (!data || !back)
		die(NULL, "malloc");
	srand(20261203);
	for (size_t i = 0; i < size * (size_t)files; i++)
		data[i] = (uint8_t)(rand() >> 7);
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK)
		die(c, "connect");
	exec_ok(c, "DROP TABLE IF EXISTS bench_evidence_chunk");
	exec_ok(c,
		"CREATE TABLE bench_evidence_chunk (school text NOT NULL, sha256 bytea NOT NULL, "
		"off bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (school, sha256, off))");
	exec_ok(c, "ALTER TABLE bench_evidence_chunk ALTER COLUMN data SET STORAGE EXTERNAL");

	/* ---- PostgreSQL, the server's statements */
	t0 = now_s();
	for (int f = 0; f < files; f++) {
		char name[80], off[24];
		snprintf(name, sizeof name, "\\x%064x", f);
		for (size_t o = 0; o < size; o += CHUNK) {
			size_t n = size - o < CHUNK ? size - o : CHUNK;
			const char *p[4] = { "s1", name, off, hx };
			PGresult *r;
			snprintf(off, sizeof off, "%zu", o);
			hex(data + (size_t)f * size + o, n, hx);
			r = PQexecParams(c,
					 "INSERT INTO bench_evidence_chunk VALUES ($1, $2::bytea, "
					 "$3::bigint, $4::bytea)",
					 4, NULL, p, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_COMMAND_OK)
				die(c, "insert");
			PQclear(r);
		}
		{
			const char *p[2] = { "s1", name };
			PGresult *r =
				PQexecParams(c,
					     "SELECT encode(sha256(string_agg(data, ''::bytea "
					     "ORDER BY off)), 'hex') FROM bench_evidence_chunk "
					     "WHERE school = $1 AND sha256 = $2::bytea",
					     2, NULL, p, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
				die(c, "final hash");
			PQclear(r);
		}
	}
	w_pg = now_s() - t0;
	t0 = now_s();
	for (int f = 0; f < files; f++) {
		char name[80], off[24];
		snprintf(name, sizeof name, "\\x%064x", f);
		for (size_t o = 0; o < size; o += CHUNK) {
			const char *p[3] = { "s1", name, off };
			PGresult *r;
			const char *v;
			size_t len;
			snprintf(off, sizeof off, "%zu", o);
			r = PQexecParams(
				c,
				"SELECT data FROM bench_evidence_chunk WHERE school = $1 AND "
				"sha256 = $2::bytea AND off = $3::bigint",
				3, NULL, p, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
				die(c, "select");
			v = PQgetvalue(r, 0, 0);
			len = ((size_t)PQgetlength(r, 0, 0) - 2) / 2;
			for (size_t i = 0; i < len; i++)
				back[o + i] = (uint8_t)(nib(v[2 + 2 * i]) << 4 | nib(v[3 + 2 * i]));
			PQclear(r);
		}
		if (memcmp(back, data + (size_t)f * size, size) != 0)
			die(NULL, "pg read-back differs");
	}
	r_pg = now_s() - t0;
	{
		PGresult *r = PQexec(c, "SELECT pg_total_relation_size('bench_evidence_chunk')");
		printf("pg  table size %.1f MiB for %.1f MiB of files\n",
		       strtod(PQgetvalue(r, 0, 0), NULL) / 1048576.0,
		       (double)size * files / 1048576.0);
		PQclear(r);
	}
	exec_ok(c, "DROP TABLE bench_evidence_chunk");
	PQfinish(c);

	/* ---- a directory */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		die(NULL, dir);
	t0 = now_s();
	for (int f = 0; f < files; f++) {
		char path[4096];
		int fd;
		snprintf(path, sizeof path, "%s/%064x", dir, f);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			die(NULL, path);
		for (size_t o = 0; o < size; o += CHUNK) {
			size_t n = size - o < CHUNK ? size - o : CHUNK;
			if (write(fd, data + (size_t)f * size + o, n) != (ssize_t)n)
				die(NULL, "write");
		}
		if (fsync(fd) != 0 || close(fd) != 0)
			die(NULL, "fsync");
	}
	w_dir = now_s() - t0;
	t0 = now_s();
	for (int f = 0; f < files; f++) {
		char path[4096];
		int fd;
		snprintf(path, sizeof path, "%s/%064x", dir, f);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, back, size) != (ssize_t)size)
			die(NULL, "read");
		close(fd);
		if (memcmp(back, data + (size_t)f * size, size) != 0)
			die(NULL, "dir read-back differs");
		unlink(path);
	}
	r_dir = now_s() - t0;
	rmdir(dir);

	double mb = (double)size * files / 1048576.0;
	printf("%d files of %zu MiB (%.0f MiB), %u KiB chunks\n", files, size >> 20, mb,
	       CHUNK / 1024);
	printf("pg  write %6.2f s %7.1f MiB/s %6.1f files/s   read %6.2f s %7.1f MiB/s\n", w_pg,
	       mb / w_pg, files / w_pg, r_pg, mb / r_pg);
	printf("dir write %6.2f s %7.1f MiB/s %6.1f files/s   read %6.2f s %7.1f MiB/s\n", w_dir,
	       mb / w_dir, files / w_dir, r_dir, mb / r_dir);
	free(data);
	free(back);
	free(hx);
	return 0;
}
