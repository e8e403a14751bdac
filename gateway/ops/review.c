/*
 * review.c - the audit log as compliance staff review it (review.h).
 */
#include "ops/review.h"

#include <string.h>
#include <sysexits.h>

#include "io/cms.h"

int review_search(struct setup *s, struct audit_query *q, const char *ssn_digits, audit_db_row *row,
                  void *ctx)
{
	struct audit *a = NULL;
	struct cms_signer *none = NULL;
	char subject[65];
	int rc = 0;
	if (ssn_digits) {
		char key[256];
		if ((rc = setup_subject_key(s, key, sizeof key)) != 0)
			return rc;
		audit_subject_key(key, ssn_digits, subject);
		memset(key, 0, sizeof key);
		q->subject_key = subject;
	}
	if ((rc = setup_audit_open(s, 0, false, &a, &none)) != 0)
		return rc;
	if (audit_search(a, q, row, ctx, stderr) < 0)
		rc = EX_IOERR;
	audit_close(a);
	return rc;
}

/* verify and proof: 0 good, 1 a problem found (said), 2 a warning
 * (exit 1: not "good", not tampering either), -1 unreadable. */
static int exit_code(int v)
{
	return v == 0 ? 0 : v == 2 ? 1 : v > 0 ? EX_DATAERR : EX_IOERR;
}

int review_verify(struct setup *s, FILE *out)
{
	struct audit *a = NULL;
	struct cms_signer *none = NULL;
	int rc = setup_audit_open(s, 0, false, &a, &none);
	if (rc == 0)
		rc = exit_code(audit_verify(a, out, stderr));
	audit_close(a);
	return rc;
}

int review_proof(struct setup *s, int64_t id, FILE *out)
{
	struct audit *a = NULL;
	struct cms_signer *none = NULL;
	int rc = setup_audit_open(s, 0, false, &a, &none);
	if (rc == 0)
		rc = exit_code(audit_proof(a, id, out, stderr));
	audit_close(a);
	return rc;
}

int review_checkpoint(struct setup *s)
{
	struct audit *a = NULL;
	struct cms_signer *signer = NULL;
	int rc = setup_audit_open(s, 1, true, &a, &signer);
	if (rc == 0 && audit_checkpoint(a, stderr) < 0)
		rc = EX_IOERR;
	audit_close(a);
	cms_signer_free(signer);
	return rc;
}
