/* sc_dashfixture: puts the test fixture Dashboard (dash_fixture.c) where the
 * client keeps the one the server sends, so the dashboard views can be tested
 * without a server.
 *
 *   sc_dashfixture write STORE --view school|bureau [--age-hours N] [--pending] [--hostile] [--empty]
 *       makes a store with a school (s03) or bureau identity and stores the
 *       fixture under "dashboard" (the bureau also gets a drill-down into s01
 *       under "dashboard:s01"); --pending also writes local records that are
 *       not synced: 2 drills (one dated 2026-10), a report on the notice whose
 *       report is missing, 3 education sessions; --empty stores no dashboard.
 *       The store's server is 127.0.0.1:9, where nothing listens.
 *   sc_dashfixture pack FILE --view school|bureau [--hostile]
 *       writes the packed Dashboard to FILE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dash_fixture.h"
#include "dashboard.h"
#include "kinds.h"
#include "store.h"

static int usage(void)
{
	fputs("usage: sc_dashfixture write STORE --view school|bureau [--age-hours N] [--pending] "
	      "[--hostile] [--empty]\n"
	      "       sc_dashfixture pack FILE --view school|bureau [--hostile]\n",
	      stderr);
	return 2;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A local record of kind with fields "name=value", written to the outbox. */
static int local_record(struct store *st, const char *kind, const char *const *fields)
{
	const struct kind *k = kind_by_name(kind);
	ProtobufCMessage *m;
	Safecampus__Record *r;
	char err[256];
	int rc;

	if (!k || !(m = kind_payload_new(k)))
		return -EINVAL;
	for (; *fields; fields++) {
		char name[64];
		const char *eq = strchr(*fields, '=');
		snprintf(name, sizeof name, "%.*s", (int)(eq - *fields), *fields);
		rc = kind_field_set(m, kind_field(k, name), eq + 1, err, sizeof err);
		if (rc) {
			fprintf(stderr, "%s.%s: %s\n", kind, name, err);
			kind_payload_free(m);
			return rc;
		}
	}
	r = cli_record_new(k, m);
	if (!r)
		return -ENOMEM;
	rc = store_write(st, r);
	kind_record_free(r);
	return rc;
}

static int write_pending(struct store *st)
{
	int rc = 0;

	rc = rc ? rc
		: local_record(st, "drill",
			       (const char *const[]){
				       "drill_date=2026-10-14", "theme=Fire safety month",
				       "scenario=fire", "plan_ref=Fire evacuation plan v3",
				       "student_count=988", "staff_count=71",
				       "evacuation_seconds=212",
				       "feedback=Stairwell B slow; add a guide", NULL });
	rc = rc ? rc
		: local_record(st, "drill",
			       (const char *const[]){ "drill_date=2026-11-27", "theme=Earthquake",
						      "scenario=earthquake",
						      "plan_ref=Earthquake plan v2", NULL });
	rc = rc ? rc
		: local_record(
			  st, "notice_event",
			  (const char *const[]){
				  "notice_id=" DASH_FIXTURE_NOTICE_ID, "action=report",
				  "actor=Vice principal Li", "report_date=2026-11-28",
				  "evidence=Class meetings in all 24 classes; letter to parents",
				  NULL });
	for (int i = 0; i < 3 && !rc; i++)
		rc = local_record(st, "education",
				  (const char *const[]){ "session_date=2026-11-27", "topic=traffic",
							 "minutes=10", NULL });
	return rc;
}

static bool empty;

static int pick_view(int argc, char **argv, struct dash_fixture_opts *o, double *age_hours,
		     bool *pending)
{
	bool view = false;

	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--view") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "bureau") == 0)
				o->bureau = true;
			else if (strcmp(argv[i], "school") != 0)
				return -1;
			view = true;
		} else if (strcmp(argv[i], "--age-hours") == 0 && i + 1 < argc && age_hours) {
			*age_hours = strtod(argv[++i], NULL);
		} else if (strcmp(argv[i], "--pending") == 0 && pending) {
			*pending = true;
		} else if (strcmp(argv[i], "--empty") == 0 && pending) {
			empty = true;
		} else if (strcmp(argv[i], "--hostile") == 0) {
			o->hostile = true;
		} else {
			return -1;
		}
	}
	return view ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct dash_fixture_opts o = { 0 };
	double age_hours = 3;
	bool pending = false;
	Safecampus__Dashboard *d;
	int rc;

	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "pack") == 0) {
		FILE *f;
		size_t n;
		uint8_t *buf;
		if (pick_view(argc, argv, &o, NULL, NULL))
			return usage();
		o.computed_ms = now_ms();
		d = dash_fixture_new(&o);
		if (!d)
			return 1;
		n = safecampus__dashboard__get_packed_size(d);
		buf = malloc(n ? n : 1);
		f = fopen(argv[2], "wb");
		if (!buf || !f) {
			perror(argv[2]);
			return 1;
		}
		safecampus__dashboard__pack(d, buf);
		rc = fwrite(buf, 1, n, f) != n;
		rc |= fclose(f) != 0;
		free(buf);
		safecampus__dashboard__free_unpacked(d, NULL);
		return rc;
	}
	if (strcmp(argv[1], "write") == 0) {
		struct store *st = NULL;
		struct store_config cfg = {
			.server = "127.0.0.1:9",
			.server_name = "localhost",
			.cert = "/nonexistent/c.pem",
			.key = "/nonexistent/k.pem",
			.ca = "/nonexistent/ca.pem",
			.district = "d1",
			.school = DASH_FIXTURE_SELF,
			.campus = "main",
			.role = SAFECAMPUS__ROLE__ROLE_SCHOOL,
		};
		char key[DASHBOARD_KEY_MAX];
		if (pick_view(argc, argv, &o, &age_hours, &pending))
			return usage();
		if (o.bureau) {
			cfg.school = "";
			cfg.campus = "bureau";
			cfg.role = SAFECAMPUS__ROLE__ROLE_BUREAU;
		}
		o.computed_ms = now_ms() - (int64_t)(age_hours * 3600000.0);
		rc = store_open(&st, argv[2], true);
		if (!rc)
			rc = store_config_save(st, &cfg);
		if (!rc && empty) {
			/* a store that has never received a dashboard */
		} else if (!rc && (d = dash_fixture_new(&o))) {
			dashboard_key(key, NULL, NULL);
			rc = dashboard_save(st, key, d);
			safecampus__dashboard__free_unpacked(d, NULL);
		} else if (!rc) {
			rc = -ENOMEM;
		}
		if (!rc && o.bureau && !empty) {
			o.school = "s01";
			if ((d = dash_fixture_new(&o))) {
				dashboard_key(key, "s01", NULL);
				rc = dashboard_save(st, key, d);
				safecampus__dashboard__free_unpacked(d, NULL);
			}
		}
		if (!rc && pending)
			rc = write_pending(st);
		if (rc)
			fprintf(stderr, "sc_dashfixture: %s: %s\n", sc_strerror(rc),
				store_last_error());
		store_close(st);
		return rc ? 1 : 0;
	}
	return usage();
}
