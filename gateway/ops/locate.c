/*
 * locate.c - a parent locate request (locate.h).
 */
#include "ops/locate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "core/audit.h"
#include "core/roles.h"
#include "ops/casework.h"
#include "util/alloc.h"
#include "util/ini.h"

/* What a locate request is, beside the decisions on what it discloses:
 * who asked for whom and how it ended (refused, or made under an order).
 * One audit entry. */
struct request_note {
	const char *partner, *purpose, *id, *case_id, *subject;
	const char *decision, *rule, *citation, *detail;
};

static int log_request(struct exchange *x, const struct request_note *n)
{
	struct audit_entry a = {0};
	audit_entry_set(&a, "direction", "request");
	audit_entry_set(&a, "partner", n->partner);
	audit_entry_set(&a, "purpose", n->purpose);
	audit_entry_set(&a, "family", "locate");
	audit_entry_set(&a, "record_type", "locate-request");
	audit_entry_set(&a, "record_id", n->id);
	audit_entry_set(&a, "case_id", n->case_id);
	audit_entry_set(&a, "subject_key", n->subject);
	audit_entry_set(&a, "decision", n->decision);
	audit_entry_set(&a, "rule_id", n->rule);
	audit_entry_set(&a, "citation", n->citation);
	audit_entry_actor(&a, x->who);
	audit_entry_set(&a, "detail", n->detail);
	return audit_append(x->audit, &a, 1, stderr);
}

/* The FPLS request: a locate-request batch of one FP record. */
static int compose_fpls(struct exchange *x, const char *partner, const char *id, const char *type,
                        const char *const *set, size_t nset, struct compose *c)
{
	const struct batch_type *bt = mapping_batch(x->s->set, "locate-request");
	const char *ours = conf_value(&x->s->conf, "gateway", "state");
	char batch[7], date[11], err[512];
	int rc = casework_batch_number(x, partner, "locate", batch);
	if (rc)
		return rc;
	casework_today(date);
	compose_begin(c, bt, x->s->test_env);
	size_t h = (size_t)compose_add(c, "FA"), fp = (size_t)compose_add(c, "FP");
	compose_add(c, "FZ");
	const char *head[][2] = {{"stateCode", ours},
	                         {"versionControlNumber", "00001"},
	                         {"batchNumber", batch},
	                         {"dateStamp", date}};
	for (size_t i = 0; i < 4; i++)
		if (compose_set(c, h, head[i][0], head[i][1], err, sizeof err) < 0)
			goto bad;
	const char *rec[][2] = {{"actionType", "A"},
	                        {"userField", id},
	                        {"locateRequestType", type},
	                        {"participantType", "NP"}};
	for (size_t i = 0; i < 4; i++)
		if (compose_set(c, fp, rec[i][0], rec[i][1], err, sizeof err) < 0)
			goto bad;
	for (size_t i = 0; i < nset; i++)
		if (compose_assign(c, fp, set[i], err, sizeof err) < 0)
			goto bad;
	compose_counts(c);
	return 0;
bad:
	fprintf(stderr, "csgw: %s\n", err);
	return EX_DATAERR;
}

static void add(char **set, size_t *n, char *assignment)
{
	set[(*n)++] = assignment;
}

