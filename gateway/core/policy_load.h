/*
 * policy_load.h - load the disclosure policy (mappings/policy/policy.xml).
 *
 * The file is validated against mappings/schema/policy.xsd, then checked
 * against the mappings: every class is a recipient class of the code list
 * and every one has a class entry, purposes and classes named by grants and
 * limits exist, ids are unique, and the families, records and fields that
 * facts are read from exist.  Every problem is printed as "FILE:LINE:
 * reason"; the load fails if there was any.
 */
#ifndef CSGW_CORE_POLICY_LOAD_H
#define CSGW_CORE_POLICY_LOAD_H

#include <stdio.h>

#include "core/mapping.h"
#include "core/policy.h"

/* POLICY.xml under the mappings folder 'dir' ("DIR/policy/policy.xml");
 * 0 and *out, or -1 after printing the problems. */
int policy_load(const char *dir, const struct mapping_set *, struct policy **out, FILE *errors);

#endif
