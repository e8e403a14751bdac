/*
 * policy.c - csgw policy explain | check; csgw protect; csgw case.
 *
 * explain runs the disclosure policy over an XML batch for one recipient
 * and purpose and shows, for each record and each field, the decision, the
 * rule and its citation: the same decision the gateway takes before data
 * leaves, without sending or logging anything.  protect and case feed the
 * registry the policy reads (io/registry_db.h); every change is an entry of
 * the audit log.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd/casework.h"
#include "cmd/cmd.h"
#include "cmd/registry.h"
#include "core/audit.h"
#include "core/caller.h"
#include "core/disclose.h"
#include "core/policy.h"
#include "core/policy_load.h"
#include "core/registry_snapshot.h"
#include "core/ssn.h"
#include "core/unmap.h"
#include "io/registry_db.h"
#include "util/alloc.h"

static const char policy_usage[] =
    "usage: csgw [-c FILE] policy explain FILE.xml (--partner NAME | --class CLASS\n"
    "                 [--interstate]) --purpose PURPOSE [--record N]\n"
    "                 [--transaction KIND] [--verified] [--matched]\n"
    "                 [--entered YYYY-MM-DD] [--tag FIELD=CATEGORY[,CATEGORY...]]\n"
    "       csgw [-c FILE] policy apply FILE.xml --partner NAME --purpose PURPOSE\n"
    "                 -o OUT.xml [the fact options of explain]\n"
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
    "usage: csgw [-c FILE] case set CASE --enforcement open|closed [--reason TEXT]\n"
    "                 [--state-owed-arrears | --no-state-owed-arrears]\n"
    "       csgw [-c FILE] case show CASE\n"
    "\n"
    "Records a case's enforcement status. With enforcement closed, no\n"
    "enforcement transaction for the case leaves the gateway; collection and\n"
    "payment processing go on, and federal tax refund offset only while\n"
    "past-due support owed to the state remains (--state-owed-arrears).\n"
    "Closing sends each partner state with transactions on the case an MSC\n"
    "transaction with status change C (csgw run delivers it).\n"
    "Each change is an audit log entry; closing needs --reason, kept in it.\n"
    "Run by a person: set needs the supervisor role, show the caseworker or\n"
    "supervisor role.\n";

/* The person who acts (core/caller.h): never the service account for a
 * person's request. */
static const char *actor_name(void)
{
	return caller_get()->user;
}

/* ---- policy check ---- */

static int load_policy(const struct setup *s, struct policy **p)
{
	if (policy_load(s->mappings_dir, s->set, p, stderr) < 0) {
		fprintf(stderr,
		        "csgw: the disclosure policy has problems (above); nothing was done\n");
		return EX_CONFIG;
	}
	return 0;
}

static int policy_check(struct setup *s)
{
	struct policy *p;
	int rc = load_policy(s, &p);
	if (rc)
		return rc;
	printf("%s: ok: %zu classes, %zu purposes, %zu grants, %zu limits, %zu provenance "
	       "rules\n",
	       p->path, p->nclasses, p->purposes.n, p->ngrants, p->nlimits, p->nprovenance);
	policy_free(p);
	return 0;
}

/* ---- policy explain ---- */

struct batch_lines {
	char **line;
	size_t n;
};

static int keep_line(void *ctx, const char *line, size_t len)
{
	struct batch_lines *b = ctx;
	b->line = xreallocarray(b->line, b->n + 1, sizeof *b->line);
	b->line[b->n++] = xmemdup(line, len);
	return 0;
}

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

