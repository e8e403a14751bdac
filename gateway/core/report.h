/*
 * report.h - how map, unmap and validate report bad input.
 *
 * One line per problem, "FILE:LINE: record N (ELEMENT): what", the file
 * and line first so editors and grep find it; line 0 means the whole file.  After 'max' problems
 * the rest are only counted.  Values are never printed here: callers pass them through
 * field_value_for_message(), which masks SSNs.
 */
#ifndef CSGW_CORE_REPORT_H
#define CSGW_CORE_REPORT_H

#include <stdio.h>

struct report {
	FILE *out;
	const char *file;
	unsigned long count;
	unsigned long max;
};

__attribute__((format(printf, 5, 6))) void report_problem(struct report *, unsigned long line,
                                                          unsigned long record, const char *element,
                                                          const char *fmt, ...);

/* The closing line when some problems were not shown. */
void report_finish(struct report *);

/* Whether reporting has reached its limit (callers may stop early). */
#define report_full(r) ((r)->count >= (r)->max)

#endif
