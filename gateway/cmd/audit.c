/*
 * audit.c - csgw audit verify | checkpoint: the disclosure audit log.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/audit.h"
#include "core/audit_report.h"
#include "core/caller.h"
#include "core/html.h"
#include "core/ssn.h"
#include "ops/compliance.h"
#include "ops/review.h"
#include "util/alloc.h"

static const char usage[] =
    "usage: csgw [-c FILE] audit verify [--witnesses]\n"
    "       csgw [-c FILE] audit witnesses [PARTNER]\n"
    "       csgw [-c FILE] audit witness-release PARTNER --reason TEXT\n"
    "       csgw [-c FILE] audit checkpoint\n"
    "       csgw [-c FILE] audit proof ID\n"
    "       csgw [-c FILE] audit check-proof PROOF [--cert PEM]\n"
    "       csgw [-c FILE] audit search [--ssn S] [--case C] [--partner P]\n"
    "                 [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
    "                 [--decision allow|redact|deny|received|quarantined|refused]\n"
    "                 [--actor USER] [--direction out|in|request|access|registry|spool]\n"
    "                 [--format table|csv|json]\n"
    "       csgw [-c FILE] audit report [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
    "                 [--partner P] [--rows N] -o FILE.html [--detail FILE.csv]\n"
    "       csgw [-c FILE] audit accounting --ssn S [--since YYYY-MM-DD]\n"
    "                 [--format html|text|json] [-o FILE]\n"
    "\n"
    "verify: recomputes every entry of the audit log (audit_db) and its hash\n"
    "tree (RFC 6962), checks every signed checkpoint in checkpoint_dir, and\n"
    "that the log still holds what each of them signed. Prints one line: the\n"
    "number of entries and the root; or names the first problem: an entry\n"
    "changed, a row missing or reordered, entries cut after a checkpoint, or\n"
    "an older copy of the database. --witnesses: also against every head of\n"
    "our log that partners echoed back in their receipts (they hold them): a\n"
    "log cut or rewritten on this machine, its checkpoints deleted, shows as\n"
    "soon as one partner has seen a later head.\n"
    "\n"
    "witnesses: each partner's audit log as we witnessed it (the newest head\n"
    "we accepted, each shown consistent with the one before by an RFC 6962\n"
    "proof), ours as the partner holds it, and whether the partner is HELD: a\n"
    "head that does not extend the one we hold (a fork or a rollback) holds\n"
    "it, nothing it sends is taken in and nothing is sent to it. Exit 1 when\n"
    "a partner is held.\n"
    "\n"
    "witness-release: after talking to the partner, a person lifts the hold;\n"
    "the heads kept of its log are set aside (kept) and the next one is taken\n"
    "as a first sight. An audit entry names the person and the reason.\n"
    "\n"
    "checkpoint: signs the log's current size and root with this gateway's\n"
    "key into checkpoint_dir (C2SP checkpoint note). Every fetch writes one.\n"
    "\n"
    "proof: prints the inclusion proof of entry ID against the latest signed\n"
    "checkpoint: the entry, its RFC 6962 audit path and the checkpoint, in one\n"
    "text file to hand to an auditor.\n"
    "\n"
    "check-proof: checks such a file without the database: the checkpoint's\n"
    "signature (by --cert, else this gateway's signing_cert) and the path from\n"
    "the entry to the signed root; prints the entry.\n"
    "\n"
    "search: the entries that match every option given, oldest first. --ssn\n"
    "finds a subject through its keyed hash (subject_key); SSNs never appear\n"
    "in the log or the output. --until is inclusive. --actor: what one person\n"
    "did or was refused (each entry names the person, their uid and role).\n"
    "--decision may list several, space-separated (\"deny prohibit\"). --direction:\n"
    "out (records and files sent), in (received), request, access (views,\n"
    "refusals, reports), registry (protections, case status), spool.\n"
    "\n"
    "report: the disclosure review compliance staff read in a browser, one\n"
    "self-contained HTML file (no script, nothing fetched; prints with a page\n"
    "per section): first whether the whole log verifies (verified while the\n"
    "report is written; exit 65 and a red statement when it does not), then\n"
    "the period's totals, charts (decisions per day, disclosures per partner\n"
    "and purpose, the rules that denied or redacted most, files received per\n"
    "partner), and the tables: denials and prohibitions with rule and\n"
    "citation, views of federal tax information and who viewed, changes to\n"
    "protections and case status with who and why, quarantined files. A table\n"
    "of more than --rows rows (2000) is counted on the page and written in\n"
    "full to --detail (default: FILE.csv beside FILE.html; not written when\n"
    "no table needs it). Subjects appear only by their keyed hash.\n"
    "\n"
    "accounting: the accounting of disclosures about one person (5 U.S.C.\n"
    "552a(c)): every record disclosed about them (by the keyed hash of --ssn),\n"
    "with its date, recipient, purpose, data categories and legal authority.\n"
    "Disclosures the agency may withhold from the person (law enforcement,\n"
    "family violence, courts under 42 U.S.C. 663) are marked for a compliance\n"
    "officer to decide. HTML by default with -o, else text.\n"
    "\n"
    "Both are entries of the audit log themselves (who made them, for what).\n"
    "\n"
    "Run by a person: search, verify, proof, report, accounting and\n"
    "witness-release need the compliance role; witnesses compliance or operator;\n"
    "checkpoint the compliance or operator role; check-proof needs none.\n"
    "\n"
    "A checkpoint is read as a C2SP note exactly (one signature line, nothing\n"
    "after it). A log whose entries agree but that has no signed checkpoint is\n"
    "a warning, exit 1: nothing outside the database vouches for it.\n"
    "\n"
    "Exit 0 good, 1 no signed checkpoint yet, 65 the log does not verify, 74 it\n"
    "cannot be read, 78\n"
    "configuration.\n";

static int check_proof(struct globals *g, int argc, char **argv)
{
	const char *cert = NULL;
	struct setup s;
	int rc;

	if (argc == 5 && strcmp(argv[3], "--cert") == 0)
		cert = argv[4];
	else if (argc != 3) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (cert) { /* an auditor needs no gateway.conf */
		rc = audit_check_proof(argv[2], cert, stdout, stderr);
		return rc == 0 ? 0 : rc > 0 ? EX_DATAERR : EX_NOINPUT;
	}
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	char *own = conf_path(&s.conf, "gateway", "signing_cert");
	if (own == NULL) {
		fprintf(stderr, "%s: [gateway] has no signing_cert; give --cert\n",
		        setup_conf_name(&s));
		rc = EX_CONFIG;
	} else {
		rc = audit_check_proof(argv[2], own, stdout, stderr);
		rc = rc == 0 ? 0 : rc > 0 ? EX_DATAERR : EX_NOINPUT;
	}
	free(own);
	setup_free(&s);
	return rc;
}

