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
#include "core/caller.h"
#include "ops/refer.h"
#include "util/alloc.h"

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

static int send(struct globals *g, int argc, char **argv)
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
	if (rc || (rc = cmd_setup(g, true, &s)) != 0)
		goto out;
	char digits[10] = "", masked[16] = "";
	if (ssn && (rc = cmd_ssn_option(&s, ssn, digits, masked)) != 0)
		goto out_setup;
	const struct refer_ask ask = {
	    .txn = t,
	    .to = to,
	    .respond_to = respond,
	    .file = file,
	    .ssn_digits = ssn ? digits : NULL,
	    .ssn_masked = masked,
	    .name = name,
	    .dob = dob,
	    .purpose = purpose,
	    .fields = (const char *const *)fields,
	    .nfields = nf,
	};
	struct refer_sent sent;
	rc = refer_send(caller_get(), &s, &ask, &sent);
	if (sent.incomplete)
		fputs(refer_usage, stderr);
	if (sent.entry[0])
		printf("%s: %s %s %s to %s for case %s, queued as %s%s\n", sent.serial,
		       sent.function, sent.action, sent.reason, sent.partner, sent.case_id,
		       sent.entry, sent.answer ? "" : " (answers: csgw refer show SERIAL)");
out_setup:
	memset(digits, 0, sizeof digits);
	setup_free(&s);
out:
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
	return send(g, argc, argv);
}
