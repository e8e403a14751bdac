/*
 * case.c - protections and case status, each change audited (case.h).
 */
#include "ops/case.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "core/audit.h"
#include "io/cms.h"
#include "ops/casework.h"
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
	struct registry_case before = *now;
	snprintf(now->enforcement, sizeof now->enforcement, "%s", c->enforcement);
	if (c->state_owed_arrears >= 0)
		now->state_owed_arrears = c->state_owed_arrears;
	now_text(now->updated, sizeof now->updated);
	snprintf(now->actor, sizeof now->actor, "%s", who->user);
	struct change_log log = {NULL, NULL};
	if ((rc = change_log_open(s, &log)) != 0)
		goto out;
	char decision[64];
	snprintf(decision, sizeof decision, "enforcement-%s%s", c->enforcement,
	         now->state_owed_arrears ? "+state-owed-arrears" : "");
	if (registry_case_set(reg.db, c->case_id, now, reg.why, sizeof reg.why) < 0) {
		fprintf(stderr, "csgw: %s\n", reg.why);
		rc = EX_IOERR;
	} else if (change_log_write(&log, who, "case", c->case_id, "", decision, "case-status",
	                            "45 CFR 303.11", c->reason) < 0) {
		registry_case_set(reg.db, c->case_id, &before, reg.why, sizeof reg.why);
		fprintf(stderr, "csgw: the change could not be logged, so it was undone\n");
		rc = EX_IOERR;
	}
	int closed = change_log_close(&log, rc == 0);
	if (rc == 0)
		rc = closed;
	/* Partner states on the case hear of its closure (DOMAIN.md 5.7). */
	*stands = rc == 0;
	if (rc == 0 && strcmp(before.enforcement, "closed") != 0 &&
	    strcmp(c->enforcement, "closed") == 0)
		rc = casework_case_closed(who, s, c->case_id);
out:
	registry_close(&reg);
	return rc;
}
