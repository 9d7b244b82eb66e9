/* Dashboards on the client: the stored copy, the local outbox as the
 * dashboard sees it, and helpers the three renderers share. See dashboard.h. */
#include "dashboard.h"

#include "msg.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "kinds.h"

/* ---------------------------------------------------------------- keeping */

void dashboard_key(char out[DASHBOARD_KEY_MAX], const char *school, const char *month)
{
	int n = snprintf(out, DASHBOARD_KEY_MAX, "%s", DASHBOARD_KEY);

	if (school && *school)
		n += snprintf(out + n, DASHBOARD_KEY_MAX - (size_t)n, ":%.120s", school);
	if (month && *month)
		snprintf(out + n, DASHBOARD_KEY_MAX - (size_t)n, "@%.7s", month);
}

void dashboard_key_for(char out[DASHBOARD_KEY_MAX], const Safecampus__Dashboard *d,
		       const char *own_school, const char *month)
{
	const char *scope = d->scope ? d->scope : "";

	/* the install's own scope: its school, or the district ("") for the bureau */
	if (!*scope || (own_school && strcmp(scope, own_school) == 0))
		dashboard_key(out, NULL, month);
	else
		dashboard_key(out, scope, month);
}

int dashboard_save(struct store *st, const char *key, const Safecampus__Dashboard *d)
{
	size_t n = safecampus__dashboard__get_packed_size(d);
	uint8_t *buf = malloc(n ? n : 1);
	int rc;

	if (!buf)
		return -ENOMEM;
	safecampus__dashboard__pack(d, buf);
	rc = store_blob_put(st, key, buf, n);
	free(buf);
	if (!rc && d->rules) {
		/* kept apart: counting offline reads them for every command, and
		 * a Dashboard may be large */
		n = safecampus__district_rules__get_packed_size(d->rules);
		if (!(buf = malloc(n ? n : 1)))
			return -ENOMEM;
		safecampus__district_rules__pack(d->rules, buf);
		rc = store_blob_put(st, DASHBOARD_RULES_KEY, buf, n);
		free(buf);
	}
	return rc;
}

int dashboard_letters_due_days(struct store *st, int *days)
{
	void *data = NULL;
	size_t len = 0;
	Safecampus__DistrictRules *r;
	int rc = store_blob_get(st, DASHBOARD_RULES_KEY, &data, &len, NULL);

	if (rc)
		return rc;
	r = safecampus__district_rules__unpack(NULL, len, data);
	free(data);
	if (!r)
		return SC_EPROTO;
	*days = r->letters_due_days > INT_MAX ? INT_MAX : (int)r->letters_due_days;
	safecampus__district_rules__free_unpacked(r, NULL);
	return 0;
}

int dashboard_load(struct store *st, const char *key, Safecampus__Dashboard **out,
		   int64_t *stored_ms)
{
	void *data = NULL;
	size_t len = 0;
	int rc = store_blob_get(st, key, &data, &len, stored_ms);

	*out = NULL;
	if (rc)
		return rc;
	*out = safecampus__dashboard__unpack(NULL, len, data);
	free(data);
	return *out ? 0 : SC_EPROTO;
}

void dashboard_free(Safecampus__Dashboard *d)
{
	if (d)
		safecampus__dashboard__free_unpacked(d, NULL);
}