/* ---- search ---- */

enum format { TABLE, CSV, JSON };

struct printer {
	enum format format;
	unsigned long rows;
	const char *subject; /* the masked SSN searched for, said once above a table */
};

/* The table's first line names the subject searched for. */
static void table_start(struct printer *p)
{
	if (p->subject && p->format == TABLE)
		printf("# subject %s\n", p->subject);
	p->subject = NULL;
}

static int print_row(void *ctx, int64_t id, const char *const v[AUDIT_DB_COLUMNS],
                     const unsigned char *leaf, size_t leaf_len)
{
	struct printer *p = ctx;
	(void)leaf, (void)leaf_len;

	if (p->format == CSV) {
		if (p->rows == 0) {
			fputs("id,", stdout);
			for (int k = 0; k < AUDIT_DB_SHOWN_COLUMNS; k++)
				audit_csv_field(stdout, audit_db_columns[audit_db_shown[k]],
				                k == AUDIT_DB_SHOWN_COLUMNS - 1, false);
		}
		printf("%" PRId64 ",", id);
		for (int k = 0; k < AUDIT_DB_SHOWN_COLUMNS; k++)
			audit_csv_field(stdout, v[audit_db_shown[k]],
			                k == AUDIT_DB_SHOWN_COLUMNS - 1, false);
	} else if (p->format == JSON) {
		printf("%s{\"id\": %" PRId64, p->rows ? ",\n " : "[", id);
		for (int k = 0; k < AUDIT_DB_SHOWN_COLUMNS; k++) {
			printf(", ");
			cmd_json_string(audit_db_columns[audit_db_shown[k]]);
			printf(": ");
			cmd_json_string(v[audit_db_shown[k]]);
		}
		putchar('}');
	} else {
		table_start(p);
		if (p->rows == 0)
			printf(
			    "%-6s %-20s %-3s %-8s %-12s %-12s %-14s %-12s %-12s %-11s %-14s %-12s "
			    "%s\n",
			    "ID", "TIME", "DIR", "PARTNER", "PURPOSE", "FAMILY/TYPE", "RECORD",
			    "CASE", "SUBJECT", "DECISION", "RULE", "ACTOR", "FILE");
		char family[64];
		snprintf(family, sizeof family, "%s%s%s", v[5], v[6][0] ? "/" : "", v[6]);
		/* The subject key is a keyed hash: its start is enough to tell
		 * subjects apart, and reveals nothing. */
		printf(
		    "%-6" PRId64
		    " %-20s %-3s %-8s %-12s %-12s %-14s %-12s %-12.12s %-11s %-14s %-12s %.16s\n",
		    id, v[0], v[1], v[2], v[4][0] ? v[4] : "-", family[0] ? family : "-",
		    v[7][0] ? v[7] : "-", v[8][0] ? v[8] : "-", v[9][0] ? v[9] : "-", v[11],
		    v[12][0] ? v[12] : "-", v[AUDIT_COL_ACTOR][0] ? v[AUDIT_COL_ACTOR] : "-",
		    v[14][0] ? v[14] : "-");
		if (v[AUDIT_COL_DETAIL][0])
			printf("       %s\n", v[AUDIT_COL_DETAIL]);
	}
	p->rows++;
	return 0;
}

