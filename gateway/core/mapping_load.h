/*
 * mapping_load.h - load mappings/ (definitions, code lists) into a mapping set.
 *
 * Each file is validated against mappings/schema/mapping.xsd, then checked
 * for what a schema cannot express (positions tile each record, references
 * resolve, codes fit their fields).  Every problem is printed to 'errors' as
 * "FILE:LINE: reason"; the load fails if there was any.
 */
#ifndef CSGW_CORE_MAPPING_LOAD_H
#define CSGW_CORE_MAPPING_LOAD_H

#include <stdio.h>

#include "core/mapping.h"

/* Returns 0 and sets *out, or -1 (problems printed). */
int mapping_load(const char *dir, struct mapping_set **out, FILE *errors);

/* Where the mappings are when nothing names them: next to the installed
 * binary (PREFIX/share/csgw/mappings) or in the source tree it was built in. */
const char *mapping_default_dir(void);

#endif
