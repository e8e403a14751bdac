/*
 * disclose.h - what of a batch may leave for one recipient: the policy
 * applied to every record, and every decision in the audit log.
 *
 * disclose_batch() reads an XML batch as unmap does (streaming, checked),
 * decides each record (core/policy.h), and writes the batch that may be
 * sent: allowed records as they are, redacted records with the redacted
 * fields blank (absent in XML), denied records left out, prohibited
 * records replaced by the family's notice record (or left out when the
 * family has none); the trailer's counts are set to what remains.  The
 * output is written through the map engine, so it passes the same rules.
 * Then one audit entry per record (decision, rule, citation, categories
 * sent, case, the keyed hash of every SSN in it, the output's SHA-256 and
 * the batch number), all in one transaction, and a signed checkpoint.
 * Only then is the output published (renamed into place): nothing appears
 * that the log does not hold.  If the log cannot take the entries, no
 * output appears at all.
 *
 * Memory stays flat in the number of records: decisions wait in an
 * unlinked temporary file until the output's digest is known.
 */
#ifndef CSGW_CORE_DISCLOSE_H
#define CSGW_CORE_DISCLOSE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/audit.h"
#include "core/mapping.h"
#include "core/policy.h"
#include "core/report.h"

struct disclose_plan {
	const struct mapping_set *set;
	const struct policy *policy;
	const struct policy_request *request;
	bool test_env;
	struct audit *audit;        /* opened with a signer, for the checkpoint */
	const char *subject_secret; /* the subject_key text: SSNs are logged as its HMAC */
	const char *partner;
	const struct caller *who; /* on whose behalf: each entry names them */
	/* Set when the registry could not be read (the batch is refused). */
	const bool *registry_failed;
	/* The input is a fixed-width extract of this type that map_to_xml has
	 * checked (output NULL), not an XML batch: its lines are decided as
	 * they are, without a round trip through XML.  NULL: XML input. */
	const struct batch_type *fixed;
};

struct disclose_counts {
	unsigned long records, allowed, redacted, denied, prohibited, notices;
	char sha256[65]; /* of the output; "" when none was written */
	char batch[16];  /* the header's batch number, when it has one */
	char family[16]; /* the batch's family, once its first line was read */
};

enum disclose_status {
	DISCLOSE_OK,
	DISCLOSE_NOTHING,  /* every record withheld: no output (decisions logged) */
	DISCLOSE_BAD_DATA, /* the batch is not valid (reported) */
	DISCLOSE_NO_INPUT, /* it cannot be read */
	DISCLOSE_FAILED,   /* output, registry or audit log failed (printed); no output */
};

enum disclose_status disclose_batch(const struct disclose_plan *, const char *input,
                                    const char *output, struct report *, struct disclose_counts *,
                                    FILE *err);

#endif