static void print_decision(const struct policy *p, const struct policy_request *req, const char *to,
                           unsigned long number, const struct policy_record *rec,
                           const struct policy_decision *d)
{
	char text[256];

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

struct explain {
	const char *file, *partner, *output;
	unsigned long only; /* record number, 0: all */
	struct policy_request req;
	const char *tag_field[16];
	unsigned tag_categories[16];
};

static int parse_tag(struct explain *x, const char *arg)
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

/* Decides every record of the batch (or record x->only). */
static int explain_batch(struct setup *s, const struct policy *p, struct explain *x)
{
	struct batch_lines lines = {NULL, 0};
	struct batch_counts counts = {0};
	struct report rep = {.out = stderr, .file = x->file, .max = 20};
	struct registry reg;
	int rc = cmd_registry_open(s, false, &reg);
	if (rc == 0)
		rc = cmd_registry_snapshot(&reg);
	if (rc) {
		cmd_registry_close(&reg);
		return rc;
	}
	struct policy_registry pr = cmd_registry_for_policy(&reg);
	x->req.registry = &pr;

	enum map_status st =
	    unmap_read(s->set, x->file, s->test_env, NULL, &rep, keep_line, &lines, &counts);
	if (st != MAP_OK) {
		report_finish(&rep);
		rc = st == MAP_NO_INPUT ? EX_NOINPUT : EX_DATAERR;
		goto out;
	}
	const struct batch_type *bt = counts.batch;
	const char *to = x->partner ? x->partner : "a recipient";
	unsigned long number = 0, shown = 0;
	for (size_t i = 0; i < lines.n; i++) {
		if (!mapping_batch_has_record(bt,
		                              mapping_record_of_line(bt->family, lines.line[i])))
			continue;
		number++;
		size_t end = i + 1;
		while (end < lines.n &&
		       !mapping_batch_has_record(
		           bt, mapping_record_of_line(bt->family, lines.line[end])) &&
		       strncmp(lines.line[end], bt->trailer->id, 2) != 0)
			end++;
		if (x->only && number != x->only)
			continue;
		if (end - i > POLICY_MAX_LINES) {
			fprintf(stderr, "csgw: %s: record %lu has more than %d lines\n", x->file,
			        number, POLICY_MAX_LINES);
			rc = EX_DATAERR;
			goto out;
		}
		const struct record *recs[POLICY_MAX_LINES];
		size_t n = 0;
		for (size_t k = i; k < end; k++)
			recs[n++] = mapping_record_of_line(bt->family, lines.line[k]);
		struct policy_record rec = {
		    bt->family, recs,       (const char *const *)&lines.line[i],
		    n,          bt->header, lines.line[0]};
		struct policy_decision d;
		policy_decide(p, &x->req, &rec, &d);
		if (reg.failed) {
			fprintf(stderr, "csgw: %s: record %lu: the registry cannot be read: %s\n",
			        x->file, number, reg.why);
			policy_decision_free(&d);
			rc = EX_IOERR;
			goto out;
		}
		if (shown++)
			putchar('\n');
		print_decision(p, &x->req, to, number, &rec, &d);
		policy_decision_free(&d);
	}
	if (x->only && shown == 0) {
		fprintf(stderr, "csgw: %s: there is no record %lu (the batch has %lu)\n", x->file,
		        x->only, number);
		rc = EX_USAGE;
	}
out:
	for (size_t i = 0; i < lines.n; i++)
		free(lines.line[i]);
	free(lines.line);
	batch_counts_free(&counts);
	cmd_registry_close(&reg);
	return rc;
}

/* What the caller states must be something the policy and mappings know:
 * a misspelt field or kind would quietly change the decision. */
static int check_facts(const struct setup *s, const struct policy *p, const struct explain *x)
{
	if (x->req.transaction && !policy_words_has(&p->declared, x->req.transaction)) {
		fprintf(stderr, "csgw: --transaction %s: expected a kind the record cannot show:",
		        x->req.transaction);
		for (size_t i = 0; i < p->declared.n; i++)
			fprintf(stderr, " %s", p->declared.w[i]);
		fputs(" (the others are read from the record)\n", stderr);
		return EX_USAGE;
	}
	unsigned ndnh = 1u << mapping_category_bit("ndnh");
	for (size_t t = 0; t < x->req.ntags; t++) {
		bool known = false;
		for (size_t f = 0; f < s->set->nfamilies && !known; f++)
			for (size_t r = 0; r < s->set->families[f].nrecords && !known; r++)
				known = mapping_field(&s->set->families[f].records[r],
				                      x->req.tag_field[t]) != NULL;
		if (!known) {
			fprintf(stderr, "csgw: --tag %s: no record of any family has that field\n",
			        x->req.tag_field[t]);
			return EX_USAGE;
		}
		if ((x->req.tag_categories[t] & ndnh) && x->req.entered == 0) {
			fprintf(stderr,
			        "csgw: --tag %s=ndnh needs --entered: when the data entered "
			        "the directory decides whether it may still be used\n",
			        x->req.tag_field[t]);
			return EX_USAGE;
		}
	}
	return 0;
}

/* Writes what of the batch may go to the partner, and logs every decision. */
static int apply_batch(struct setup *s, const struct policy *p, struct explain *x)
{
	struct report rep = {.out = stderr, .file = x->file, .max = 20};
	struct disclose_counts n;
	struct registry reg;
	struct audit *audit = NULL;
	struct cms_signer *signer = NULL;
	/* Created when missing, so that from then on its absence is an error. */
	int rc = cmd_registry_open(s, true, &reg);

	if (rc == 0)
		rc = cmd_registry_snapshot(&reg);
	if (rc) {
		cmd_registry_close(&reg);
		return rc;
	}
	if ((rc = cmd_audit_open(s, 1, true, &audit, &signer)) != 0)
		goto out;
	struct policy_registry pr = cmd_registry_for_policy(&reg);
	x->req.registry = &pr;
	struct disclose_plan plan = {
	    .set = s->set,
	    .policy = p,
	    .request = &x->req,
	    .test_env = s->test_env,
	    .audit = audit,
	    .subject_secret = reg.key,
	    .partner = x->partner,
	    .actor = actor_name(),
	    .registry_failed = &reg.failed,
	};
	switch (disclose_batch(&plan, x->file, x->output, &rep, &n, stderr)) {
	case DISCLOSE_OK:
	case DISCLOSE_NOTHING:
		printf("%s: %lu records for %s (%s) for %s: %lu allowed, %lu redacted, %lu denied, "
		       "%lu prohibited (%lu notices); each decision logged\n",
		       x->file, n.records, x->partner, x->req.class, x->req.purpose, n.allowed,
		       n.redacted, n.denied, n.prohibited, n.notices);
		if (n.sha256[0])
			printf("wrote %s (sha256 %s)\n", x->output, n.sha256);
		else {
			printf("nothing may be sent: no output written\n");
			rc = EX_DATAERR;
		}
		break;
	case DISCLOSE_BAD_DATA:
		rc = EX_DATAERR;
		break;
	case DISCLOSE_NO_INPUT:
		rc = EX_NOINPUT;
		break;
	case DISCLOSE_FAILED:
		rc = EX_IOERR;
		break;
	}
out:
	audit_close(audit);
	cms_signer_free(signer);
	cmd_registry_close(&reg);
	return rc;
}

/* Runs explain, or apply when 'apply'. */
static int policy_run(struct setup *s, int argc, char **argv, bool apply)
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
	    {NULL, 0, NULL, 0},
	};
	struct explain x = {.req = {.today = today_ymd()}};
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
	if (x.partner) {
		x.req.class = cmd_partner_value(s, x.partner, "class");
		const char *theirs = cmd_partner_value(s, x.partner, "state");
		const char *ours = conf_value(&s->conf, "gateway", "state");
		if (x.req.class == NULL) {
			fprintf(stderr, "%s: no [partner %s] with a class\n", cmd_conf_name(s),
			        x.partner);
			rc = EX_CONFIG;
			goto out;
		}
		/* A partner not known to be this state is another one (fail closed). */
		x.req.interstate = !(theirs && ours && strcmp(theirs, ours) == 0);
	}
	if ((rc = load_policy(s, &p)) != 0 || (rc = check_facts(s, p, &x)) != 0)
		goto out;
	if (policy_class(p, x.req.class) == NULL || !policy_words_has(&p->purposes, x.req.purpose))
		fprintf(stderr, "csgw: note: %s '%s' is not in the policy: everything is denied\n",
		        policy_class(p, x.req.class) ? "purpose" : "class",
		        policy_class(p, x.req.class) ? x.req.purpose : x.req.class);
	rc = apply ? apply_batch(s, p, &x) : explain_batch(s, p, &x);
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
		rc = policy_run(&s, argc - 1, argv + 1, strcmp(argv[1], "apply") == 0);
	cmd_teardown(&s);
	return rc;
}