Safecampus__Dashboard *dashboard_dup(const Safecampus__Dashboard *d)
{
	return (Safecampus__Dashboard *)msg_dup(&d->base);
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

int dashboard_derive_school(const Safecampus__Dashboard *dist, const char *school,
			    Safecampus__Dashboard **out)
{
	Safecampus__Dashboard v = SAFECAMPUS__DASHBOARD__INIT;
	const Safecampus__SchoolScore *row = NULL;
	Safecampus__Alert **alerts = NULL;
	Safecampus__SyncHealth **health = NULL;
	Safecampus__MissingSubmission **missing = NULL;
	Safecampus__ReportingRate **rates = NULL;
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < dist->n_schools; i++)
		if (school && *school && str_eq(dist->schools[i]->school, school))
			row = dist->schools[i];
	if (!row)
		return SC_ENOTFOUND;
	alerts = calloc(dist->n_alerts + 1, sizeof *alerts);
	health = calloc(dist->n_health + 1, sizeof *health);
	missing = calloc(dist->n_missing + 1, sizeof *missing);
	rates = calloc(dist->n_rates + 1, sizeof *rates);
	if (!alerts || !health || !missing || !rates) {
		rc = -ENOMEM;
		goto out;
	}
	/* a view that borrows the district's pieces, then one deep copy */
	v.scope = (char *)school;
	v.scope_label = row->label;
	v.period_start_date = dist->period_start_date;
	v.period_end_date = dist->period_end_date;
	v.as_of_date = dist->as_of_date;
	v.computed_ms = dist->computed_ms;
	v.n_indicators = row->n_indicators;
	v.indicators = row->indicators;
	v.score = row->score;
	v.rank = row->rank;
	v.of_schools = dist->of_schools ? dist->of_schools : (uint32_t)dist->n_schools;
	v.n_schools = dist->n_schools;
	v.schools = dist->schools;
	for (size_t i = 0; i < dist->n_alerts; i++)
		if (str_eq(dist->alerts[i]->school, school))
			alerts[v.n_alerts++] = dist->alerts[i];
	v.alerts = alerts;
	for (size_t i = 0; i < dist->n_health; i++)
		if (str_eq(dist->health[i]->school, school))
			health[v.n_health++] = dist->health[i];
	v.health = health;
	for (size_t i = 0; i < dist->n_missing; i++)
		if (str_eq(dist->missing[i]->school, school))
			missing[v.n_missing++] = dist->missing[i];
	v.missing = missing;
	for (size_t i = 0; i < dist->n_rates; i++)
		if (str_eq(dist->rates[i]->school, school))
			rates[v.n_rates++] = dist->rates[i];
	v.rates = rates;
	*out = dashboard_dup(&v);
	if (!*out)
		rc = -ENOMEM;
out:
	free(alerts);
	free(health);
	free(missing);
	free(rates);
	return rc;
}

/* ---------------------------------------------------------------- local outbox */

/* What an indicator key, alert kind or missing-submission text is about: the
 * first entry whose word appears in it. The server names indicators by the
 * record kind they count (docs/internals/dashboards-client.md). */
static const struct {
	const char *word;
	const char *kinds[3];
} about[] = {
	{ "drill", { "drill" } },
	{ "1530", { "education" } },
	{ "education", { "education", "lecture" } },
	{ "lecture", { "lecture" } },
	{ "hazard", { "hazard", "hazard_event" } },
	{ "letter", { "letter" } },
	{ "notice", { "notice_event", "notice" } },
	{ "bus", { "bus_trip", "bus" } },
	{ "equipment", { "equipment_check", "equipment" } },
	{ "gate", { "gate_duty" } },
	{ "risk", { "risk" } },
	{ "meeting", { "meeting" } },
	{ "polic", { "policy" } },
	{ "plan", { "policy" } },
	{ "linkage", { "linkage" } },
	{ "partner", { "linkage" } },
	{ "inspection", { "inspection" } },
};

static const struct {
	const char *kind, *one, *many;
} nouns[] = {
	{ "drill", N_("drill"), N_("drills") },
	{ "education", N_("education session"), N_("education sessions") },
	{ "lecture", N_("lecture"), N_("lectures") },
	{ "hazard", N_("hazard report"), N_("hazard reports") },
	{ "hazard_event", N_("hazard step"), N_("hazard steps") },
	{ "letter", N_("responsibility letter"), N_("responsibility letters") },
	{ "notice", N_("notice"), N_("notices") },
	{ "notice_event", N_("notice report"), N_("notice reports") },
	{ "bus_trip", N_("bus trip"), N_("bus trips") },
	{ "bus", N_("bus"), N_("buses") },
	{ "bus_rider", N_("bus rider"), N_("bus riders") },
	{ "equipment_check", N_("equipment check"), N_("equipment checks") },
	{ "equipment", N_("equipment item"), N_("equipment items") },
	{ "gate_duty", N_("gate duty shift"), N_("gate duty shifts") },
	{ "risk", N_("known risk"), N_("known risks") },
	{ "meeting", N_("meeting"), N_("meetings") },
	{ "policy", N_("policy"), N_("policies") },
	{ "linkage", N_("partner activity"), N_("partner activities") },
	{ "inspection", N_("inspection"), N_("inspections") },
};

