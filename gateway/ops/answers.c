/*
 * answers.c - the ledger's requests and their answers as the requester
 * may see them (answers.h).
 */
#include "ops/answers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "core/audit.h"
#include "core/field.h"
#include "core/policy.h"
#include "core/policy_load.h"
#include "ops/registry.h"
#include "util/alloc.h"

/* The ledger to read: 0 and *db (NULL: nothing asked yet), or an exit code. */
static int ledger_read(const struct setup *s, struct ledger_db **db)
{
	return setup_ledger_open(s, false, db);
}

bool request_overdue(const struct ledger_request *r)
{
	return (strcmp(r->status, "pending") == 0 || strcmp(r->status, "acknowledged") == 0) &&
	       r->due > 0 && r->due < (long long)time(NULL);
}

struct lister {
	struct ledger_db *db;
	request_row_fn *row;
	void *ctx;
};

static int count_response(void *ctx, const struct ledger_response *r)
{
	(void)r;
	(*(unsigned *)ctx)++;
	return 0;
}

static int list_row(void *ctx, const struct ledger_request *r)
{
	struct lister *l = ctx;
	char why[256];
	unsigned answers = 0;
	ledger_responses(l->db, r->id, count_response, &answers, why, sizeof why);
	if (strcmp(r->direction, "in") == 0 && answers > 0)
		answers--; /* the first is the request itself */
	return l->row(l->ctx, r, answers);
}

int requests_list(struct setup *s, const struct ledger_filter *f, request_row_fn *row, void *ctx)
{
	struct lister l = {NULL, row, ctx};
	char why[1024];
	int rc = ledger_read(s, &l.db);
	if (rc == 0 && l.db && ledger_requests(l.db, f, list_row, &l, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	}
	ledger_db_close(l.db);
	return rc;
}

/* ---- show ---- */

struct viewer {
	const struct caller *who;
	struct setup *s;
	struct policy *policy;
	struct registry reg;
	struct audit *audit;
	const struct ledger_request *req;
	answer_fn *fn;
	void *ctx;
	unsigned n;
	int rc;
};

/* The registry as the policy asks it, plus the flags recorded for the
 * request's subject (a response may not carry the SSN). */
static unsigned flags_of(void *ctx, const char *ssn, const char *case_id)
{
	struct viewer *v = ctx;
	struct policy_registry pr = registry_for_policy(&v->reg);
	unsigned flags = pr.protections(pr.ctx, ssn, case_id);
	if (v->req->subject_key[0])
		flags |= registry_snapshot_protections(v->reg.snap, v->req->subject_key,
		                                       v->req->case_id);
	return flags;
}

static void case_of(void *ctx, const char *case_id, bool *closed, bool *owed)
{
	struct viewer *v = ctx;
	struct policy_registry pr = registry_for_policy(&v->reg);
	pr.case_status(pr.ctx, case_id, closed, owed);
}

static void log_fti_access(struct viewer *v, const struct ledger_response *resp,
                           const char *record_id)
{
	struct audit_entry a = {0};
	audit_entry_set(&a, "direction", "access");
	audit_entry_set(&a, "partner", resp->partner);
	audit_entry_set(&a, "purpose", v->req->purpose);
	audit_entry_set(&a, "family", resp->family);
	audit_entry_set(&a, "record_type", record_id);
	audit_entry_set(&a, "record_id", v->req->id);
	audit_entry_set(&a, "case_id", v->req->case_id);
	audit_entry_set(&a, "subject_key", v->req->subject_key);
	audit_entry_set(&a, "categories", "fti");
	audit_entry_set(&a, "decision", "shown");
	audit_entry_set(&a, "rule_id", "FTI-ACCESS");
	audit_entry_set(&a, "citation", "IRC 6103(p)(4); IRS Publication 1075");
	audit_entry_actor(&a, v->who);
	if (audit_append(v->audit, &a, 1, stderr) < 0)
		v->rc = EX_IOERR;
}

/* A field as XML writes it (dates with dashes, amounts with a point), an
 * SSN masked. */
static void shown_value(const struct field *f, const char *line, char *out, size_t size)
{
	char text[FIELD_XML_MAX(512)];
	size_t len = 0;
	struct field_error fe;
	if (f->len > 512 || field_fixed_to_xml(f, line + f->at - 1, true, text, &len, &fe) < 0) {
		const char *start = NULL;
		len = field_trimmed(f, line, &start);
		len = len < sizeof text ? len : sizeof text - 1;
		memcpy(text, start, len);
	}
	field_value_for_message(f, text, len, out, size);
}

/* The fields of a decision the requester may see (control fields left
 * out); *fti when one of those shown is FTI. */
static size_t fields_of(const struct policy_decision *d, const struct record *const *recs,
                        const char *const *lines, struct answer_field *out, bool *fti_shown)
{
	int control = mapping_category_bit("control"), fti = mapping_category_bit("fti");
	size_t n = 0;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct policy_field_decision *fd = &d->fields[i];
		if (control >= 0 && fd->categories == (1u << control))
			continue;
		struct answer_field *af = &out[n++];
		memset(af, 0, sizeof *af);
		snprintf(af->name, sizeof af->name, "%s.%s", recs[fd->line]->element,
		         fd->field->name);
		if (fd->effect != POLICY_ALLOW) {
			af->withheld = fd->rule_id;
			af->citation = fd->citation;
			continue;
		}
		shown_value(fd->field, lines[fd->line], af->shown, sizeof af->shown);
		af->fti = fti >= 0 && (fd->categories & (1u << fti));
		*fti_shown |= af->fti;
	}
	return n;
}

