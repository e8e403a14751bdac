/*
 * locate.c - csgw locate: a caseworker's parent locate request, to the
 * FPLS (a locate-request batch) or to another state (an interstate quick
 * locate, LO1), and the answers as they come.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/caller.h"
#include "ops/locate.h"
#include "util/alloc.h"

static const char locate_usage[] =
    "usage: csgw [-c FILE] locate request --case C --ssn S --name \"LAST, FIRST\"\n"
    "                  --purpose P [--dob YYYY-MM-DD] [--sex M|F] [--member ID]\n"
    "                  [--sources SSA,IRS,...] [--partner NAME]\n"
    "                  [--requester CLASS [--order NUMBER]]\n"
    "       csgw [-c FILE] locate list [--mine] [--status pending|answered|prohibited]\n"
    "                  [--inbound | --outbound] [--case C] [--overdue]\n"
    "       csgw [-c FILE] locate show ID | close ID\n"
    "       csgw [-c FILE] locate answer ID --reason CODE [--field BLOCK.FIELD=VALUE]...\n"
    "\n"
    "request: asks where a parent is. Purposes: child-support, parental-kidnapping,\n"
    "custody-visitation, child-welfare. The requester (default iv-d-agency; court,\n"
    "custody-authority, resident-parent, child-welfare for whom the state's\n"
    "locate service asks) must be authorized for the purpose (42 U.S.C. 653(c),\n"
    "663); acting for a court or custody authority needs the supervisor role and\n"
    "the order's reference (--order). The partner is the FPLS (the [partner] of class "
    "federal-office, the\n"
    "default) or a state: an interstate quick locate (LO1), for child support\n"
    "only. The request is checked, decided by the policy, logged and queued for\n"
    "csgw run; it prints the request id.\n"
    "list, show: the requests and every answer matched to them, one per source,\n"
    "shown as the requester may see them: federal tax information marked, a\n"
    "person with the family violence indicator shown as \"disclosure\n"
    "prohibited, court only\".\n"
    "answer: a state's answer (LO1 P) to a quick locate it received\n"
    "(reason LSADR, LSEMP, LSALL, LUALL...; data with --field ncpLocate.X=...).\n"
    "Exit: 0 queued, 64 usage, 65 a value is wrong, 77 not authorized.\n";

static int request(struct globals *g, int argc, char **argv)
{
	static const struct option options[] = {
	    {"case", required_argument, NULL, 'C'},    {"ssn", required_argument, NULL, 's'},
	    {"name", required_argument, NULL, 'n'},    {"dob", required_argument, NULL, 'd'},
	    {"sex", required_argument, NULL, 'x'},     {"member", required_argument, NULL, 'm'},
	    {"purpose", required_argument, NULL, 'p'}, {"sources", required_argument, NULL, 'S'},
	    {"partner", required_argument, NULL, 'P'}, {"requester", required_argument, NULL, 'r'},
	    {"order", required_argument, NULL, 'o'},   {NULL, 0, NULL, 0},
	};
	const char *case_id = NULL, *ssn = NULL, *name = NULL, *dob = NULL, *sex = NULL,
	           *member = NULL, *purpose = NULL, *sources = NULL, *partner = NULL,
	           *requester = NULL, *order = NULL;
	int c, rc = 0;
	struct setup s;

	optind = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'C':
			case_id = optarg;
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
		case 'x':
			sex = optarg;
			break;
		case 'm':
			member = optarg;
			break;
		case 'p':
			purpose = optarg;
			break;
		case 'S':
			sources = optarg;
			break;
		case 'P':
			partner = optarg;
			break;
		case 'r':
			requester = optarg;
			break;
		case 'o':
			order = optarg;
			/* A court's or custody authority's reference, on one line. */
			if (strlen(order) < 1 || strlen(order) > 40 ||
			    strspn(order, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			                  "0123456789-./ ") != strlen(order)) {
				fputs("csgw: --order: expected the order's reference, 1 to 40 "
				      "letters, digits, spaces, '-', '.' or '/'\n",
				      stderr);
				rc = EX_USAGE;
			}
			break;
		default:
			rc = EX_USAGE;
		}
	}
	if (rc == 0 && (optind != argc || !case_id || !ssn || !name || !purpose)) {
		fputs("csgw locate request: --case, --ssn, --name and --purpose are needed\n",
		      stderr);
		rc = EX_USAGE;
	}
	if (rc)
		return rc;
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	char digits[10], masked[16];
	struct locate_sent sent;
	const struct locate_ask ask = {
	    .case_id = case_id,
	    .name = name,
	    .purpose = purpose,
	    .ssn_digits = digits,
	    .ssn_masked = masked,
	    .dob = dob,
	    .sex = sex,
	    .member = member,
	    .sources = sources,
	    .partner = partner,
	    .requester = requester,
	    .order = order,
	};
	if ((rc = cmd_ssn_option(&s, ssn, digits, masked)) == 0 &&
	    (rc = locate_request(caller_get(), &s, &ask, &sent)) == 0)
		printf(
		    "%s: locate request for case %s (subject %s) to %s for %s%s%s, queued as %s; "
		    "answers: csgw locate show %s\n",
		    sent.id, case_id, masked, sent.partner, purpose,
		    sent.serial[0] ? ", LO1 serial " : "", sent.serial, sent.entry, sent.id);
	memset(digits, 0, sizeof digits);
	setup_free(&s);
	return rc;
}

/* csgw locate answer ID ...: csgw refer --respond-to ID --action P. */
static int locate_answer(struct globals *g, int argc, char **argv)
{
	if (argc < 2) {
		fputs(locate_usage, stderr);
		return EX_USAGE;
	}
	char **args = xcalloc((size_t)argc + 5, sizeof *args);
	int n = 0;
	args[n++] = "refer";
	args[n++] = "--respond-to";
	args[n++] = argv[1];
	args[n++] = "--action";
	args[n++] = "P";
	for (int i = 2; i < argc; i++)
		args[n++] = argv[i];
	int rc = cmd_refer(g, n, args);
	free(args);
	return rc;
}

int cmd_locate(struct globals *g, int argc, char **argv)
{
	if (cmd_want_help(argc, argv, locate_usage))
		return 0;
	const char *verb = argc > 1 ? argv[1] : "";
	if (strcmp(verb, "request") == 0)
		return request(g, argc - 1, argv + 1);
	if (strcmp(verb, "list") == 0 || strcmp(verb, "show") == 0 || strcmp(verb, "close") == 0)
		return cmd_casework_view(g, "locate", argc - 1, argv + 1);
	if (strcmp(verb, "answer") == 0)
		return locate_answer(g, argc - 1, argv + 1);
	fputs(locate_usage, stderr);
	return EX_USAGE;
}
