/* scgen: generates one district's safety records over a term (or a year),
 * deterministically from a seed, into client stores or PostgreSQL COPY files.
 *
 *   scgen [--schools N] [--seed S] [--term-start D] [--term-end D] [--today D]
 *         [--district ID] [--stores DIR] [--copy DIR] [--stats] [--counts FILE]
 *
 * tests/data/README.md describes the model and the sinks. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "hlc.h"
#include "rules.h"

struct school_stats *gen_stats;

/* ------------------------------------------------------------------ units */

void unit_init(struct unit *u, const char *school, int index, uint64_t seed)
{
	memset(u, 0, sizeof *u);
	u->a = arena_new();
	u->school = arena_strdup(u->a, school);
	u->index = index;
	rng_init(&u->rng, seed, (uint64_t)index);
}

void unit_reset(struct unit *u)
{
	arena_reset(u->a);
	u->n = u->nhz = u->nns = 0;
	u->hlc_count = 0;
}

void unit_free(struct unit *u)
{
	arena_free(u->a);
	free(u->recs);
	free(u->hz);
	free(u->ns);
	memset(u, 0, sizeof *u);
}

Safecampus__Record *unit_record(struct unit *u, int bc, const char *campus, int day, int minute,
				void **payload)
{
	const struct kind *k = kind_by_case(bc);
	Safecampus__Record *r;
	ProtobufCMessage *m;
	char *id;

	if (!k) {
		fprintf(stderr, "scgen: no kind for body case %d\n", bc);
		abort();
	}
	r = arena_alloc(u->a, sizeof *r);
	safecampus__record__init(r);
	m = arena_alloc(u->a, k->desc->sizeof_message);
	k->desc->message_init(m);
	id = arena_alloc(u->a, 37);
	rng_uuid(&u->rng, id);
	r->id = id;
	/* the bureau's school is "": the empty string protobuf-c knows, so that
	 * the store may replace it without freeing arena memory */
	r->school = u->school[0] ? (char *)u->school : (char *)protobuf_c_empty_string;
	r->campus = (char *)campus;
	r->hlc = HLC_MAKE(day_ms(day, minute), u->hlc_count++);
	r->body_case = (Safecampus__Record__BodyCase)bc;
	/* every arm of the oneof is a pointer at the same place */
	r->hazard = (Safecampus__Hazard *)(void *)m;
	*payload = m;
	return r;
}

void unit_emit(struct unit *u, Safecampus__Record *r)
{
	char why[512];

	if (rules_check(r, why, sizeof why) != 0) {
		const struct kind *k = kind_of(r);
		fprintf(stderr, "scgen: BUG: generated %s %s of %s fails the rules: %s\n",
			k ? k->name : "?", r->id, r->school[0] ? r->school : "the bureau", why);
		abort();
	}
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 4096;
		Safecampus__Record **n = realloc(u->recs, u->cap * sizeof *n);
		if (!n) {
			fprintf(stderr, "scgen: out of memory\n");
			abort();
		}
		u->recs = n;
	}
	u->recs[u->n++] = r;
}

/* ------------------------------------------------------------------ ids */

void gen_school_id(const struct gen *g, int i, char out[16])
{
	snprintf(out, 16, g->nschools >= 100 ? "school%03d" : "school%02d", i);
}

/* ------------------------------------------------------------------ options */

static void usage(FILE *f)
{
	fputs("Usage: scgen [OPTIONS]\n\n"
	      "Generates the safety records of a district of schools modelled on the example\n"
	      "school of DOMAIN.md (24 classes, 71 staff, 7 buses, 296 riders) over one term,\n"
	      "deterministically from a seed: the same options give the same bytes.\n\n"
	      "Options:\n"
	      "  --schools N        schools, ids school01.. (default 12, at most 999)\n"
	      "  --seed S           the seed (default 1)\n"
	      "  --term-start DATE  first day of the period (default: the current term's)\n"
	      "  --term-end DATE    last day of the period (default: the current term's)\n"
	      "  --today DATE       nothing dated after it is generated (default: today, China "
	      "time)\n"
	      "  --district ID      the district of the stores (default d1)\n"
	      "  --bureau-campus C  the bureau's campus in COPY output (default office)\n"
	      "  --stores DIR       write into existing client stores DIR/<school>-<campus>.db\n"
	      "                     and DIR/bureau-<campus>.db (made by `safecampus init`);\n"
	      "                     then `safecampus sync` each, the bureau first\n"
	      "  --copy DIR         write PostgreSQL COPY files and DIR/load.sh (load.sql)\n"
	      "  --stats            print counts per kind and per school\n"
	      "  --counts FILE      write school<TAB>kind<TAB>count for every school and kind\n"
	      "  -h, --help         this help\n\n"
	      "Dates are YYYY-MM-DD. Every record passes the rules of common/rules.c and every\n"
	      "workflow event is legal; a failure of either is a bug and aborts the run.\n",
	      f);
}

