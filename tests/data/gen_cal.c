/* The PRNG, days, the arena and the district calendar. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "gen.h"

/* ------------------------------------------------------------------ PRNG */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_init(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ull + 0x2545f4914f6cdd1dull);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	/* Lemire's multiply-shift; the tiny bias does not matter for test data,
	 * but the result must be the same on every machine, and it is */
	return (uint32_t)(((rng_u64(r) >> 32) * (uint64_t)n) >> 32);
}

int rng_int(struct rng *r, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

double rng_unit(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

bool rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

void rng_uuid(struct rng *r, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	uint64_t a = rng_u64(r), c = rng_u64(r);
	size_t k = 0;

	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(a >> (8 * i));
		b[8 + i] = (uint8_t)(c >> (8 * i));
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[b[i] >> 4];
		out[k++] = hex[b[i] & 15];
	}
	out[k] = '\0';
}

const char *rng_pick(struct rng *r, const char *const *list)
{
	uint32_t n = 0;

	while (list[n])
		n++;
	return list[rng_below(r, n)];
}

/* ------------------------------------------------------------------ days */

/* Howard Hinnant's days_from_civil / civil_from_days. */
int day_make(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int)doe - 719468;
}

void day_split(int day, int *y, int *m, int *d)
{
	int z = day + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned dd = doy - (153 * mp + 2) / 5 + 1;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;

	*y = (int)yoe + era * 400 + (mm <= 2);
	*m = (int)mm;
	*d = (int)dd;
}

int day_wday(int day)
{
	/* 1970-01-01 was a Thursday (3 with Monday = 0) */
	int w = (day + 3) % 7;

	return w < 0 ? w + 7 : w;
}

int day_parse(const char *s, int *day)
{
	int y, m, d, n = 0;

	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return -1;
	if (m < 1 || m > 12 || d < 1 || y < 1900 || y > 9999)
		return -1;
	*day = day_make(y, m, d);
	int y2, m2, d2;
	day_split(*day, &y2, &m2, &d2);
	return (y2 == y && m2 == m && d2 == d) ? 0 : -1;
}

void day_fmt(int day, char out[11])
{
	int y, m, d;

	day_split(day, &y, &m, &d);
	y = ((y % 10000) + 10000) % 10000;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

int64_t day_ms(int day, int minute)
{
	return ((int64_t)day * 86400 + (int64_t)minute * 60 - 8 * 3600) * 1000;
}

int day_today_china(void)
{
	time_t now = time(NULL);

	return (int)((now + 8 * 3600) / 86400);
}

/* ------------------------------------------------------------------ arena */

#define ARENA_BLOCK (1u << 20)

struct block {
	struct block *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct block *head;
};

static struct block *block_new(size_t size)
{
	struct block *b = malloc(sizeof *b + size);

	if (!b) {
		fprintf(stderr, "scgen: out of memory\n");
		abort();
	}
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof *a);

	if (!a) {
		fprintf(stderr, "scgen: out of memory\n");
		abort();
	}
	a->head = block_new(ARENA_BLOCK);
	return a;
}

