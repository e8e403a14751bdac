/*
 * casework_view.c - csgw locate|refer list and show: the ledger's
 * requests, and their answers shown through the disclosure policy as the
 * requester may see them (FTI marked, a protected person's whereabouts
 * replaced by the prohibition notice).  Showing FTI is an access the
 * audit log records.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd/casework.h"
#include "cmd/registry.h"
#include "core/audit.h"
#include "core/caller.h"
#include "core/field.h"
#include "core/policy_load.h"
#include "util/alloc.h"

static void when(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	if (t == 0)
		snprintf(out, size, "-");
	else
		strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

static bool overdue(const struct ledger_request *r)
{
	return (strcmp(r->status, "pending") == 0 || strcmp(r->status, "acknowledged") == 0) &&
	       r->due > 0 && r->due < (long long)time(NULL);
}

struct lister {
	struct ledger_db *db;
	unsigned n;
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
	char created[32], why[256], what[40];
	unsigned answers = 0;
	ledger_responses(l->db, r->id, count_response, &answers, why, sizeof why);
	if (strcmp(r->direction, "in") == 0 && answers > 0)
		answers--; /* the first is the request itself */
	when(r->created, created, sizeof created);
	if (r->serial[0])
		snprintf(what, sizeof what, "%s %s %s", r->function, r->action, r->reason);
	else
		snprintf(what, sizeof what, "FPLS %s", r->purpose);
	if (l->n++ == 0)
		printf("%-16s %-16s %-3s %-8s %-15s %-17s %-11s %-22s %s\n", "ID", "CREATED", "DIR",
		       "PARTNER", "CASE", "TRANSACTION", "SUBJECT", "STATUS", "ANSWERS");
	char status[40];
	snprintf(status, sizeof status, "%s%s", r->status, overdue(r) ? ", OVERDUE" : "");
	printf("%-16s %-16s %-3s %-8s %-15s %-17s %-11s %-22s %u\n", r->id, created, r->direction,
	       r->partner, r->case_id, what, r->subject_mask[0] ? r->subject_mask : "-", status,
	       answers);
	return 0;
}

static int list(struct setup *s, struct ledger_db *db, const char *kind, int argc, char **argv)
{
	static const struct option options[] = {
	    {"inbound", no_argument, NULL, 'i'},       {"outbound", no_argument, NULL, 'o'},
	    {"status", required_argument, NULL, 's'},  {"case", required_argument, NULL, 'c'},
	    {"partner", required_argument, NULL, 'p'}, {"overdue", no_argument, NULL, 'O'},
	    {"mine", no_argument, NULL, 'm'},          {NULL, 0, NULL, 0},
	};
	struct ledger_filter f = {.kind = kind};
	int c;
	(void)s;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'i':
			f.direction = "in";
			break;
		case 'o':
			f.direction = "out";
			break;
		case 's':
			f.status = optarg;
			break;
		case 'c':
			f.case_id = optarg;
			break;
		case 'p':
			f.partner = optarg;
			break;
		case 'O':
			f.due_before = (long long)time(NULL);
			break;
		case 'm':
			f.actor = caller_get()->user;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "csgw: unexpected '%s'\n", argv[optind]);
		return EX_USAGE;
	}
	struct lister l = {.db = db};
	char why[1024];
	if (db && ledger_requests(db, &f, list_row, &l, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		return EX_IOERR;
	}
	if (l.n == 0)
		printf("no %s requests%s\n", kind,
		       f.status || f.case_id || f.partner || f.due_before || f.actor || f.direction
		           ? " match"
		           : " yet");
	return 0;
}

/* ---- show ---- */

struct viewer {
	struct setup *s;
	struct policy *policy;
	struct registry reg;
	struct audit *audit;
	const struct ledger_request *req;
	unsigned n;
	int rc;
};

/* The registry as the policy asks it, plus the flags recorded for the
 * request's subject (a response may not carry the SSN). */
