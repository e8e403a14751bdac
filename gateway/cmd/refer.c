/*
 * refer.c - csgw refer: interstate transactions (CSENet-style) to another
 * state, and the list of what was sent and received.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/audit.h"
#include "core/caller.h"
#include "core/field.h"
#include "core/roles.h"
#include "core/unmap.h"
#include "ops/casework.h"
#include "util/alloc.h"
#include "util/ini.h"

static const char refer_usage[] =
    "usage: csgw [-c FILE] refer --to STATE --function F --action A --reason CODE\n"
    "                  --case CASE [--other-case CASE] [--serial N]\n"
    "                  [--ssn S] [--name \"LAST, FIRST\"] [--dob YYYY-MM-DD]\n"
    "                  [--field BLOCK.FIELD=VALUE]... [--purpose P] [FILE.xml]\n"
    "       csgw [-c FILE] refer --respond-to ID --action A|P --reason CODE [...]\n"
    "       csgw [-c FILE] refer list [--inbound | --outbound] [--status S] [--case C]\n"
    "                  [--overdue] [--mine]\n"
    "       csgw [-c FILE] refer show ID | close ID\n"
    "       csgw [-c FILE] refer unmatched | dismiss N\n"
    "\n"
    "Sends one transaction to a partner state: function LO1, CSI, MSC, PAT, EST,\n"
    "ENF or COL; action R request, A acknowledgement, P provide, U update, M\n"
    "reminder, C cancel; a reason code of the csenet-reason list. STATE is the\n"
    "partner's name in gateway.conf or its FIPS code. The transaction gets a new\n"
    "12-digit serial number (a response, A or P, carries the serial of the request\n"
    "it answers: --serial, or --respond-to the ID that 'refer list --inbound'\n"
    "shows). Data blocks are filled with --field, by the element names of\n"
    "'csgw mapping show referral' (ncpIdentification.lastName=DOE); --ssn, --name\n"
    "and --dob fill the NCP identification block. FILE.xml, a referral batch of\n"
    "one transaction (csgw map referral makes one), gives its data blocks, and its\n"
    "codes and case ids where the options do not.\n"
    "\n"
    "Every code is checked against the code lists, the policy decides what may go\n"
    "(each decision logged; a closed enforcement case takes no ENF), and csgw run\n"
    "sends it. Answers are matched to it by serial number: 'refer show SERIAL'.\n"
    "close: a request that will not be answered is no longer overdue.\n"
    "unmatched: answers (any family) that matched no request; dismiss N once a\n"
    "person has dealt with one (the file is in the inbox).\n"
    "Exit: 0 queued, 64 usage, 65 a value or code is wrong, 77 the policy lets\n"
    "nothing of it go.\n";

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

/* --name "LAST, FIRST MIDDLE" as fields of 'element' (upper case, as the
 * federal formats want).  0 or EX_USAGE. */
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
	const struct record *r = mapping_record_of_line(g->fam, line);
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

