/*
 * counts.h - the counts a batch states about itself, checked against what
 * it holds: a trailer's counts of the batch's records, a group lead's
 * counts of its children (mapping field attribute 'counts').
 *
 * Both map (fixed width in) and unmap/validate (XML in) build the record's
 * fixed-width image first, so the check reads the stated number from it.
 * A count field that is not digits is skipped: its own field rule has
 * already reported it.
 */
#ifndef CSGW_CORE_COUNTS_H
#define CSGW_CORE_COUNTS_H

#include "core/map.h"
#include "core/mapping.h"

/* Called for each count field whose stated number differs from the seen. */
typedef void (*count_mismatch_fn)(void *ctx, const struct field *, unsigned long said,
                                  unsigned long seen);

/* The count fields of a group lead; child_count is per lead->children. */
void counts_check_group(const struct record *lead, const char *image, const unsigned *child_count,
                        count_mismatch_fn, void *ctx);

/* The count fields of a batch trailer. */
void counts_check_trailer(const struct record *trailer, const char *image,
                          const struct batch_counts *, count_mismatch_fn, void *ctx);

#endif
