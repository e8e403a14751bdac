/*
 * xsd.h - generate a family's XML schema from its mapping definition.
 *
 * The schema partners receive, and the independent referee in our tests
 * (xmllint --schema).  Output is deterministic, so the copy committed in
 * mappings/FAMILY/FAMILY.xsd can be compared with a fresh one.
 */
#ifndef CSGW_CORE_XSD_H
#define CSGW_CORE_XSD_H

#include <stdio.h>

#include "core/mapping.h"

/* Returns 0, or -1 if writing failed. */
int xsd_write(const struct family *, FILE *out);

#endif
