/*
 * policy.c - csgw policy explain | check; csgw protect; csgw case.
 *
 * explain shows, for each record and each field of an XML batch, the
 * decision of the disclosure policy for one recipient and purpose, its rule
 * and citation (ops/disclosure.h).  protect and case feed the registry the
 * policy reads (ops/case.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/caller.h"
#include "core/closure.h"
#include "core/policy.h"
#include "core/retention.h"
#include "core/ssn.h"
#include "ops/case.h"
#include "ops/disclosure.h"
#include "util/alloc.h"
#include "util/progress.h"

static const char policy_usage[] =
    "usage: csgw [-c FILE] policy explain FILE.xml (--partner NAME | --class CLASS\n"
    "                 [--interstate]) --purpose PURPOSE [--record N]\n"
    "                 [--transaction KIND] [--verified] [--matched]\n"
    "                 [--entered YYYY-MM-DD] [--tag FIELD=CATEGORY[,CATEGORY...]]\n"
    "       csgw [-c FILE] policy apply FILE.xml --partner NAME --purpose PURPOSE\n"
    "                 -o OUT.xml [--quiet] [the fact options of explain]\n"
    "       csgw [-c FILE] policy check\n"
    "\n"
    "explain: decides every record of the batch (or record N only) as the\n"
    "gateway would before sending it to that partner, or to a recipient of\n"
    "that class, for that purpose, and shows each field's decision with the\n"
    "rule and its legal citation. Nothing is sent or logged; no values are\n"
    "shown. Protections (csgw protect) and case status (csgw case) are read\n"
    "from the registry of gateway.conf.\n"
    "  --partner NAME    the class of [partner NAME]; another state when its\n"
    "                    'state' differs from ours\n"
    "  --class CLASS     a recipient class instead (--interstate: another state)\n"
    "  --purpose P       child-support, parental-kidnapping, custody-visitation,\n"
    "                    child-welfare or program-eligibility\n"
    "  --transaction K   a kind the record cannot show (tax-refund-offset)\n"
    "  --verified        NDNH and FCR data in it were independently verified\n"
    "  --matched         its quarterly wage or UI data produced a match\n"
    "  --entered DATE    when its NDNH data entered the directory\n"
    "  --tag F=C         field F also carries category C (it came from the IRS:\n"
    "                    fti; from NDNH: ndnh; from the bank match: fidm)\n"
    "\n"
    "apply: writes OUT.xml, what of the batch may go to that partner for that\n"
    "purpose: redacted fields left out, denied records left out, prohibited\n"
    "records replaced by the family's notice (locate: FN), counts set to what\n"
    "remains. Every decision is an entry of the audit log (rule, citation,\n"
    "categories sent, OUT.xml's SHA-256) and a checkpoint is signed; if the\n"
    "log cannot take them, OUT.xml is removed. Exit 65 when nothing may go.\n"
    "\n"
    "check: loads mappings/policy/policy.xml, validates it against its schema\n"
    "and checks every reference; prints each problem as FILE:LINE.\n"
    "\n"
    "Exit 0 explained or good, 64 usage, 65 the batch is not valid, 66 no\n"
    "input, 74 the registry cannot be read, 78 the policy has problems.\n";

static const char protect_usage[] =
    "usage: csgw [-c FILE] protect add --ssn SSN [--case CASE] --flag FLAG [--reason TEXT]\n"
    "       csgw [-c FILE] protect remove --ssn SSN [--case CASE] --flag FLAG --reason TEXT\n"
    "       csgw [-c FILE] protect list [--ssn SSN] [--case CASE]\n"
    "\n"
    "Records that a person is protected: with the family violence indicator\n"
    "nothing of their whereabouts leaves the gateway except to a court; with\n"
    "a nondisclosure finding or protective order, their and the child's\n"
    "whereabouts never go to the other party. Without --case it holds for\n"
    "every case of that person. The registry keeps the SSN's keyed hash\n"
    "(subject_key), never the SSN; each change is an audit log entry, with its\n"
    "reason (needed to remove one). FLAG: family-violence, nondisclosure or\n"
    "protective-order. Run by a person: add and remove need the supervisor role,\n"
    "list the supervisor or compliance role.\n";

static const char case_usage[] =
    "usage: csgw [-c FILE] case set CASE [--enforcement open|closed] [--reason TEXT]\n"
    "                 [--requested-by PARTY] [--opened-by PARTY]\n"
    "                 [--assistance none|tanf|medicaid] [--arrears-family DOLLARS]\n"
    "                 [--arrears-state DOLLARS] [--payment-processing open|closed]\n"
    "                 [--remedy license-suspension|bank-lien]\n"
    "                 [--state-owed-arrears | --no-state-owed-arrears]\n"
    "       csgw [-c FILE] case show CASE\n"
    "\n"
    "Records a case's facts: who opened it (PARTY: custodial-party,\n"
    "noncustodial-parent, other-state, court, tanf-referral, medicaid-referral),\n"
    "current cash assistance or Medicaid, arrears owed to the family and to the\n"
    "state, state remedies in force. With enforcement closed, no enforcement\n"
    "transaction for the case leaves the gateway; collection and payment\n"
    "processing go on, and the federal tax refund offset only while past-due\n"
    "support is owed to the state.\n"
    "A closure asked by a party (--requested-by) is refused (exit 77, logged)\n"
    "unless that party opened the case; any closure is refused while the case\n"
    "has current cash assistance or Medicaid. An accepted closure queues, whole\n"
    "or not at all: the Federal Offset Program records that release the case's\n"
    "certifications (a delete; for TANF arrears owed to the state, every remedy\n"
    "but the tax refund offset excluded), an MSC status change C for each\n"
    "partner state on the case, and a release notice of license suspensions and\n"
    "bank liens in SPOOL/inbox/release/ for the state system.\n"
    "Payment processing closes only at the request of a court or an agency\n"
    "(--requested-by court|agency). show lists the facts, the passport denial\n"
    "threshold ($2,500) and every remedy, in force or released, with dates.\n"
    "Each change is an audit log entry; closing needs --reason, kept in it.\n"
    "Run by a person: set needs the supervisor role, show the caseworker or\n"
    "supervisor role.\n";

/* ---- policy check ---- */

