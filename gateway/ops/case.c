/*
 * case.c - protections and case status, each change audited (case.h).
 */
#include "ops/case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "core/audit.h"
#include "core/closure.h"
#include "io/cms.h"
#include "ops/closing.h"
#include "ops/offset.h"
#include "ops/registry.h"

/* The audit log a registry change goes into: opened before the change, so
 * that a log that cannot be opened stops the change. */
struct change_log {
	struct audit *audit;
	struct cms_signer *signer;
};

static int change_log_open(const struct setup *s, struct change_log *l)
{
	return setup_audit_open(s, 1, true, &l->audit, &l->signer);
}

/* The entry of one change; 0 or -1 after printing why. */
static int change_log_write(struct change_log *l, const struct caller *who, const char *record_type,
                            const char *case_id, const char *subject, const char *decision,
                            const char *rule, const char *citation, const char *reason)
{
	struct audit_entry e = {0};

	audit_entry_set(&e, "direction", "registry");
	audit_entry_set(&e, "record_type", record_type);
	audit_entry_set(&e, "case_id", case_id);
	audit_entry_set(&e, "subject_key", subject);
	audit_entry_set(&e, "decision", decision);
	audit_entry_set(&e, "rule_id", rule);
	audit_entry_set(&e, "citation", citation);
	audit_entry_actor(&e, who);
	audit_entry_set(&e, "detail", reason);
	return audit_append(l->audit, &e, 1, stderr);
}

/* Signs a checkpoint over the new entry (when there is one) and closes. */
static int change_log_close(struct change_log *l, bool written)
{
	int rc = written && l->audit && audit_checkpoint(l->audit, stderr) < 0 ? EX_IOERR : 0;
	audit_close(l->audit);
	cms_signer_free(l->signer);
	return rc;
}

