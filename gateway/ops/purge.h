/*
 * purge.h - csgw purge: what has outlived its retention period goes
 * (core/retention.h): acknowledged files in the spool's done/, files
 * delivered to the inbox, ledger answers, and the personal columns of
 * audit entries (the entries themselves stay and still verify).
 *
 * The purge's audit entry, with what it is about to remove, is written
 * before anything is removed; a purge cut short is finished by the next.
 * Returns 0, or a sysexits.h code after printing why to stderr.
 */
#ifndef CSGW_OPS_PURGE_H
#define CSGW_OPS_PURGE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "ops/setup.h"

/* The time a purge takes as now: the clock, or $CSGW_NOW (seconds since
 * 1970, or YYYY-MM-DD) in the test environment only. */
time_t purge_now(const struct setup *);

struct caller;
int purge_run(struct setup *, const struct caller *, time_t now, bool dry_run, FILE *out);

#endif