static unsigned flags_of(void *ctx, const char *ssn, const char *case_id)
{
	struct viewer *v = ctx;
	struct policy_registry pr = cmd_registry_for_policy(&v->reg);
	unsigned flags = pr.protections(pr.ctx, ssn, case_id);
	if (v->req->subject_key[0])
		flags |= registry_snapshot_protections(v->reg.snap, v->req->subject_key,
		                                       v->req->case_id);
	return flags;
}

static void case_of(void *ctx, const char *case_id, bool *closed, bool *owed)
{
	struct viewer *v = ctx;
	struct policy_registry pr = cmd_registry_for_policy(&v->reg);
	pr.case_status(pr.ctx, case_id, closed, owed);
}

static void log_fti_access(struct viewer *v, const struct ledger_response *resp,
                           const char *record_id)
{
	struct audit_entry a = {{0}};
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
	audit_entry_set(&a, "actor", caller_get()->user);
	if (audit_append(v->audit, &a, 1, stderr) < 0)
		v->rc = EX_IOERR;
}

static int show_response(void *ctx, const struct ledger_response *resp)
{
	struct viewer *v = ctx;
	const struct family *fam = mapping_family(v->s->set, resp->family);
	const struct record *recs[POLICY_MAX_LINES];
	const char *lines[POLICY_MAX_LINES];
	size_t n = 0;
	char *copy = xstrdup(resp->lines), *save = NULL, received[32];

	for (char *l = strtok_r(copy, "\n", &save); l && n < POLICY_MAX_LINES;
	     l = strtok_r(NULL, "\n", &save)) {
		const struct record *r = fam ? mapping_record_of_line(fam, l) : NULL;
		if (r && strlen(l) == r->length)
			recs[n] = r, lines[n++] = l;
	}
	when(resp->received, received, sizeof received);
	bool request_itself = strcmp(v->req->direction, "in") == 0 && v->n == 0;
	v->n++;
	if (request_itself)
		printf("\n  the request, received %s from %s (file %s):\n", received, resp->partner,
		       resp->file);
	else
		printf("\n  answer from %s, %s: %s%s%s (file %s)\n", resp->partner, received,
		       resp->source, resp->reason[0] ? " " : "", resp->reason, resp->file);
	if (n == 0 || fam == NULL) {
		printf("      (the recorded lines no longer match the %s mapping)\n", resp->family);
		free(copy);
		return 0;
	}
	struct policy_registry pr = {flags_of, case_of, v};
	struct policy_request req = {
	    .class = v->req->requester[0] ? v->req->requester : "iv-d-agency",
	    .purpose = v->req->purpose[0] ? v->req->purpose : "child-support",
	    .registry = &pr,
	};
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	req.today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	struct policy_record rec = {.family = fam, .records = recs, .lines = lines, .nlines = n};
	struct policy_decision d = {0};
	policy_decide(v->policy, &req, &rec, &d);
	const struct policy_source *notice = policy_notice_record(v->policy, fam->name);
	bool is_notice = notice && policy_words_has(&notice->record, recs[0]->id);
	if (d.effect == POLICY_PROHIBIT || is_notice) {
		printf("      DISCLOSURE PROHIBITED, COURT ONLY: %s\n",
		       v->policy->notice ? v->policy->notice : "");
		if (!is_notice)
			printf("      (%s, %s)\n", d.rule_id, d.citation);
		goto out;
	}
	if (d.effect == POLICY_DENY) {
		printf("      withheld from a %s requester for %s: %s (%s): %s\n", req.class,
		       req.purpose, d.rule_id, d.citation, d.reason);
		goto out;
	}
	int control = mapping_category_bit("control"), fti = mapping_category_bit("fti");
	bool fti_shown = false;
	for (size_t i = 0; i < d.nfields; i++) {
		const struct policy_field_decision *fd = &d.fields[i];
		if (control >= 0 && fd->categories == (1u << control))
			continue;
		char name[80], shown[128];
		snprintf(name, sizeof name, "%s.%s", recs[fd->line]->element, fd->field->name);
		if (fd->effect != POLICY_ALLOW) {
			printf("      %-38s (withheld: %s, %s)\n", name, fd->rule_id, fd->citation);
			continue;
		}
		/* As XML writes it (dates with dashes, amounts with a point),
		 * an SSN masked. */
		char text[FIELD_XML_MAX(512)];
		size_t len = 0;
		struct field_error fe;
		if (fd->field->len > 512 ||
		    field_fixed_to_xml(fd->field, lines[fd->line] + fd->field->at - 1, true, text,
		                       &len, &fe) < 0) {
			const char *start = NULL;
			len = field_trimmed(fd->field, lines[fd->line], &start);
			len = len < sizeof text ? len : sizeof text - 1;
			memcpy(text, start, len);
		}
		field_value_for_message(fd->field, text, len, shown, sizeof shown);
		bool is_fti = fti >= 0 && (fd->categories & (1u << fti));
		fti_shown |= is_fti;
		printf("      %-38s %s%s\n", name, shown,
		       is_fti ? "   [FTI: federal tax information, IRC 6103; no redisclosure]"
		              : "");
	}
	if (fti_shown && v->audit)
		log_fti_access(v, resp, recs[0]->id);
out:
	policy_decision_free(&d);
	free(copy);
	return 0;
}

