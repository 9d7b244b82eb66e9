/* scgen: one district's safety work over a period, deterministic from a seed.
 *
 * Pieces (tests/data/README.md says what is generated and why):
 *   scgen.c       options, the run (bureau first, then school by school), stats
 *   gen_cal.c     PRNG, days, arena, the district calendar (terms, holidays)
 *   gen_bureau.c  the bureau: calendar rows and notices
 *   gen_school.c  one school: profile, staff, classes, ... everything it records
 *   gen_school_teach.c  its 1530 sessions, lectures, linkage, meetings, drills
 *   gen_school_check.c  its inspections, hazards, gate, trips, equipment, risks,
 *                       notice answers (gen_school_int.h: what the three share)
 *   sink_copy.c   PostgreSQL COPY files and a load script
 *   sink_store.c  existing client stores (then `safecampus sync` uploads them)
 *
 * Generation is done in units: the bureau, then each school. A unit's records
 * live in its arena until every sink has taken them. Every record passes
 * rules_check and every workflow event is folded (hazard_fsm.h, the notice
 * rules of server/wf_notice.c) as it is made; a failure aborts the run. */
#ifndef SCGEN_GEN_H
#define SCGEN_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hazard_fsm.h"
#include "kinds.h"
#include "safecampus.pb-c.h"

/* ------------------------------------------------------------------ PRNG */

/* xoshiro256** seeded through splitmix64: one independent stream per (seed,
 * stream number), so a school's data does not depend on how many schools
 * came before it. */
struct rng {
	uint64_t s[4];
};

