/*
 * locate.h - a caseworker's parent locate request: to the FPLS (a
 * locate-request batch) or to another state (an interstate quick locate,
 * LO1).
 *
 * The request is checked (the purpose and requester against the policy,
 * whom the caller's roles may ask for, an order where one is needed),
 * decided and logged, staged for csgw run and remembered in the ledger.
 * A refusal is an audit entry naming the caller.
 */
#ifndef CSGW_OPS_LOCATE_H
#define CSGW_OPS_LOCATE_H

#include "core/caller.h"
#include "core/spool.h"
#include "ops/setup.h"

struct locate_ask {
	const char *case_id, *name, *purpose;
	const char *ssn_digits, *ssn_masked; /* checked (cmd_ssn_option) */
	const char *dob, *sex, *member;      /* NULL: not given */
	const char *sources;                 /* "SSA,IRS": FPLS sources, NULL: all */
	const char *partner;                 /* NULL: the FPLS */
	const char *requester;               /* NULL: iv-d-agency */
	const char *order;                   /* the court's or authority's reference */
};

struct locate_sent {
	char id[32];      /* L-000001 */
	char partner[64]; /* where it goes */
	char serial[13];  /* an LO1 transaction's serial, "" for the FPLS */
	char entry[SPOOL_ID_MAX];
};

/* 0 and *sent; EX_NOPERM when the caller or the policy may not ask this
 * (an audit entry says so), EX_USAGE / EX_CONFIG / EX_DATAERR / EX_IOERR;
 * each after printing one line to stderr. */
int locate_request(const struct caller *, struct setup *, const struct locate_ask *,
                   struct locate_sent *);

#endif
