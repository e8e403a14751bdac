/*
 * unmap.h - read an XML batch as a stream, check it, and give back its
 * fixed-width lines (csgw validate, csgw unmap).
 *
 * The family is found from the root element's namespace.  The checks are
 * compiled from the family's mapping and accept exactly what the generated
 * XSD accepts (xsd.c), plus the two batch rules a schema cannot state: the
 * counts of trailers and groups, and SSN areas 900-999 outside a test
 * environment.  Partner input is parsed by io/xml_safe.c (no DTD, no
 * entities, no network, size and depth caps).
 */
#ifndef CSGW_CORE_UNMAP_H
#define CSGW_CORE_UNMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/map.h"
#include "core/mapping.h"
#include "core/report.h"

/* Receives each fixed-width line (without '\n'); non-zero stops. */
typedef int (*unmap_line_fn)(void *ctx, const char *line, size_t len);

struct unmap_limits {
	unsigned long long max_bytes; /* 0 = none */
	unsigned long
	    max_lines; /* lines given to emit, 0 = all; the rest is checked all the same */
};

/* Returns MAP_OK, MAP_BAD_DATA (reported), MAP_NO_INPUT.  'emit' may be
 * NULL (validate only).  counts->batch tells which batch type it was. */
enum map_status unmap_read(const struct mapping_set *, const char *input, bool test_env,
                           const struct unmap_limits *, struct report *, unmap_line_fn emit,
                           void *emit_ctx, struct batch_counts *counts);

/* XML batch to fixed-width file; output committed only when all is good. */
enum map_status unmap_to_fixed(const struct mapping_set *, const char *input, const char *output,
                               bool test_env, const struct unmap_limits *, struct report *,
                               struct batch_counts *counts);

#endif
