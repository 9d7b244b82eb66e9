/* kind_checks [N]: the kind work the server does for each record of a Push,
 * timed alone, in ns per record: rules_check (push_decide.c's precheck),
 * kind_sign_roles with kind_verb_of (who writes it, who signs it), and
 * every field's text (kind_field_get: what the upsert's arrays are built
 * from), for a hazard and for a hazard step (an assign). One thread, no
 * database: the numbers move only with this code, not with the machine's
 * other tenants as the end-to-end runs do (docs/PERFORMANCE.md). Uses only
 * the public kinds.h/kind_ops.h/rules.h, so it builds against another
 * tree's sc_common too, for an A/B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kind_ops.h"
#include "kinds.h"
#include "rules.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A record of kind with fields "name=value|..." set; exits on bad input. */
static Safecampus__Record *make(const char *kind, const char *fields)
{
	const struct kind *k = kind_by_name(kind);
	Safecampus__Record *r = calloc(1, sizeof *r);
	ProtobufCMessage *m = k ? kind_payload_new(k) : NULL;
	char buf[2048], err[200];

	if (!r || !m) {
		fprintf(stderr, "kind_checks: no kind %s or out of memory\n", kind);
		exit(1);
	}
	safecampus__record__init(r);
	r->id = strdup("0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b");
	r->school = strdup("school001");
	r->campus = strdup("main");
	kind_record_set_payload(r, k, m);
	snprintf(buf, sizeof buf, "%s", fields);
	for (char *f = strtok(buf, "|"); f; f = strtok(NULL, "|")) {
		char *eq = strchr(f, '=');
		if (!eq)
			exit(1);
		*eq = '\0';
		if (kind_field_set(m, kind_field(k, f), eq + 1, err, sizeof err)) {
			fprintf(stderr, "kind_checks: %s.%s: %s\n", kind, f, err);
			exit(1);
		}
	}
	return r;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200000;
	Safecampus__Record *rs[2] = {
		make("hazard",
		     "title=教学楼三楼消防栓水压不足，需要检修|area=fire|severity=high|"
		     "found_date=2026-11-20|location=教学楼三楼东侧走廊|"
		     "description=巡查发现消防栓水压不足，已报告后勤处，建议尽快安排维修并复查。"),
		make("hazard_event", "hazard_id=0f8e1c2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b|action=assign|"
				     "at_ms=1764000000000|actor=张老师|owner=李师傅|"
				     "deadline_date=2026-12-01|note=请本周内完成"),
	};
	char why[256];
	volatile unsigned sink = 0;

	if (n <= 0)
		n = 200000;
	for (size_t w = 0; w < 2; w++) {
		const Safecampus__Record *r = rs[w];
		const struct kind *k = kind_of(r);
		const ProtobufCMessage *m = kind_payload(r);
		double t0, t1, t2, t3;

		t0 = now_s();
		for (int i = 0; i < n; i++)
			sink += (unsigned)rules_check(r, why, sizeof why);
		t1 = now_s();
		for (int i = 0; i < n; i++)
			sink += kind_sign_roles(r) + (kind_verb_of(r) != NULL);
		t2 = now_s();
		for (int i = 0; i < n; i++)
			for (unsigned j = 0; j < k->desc->n_fields; j++) {
				char *s = kind_field_get(m, &k->desc->fields[j]);
				sink += s ? (unsigned char)s[0] : 0;
				free(s);
			}
		t3 = now_s();
		printf("%-13s rules_check %6.0f ns   kind_sign_roles + kind_verb_of %6.0f ns   "
		       "every field's text %6.0f ns\n",
		       k->name, (t1 - t0) / n * 1e9, (t2 - t1) / n * 1e9, (t3 - t2) / n * 1e9);
		if (why[0])
			printf("  (refused: %s)\n", why);
	}
	for (size_t w = 0; w < 2; w++)
		kind_record_free(rs[w]);
	return 0;
}
