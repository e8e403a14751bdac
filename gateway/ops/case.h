/*
 * case.h - what a supervisor changes in the registry, and what caseworkers
 * read of it: the protections of a person (family violence indicator,
 * nondisclosure, protective order) and the enforcement status of a case.
 *
 * Each change is made together with its audit entry, which names the
 * caller and keeps their reason: a change whose entry cannot be written
 * is undone.  Closing a case's enforcement releases its remedies and
 * tells the partner states on the case (ops/closing.h).
 *
 * Functions return 0, or a sysexits.h code after printing one line to
 * stderr saying why.
 */
#ifndef CSGW_OPS_CASE_H
#define CSGW_OPS_CASE_H

#include <stdbool.h>

#include "core/caller.h"
#include "io/registry_db.h"
#include "ops/setup.h"

struct protect_change {
	bool add;                            /* else remove */
	const char *ssn_digits, *ssn_masked; /* checked (cmd_ssn_option) */
	const char *flag;                    /* family-violence, nondisclosure, protective-order */
	const char *case_id;                 /* NULL: every case */
	const char *reason;                  /* kept in the audit entry; needed to remove */
};

/* *changed false: it was already so (nothing written). */
int protect_set(const struct caller *, struct setup *, const struct protect_change *,
                bool *changed);

/* The protections of a person (ssn_digits, NULL: anyone) in a case (NULL:
 * any), each through 'row'. */
int protect_list(struct setup *, const char *ssn_digits, const char *case_id,
                 registry_protection_fn *row, void *ctx);

struct case_change {
	const char *case_id;
	const char *enforcement;  /* open or closed; NULL: unchanged */
	int state_owed_arrears;   /* 1, 0, -1: unchanged */
	const char *reason;       /* kept in the audit entry; needed to close */
	const char *requested_by; /* the party who asks a closure; NULL: the agency */
	const char *opened_by;    /* core/closure.h closure_openers; NULL: unchanged */
	const char *assistance;   /* none, tanf, medicaid; NULL: unchanged */
	long long arrears_family, arrears_state; /* whole dollars; -1: unchanged */
	const char *payment_processing;          /* open or closed; NULL: unchanged */
	const char *remedy; /* a state remedy now in force: license-suspension, bank-lien */
};

/* Records the case's facts, then closes its enforcement when asked
 * (ops/closing.h: the releases it queues, whole or not at all).  *now is
 * the case as it stands, *stands whether the change was made.  A closure
 * or payment processing closure the law does not allow is EX_NOPERM,
 * logged. */
int case_set(const struct caller *, struct setup *, const struct case_change *,
             struct registry_case *now, bool *stands);

/* The case in *now, *known false when the registry does not know it (its
 * enforcement is then open). */
int case_show(struct setup *, const char *case_id, struct registry_case *now, bool *known);

/* The remedies of a case, in force and released, each through 'fn':
 * the Federal Offset Program's (by certification) and the state's. */
typedef void case_remedy_fn(void *ctx, const char *remedy, const char *since, const char *released);
int case_remedies(struct setup *, const char *case_id, const struct registry_case *,
                  case_remedy_fn *fn, void *ctx);

#endif
