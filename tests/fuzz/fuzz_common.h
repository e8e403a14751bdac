/*
 * fuzz_common.h - what the libFuzzer targets share: the mappings, loaded
 * once, and a way to hand the fuzzer's bytes to code that reads a path.
 */
#ifndef CSGW_FUZZ_COMMON_H
#define CSGW_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/mapping.h"

/* Loads $CSGW_MAPPINGS (or ./mappings); aborts if it cannot. */
const struct mapping_set *fuzz_mappings(void);

/* Puts the bytes in an in-memory file; writes its /proc path into 'path'.
 * Returns the descriptor to close afterwards. */
int fuzz_file(const uint8_t *data, size_t size, char *path, size_t path_size);

/* Where reports go: nowhere. */
FILE *fuzz_sink(void);

#endif
