/* libFuzzer target: a Dashboard from the server, as the client keeps and
 * shows it (client/sync.c keep_dashboard, client/cli_dashboard.c).
 *
 * The input is the bytes of one Dashboard, unpacked as the client unpacks a
 * frame. It is stored under the key its scope gives (dashboard_key_for,
 * dashboard_save) in a real SQLite store whose outbox holds a few pending
 * records, loaded back (dashboard_load), and rendered by the three renderers
 * with the outbox notes (dashboard_local_load): the terminal view for a school
 * and for the bureau, plain and coloured, sorted by every key it offers; the
 * HTML page; the CSV tables (into a scratch directory of this process). A
 * bureau's drill-down is also derived for the first schools of the table.
 * Expectations: what was stored loads back; a plain terminal view holds no
 * control character but newlines and stays within RENDER_WIDTH columns; the
 * HTML page has exactly the one inline script it means to have. */
#include <ftw.h>
#include <unistd.h>

#include "cli.h"
#include "dashboard.h"
#include "fuzz_util.h"
#include "render.h"

#define FUZZ_DERIVE_MAX 3 /* drill-downs derived per input */
#define FUZZ_SORT_MAX 4   /* indicator sort keys tried per input */

static char csv_dir[64];

static int rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	return remove(p);
}

static void csv_dir_remove(void)
{
	if (csv_dir[0])
		(void)nftw(csv_dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* A scratch directory for render_csv, made once per process and removed at
 * exit; what is in it is overwritten by every run and never read. */
static const char *scratch_dir(void)
{
	if (!csv_dir[0]) {
		snprintf(csv_dir, sizeof csv_dir, "%s/fuzz_dashboard.XXXXXX",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		CHECK(mkdtemp(csv_dir) != NULL);
		atexit(csv_dir_remove);
	}
	return csv_dir;
}

static void check_term(const char *out, size_t len)
{
	const char *line = out;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c == 0x7f || (c < 0x20 && c != '\n')) {
			const char *e = memchr(out + i, '\n', len - i);
			fprintf(stderr, "control character 0x%02x at %zu in: %.*s\n", c,
				(size_t)(out + i - line), (int)((e ? e : out + len) - line), line);
		}
		CHECK(c != 0x7f && (c >= 0x20 || c == '\n'));
		if (c == '\n' || i + 1 == len) {
			size_t n = (size_t)(out + i - line) + (c != '\n');
			size_t w = cli_width_n(line, n);
			if (w > RENDER_WIDTH)
				fprintf(stderr, "line of %zu columns: %.*s\n", w, (int)n, line);
			CHECK(w <= RENDER_WIDTH);
			line = out + i + 1;
		}
	}
}

static void term(const struct render_ctx *r, bool plain)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int rc;

	CHECK(f);
	rc = render_term(f, r);
	CHECK(fclose(f) == 0);
	CHECK(rc == 0 || rc == SC_EINVALID);
	if (rc == 0 && plain)
		check_term(out, len);
	free(out);
}

static void html(const struct render_ctx *r)
{
	char *out = NULL, *p;
	size_t len = 0, scripts = 0;
	FILE *f = open_memstream(&out, &len);
	int rc;

	CHECK(f);
	rc = render_html(f, r);
	CHECK(fclose(f) == 0);
	CHECK(rc == 0 || rc == SC_EINVALID);
	for (p = out; rc == 0 && (p = strstr(p, "<script")) != NULL; p++)
		scripts++;
	CHECK(rc != 0 || scripts <= 1);
	free(out);
}

static void render_all(struct render_ctx r)
{
	const Safecampus__Dashboard *d = r.d;
	char err[512];
	int rc;

	r.color = r.ascii = false;
	term(&r, true);
	r.color = r.ascii = true;
	term(&r, false);
	r.color = r.ascii = false;
	html(&r);
	rc = render_csv(scratch_dir(), &r, err, sizeof err);
	CHECK(rc == 0 || rc == SC_EINVALID);
	CHECK(strnlen(err, sizeof err) < sizeof err);
	if (!r.bureau)
		return;
	/* the school table by every key it takes */
	r.sort = "name";
	term(&r, true);
	for (size_t i = 0; i < d->n_indicators && i < FUZZ_SORT_MAX; i++) {
		r.sort = d->indicators[i]->key;
		term(&r, true);
	}
	r.sort = "no such key";
	term(&r, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Safecampus__Envelope *env;
	Safecampus__Dashboard *d = NULL;
	struct dashboard_local local = { 0 };
	char key[DASHBOARD_KEY_MAX];
	struct store *st;
	int64_t stored_ms = 0;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	env = fuzz_unpack_body(SAFECAMPUS__ENVELOPE__BODY_DASHBOARD, data, size);
	if (!env)
		return 0;
	st = fuzz_store_new(0);
	/* what this school recorded and has not synced: the notes the views add */
	fuzz_write(st, fuzz_record("0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", "drill", "drill_date",
				   "2026-10-20", "theme", "fire", NULL));
	fuzz_write(st, fuzz_record("1c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", "hazard_event",
				   "hazard_id", "0b7d4c1e-2f3a-4b5c-8d9e-1a2b3c4d5e6f", "action",
				   "rectify", "actor", "Li Ming", "note", "rail replaced", NULL));
	fuzz_write(st, fuzz_record("2c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", "notice_event",
				   "notice_id", "6f1c2a54-8e0b-4d1e-9a57-3c2b1d0e4f11", "action",
				   "ack", "actor", "Zhang San", NULL));

	dashboard_key_for(key, env->dashboard, FUZZ_SCHOOL, NULL);
	CHECK(strnlen(key, sizeof key) < sizeof key);
	CHECK(dashboard_save(st, key, env->dashboard) == 0);
	CHECK(dashboard_load(st, key, &d, &stored_ms) == 0);
	CHECK(dashboard_local_load(st, &local) == 0);

	for (int bureau = 0; bureau < 2; bureau++) {
		struct render_ctx r = {
			.d = d,
			.bureau = bureau,
			.now_ms = 1796000000000LL,
			.stored_ms = stored_ms,
			.local = bureau ? NULL : &local,
			.generated_by = "fuzz",
		};
		render_all(r);
	}
	for (size_t i = 0; i < d->n_schools && i < FUZZ_DERIVE_MAX; i++) {
		Safecampus__Dashboard *one = NULL;
		int rc = dashboard_derive_school(d, d->schools[i]->school, &one);
		CHECK(rc == 0 || rc == SC_ENOTFOUND);
		if (rc == 0) {
			struct render_ctx r = { .d = one,
						.bureau = true,
						.derived = true,
						.now_ms = 1796000000000LL,
						.generated_by = "fuzz" };
			render_all(r);
		}
		dashboard_free(one);
	}
	dashboard_local_free(&local);
	dashboard_free(d);
	store_close(st);
	frame_envelope_free(env);
	return 0;
}