/* "YYYY-MM-DD" to the log's time form; 'next_day' for an inclusive end. */
static int day_bound(const char *day, bool next_day, char out[32])
{
	struct tm tm = {0};
	char *end = strptime(day, "%Y-%m-%d", &tm);
	if (end == NULL || *end)
		return -1;
	time_t t = timegm(&tm) + (next_day ? 86400 : 0);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	return 0;
}

static int search(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"ssn", required_argument, NULL, 's'},       {"case", required_argument, NULL, 'c'},
	    {"partner", required_argument, NULL, 'p'},   {"since", required_argument, NULL, 'f'},
	    {"until", required_argument, NULL, 'u'},     {"decision", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'o'},    {"actor", required_argument, NULL, 'a'},
	    {"direction", required_argument, NULL, 'D'}, {NULL, 0, NULL, 0},
	};
	struct audit_query q = {0};
	struct printer p = {.format = TABLE};
	const char *ssn = NULL;
	char since[32], until[32], digits[10], masked[SSN_MASK_SIZE];
	struct setup s;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
		switch (c) {
		case 's':
			ssn = optarg;
			break;
		case 'c':
			q.case_id = optarg;
			break;
		case 'p':
			q.partner = optarg;
			break;
		case 'd':
			q.decision = optarg;
			break;
		case 'a':
			q.actor = optarg;
			break;
		case 'D':
			q.direction = optarg;
			break;
		case 'f':
		case 'u':
			if (day_bound(optarg, c == 'u', c == 'f' ? since : until) < 0) {
				fprintf(stderr, "csgw: --%s %s: expected a date YYYY-MM-DD\n",
				        c == 'f' ? "since" : "until", optarg);
				return EX_USAGE;
			}
			if (c == 'f')
				q.since = since;
			else
				q.until = until;
			break;
		case 'o':
			if (strcmp(optarg, "table") == 0)
				p.format = TABLE;
			else if (strcmp(optarg, "csv") == 0)
				p.format = CSV;
			else if (strcmp(optarg, "json") == 0)
				p.format = JSON;
			else {
				fprintf(stderr, "csgw: --format %s: expected table, csv or json\n",
				        optarg);
				return EX_USAGE;
			}
			break;
		default:
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	if (ssn && (rc = cmd_ssn_option(&s, ssn, digits, masked)) != 0)
		goto out;
	p.subject = ssn ? masked : NULL;
	rc = review_search(&s, &q, ssn ? digits : NULL, print_row, &p);
	if (rc == 0 && p.format == JSON) {
		puts(p.rows ? "]" : "[]");
	} else if (rc == 0 && p.format == TABLE) {
		table_start(&p);
		printf("# %lu entr%s\n", p.rows, p.rows == 1 ? "y" : "ies");
	}
out:
	memset(digits, 0, sizeof digits);
	setup_free(&s);
	return rc;
}