void rng_init(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_u64(struct rng *r);
/** Uniform in 0..n-1 (n > 0). */
uint32_t rng_below(struct rng *r, uint32_t n);
/** Uniform in lo..hi, both included. */
int rng_int(struct rng *r, int lo, int hi);
/** Uniform in [0, 1). */
double rng_unit(struct rng *r);
/** True with probability p. */
bool rng_chance(struct rng *r, double p);
/** A version 4 UUID, lower case, from the stream (not from the system). */
void rng_uuid(struct rng *r, char out[37]);
/** An element of a NULL-terminated list. */
const char *rng_pick(struct rng *r, const char *const *list);

/* ------------------------------------------------------------------ days */

/* A day is a count of days since 1970-01-01 (the proleptic Gregorian
 * calendar). Times of day are China time (UTC+8): a school's "16:30". */
int day_make(int y, int m, int d);
void day_split(int day, int *y, int *m, int *d);
/** 0 = Monday ... 6 = Sunday. */
int day_wday(int day);
/** 0, or -1 if s is not a real date YYYY-MM-DD. */
int day_parse(const char *s, int *day);
void day_fmt(int day, char out[11]);
/** Unix ms of minute (0..1439, China time) on day. */
int64_t day_ms(int day, int minute);
/** Today's date in China time from the system clock (the only clock read). */
int day_today_china(void);

/* ------------------------------------------------------------------ arena */

struct arena;
struct arena *arena_new(void);
void arena_free(struct arena *a);
/** Frees everything allocated since arena_new (keeps the first block). */
void arena_reset(struct arena *a);
/** Zeroed memory; aborts on out-of-memory (a generator has no way round it). */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** The date as a string in the arena. */
char *arena_day(struct arena *a, int day);

/* ------------------------------------------------------------------ calendar */

#define MAX_TERMS 16

/* One term of the district calendar, clipped to the period asked for. */
struct term {
	char name[48];      /* "2026-2027 autumn" */
	int start, end;     /* clipped to the period */
	int real_end;       /* the term's own last day (the day before the break) */
	char holidays[512]; /* ';'-separated, inside [start, end] */
	char makeup[256];
};

/* One school day of the period. */
struct sday {
	int day;
	int term;     /* index into calendar.terms */
	bool weekly;  /* first school day of its week: the themed assembly (10 min) */
	bool weekend; /* last before a weekend: 5 min */
	bool holiday; /* last before a public holiday or the break: 30 min */
};

struct calendar {
	int start, end; /* the period */
	int today;      /* nothing dated after it exists yet */
	struct term terms[MAX_TERMS];
	int nterms;
	struct sday *days; /* school days in [start, end], ascending */
	size_t ndays;
	size_t ndays_done; /* those on or before today */
};

/** Builds the calendar of [start, end]. SC_EINVALID with a message on stderr
 * if the period holds no school day. */
SC_WUR int cal_build(struct calendar *c, int start, int end, int today);
void cal_free(struct calendar *c);
/** True if day is a public holiday of the calendar's terms. */
bool cal_is_holiday(const struct calendar *c, int day);
/** The default period: the term that holds today (or the last one before it). */
void cal_default_term(int today, int *start, int *end);

/* ------------------------------------------------------------------ units */

/* The final status of a hazard after its events (for the COPY sink, which
 * fills the derived columns the server would). */
struct hz_final {
	const char *id;
	struct hazard_status st;
};

/* A school's standing on one notice, as server/wf_notice.c would keep it. */
struct notice_standing {
	const char *notice_id;
	uint64_t acked_hlc;
	int64_t ack_ms;
	uint64_t reported_hlc;
	int64_t reported_ms;
	int report_day; /* -1: none */
	bool late;
	int64_t updated_ms; /* the last event that changed it */
};

/* The records of one unit: the bureau or one school. */
struct unit {
	const char *school; /* "" for the bureau */
	int index;          /* 0 bureau, 1.. school */
	struct arena *a;
	struct rng rng;
	Safecampus__Record **recs;
	size_t n, cap;
	struct hz_final *hz;
	size_t nhz, caphz;
	struct notice_standing *ns;
	size_t nns, capns;
	uint32_t hlc_count; /* makes the COPY hlc of one minute unique */
};

void unit_init(struct unit *u, const char *school, int index, uint64_t seed);
void unit_reset(struct unit *u);
void unit_free(struct unit *u);

/** A new record of body case bc in u (payload zero-initialised by its
 * descriptor), stamped with an id from u's stream and a COPY hlc at minute
 * (China time) of day. The payload is returned through *payload. */
Safecampus__Record *unit_record(struct unit *u, int bc, const char *campus, int day, int minute,
				void **payload);
/** Checks r with rules_check (abort with the reason if it fails) and appends
 * it to u. */
void unit_emit(struct unit *u, Safecampus__Record *r);

/* ------------------------------------------------------------------ the run */

/* A notice the bureau issued, as schools answer it. */
struct notice_info {
	char id[37];
	int issue, due;
	uint64_t hlc;          /* the COPY hlc; the store sink replaces it with the real one */
	const char *targets;   /* "" = all */
	int kind;              /* index into the notice templates */
	bool for_school[1024]; /* by school index (1..) */
};

#define MAX_NOTICES 64

struct gen {
	uint64_t seed;
	int nschools;
	const char *district;
	const char *bureau_campus;
	struct calendar cal;
	struct notice_info notices[MAX_NOTICES];
	int nnotices;
};

/** The school id of index i (1..): "school01", or "school001" past 99. */
void gen_school_id(const struct gen *g, int i, char out[16]);

void gen_bureau(struct gen *g, struct unit *u);
/** A notice template's campaign as an education theme ("一盔一带"), or NULL. */
const char *gen_notice_theme(int kind);
void gen_school(struct gen *g, struct unit *u);

/* Per-school figures the dashboards would show, for --stats. */
struct school_stats {
	int sessions_due, sessions_held;
	int drill_months, months, drills_planned_fb, drills;
	int hazards, hazards_open, hazards_overdue, reopened;
	int trips, trips_mismatch;
	int letters, staff;
	int shifts_due, shifts_held, shifts_staffed;
	int equipment, equipment_overdue;
	int notices, acked, reported, late, missing;
};
extern struct school_stats *gen_stats; /* by unit index; set by scgen.c */

/* ------------------------------------------------------------------ sinks */

struct copy_sink;
/* Sinks return 0 or a negative code (err.h) after saying why on stderr. */
SC_WUR int copy_open(struct copy_sink **out, const char *dir);
SC_WUR int copy_unit(struct copy_sink *s, const struct unit *u);
/** Closes the files and writes load.sql and load.sh. */
SC_WUR int copy_close(struct copy_sink *s);
/** Closes the files after a failure, without a load script. */
void copy_abort(struct copy_sink *s);

struct store_sink;
SC_WUR int store_sink_open(struct store_sink **out, const char *dir, const struct gen *g);
/** Writes the unit to its store(s); for the bureau, then reads back the hlc
 * every notice got (g->notices[].hlc). */
SC_WUR int store_sink_unit(struct store_sink *s, struct unit *u, const struct gen *g);
void store_sink_close(struct store_sink *s);

#endif
