/*
 * test_retention.c - when data expires: calendar months back from now,
 * a day past the end of the earlier month being its last day.
 */
#include "unit.h"

#include <time.h>

#include "core/retention.h"

static time_t at(int y, int m, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
	return timegm(&tm);
}

static void months_back(void **state)
{
	(void)state;
	assert_int_equal(retention_cutoff(at(2026, 12, 6), 24), at(2024, 12, 6));
	assert_int_equal(retention_cutoff(at(2026, 1, 15), 13), at(2024, 12, 15));
	assert_int_equal(retention_cutoff(at(2026, 3, 31), 1), at(2026, 2, 28));
	assert_int_equal(retention_cutoff(at(2024, 3, 31), 1), at(2024, 2, 29));
	assert_int_equal(retention_cutoff(at(2100, 3, 30), 1), at(2100, 2, 28));
	assert_int_equal(retention_cutoff(at(2026, 5, 31), 84), at(2019, 5, 31));
	assert_int_equal(retention_cutoff(at(2026, 8, 31), 2), at(2026, 6, 30));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(months_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
