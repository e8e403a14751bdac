/*
 * review.h - what compliance staff do with the audit log (csgw audit
 * search, verify, proof, checkpoint), on the log gateway.conf names.
 *
 * The log is opened for reading, except by a checkpoint, which signs the
 * tree head with this gateway's key.  A search by SSN asks for the SSN's
 * keyed hash (subject_key): no SSN is ever in the log or the rows.
 *
 * Functions return 0, or a sysexits.h code after printing why to stderr
 * (EX_DATAERR: the log does not verify, and where).
 */
#ifndef CSGW_OPS_REVIEW_H
#define CSGW_OPS_REVIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/audit.h"
#include "ops/setup.h"

/* The entries matching q and, when ssn_digits is given, that subject;
 * each through 'row', oldest first. */
int review_search(struct setup *, struct audit_query *q, const char *ssn_digits, audit_db_row *row,
                  void *ctx);

/* Every entry, the tree and every checkpoint recomputed (a summary to
 * out); with 'witnesses', every head of our log partners hold too. */
int review_verify(struct setup *, bool witnesses, FILE *out);

/* What the witness store holds for each partner (or one): the newest head
 * of its log we accepted, the newest of ours it holds, and a hold with
 * its reason.  0, 1 when a partner is held. */
int review_witnesses(struct setup *, const char *partner, FILE *out);

/* A person lifts a partner's hold (core/witness.h witness_release), with
 * an audit entry naming them and their reason. */
struct caller;
int review_witness_release(struct setup *, const struct caller *, const char *partner,
                           const char *reason, FILE *out);

/* The inclusion proof of entry 'id' against the latest signed checkpoint. */
int review_proof(struct setup *, int64_t id, FILE *out);

/* A new signed checkpoint of the tree head. */
int review_checkpoint(struct setup *);

#endif