static int parse_date_opt(const char *name, const char *v, int *out)
{
	if (day_parse(v, out)) {
		fprintf(stderr, "scgen: --%s: \"%s\" is not a date YYYY-MM-DD\n", name, v);
		return -1;
	}
	return 0;
}

static int parse_num(const char *name, const char *v, unsigned long long max,
		     unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || *out > max) {
		fprintf(stderr, "scgen: --%s: \"%s\" is not a number up to %llu\n", name, v, max);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ stats */

static void print_stats(const struct gen *g, const uint64_t *counts, FILE *f)
{
	size_t nk = kind_count();
	char a[11], b[11], t[11];

	day_fmt(g->cal.start, a);
	day_fmt(g->cal.end, b);
	day_fmt(g->cal.today, t);
	fprintf(f,
		"scgen: seed %" PRIu64 ", district %s, %d schools, %s..%s, today %s, "
		"%zu school days (%zu so far)\n",
		g->seed, g->district, g->nschools, a, b, t, g->cal.ndays, g->cal.ndays_done);
	fprintf(f, "%-16s %10s %8s %8s\n", "kind", "total", "min", "max");
	uint64_t total = 0;
	for (size_t k = 0; k < nk; k++) {
		uint64_t sum = 0, mn = UINT64_MAX, mx = 0;
		for (int s = 0; s <= g->nschools; s++) {
			uint64_t c = counts[(size_t)s * nk + k];
			sum += c;
			if (s == 0)
				continue;
			mn = c < mn ? c : mn;
			mx = c > mx ? c : mx;
		}
		total += sum;
		if (kind_at(k)->bureau_only)
			fprintf(f, "%-16s %10" PRIu64 " %8s %8s\n", kind_at(k)->name, sum, "bureau",
				"");
		else
			fprintf(f, "%-16s %10" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
				kind_at(k)->name, sum, mn, mx);
	}
	fprintf(f, "%-16s %10" PRIu64 "\n", "all", total);
	fprintf(f, "\n%-9s %6s %9s %6s %5s %4s %5s %7s %5s %6s %7s %7s %7s %5s %4s %4s\n", "school",
		"staff", "1530", "drills", "plan", "hz", "open", "overdue", "reop", "trips",
		"mismatch", "letters", "gate", "equip", "late", "miss");
	for (int s = 1; s <= g->nschools; s++) {
		const struct school_stats *x = &gen_stats[s];
		char id[16], m1530[16], dr[16], lt[16], gate[16], eq[16];
		gen_school_id(g, s, id);
		snprintf(m1530, sizeof m1530, "%.1f%%",
			 x->sessions_due ? 100.0 * x->sessions_held / x->sessions_due : 0.0);
		snprintf(dr, sizeof dr, "%d/%d", x->drill_months, x->months);
		snprintf(lt, sizeof lt, "%d/%d", x->letters, x->staff);
		snprintf(gate, sizeof gate, "%.1f%%",
			 x->shifts_due ? 100.0 * x->shifts_staffed / x->shifts_due : 0.0);
		snprintf(eq, sizeof eq, "%d/%d", x->equipment_overdue, x->equipment);
		fprintf(f, "%-9s %6d %9s %6s %5d %4d %5d %7d %5d %6d %7d %7s %7s %5s %4d %4d\n", id,
			x->staff, m1530, dr, x->drills_planned_fb, x->hazards, x->hazards_open,
			x->hazards_overdue, x->reopened, x->trips, x->trips_mismatch, lt, gate, eq,
			x->late, x->missing);
	}
	fprintf(f, "(1530: sessions held / due; drills: months with a drill / months elapsed; "
		   "plan: drills with plan and feedback;\n hz: hazards, open = not yet verified; "
		   "gate: shifts with leader, teacher and guard / due; equip: overdue / items;\n"
		   " late, miss: notice reports late / missing past the due date)\n");
}

static int write_counts(const struct gen *g, const uint64_t *counts, const char *path)
{
	size_t nk = kind_count();
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "scgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int s = 0; s <= g->nschools; s++) {
		char id[16] = "";
		if (s)
			gen_school_id(g, s, id);
		for (size_t k = 0; k < nk; k++)
			if (counts[(size_t)s * nk + k])
				fprintf(f, "%s\t%s\t%" PRIu64 "\n", id, kind_at(k)->name,
					counts[(size_t)s * nk + k]);
	}
	if (fclose(f)) {
		fprintf(stderr, "scgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void count_unit(const struct unit *u, uint64_t *row)
{
	for (size_t i = 0; i < u->n; i++) {
		const struct kind *k = kind_of(u->recs[i]);
		row[(size_t)(k - kind_at(0))]++;
	}
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	enum {
		O_SCHOOLS = 256,
		O_SEED,
		O_START,
		O_END,
		O_TODAY,
		O_DISTRICT,
		O_STORES,
		O_COPY,
		O_STATS,
		O_COUNTS,
		O_BCAMPUS
	};
	static const struct option longopts[] = {
		{ "schools", required_argument, NULL, O_SCHOOLS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "term-start", required_argument, NULL, O_START },
		{ "term-end", required_argument, NULL, O_END },
		{ "today", required_argument, NULL, O_TODAY },
		{ "district", required_argument, NULL, O_DISTRICT },
		{ "bureau-campus", required_argument, NULL, O_BCAMPUS },
		{ "stores", required_argument, NULL, O_STORES },
		{ "copy", required_argument, NULL, O_COPY },
		{ "stats", no_argument, NULL, O_STATS },
		{ "counts", required_argument, NULL, O_COUNTS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen g = { .seed = 1, .nschools = 12, .district = "d1", .bureau_campus = "office" };
	const char *stores = NULL, *copy = NULL, *counts_path = NULL;
	int start = -1, end = -1, today = -1, stats = 0, c, rc = 1;
	unsigned long long v;
	struct copy_sink *cs = NULL;
	struct store_sink *ss = NULL;
	uint64_t *counts = NULL;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_SCHOOLS:
			if (parse_num("schools", optarg, 999, &v) || v == 0)
				return 2;
			g.nschools = (int)v;
			break;
		case O_SEED:
			if (parse_num("seed", optarg, UINT64_MAX, &v))
				return 2;
			g.seed = v;
			break;
		case O_START:
			if (parse_date_opt("term-start", optarg, &start))
				return 2;
			break;
		case O_END:
			if (parse_date_opt("term-end", optarg, &end))
				return 2;
			break;
		case O_TODAY:
			if (parse_date_opt("today", optarg, &today))
				return 2;
			break;
		case O_DISTRICT:
			g.district = optarg;
			break;
		case O_BCAMPUS:
			g.bureau_campus = optarg;
			break;
		case O_STORES:
			stores = optarg;
			break;
		case O_COPY:
			copy = optarg;
			break;
		case O_STATS:
			stats = 1;
			break;
		case O_COUNTS:
			counts_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "scgen: unexpected argument %s (try --help)\n", argv[optind]);
		return 2;
	}
	if (today < 0)
		today = day_today_china();
	if (start < 0 || end < 0) {
		int ds, de;
		cal_default_term(today, &ds, &de);
		start = start < 0 ? ds : start;
		end = end < 0 ? de : end;
	}
	if (end < start) {
		fprintf(stderr, "scgen: --term-end is before --term-start\n");
		return 2;
	}
	if (end - start > 2 * 366) {
		fprintf(stderr, "scgen: the period may be at most two years\n");
		return 2;
	}
	if (cal_build(&g.cal, start, end, today))
		return 2;
	gen_stats = calloc((size_t)g.nschools + 1, sizeof *gen_stats);
	counts = calloc(((size_t)g.nschools + 1) * kind_count(), sizeof *counts);
	if (!gen_stats || !counts) {
		fprintf(stderr, "scgen: out of memory\n");
		goto out;
	}
	if (copy && copy_open(&cs, copy))
		goto out;
	if (stores && store_sink_open(&ss, stores, &g))
		goto out;

	struct unit u;
	for (int i = 0; i <= g.nschools; i++) {
		char id[16] = "";
		if (i)
			gen_school_id(&g, i, id);
		unit_init(&u, id, i, g.seed);
		if (i)
			gen_school(&g, &u);
		else
			gen_bureau(&g, &u);
		count_unit(&u, counts + (size_t)i * kind_count());
		/* COPY first: the store sink stamps real hlcs into the records */
		if (cs && copy_unit(cs, &u)) {
			unit_free(&u);
			goto out;
		}
		if (ss && store_sink_unit(ss, &u, &g)) {
			unit_free(&u);
			goto out;
		}
		unit_free(&u);
	}
	if (cs) {
		struct copy_sink *x = cs;
		cs = NULL;
		if (copy_close(x))
			goto out;
	}
	if (stats) {
		print_stats(&g, counts, stdout);
		fflush(stdout);
	}
	if (counts_path && write_counts(&g, counts, counts_path))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t all = 0;
	for (size_t i = 0; i < ((size_t)g.nschools + 1) * kind_count(); i++)
		all += counts[i];
	fprintf(stderr, "scgen: %" PRIu64 " records, %d schools, %.2f s\n", all, g.nschools,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rc = 0;
out:
	copy_abort(cs);
	if (ss)
		store_sink_close(ss);
	cal_free(&g.cal);
	free(gen_stats);
	free(counts);
	return rc;
}
