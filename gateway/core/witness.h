/*
 * witness.h - partners witness our audit log, and we theirs (DESIGN.md
 * invariant 10: proofs leave the machine).
 *
 * Every receipt carries the signed head of its maker's log, with the RFC
 * 6962 consistency proof from the head the receiver last echoed, and
 * echoes the newest head of the receiver's log that the maker holds
 * (core/receipt.h).  This module keeps, per partner, a folder of the
 * witness store (not the partner's log, not ours):
 *
 *   theirs/SIZE.checkpoint  heads of the partner's log we accepted, each
 *                           shown to extend the one before
 *   ours/SIZE.checkpoint    heads of our own log the partner echoed: it
 *                           holds them, so our log must still match them
 *   HOLD                    why the partner is held: its log does not
 *                           extend the head we hold (a fork or a rollback)
 *
 * Notes are kept byte for byte as the checkpoint folder holds them, so
 * an auditor can check them as any checkpoint.  Functions return 0 or -1
 * with a reason in 'why' unless said otherwise.
 */
#ifndef CSGW_CORE_WITNESS_H
#define CSGW_CORE_WITNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/audit.h"
#include "core/receipt.h"

/* How long a partner has to prove its log from the head of it we hold
 * (our receipts echo it) before heads proven from elsewhere hold it. */
#define WITNESS_PROVE_WITHIN_DAYS 7

enum witness_verdict {
	WITNESS_FIRST,    /* no head held before: this one is kept (first sight) */
	WITNESS_EXTENDS,  /* proven to extend the head we hold: kept */
	WITNESS_SAME,     /* the head we hold */
	WITNESS_UNPROVEN, /* newer, its proof from another head: not kept, waits for one
	                   * (a fork once the head we hold is WITNESS_PROVE_WITHIN_DAYS old) */
	WITNESS_BAD,      /* not a head signed by the partner: the receipt is not good */
	WITNESS_FORK,     /* does not extend the head we hold: the partner is held */
	WITNESS_LOCAL,    /* our own store failed: the receipt waits, taken next cycle */
};

/* Judges the partner's head 'rh' (checked with the partner's certificate
 * and origin) against the newest one kept in 'dir' (the partner's folder
 * of the store), keeps it when it is accepted, and holds the partner on a
 * fork.  The verdict, with what happened in 'said' (for the log). */
enum witness_verdict witness_take_theirs(const char *dir, const char *origin, const char *cert,
                                         const struct receipt_head *rh, char *said, size_t saidlen);

/* Keeps an echoed head of our own log (checked with our certificate) when
 * it is newer than the newest kept.  1 kept, 0 not newer, -1 why. */
int witness_take_echo(const char *dir, const char *origin, const char *cert,
                      const struct receipt_head *rh, char *why, size_t whylen);

/* The newest head kept in dir/which ("theirs" or "ours"): 0 with *h, 1
 * none kept, -1 why. */
int witness_newest(const char *dir, const char *which, struct audit_head *h, char *why,
                   size_t whylen);

/* Every head kept in dir/which, in size order: 'each' is called with
 * each note's path; stops when it returns non-zero (returned). */
typedef int witness_note_fn(void *ctx, const char *path);
int witness_each(const char *dir, const char *which, witness_note_fn *each, void *ctx);

/* The partner is held (reason into 'reason' when not NULL): true/false. */
bool witness_held(const char *dir, char *reason, size_t size);
int witness_hold(const char *dir, const char *reason);
/* A person lifts the hold: the heads kept of the partner's log are moved
 * to theirs-before-TIME (kept for the auditor), so the next head the
 * partner sends is taken as a first sight. */
int witness_release(const char *dir, char *why, size_t whylen);

#endif
