/*
 * refer.c - an interstate transaction to another state (refer.h).
 */
#include "ops/refer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "core/audit.h"
#include "core/field.h"
#include "core/roles.h"
#include "core/unmap.h"
#include "util/alloc.h"
#include "util/ini.h"

/* A partner by name, or by its state's FIPS code. */
static const char *partner_named(const struct setup *s, const char *to)
{
	if (setup_partner_value(s, to, "class"))
		return to;
	for (size_t i = 0; s->conf.ini && i < s->conf.ini->nsections; i++) {
		const char *sec = s->conf.ini->sections[i].name;
		if (strncmp(sec, "partner ", 8) != 0)
			continue;
		const char *state = conf_value(&s->conf, sec, "state");
		if (state && strcmp(state, to) == 0)
			return sec + 8;
	}
	return to;
}

/* A transaction given as a file: the referral batch (csgw map referral
 * makes one from a fixed-width extract) with one transaction, whose data
 * blocks are sent and whose codes and case ids are defaults. */
struct given {
	const struct family *fam;
	unsigned transactions;
	char *lead;   /* the TH line */
	char **lines; /* its blocks */
	size_t n;
};

static int given_line(void *ctx, const char *line, size_t len)
{
	struct given *g = ctx;
	const struct record *r = mapping_record_of_line(g->fam, line, len);
	if (r == NULL || strcmp(r->id, "RH") == 0 || strcmp(r->id, "RT") == 0)
		return 0;
	if (strcmp(r->id, "TH") == 0) {
		if (g->transactions++ == 0)
			g->lead = xstrndup(line, len);
		return 0;
	}
	if (g->transactions == 1) {
		g->lines = xreallocarray(g->lines, g->n + 1, sizeof *g->lines);
		g->lines[g->n++] = xstrndup(line, len);
	}
	return 0;
}

static int read_given(const struct setup *s, const char *path, struct given *g)
{
	struct report rep = {.out = stderr, .file = path, .max = 10};
	struct unmap_limits lim = {0};
	struct batch_counts counts = {0};
	g->fam = mapping_family(s->set, "referral");
	enum map_status st =
	    unmap_read(s->set, path, s->test_env, &lim, &rep, given_line, g, &counts);
	report_finish(&rep);
	bool referral = counts.batch && counts.batch->family == g->fam;
	batch_counts_free(&counts);
	if (st == MAP_NO_INPUT)
		return EX_NOINPUT;
	if (st != MAP_OK)
		return EX_DATAERR;
	if (!referral || g->transactions != 1) {
		fprintf(stderr, "csgw refer: %s: expected a referral batch with one transaction\n",
		        path);
		return EX_DATAERR;
	}
	return 0;
}

/* A field of the given transaction, trimmed (caller frees), or NULL. */
static char *given_value(const struct given *g, const char *name)
{
	const struct field *f = mapping_field(mapping_record(g->fam, "TH"), name);
	const char *start = NULL;
	size_t n = f ? field_trimmed(f, g->lead, &start) : 0;
	return n ? xstrndup(start, n) : NULL;
}

