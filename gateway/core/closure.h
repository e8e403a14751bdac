/*
 * closure.h - what the law lets a case closure do, and what it must release
 * (DOMAIN.md 5.7 and 5.9).  Pure rules: no I/O, so every case is a table
 * row in the unit test.
 *
 * Only the party who opened the case may ask to close the enforcement case;
 * the agency itself closes under 45 CFR 303.11 without a request.  A case
 * with current cash assistance or Medicaid is not closed.  A closure
 * releases every remedy: a non-TANF offset certification is deleted; a
 * TANF certification keeps the federal tax refund offset while arrears are
 * owed to the state (every other remedy excluded), and is deleted when
 * none are; license suspensions and bank liens are released.
 */
#ifndef CSGW_CORE_CLOSURE_H
#define CSGW_CORE_CLOSURE_H

#include <stdbool.h>
#include <stddef.h>

#include "io/registry_db.h"

/* Who may open a case (registry_case.opened_by), NULL-terminated. */
extern const char *const closure_openers[];
bool closure_is_opener(const char *party);

/* The Federal Offset Program remedies, as exclusion indicator codes, in
 * the order of the Case Submission record's nine slots. */
#define OFFSET_REMEDIES 9
extern const char *const offset_remedy_codes[OFFSET_REMEDIES];
extern const char *const offset_remedy_names[OFFSET_REMEDIES];

/* What OCSE holds for a case: one certification per case type. */
struct offset_cert {
	char case_type;                 /* 'A' TANF, 'N' non-TANF */
	bool excluded[OFFSET_REMEDIES]; /* by offset_remedy_codes */
	long long arrears;              /* certified, whole dollars */
	bool released;                  /* deleted by an earlier closure */
};

struct closure_case {
	const struct registry_case *facts;
	const struct offset_cert *certs;
	size_t ncerts;
	bool license_suspended, bank_lien; /* in force now */
};

enum closure_verdict {
	CLOSURE_OK,
	CLOSURE_NOT_OPENER, /* a party who did not open the case asked */
	CLOSURE_ASSISTANCE, /* current cash assistance or Medicaid */
};

/* One Case Submission record the closure sends OCSE. */
struct closure_offset {
	char transaction; /* 'D' delete, 'R' replace exclusions */
	char case_type;
	bool excluded[OFFSET_REMEDIES]; /* for 'R' */
};

struct closure_plan {
	enum closure_verdict verdict;
	char why[320];        /* refused: what the requester is told */
	const char *citation; /* the rule's citation */
	struct closure_offset offset[2];
	size_t noffset;
	bool release_license, release_lien;
	bool tax_offset_continues; /* a TANF certification keeps TAX */
};

/* requested_by: the party who asks, NULL when the agency closes. */
void closure_plan(const struct closure_case *, const char *requested_by, struct closure_plan *);

/* Passport denial applies above $2,500 of arrears, the TANF and non-TANF
 * arrears of the submitting state combined (42 U.S.C. 652(k)). */
#define PASSPORT_THRESHOLD_DOLLARS 2500
bool closure_passport_due(const struct registry_case *);

/* Payment processing closes only when the obligation ends or a court or
 * another agency asks: 0, or -1 with the reason in why. */
int closure_payment_processing(const char *requested_by, char *why, size_t whylen);

#endif