size_t dashboard_kinds_of(const char *text, const char **kinds, size_t max)
{
	char head[128];
	size_t n = 0;

	if (!text || !*text || !max)
		return 0;
	/* "notice report: Bus safety" is about notices, whatever its title says */
	snprintf(head, sizeof head, "%s", text);
	head[strcspn(head, ":")] = '\0';
	for (char *p = head; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < sizeof about / sizeof about[0]; i++) {
		if (!strstr(head, about[i].word))
			continue;
		for (size_t k = 0; k < 3 && about[i].kinds[k] && n < max; k++)
			kinds[n++] = about[i].kinds[k];
		break;
	}
	return n;
}

static struct dashboard_kind_count *kind_slot(struct dashboard_local *l, const char *kind)
{
	struct dashboard_kind_count *k;

	for (size_t i = 0; i < l->nkinds; i++)
		if (strcmp(l->kinds[i].kind, kind) == 0)
			return &l->kinds[i];
	k = realloc(l->kinds, (l->nkinds + 1) * sizeof *k);
	if (!k)
		return NULL;
	l->kinds = k;
	k = &l->kinds[l->nkinds++];
	memset(k, 0, sizeof *k);
	snprintf(k->kind, sizeof k->kind, "%s", kind);
	return k;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The month and references of a pending record, from its payload's fields. */
static int ref_fill(struct dashboard_ref *ref, const Safecampus__Record *r)
{
	const struct kind *k = kind_of(r);
	const ProtobufCMessage *m = kind_payload(r);
	size_t cap = 1, at = 0;

	ref->ids = calloc(1, 1);
	if (!ref->ids)
		return -ENOMEM;
	if (!k || !m)
		return 0;
	for (unsigned i = 0; i < k->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &k->desc->fields[i];
		const char *v;

		if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
			continue;
		v = *(char *const *)((const char *)m + f->offset);
		if (!v || !*v)
			continue;
		if (!ref->month[0] && ends_with(f->name, "_date") && strlen(v) >= 7) {
			memcpy(ref->month, v, 7);
			ref->month[7] = '\0';
			if (!dashboard_month_valid(ref->month))
				ref->month[0] = '\0';
		}
		if (ends_with(f->name, "_id")) {
			size_t len = strlen(v);
			char *ids = realloc(ref->ids, cap + len + 1);
			if (!ids)
				return -ENOMEM;
			ref->ids = ids;
			memcpy(ids + at, v, len);
			ids[at + len] = ';';
			ids[at + len + 1] = '\0';
			at += len + 1;
			cap += len + 1;
		}
	}
	return 0;
}

struct local_walk {
	struct store *st;
	struct dashboard_local *l;
	int rc;
};

static int local_entry(void *arg, const struct store_outbox_entry *e)
{
	struct local_walk *w = arg;
	struct dashboard_local *l = w->l;
	struct dashboard_kind_count *k = kind_slot(l, e->kind);
	struct dashboard_ref *refs, *ref;
	Safecampus__Record *r = NULL;
	int rc;

	if (!k)
		return w->rc = -ENOMEM;
	if (e->rejected) {
		k->rejected++;
		l->rejected++;
		return 0;
	}
	k->pending++;
	l->pending++;
	if (e->created_ms && (!l->oldest_pending_ms || e->created_ms < l->oldest_pending_ms))
		l->oldest_pending_ms = e->created_ms;
	refs = realloc(l->refs, (l->nrefs + 1) * sizeof *refs);
	if (!refs)
		return w->rc = -ENOMEM;
	l->refs = refs;
	ref = &l->refs[l->nrefs++];
	memset(ref, 0, sizeof *ref);
	snprintf(ref->kind, sizeof ref->kind, "%s", e->kind);
	memcpy(ref->id, e->id, sizeof ref->id);
	rc = store_get(w->st, e->id, &r);
	if (rc == SC_ENOTFOUND) {
		/* an entry without its record: counted, nothing to match on */
		ref->ids = calloc(1, 1);
		return ref->ids ? 0 : (w->rc = -ENOMEM);
	}
	if (rc)
		return w->rc = rc;
	rc = ref_fill(ref, r);
	safecampus__record__free_unpacked(r, NULL);
	return rc ? (w->rc = rc) : 0;
}

int dashboard_local_load(struct store *st, struct dashboard_local *out)
{
	struct local_walk w = { .st = st, .l = out };
	int rc;

	memset(out, 0, sizeof *out);
	rc = store_each_outbox(st, local_entry, &w);
	return w.rc ? w.rc : rc;
}

void dashboard_local_free(struct dashboard_local *l)
{
	for (size_t i = 0; i < l->nrefs; i++)
		free(l->refs[i].ids);
	free(l->refs);
	free(l->kinds);
	memset(l, 0, sizeof *l);
}

static const char *noun(const char *kind, uint64_t n)
{
	for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
		if (strcmp(nouns[i].kind, kind) == 0)
			return _(n == 1 ? nouns[i].one : nouns[i].many);
	return NULL;
}

const char *dashboard_kind_noun(const char *kind, uint64_t n)
{
	const char *nn = noun(kind, n);

	return nn ? nn : kind;
}

static void append(char *out, size_t n, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *out, size_t n, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*at >= n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(out + *at, n - *at, fmt, ap);
	va_end(ap);
	if (w > 0)
		*at = *at + (size_t)w < n ? *at + (size_t)w : n - 1;
}

uint64_t dashboard_local_note(const struct dashboard_local *l, const char *key, char *out, size_t n)
{
	const char *kinds[3];
	size_t nk = dashboard_kinds_of(key, kinds, 3), at = 0, parts = 0;
	uint64_t pending = 0, rejected = 0;

	if (n)
		out[0] = '\0';
	if (!l)
		return 0;
	for (size_t i = 0; i < nk; i++)
		for (size_t j = 0; j < l->nkinds; j++)
			if (strcmp(l->kinds[j].kind, kinds[i]) == 0) {
				pending += l->kinds[j].pending;
				rejected += l->kinds[j].rejected;
			}
	for (size_t i = 0; i < nk && pending; i++)
		for (size_t j = 0; j < l->nkinds; j++) {
			const struct dashboard_kind_count *k = &l->kinds[j];
			const char *nn;
			if (strcmp(k->kind, kinds[i]) != 0 || !k->pending)
				continue;
			nn = noun(k->kind, k->pending);
			append(out, n, &at, "%s%llu ", parts ? _(" and ") : "",
			       (unsigned long long)k->pending);
			if (nn)
				append(out, n, &at, "%s", nn);
			else
				append(out, n, &at, ngettext("%s record", "%s records", k->pending),
				       k->kind);
			parts++;
		}
	if (pending)
		append(out, n, &at, "%s", _(" recorded here, not yet synced"));
	if (rejected)
		append(out, n, &at,
		       _("%s%llu rejected by the server (see `safecampus outbox list`)"),
		       pending ? _("; ") : "", (unsigned long long)rejected);
	return pending + rejected;
}

static bool ref_names(const struct dashboard_ref *ref, const char *id)
{
	size_t len = strlen(id);
	const char *p = ref->ids;

	if (strcmp(ref->id, id) == 0)
		return true;
	while (p && *p) {
		const char *semi = strchr(p, ';');
		size_t n = semi ? (size_t)(semi - p) : strlen(p);
		if (n == len && strncasecmp(p, id, len) == 0)
			return true;
		p = semi ? semi + 1 : NULL;
	}
	return false;
}

/* A pending record that is or names record_id; else, one of the kinds in
 * `about` dated in month. */
static bool local_covers(const struct dashboard_local *l, const char *about_text,
			 const char *record_id, const char *month)
{
	const char *kinds[3];
	size_t nk;

	if (!l)
		return false;
	if (record_id && *record_id) {
		for (size_t i = 0; i < l->nrefs; i++)
			if (ref_names(&l->refs[i], record_id))
				return true;
		return false;
	}
	if (!month || !dashboard_month_valid(month))
		return false;
	nk = dashboard_kinds_of(about_text, kinds, 3);
	for (size_t i = 0; i < l->nrefs; i++)
		for (size_t k = 0; k < nk; k++)
			if (strcmp(l->refs[i].kind, kinds[k]) == 0 &&
			    strcmp(l->refs[i].month, month) == 0)
				return true;
	return false;
}

static void month_of(char out[8], const char *date)
{
	out[0] = '\0';
	if (date && strlen(date) >= 7) {
		memcpy(out, date, 7);
		out[7] = '\0';
	}
}

/* The first month "YYYY-MM" named in text ("drill for 2026-10", "no drill
 * ... in 2026-03"), else the month of date. */
static void month_named(char month[8], const char *text, const char *date)
{
	const char *w = text ? text : "";

	month[0] = '\0';
	for (const char *p = w; *p && !month[0]; p++) {
		char cand[8];
		if (strlen(p) < 7)
			break;
		memcpy(cand, p, 7);
		cand[7] = '\0';
		if ((p == w || !isdigit((unsigned char)p[-1])) && dashboard_month_valid(cand) &&
		    !isdigit((unsigned char)p[7]))
			memcpy(month, cand, 8);
	}
	if (!month[0])
		month_of(month, date);
}

bool dashboard_alert_pending(const struct dashboard_local *l, const Safecampus__Alert *a)
{
	char month[8];

	/* the server dates "no drill in 2026-03" from the day after its due date */
	month_named(month, a->title, a->since_date);
	return local_covers(l, a->kind, a->record_id, month);
}

bool dashboard_missing_pending(const struct dashboard_local *l,
			       const Safecampus__MissingSubmission *m)
{
	char month[8];

	month_named(month, m->what, m->due_date);
	return local_covers(l, m->what ? m->what : "", m->record_id, month);
}

/* ---------------------------------------------------------------- model helpers */

static const struct {
	const char *key, *shrt;
} shorts[] = {
	/* the server's keys (server/sql/004_dashboard.sql) */
	{ "drills", "Drill" },
	{ "education_1530", "1530" },
	{ "education_daily", "Ed1m" },
	{ "education_weekly", "Ed10m" },
	{ "education_weekend", "Ed5m" },
	{ "education_holiday", "Ed30m" },
	{ "hazards_open", "HzOpn" },
	{ "hazards_overdue", "HzOvd" },
	{ "hazard_verify_days", "HzDay" },
	{ "letters", "Letr" },
	{ "notices_acknowledged", "NtAck" },
	{ "notices_on_time", "NtOnT" },
	{ "notices_late", "NtLat" },
	{ "notices_missing", "NtMis" },
	{ "bus_mismatch", "BusMm" },
	{ "bus_inspection_overdue", "BusIn" },
	{ "equipment_overdue", "Equip" },
	{ "gate_duty", "Gate" },
	{ "risks_open", "RkOpn" },
	{ "risks_overdue", "RkOvd" },
	{ "score", "Score" },
};

const char *dashboard_short(const char *key)
{
	static char buf[8][6];
	static unsigned next;
	char *out;
	size_t at = 0, words = 0, per, took = 0;
	bool start = true;

	if (!key)
		return "";
	for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++)
		if (strcmp(shorts[i].key, key) == 0)
			return shorts[i].shrt;
	/* an unknown key: the start of each word, "meetings_held" -> "MeHe" */
	for (const char *p = key; *p; p++) {
		bool sep = *p == '_' || *p == '-' || *p == ' ';
		if (!sep && start)
			words++;
		start = sep;
	}
	per = words > 1 ? (5 / words ? 5 / words : 1) : 5;
	out = buf[next++ % 8];
	start = true;
	for (const char *p = key; *p && at < 5; p++) {
		if (*p == '_' || *p == '-' || *p == ' ') {
			start = true;
			continue;
		}
		if (start) {
			took = 0;
			out[at++] = (char)toupper((unsigned char)*p);
		} else if (took < per) {
			out[at++] = *p;
		}
		took++;
		start = false;
	}
	out[at] = '\0';
	return out;
}