int refer_send(const struct caller *who, struct setup *s, const struct refer_ask *ask,
               struct refer_sent *sent)
{
	memset(sent, 0, sizeof *sent);
	const char *to = ask->to, *respond = ask->respond_to, *file = ask->file,
	           *ssn_digits = ask->ssn_digits, *name = ask->name, *dob = ask->dob,
	           *purpose = ask->purpose;
	struct casework_txn t = ask->txn;
	/* The fields given, then those of --ssn, --name, --dob. */
	const char **fields = xcalloc(ask->nfields + 8, sizeof *fields);
	char *made[5] = {0};
	size_t nf = 0, nmade = 0;
	struct exchange x;
	struct compose comp = {0};
	struct given given = {0};
	char *from_file[6] = {0};
	for (size_t i = 0; i < ask->nfields; i++)
		fields[nf++] = ask->fields[i];
	int rc = exchange_open(s, who, stderr, NULL, &x);
	if (rc) {
		free(fields);
		return rc;
	}
	if (file && (rc = read_given(s, file, &given)) != 0)
		goto out;
	if (file) {
		char **v[] = {&from_file[0], &from_file[1], &from_file[2],
		              &from_file[3], &from_file[4], &from_file[5]};
		static const char *const names[] = {"functionCode", "actionCode",
		                                    "reasonCode",   "localCaseId",
		                                    "otherCaseId",  "transactionSerialNumber"};
		const char **into[] = {&t.function, &t.action,     &t.reason,
		                       &t.case_id,  &t.other_case, &t.serial};
		for (int i = 0; i < 6; i++) {
			*v[i] = given_value(&given, names[i]);
			if (*into[i] == NULL && i < 5)
				*into[i] = *v[i];
		}
		t.blocks = (const char *const *)given.lines;
		t.nblocks = given.n;
	}
	struct ledger_request theirs = {0};
	if (respond) {
		char why[1024];
		int found = ledger_request_get(x.ledger, respond, &theirs, why, sizeof why);
		if (found < 0) {
			fprintf(stderr, "csgw: %s\n", why);
			rc = EX_IOERR;
			goto out;
		}
		if (found == 1 || strcmp(theirs.direction, "in") != 0) {
			fprintf(stderr,
			        "csgw refer: --respond-to %s: no transaction received with that id "
			        "(csgw refer list --inbound)\n",
			        respond);
			rc = EX_USAGE;
			goto out;
		}
		to = theirs.partner;
		t.serial = theirs.serial;
		if (t.function == NULL)
			t.function = theirs.function;
		if (t.case_id == NULL)
			t.case_id = theirs.other_case[0] ? theirs.other_case : theirs.case_id;
		if (t.other_case == NULL)
			t.other_case = theirs.case_id;
	}
	if (to == NULL || t.function == NULL || t.action == NULL || t.reason == NULL ||
	    t.case_id == NULL) {
		fputs("csgw refer: --to, --function, --action, --reason and --case are needed\n",
		      stderr);
		sent->incomplete = true;
		rc = EX_USAGE;
		goto out;
	}
	bool answer = strcmp(t.action, "A") == 0 || strcmp(t.action, "P") == 0;
	/* A file's serial counts for responses only: a request gets a new one. */
	if (answer && t.serial == NULL && file)
		t.serial = from_file[5];
	if (answer && t.serial == NULL) {
		fputs("csgw refer: a response (A or P) carries the serial of the request it "
		      "answers: --serial N or --respond-to ID\n",
		      stderr);
		rc = EX_USAGE;
		goto out;
	}
	if (!answer && t.serial) {
		fputs("csgw refer: --serial is for responses (A or P); a new transaction gets a "
		      "new serial\n",
		      stderr);
		rc = EX_USAGE;
		goto out;
	}
	t.partner = partner_named(s, to);
	if (ssn_digits)
		fields[nf++] = made[nmade++] = xasprintf("ncpIdentification.ssn=%s", ssn_digits);
	if (name) {
		char *parts[3];
		if ((rc = casework_name_fields(name, "ncpIdentification", parts)) != 0)
			goto out;
		for (int i = 0; i < 3; i++)
			if (parts[i])
				fields[nf++] = made[nmade++] = parts[i];
	}
	if (dob)
		fields[nf++] = made[nmade++] = xasprintf("ncpIdentification.dateOfBirth=%s", dob);
	t.fields = fields;
	t.nfields = nf;
	if (purpose == NULL)
		purpose = exchange_purpose(s, t.partner);
	/* A person sends for the agency, for what their role may ask. */
	char why[1024];
	if (who->person &&
	    !roles_may_request(&s->conf, who->roles, "iv-d-agency", purpose, why, sizeof why)) {
		fprintf(stderr, "csgw: %s; not sent\n", why);
		rc = EX_NOPERM;
		goto out;
	}

	char serial[13], entry[SPOOL_ID_MAX];
	if ((rc = casework_transaction(&x, &t, &comp, serial)) != 0)
		goto out;
	char *label = xasprintf("%s %s %s %s for case %s", t.function, t.action, t.reason,
	                        t.serial ? t.serial : "(new)", t.case_id);
	rc = casework_submit(&x, &comp, t.partner, purpose, label, entry);
	free(label);
	if (rc)
		goto out;
	/* Queued: said even when the ledger fails to record it below. */
	snprintf(sent->serial, sizeof sent->serial, "%s", serial);
	snprintf(sent->function, sizeof sent->function, "%s", t.function);
	snprintf(sent->action, sizeof sent->action, "%s", t.action);
	snprintf(sent->reason, sizeof sent->reason, "%s", t.reason);
	snprintf(sent->partner, sizeof sent->partner, "%s", t.partner);
	snprintf(sent->case_id, sizeof sent->case_id, "%s", t.case_id);
	snprintf(sent->entry, sizeof sent->entry, "%s", entry);
	sent->answer = answer;
	if (answer && respond) {
		if (ledger_request_set_status(x.ledger, theirs.id,
		                              strcmp(t.action, "P") == 0 ? "answered"
		                                                         : "acknowledged",
		                              (long long)time(NULL), why, sizeof why) < 0)
			fprintf(stderr, "csgw: %s\n", why);
	}
	if (!answer) {
		struct ledger_request r = {0};
		snprintf(r.subject_mask, sizeof r.subject_mask, "%s", ask->ssn_masked);
		if (ssn_digits)
			audit_subject_key(x.reg.key, ssn_digits, r.subject_key);
		rc = casework_remember_txn(&x, &t, serial, purpose, entry, &r);
	}
out:
	compose_free(&comp);
	exchange_close(&x);
	for (size_t i = 0; i < given.n; i++)
		free(given.lines[i]);
	free(given.lines);
	free(given.lead);
	for (int i = 0; i < 6; i++)
		free(from_file[i]);
	for (size_t i = 0; i < nmade; i++)
		free(made[i]);
	free(fields);
	return rc;
}
