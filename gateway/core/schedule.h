/*
 * schedule.h - when a partner's exchange is due, and how long to wait.
 *
 * A schedule is what gateway.conf's 'schedule' key says: "every 15m"
 * (also s and h), "hourly" or "daily 02:00" (local time).  A duration is
 * a number with a unit s, m, h or d ("30s", "4h").  Both parse to values
 * and compute, from a time, the next time something is due; nothing here
 * sleeps or reads the clock.
 *
 * schedule_parse and duration_parse return 0, or -1 for text that is not
 * one (the caller says what was expected: SCHEDULE_EXPECTED).
 */
#ifndef CSGW_CORE_SCHEDULE_H
#define CSGW_CORE_SCHEDULE_H

#include <time.h>

#define SCHEDULE_EXPECTED "'every 15m', 'every 30s', 'every 2h', 'hourly' or 'daily 02:00'"
#define DURATION_EXPECTED "a number with a unit s, m, h or d, such as 30s, 15m, 4h or 3d"

struct schedule {
	long every;       /* seconds between exchanges; 0 for daily */
	int hour, minute; /* daily: the local time of day */
};

int schedule_parse(const char *text, struct schedule *);

/* The first due time after 'last' (the last exchange; 0: never, so due
 * now).  'every' counts from the last exchange; daily is the next such
 * local time after it. */
time_t schedule_next(const struct schedule *, time_t last, time_t now);

int duration_parse(const char *text, long *seconds);

/* "2h05m", "45s", "3d04h": a duration for people, into buf. */
void duration_format(long seconds, char *buf, unsigned long size);

/* How long a failed transfer waits before the next attempt: half the
 * entry's age, so young entries retry soon and old ones rarely, clamped
 * to [min, max]. */
long retry_delay(long age, long min, long max);

#endif