/* ---- report ---- */

char *cmd_report_detail(int argc, char **argv)
{
	const char *html = NULL;
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--detail") == 0)
			return NULL;
		if (strcmp(argv[i], "-o") == 0)
			html = argv[i + 1];
	}
	if (html == NULL || strcmp(html, "-") == 0)
		return NULL;
	size_t n = strlen(html);
	if (n > 5 && strcmp(html + n - 5, ".html") == 0)
		n -= 5;
	return xasprintf("%.*s.csv", (int)n, html);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int report(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"since", required_argument, NULL, 'f'},   {"until", required_argument, NULL, 'u'},
	    {"partner", required_argument, NULL, 'p'}, {"rows", required_argument, NULL, 'r'},
	    {"detail", required_argument, NULL, 'd'},  {NULL, 0, NULL, 0},
	};
	struct review_request q = {.max_rows = 2000};
	const char *html = NULL, *detail = NULL;
	char since[32], until[32], *end;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "o:", options, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 'u':
			if (day_bound(optarg, c == 'u', c == 'f' ? since : until) < 0) {
				fprintf(stderr, "csgw: --%s %s: expected a date YYYY-MM-DD\n",
				        c == 'f' ? "since" : "until", optarg);
				return EX_USAGE;
			}
			if (c == 'f') {
				q.since = since;
				q.since_day = optarg;
			} else {
				q.until = until;
				q.until_day = optarg;
			}
			break;
		case 'p':
			q.partner = optarg;
			break;
		case 'r':
			errno = 0;
			q.max_rows =
			    isdigit((unsigned char)optarg[0]) ? strtoul(optarg, &end, 10) : 0;
			if (q.max_rows == 0 || *end || errno || q.max_rows > 1000000) {
				fprintf(stderr,
				        "csgw: --rows %s: expected a number from 1 to 1000000\n",
				        optarg);
				return EX_USAGE;
			}
			break;
		case 'o':
			html = optarg;
			break;
		case 'd':
			detail = optarg;
			break;
		default:
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (q.since && q.until && strcmp(q.since, q.until) >= 0) {
		fprintf(stderr, "csgw: --since %s is after --until %s: an empty period\n",
		        q.since_day, q.until_day);
		return EX_USAGE;
	}
	if (optind + 1 != argc || html == NULL) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	char *default_detail = detail ? NULL : cmd_report_detail(argc, argv);
	if (detail == NULL)
		detail = default_detail;
	struct setup s;
	struct cmd_output page = {0}, csv = {0};
	if ((rc = cmd_setup(g, true, &s)) != 0) {
		free(default_detail);
		return rc;
	}
	if ((rc = cmd_output_open(html, &page)) != 0)
		goto out;
	if (detail && (rc = cmd_output_open(detail, &csv)) != 0) {
		cmd_output_abort(&page);
		goto out;
	}
	q.html = page.fp;
	q.csv = csv.fp;
	q.csv_name = detail ? base_name(csv.name) : "(no detail file: give --detail)";
	struct review_done done;
	rc = compliance_review(&s, caller_get(), &q, &done);
	if (rc != 0 && rc != EX_DATAERR) {
		cmd_output_abort(&page);
		if (detail)
			cmd_output_abort(&csv);
		goto out;
	}
	if (detail && done.detail_rows == 0)
		cmd_output_abort(&csv); /* no table needed it */
	else if (detail && cmd_output_commit(&csv) < 0) {
		fprintf(stderr, "csgw: %s: %s\n", csv.name, strerror(errno));
		cmd_output_abort(&page);
		rc = EX_IOERR;
		goto out;
	}
	if (cmd_output_commit(&page) < 0) {
		fprintf(stderr, "csgw: %s: %s\n", page.name, strerror(errno));
		rc = EX_IOERR;
		goto out;
	}
	printf("csgw audit report: %s: %" PRIu64 " entries in the period; the log %s", page.name,
	       done.entries, done.verified ? "verifies" : "DOES NOT VERIFY");
	if (done.detail_rows)
		printf("; %lu rows in %s", done.detail_rows, csv.name);
	putchar('\n');