static int policy_check(struct setup *s)
{
	struct policy *p;
	int rc = disclosure_policy(s, &p);
	if (rc)
		return rc;
	printf("%s: ok: %zu classes, %zu purposes, %zu grants, %zu limits, %zu provenance "
	       "rules\n",
	       p->path, p->nclasses, p->purposes.n, p->ngrants, p->nlimits, p->nprovenance);
	policy_free(p);
	/* The retention periods live beside it (csgw purge). */
	struct retention *r;
	if (retention_load(s->mappings_dir, s->set, &r, stderr) < 0)
		return EX_CONFIG;
	printf("%s: ok: %zu retention periods\n", r->path, r->count);
	retention_free(r);
	return 0;
}

/* ---- policy explain ---- */

static int parse_date(const char *s, int *ymd)
{
	int y, m, d;
	char end;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*ymd = y * 10000 + m * 100 + d;
	return 0;
}

static int today_ymd(void)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* What explain prints each decision with. */
struct shown {
	const struct policy *p;
	const struct policy_request *req;
	const char *to;
	unsigned long n;
};

static void print_decision(void *ctx, unsigned long number, const struct policy_record *rec,
                           const struct policy_decision *d)
{
	struct shown *sh = ctx;
	const struct policy *p = sh->p;
	const struct policy_request *req = sh->req;
	const char *to = sh->to;
	char text[256];

	if (sh->n++)
		putchar('\n');

	printf("record %lu: %s (%s)\n", number, rec->records[0]->element, rec->records[0]->id);
	printf("  to %s (%s%s) for %s\n", to, req->class, req->interstate ? ", another state" : "",
	       req->purpose);
	if (d->subject) {
		policy_subject_flags_text(d->subject, text, sizeof text);
		printf("  subject: %s\n", text);
	}
	printf("  decision: %s, rule %s (%s)\n", policy_effect_name(d->effect), d->rule_id,
	       d->citation);
	printf("  reason: %s\n", d->reason);
	if (d->effect == POLICY_PROHIBIT)
		printf("  notice sent instead: %s\n", p->notice ? p->notice : "");
	policy_categories_text(d->sent, text, sizeof text);
	printf("  categories sent: %s\n", text[0] ? text : "(none)");
	printf("  %-4s %-26s %-22s %-8s %-22s %s\n", "REC", "FIELD", "CATEGORIES", "DECISION",
	       "RULE", "CITATION");
	for (size_t i = 0; i < d->nfields; i++) {
		const struct policy_field_decision *f = &d->fields[i];
		policy_categories_text(f->categories, text, sizeof text);
		for (char *sp = text; (sp = strchr(sp, ' ')) != NULL;)
			*sp = ','; /* one column: the table stays easy to read by scripts */
		printf("  %-4s %-26s %-22s %-8s %-22s %s\n", rec->records[f->line]->id,
		       f->field->name, text, policy_effect_name(f->effect), f->rule_id,
		       f->citation);
	}
}

