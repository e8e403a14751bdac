/*
 * closing.h - a case closure carried out whole or not at all.
 *
 * A closure the rules allow (core/closure.h) queues, in one durable step,
 * the Case Submission records that release the case's Federal Offset
 * Program certifications (to the partner that takes the offset family),
 * an MSC status change C for each partner state on the case, and a
 * release notice of the state remedies (license suspension, bank lien)
 * in SPOOL/inbox/release/ for the state system, whose own interfaces
 * reach licensing boards and banks.
 *
 * How: every file is staged in SPOOL/closing/ID/ (decided by the policy
 * like any batch), the closure's audit entry (record_id ID) is the commit
 * point, then the registry is updated and each staged entry moves into
 * the queue.  A closure killed before its entry leaves nothing (the
 * staged folder is removed); one killed after it is finished by the next
 * closing_recover(), which csgw run calls every cycle and csgw case set
 * before a closure.  A refused closure is an audit entry too.
 */
#ifndef CSGW_OPS_CLOSING_H
#define CSGW_OPS_CLOSING_H

#include "core/caller.h"
#include "io/registry_db.h"
#include "ops/exchange.h"
#include "ops/setup.h"

struct closing_request {
	const char *case_id;
	const char *requested_by; /* the party who asks; NULL: the agency */
	const char *reason;
};

/* Closes the enforcement of a case that is open in *before; *now is the
 * case as it stands afterwards.  0; EX_NOPERM (77) when the law does not
 * allow it (said why, logged); another exit code when nothing could be
 * done (said why). */
int closing_run(const struct caller *, struct setup *, const struct closing_request *,
                const struct registry_case *before, struct registry_case *now);

/* Finishes or removes what closures killed midway left in SPOOL/closing.
 * Returns how many it finished or removed, or -1 after logging why. */
int closing_recover(struct exchange *);

#endif