/* ---- protect and case: registry changes, each audited ---- */

/* Appends the audit entry of a registry change.  0 or an exit code. */
/* The audit log a registry change goes into: opened before the change, so
 * that a log that cannot be opened stops the change. */
struct change_log {
	struct audit *audit;
	struct cms_signer *signer;
};

static int change_log_open(const struct setup *s, struct change_log *l)
{
	return cmd_audit_open(s, 1, true, &l->audit, &l->signer);
}

/* The entry of one change; 0 or -1 after printing why. */
static int change_log_write(struct change_log *l, const char *record_type, const char *case_id,
                            const char *subject, const char *decision, const char *rule,
                            const char *citation, const char *reason)
{
	struct audit_entry e = {{0}};

	audit_entry_set(&e, "direction", "registry");
	audit_entry_set(&e, "record_type", record_type);
	audit_entry_set(&e, "case_id", case_id);
	audit_entry_set(&e, "subject_key", subject);
	audit_entry_set(&e, "decision", decision);
	audit_entry_set(&e, "rule_id", rule);
	audit_entry_set(&e, "citation", citation);
	audit_entry_set(&e, "actor", actor_name());
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
	char digits[10] = "", masked[SSN_MASK_SIZE], subject[65], when[32];
	struct registry reg = {0};
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
	if ((rc = cmd_registry_open(&s, !list, &reg)) != 0)
		goto out;
	if (ssn)
		audit_subject_key(reg.key, digits, subject);
	memset(digits, 0, sizeof digits);
	if (list) {
		struct lister l = {ssn ? masked : NULL, 0};
		if (reg.db &&
		    registry_protections(reg.db, ssn ? subject : NULL, case_id, print_protection,
		                         &l, reg.why, sizeof reg.why) < 0) {
			fprintf(stderr, "csgw: %s\n", reg.why);
			rc = EX_IOERR;
		} else if (l.rows == 0)
			puts("no protections recorded");
		goto out;
	}
	struct change_log log = {NULL, NULL};
	if ((rc = change_log_open(&s, &log)) != 0)
		goto out;
	now_text(when, sizeof when);
	const char *in_case = case_id ? case_id : "";
	int changed = registry_protect_set(reg.db, subject, in_case, flag, add, actor_name(), when,
	                                   reg.why, sizeof reg.why);
	if (changed < 0) {
		fprintf(stderr, "csgw: %s\n", reg.why);
		rc = EX_IOERR;
	} else if (changed == 0 && change_log_write(&log, "protection", in_case, subject,
	                                            add ? "protect-add" : "protect-remove", flag,
	                                            "42 U.S.C. 654(26); 653(b)(2)", reason) < 0) {
		/* No change without its entry: undo it. */
		registry_protect_set(reg.db, subject, in_case, flag, !add, actor_name(), when,
		                     reg.why, sizeof reg.why);
		fprintf(stderr, "csgw: the change could not be logged, so it was undone\n");
		rc = EX_IOERR;
	}
	int closed = change_log_close(&log, rc == 0 && changed == 0);
	if (rc == 0)
		rc = closed;
	if (rc == 0)
		printf("%s %s: %s %s%s\n", add ? "protected" : "unprotected", masked, flag,
		       case_id ? "in case " : "in every case", case_id ? case_id : "");
	if (rc == 0 && changed == 1)
		printf("(no change: it was %s)\n", add ? "already recorded" : "not recorded");
out:
	cmd_registry_close(&reg);
	cmd_teardown(&s);
	return rc;
}

