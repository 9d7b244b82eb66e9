/* The records around a verb, as kind behaviour reads them (kind_ops.h
 * struct kind_env): this install's store, its identity, and today. Also the
 * clock verbs fill dates and times from. */
#include "verb_int.h"

#include "dashboard.h"

#include <time.h>

struct env_ctx {
	struct store *st;
};

static int env_get(void *ctx, const char *id, Safecampus__Record **out)
{
	return store_get(ctx, id, out);
}

static int env_each(void *ctx, const char *kind, kind_each_cb cb, void *arg)
{
	return store_each(ctx, kind, cb, arg);
}

struct child_ctx {
	struct store *st;
	kind_child_cb cb;
	void *arg;
	int rc;
};

static int child_cb(void *arg, const Safecampus__Record *r)
{
	struct child_ctx *x = arg;
	enum store_sync_state st;

	x->rc = store_sync_state(x->st, r->id, &st);
	if (x->rc)
		return 1;
	return x->cb(x->arg, r,
		     st == STORE_REJECTED  ? KIND_REJECTED
		     : st == STORE_PENDING ? KIND_PENDING
					   : KIND_SYNCED);
}

static int env_each_child(void *ctx, const char *kind, const char *parent_id, kind_child_cb cb,
			  void *arg)
{
	struct child_ctx x = { .st = ctx, .cb = cb, .arg = arg };
	int rc = store_each_child(x.st, kind, parent_id, child_cb, &x);

	return x.rc ? x.rc : rc;
}

static int env_school_known(void *ctx, const char *school, bool *any, bool *known)
{
	return store_school_known(ctx, school, any, known);
}

static int env_schools(void *ctx, char (**out)[64], size_t *n)
{
	return store_schools(ctx, out, n);
}

static int env_letters_due_days(void *ctx, int *days)
{
	return dashboard_letters_due_days(ctx, days);
}

void verb_env(struct store *st, const struct store_config *cfg, const char *today,
	      struct kind_env *env)
{
	*env = (struct kind_env){
		.ctx = st,
		.bureau = cfg && cfg->role == SAFECAMPUS__ROLE__ROLE_BUREAU,
		.school = cfg && cfg->school ? cfg->school : "",
		.campus = cfg && cfg->campus ? cfg->campus : "",
		.today = today,
		.get = env_get,
		.each = env_each,
		.each_child = env_each_child,
		.school_known = env_school_known,
		.schools = env_schools,
		.letters_due_days = env_letters_due_days,
	};
}

int64_t verb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void verb_today(char out[11])
{
	time_t t = (time_t)(verb_now_ms() / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}
