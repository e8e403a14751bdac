/*
 * schedule.c - exchange schedules, durations and retry delays.
 */
#include "core/schedule.h"

#include <stdio.h>
#include <string.h>

int duration_parse(const char *text, long *seconds)
{
	unsigned long n;
	char unit, extra;

	if (strcmp(text, "0") == 0) {
		*seconds = 0;
		return 0;
	}
	if (sscanf(text, "%lu%c%c", &n, &unit, &extra) != 2 || n > 100000000UL || text[0] < '0' ||
	    text[0] > '9')
		return -1;
	static const char units[] = "smhd";
	static const long factor[] = {1, 60, 3600, 86400};
	const char *u = strchr(units, unit);
	if (u == NULL || unit == '\0' || (long)n > 10L * 365 * 86400 / factor[u - units])
		return -1;
	*seconds = (long)n * factor[u - units];
	return 0;
}

int schedule_parse(const char *text, struct schedule *s)
{
	unsigned h, m;
	char extra;

	if (strcmp(text, "hourly") == 0) {
		*s = (struct schedule){.every = 3600};
		return 0;
	}
	if (strncmp(text, "every ", 6) == 0) {
		long every;
		if (duration_parse(text + 6, &every) < 0 || every == 0 || every > 7 * 86400)
			return -1;
		*s = (struct schedule){.every = every};
		return 0;
	}
	if (sscanf(text, "daily %2u:%2u%c", &h, &m, &extra) == 2 && h < 24 && m < 60 &&
	    strlen(text) == 11) {
		*s = (struct schedule){.hour = (int)h, .minute = (int)m};
		return 0;
	}
	return -1;
}

time_t schedule_next(const struct schedule *s, time_t last, time_t now)
{
	if (last == 0)
		return now;
	if (s->every > 0)
		return last + s->every;
	struct tm tm;
	localtime_r(&last, &tm);
	tm.tm_hour = s->hour;
	tm.tm_min = s->minute;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t <= last) {
		tm.tm_mday++;
		tm.tm_hour = s->hour;
		tm.tm_min = s->minute;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	return t;
}

void duration_format(long seconds, char *buf, unsigned long size)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 60)
		snprintf(buf, size, "%lds", seconds);
	else if (seconds < 3600)
		snprintf(buf, size, "%ldm%02lds", seconds / 60, seconds % 60);
	else if (seconds < 86400)
		snprintf(buf, size, "%ldh%02ldm", seconds / 3600, seconds % 3600 / 60);
	else
		snprintf(buf, size, "%ldd%02ldh", seconds / 86400, seconds % 86400 / 3600);
}

long retry_delay(long age, long min, long max)
{
	long d = age / 2;
	if (d < min)
		d = min;
	if (d > max)
		d = max;
	return d;
}