void arena_reset(struct arena *a)
{
	struct block *b = a->head, *last = NULL;

	while (b) {
		struct block *next = b->next;
		if (!next) {
			last = b;
			break;
		}
		free(b);
		b = next;
	}
	/* the first block allocated is the last in the list: keep it */
	a->head = last;
	a->head->used = 0;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	while (a->head) {
		struct block *next = a->head->next;
		free(a->head);
		a->head = next;
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t al = sizeof(max_align_t);
	struct block *b = a->head;
	void *p;

	n = (n + al - 1) / al * al;
	if (b->used + n > b->size) {
		b = block_new(n > ARENA_BLOCK ? n : ARENA_BLOCK);
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);

	memcpy(p, s, n);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char tmp[1024];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof tmp)
		return arena_strdup(a, tmp);
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *arena_day(struct arena *a, int day)
{
	char *p = arena_alloc(a, 11);

	day_fmt(day, p);
	return p;
}

/* ------------------------------------------------------------------ calendar */

/* The district calendar: terms with their public holidays and the weekend
 * days worked in exchange (调休). The State Council's arrangement for 2025
 * and 2026 is used as published; later years follow the same pattern with
 * the lunar festivals at their real dates, but make-up days are not guessed. */
struct term_def {
	const char *name, *start, *end, *holidays, *makeup;
};

static const struct term_def known_terms[] = {
	{ "2024-2025 autumn", "2024-09-01", "2025-01-17",
	  "2024-09-15..2024-09-17;2024-10-01..2024-10-07;2025-01-01",
	  "2024-09-14;2024-09-29;2024-10-12" },
	{ "2024-2025 spring", "2025-02-17", "2025-07-04",
	  "2025-04-04..2025-04-06;2025-05-01..2025-05-05;2025-05-31..2025-06-02", "2025-04-27" },
	{ "2025-2026 autumn", "2025-09-01", "2026-01-23",
	  "2025-10-01..2025-10-08;2026-01-01..2026-01-03", "2025-09-28;2025-10-11;2026-01-04" },
	{ "2025-2026 spring", "2026-03-02", "2026-07-03",
	  "2026-04-04..2026-04-06;2026-05-01..2026-05-05;2026-06-19..2026-06-21", "2026-05-09" },
	{ "2026-2027 autumn", "2026-09-01", "2027-01-22",
	  "2026-09-25..2026-09-27;2026-10-01..2026-10-07;2027-01-01..2027-01-03",
	  "2026-09-20;2026-10-10" },
	{ "2026-2027 spring", "2027-02-22", "2027-07-02",
	  "2027-04-03..2027-04-05;2027-05-01..2027-05-05;2027-06-09", "" },
	{ "2027-2028 autumn", "2027-09-01", "2028-01-21",
	  "2027-09-15;2027-10-01..2027-10-07;2028-01-01..2028-01-03", "" },
	{ "2027-2028 spring", "2028-02-21", "2028-06-30",
	  "2028-04-04;2028-05-01..2028-05-05;2028-05-28..2028-05-30", "" },
};

/* A term of a year outside the table: fixed-date holidays only. */
static void term_fallback(int year, bool autumn, struct term_def *t, char buf[5][64])
{
	if (autumn) {
		snprintf(buf[0], 64, "%d-%d autumn", year, year + 1);
		snprintf(buf[1], 64, "%04d-09-01", year);
		snprintf(buf[2], 64, "%04d-01-20", year + 1);
		snprintf(buf[3], 64, "%04d-10-01..%04d-10-07;%04d-01-01", year, year, year + 1);
	} else {
		snprintf(buf[0], 64, "%d-%d spring", year - 1, year);
		snprintf(buf[1], 64, "%04d-02-20", year);
		snprintf(buf[2], 64, "%04d-07-01", year);
		snprintf(buf[3], 64, "%04d-04-05;%04d-05-01..%04d-05-05", year, year, year);
	}
	buf[4][0] = '\0';
	t->name = buf[0];
	t->start = buf[1];
	t->end = buf[2];
	t->holidays = buf[3];
	t->makeup = buf[4];
}

/* Every term (known or by rule) of school years year-1 .. year+1 that may
 * touch [start, end], in order. */
static int terms_around(int start, int end, struct term_def *out, char (*bufs)[5][64], int max)
{
	int y0, y1, m, d, n = 0;

	day_split(start, &y0, &m, &d);
	day_split(end, &y1, &m, &d);
	for (int y = y0 - 1; y <= y1 && n < max; y++) {
		for (int half = 0; half < 2 && n < max; half++) {
			/* autumn of y, then spring of y+1 */
			char name[48];
			bool found = false;
			snprintf(name, sizeof name, "%d-%d %s", y, y + 1,
				 half ? "spring" : "autumn");
			for (size_t i = 0; i < sizeof known_terms / sizeof known_terms[0]; i++)
				if (!strcmp(known_terms[i].name, name)) {
					out[n] = known_terms[i];
					found = true;
				}
			if (!found)
				term_fallback(half ? y + 1 : y, !half, &out[n], bufs[n]);
			n++;
		}
	}
	return n;
}

static int must_day(const char *s)
{
	int d;

	if (day_parse(s, &d)) {
		fprintf(stderr, "scgen: bad built-in date %s\n", s);
		abort();
	}
	return d;
}

/* Calls fn for each date (or each day of a range) in a ';' list. */
static void each_date(const char *list, void (*fn)(void *, int, int, const char *), void *arg)
{
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, ';');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char a[11] = "", b[11] = "", item[32];
		snprintf(item, sizeof item, "%.*s", (int)n, p);
		memcpy(a, item, 10);
		if (n == 22)
			memcpy(b, item + 12, 10);
		else
			memcpy(b, a, 11);
		fn(arg, must_day(a), must_day(b), item);
		p = e ? e + 1 : NULL;
	}
}

struct clip {
	int lo, hi;
	char *out;
	size_t size;
	unsigned char *mark; /* per day from lo */
};

static void clip_item(void *arg, int a, int b, const char *item)
{
	struct clip *c = arg;
	char from[11], to[11];
	size_t used = strlen(c->out);

	if (b < c->lo || a > c->hi)
		return;
	if (a < c->lo)
		a = c->lo;
	if (b > c->hi)
		b = c->hi;
	day_fmt(a, from);
	day_fmt(b, to);
	(void)item;
	if (a == b)
		snprintf(c->out + used, c->size - used, "%s%s", used ? ";" : "", from);
	else
		snprintf(c->out + used, c->size - used, "%s%s..%s", used ? ";" : "", from, to);
	if (c->mark)
		for (int d = a; d <= b; d++)
			c->mark[d - c->lo] = 1;
}