out:
	free(default_detail);
	setup_free(&s);
	return rc;
}

/* ---- accounting ---- */

enum accounting_format { ACCOUNT_HTML, ACCOUNT_TEXT, ACCOUNT_JSON };

struct accounting_out {
	enum accounting_format format;
	FILE *out;
	const struct setup *s;
	const char *masked, *since_day;
	unsigned long rows;
};

/* Whom a disclosure went to: the partner, its class and state. */
static void recipient(const struct accounting_out *a, const char *partner, const char *cls,
                      char *out, size_t size)
{
	const char *state = setup_partner_value(a->s, partner, "state");
	snprintf(out, size, "%s (%s%s%s)", partner, cls, state ? ", state " : "",
	         state ? state : "");
}

static int accounting_print(void *ctx, const struct accounting_line *l)
{
	struct accounting_out *a = ctx;
	char to[256], authority[512];
	recipient(a, l->partner, l->partner_class, to, sizeof to);
	snprintf(authority, sizeof authority, "%s (%s)", l->citation, l->rule_id);
	if (a->format == ACCOUNT_TEXT) {
		fprintf(a->out, "%-20s %-28s %-20s %-8s %-28s %s\n", l->time, to, l->purpose,
		        l->decision, l->categories[0] ? l->categories : "-", authority);
		fprintf(a->out, "    %s%s\n", l->sent ? "sent " : "decided, not seen sent",
		        l->sent ? l->sent : "");
		if (l->withhold)
			fprintf(a->out, "    MAY BE WITHHELD from the person: %s\n", l->withhold);
	} else if (a->format == ACCOUNT_JSON) {
		const char *k[] = {"time",       "recipient", "partner",   "purpose",
		                   "categories", "decision",  "authority", NULL};
		const char *v[] = {l->time,       to,          l->partner, l->purpose,
		                   l->categories, l->decision, authority};
		fprintf(a->out, "%s{\"id\": %" PRId64, a->rows ? ",\n " : "[", l->id);
		for (int i = 0; k[i]; i++) {
			fprintf(a->out, ", \"%s\": ", k[i]);
			cmd_json_string_to(a->out, v[i]);
		}
		const char *k2[] = {"sent", "may_be_withheld"};
		const char *v2[] = {l->sent, l->withhold};
		for (int i = 0; i < 2; i++) {
			fprintf(a->out, ", \"%s\": ", k2[i]);
			if (v2[i])
				cmd_json_string_to(a->out, v2[i]);
			else
				fputs("null", a->out);
		}
		putc('}', a->out);
	} else {
		fprintf(a->out, "<tr data-id=\"%" PRId64 "\"%s>", l->id,
		        l->withhold ? " class=\"withhold\"" : "");
		const char *v[] = {l->time,
		                   to,
		                   l->purpose,
		                   l->categories,
		                   l->decision,
		                   authority,
		                   l->sent ? l->sent : "not seen sent"};
		for (int i = 0; i < 7; i++) {
			fputs("<td>", a->out);
			html_text(a->out, v[i][0] ? v[i] : "-");
			fputs("</td>", a->out);
		}
		fputs("<td>", a->out);
		html_text(a->out, l->withhold ? l->withhold : "");
		fputs("</td></tr>\n", a->out);
	}
	a->rows++;
	return ferror(a->out) ? -1 : 0;
}

