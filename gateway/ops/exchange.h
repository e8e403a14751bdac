/*
 * exchange.h - one exchange cycle with one partner, as csgw run does it.
 *
 * A cycle, in order:
 *   take      files dropped in SPOOL/outgoing/PARTNER (XML batches) and
 *             .../PARTNER/TYPE (fixed-width extracts) become entries in
 *             'active' (core/spool.h); hidden, .tmp/.part and too-young
 *             files are left for later;
 *   prepare   each new entry: mapped (fixed width), decided by the policy
 *             and logged (core/disclose.h), signed; a content failure
 *             (bad data, everything denied, a family the partner does not
 *             take) goes to 'quarantine' with its reason, never retried;
 *   send      active and due deferred entries, on one connection: our
 *             receipts first, then batches; a batch waits in 'sent' for the
 *             partner's receipt (or goes to 'done' when the partner sends
 *             none); a transport failure defers the entry with a delay that
 *             grows with its age, and holds it once it is older than
 *             hold_after;
 *   fetch     (when asked) the partner's outbox into SPOOL/incoming
 *             (core/transfer.h), then each received file: a receipt
 *             settles the entry it names (done, or hold with the partner's
 *             reasons); a batch is checked, delivered once to
 *             SPOOL/inbox/FAMILY (a resend, by SHA-256 or batch number, is
 *             acknowledged again, not delivered again) and acknowledged
 *             with a signed receipt that the same cycle sends.
 *
 * Every step is one durable transition, so a crash at any instant is
 * recovered by the next cycle: a file is never lost, never delivered
 * twice.  One line per event goes to the log, the entry id or file name
 * first; never a record's content.
 */
#ifndef CSGW_OPS_EXCHANGE_H
#define CSGW_OPS_EXCHANGE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "core/caller.h"
#include "core/disclose.h"
#include "ops/registry.h"
#include "ops/setup.h"

struct exchange {
	struct setup *s;
	char *spool, *ca;
	char *witnesses;     /* the witness store (core/witness.h): a folder per partner */
	char *cert, *origin; /* our signing certificate and our log's name, for echoed heads */
	struct policy *policy;
	struct audit *audit;
	struct cms_signer *signer;
	struct registry reg;
	struct ledger_db *ledger; /* requests and responses (ops/casework.h) */
	long retry_min, retry_max, hold_after, receipt_timeout, drop_min_age;
	const struct caller *who; /* on whose behalf: entries and ledger rows name them */
	FILE *log;
	volatile sig_atomic_t *stop; /* set by SIGTERM: no new transfer starts */
	/* Reads a batch being delivered, before it moves into the inbox: csgw
	 * run sets casework_inbound (ops/casework.h), which matches answers to
	 * requests.  -1 makes the delivery wait for the next cycle.  A cycle
	 * that fetches needs it. */
	int (*inbound)(struct exchange *, const char *partner, const struct batch_type *,
	               const char *path, const char *inbox, const char *target);
};

struct cycle {
	unsigned taken, prepared, quarantined, sent, deferred, held, fetched, delivered,
	    acknowledged, settled;
	bool connect_failed;
	bool local_failed; /* something of this machine failed (disk, database): said as an error */
	time_t wake;       /* a too-young drop or deferred entry is due then (0: none) */
	char fault[256];   /* the last transport problem, for status */
};

/* Opens what every cycle needs (policy, audit log, signer, registry) and
 * makes the spool folders; what it logs names 'who' as the actor.  0 or
 * an exit code after printing why. */
int exchange_open(struct setup *, const struct caller *who, FILE *log, volatile sig_atomic_t *stop,
                  struct exchange *);
void exchange_close(struct exchange *);

/* One cycle with 'partner'; 'fetch' also downloads from it.  'fresh'
 * names files that arrived in its outgoing folder by rename (complete
 * whatever their age).  Returns 0, or EX_TEMPFAIL when some work waits
 * for the next cycle, or another exit code for a problem of our own
 * (configuration, disk). */
int exchange_partner(struct exchange *, const char *partner, bool fetch, const char *const *fresh,
                     size_t nfresh, struct cycle *);

/* The purpose of what goes to partner: its 'purpose', else child-support. */
const char *exchange_purpose(const struct setup *, const char *partner);

/* The facts of a decision for partner and purpose: its class, whether it
 * is another state, today (the registry is the caller's). */
void exchange_request(struct exchange *, const char *partner, const char *purpose,
                      struct policy_request *);

/* Decides every record of a batch (XML, or a checked extract of type
 * 'fixed') for partner and purpose, logs each decision and writes what
 * may go to 'out', published only after its audit entries
 * (core/disclose.h).  *problems (caller frees) says what was wrong. */
enum disclose_status exchange_decide(struct exchange *, const char *partner, const char *purpose,
                                     const char *input, const struct batch_type *fixed,
                                     const char *out, struct disclose_counts *, char **problems);

/* Where csgw run keeps a partner's last exchange (SPOOL/.partner-NAME.state). */
struct partner_state {
	time_t last_fetch, last_ok, last_failure;
	time_t overdue_said; /* requests due before this were said overdue in the log */
	char failure[256];
};
int partner_state_load(const char *spool, const char *partner, struct partner_state *);
int partner_state_save(const char *spool, const char *partner, const struct partner_state *);

/* The gateway.conf durations with their defaults. */
long exchange_duration(const struct setup *, const char *key, long fallback);

#endif
