/*
 * report.c - how map, unmap and validate report bad input.
 */
#include "core/report.h"

#include <stdarg.h>

#include "util/progress.h"

void report_problem(struct report *r, unsigned long line, unsigned long record, const char *element,
                    const char *fmt, ...)
{
	va_list ap;

	if (r->count++ >= r->max)
		return;
	progress_pause(); /* the problem on a line of its own */
	if (line > 0)
		fprintf(r->out, "%s:%lu: ", r->file, line);
	else
		fprintf(r->out, "%s: ", r->file); /* about the whole file */
	if (element && record > 0)
		fprintf(r->out, "record %lu (%s): ", record, element);
	else if (element)
		fprintf(r->out, "%s: ", element);
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
}

void report_finish(struct report *r)
{
	progress_pause();
	if (r->count > r->max)
		fprintf(r->out, "%s: %lu more problems not shown\n", r->file, r->count - r->max);
}