/* The heading, once the log's check is known (problem: it does not verify). */
static void accounting_start(void *ctx, const char *problem)
{
	struct accounting_out *a = ctx;
	const char *since_day = a->since_day ? a->since_day : "the beginning of the log";
	if (a->format == ACCOUNT_TEXT) {
		if (problem)
			fprintf(a->out, "# WARNING: the audit log does not verify: %s\n", problem);
		fprintf(a->out,
		        "# accounting of disclosures about %s, since %s (5 U.S.C. 552a(c))\n",
		        a->masked, since_day);
	} else if (a->format == ACCOUNT_HTML) {
		html_page_start(a->out, "csgw accounting of disclosures");
		fputs("<h1>Accounting of disclosures</h1>\n", a->out);
		if (problem) {
			fputs("<div class=\"alarm\" data-verified=\"no\">The audit log does NOT "
			      "verify: ",
			      a->out);
			html_text(a->out, problem);
			fputs(
			    ". Do not rely on this accounting before the log is examined.</div>\n",
			    a->out);
		}
		fputs("<p class=\"meta\">About the person with SSN ", a->out);
		html_text(a->out, a->masked);
		fputs(", since ", a->out);
		html_text(a->out, since_day);
		fputs(
		    " (5 U.S.C. 552a(c)). Rows marked may be withheld from the person: a "
		    "compliance officer decides. A record decided (policy apply) but not seen "
		    "leaving in a file is marked not seen sent.</p>\n<table "
		    "id=\"accounting\"><thead><tr><th>Date"
		    "</th><th>Recipient</th><th>Purpose</th><th>Data</th><th>Decision</th>"
		    "<th>Authority</th><th>Sent</th><th>May be withheld</th></tr></thead><tbody>\n",
		    a->out);
	}
}

static void accounting_end(struct accounting_out *a)
{
	if (a->format == ACCOUNT_TEXT) {
		fprintf(a->out, "# %lu disclosure%s\n", a->rows, a->rows == 1 ? "" : "s");
	} else if (a->format == ACCOUNT_JSON) {
		fputs(a->rows ? "]\n" : "[]\n", a->out);
	} else {
		fprintf(a->out, "</tbody></table>\n<p id=\"count\">%lu disclosure%s.</p>\n",
		        a->rows, a->rows == 1 ? "" : "s");
		html_page_end(a->out);
	}
}