static int parse_tag(struct disclosure_ask *x, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg || x->req.ntags == 16) {
		fprintf(stderr, "csgw: --tag '%s': expected FIELD=CATEGORY[,CATEGORY...]\n", arg);
		return EX_USAGE;
	}
	unsigned bits = 0;
	for (const char *c = eq + 1; *c;) {
		size_t n = strcspn(c, ",");
		char name[32];
		snprintf(name, sizeof name, "%.*s", (int)n, c);
		int b = mapping_category_bit(name);
		if (b < 0) {
			fprintf(stderr, "csgw: --tag %s: '%s' is not a data category\n", arg, name);
			return EX_USAGE;
		}
		bits |= 1u << b;
		c += n + (c[n] == ',');
	}
	x->tag_field[x->req.ntags] = xstrndup(arg, (size_t)(eq - arg));
	x->tag_categories[x->req.ntags++] = bits;
	return 0;
}

/* Runs explain, or apply when 'apply' (with a progress line unless 'quiet'). */
static int policy_run(struct setup *s, bool quiet, int argc, char **argv, bool apply)
{
	static const struct option options[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"partner", required_argument, NULL, 'p'},
	    {"class", required_argument, NULL, 'C'},
	    {"interstate", no_argument, NULL, 'i'},
	    {"purpose", required_argument, NULL, 'u'},
	    {"record", required_argument, NULL, 'r'},
	    {"transaction", required_argument, NULL, 't'},
	    {"verified", no_argument, NULL, 'v'},
	    {"matched", no_argument, NULL, 'm'},
	    {"entered", required_argument, NULL, 'e'},
	    {"tag", required_argument, NULL, 'g'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	struct disclosure_ask x = {.req = {.today = today_ymd()}};
	struct policy *p = NULL;
	int c, rc = 0;
	char *end;

	x.req.tag_field = x.tag_field;
	x.req.tag_categories = x.tag_categories;
	optind = 0; /* 0, not 1: GNU getopt then resets its state */
	while (rc == 0 && (c = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			x.output = optarg;
			break;
		case 'p':
			x.partner = optarg;
			break;
		case 'C':
			x.req.class = optarg;
			break;
		case 'i':
			x.req.interstate = true;
			break;
		case 'u':
			x.req.purpose = optarg;
			break;
		case 'r':
			x.only = strtoul(optarg, &end, 10);
			if (*end || x.only == 0) {
				fprintf(stderr, "csgw: --record '%s': expected a number from 1\n",
				        optarg);
				rc = EX_USAGE;
			}
			break;
		case 't':
			x.req.transaction = optarg;
			break;
		case 'v':
			x.req.verified = true;
			break;
		case 'm':
			x.req.matched = true;
			break;
		case 'e':
			if (parse_date(optarg, &x.req.entered) < 0) {
				fprintf(stderr, "csgw: --entered '%s': expected YYYY-MM-DD\n",
				        optarg);
				rc = EX_USAGE;
			}
			break;
		case 'g':
			rc = parse_tag(&x, optarg);
			break;
		case 'q':
			quiet = true;
			break;
		default:
			rc = EX_USAGE;
		}
	}
	if (rc == 0 && (optind + 1 != argc || !x.req.purpose || !x.partner == !x.req.class ||
	                (x.partner && x.req.interstate) ||
	                (apply && (!x.partner || !x.output || x.only)) || (!apply && x.output))) {
		fputs(policy_usage, stderr);
		rc = EX_USAGE;
	}
	if (rc)
		goto out;
	x.file = argv[optind];
	if ((rc = cmd_input_file(x.file)) != 0)
		goto out;
	if ((rc = disclosure_prepare(s, &x, &p)) != 0)
		goto out;
	if (!apply) {
		struct shown shown = {p, &x.req, x.partner ? x.partner : "a recipient", 0};
		rc = disclosure_explain(s, p, &x, print_decision, &shown);
		goto out;
	}
	struct disclose_counts n;
	progress_enable(quiet);
	progress_file("policy apply", x.file);
	rc = disclosure_apply(caller_get(), s, p, &x, &n);
	progress_end();
	if (rc != 0)
		goto out;
	printf("%s: %lu records for %s (%s) for %s: %lu allowed, %lu redacted, %lu denied, "
	       "%lu prohibited (%lu notices); each decision logged\n",
	       x.file, n.records, x.partner, x.req.class, x.req.purpose, n.allowed, n.redacted,
	       n.denied, n.prohibited, n.notices);
	if (n.sha256[0]) {
		printf("wrote %s (sha256 %s)\n", x.output, n.sha256);
	} else {
		printf("nothing may be sent: no output written\n");
		rc = EX_DATAERR;
	}
out:
	for (size_t i = 0; i < x.req.ntags; i++)
		free((char *)x.tag_field[i]);
	policy_free(p);
	return rc;
}

int cmd_policy(struct globals *g, int argc, char **argv)
{
	struct setup s;
	int rc;

	if (cmd_want_help(argc, argv, policy_usage))
		return 0;
	if (argc < 2 ||
	    (strcmp(argv[1], "explain") != 0 && strcmp(argv[1], "apply") != 0 &&
	     strcmp(argv[1], "check") != 0) ||
	    (strcmp(argv[1], "check") == 0 && argc != 2)) {
		fputs(policy_usage, stderr);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, false, &s)) != 0)
		return rc;
	if (strcmp(argv[1], "check") == 0)
		rc = policy_check(&s);
	else
		rc = policy_run(&s, g->quiet, argc - 1, argv + 1, strcmp(argv[1], "apply") == 0);
	setup_free(&s);
	return rc;
}