static int show(struct setup *s, struct ledger_db *db, int argc, char **argv)
{
	struct ledger_request r;
	char why[1024], created[32], due[32], answered[32];
	if (argc != 2) {
		fputs("csgw: show needs one request id\n", stderr);
		return EX_USAGE;
	}
	int found = db ? ledger_request_get(db, argv[1], &r, why, sizeof why) : 1;
	if (found < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		return EX_IOERR;
	}
	if (found == 1) {
		fprintf(stderr, "csgw: no request %s (csgw locate list, csgw refer list)\n",
		        argv[1]);
		return EX_NOINPUT;
	}
	when(r.created, created, sizeof created);
	when(r.due, due, sizeof due);
	when(r.answered, answered, sizeof answered);
	printf("%s  %s %s %s\n", r.id, strcmp(r.direction, "in") == 0 ? "received from" : "sent to",
	       r.partner, r.serial[0] ? "(interstate)" : "(FPLS)");
	if (r.serial[0])
		printf("  transaction   %s %s %s, serial %s\n", r.function, r.action, r.reason,
		       r.serial);
	printf("  case          %s%s%s\n", r.case_id, r.other_case[0] ? ", their case " : "",
	       r.other_case);
	printf("  subject       %s\n", r.subject_mask[0] ? r.subject_mask : "-");
	printf("  purpose       %s, for a %s requester%s%s\n", r.purpose, r.requester,
	       r.court_order[0] ? " under order " : "", r.court_order);
	char uid[32] = "";
	if (r.actor_uid >= 0)
		snprintf(uid, sizeof uid, " (uid %lld)", r.actor_uid);
	printf("  status        %s%s (created %s by %s%s; due %s; last change %s)\n", r.status,
	       overdue(&r) ? ", OVERDUE" : "", created, r.actor, uid, due, answered);
	printf("  %s %s\n", strcmp(r.direction, "in") == 0 ? "delivered as " : "spool entry  ",
	       r.entry[0] ? r.entry : "-");

	struct viewer v = {.s = s, .req = &r};
	struct cms_signer *none = NULL;
	int rc = 0;
	if (policy_load(s->mappings_dir, s->set, &v.policy, stderr) < 0)
		return EX_CONFIG;
	if ((rc = cmd_registry_open(s, false, &v.reg)) != 0 ||
	    (rc = cmd_registry_snapshot(&v.reg)) != 0 ||
	    (rc = cmd_audit_open(s, 1, false, &v.audit, &none)) != 0)
		goto out;
	if (ledger_responses(db, r.id, show_response, &v, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		rc = EX_IOERR;
	} else if (v.n == 0 || (strcmp(r.direction, "in") == 0 && v.n == 1)) {
		printf("\n  no answer yet\n");
	}
	if (rc == 0)
		rc = v.rc;
out:
	audit_close(v.audit);
	cmd_registry_close(&v.reg);
	policy_free(v.policy);
	return rc;
}

/* A request nobody will answer any more: closed by a person, so it is
 * no longer overdue. */
static int close_request(struct ledger_db *db, int argc, char **argv)
{
	struct ledger_request r;
	char why[1024];
	if (argc != 2) {
		fputs("csgw: close needs one request id\n", stderr);
		return EX_USAGE;
	}
	int found = db ? ledger_request_get(db, argv[1], &r, why, sizeof why) : 1;
	if (found == 1 || (found == 0 && strcmp(r.direction, "out") != 0)) {
		fprintf(stderr, "csgw: no request %s was sent\n", argv[1]);
		return EX_NOINPUT;
	}
	if (found < 0 || ledger_request_set_status(db, r.id, "closed", (long long)time(NULL), why,
	                                           sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		return EX_IOERR;
	}
	printf("%s: closed (was %s); answers that still come are matched to it\n", r.id, r.status);
	return 0;
}

static int unmatched_row(void *ctx, const struct ledger_response *r)
{
	char received[32];
	if ((*(unsigned *)ctx)++ == 0)
		printf("%-6s %-16s %-8s %-9s %-12s %-13s %s\n", "N", "RECEIVED", "PARTNER",
		       "FAMILY", "ANSWER", "KEY", "FILE");
	when(r->received, received, sizeof received);
	char answer[24];
	snprintf(answer, sizeof answer, "%s%s%s", r->source, r->reason[0] ? " " : "", r->reason);
	printf("%-6lld %-16s %-8s %-9s %-12s %-13s %s\n", r->n, received, r->partner, r->family,
	       answer, r->key, r->file);
	return 0;
}

/* Answers that matched no request: listed, or one dismissed by a person
 * who has dealt with it (the delivered file is in the inbox). */
static int unmatched(struct ledger_db *db, int argc, char **argv)
{
	char why[1024];
	if (strcmp(argv[0], "dismiss") == 0) {
		char *end = NULL;
		long long n = argc == 2 ? strtoll(argv[1], &end, 10) : 0;
		if (argc != 2 || *end || n <= 0) {
			fputs("csgw: dismiss needs the N of an unmatched answer\n", stderr);
			return EX_USAGE;
		}
		int rc = db ? ledger_response_dismiss(db, n, why, sizeof why) : 1;
		if (rc < 0) {
			fprintf(stderr, "csgw: %s\n", why);
			return EX_IOERR;
		}
		if (rc == 1) {
			fprintf(stderr, "csgw: no unmatched answer %lld\n", n);
			return EX_NOINPUT;
		}
		printf("answer %lld: dismissed\n", n);
		return 0;
	}
	unsigned count = 0;
	if (db && ledger_responses(db, NULL, unmatched_row, &count, why, sizeof why) < 0) {
		fprintf(stderr, "csgw: %s\n", why);
		return EX_IOERR;
	}
	if (count == 0)
		printf("every answer matched a request\n");
	return 0;
}

int casework_view(struct globals *g, const char *kind, int argc, char **argv)
{
	struct setup s;
	struct ledger_db *db = NULL;
	int rc = cmd_setup(g, true, &s);
	if (rc)
		return rc;
	if ((rc = casework_ledger_open(&s, false, &db)) != 0)
		;
	else if (strcmp(argv[0], "list") == 0)
		rc = list(&s, db, kind, argc, argv);
	else if (strcmp(argv[0], "show") == 0)
		rc = show(&s, db, argc, argv);
	else if (strcmp(argv[0], "close") == 0)
		rc = close_request(db, argc, argv);
	else
		rc = unmatched(db, argc, argv);
	ledger_db_close(db);
	cmd_teardown(&s);
	return rc;
}