void cal_default_term(int today, int *start, int *end)
{
	struct term_def defs[16];
	char bufs[16][5][64];
	int n = terms_around(today, today, defs, bufs, 16);

	*start = *end = -1;
	for (int i = 0; i < n; i++) {
		int s = must_day(defs[i].start), e = must_day(defs[i].end);
		if (s <= today) {
			/* the last term that has begun: the current one, or the one
			 * just ended during a break */
			*start = s;
			*end = e;
		}
	}
	if (*start < 0) {
		*start = must_day(defs[0].start);
		*end = must_day(defs[0].end);
	}
}

bool cal_is_holiday(const struct calendar *c, int day)
{
	for (int i = 0; i < c->nterms; i++) {
		const struct term *t = &c->terms[i];
		const char *p = t->holidays;
		if (day < t->start || day > t->end)
			continue;
		while (p && *p) {
			const char *e = strchr(p, ';');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			char a[11] = "", b[11] = "";
			memcpy(a, p, 10);
			if (n == 22)
				memcpy(b, p + 12, 10);
			else
				memcpy(b, a, 11);
			if (day >= must_day(a) && day <= must_day(b))
				return true;
			p = e ? e + 1 : NULL;
		}
	}
	return false;
}

int cal_build(struct calendar *c, int start, int end, int today)
{
	struct term_def defs[64];
	char bufs[64][5][64];
	int n = terms_around(start, end, defs, bufs, 64);
	size_t cap = 0;

	memset(c, 0, sizeof *c);
	c->start = start;
	c->end = end;
	c->today = today;
	for (int i = 0; i < n; i++) {
		int ts = must_day(defs[i].start), te = must_day(defs[i].end);
		if (te < start || ts > end)
			continue;
		if (c->nterms == MAX_TERMS) {
			fprintf(stderr, "scgen: the period spans more than %d terms\n", MAX_TERMS);
			return SC_EINVALID;
		}
		struct term *t = &c->terms[c->nterms];
		t->start = ts < start ? start : ts;
		t->end = te > end ? end : te;
		t->real_end = te;
		snprintf(t->name, sizeof t->name, "%s", defs[i].name);

		size_t len = (size_t)(t->end - t->start + 1);
		unsigned char *hol = calloc(len, 1), *mk = calloc(len, 1);
		if (!hol || !mk) {
			free(hol);
			free(mk);
			return -ENOMEM;
		}
		struct clip ch = { t->start, t->end, t->holidays, sizeof t->holidays, hol };
		struct clip cm = { t->start, t->end, t->makeup, sizeof t->makeup, mk };
		each_date(defs[i].holidays, clip_item, &ch);
		each_date(defs[i].makeup, clip_item, &cm);
		for (int d = t->start; d <= t->end; d++) {
			int w = day_wday(d);
			bool school = (w < 5 || mk[d - t->start]) && !hol[d - t->start];
			if (!school)
				continue;
			if (c->ndays == cap) {
				cap = cap ? cap * 2 : 256;
				struct sday *nd = realloc(c->days, cap * sizeof *nd);
				if (!nd) {
					free(hol);
					free(mk);
					return -ENOMEM;
				}
				c->days = nd;
			}
			c->days[c->ndays++] = (struct sday){ .day = d, .term = c->nterms };
		}
		free(hol);
		free(mk);
		c->nterms++;
	}
	if (!c->ndays) {
		fprintf(stderr, "scgen: the period holds no school day\n");
		return SC_EINVALID;
	}
	/* slots: the week's first school day holds the themed assembly; the last
	 * school day before a gap holds the 5 minutes before a weekend, or the 30
	 * minutes before a public holiday or the break */
	for (size_t i = 0; i < c->ndays; i++) {
		struct sday *s = &c->days[i];
		int week = (s->day - day_wday(s->day));
		s->weekly = i == 0 || (c->days[i - 1].day - day_wday(c->days[i - 1].day)) != week;
		const struct term *t = &c->terms[s->term];
		if (s->day == t->real_end) {
			s->holiday = true;
			continue;
		}
		int next = i + 1 < c->ndays && c->days[i + 1].term == s->term ? c->days[i + 1].day
									      : t->end + 1;
		if (next - s->day <= 1)
			continue;
		bool hol = false;
		for (int d = s->day + 1; d < next && !hol; d++)
			hol = cal_is_holiday(c, d);
		if (hol)
			s->holiday = true;
		else if (next <= t->end)
			s->weekend = true;
	}
	for (size_t i = 0; i < c->ndays && c->days[i].day <= today; i++)
		c->ndays_done = i + 1;
	return 0;
}

void cal_free(struct calendar *c)
{
	free(c->days);
	c->days = NULL;
}
