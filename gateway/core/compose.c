/*
 * compose.c - a batch built from named values (compose.h).
 */
#include "core/compose.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/field.h"
#include "util/alloc.h"

void compose_begin(struct compose *c, const struct batch_type *bt, bool test_env)
{
	memset(c, 0, sizeof *c);
	c->bt = bt;
	c->test_env = test_env;
}

void compose_free(struct compose *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->lines[i]);
	free(c->lines);
	free(c->records);
	memset(c, 0, sizeof *c);
}

static char *blank_line(const struct record *r)
{
	char *line = xmalloc(r->length + 1);
	memset(line, ' ', r->length);
	line[r->length] = '\0';
	for (size_t i = 0; i < r->nfields; i++)
		if (r->fields[i].type == FIELD_LITERAL)
			memcpy(line + r->fields[i].at - 1, r->fields[i].literal, r->fields[i].len);
	return line;
}

static void insert(struct compose *c, size_t at, const struct record *r)
{
	c->lines = xreallocarray(c->lines, c->n + 1, sizeof *c->lines);
	c->records = xreallocarray(c->records, c->n + 1, sizeof *c->records);
	memmove(c->lines + at + 1, c->lines + at, (c->n - at) * sizeof *c->lines);
	memmove(c->records + at + 1, c->records + at, (c->n - at) * sizeof *c->records);
	c->lines[at] = blank_line(r);
	c->records[at] = r;
	c->n++;
}

long compose_add(struct compose *c, const char *id)
{
	const struct record *r = mapping_record(c->bt->family, id);
	if (r == NULL)
		return -1;
	insert(c, c->n, r);
	return (long)c->n - 1;
}

long compose_find(const struct compose *c, const char *id, size_t from)
{
	long found = -1;
	for (size_t i = from; i < c->n; i++)
		if (strcmp(c->records[i]->id, id) == 0)
			found = (long)i;
	return found;
}

int compose_set(struct compose *c, size_t line, const char *name, const char *value, char *err,
                size_t errlen)
{
	const struct record *r = c->records[line];
	const struct field *f = mapping_field(r, name);
	struct field_error fe = {{0}};

	if (f == NULL) {
		snprintf(err, errlen, "%s has no field %s", r->element, name);
		return -1;
	}
	if (value[0] == '\0') {
		memset(c->lines[line] + f->at - 1, ' ', f->len);
		return 0;
	}
	if (field_xml_to_fixed(f, value, strlen(value), c->test_env, c->lines[line] + f->at - 1,
	                       &fe) < 0) {
		char shown[128];
		field_value_for_message(f, value, strlen(value), shown, sizeof shown);
		snprintf(err, errlen, "%s.%s: '%s': %s", r->element, name, shown, fe.msg);
		return -1;
	}
	return 0;
}

static long child_rank(const struct record *lead, const struct record *r);

/* The lead's group: lines after it up to the next line that is not one
 * of its children. */
static size_t group_end(const struct compose *c, size_t lead)
{
	size_t i = lead + 1;
	for (; i < c->n; i++) {
		bool child = false;
		for (size_t k = 0; k < c->records[lead]->nchildren; k++)
			child |= c->records[lead]->children[k].record == c->records[i];
		if (!child)
			break;
	}
	return i;
}

long compose_add_child(struct compose *c, size_t lead, const char *line)
{
	const struct record *r = mapping_record_of_line(c->bt->family, line, strlen(line));
	if (r == NULL || child_rank(c->records[lead], r) < 0 || strlen(line) != r->length)
		return -1;
	size_t at = group_end(c, lead);
	insert(c, at, r);
	memcpy(c->lines[at], line, r->length);
	return (long)at;
}

static long child_rank(const struct record *lead, const struct record *r)
{
	for (size_t k = 0; k < lead->nchildren; k++)
		if (lead->children[k].record == r)
			return (long)k;
	return -1;
}

int compose_assign(struct compose *c, size_t lead, const char *assignment, char *err, size_t errlen)
{
	const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
	if (dot == NULL || eq == NULL || dot > eq) {
		snprintf(err, errlen, "'%.40s': expected element.field=value", assignment);
		return -1;
	}
	char element[64], name[64];
	snprintf(element, sizeof element, "%.*s", (int)(dot - assignment), assignment);
	snprintf(name, sizeof name, "%.*s", (int)(eq - dot - 1), dot + 1);
	const struct record *lr = c->records[lead], *r = NULL;
	long rank = -1;
	if (strcmp(lr->element, element) == 0)
		return compose_set(c, lead, name, eq + 1, err, errlen);
	for (size_t k = 0; k < lr->nchildren; k++)
		if (strcmp(lr->children[k].record->element, element) == 0)
			r = lr->children[k].record, rank = (long)k;
	if (r == NULL) {
		snprintf(err, errlen, "%s: not a block of %s (see csgw mapping show %s)", element,
		         lr->element, c->bt->family->name);
		return -1;
	}
	size_t end = group_end(c, lead), at = lead + 1;
	long line = -1;
	for (size_t i = lead + 1; i < end; i++) {
		if (c->records[i] == r)
			line = (long)i;
		if (child_rank(lr, c->records[i]) <= rank)
			at = i + 1;
	}
	if (line < 0) {
		insert(c, at, r);
		line = (long)at;
	}
	return compose_set(c, (size_t)line, name, eq + 1, err, errlen);
}

static bool counted(const struct field *f, const struct record *r)
{
	for (size_t k = 0; k < f->ncounts; k++)
		if (strcmp(f->counts[k], "*") == 0 || strcmp(f->counts[k], r->id) == 0)
			return true;
	return false;
}

/* Sets a number field to n. */
static void set_number(struct compose *c, size_t line, const struct field *f, unsigned long n)
{
	char text[32], err[256];
	snprintf(text, sizeof text, "%lu", n);
	compose_set(c, line, f->name, text, err, sizeof err);
}

void compose_counts(struct compose *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct record *r = c->records[i];
		bool trailer = r == c->bt->trailer;
		if (!trailer && !r->has_counts)
			continue;
		size_t from = trailer ? 0 : i + 1, to = trailer ? c->n : group_end(c, i);
		for (size_t k = 0; k < r->nfields; k++) {
			const struct field *f = &r->fields[k];
			if (f->ncounts == 0)
				continue;
			unsigned long n = 0;
			for (size_t j = from; j < to; j++)
				if (c->records[j] != c->bt->header &&
				    c->records[j] != c->bt->trailer && counted(f, c->records[j]))
					n++;
			set_number(c, i, f, n);
		}
	}
}

int compose_write(const struct compose *c, FILE *out)
{
	for (size_t i = 0; i < c->n; i++)
		if (fputs(c->lines[i], out) == EOF || fputc('\n', out) == EOF)
			return -1;
	return fflush(out) == EOF ? -1 : 0;
}
