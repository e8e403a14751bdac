/*
 * ssn.h - Social Security number structure rules and masking.
 *
 * Structure (SSA): area 001-899 except 666, group 01-99, serial 0001-9999.
 * Areas 900-999 are never issued; csgw accepts them only in a test
 * environment, where they mark test data.
 */
#ifndef CSGW_CORE_SSN_H
#define CSGW_CORE_SSN_H

#include <stdbool.h>
#include <stddef.h>

/* NULL if the 9 bytes at 'ssn' are a valid SSN, else why not. */
const char *ssn_problem(const char *ssn, size_t len, bool test_env);

/* The mask shown wherever an SSN would appear: "***-**-6789".
 * 'out' must hold SSN_MASK_SIZE bytes; works on malformed input too. */
#define SSN_MASK_SIZE 16
void ssn_mask(const char *ssn, size_t len, char *out);

#endif
