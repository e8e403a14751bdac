/*
 * compose.h - a batch built from named values, for the commands that
 * originate transactions (csgw locate, csgw refer, csgw case).
 *
 * Lines are added in the order the batch will have them (header, each
 * lead record followed by its children, trailer); each starts blank with
 * its literal, and fields are set by their XML names, checked by the same
 * rules as csgw map (field.h).  compose_counts() fills every count field
 * (a lead's counts of its children, the trailer's counts), and
 * compose_write() gives the fixed-width lines, which map_to_xml() then
 * checks as a whole (required fields, children, counts).
 *
 * compose_set() returns 0, or -1 with "ELEMENT.FIELD: what was expected"
 * in 'err' (the value masked when it is an SSN).  Out of memory is fatal.
 */
#ifndef CSGW_CORE_COMPOSE_H
#define CSGW_CORE_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/mapping.h"

struct compose {
	const struct batch_type *bt;
	bool test_env;
	char **lines;
	const struct record **records;
	size_t n;
};

void compose_begin(struct compose *, const struct batch_type *, bool test_env);
void compose_free(struct compose *);
/* A blank line of record 'id' at the end: its index, or -1 when the
 * family has no such record. */
long compose_add(struct compose *, const char *id);
/* A whole fixed-width line of a child record of the lead record at
 * 'lead', placed at the end of its group: its index, or -1 when the line
 * is not one of the lead's children (by length and record id). */
long compose_add_child(struct compose *, size_t lead, const char *line);
/* The last line of record 'id' at or after 'from', or -1. */
long compose_find(const struct compose *, const char *id, size_t from);
int compose_set(struct compose *, size_t line, const char *field, const char *value, char *err,
                size_t errlen);
/* "element.field=value": the field of the last line of that element (one
 * is added after 'lead' in child order when there is none yet). */
int compose_assign(struct compose *, size_t lead, const char *assignment, char *err, size_t errlen);
void compose_counts(struct compose *);
/* The lines, each with '\n'.  0 or -1 (errno). */
int compose_write(const struct compose *, FILE *);

#endif
