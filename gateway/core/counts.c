/*
 * counts.c - the counts a batch states about itself, checked.
 */
#include "core/counts.h"

#include <stdbool.h>
#include <string.h>

/* The number in a zero-filled field of the image; false if not digits. */
static bool stated(const struct field *f, const char *image, unsigned long *value)
{
	const char *s = image + f->at - 1;

	*value = 0;
	for (unsigned i = 0; i < f->len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*value = *value * 10 + (unsigned long)(s[i] - '0');
	}
	return true;
}

static bool counts_all(const struct field *f)
{
	for (size_t i = 0; i < f->ncounts; i++)
		if (strcmp(f->counts[i], "*") == 0)
			return true;
	return false;
}

static bool counts_id(const struct field *f, const char *id)
{
	for (size_t i = 0; i < f->ncounts; i++)
		if (strcmp(f->counts[i], id) == 0)
			return true;
	return counts_all(f);
}

void counts_check_group(const struct record *lead, const char *image, const unsigned *child_count,
                        count_mismatch_fn mismatch, void *ctx)
{
	for (size_t i = 0; i < lead->nfields; i++) {
		const struct field *f = &lead->fields[i];
		unsigned long said, seen = 0;
		if (f->ncounts == 0 || !stated(f, image, &said))
			continue;
		for (size_t k = 0; k < lead->nchildren; k++)
			if (counts_id(f, lead->children[k].record->id))
				seen += child_count[k];
		if (said != seen)
			mismatch(ctx, f, said, seen);
	}
}

void counts_check_trailer(const struct record *trailer, const char *image,
                          const struct batch_counts *c, count_mismatch_fn mismatch, void *ctx)
{
	const struct family *fam = c->batch->family;

	for (size_t i = 0; i < trailer->nfields; i++) {
		const struct field *f = &trailer->fields[i];
		unsigned long said, seen = 0;
		if (f->ncounts == 0 || !stated(f, image, &said))
			continue;
		if (counts_all(f)) {
			seen = c->records;
		} else {
			for (size_t k = 0; k < fam->nrecords; k++)
				if (counts_id(f, fam->records[k].id))
					seen += c->by_record[k];
		}
		if (said != seen)
			mismatch(ctx, f, said, seen);
	}
}