/* ---- protect and case: registry changes, each audited (ops/case.h) ---- */

/* --reason: one line a person reads a year later, in the audit entry. */
static int reason_option(const char *arg)
{
	size_t n = strlen(arg);
	if (n < 3 || n > 200 || strpbrk(arg, "\r\n")) {
		fputs("csgw: --reason: expected 3 to 200 characters on one line (why the change "
		      "is made; it is kept in the audit log)\n",
		      stderr);
		return EX_USAGE;
	}
	return 0;
}

static int case_id_option(const char *arg)
{
	size_t n = strlen(arg);
	if (n == 0 || n > 15 || strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n) {
		fprintf(stderr,
		        "csgw: case id '%.20s': expected 1 to 15 upper-case letters or "
		        "digits\n",
		        arg);
		return EX_USAGE;
	}
	return 0;
}

struct lister {
	const char *masked;
	unsigned long rows;
};

static void print_protection(void *ctx, const char *subject, const char *case_id, const char *flag,
                             const char *since, const char *actor)
{
	struct lister *l = ctx;
	char who[32];
	if (l->rows++ == 0)
		printf("%-16s %-15s %-17s %-20s %s\n", "SUBJECT", "CASE", "FLAG", "SINCE", "BY");
	if (l->masked)
		snprintf(who, sizeof who, "%s", l->masked);
	else /* no SSN is kept: the start of its keyed hash */
		snprintf(who, sizeof who, "key %.12s", subject);
	printf("%-16s %-15s %-17s %-20s %s\n", who, case_id[0] ? case_id : "(every case)", flag,
	       since, actor);
}

