/*
 * unmap_ahead.h - unmap_read with the parse on a thread of its own.
 *
 * The lines reach emit on the calling thread, in order, as unmap_read
 * gives them; a second thread parses ahead and hands them over in blocks,
 * so that the parse and what emit does with each line (policy apply
 * decides it) run on two cores.  The contract is unmap_read's:
 * counts->batch is set before the first line reaches emit, the report and
 * the counts are complete when it returns, and a non-zero emit stops the
 * parse (which may by then have read a few blocks further, and reported
 * what it found there).  When no thread can be started, it is unmap_read.
 */
#ifndef CSGW_CORE_UNMAP_AHEAD_H
#define CSGW_CORE_UNMAP_AHEAD_H

#include "core/unmap.h"

enum map_status unmap_read_ahead(const struct mapping_set *, const char *input, bool test_env,
                                 const struct unmap_limits *, struct report *, unmap_line_fn emit,
                                 void *emit_ctx, struct batch_counts *counts);

#endif
