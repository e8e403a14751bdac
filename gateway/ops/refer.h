/*
 * refer.h - an interstate transaction (CSENet-style) to another state:
 * a new request, or a response to one received (--respond-to).
 *
 * The transaction's codes come from the caller, else from a referral
 * batch file given (csgw map referral makes one from a fixed-width
 * extract), else from the request answered.  It is composed, decided by
 * the policy for the purpose, logged, staged for csgw run and, when it
 * asks something, remembered in the ledger.  A person sends for the
 * agency, for the purposes their role may ask.
 */
#ifndef CSGW_OPS_REFER_H
#define CSGW_OPS_REFER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/caller.h"
#include "core/spool.h"
#include "ops/casework.h"
#include "ops/setup.h"

struct refer_ask {
	struct casework_txn txn; /* codes and case ids given (NULL: from file or request) */
	const char *to;          /* a partner's name or its state's FIPS code */
	const char *respond_to;  /* the id of a transaction received, or NULL */
	const char *file;        /* a referral batch with one transaction, or NULL */
	const char *ssn_digits, *ssn_masked; /* checked (cmd_ssn_option), or NULL */
	const char *name, *dob, *purpose;    /* NULL: not given (purpose: the partner's) */
	const char *const *fields;           /* "element.field=value" */
	size_t nfields;
};

struct refer_sent {
	char serial[13], function[8], action[4], reason[8], partner[64], case_id[32];
	char entry[SPOOL_ID_MAX];
	bool answer;     /* an A or P: it answers, it asks nothing */
	bool incomplete; /* EX_USAGE for want of the transaction's codes */
};

/* 0 and *sent.  An entry in sent->entry was queued, whatever the code
 * (EX_IOERR: the ledger did not record it).  EX_USAGE when the
 * transaction is not complete, EX_NOPERM
 * when the caller's role or the policy does not let it go, EX_DATAERR,
 * EX_IOERR; each after printing one line to stderr. */
int refer_send(const struct caller *, struct setup *, const struct refer_ask *,
               struct refer_sent *);

#endif