int cmd_protect(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"ssn", required_argument, NULL, 's'},
	    {"case", required_argument, NULL, 'c'},
	    {"flag", required_argument, NULL, 'f'},
	    {"reason", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *ssn = NULL, *case_id = NULL, *flag = NULL, *reason = NULL;
	char digits[10] = "", masked[SSN_MASK_SIZE];
	struct setup s;
	int c, rc = 0;

	if (cmd_want_help(argc, argv, protect_usage))
		return 0;
	const char *verb = argc > 1 ? argv[1] : "";
	bool list = strcmp(verb, "list") == 0, add = strcmp(verb, "add") == 0;
	if (!list && !add && strcmp(verb, "remove") != 0) {
		fputs(protect_usage, stderr);
		return EX_USAGE;
	}
	optind = 0; /* 0, not 1: GNU getopt then resets its state */
	while (rc == 0 && (c = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
		switch (c) {
		case 's':
			ssn = optarg;
			break;
		case 'c':
			case_id = optarg;
			rc = case_id_option(optarg);
			break;
		case 'r':
			reason = optarg;
			rc = reason_option(optarg);
			break;
		case 'f':
			flag = optarg;
			if (policy_subject_flag(flag) == 0) {
				fprintf(stderr,
				        "csgw: --flag '%s': expected family-violence, "
				        "nondisclosure or protective-order\n",
				        flag);
				rc = EX_USAGE;
			}
			break;
		default:
			rc = EX_USAGE;
		}
	}
	if (rc == 0 && case_id && flag && strcmp(flag, "family-violence") == 0) {
		fputs("csgw: the family violence indicator holds for the person in every case "
		      "(42 U.S.C. 654(26)); give no --case\n",
		      stderr);
		rc = EX_USAGE;
	}
	if (rc == 0 && (optind != argc - 1 || (!list && (!ssn || !flag)) || (list && flag))) {
		fputs(protect_usage, stderr);
		rc = EX_USAGE;
	}
	if (rc == 0 && !list && !add && reason == NULL) {
		fputs("csgw: protect remove: --reason TEXT is needed (why the protection ends; it "
		      "is kept in the audit log)\n",
		      stderr);
		rc = EX_USAGE;
	}
	if (rc)
		return rc;
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	if (ssn && (rc = cmd_ssn_option(&s, ssn, digits, masked)) != 0)
		goto out;
	if (list) {
		struct lister l = {ssn ? masked : NULL, 0};
		rc = protect_list(&s, ssn ? digits : NULL, case_id, print_protection, &l);
		if (rc == 0 && l.rows == 0)
			puts("no protections recorded");
		goto out;
	}
	const struct protect_change change = {add, digits, masked, flag, case_id, reason};
	bool changed = false;
	if ((rc = protect_set(caller_get(), &s, &change, &changed)) != 0)
		goto out;
	printf("%s %s: %s %s%s\n", add ? "protected" : "unprotected", masked, flag,
	       case_id ? "in case " : "in every case", case_id ? case_id : "");
	if (!changed)
		printf("(no change: it was %s)\n", add ? "already recorded" : "not recorded");
out:
	memset(digits, 0, sizeof digits);
	setup_free(&s);
	return rc;
}

/* --requested-by and --opened-by: a party the law names. */
static int party_option(const char *option, const char *arg, bool agency_too)
{
	if (closure_is_opener(arg) || (agency_too && strcmp(arg, "agency") == 0))
		return 0;
	fprintf(stderr, "csgw: --%s '%s': expected one of", option, arg);
	for (size_t i = 0; closure_openers[i]; i++)
		fprintf(stderr, " %s", closure_openers[i]);
	fprintf(stderr, "%s\n", agency_too ? " agency" : "");
	return EX_USAGE;
}

static int choice_option(const char *option, const char *arg, const char *const *choices)
{
	for (size_t i = 0; choices[i]; i++)
		if (strcmp(arg, choices[i]) == 0)
			return 0;
	fprintf(stderr, "csgw: --%s '%s': expected", option, arg);
	for (size_t i = 0; choices[i]; i++)
		fprintf(stderr, "%s %s", i ? "," : "", choices[i]);
	fputc('\n', stderr);
	return EX_USAGE;
}

static int dollars_option(const char *option, const char *arg, long long *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 99999999) {
		fprintf(stderr, "csgw: --%s '%s': expected whole dollars, 0 to 99999999\n", option,
		        arg);
		return EX_USAGE;
	}
	*out = v;
	return 0;
}