void dashboard_fmt_value(char *out, size_t n, double v, bool has, const char *unit,
			 enum dashboard_fmt how)
{
	const char *u = unit ? unit : "";
	bool whole = dashboard__abs(v - dashboard__round(v)) < 0.05;

	if (!has) {
		snprintf(out, n, "%s", how == DASHBOARD_FMT_PLAIN ? "" : _("n/a"));
		return;
	}
	if (how == DASHBOARD_FMT_PLAIN) {
		snprintf(out, n, "%.4g", v);
		if (strchr(out, 'e'))
			snprintf(out, n, "%.0f", v);
		return;
	}
	if (strcmp(u, "%") == 0) {
		if (how == DASHBOARD_FMT_COMPACT || whole)
			snprintf(out, n, "%.0f%%", v);
		else
			snprintf(out, n, "%.1f%%", v);
	} else if (strcmp(u, "days") == 0 || strcmp(u, "day") == 0) {
		if (how == DASHBOARD_FMT_COMPACT)
			snprintf(out, n, v < 99.95 && !whole ? "%.1fd" : "%.0fd", v);
		else
			snprintf(out, n, whole ? _("%.0f days") : _("%.1f days"), v);
	} else if (strcmp(u, "count") == 0 || !*u) {
		snprintf(out, n, whole ? "%.0f" : "%.1f", v);
	} else if (how == DASHBOARD_FMT_COMPACT) {
		snprintf(out, n, whole ? "%.0f" : "%.1f", v);
	} else {
		snprintf(out, n, whole ? "%.0f %s" : "%.1f %s", v, u);
	}
	if (how == DASHBOARD_FMT_COMPACT && strlen(out) > 5)
		snprintf(out, n, "%s", v < 0 ? "-big" : "big");
}

