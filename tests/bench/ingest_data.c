/* ingest: the workload: the N hazard records (deterministic from the seed), the
 * batches every method uses, the hazard columns and the COPY streams. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"
#include "hlc.h"
#include "kinds.h"
#include "kindsql.h"
#include "log.h"
#include "migrate.h"
#include "tls.h"
#include "ingest_int.h"

/* ------------------------------------------------------------ the records */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
#define PICK(a) ((a)[rnd() % (sizeof(a) / sizeof((a)[0]))])

static const char *const titles[] = {
	"教学楼东侧楼梯扶手松动",
	"实验室危化品柜未双人双锁",
	"食堂燃气管道接口老化渗漏",
	"操场北侧围栏立柱锈蚀松动",
	"宿舍楼安全出口指示灯不亮",
	"配电箱门未关闭且无警示标识",
	"北门监控摄像头画面中断",
	"校车座椅安全带卡扣损坏",
	"图书馆灭火器压力不足",
	"体育馆篮球架底座螺栓缺失",
	"Loose handrail on east stairwell",
	"Fire door propped open with a chair",
	"Cracked window pane in classroom 2-3",
	"Emergency lighting fails battery test",
	"Gas smell near canteen kitchen range",
	"Exposed wiring above corridor ceiling tiles",
	"Playground slide edge splintered",
	"Blocked evacuation route behind the gym",
	"门卫室一键报警装置无响应",
	"教学楼顶层天台门锁损坏",
	"校园周界红外对射报警误报频繁",
	"化学实验室通风橱风量不足",
	"Water dispenser leaking onto power strip",
	"Missing anti-slip strips on stairs",
};
static const char *const buildings[] = {
	"教学楼A座", "教学楼B座", "综合楼",        "实验楼",        "学生宿舍3号楼", "食堂一楼后厨",
	"体育馆",    "图书馆",    "Main building", "Science block", "North gate",    "Sports field",
};
static const char *const observations[] = {
	"日常巡查时发现该处存在明显安全隐患，现场已拍照留存，",
	"班主任在课间巡视中报告此问题，经安全员复核属实，",
	"月度安全检查中由后勤处会同保卫处共同发现，",
	"During the weekly inspection the duty teacher found the problem and took photos; ",
	"Reported by a student at morning assembly and confirmed by the safety officer; ",
	"家长委员会开放日反映，经现场核查确认，",
};
static const char *const risks[] = {
	"若不及时处理，学生上下楼高峰时段易发生跌倒、挤压等事故。",
	"存在火灾及触电风险，可能影响周边教室和人员疏散通道。",
	"可能导致夜间周界防范失效，外来人员可趁机进入校园。",
	"students could be hurt during the busy change of classes. ",
	"it creates a fire and electric shock risk next to an evacuation route. ",
	"雨季来临前需重点关注，防止事态扩大。",
};
static const char *const actions[] = {
	"已设置临时警戒线并通知后勤处安排维修，预计三个工作日内完成整改。",
	"建议更换同型号配件，整改完成后由安全办复查并上传照片。",
	"Temporary barrier in place; facilities asked for a repair quote this week.",
	"已报告分管副校长，列入本周隐患整改台账并明确责任人。",
	"Area closed to students until the contractor fixes it; recheck after repair.",
};
static const char *const reporters[] = { "张伟", "李娜",     "王芳",      "刘洋",     "陈静",
					 "杨磊", "Zhao Min", "Wang Fang", "Li Qiang", "周老师" };

struct dataset ing_ds;

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		ing_die("out of memory");
	return d;
}

void *ing_xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		ing_die("out of memory");
	return p;
}

/* --append: deletes this run's records (by id, school by school) so that
 * every method meets the district as it was; the dashboard triggers see the
 * deletes, as they would any. Not timed. */