static void print_remedy(void *ctx, const char *remedy, const char *since, const char *released)
{
	unsigned *rows = ctx;
	if ((*rows)++ == 0)
		printf("remedies:\n");
	if (released[0])
		printf("  %-48s since %s, released %s\n", remedy, since, released);
	else
		printf("  %-48s since %s, in force\n", remedy, since);
}

static void print_case(struct setup *s, const char *case_id, const struct registry_case *now,
                       bool full)
{
	printf("case %s: enforcement %s%s (set %s by %s)\n", case_id, now->enforcement,
	       now->state_owed_arrears ? ", past-due support owed to the state remains" : "",
	       now->updated, now->actor);
	if (!full)
		return;
	printf("opened by: %s\ncurrent assistance: %s\n",
	       now->opened_by[0] ? now->opened_by : "(not recorded)",
	       now->assistance[0] ? now->assistance : "(not recorded)");
	printf("arrears: $%lld owed to the family, $%lld owed to the state\n", now->arrears_family,
	       now->arrears_state);
	printf("passport denial threshold: $%lld combined, %s $%d\n",
	       now->arrears_family + now->arrears_state,
	       closure_passport_due(now) ? "over" : "not over", PASSPORT_THRESHOLD_DOLLARS);
	printf("payment processing: %s\n",
	       now->payment_processing[0] ? now->payment_processing : "open");
	unsigned rows = 0;
	case_remedies(s, case_id, now, print_remedy, &rows);
	if (rows == 0)
		printf("remedies: none recorded\n");
}