int cmd_case(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"enforcement", required_argument, NULL, 'e'},
	    {"state-owed-arrears", no_argument, NULL, 'o'},
	    {"no-state-owed-arrears", no_argument, NULL, 'n'},
	    {"reason", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *enforcement = NULL, *reason = NULL;
	int owed = -1, c, rc = 0;
	struct registry reg = {0};
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
		switch (c) {
		case 'e':
			enforcement = optarg;
			if (strcmp(optarg, "open") != 0 && strcmp(optarg, "closed") != 0) {
				fprintf(stderr,
				        "csgw: --enforcement '%s': expected open or closed\n",
				        optarg);
				rc = EX_USAGE;
			}
			break;
		case 'o':
			owed = 1;
			break;
		case 'n':
			owed = 0;
			break;
		case 'r':
			reason = optarg;
			rc = reason_option(optarg);
			break;
		default:
			rc = EX_USAGE;
		}
	}
	if (rc == 0 && (optind + 1 != argc - 1 || (show && (enforcement || owed >= 0)) ||
	                (!show && !enforcement))) {
		fputs(case_usage, stderr);
		rc = EX_USAGE;
	}
	if (rc == 0 && enforcement && strcmp(enforcement, "closed") == 0 && reason == NULL) {
		fputs("csgw: case set --enforcement closed: --reason TEXT is needed (why the case "
		      "closes, 45 CFR 303.11; it is kept in the audit log)\n",
		      stderr);
		rc = EX_USAGE;
	}
	if (rc)
		return rc;
	const char *case_id = argv[optind + 1];
	if ((rc = case_id_option(case_id)) != 0)
		return rc;
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	if ((rc = cmd_registry_open(&s, !show, &reg)) != 0)
		goto out;
	struct registry_case now = {.enforcement = "open"};
	int known = reg.db ? registry_case_get(reg.db, case_id, &now, reg.why, sizeof reg.why) : 1;
	if (known < 0) {
		fprintf(stderr, "csgw: %s\n", reg.why);
		rc = EX_IOERR;
		goto out;
	}
	if (!show) {
		struct registry_case before = now;
		snprintf(now.enforcement, sizeof now.enforcement, "%s", enforcement);
		if (owed >= 0)
			now.state_owed_arrears = owed;
		now_text(now.updated, sizeof now.updated);
		snprintf(now.actor, sizeof now.actor, "%s", actor_name());
		struct change_log log = {NULL, NULL};
		if ((rc = change_log_open(&s, &log)) != 0)
			goto out;
		char decision[64];
		snprintf(decision, sizeof decision, "enforcement-%s%s", enforcement,
		         now.state_owed_arrears ? "+state-owed-arrears" : "");
		if (registry_case_set(reg.db, case_id, &now, reg.why, sizeof reg.why) < 0) {
			fprintf(stderr, "csgw: %s\n", reg.why);
			rc = EX_IOERR;
		} else if (change_log_write(&log, "case", case_id, "", decision, "case-status",
		                            "45 CFR 303.11", reason) < 0) {
			registry_case_set(reg.db, case_id, &before, reg.why, sizeof reg.why);
			fprintf(stderr, "csgw: the change could not be logged, so it was undone\n");
			rc = EX_IOERR;
		}
		int closed = change_log_close(&log, rc == 0);
		if (rc == 0)
			rc = closed;
		if (rc)
			goto out;
		known = 0;
		/* Partner states on the case hear of its closure (DOMAIN.md 5.7). */
		if (strcmp(before.enforcement, "closed") != 0 && strcmp(enforcement, "closed") == 0)
			rc = casework_case_closed(&s, case_id);
	}
	if (known == 1)
		printf("case %s: not in the registry (enforcement open)\n", case_id);
	else
		printf("case %s: enforcement %s%s (set %s by %s)\n", case_id, now.enforcement,
		       now.state_owed_arrears ? ", past-due support owed to the state remains" : "",
		       now.updated, now.actor);
out:
	cmd_registry_close(&reg);
	cmd_teardown(&s);
	return rc;
}
