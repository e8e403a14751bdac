/*
 * test_spool.c - schedules, durations and retry delays (core/schedule.h),
 * and the spool's entries and moves (core/spool.h) under injected faults.
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/schedule.h"
#include "core/spool.h"
#include "io/fs.h"

static void durations(void **state)
{
	static const struct {
		const char *text;
		long seconds; /* -1: refused */
	} cases[] = {
	    {"30s", 30}, {"15m", 900}, {"4h", 14400},  {"3d", 259200},
	    {"0", 0},    {"0s", 0},    {"1", -1},      {"m", -1},
	    {"-5s", -1}, {"5x", -1},   {"5 m", -1},    {"5ms", -1},
	    {"", -1},    {" 5s", -1},  {"99999d", -1}, {"3650d", 315360000},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		long got = -2;
		int rc = duration_parse(cases[i].text, &got);
		if (cases[i].seconds < 0) {
			if (rc != -1)
				fail_msg("'%s' accepted as %ld", cases[i].text, got);
		} else if (rc != 0 || got != cases[i].seconds) {
			fail_msg("'%s': rc %d, %ld seconds, expected %ld", cases[i].text, rc, got,
			         cases[i].seconds);
		}
	}
}

static void schedules(void **state)
{
	static const struct {
		const char *text;
		long every; /* -1: refused; 0: daily */
		int hour, minute;
	} cases[] = {
	    {"every 15m", 900, 0, 0},   {"every 30s", 30, 0, 0},  {"every 2h", 7200, 0, 0},
	    {"hourly", 3600, 0, 0},     {"daily 02:00", 0, 2, 0}, {"daily 23:59", 0, 23, 59},
	    {"daily 24:00", -1, 0, 0},  {"daily 2:00", -1, 0, 0}, {"every 0s", -1, 0, 0},
	    {"every 8d", -1, 0, 0},     {"every", -1, 0, 0},      {"weekly", -1, 0, 0},
	    {"daily 02:00x", -1, 0, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct schedule s = {-5, -5, -5};
		int rc = schedule_parse(cases[i].text, &s);
		if (cases[i].every < 0) {
			if (rc != -1)
				fail_msg("'%s' accepted", cases[i].text);
			continue;
		}
		if (rc != 0 || s.every != cases[i].every ||
		    (s.every == 0 && (s.hour != cases[i].hour || s.minute != cases[i].minute)))
			fail_msg("'%s': rc %d every %ld at %02d:%02d", cases[i].text, rc, s.every,
			         s.hour, s.minute);
	}
}

static void next_times(void **state)
{
	struct schedule every, daily;
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(schedule_parse("every 15m", &every), 0);
	assert_int_equal(schedule_parse("daily 02:00", &daily), 0);
	time_t now = 1795996800; /* 2026-12-01 00:00:00 UTC */
	/* Never exchanged: due now. */
	assert_int_equal(schedule_next(&every, 0, now), now);
	assert_int_equal(schedule_next(&daily, 0, now), now);
	assert_int_equal(schedule_next(&every, now - 60, now), now - 60 + 900);
	/* Last at 00:00: today 02:00; last at 02:00 or 03:00: tomorrow 02:00. */
	assert_int_equal(schedule_next(&daily, now, now), now + 7200);
	assert_int_equal(schedule_next(&daily, now + 7200, now), now + 86400 + 7200);
	assert_int_equal(schedule_next(&daily, now + 10800, now), now + 86400 + 7200);
}

static void retry_delays(void **state)
{
	(void)state;
	/* Half the age, clamped to [min, max]. */
	assert_int_equal(retry_delay(0, 30, 3600), 30);
	assert_int_equal(retry_delay(59, 30, 3600), 30);
	assert_int_equal(retry_delay(600, 30, 3600), 300);
	assert_int_equal(retry_delay(86400, 30, 3600), 3600);
	char buf[32];
	duration_format(45, buf, sizeof buf);
	assert_string_equal(buf, "45s");
	duration_format(7500, buf, sizeof buf);
	assert_string_equal(buf, "2h05m");
	duration_format(3 * 86400 + 4 * 3600, buf, sizeof buf);
	assert_string_equal(buf, "3d04h");
}

static char root[] = "/tmp/csgw-test-spool-XXXXXX";

static int failing_rename(const char *from, const char *to)
{
	(void)from, (void)to;
	errno = EIO;
	return -1;
}

static void entries_and_moves(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(root));
	assert_int_equal(spool_make(root), 0);
	struct spool_entry e = {0}, back;
	snprintf(e.partner, sizeof e.partner, "TX");
	snprintf(e.kind, sizeof e.kind, "batch");
	snprintf(e.reason, sizeof e.reason, "two\nlines");
	assert_int_equal(spool_create(root, &e), 0);
	assert_true(spool_id_valid(e.id));
	assert_int_equal(spool_load(root, SPOOL_ACTIVE, e.id, &back), 0);
	assert_string_equal(back.partner, "TX");
	assert_string_equal(back.reason, "two lines"); /* meta stays one line per key */

	/* A move that fails leaves the entry where it was, whole. */
	fs_sys.rename = failing_rename;
	assert_int_equal(spool_move(root, &e, SPOOL_HOLD, "why"), -1);
	fs_sys.rename = NULL;
	assert_int_equal(e.state, SPOOL_ACTIVE);
	assert_int_equal(spool_find(root, e.id, &back), 0);
	assert_int_equal(back.state, SPOOL_ACTIVE);

	assert_int_equal(spool_move(root, &e, SPOOL_HOLD, "rejected by TX"), 0);
	assert_int_equal(spool_find(root, e.id, &back), 0);
	assert_int_equal(back.state, SPOOL_HOLD);
	assert_string_equal(back.reason, "rejected by TX");
	char *reason = spool_path(root, &back, "reason");
	assert_int_equal(access(reason, F_OK), 0);
	free(reason);

	struct spool_entry *list = NULL;
	size_t n = 0;
	assert_int_equal(spool_list(root, SPOOL_HOLD, &list, &n), 0);
	assert_int_equal(n, 1);
	free(list);

	/* Ids typed by people: nothing that leaves the spool's folders. */
	assert_false(spool_id_valid("../etc"));
	assert_false(spool_id_valid("TX"));
	assert_false(spool_id_valid(""));
	assert_int_equal(spool_find(root, "../../etc", &back), -1);

	assert_int_equal(spool_remove(root, &back), 0);
	assert_int_equal(spool_find(root, e.id, &back), -1);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(durations),         cmocka_unit_test(schedules),
	    cmocka_unit_test(next_times),        cmocka_unit_test(retry_delays),
	    cmocka_unit_test(entries_and_moves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
