/*
 * casework.h - the transactions people start (csgw locate, refer, case)
 * and what comes back for them.
 *
 * Outbound: a command composes a batch (core/compose.h), and
 * casework_submit() checks it as csgw map would, decides it for the
 * partner and purpose with every decision logged (exchange_decide), and
 * stages it into the spool as an entry that csgw run signs and sends
 * (core/spool.h spool_submit): the command answers at once whether the
 * policy lets it go.  The ledger (io/ledger_db.h) remembers the request.
 *
 * Inbound: casework_inbound() reads a batch that csgw run is delivering
 * and matches each response to its request (a locate response by case
 * and member, a transaction by its serial number, an FCR or NDNH
 * acknowledgement by batch number);
 * what matches nothing is kept as unmatched and logged.  A transaction
 * that asks something of us is recorded, and acknowledged with an `A`
 * transaction when the partner's profile says acknowledge = yes.  With
 * inbox_format = fixed, the fixed-width lines are delivered beside the
 * XML.  Recording is idempotent: a delivery cut short and done again
 * records nothing twice.
 */
#ifndef CSGW_OPS_CASEWORK_H
#define CSGW_OPS_CASEWORK_H

#include <stdbool.h>

#include "core/compose.h"
#include "core/spool.h"
#include "io/ledger_db.h"
#include "ops/exchange.h"

/* A new transaction serial number: our state's FIPS code and 10 digits,
 * so that no two states ever make the same one.  0 or EX_IOERR. */
int casework_serial(struct exchange *, char serial[13]);
/* The next batch number (6 digits) of a family to a partner. */
int casework_batch_number(struct exchange *, const char *partner, const char *family,
                          char batch[7]);

/* Sends a composed batch to partner for purpose: checked, decided and
 * logged, staged for csgw run (entry id in 'entry').  0; EX_DATAERR when it
 * is not a good batch; EX_NOPERM when the policy lets nothing of it go
 * (the rule and citation said); or another exit code, said why. */
int casework_submit(struct exchange *, struct compose *, const char *partner, const char *purpose,
                    const char *label, char entry[SPOOL_ID_MAX]);

/* What casework_submit does but the queueing: the batch checked and
 * decided in folder 'stage' (which must exist), *e the entry to give
 * spool_submit() with it.  Same returns. */
int casework_stage(struct exchange *, struct compose *, const char *partner, const char *purpose,
                   const char *label, const char *stage, struct spool_entry *e);

/* An interstate transaction to build (csgw refer, locate, case). */
struct casework_txn {
	const char *partner; /* a [partner] with a state */
	const char *function, *action, *reason;
	const char *case_id, *other_case; /* ours, and the partner's (may be NULL) */
	const char *serial;               /* the request answered (A, P), NULL: a new one */
	const char *const *blocks;        /* fixed-width lines of data blocks, in order */
	size_t nblocks;
	const char *const *fields; /* "element.field=value", any block */
	size_t nfields;
};
/* Composes a referral batch holding one transaction.  0 with the serial
 * in 'serial'; EX_USAGE / EX_DATAERR / EX_CONFIG after printing why. */
int casework_transaction(struct exchange *, const struct casework_txn *, struct compose *,
                         char serial[13]);

/* Records a new outbound request in the ledger (status pending, due
 * after [gateway] answer_within, default 5d).  0 or EX_IOERR. */
int casework_remember(struct exchange *, struct ledger_request *);

/* The same for a transaction we sent (t, its serial, purpose and spool
 * entry): pending when it is a request (R), else sent.  r may hold the
 * subject already. */
int casework_remember_txn(struct exchange *, const struct casework_txn *t, const char *serial,
                          const char *purpose, const char *entry, struct ledger_request *r);

/* --name "LAST, FIRST [MIDDLE]" as "ELEMENT.lastName=..." assignments in
 * upper case (out[2] NULL without a middle name; caller frees).  0 or
 * EX_USAGE after printing why. */
int casework_name_fields(const char *name, const char *element, char *out[3]);

/* Today as YYYY-MM-DD (the XML date of composed records). */
void casework_today(char date[11]);

/* What csgw run delivers from a partner: 'path', a checked batch of type
 * 'bt', to become inbox file 'target'.  Only batches that can answer or
 * ask something are read (locate and referral, FCR and NDNH
 * acknowledgements), or all with inbox_format = fixed.  0, or -1 when the
 * ledger could not take it (said on x->log; the delivery waits for the
 * next cycle). */
int casework_inbound(struct exchange *, const char *partner, const struct batch_type *bt,
                     const char *path, const char *inbox, const char *target);

/* Pending outbound requests past their due time, and responses that
 * matched nothing, for csgw status. */
struct casework_counts {
	long long pending, overdue, unmatched;
};
int casework_counts(struct ledger_db *, const char *partner, struct casework_counts *);

#endif