int cmd_case(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"enforcement", required_argument, NULL, 'e'},
	    {"state-owed-arrears", no_argument, NULL, 'o'},
	    {"no-state-owed-arrears", no_argument, NULL, 'n'},
	    {"reason", required_argument, NULL, 'r'},
	    {"requested-by", required_argument, NULL, 'q'},
	    {"opened-by", required_argument, NULL, 'b'},
	    {"assistance", required_argument, NULL, 'a'},
	    {"arrears-family", required_argument, NULL, 'f'},
	    {"arrears-state", required_argument, NULL, 's'},
	    {"payment-processing", required_argument, NULL, 'p'},
	    {"remedy", required_argument, NULL, 'm'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const open_closed[] = {"open", "closed", NULL};
	static const char *const assistance[] = {"none", "tanf", "medicaid", NULL};
	static const char *const remedies[] = {"license-suspension", "bank-lien", NULL};
	struct case_change change = {
	    .state_owed_arrears = -1, .arrears_family = -1, .arrears_state = -1};
	int c, rc = 0;
	bool any = false;
	struct setup s;

	if (cmd_want_help(argc, argv, case_usage))
		return 0;
	const char *verb = argc > 1 ? argv[1] : "";
	bool show = strcmp(verb, "show") == 0;
	if (!show && strcmp(verb, "set") != 0) {
		fputs(case_usage, stderr);
		return EX_USAGE;
	}
	optind = 0; /* 0, not 1: GNU getopt then resets its state */
	while (rc == 0 && (c = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
		any = any || c != 'r';
		switch (c) {
		case 'e':
			change.enforcement = optarg;
			rc = choice_option("enforcement", optarg, open_closed);
			break;
		case 'o':
			change.state_owed_arrears = 1;
			break;
		case 'n':
			change.state_owed_arrears = 0;
			break;
		case 'r':
			change.reason = optarg;
			rc = reason_option(optarg);
			break;
		case 'q':
			change.requested_by = optarg;
			rc = party_option("requested-by", optarg, true);
			break;
		case 'b':
			change.opened_by = optarg;
			rc = party_option("opened-by", optarg, false);
			break;
		case 'a':
			change.assistance = optarg;
			rc = choice_option("assistance", optarg, assistance);
			break;
		case 'f':
			rc = dollars_option("arrears-family", optarg, &change.arrears_family);
			break;
		case 's':
			rc = dollars_option("arrears-state", optarg, &change.arrears_state);
			break;
		case 'p':
			change.payment_processing = optarg;
			rc = choice_option("payment-processing", optarg, open_closed);
			break;
		case 'm':
			change.remedy = optarg;
			rc = choice_option("remedy", optarg, remedies);
			break;
		default:
			rc = EX_USAGE;
		}
	}
	if (rc == 0 &&
	    (optind + 1 != argc - 1 || (show && (any || change.reason)) || (!show && !any))) {
		fputs(case_usage, stderr);
		rc = EX_USAGE;
	}
	bool closing = change.enforcement && strcmp(change.enforcement, "closed") == 0;
	if (rc == 0 &&
	    (closing ||
	     (change.payment_processing && strcmp(change.payment_processing, "closed") == 0)) &&
	    change.reason == NULL) {
		fputs("csgw: case set: closing needs --reason TEXT (why the case closes, 45 CFR "
		      "303.11; it is kept in the audit log)\n",
		      stderr);
		rc = EX_USAGE;
	}
	/* A closure is judged on the facts as they stood: who opened the case
	 * and its assistance are not changed by the command that closes it. */
	if (rc == 0 && closing &&
	    (change.opened_by || change.assistance || change.payment_processing)) {
		fputs(
		    "csgw: case set: record --opened-by, --assistance and --payment-processing in "
		    "a command of their own, not with the closure they decide\n",
		    stderr);
		rc = EX_USAGE;
	}
	if (rc)
		return rc;
	if (change.requested_by && strcmp(change.requested_by, "agency") == 0 &&
	    change.payment_processing == NULL)
		change.requested_by = NULL; /* the agency's own closure */
	const char *case_id = argv[optind + 1];
	if ((rc = case_id_option(case_id)) != 0)
		return rc;
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	change.case_id = case_id;
	struct registry_case now;
	bool known = true, stands = false;
	if (show)
		stands = (rc = case_show(&s, case_id, &now, &known)) == 0;
	else
		rc = case_set(caller_get(), &s, &change, &now, &stands);
	if (stands && !known)
		printf("case %s: not in the registry (enforcement open)\n", case_id);
	else if (stands)
		print_case(&s, case_id, &now, show);
	setup_free(&s);
	return rc;
}
