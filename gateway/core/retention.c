/*
 * retention.c - retention periods as data (retention.h).
 */
#include "core/retention.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/mapping.h"
#include "io/xml_tree.h"
#include "util/alloc.h"

static bool is_family(const struct mapping_set *set, const char *name)
{
	for (size_t i = 0; i < set->nfamilies; i++)
		if (strcmp(set->families[i].name, name) == 0)
			return true;
	return false;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* What a schema cannot say about one <keep>: its family exists, it is the
 * only period of its data and family, the audit log has one period. */
static const char *keep_problem(const struct retention *r, const struct mapping_set *set,
                                const char *data, const char *family)
{
	if (family && strcmp(data, "audit-personal") == 0)
		return "audit-personal has one period for the whole log (no family)";
	if (family && !is_family(set, family))
		return "no such family in the mappings";
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->periods[i].data, data) == 0 && same(r->periods[i].family, family))
			return "a second period for the same data and family";
	return NULL;
}

int retention_load(const char *dir, const struct mapping_set *set, struct retention **out,
                   FILE *errors)
{
	char *schema_path = xasprintf("%s/schema/retention.xsd", dir);
	struct retention *r = xcalloc(1, sizeof *r);
	struct xml_elem *doc = NULL;
	int problems = 0;

	*out = NULL;
	r->path = xasprintf("%s/policy/retention.xml", dir);
	struct xml_schema *schema = xml_schema_open(schema_path, errors);
	if (schema == NULL)
		problems++;
	else
		doc = xml_tree_read(r->path, schema, "retention", errors, &problems);
	for (const struct xml_elem *k = doc ? doc->first_child : NULL; k; k = k->next) {
		if (!xml_elem_is(k, "keep"))
			continue;
		const char *data = xml_elem_attr(k, "data"), *family = xml_elem_attr(k, "family");
		const char *problem = keep_problem(r, set, data, family);
		if (problem) {
			fprintf(errors, "%s:%ld: %s\n", r->path, k->line, problem);
			problems++;
			continue;
		}
		r->periods = xreallocarray(r->periods, r->count + 1, sizeof *r->periods);
		r->periods[r->count++] = (struct retention_period){
		    .data = xstrdup(data),
		    .family = family ? xstrdup(family) : NULL,
		    .months = (int)strtol(xml_elem_attr(k, "months"), NULL, 10),
		    .citation = xstrdup(xml_elem_attr(k, "citation")),
		};
	}
	xml_tree_free(doc);
	xml_schema_close(schema);
	free(schema_path);
	if (problems > 0) {
		retention_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

void retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->count; i++) {
		free(r->periods[i].data);
		free(r->periods[i].family);
		free(r->periods[i].citation);
	}
	free(r->periods);
	free(r->path);
	free(r);
}

const struct retention_period *retention_find(const struct retention *r, const char *data,
                                              const char *family)
{
	const struct retention_period *any = NULL;
	for (size_t i = 0; i < r->count; i++) {
		const struct retention_period *p = &r->periods[i];
		if (strcmp(p->data, data) != 0)
			continue;
		if (p->family == NULL)
			any = p;
		else if (family && strcmp(p->family, family) == 0)
			return p;
	}
	return any;
}

time_t retention_cutoff(time_t now, int months)
{
	struct tm tm;
	gmtime_r(&now, &tm);
	int month = tm.tm_year * 12 + tm.tm_mon - months;
	tm.tm_year = month / 12;
	tm.tm_mon = month % 12;
	/* 31 March less one month is the last day of February, not 3 March. */
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int last = days[tm.tm_mon];
	int year = tm.tm_year + 1900;
	if (tm.tm_mon == 1 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		last = 28;
	if (tm.tm_mday > last)
		tm.tm_mday = last;
	return timegm(&tm);
}