int locate_request(const struct caller *who, struct setup *s, const struct locate_ask *ask,
                   struct locate_sent *sent)
{
	const char *case_id = ask->case_id, *name = ask->name, *dob = ask->dob, *sex = ask->sex,
	           *member = ask->member, *purpose = ask->purpose, *sources = ask->sources,
	           *partner = ask->partner, *order = ask->order, *digits = ask->ssn_digits,
	           *masked = ask->ssn_masked;
	const char *requester = ask->requester ? ask->requester : "iv-d-agency";
	char *set[24] = {0};
	size_t nset = 0;
	char subject[65] = "";
	struct exchange x;
	struct compose comp = {0};
	int rc = exchange_open(s, who, stderr, NULL, &x);
	if (rc)
		return rc;
	audit_subject_key(x.reg.key, digits, subject);
	if (partner == NULL && (partner = setup_federal_partner(s, "locate")) == NULL) {
		fprintf(stderr,
		        "csgw: no [partner] of class federal-office takes locate in %s; name "
		        "one with --partner\n",
		        setup_conf_name(s));
		rc = EX_CONFIG;
		goto out;
	}
	const char *cls = setup_partner_value(s, partner, "class");
	/* The federal office is the FPLS, whatever state code it is given. */
	const char *state = cls && strcmp(cls, "federal-office") == 0
	                        ? NULL
	                        : setup_partner_value(s, partner, "state");
	if (cls == NULL) {
		fprintf(stderr, "csgw: no [partner %s] in %s\n", partner, setup_conf_name(s));
		rc = EX_USAGE;
		goto out;
	}
	if (!state && !conf_list_has(setup_partner_value(s, partner, "families"), "locate")) {
		fprintf(stderr, "csgw: partner %s does not take locate requests (its families)\n",
		        partner);
		rc = EX_USAGE;
		goto out;
	}
	/* Who the answer is for must be authorized for the purpose. */
	const struct policy_class *rc_class = policy_class(x.policy, requester);
	if (!policy_words_has(&x.policy->purposes, purpose)) {
		fprintf(stderr, "csgw: --purpose %s: not a purpose of the policy (%s)\n", purpose,
		        x.policy->path);
		rc = EX_USAGE;
		goto out;
	}
	if (rc_class == NULL) {
		fprintf(stderr, "csgw: --requester %s: not a class of the policy (%s)\n", requester,
		        x.policy->path);
		rc = EX_USAGE;
		goto out;
	}
	if (!policy_words_has(&rc_class->purposes, purpose)) {
		fprintf(stderr,
		        "csgw: a locate for %s is not authorized for a %s requester (%s): it may "
		        "ask for %s only; not sent (the refusal is in the audit log)\n",
		        purpose, requester, rc_class->citation, rc_class->purposes.w[0]);
		log_request(&x, &(struct request_note){partner, purpose, NULL, case_id, subject,
		                                       "refused", POLICY_NOT_AUTHORIZED,
		                                       rc_class->citation, NULL});
		rc = EX_NOPERM;
		goto out;
	}
	/* Whom a person may ask for is configuration ([roles]); acting for a
	 * court or custody authority needs the order's reference. */
	char why[1024];
	if (who->person &&
	    !roles_may_request(&s->conf, who->roles, requester, purpose, why, sizeof why)) {
		fprintf(stderr, "csgw: %s; not sent (the refusal is in the audit log)\n", why);
		log_request(&x, &(struct request_note){partner, purpose, NULL, case_id, subject,
		                                       "refused", "ROLE-REQUESTER",
		                                       "45 CFR 303.21; 42 U.S.C. 663", why});
		rc = EX_NOPERM;
		goto out;
	}
	if (roles_order_required(&s->conf, requester) && order == NULL) {
		fprintf(stderr,
		        "csgw: acting for a %s requester needs the reference of its order or "
		        "request: --order NUMBER (42 U.S.C. 663)\n",
		        requester);
		rc = EX_USAGE;
		goto out;
	}
	const char *type = policy_locate_type(x.policy, purpose);
	if (type == NULL) {
		fprintf(stderr, "csgw: the policy names no locate request type for %s\n", purpose);
		rc = EX_CONFIG;
		goto out;
	}