static int refer_send(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"to", required_argument, NULL, 't'},      {"function", required_argument, NULL, 'f'},
	    {"action", required_argument, NULL, 'a'},  {"reason", required_argument, NULL, 'r'},
	    {"case", required_argument, NULL, 'C'},    {"other-case", required_argument, NULL, 'O'},
	    {"serial", required_argument, NULL, 'S'},  {"respond-to", required_argument, NULL, 'R'},
	    {"field", required_argument, NULL, 'F'},   {"ssn", required_argument, NULL, 's'},
	    {"name", required_argument, NULL, 'n'},    {"dob", required_argument, NULL, 'd'},
	    {"purpose", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
	};
	const char *to = NULL, *ssn = NULL, *name = NULL, *dob = NULL, *purpose = NULL,
	           *respond = NULL;
	struct casework_txn t = {0};
	char **fields = xcalloc((size_t)argc + 8, sizeof *fields);
	size_t nf = 0;
	int c, rc = 0;
	struct setup s;
	struct exchange x;
	bool opened = false;
	struct compose comp = {0};
	struct given given = {0};
	char *from_file[6] = {0};

	optind = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'f':
			t.function = optarg;
			break;
		case 'a':
			t.action = optarg;
			break;
		case 'r':
			t.reason = optarg;
			break;
		case 'C':
			t.case_id = optarg;
			break;
		case 'O':
			t.other_case = optarg;
			break;
		case 'S':
			t.serial = optarg;
			break;
		case 'R':
			respond = optarg;
			break;
		case 'F':
			fields[nf++] = xstrdup(optarg);
			break;
		case 's':
			ssn = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'd':
			dob = optarg;
			break;
		case 'p':
			purpose = optarg;
			break;
		default:
			rc = EX_USAGE;
		}
	}
	if (rc == 0 && optind < argc - 1) {
		fprintf(stderr, "csgw refer: unexpected '%s'\n", argv[optind + 1]);
		rc = EX_USAGE;
	}
	const char *file = optind == argc - 1 ? argv[optind] : NULL;
	if (rc == 0 && file)
		rc = cmd_input_file(file);
	if (rc)
		goto out;
	if ((rc = cmd_setup(g, true, &s)) != 0)
		goto out_fields;
	if ((rc = exchange_open(&s, stderr, NULL, &x)) != 0)
		goto out_setup;
	opened = true;
	if (file && (rc = read_given(&s, file, &given)) != 0)
		goto out_setup;
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
			goto out_setup;
		}
		if (found == 1 || strcmp(theirs.direction, "in") != 0) {
			fprintf(stderr,
			        "csgw refer: --respond-to %s: no transaction received with that id "
			        "(csgw refer list --inbound)\n",
			        respond);
			rc = EX_USAGE;
			goto out_setup;
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
		fputs(refer_usage, stderr);
		rc = EX_USAGE;
		goto out_setup;
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
		goto out_setup;
	}
	if (!answer && t.serial) {
		fputs("csgw refer: --serial is for responses (A or P); a new transaction gets a "
		      "new serial\n",
		      stderr);
		rc = EX_USAGE;
		goto out_setup;
	}
	t.partner = partner_named(&s, to);
	char digits[10] = "", masked[16] = "";
	if (ssn) {
		if ((rc = cmd_ssn_option(&s, ssn, digits, masked)) != 0)
			goto out_setup;
		fields[nf++] = xasprintf("ncpIdentification.ssn=%s", digits);
	}
	if (name) {
		char *parts[3];
		if ((rc = casework_name_fields(name, "ncpIdentification", parts)) != 0)
			goto out_setup;
		for (int i = 0; i < 3; i++)
			if (parts[i])
				fields[nf++] = parts[i];
	}
	if (dob)
		fields[nf++] = xasprintf("ncpIdentification.dateOfBirth=%s", dob);
	t.fields = (const char *const *)fields;
	t.nfields = nf;
	if (purpose == NULL)
		purpose = exchange_purpose(&s, t.partner);
	/* A person sends for the agency, for what their role may ask. */
	char why[1024];
	if (caller_get()->person && !roles_may_request(&s.conf, caller_get()->roles, "iv-d-agency",
	                                               purpose, why, sizeof why)) {
		fprintf(stderr, "csgw: %s; not sent\n", why);
		rc = EX_NOPERM;
		goto out_setup;
	}

	char serial[13], entry[SPOOL_ID_MAX];
	if ((rc = casework_transaction(&x, &t, &comp, serial)) != 0)
		goto out_setup;
	char *label = xasprintf("%s %s %s %s for case %s", t.function, t.action, t.reason,
	                        t.serial ? t.serial : "(new)", t.case_id);
	rc = casework_submit(&x, &comp, t.partner, purpose, label, entry);
	free(label);
	if (rc)
		goto out_setup;
	if (answer && respond) {
		if (ledger_request_set_status(x.ledger, theirs.id,
		                              strcmp(t.action, "P") == 0 ? "answered"
		                                                         : "acknowledged",
		                              (long long)time(NULL), why, sizeof why) < 0)
			fprintf(stderr, "csgw: %s\n", why);
	}
	if (!answer) {
		struct ledger_request r = {0};
		snprintf(r.subject_mask, sizeof r.subject_mask, "%s", masked);
		if (digits[0])
			audit_subject_key(x.reg.key, digits, r.subject_key);
		rc = casework_remember_txn(&x, &t, serial, purpose, entry, &r);
	}
	printf("%s: %s %s %s to %s for case %s, queued as %s%s\n", serial, t.function, t.action,
	       t.reason, t.partner, t.case_id, entry,
	       answer ? "" : " (answers: csgw refer show SERIAL)");
out_setup:
	compose_free(&comp);
	if (opened)
		exchange_close(&x);
	setup_free(&s);
out_fields:
out:
	for (size_t i = 0; i < given.n; i++)
		free(given.lines[i]);
	free(given.lines);
	free(given.lead);
	for (int i = 0; i < 6; i++)
		free(from_file[i]);
	for (size_t i = 0; i < nf; i++)
		free(fields[i]);
	free(fields);
	return rc;
}

int cmd_refer(struct globals *g, int argc, char **argv)
{
	if (cmd_want_help(argc, argv, refer_usage))
		return 0;
	static const char *const views[] = {"list", "show", "close", "unmatched", "dismiss"};
	for (size_t i = 0; argc > 1 && i < sizeof views / sizeof *views; i++)
		if (strcmp(argv[1], views[i]) == 0)
			return cmd_casework_view(g, "referral", argc - 1, argv + 1);
	return refer_send(g, argc, argv);
}