static int accounting(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"ssn", required_argument, NULL, 's'},
	    {"since", required_argument, NULL, 'f'},
	    {"format", required_argument, NULL, 'F'},
	    {NULL, 0, NULL, 0},
	};
	const char *ssn = NULL, *file = NULL, *since_day = NULL, *format = NULL;
	char since[32], digits[10], masked[SSN_MASK_SIZE];
	struct accounting_out a = {.format = ACCOUNT_TEXT};
	struct setup s;
	struct cmd_output o = {0};
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "o:", options, NULL)) != -1) {
		switch (c) {
		case 's':
			ssn = optarg;
			break;
		case 'f':
			if (day_bound(optarg, false, since) < 0) {
				fprintf(stderr, "csgw: --since %s: expected a date YYYY-MM-DD\n",
				        optarg);
				return EX_USAGE;
			}
			since_day = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'o':
			file = optarg;
			break;
		default:
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind + 1 != argc || ssn == NULL) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (format == NULL)
		a.format = file ? ACCOUNT_HTML : ACCOUNT_TEXT;
	else if (strcmp(format, "html") == 0)
		a.format = ACCOUNT_HTML;
	else if (strcmp(format, "text") == 0)
		a.format = ACCOUNT_TEXT;
	else if (strcmp(format, "json") == 0)
		a.format = ACCOUNT_JSON;
	else {
		fprintf(stderr, "csgw: --format %s: expected html, text or json\n", format);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	if ((rc = cmd_ssn_option(&s, ssn, digits, masked)) != 0)
		goto out;
	if (file && (rc = cmd_output_open(file, &o)) != 0)
		goto out;
	a.out = file ? o.fp : stdout;
	a.s = &s;
	a.masked = masked;
	a.since_day = since_day;
	unsigned long n;
	rc = compliance_accounting(&s, caller_get(), digits, since_day ? since : NULL,
	                           accounting_start, accounting_print, &a, &n);
	if (rc == 0 || rc == EX_DATAERR)
		accounting_end(&a);
	if (file && (rc == 0 || rc == EX_DATAERR) && cmd_output_commit(&o) < 0) {
		fprintf(stderr, "csgw: %s: %s\n", o.name, strerror(errno));
		rc = EX_IOERR;
	} else if (file && rc != 0 && rc != EX_DATAERR) {
		cmd_output_abort(&o);
	} else if (file) {
		printf("csgw audit accounting: %s: %lu disclosure%s about %s\n", o.name, n,
		       n == 1 ? "" : "s", masked);
	}
out:
	memset(digits, 0, sizeof digits);
	setup_free(&s);
	return rc;
}

int cmd_audit(struct globals *g, int argc, char **argv)
{
	struct setup s;
	int rc;

	if (cmd_want_help(argc, argv, usage))
		return 0;
	if (argc >= 3 && strcmp(argv[1], "check-proof") == 0)
		return check_proof(g, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "search") == 0)
		return search(g, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report(g, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "accounting") == 0)
		return accounting(g, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "witnesses") == 0 && argc <= 3) {
		if ((rc = cmd_setup(g, true, &s)) != 0)
			return rc;
		rc = review_witnesses(&s, argc == 3 ? argv[2] : NULL, stdout);
		setup_free(&s);
		return rc;
	}
	if (argc >= 2 && strcmp(argv[1], "witness-release") == 0) {
		if (argc != 5 || strcmp(argv[3], "--reason") != 0 || argv[4][0] == '\0') {
			fputs("csgw: audit witness-release PARTNER --reason TEXT: say why the "
			      "hold may be lifted\n",
			      stderr);
			return EX_USAGE;
		}
		if ((rc = cmd_setup(g, true, &s)) != 0)
			return rc;
		rc = review_witness_release(&s, caller_get(), argv[2], argv[4], stdout);
		setup_free(&s);
		return rc;
	}
	const char *sub = argc >= 2 ? argv[1] : "";
	bool verify = strcmp(sub, "verify") == 0, proof = strcmp(sub, "proof") == 0;
	bool witnesses = verify && argc == 3 && strcmp(argv[2], "--witnesses") == 0;
	char *end = NULL;
	long long id = proof && argc == 3 ? strtoll(argv[2], &end, 10) : 0;
	if (!(verify && (argc == 2 || witnesses)) &&
	    !(strcmp(sub, "checkpoint") == 0 && argc == 2) &&
	    !(proof && argc == 3 && end && *end == '\0' && id > 0)) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	rc = verify  ? review_verify(&s, witnesses, stdout)
	     : proof ? review_proof(&s, id, stdout)
	             : review_checkpoint(&s);
	setup_free(&s);
	return rc;
}