static int show_response(void *ctx, const struct ledger_response *resp)
{
	struct viewer *v = ctx;
	const struct family *fam = mapping_family(v->s->set, resp->family);
	const struct record *recs[POLICY_MAX_LINES];
	const char *lines[POLICY_MAX_LINES];
	size_t n = 0;
	char *copy = xstrdup(resp->lines), *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l && n < POLICY_MAX_LINES;
	     l = strtok_r(NULL, "\n", &save)) {
		const struct record *r = fam ? mapping_record_of_line(fam, l, strlen(l)) : NULL;
		if (r && strlen(l) == r->length)
			recs[n] = r, lines[n++] = l;
	}
	struct answer_view av = {
	    .resp = resp,
	    .request_itself = strcmp(v->req->direction, "in") == 0 && v->n == 0,
	    .requester = v->req->requester[0] ? v->req->requester : "iv-d-agency",
	    .purpose = v->req->purpose[0] ? v->req->purpose : "child-support",
	};
	v->n++;
	if (n == 0 || fam == NULL) {
		av.seen = ANSWER_UNREADABLE;
		v->fn(v->ctx, &av);
		free(copy);
		return 0;
	}
	struct policy_registry pr = {flags_of, case_of, v};
	struct policy_request req = {.class = av.requester, .purpose = av.purpose, .registry = &pr};
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	req.today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	struct policy_record rec = {.family = fam, .records = recs, .lines = lines, .nlines = n};
	struct policy_decision d = {0};
	policy_decide(v->policy, &req, &rec, &d);
	const struct policy_source *notice = policy_notice_record(v->policy, fam->name);
	bool is_notice = notice && policy_words_has(&notice->record, recs[0]->id);
	struct answer_field *fields = NULL;
	bool fti_shown = false;
	if (d.effect == POLICY_PROHIBIT || is_notice) {
		av.seen = ANSWER_PROHIBITED;
		av.notice = v->policy->notice ? v->policy->notice : "";
		if (!is_notice)
			av.rule = d.rule_id, av.citation = d.citation;
	} else if (d.effect == POLICY_DENY) {
		av.seen = ANSWER_DENIED;
		av.rule = d.rule_id, av.citation = d.citation, av.reason = d.reason;
	} else {
		fields = xcalloc(d.nfields ? d.nfields : 1, sizeof *fields);
		av.seen = ANSWER_SHOWN;
		av.fields = fields;
		av.nfields = fields_of(&d, recs, lines, fields, &fti_shown);
	}
	v->fn(v->ctx, &av);
	/* Shown, so logged: FTI seen by this person. */
	if (fti_shown && v->audit)
		log_fti_access(v, resp, recs[0]->id);
	free(fields);
	policy_decision_free(&d);
	free(copy);
	return 0;
}

