/* Days and times in the page's language (common/date.c's date_words,
 * client/web/web_date.c): a day
 * written the Chinese way, the ISO day kept in <time datetime> for the
 * sort, and ISO days rewritten inside lines made for the terminal too,
 * only where one stands alone and is a real day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"
#include "i18n.h"
#include "web_int.h"

/* What fn wrote into a fresh page, as a string (the page freed). */
static char *page_of(void (*fn)(struct web_page *p, const char *s), const char *s)
{
	struct web_page p;
	char *out;

	web_page_init(&p);
	fn(&p, s);
	assert_false(p.oom);
	/* nothing written: no buffer at all */
	out = p.b.data ? strndup((const char *)p.b.data + p.b.off, p.b.len - p.b.off) : strdup("");
	web_page_free(&p);
	return out;
}

static void expect(void (*fn)(struct web_page *p, const char *s), const char *in, const char *want)
{
	char *got = page_of(fn, in);

	assert_string_equal(got, want);
	free(got);
}

static void test_zh(void **state)
{
	char out[64];

	(void)state;
	i18n_set_lang("zh_CN");
	assert_string_equal(date_words("2026-09-09", out, sizeof out), "2026年9月9日");
	assert_string_equal(date_words("2026-02-30", out, sizeof out), "2026-02-30");
	assert_string_equal(date_words("", out, sizeof out), "");
	expect(web_date_cell, "2026-10-01", "<time datetime=\"2026-10-01\">2026年10月1日</time>");
	expect(web_date_cell, "not <a> day", "not &lt;a&gt; day");
	/* a line of `status`: its day rewritten, the rest escaped as it is */
	expect(web_e_dates, "设备 灭火器 <B-2>：应于 2026-12-08 检查",
	       "设备 灭火器 &lt;B-2&gt;：应于 2026年12月8日 检查");
	expect(web_e_dates, "2026-12-08..2026-12-13", "2026年12月8日..2026年12月13日");
	/* not a day standing alone, or not a real day: left alone */
	expect(web_e_dates, "12026-12-08 2026-12-081 2026-12-08-1 2026-02-30",
	       "12026-12-08 2026-12-081 2026-12-08-1 2026-02-30");
	expect(web_e_dates, "本月演练（2026-12）", "本月演练（2026年12月）");
	expect(web_e_dates, "", "");
	/* the server's words on a dashboard page: its months too */
	assert_string_equal(date_words_in("2026-10 没有有方案和反馈的演练", true, out, sizeof out),
			    "2026年10月 没有有方案和反馈的演练");
	assert_string_equal(
		date_words_in("应于 2026-12-08，2026-13，B-2026-10", true, out, sizeof out),
		"应于 2026年12月8日，2026-13，B-2026-10");
	assert_string_equal(date_words_in("2026-10", false, out, sizeof out), "2026-10");
	/* cut to the room there is, never inside a character */
	assert_string_equal(date_words_in("2026-10-01", true, out, 8), "2026年");
	assert_string_equal(date_words_in("2026-10-01", true, out, 7), "2026");
	assert_string_equal(date_words_in("应于2026-10", true, out, 5), "应");
}

static void test_en(void **state)
{
	(void)state;
	i18n_set_lang("en");
	expect(web_date_cell, "2026-10-01", "<time datetime=\"2026-10-01\">2026-10-01</time>");
	expect(web_e_dates, "due 2026-12-08", "due 2026-12-08");
	{
		char out[64];
		assert_string_equal(date_words_in("drill for 2026-10", true, out, sizeof out),
				    "drill for 2026-10");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zh),
		cmocka_unit_test(test_en),
	};

	i18n_init(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
