/*
 * mapping.c - lookups in a loaded mapping set, and its release.
 */
#include "core/mapping.h"

#include <stdlib.h>
#include <string.h>

/* Keep in step with the 'category' type of mappings/schema/mapping.xsd. */
const char *const mapping_category_names[] = {
    "control",  "case",   "identity", "ssn",     "address",    "employer", "income",
    "benefits", "assets", "health",   "order",   "collection", "fti",      "ndnh",
    "fcr",      "fv",     "locate",   "contact", "fidm",       NULL,
};

int mapping_category_bit(const char *name)
{
	for (int i = 0; mapping_category_names[i]; i++)
		if (strcmp(mapping_category_names[i], name) == 0)
			return i;
	return -1;
}

const char *field_type_name(enum field_type type)
{
	static const char *const names[] = {
	    [FIELD_LITERAL] = "literal", [FIELD_FILLER] = "filler", [FIELD_TEXT] = "text",
	    [FIELD_DIGITS] = "digits",   [FIELD_NUMBER] = "number", [FIELD_AMOUNT] = "amount",
	    [FIELD_DATE] = "date",       [FIELD_SSN] = "ssn",       [FIELD_CODE] = "code",
	};
	return names[type];
}

const struct family *mapping_family(const struct mapping_set *set, const char *name)
{
	for (size_t i = 0; i < set->nfamilies; i++)
		if (strcmp(set->families[i].name, name) == 0)
			return &set->families[i];
	return NULL;
}

const struct family *mapping_family_by_ns(const struct mapping_set *set, const char *ns)
{
	for (size_t i = 0; i < set->nfamilies; i++)
		if (strcmp(set->families[i].ns, ns) == 0)
			return &set->families[i];
	return NULL;
}

const struct batch_type *mapping_batch(const struct mapping_set *set, const char *type)
{
	for (size_t i = 0; i < set->nfamilies; i++) {
		const struct family *fam = &set->families[i];
		for (size_t j = 0; j < fam->nbatches; j++)
			if (strcmp(fam->batches[j].name, type) == 0)
				return &fam->batches[j];
	}
	return NULL;
}

const struct batch_type *mapping_batch_by_element(const struct family *fam, const char *element)
{
	for (size_t j = 0; j < fam->nbatches; j++)
		if (strcmp(fam->batches[j].element, element) == 0)
			return &fam->batches[j];
	return NULL;
}

const struct record *mapping_record(const struct family *fam, const char *id)
{
	for (size_t i = 0; i < fam->nrecords; i++)
		if (strcmp(fam->records[i].id, id) == 0)
			return &fam->records[i];
	return NULL;
}

const struct field *mapping_field(const struct record *rec, const char *name)
{
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].name && strcmp(rec->fields[i].name, name) == 0)
			return &rec->fields[i];
	return NULL;
}

bool mapping_line_is(const struct record *rec, const char *line, size_t len)
{
	for (size_t i = 0; i < rec->nkeys; i++) {
		const struct field *f = rec->keys[i];
		const char *at = line + f->at - 1;
		if (f->at - 1 + f->len > len)
			return false;
		/* Most keys are a two-character id: no call for those. */
		if (f->len == 2 ? at[0] != f->literal[0] || at[1] != f->literal[1]
		                : memcmp(at, f->literal, f->len) != 0)
			return false;
	}
	return true;
}

const struct record *mapping_record_of_line(const struct family *fam, const char *line, size_t len)
{
	for (size_t i = 0; i < fam->nrecords; i++)
		if (fam->records[i].keyed && mapping_line_is(&fam->records[i], line, len))
			return &fam->records[i];
	return fam->unkeyed;
}

const struct record *mapping_batch_data_record(const struct batch_type *bt, const char *line,
                                               size_t len)
{
	for (size_t i = 0; i < bt->nrecords; i++)
		if (bt->records[i]->keyed && mapping_line_is(bt->records[i], line, len))
			return bt->records[i];
	return bt->unkeyed;
}

const struct record *mapping_batch_record_of_line(const struct batch_type *bt, const char *line,
                                                  size_t len)
{
	if (bt->header && bt->header->keyed && mapping_line_is(bt->header, line, len))
		return bt->header;
	if (bt->trailer && bt->trailer->keyed && mapping_line_is(bt->trailer, line, len))
		return bt->trailer;
	const struct record *r = mapping_batch_data_record(bt, line, len);
	if (r != bt->unkeyed)
		return r;
	for (size_t i = 0; i < bt->nrecords; i++) /* the children of the batch's records */
		for (size_t k = 0; k < bt->records[i]->nchildren; k++) {
			const struct record *c = bt->records[i]->children[k].record;
			if (c->keyed && mapping_line_is(c, line, len))
				return c;
		}
	return bt->unkeyed;
}

bool mapping_batch_has_record(const struct batch_type *bt, const struct record *rec)
{
	for (size_t i = 0; rec && i < bt->nrecords; i++)
		if (bt->records[i] == rec)
			return true;
	return false;
}

const struct charset *mapping_charset(const struct mapping_set *set, const char *name)
{
	for (size_t i = 0; i < set->ncharsets; i++)
		if (strcmp(set->charsets[i].name, name) == 0)
			return &set->charsets[i];
	return NULL;
}

const struct codelist *mapping_codelist(const struct mapping_set *set, const char *name)
{
	for (size_t i = 0; i < set->ncodelists; i++)
		if (strcmp(set->codelists[i].name, name) == 0)
			return &set->codelists[i];
	return NULL;
}

/* The loader sorts values with strcmp, so a binary search finds them.
 * A value holding a NUL byte is no code (and would fool strncmp). */
bool codelist_has(const struct codelist *list, const char *value, size_t len)
{
	size_t lo = 0, hi = list->nvalues;

	if (len == 0 || memchr(value, '\0', len) != NULL)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *v = list->values[mid];
		/* The first byte settles most steps without a call; v shorter
		 * than len differs at its NUL; equal means v[len] exists. */
		int cmp = (unsigned char)v[0] - (unsigned char)value[0];
		if (cmp == 0)
			cmp = strncmp(v, value, len);
		if (cmp == 0)
			cmp = v[len] != '\0';
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void record_free(struct record *rec)
{
	for (size_t i = 0; i < rec->nfields; i++) {
		struct field *f = &rec->fields[i];
		free(f->name);
		free(f->literal);
		for (size_t k = 0; k < f->ncounts; k++)
			free(f->counts[k]);
		free(f->counts);
	}
	free(rec->fields);
	free(rec->keys);
	free(rec->children);
	free(rec->id);
	free(rec->element);
}

void mapping_free(struct mapping_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->nfamilies; i++) {
		struct family *fam = &set->families[i];
		for (size_t j = 0; j < fam->nrecords; j++)
			record_free(&fam->records[j]);
		for (size_t j = 0; j < fam->nbatches; j++) {
			free(fam->batches[j].name);
			free(fam->batches[j].element);
			free(fam->batches[j].records);
		}
		free(fam->records);
		free(fam->batches);
		free(fam->name);
		free(fam->ns);
		free(fam->title);
		free(fam->path);
	}
	free(set->families);
	for (size_t i = 0; i < set->ncharsets; i++) {
		free(set->charsets[i].name);
		free(set->charsets[i].chars);
	}
	free(set->charsets);
	for (size_t i = 0; i < set->ncodelists; i++) {
		for (size_t k = 0; k < set->codelists[i].nvalues; k++)
			free(set->codelists[i].values[k]);
		free(set->codelists[i].values);
		free(set->codelists[i].name);
	}
	free(set->codelists);
	free(set);
}
