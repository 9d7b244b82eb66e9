/* The server's English dashboard texts in the reader's language
 * (client/dashboard_text.c): a known template translated with its runs put
 * back, a run that is an enum's value name in that enum's words, a text no
 * template knows shown as it came, and English left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dashboard_text.h"
#include "i18n.h"

static void test_bus_trip_in_words(void **state)
{
	char out[256];

	(void)state;
	i18n_set_lang("zh_CN");
	/* the direction's key (from_school) becomes its label, the counts stay */
	assert_string_equal(
		dashboard_title_text("bus trip 2026-03-09 from_school: 42 boarded, 41 alighted",
				     out, sizeof out),
		"校车行程 2026-03-09 放学：上车 42 人，下车 41 人");
	assert_string_equal(
		dashboard_title_text("bus trip 2026-03-09 to_school: 3 boarded, 2 alighted", out,
				     sizeof out),
		"校车行程 2026-03-09 上学：上车 3 人，下车 2 人");
	/* a hazard's escalation, the note the server wrote on it */
	assert_string_equal(
		dashboard_title_text(
			"overdue 35 days (deadline 2026-11-03): escalated to the owner, 钱琴", out,
			sizeof out),
		"逾期 35 天（期限 2026-11-03），已督办整改责任人钱琴");
	assert_string_equal(
		dashboard_title_text("overdue 1 day (deadline 2026-11-03): escalated to the bureau",
				     out, sizeof out),
		"逾期 1 天（期限 2026-11-03），已上报区教育局督办");
	/* a value the enum does not have is kept as the server wrote it */
	assert_string_equal(
		dashboard_title_text("bus trip 2026-03-09 sideways: 3 boarded, 2 alighted", out,
				     sizeof out),
		"校车行程 2026-03-09 sideways：上车 3 人，下车 2 人");
	i18n_set_lang("en");
}

static void test_details(void **state)
{
	char out[256];

	(void)state;
	i18n_set_lang("zh_CN");
	assert_string_equal(
		dashboard_detail_text("no staff; no records: scored 0", out, sizeof out),
		"无在职教职工；无记录：计 0 分");
	assert_string_equal(dashboard_detail_text("something new", out, sizeof out),
			    "something new");
	i18n_set_lang("en");
	assert_string_equal(dashboard_detail_text("no staff", out, sizeof out), "no staff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bus_trip_in_words),
		cmocka_unit_test(test_details),
	};

	i18n_init(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
