/*
 * audit.c - csgw audit verify | checkpoint: the disclosure audit log.
 */
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
#include "core/ssn.h"
#include "ops/review.h"
#include "util/alloc.h"

static const char usage[] =
    "usage: csgw [-c FILE] audit verify\n"
    "       csgw [-c FILE] audit checkpoint\n"
    "       csgw [-c FILE] audit proof ID\n"
    "       csgw [-c FILE] audit check-proof PROOF [--cert PEM]\n"
    "       csgw [-c FILE] audit search [--ssn S] [--case C] [--partner P]\n"
    "                 [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
    "                 [--decision allow|redact|deny|received|quarantined|refused]\n"
    "                 [--actor USER] [--format table|csv|json]\n"
    "\n"
    "verify: recomputes every entry of the audit log (audit_db) and its hash\n"
    "tree (RFC 6962), checks every signed checkpoint in checkpoint_dir, and\n"
    "that the log still holds what each of them signed. Prints one line: the\n"
    "number of entries and the root; or names the first problem: an entry\n"
    "changed, a row missing or reordered, entries cut after a checkpoint, or\n"
    "an older copy of the database.\n"
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
    "\n"
    "Run by a person: search, verify, proof need the compliance role;\n"
    "checkpoint the compliance or operator role; check-proof needs none.\n"
    "\n"
    "Exit 0 good, 65 the log does not verify, 74 it cannot be read, 78\n"
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

static void csv_field(const char *v, bool last)
{
	if (strpbrk(v, ",\"\r\n")) {
		putchar('"');
		for (; *v; v++) {
			if (*v == '"')
				putchar('"');
			putchar(*v);
		}
		putchar('"');
	} else {
		fputs(v, stdout);
	}
	putchar(last ? '\n' : ',');
}

static int print_row(void *ctx, int64_t id, const char *const v[AUDIT_DB_COLUMNS],
                     const unsigned char *leaf, size_t leaf_len)
{
	struct printer *p = ctx;
	(void)leaf, (void)leaf_len;

	if (p->format == CSV) {
		if (p->rows == 0) {
			fputs("id,", stdout);
			for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
				csv_field(audit_db_columns[i], i == AUDIT_DB_COLUMNS - 1);
		}
		printf("%" PRId64 ",", id);
		for (int i = 0; i < AUDIT_DB_COLUMNS; i++)
			csv_field(v[i], i == AUDIT_DB_COLUMNS - 1);
	} else if (p->format == JSON) {
		printf("%s{\"id\": %" PRId64, p->rows ? ",\n " : "[", id);
		for (int i = 0; i < AUDIT_DB_COLUMNS; i++) {
			printf(", ");
			cmd_json_string(audit_db_columns[i]);
			printf(": ");
			cmd_json_string(v[i]);
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
	    {"ssn", required_argument, NULL, 's'},
	    {"case", required_argument, NULL, 'c'},
	    {"partner", required_argument, NULL, 'p'},
	    {"since", required_argument, NULL, 'f'},
	    {"until", required_argument, NULL, 'u'},
	    {"decision", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'o'},
	    {"actor", required_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
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
	const char *sub = argc >= 2 ? argv[1] : "";
	bool verify = strcmp(sub, "verify") == 0, proof = strcmp(sub, "proof") == 0;
	char *end = NULL;
	long long id = proof && argc == 3 ? strtoll(argv[2], &end, 10) : 0;
	if (!(verify && argc == 2) && !(strcmp(sub, "checkpoint") == 0 && argc == 2) &&
	    !(proof && argc == 3 && end && *end == '\0' && id > 0)) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	rc = verify  ? review_verify(&s, stdout)
	     : proof ? review_proof(&s, id, stdout)
	             : review_checkpoint(&s);
	setup_free(&s);
	return rc;
}