void ing_forget_own_rows(void)
{
	for (int s = 0; s < ing_ds.nschools; s++) {
		struct buf ids;
		int rc;

		buf_init(&ids, BIG);
		rc = buf_append(&ids, "{", 1);
		for (size_t i = ing_ds.school_start[s]; i < ing_ds.school_start[s + 1] && !rc; i++)
			rc = (i > ing_ds.school_start[s] ? buf_append(&ids, ",", 1) : 0) ||
			     buf_append(&ids, ing_ds.ids[i], 36);
		if (rc || buf_append(&ids, "}", 2))
			ing_die("building the id list");
		const char *params[2] = { ing_ds.schools[s], (const char *)buf_head(&ids) };
		PGresult *r = PQexecParams(ing_pg,
					   "DELETE FROM hazard h USING unnest($2::uuid[]) AS q(id) "
					   "WHERE h.school = $1 AND h.id = q.id",
					   2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			ing_die("deleting the bench's rows: %s", PQerrorMessage(ing_pg));
		PQclear(r);
		buf_free(&ids);
	}
}

static void make_uuid(char out[37])
{
	uint64_t a = rnd(), b = rnd();
	uint8_t u[16];

	for (int i = 0; i < 8; i++) {
		u[i] = (uint8_t)(a >> (8 * i));
		u[8 + i] = (uint8_t)(b >> (8 * i));
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

void ing_generate(void)
{
	struct hlc clock = { 0 };
	char tmp[1024];
	size_t text = 0, wire = 0;

	rng_state = ing_opt.seed;
	ing_ds.n = (size_t)ing_opt.n;
	ing_ds.nschools = (int)ing_opt.clients;
	ing_ds.recs = ing_xcalloc(ing_ds.n, sizeof *ing_ds.recs);
	ing_ds.hz = ing_xcalloc(ing_ds.n, sizeof *ing_ds.hz);
	ing_ds.ptrs = ing_xcalloc(ing_ds.n, sizeof *ing_ds.ptrs);
	ing_ds.ids = ing_xcalloc(ing_ds.n, sizeof *ing_ds.ids);
	for (int s = 0; s <= ing_ds.nschools; s++)
		ing_ds.school_start[s] = ing_ds.n * (size_t)s / (size_t)ing_ds.nschools;
	uint64_t base = hlc_wall_ms() - 1000; /* stamps stay in the past: never "ahead" */
	for (int s = 0; s < ing_ds.nschools; s++) {
		snprintf(ing_ds.schools[s], sizeof ing_ds.schools[s], "school%03d", s + 1);
		for (size_t i = ing_ds.school_start[s]; i < ing_ds.school_start[s + 1]; i++) {
			Safecampus__Record *r = &ing_ds.recs[i];
			Safecampus__Hazard *h = &ing_ds.hz[i];
			safecampus__record__init(r);
			safecampus__hazard__init(h);
			make_uuid(ing_ds.ids[i]);
			r->id = ing_ds.ids[i];
			r->school = ing_ds.schools[s];
			r->campus = (char *)ing_opt.campus;
			r->hlc = hlc_tick(&clock, base);
			r->body_case = SAFECAMPUS__RECORD__BODY_HAZARD;
			r->hazard = h;
			snprintf(tmp, sizeof tmp, "%s（第%zu号）", PICK(titles), i + 1);
			h->title = xstrdup(tmp);
			snprintf(tmp, sizeof tmp, "%s %d层 %d%02d室", PICK(buildings),
				 (int)(rnd() % 6) + 1, (int)(rnd() % 6) + 1, (int)(rnd() % 30) + 1);
			h->location = xstrdup(tmp);
			h->area = (Safecampus__HazardArea)(1 + rnd() % 9);
			h->severity = (Safecampus__Severity)(1 + rnd() % 4);
			snprintf(tmp, sizeof tmp, "%s%s%s", PICK(observations), PICK(risks),
				 PICK(actions));
			h->description = xstrdup(tmp);
			snprintf(tmp, sizeof tmp, "2026-%02d-%02d", (int)(rnd() % 11) + 1,
				 (int)(rnd() % 28) + 1); /* not after today (rules) */
			h->found_date = xstrdup(tmp);
			h->reporter = xstrdup(PICK(reporters));
			ing_ds.ptrs[i] = r;
			text += strlen(h->title) + strlen(h->location) + strlen(h->description) +
				strlen(h->found_date) + strlen(h->reporter);
			wire += safecampus__record__get_packed_size(r);
		}
	}
	ing_ds.text_bytes = (double)text / (double)ing_ds.n;
	ing_ds.wire_bytes = (double)wire / (double)ing_ds.n;
}

/* ------------------------------------------------------------ batches */

struct ubatch *ing_ub;
size_t ing_nub;

void ing_plan_batches(void)
{
	size_t cap = ing_ds.n / (size_t)ing_opt.batch + (size_t)ing_ds.nschools + 1;

	ing_ub = ing_xcalloc(cap, sizeof *ing_ub);
	ing_nub = 0;
	for (size_t k = 0;; k++) {
		size_t added = 0;
		for (int s = 0; s < ing_ds.nschools; s++) {
			size_t i = ing_ds.school_start[s] + k * (size_t)ing_opt.batch;
			if (i >= ing_ds.school_start[s + 1])
				continue;
			struct ubatch *u = &ing_ub[ing_nub++];
			u->school = s;
			u->first = i;
			u->n = ing_ds.school_start[s + 1] - i < (size_t)ing_opt.batch
				       ? ing_ds.school_start[s + 1] - i
				       : (size_t)ing_opt.batch;
			added++;
		}
		if (!added)
			break;
	}
}

/* ------------------------------------------------------------ columns */

struct col {
	char name[64];
	char type[64];
	int field; /* payload field index, or -1 for a common column */
};
static struct col cols[MAX_COLS];
static int ncols;
const struct kind *ing_hk;

void ing_load_columns(void)
{
	static const char *const common[] = { "id",      "school", "campus",    "hlc",
					      "deleted", "seq",    "written_by" };
	const char *params[1] = { "hazard" };
	PGresult *r = PQexecParams(
		ing_pg,
		"SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
		"WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
		1, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		ing_die("reading hazard columns: %s", PQerrorMessage(ing_pg));
	ncols = 0;
	for (unsigned i = 0; i < 7 + ing_hk->desc->n_fields; i++) {
		struct col *c = &cols[ncols++];
		snprintf(c->name, sizeof c->name, "%s",
			 i < 7 ? common[i] : ing_hk->desc->fields[i - 7].name);
		c->field = i < 7 ? -1 : (int)(i - 7);
		c->type[0] = '\0';
		for (int row = 0; row < PQntuples(r); row++)
			if (!strcmp(PQgetvalue(r, row, 0), c->name))
				snprintf(c->type, sizeof c->type, "%s", PQgetvalue(r, row, 1));
		if (!c->type[0])
			ing_die("table hazard has no column %s", c->name);
	}
	PQclear(r);
}

/* Text form of column c of record i (the same text kindsql_batch_add sends);
 * seq is the row's position in the load. */
static char *col_text(int c, size_t i, size_t seq, char *num)
{
	const Safecampus__Record *r = ing_ds.ptrs[i];

	switch (c) {
	case 0:
		return xstrdup(r->id);
	case 1:
		return xstrdup(r->school);
	case 2:
		return xstrdup(r->campus);
	case 3:
		snprintf(num, 32, "%" PRIu64, r->hlc);
		return xstrdup(num);
	case 4:
		return xstrdup(r->deleted ? "true" : "false");
	case 5:
		snprintf(num, 32, "%zu", seq);
		return xstrdup(num);
	case 6:
		return xstrdup(ing_opt.campus); /* written_by */
	default: {
		char *s = kind_field_get(kind_payload(r), &ing_hk->desc->fields[cols[c].field]);
		if (!s)
			ing_die("out of memory");
		return s;
	}
	}
}

static int is_text(const char *t)
{
	return !strcmp(t, "text") || !strncmp(t, "character varying", 17);
}
static int is_int(const char *t)
{
	return !strcmp(t, "bigint") || !strcmp(t, "integer") || !strcmp(t, "smallint");
}

static void put(struct buf *b, const void *p, size_t n)
{
	if (buf_append(b, p, n))
		ing_die("COPY stream too large");
}
static void put_be(struct buf *b, uint64_t v, int bytes)
{
	uint8_t x[8];

	for (int i = 0; i < bytes; i++)
		x[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	put(b, x, (size_t)bytes);
}

/* Days from 2000-01-01 (PostgreSQL's date epoch), proleptic Gregorian. */
static long days_since_2000(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - 10957;
}

/* One value in COPY BINARY; the conventions of kindsql's upsert: "" is 0 for
 * numbers, false for booleans, NULL for other non-text types. */
static int bin_value(struct buf *b, const char *type, const char *s)
{
	if (is_text(type)) {
		put_be(b, strlen(s), 4);
		put(b, s, strlen(s));
	} else if (is_int(type)) {
		int bytes = !strcmp(type, "bigint") ? 8 : !strcmp(type, "integer") ? 4 : 2;
		put_be(b, (uint64_t)bytes, 4);
		put_be(b, (uint64_t)strtoll(s, NULL, 10), bytes);
	} else if (!strcmp(type, "boolean")) {
		put_be(b, 1, 4);
		put_be(b, s[0] == 't' || s[0] == '1' || s[0] == 'y', 1);
	} else if (!s[0]) {
		put_be(b, 0xffffffffu, 4); /* NULL */
	} else if (!strcmp(type, "uuid")) {
		uint8_t u[16];
		int k = 0;
		for (const char *p = s; *p && k < 32; p++) {
			if (*p == '-')
				continue;
			int v = isdigit((unsigned char)*p) ? *p - '0' : (*p | 0x20) - 'a' + 10;
			u[k / 2] = (uint8_t)(k % 2 ? (u[k / 2] | v) : v << 4);
			k++;
		}
		put_be(b, 16, 4);
		put(b, u, 16);
	} else if (!strcmp(type, "date")) {
		int y, m, d;
		if (sscanf(s, "%d-%d-%d", &y, &m, &d) != 3)
			return -1;
		put_be(b, 4, 4);
		put_be(b, (uint64_t)days_since_2000(y, m, d), 4);
	} else {
		return -1;
	}
	return 0;
}

static void text_value(struct buf *b, const char *type, const char *s)
{
	if (!s[0] && !is_text(type)) {
		const char *v = is_int(type) || !strcmp(type, "double precision") ? "0"
				: !strcmp(type, "boolean")                        ? "f"
										  : "\\N";
		put(b, v, strlen(v));
		return;
	}
	for (const char *p = s; *p; p++) {
		const char *esc = *p == '\\'   ? "\\\\"
				  : *p == '\t' ? "\\t"
				  : *p == '\n' ? "\\n"
				  : *p == '\r' ? "\\r"
					       : NULL;
		if (esc)
			put(b, esc, 2);
		else
			put(b, p, 1);
	}
}

/* The whole COPY stream for all records; -1 if a column type has no binary
 * encoder here. */
int ing_build_copy(struct buf *b, int binary)
{
	char num[32];

	buf_init(b, BIG);
	if (binary) {
		put(b, "PGCOPY\n\377\r\n\0", 11);
		put_be(b, 0, 4);
		put_be(b, 0, 4);
	}
	size_t seq = 0;
	for (size_t bi = 0; bi < ing_nub; bi++) {
		for (size_t i = ing_ub[bi].first; i < ing_ub[bi].first + ing_ub[bi].n; i++) {
			seq++;
			if (binary)
				put_be(b, (uint64_t)ncols, 2);
			for (int c = 0; c < ncols; c++) {
				char *s = col_text(c, i, seq, num);
				int bad = binary ? bin_value(b, cols[c].type, s) : 0;
				if (!binary) {
					if (c)
						put(b, "\t", 1);
					text_value(b, cols[c].type, s);
				}
				free(s);
				if (bad)
					return -1;
			}
			if (!binary)
				put(b, "\n", 1);
		}
	}
	if (binary)
		put_be(b, 0xffff, 2);
	return 0;
}

const char *ing_copy_sql(int binary)
{
	static char sql[2048];
	size_t at = (size_t)snprintf(sql, sizeof sql, "COPY hazard (");

	for (int c = 0; c < ncols; c++)
		at += (size_t)snprintf(sql + at, sizeof sql - at, "%s%s", c ? ", " : "",
				       cols[c].name);
	snprintf(sql + at, sizeof sql - at, ") FROM STDIN%s", binary ? " (FORMAT binary)" : "");
	return sql;
}