static void now_text(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int protect_set(const struct caller *who, struct setup *s, const struct protect_change *c,
                bool *changed)
{
	struct registry reg = {0};
	char subject[65], when[32];
	int rc = registry_open(s, true, &reg);
	if (rc)
		return rc;
	audit_subject_key(reg.key, c->ssn_digits, subject);
	struct change_log log = {NULL, NULL};
	if ((rc = change_log_open(s, &log)) != 0)
		goto out;
	now_text(when, sizeof when);
	const char *in_case = c->case_id ? c->case_id : "";
	int same = registry_protect_set(reg.db, subject, in_case, c->flag, c->add, who->user, when,
	                                reg.why, sizeof reg.why);
	if (same < 0) {
		fprintf(stderr, "csgw: %s\n", reg.why);
		rc = EX_IOERR;
	} else if (same == 0 && change_log_write(&log, who, "protection", in_case, subject,
	                                         c->add ? "protect-add" : "protect-remove", c->flag,
	                                         "42 U.S.C. 654(26); 653(b)(2)", c->reason) < 0) {
		/* No change without its entry: undo it. */
		registry_protect_set(reg.db, subject, in_case, c->flag, !c->add, who->user, when,
		                     reg.why, sizeof reg.why);
		fprintf(stderr, "csgw: the change could not be logged, so it was undone\n");
		rc = EX_IOERR;
	}
	int closed = change_log_close(&log, rc == 0 && same == 0);
	if (rc == 0)
		rc = closed;
	*changed = same == 0;
out:
	registry_close(&reg);
	return rc;
}

int protect_list(struct setup *s, const char *ssn_digits, const char *case_id,
                 registry_protection_fn *row, void *ctx)
{
	struct registry reg = {0};
	char subject[65];
	int rc = registry_open(s, false, &reg);
	if (rc)
		return rc;
	if (ssn_digits)
		audit_subject_key(reg.key, ssn_digits, subject);
	if (reg.db && registry_protections(reg.db, ssn_digits ? subject : NULL, case_id, row, ctx,
	                                   reg.why, sizeof reg.why) < 0) {
		fprintf(stderr, "csgw: %s\n", reg.why);
		rc = EX_IOERR;
	}
	registry_close(&reg);
	return rc;
}

/* The case as recorded: 0 (known) or 1 (not in the registry: open), or an
 * exit code. */
static int case_get(struct registry *reg, const char *case_id, struct registry_case *now)
{
	*now = (struct registry_case){.enforcement = "open"};
	int known =
	    reg->db ? registry_case_get(reg->db, case_id, now, reg->why, sizeof reg->why) : 1;
	if (known < 0) {
		fprintf(stderr, "csgw: %s\n", reg->why);
		return EX_IOERR;
	}
	return known;
}

int case_show(struct setup *s, const char *case_id, struct registry_case *now, bool *known)
{
	struct registry reg = {0};
	int rc = registry_open(s, false, &reg);
	if (rc == 0 && (rc = case_get(&reg, case_id, now)) <= 1) {
		*known = rc == 0;
		rc = 0;
	}
	registry_close(&reg);
	return rc;
}

/* The facts of c applied to *now; whether anything changed. */
static bool apply_facts(const struct case_change *c, struct registry_case *now)
{
	struct registry_case was = *now;
	if (c->enforcement && strcmp(c->enforcement, "open") == 0)
		snprintf(now->enforcement, sizeof now->enforcement, "open");
	if (c->opened_by)
		snprintf(now->opened_by, sizeof now->opened_by, "%s", c->opened_by);
	if (c->assistance)
		snprintf(now->assistance, sizeof now->assistance, "%s", c->assistance);
	if (c->arrears_family >= 0)
		now->arrears_family = c->arrears_family;
	if (c->arrears_state >= 0) {
		now->arrears_state = c->arrears_state;
		now->state_owed_arrears = c->arrears_state > 0;
	}
	if (c->state_owed_arrears >= 0)
		now->state_owed_arrears = c->state_owed_arrears;
	if (c->payment_processing)
		snprintf(now->payment_processing, sizeof now->payment_processing, "%s",
		         c->payment_processing);
	return memcmp(&was, now, sizeof was) != 0 || c->remedy;
}

static void facts_text(const struct case_change *c, const struct registry_case *n, char *out,
                       size_t size)
{
	snprintf(out, size,
	         "%s%sopened by %s; assistance %s; arrears owed to the family $%lld, to the "
	         "state $%lld; payment processing %s%s%s%s",
	         c->reason ? c->reason : "", c->reason ? "; " : "",
	         n->opened_by[0] ? n->opened_by : "(unknown)",
	         n->assistance[0] ? n->assistance : "(unknown)", n->arrears_family,
	         n->arrears_state, n->payment_processing[0] ? n->payment_processing : "open",
	         c->remedy ? "; " : "", c->remedy ? c->remedy : "", c->remedy ? " in force" : "");
}

int case_set(const struct caller *who, struct setup *s, const struct case_change *c,
             struct registry_case *now, bool *stands)
{
	*stands = false;
	struct registry reg = {0};
	int rc = registry_open(s, true, &reg);
	if (rc)
		return rc;
	if ((rc = case_get(&reg, c->case_id, now)) > 1)
		goto out;
	rc = 0;
	struct registry_case before =
	    *now; /* Asked again for a closed case, the closure still finishes one a
	           * kill left midway (closing_run recovers first). */
	bool closing = c->enforcement && strcmp(c->enforcement, "closed") == 0;
	bool pp_closing = c->payment_processing && strcmp(c->payment_processing, "closed") == 0 &&
	                  strcmp(before.payment_processing, "closed") != 0;
	struct change_log log = {NULL, NULL};
	if ((rc = change_log_open(s, &log)) != 0)
		goto out;
	char why[320], detail[640];
	if (pp_closing && closure_payment_processing(c->requested_by, why, sizeof why) < 0) {
		snprintf(detail, sizeof detail, "%s; refused: %s", c->reason ? c->reason : "", why);
		change_log_write(&log, who, "case", c->case_id, "", "payment-processing-refused",
		                 "payment-processing", "45 CFR 303.11; DOMAIN.md 5.7", detail);
		fprintf(stderr, "csgw: case %s: payment processing stays open: %s\n", c->case_id,
		        why);
		change_log_close(&log, true);
		rc = EX_NOPERM;
		goto out;
	}
	bool changed = apply_facts(c, now);
	if (changed) {
		now_text(now->updated, sizeof now->updated);
		snprintf(now->actor, sizeof now->actor, "%s", who->user);
		char decision[64];
		snprintf(decision, sizeof decision, "enforcement-%s%s", now->enforcement,
		         now->state_owed_arrears ? "+state-owed-arrears" : "");
		facts_text(c, now, detail, sizeof detail);
		if (registry_case_set(reg.db, c->case_id, now, reg.why, sizeof reg.why) < 0 ||
		    (c->remedy &&
		     registry_remedy_set(reg.db, c->case_id, c->remedy, now->updated, "", who->user,
		                         reg.why, sizeof reg.why) < 0)) {
			fprintf(stderr, "csgw: %s\n", reg.why);
			rc = EX_IOERR;
		} else if (change_log_write(&log, who, "case", c->case_id, "", decision,
		                            "case-status", "45 CFR 303.11", detail) < 0) {
			registry_case_set(reg.db, c->case_id, &before, reg.why, sizeof reg.why);
			fprintf(stderr, "csgw: the change could not be logged, so it was undone\n");
			rc = EX_IOERR;
		}
	}
	int closed = change_log_close(&log, rc == 0 && changed);
	if (rc == 0)
		rc = closed;
	*stands = rc == 0;
	registry_close(&reg);
	if (rc == 0 && closing) {
		/* The closure's releases and notices, whole or not at all. */
		struct closing_request rq = {c->case_id, c->requested_by, c->reason};
		struct registry_case facts = *now;
		rc = closing_run(who, s, &rq, &facts, now);
		*stands = rc == 0;
	}
	return rc;
out:
	registry_close(&reg);
	return rc;
}

struct remedy_lister {
	case_remedy_fn *fn;
	void *ctx;
};

static void state_remedy(void *ctx, const char *remedy, const char *since, const char *released,
                         const char *actor)
{
	struct remedy_lister *l = ctx;
	(void)actor;
	l->fn(l->ctx, remedy, since, released);
}

int case_remedies(struct setup *s, const char *case_id, const struct registry_case *c,
                  case_remedy_fn *fn, void *ctx)
{
	char *spool = conf_path(&s->conf, "gateway", "spool");
	struct offset_held held[2];
	size_t n = 0;
	char why[512];
	int rc = 0;
	if (spool && offset_held_of(s, spool, case_id, held, &n, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t r = 0; r < OFFSET_REMEDIES; r++) {
			const struct offset_held *h = &held[i];
			bool passport = strcmp(offset_remedy_codes[r], "PAS") == 0;
			if (h->cert.excluded[r] || (passport && !closure_passport_due(c)))
				continue;
			char name[96];
			snprintf(name, sizeof name, "%s (%s certification)", offset_remedy_names[r],
			         h->cert.case_type == 'A' ? "TANF" : "non-TANF");
			fn(ctx, name, h->since, h->released);
		}
	free(spool);
	struct registry reg = {0};
	struct remedy_lister l = {fn, ctx};
	if (rc == 0 && (rc = registry_open(s, false, &reg)) == 0 && reg.db &&
	    registry_remedies(reg.db, case_id, state_remedy, &l, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	}
	registry_close(&reg);
	return rc;
}
