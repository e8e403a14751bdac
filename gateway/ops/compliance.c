/*
 * compliance.c - the disclosure review and the accounting of disclosures,
 * as operations of the person who asks (compliance.h).
 */
#include "ops/compliance.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "core/caller.h"
#include "io/cms.h"
#include "util/alloc.h"

/* The entry that says a report was made: who, of what. */
static int log_report(struct audit *a, const struct caller *who, const char *decision,
                      const char *rule, const char *citation, const char *partner,
                      const char *subject, const char *detail)
{
	struct audit_entry e = {0};
	audit_entry_set(&e, "direction", "access");
	audit_entry_set(&e, "partner", partner);
	audit_entry_set(&e, "subject_key", subject);
	audit_entry_set(&e, "decision", decision);
	audit_entry_set(&e, "rule_id", rule);
	audit_entry_set(&e, "citation", citation);
	audit_entry_actor(&e, who);
	audit_entry_set(&e, "detail", detail);
	return audit_append(a, &e, 1, stderr);
}

/* The verification's first problem, as one line for the page. */
static int verify_for_page(struct audit *a, struct audit_state *st, char **problem)
{
	size_t len = 0;
	FILE *mem = open_memstream(problem, &len);
	if (mem == NULL) {
		*problem = xstrdup("out of memory");
		return -1;
	}
	int v = audit_verify_state(a, st, mem);
	fclose(mem);
	for (char *p = *problem; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	return v;
}

int compliance_review(struct setup *s, const struct caller *who, const struct review_request *q,
                      struct review_done *done)
{
	struct audit *a = NULL;
	struct cms_signer *signer = NULL;
	struct audit_state st = {0};
	char *problem = NULL;
	int rc = setup_audit_open(s, 0, true, &a, &signer);

	memset(done, 0, sizeof *done);
	if (rc != 0)
		return rc;
	/* The check and every count read one state of the log: what the
	 * daemon appends meanwhile is in the next report. */
	if (audit_snapshot_begin(a, stderr) < 0) {
		rc = EX_IOERR;
		goto out;
	}
	int v = verify_for_page(a, &st, &problem);
	if (v < 0) {
		fprintf(stderr, "%s", problem);
		rc = EX_IOERR;
		goto out;
	}
	done->verified = v == 0;
	char *origin = xasprintf("csgw/%s/audit", conf_value(&s->conf, "gateway", "state"));
	struct review_report r = {.since = q->since,
	                          .until = q->until,
	                          .since_day = q->since_day,
	                          .until_day = q->until_day,
	                          .partner = q->partner,
	                          .gateway = origin,
	                          .author = who->user,
	                          .made = time(NULL),
	                          .max_rows = q->max_rows,
	                          .verified = done->verified,
	                          .problem = problem,
	                          .state = &st,
	                          .csv = q->csv,
	                          .csv_name = q->csv_name};
	if (review_report_write(a, &r, q->html, &done->entries, &done->detail_rows, stderr) < 0)
		rc = EX_IOERR;
	audit_snapshot_end(a);
	free(origin);
	if (rc == 0 && (fflush(q->html) != 0 || ferror(q->html))) {
		fprintf(stderr, "csgw: cannot write the report\n");
		rc = EX_IOERR;
	}
	if (rc != 0)
		goto out;
	char detail[256];
	snprintf(detail, sizeof detail, "review of %s to %s: %" PRIu64 " entries%s",
	         q->since_day ? q->since_day : "the beginning", q->until_day ? q->until_day : "now",
	         done->entries, done->verified ? "" : "; the log did not verify");
	if (log_report(a, who, "reported", "AUDIT-REPORT", "IRS Publication 1075; 5 U.S.C. 552a(c)",
	               q->partner, NULL, detail) < 0)
		rc = EX_IOERR;
	/* A checkpoint makes the entry provable at once; none is signed over a
	 * log that does not verify. */
	else if (done->verified && audit_checkpoint(a, stderr) < 0)
		rc = EX_IOERR;
	if (rc == 0 && !done->verified) {
		fprintf(stderr, "csgw: the audit log does not verify: %s\n", problem);
		rc = EX_DATAERR;
	}
out:
	audit_snapshot_end(a);
	free(problem);
	audit_close(a);
	cms_signer_free(signer);
	return rc;
}

struct counted {
	accounting_fn *fn;
	void *ctx;
	unsigned long n;
};

static int count_line(void *ctx, const struct accounting_line *l)
{
	struct counted *c = ctx;
	c->n++;
	return c->fn(c->ctx, l);
}

int compliance_accounting(struct setup *s, const struct caller *who, const char *ssn_digits,
                          const char *since, accounting_start_fn *start, accounting_fn *fn,
                          void *ctx, unsigned long *count)
{
	struct audit *a = NULL;
	struct cms_signer *signer = NULL;
	char key[256], subject[65];
	int rc = setup_subject_key(s, key, sizeof key);

	*count = 0;
	if (rc != 0)
		return rc;
	audit_subject_key(key, ssn_digits, subject);
	memset(key, 0, sizeof key);
	if ((rc = setup_audit_open(s, 0, true, &a, &signer)) != 0)
		return rc;
	/* An accounting from a log that does not verify says so first. */
	struct audit_state st;
	char *problem = NULL;
	int v = audit_snapshot_begin(a, stderr) < 0 ? -1 : verify_for_page(a, &st, &problem);
	if (v < 0) {
		fprintf(stderr, "%s", problem ? problem : "");
		free(problem);
		rc = EX_IOERR;
		goto out;
	}
	start(ctx, v == 0 ? NULL : problem);
	struct counted c = {fn, ctx, 0};
	int listed = accounting_list(a, subject, since, count_line, &c, stderr);
	audit_snapshot_end(a);
	if (listed < 0) {
		free(problem);
		rc = EX_IOERR;
		goto out;
	}
	*count = c.n;
	char detail[128];
	snprintf(detail, sizeof detail, "accounting of disclosures since %s: %lu",
	         since ? since : "the beginning", c.n);
	if (log_report(a, who, "accounted", "PRIVACY-ACCOUNTING", "5 U.S.C. 552a(c)", NULL, subject,
	               detail) < 0 ||
	    (v == 0 && audit_checkpoint(a, stderr) < 0))
		rc = EX_IOERR;
	else if (v > 0) {
		fprintf(stderr, "csgw: the audit log does not verify: %s\n", problem);
		rc = EX_DATAERR;
	}
	free(problem);
out:
	audit_close(a);
	cms_signer_free(signer);
	return rc;
}