int dashboard_trend_dir(const Safecampus__Indicator *i)
{
	double d;

	if (!i->has_value || !i->has_previous)
		return 0;
	d = i->value - i->previous;
	if (dashboard__abs(d) < 1e-9)
		return 0;
	return d > 0 ? 1 : -1;
}

int dashboard_trend_good(const Safecampus__Indicator *i)
{
	int dir = dashboard_trend_dir(i);

	return i->higher_is_better ? dir : -dir;
}

bool dashboard_meets_target(const Safecampus__Indicator *i)
{
	if (!i->has_value)
		return true;
	return i->higher_is_better ? i->value >= i->target - 1e-9 : i->value <= i->target + 1e-9;
}

bool dashboard_health_stale(const Safecampus__SyncHealth *h, int64_t ref_ms)
{
	if (h->last_contact_ms <= 0 || ref_ms - h->last_contact_ms > DASHBOARD_STALE_CONTACT_MS)
		return true;
	return h->outbox_pending && h->oldest_pending_ms > 0 &&
	       ref_ms - h->oldest_pending_ms > DASHBOARD_STALE_UNSENT_MS;
}

const Safecampus__Indicator *dashboard_indicator(Safecampus__Indicator *const *v, size_t n,
						 const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i]->key, key))
			return v[i];
	return NULL;
}

