/*
 * queue.h - the spool as operations see it (csgw status, csgw queue).
 *
 * status_read() gathers, for each partner, the counts and ages of its
 * entries in each spool state (core/spool.h), its partner state file of
 * csgw run, its requests waiting in the ledger, and everything that needs
 * a person.  queue_change() moves one entry between states under the
 * partner's lock, so that it never races a cycle of the daemon; a purge is
 * an audit entry naming the caller before anything is removed.  Neither
 * reads content: ids, partners, families, batch numbers, sizes, ages and
 * reasons.
 */
#ifndef CSGW_OPS_QUEUE_H
#define CSGW_OPS_QUEUE_H

#include <stdbool.h>
#include <time.h>

#include "core/caller.h"
#include "core/spool.h"
#include "io/ledger_db.h"
#include "ops/casework.h"
#include "ops/exchange.h"
#include "ops/setup.h"

/* Entries in each spool state: how many, and the oldest one's creation. */
struct tally {
	unsigned long count[SPOOL_NSTATES];
	time_t oldest[SPOOL_NSTATES];
};

/* One partner as csgw status shows it. */
struct partner_view {
	const char *name;
	struct tally t;
	unsigned long outgoing, bad_inbound;
	time_t outgoing_oldest, bad_inbound_oldest, next_fetch;
	struct partner_state st;
	struct casework_counts cw; /* requests waiting, overdue; answers matching none */
	bool witness_held;         /* its audit log forked or was rolled back (core/witness.h) */
	char witness_reason[600];
	unsigned long incoming; /* received files waiting in incoming/PARTNER */
};

/* The whole spool: partners, then what needs a person. */
struct status {
	char *spool;
	char *witnesses; /* the witness store */
	long receipt_timeout;
	struct partner_view p[64];
	size_t np;
	struct spool_entry *attention;
	size_t nattention;
	struct ledger_request *late; /* requests past their due time */
	size_t nlate;
	bool daemon;
};

/* 0 and *s (status_free frees it), or EX_CONFIG after printing why. */
int status_read(struct setup *, struct status *);
void status_free(struct status *);

/* What needs a person besides the spool's entries: received files in
 * quarantine, overdue requests, answers that matched nothing, partners
 * held because their audit log forked. */
unsigned long status_problems(const struct status *);

/* What queue_change() did. */
struct queue_moved {
	enum spool_state was, to;
	bool purged;
};

/* hold, release, retry or purge entry 'e' of 'spool' (reason: an
 * operator's, kept with a hold).  0 and *moved; EX_DATAERR when the entry's
 * state does not allow it, EX_NOINPUT when it went meanwhile, EX_TEMPFAIL
 * while csgw run is busy with the partner, EX_IOERR; each said on stderr. */
int queue_change(const struct caller *, struct setup *, const char *spool, const char *verb,
                 struct spool_entry *e, const char *reason, struct queue_moved *moved);

#endif