/* A request by id: 0 and *r, or an exit code after saying why. */
static int request_get(struct ledger_db *db, const char *id, struct ledger_request *r)
{
	char why[1024];
	int found = db ? ledger_request_get(db, id, r, why, sizeof why) : 1;
	if (found < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		return EX_IOERR;
	}
	if (found == 1) {
		fprintf(stderr, "csgw: no request %s (csgw locate list, csgw refer list)\n", id);
		return EX_NOINPUT;
	}
	return 0;
}

int request_find(struct setup *s, const char *id, struct ledger_request *r)
{
	struct ledger_db *db = NULL;
	int rc = ledger_read(s, &db);
	if (rc == 0)
		rc = request_get(db, id, r);
	ledger_db_close(db);
	return rc;
}

int request_answers(const struct caller *who, struct setup *s, const struct ledger_request *r,
                    answer_fn *fn, void *ctx, unsigned *answers)
{
	struct ledger_db *db = NULL;
	struct viewer v = {.who = who, .s = s, .req = r, .fn = fn, .ctx = ctx};
	struct cms_signer *none = NULL;
	char why[1024];
	int rc = ledger_read(s, &db);
	if (rc)
		return rc;
	if (policy_load(s->mappings_dir, s->set, &v.policy, stderr) < 0) {
		rc = EX_CONFIG;
		goto out;
	}
	if ((rc = registry_open(s, false, &v.reg)) != 0 || (rc = registry_read(&v.reg)) != 0 ||
	    (rc = setup_audit_open(s, 1, false, &v.audit, &none)) != 0)
		goto out;
	if (db && ledger_responses(db, r->id, show_response, &v, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	}
	*answers = v.n > 0 && strcmp(r->direction, "in") == 0 ? v.n - 1 : v.n;
	if (rc == 0)
		rc = v.rc;
out:
	audit_close(v.audit);
	registry_close(&v.reg);
	policy_free(v.policy);
	ledger_db_close(db);
	return rc;
}

int request_close(struct setup *s, const char *id, struct ledger_request *r)
{
	struct ledger_db *db = NULL;
	char why[1024];
	int rc = ledger_read(s, &db);
	if (rc)
		return rc;
	int found = db ? ledger_request_get(db, id, r, why, sizeof why) : 1;
	if (found == 1 || (found == 0 && strcmp(r->direction, "out") != 0)) {
		fprintf(stderr, "csgw: no request %s was sent\n", id);
		rc = EX_NOINPUT;
	} else if (found < 0 ||
	           ledger_request_set_status(db, r->id, "closed", (long long)time(NULL), why,
	                                     sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	}
	ledger_db_close(db);
	return rc;
}

int unmatched_list(struct setup *s, ledger_response_fn *row, void *ctx)
{
	struct ledger_db *db = NULL;
	char why[1024];
	int rc = ledger_read(s, &db);
	if (rc == 0 && db && ledger_responses(db, NULL, row, ctx, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	}
	ledger_db_close(db);
	return rc;
}

int unmatched_dismiss(struct setup *s, long long n)
{
	struct ledger_db *db = NULL;
	char why[1024];
	int rc = ledger_read(s, &db);
	if (rc)
		return rc;
	int r = db ? ledger_response_dismiss(db, n, why, sizeof why) : 1;
	if (r < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	} else if (r == 1) {
		fprintf(stderr, "csgw: no unmatched answer %lld\n", n);
		rc = EX_NOINPUT;
	}
	ledger_db_close(db);
	return rc;
}