const Safecampus__Trend *dashboard_trend(const Safecampus__Dashboard *d, const char *key)
{
	for (size_t i = 0; i < d->n_trends; i++)
		if (str_eq(d->trends[i]->key, key))
			return d->trends[i];
	return NULL;
}

double dashboard__abs(double v)
{
	return v < 0 ? -v : v;
}

double dashboard__round(double v)
{
	if (v != v || v > 4503599627370496.0 || v < -4503599627370496.0)
		return v; /* NaN, or already an integer */
	return v < 0 ? -(double)(long long)(-v + 0.5) : (double)(long long)(v + 0.5);
}

const Safecampus__Trend *dashboard_trend_nth(const Safecampus__Dashboard *d, size_t k)
{
	size_t si = d->n_trends;

	for (size_t i = 0; i < d->n_trends && si == d->n_trends; i++)
		if (str_eq(d->trends[i]->key, "score"))
			si = i;
	if (si == d->n_trends)
		return d->trends[k];
	if (k == 0)
		return d->trends[si];
	return d->trends[k - 1 >= si ? k : k - 1];
}

bool dashboard_month_valid(const char *s)
{
	if (!s || strlen(s) != 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return false;
	return (s[5] == '0' && s[6] >= '1' && s[6] <= '9') ||
	       (s[5] == '1' && s[6] >= '0' && s[6] <= '2');
}

/* The sort: by score (best first), by name, or by an indicator. */
enum sort_by { BY_SCORE, BY_NAME, BY_INDICATOR };

struct sort_key {
	enum sort_by by;
	const char *key;
	bool higher_is_better;
};

/* < 0 when school a comes before school b. */
static int school_cmp(const struct sort_key *k, const Safecampus__SchoolScore *a,
		      const Safecampus__SchoolScore *b)
{
	int c;

	if (k->by == BY_NAME) {
		c = strcmp(a->label ? a->label : "", b->label ? b->label : "");
		if (c)
			return c;
	} else if (k->by == BY_INDICATOR) {
		const Safecampus__Indicator *x =
			dashboard_indicator(a->indicators, a->n_indicators, k->key);
		const Safecampus__Indicator *y =
			dashboard_indicator(b->indicators, b->n_indicators, k->key);
		bool hx = x && x->has_value, hy = y && y->has_value;
		if (hx != hy)
			return hx ? -1 : 1;
		if (hx && dashboard__abs(x->value - y->value) > 1e-9)
			return (x->value > y->value) == k->higher_is_better ? -1 : 1;
	}
	if (dashboard__abs(a->score - b->score) > 1e-9)
		return a->score > b->score ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->label ? a->label : "", b->label ? b->label : "");
}

