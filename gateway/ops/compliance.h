/*
 * compliance.h - the reports compliance staff produce from the audit log:
 * the periodic disclosure review (csgw audit report) and the accounting of
 * disclosures about one person (csgw audit accounting).
 *
 * Both are audit entries themselves (who produced them, for which period
 * or subject).  The review verifies the whole log while it is written and
 * says first whether it does.  Functions return 0, or a sysexits.h code
 * after printing why to stderr.
 */
#ifndef CSGW_OPS_COMPLIANCE_H
#define CSGW_OPS_COMPLIANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/audit_report.h"
#include "ops/setup.h"

struct caller;

struct review_request {
	const char *since, *until;         /* the log's time form, until exclusive; NULL: open */
	const char *since_day, *until_day; /* as typed */
	const char *partner;
	unsigned long max_rows;
	FILE *html, *csv; /* csv: for the tables too long for the page */
	const char *csv_name;
};

struct review_done {
	uint64_t entries;          /* in the period */
	unsigned long detail_rows; /* written to the CSV */
	bool verified;
};

/* Writes the review; EX_DATAERR when the log does not verify (the review
 * is written all the same, saying so first). */
int compliance_review(struct setup *, const struct caller *who, const struct review_request *,
                      struct review_done *);

/* The disclosures about the person with this SSN (9 digits) since 'since'
 * (NULL: all), each through 'fn'; *count of them.  The log is verified
 * first: 'start' is told the problem found (NULL: none) before any line,
 * and the result is EX_DATAERR when there is one. */
typedef void accounting_start_fn(void *ctx, const char *problem);
int compliance_accounting(struct setup *, const struct caller *who, const char *ssn_digits,
                          const char *since, accounting_start_fn *start, accounting_fn *fn,
                          void *ctx, unsigned long *count);

#endif
