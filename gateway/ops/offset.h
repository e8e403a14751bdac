/*
 * offset.h - what csgw has certified to the Federal Offset Program for
 * each case, and the Case Submission records that release it.
 *
 * SPOOL/certified/CASE.TYPE (TYPE A for TANF, N for non-TANF) keeps the
 * last Case Submission record sent for that case and case type, when it
 * was first sent, and when a delete released it.  The record holds the
 * SSN and name a delete must carry; it lives in the spool beside the
 * batches that carried it, never in the registry (which holds no SSN).
 * csgw run records every offset-submission batch it prepares; a closure
 * reads the certifications and sends what releases them (core/closure.h).
 *
 * Functions return 0 or -1 with a one-line reason in 'why'.
 */
#ifndef CSGW_OPS_OFFSET_H
#define CSGW_OPS_OFFSET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/closure.h"
#include "ops/setup.h"

#define OFFSET_LINE_MAX 512

struct offset_held {
	struct offset_cert cert;
	char case_id[16];
	char since[32], released[32]; /* released "": in force */
	char by[48];                  /* the queue entry that changed it last */
	char line[OFFSET_LINE_MAX];   /* the Case Submission record, fixed width */
};

/* Records what the offset-submission batch at xml_path (of queue entry
 * 'entry') certifies: an add starts a certification, a modify, replace,
 * name, address or local code change updates its record, a delete
 * releases it.  Idempotent, and a batch older than the one that changed a
 * certification last (by entry id) changes nothing of it. */
int offset_remember(const struct setup *, const char *spool, const char *entry,
                    const char *xml_path, char *why, size_t whylen);

/* OCSE rejected transaction 'tx' of a case and type, sent in queue entry
 * 'entry': an add that never took is forgotten, a delete that did not take
 * leaves the certification in force; only while that entry is the one
 * that changed it last. */
int offset_rejected(const struct setup *, const char *spool, const char *entry, const char *case_id,
                    char type, char tx, char *why, size_t whylen);

/* The certifications of a case (at most one per case type), in *held. */
int offset_held_of(const struct setup *, const char *spool, const char *case_id,
                   struct offset_held held[2], size_t *n, char *why, size_t whylen);

/* The Case Submission record that makes change 'o' to a held
 * certification, dated 'today' (CCYYMMDD), in out (no newline). */
int offset_release_line(const struct setup *, const struct offset_held *,
                        const struct closure_offset *o, const char *today,
                        char out[OFFSET_LINE_MAX], char *why, size_t whylen);

#endif