int dashboard_sort_schools(const Safecampus__Dashboard *d, const char *key, size_t *order)
{
	struct sort_key k = { .by = BY_SCORE };

	if (key && *key && strcmp(key, "score") && strcmp(key, "rank")) {
		if (strcmp(key, "name") == 0 || strcmp(key, "school") == 0) {
			k.by = BY_NAME;
		} else {
			const Safecampus__Indicator *found = NULL;
			/* an indicator key, or its short header, in any school's row or the scope's */
			for (size_t s = 0; s <= d->n_schools && !found; s++) {
				Safecampus__Indicator *const *v =
					s < d->n_schools ? d->schools[s]->indicators
							 : d->indicators;
				size_t n = s < d->n_schools ? d->schools[s]->n_indicators
							    : d->n_indicators;
				for (size_t i = 0; i < n && !found; i++)
					if (str_eq(v[i]->key, key) ||
					    strcasecmp(dashboard_short(v[i]->key), key) == 0)
						found = v[i];
			}
			if (!found)
				return SC_EINVALID;
			k.by = BY_INDICATOR;
			k.key = found->key;
			k.higher_is_better = found->higher_is_better;
		}
	}
	for (size_t i = 0; i < d->n_schools; i++)
		order[i] = i;
	/* insertion sort: a district has tens of schools, and it is stable */
	for (size_t i = 1; i < d->n_schools; i++) {
		size_t v = order[i], j = i;
		while (j > 0 && school_cmp(&k, d->schools[v], d->schools[order[j - 1]]) < 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	return 0;
}
