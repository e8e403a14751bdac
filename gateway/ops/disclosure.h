/*
 * disclosure.h - the disclosure policy run over a batch, as a person asks
 * it (csgw policy explain, apply, check).
 *
 * explain decides every record (or one) for one recipient and purpose and
 * hands each decision, field by field with its rule and citation, to the
 * caller: the same decision the gateway takes before data leaves, with
 * nothing sent and nothing logged.  apply writes what of the batch may go
 * to a partner, with every decision logged under the caller's name
 * (core/disclose.h).
 *
 * Functions return 0, or a sysexits.h code after printing why to stderr.
 */
#ifndef CSGW_OPS_DISCLOSURE_H
#define CSGW_OPS_DISCLOSURE_H

#include "core/caller.h"
#include "core/disclose.h"
#include "core/policy.h"
#include "ops/setup.h"

struct disclosure_ask {
	const char *file;    /* an XML batch */
	const char *partner; /* a [partner], or NULL with req.class given */
	const char *output;  /* apply: where what may go is written */
	unsigned long only;  /* explain: record number, 0: all */
	struct policy_request req;
	const char *tag_field[16]; /* --tag FIELD=CATEGORY: req's tags point here */
	unsigned tag_categories[16];
};

/* The policy of the mappings (EX_CONFIG: its problems are printed). */
int disclosure_policy(const struct setup *, struct policy **);

/* Completes the ask (a partner's class, whether it is another state),
 * loads the policy into *p and checks that the facts stated are ones the
 * policy and the mappings know. */
int disclosure_prepare(const struct setup *, struct disclosure_ask *, struct policy **p);

typedef void disclosure_fn(void *ctx, unsigned long number, const struct policy_record *,
                           const struct policy_decision *);
int disclosure_explain(struct setup *, const struct policy *, struct disclosure_ask *,
                       disclosure_fn *, void *ctx);

/* *n says what was written (n->sha256 empty: nothing may be sent). */
int disclosure_apply(const struct caller *, struct setup *, const struct policy *,
                     struct disclosure_ask *, struct disclose_counts *n);

#endif