	long long number = 0;
	char id[32], serial[13] = "", entry[SPOOL_ID_MAX];
	if (ledger_next(x.ledger, "locate", 1, &number, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
		goto out;
	}
	snprintf(id, sizeof id, "L-%06lld", number);
	if (member == NULL)
		member = id;
	char *names[3] = {NULL, NULL, NULL};
	if (state) {
		/* A quick locate: ncpIdentification of an LO1 transaction. */
		if ((rc = casework_name_fields(name, "ncpIdentification", names)) != 0)
			goto out;
		for (int i = 0; i < 3; i++)
			if (names[i])
				add(set, &nset, names[i]);
		add(set, &nset, xasprintf("ncpIdentification.ssn=%s", digits));
		if (dob)
			add(set, &nset, xasprintf("ncpIdentification.dateOfBirth=%s", dob));
		if (sex)
			add(set, &nset, xasprintf("ncpIdentification.sex=%s", sex));
		struct casework_txn t = {
		    .partner = partner,
		    .function = "LO1",
		    .action = "R",
		    .reason = "LRALL",
		    .case_id = case_id,
		    .fields = (const char *const *)set,
		    .nfields = nset,
		};
		rc = casework_transaction(&x, &t, &comp, serial);
	} else {
		if ((rc = casework_name_fields(name, "locateRequest", names)) != 0)
			goto out;
		for (int i = 0; i < 3; i++)
			if (names[i])
				add(set, &nset, names[i]);
		add(set, &nset, xasprintf("locateRequest.caseId=%s", case_id));
		add(set, &nset, xasprintf("locateRequest.memberId=%s", member));
		add(set, &nset, xasprintf("locateRequest.ssn=%s", digits));
		if (dob)
			add(set, &nset, xasprintf("locateRequest.dateOfBirth=%s", dob));
		if (sex)
			add(set, &nset, xasprintf("locateRequest.sex=%s", sex));
		char *list = xstrdup(sources ? sources : "ALL"), *save = NULL;
		int k = 0;
		for (char *w = strtok_r(list, ", ", &save); w && k < 8;
		     w = strtok_r(NULL, ", ", &save))
			add(set, &nset, xasprintf("locateRequest.locateSource%d=%s", ++k, w));
		free(list);
		rc = compose_fpls(&x, partner, id, type, (const char *const *)set, nset, &comp);
	}
	if (rc)
		goto out;
	/* The order goes into the log before the request can leave. */
	if (order) {
		char detail[256];
		snprintf(detail, sizeof detail, "for a %s requester under order %s", requester,
		         order);
		if (log_request(&x, &(struct request_note){partner, purpose, id, case_id, subject,
		                                           "requested", "COURT-ORDER",
		                                           "42 U.S.C. 663", detail}) < 0) {
			rc = EX_IOERR;
			goto out;
		}
	}
	char *label = xasprintf("locate request %s for case %s", id, case_id);
	rc = casework_submit(&x, &comp, partner, purpose, label, entry);
	free(label);
	if (rc)
		goto out;
	struct ledger_request r = {0};
	snprintf(r.id, sizeof r.id, "%s", id);
	snprintf(r.kind, sizeof r.kind, "locate");
	snprintf(r.direction, sizeof r.direction, "out");
	snprintf(r.partner, sizeof r.partner, "%s", partner);
	snprintf(r.case_id, sizeof r.case_id, "%s", case_id);
	snprintf(r.serial, sizeof r.serial, "%s", serial);
	if (serial[0]) {
		snprintf(r.function, sizeof r.function, "LO1");
		snprintf(r.action, sizeof r.action, "R");
		snprintf(r.reason, sizeof r.reason, "LRALL");
	}
	snprintf(r.purpose, sizeof r.purpose, "%s", purpose);
	snprintf(r.requester, sizeof r.requester, "%s", requester);
	snprintf(r.subject_key, sizeof r.subject_key, "%s", subject);
	snprintf(r.subject_mask, sizeof r.subject_mask, "%s", masked);
	snprintf(r.member_id, sizeof r.member_id, "%s", member);
	snprintf(r.status, sizeof r.status, "pending");
	snprintf(r.entry, sizeof r.entry, "%s", entry);
	snprintf(r.court_order, sizeof r.court_order, "%s", order ? order : "");
	if ((rc = casework_remember(&x, &r)) != 0)
		goto out;
	snprintf(sent->id, sizeof sent->id, "%s", id);
	snprintf(sent->partner, sizeof sent->partner, "%s", partner);
	snprintf(sent->serial, sizeof sent->serial, "%s", serial);
	snprintf(sent->entry, sizeof sent->entry, "%s", entry);
out:
	for (size_t i = 0; i < nset; i++)
		free(set[i]);
	compose_free(&comp);
	exchange_close(&x);
	return rc;
}
