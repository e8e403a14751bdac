/*
 * casework_view.c - csgw locate|refer list, show, close, unmatched and
 * dismiss: the ledger's requests and their answers (ops/answers.h),
 * printed as the requester may see them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/caller.h"
#include "ops/answers.h"

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

static int list_row(void *ctx, const struct ledger_request *r, unsigned answers)
{
	unsigned *n = ctx;
	char created[32], what[40], status[40];
	when(r->created, created, sizeof created);
	if (r->serial[0])
		snprintf(what, sizeof what, "%s %s %s", r->function, r->action, r->reason);
	else
		snprintf(what, sizeof what, "FPLS %s", r->purpose);
	if ((*n)++ == 0)
		printf("%-16s %-16s %-3s %-8s %-15s %-17s %-11s %-22s %s\n", "ID", "CREATED", "DIR",
		       "PARTNER", "CASE", "TRANSACTION", "SUBJECT", "STATUS", "ANSWERS");
	snprintf(status, sizeof status, "%s%s", r->status, request_overdue(r) ? ", OVERDUE" : "");
	printf("%-16s %-16s %-3s %-8s %-15s %-17s %-11s %-22s %u\n", r->id, created, r->direction,
	       r->partner, r->case_id, what, r->subject_mask[0] ? r->subject_mask : "-", status,
	       answers);
	return 0;
}

static int list(struct setup *s, const char *kind, int argc, char **argv)
{
	static const struct option options[] = {
	    {"inbound", no_argument, NULL, 'i'},       {"outbound", no_argument, NULL, 'o'},
	    {"status", required_argument, NULL, 's'},  {"case", required_argument, NULL, 'c'},
	    {"partner", required_argument, NULL, 'p'}, {"overdue", no_argument, NULL, 'O'},
	    {"mine", no_argument, NULL, 'm'},          {NULL, 0, NULL, 0},
	};
	struct ledger_filter f = {.kind = kind};
	int c;
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
	unsigned n = 0;
	int rc = requests_list(s, &f, list_row, &n);
	if (rc == 0 && n == 0)
		printf("no %s requests%s\n", kind,
		       f.status || f.case_id || f.partner || f.due_before || f.actor || f.direction
		           ? " match"
		           : " yet");
	return rc;
}

static void print_answer(void *ctx, const struct answer_view *a)
{
	const struct ledger_response *resp = a->resp;
	char received[32];
	(void)ctx;
	when(resp->received, received, sizeof received);
	if (a->request_itself)
		printf("\n  the request, received %s from %s (file %s):\n", received, resp->partner,
		       resp->file);
	else
		printf("\n  answer from %s, %s: %s%s%s (file %s)\n", resp->partner, received,
		       resp->source, resp->reason[0] ? " " : "", resp->reason, resp->file);
	switch (a->seen) {
	case ANSWER_UNREADABLE:
		printf("      (the recorded lines no longer match the %s mapping)\n", resp->family);
		return;
	case ANSWER_PROHIBITED:
		printf("      DISCLOSURE PROHIBITED, COURT ONLY: %s\n", a->notice);
		if (a->rule)
			printf("      (%s, %s)\n", a->rule, a->citation);
		return;
	case ANSWER_DENIED:
		printf("      withheld from a %s requester for %s: %s (%s): %s\n", a->requester,
		       a->purpose, a->rule, a->citation, a->reason);
		return;
	case ANSWER_SHOWN:
		break;
	}
	for (size_t i = 0; i < a->nfields; i++) {
		const struct answer_field *f = &a->fields[i];
		if (f->withheld)
			printf("      %-38s (withheld: %s, %s)\n", f->name, f->withheld,
			       f->citation);
		else
			printf("      %-38s %s%s\n", f->name, f->shown,
			       f->fti
			           ? "   [FTI: federal tax information, IRC 6103; no redisclosure]"
			           : "");
	}
}

static int show(struct setup *s, int argc, char **argv)
{
	struct ledger_request r;
	char created[32], due[32], answered[32];
	if (argc != 2) {
		fputs("csgw: show needs one request id\n", stderr);
		return EX_USAGE;
	}
	int rc = request_find(s, argv[1], &r);
	if (rc)
		return rc;
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
	       request_overdue(&r) ? ", OVERDUE" : "", created, r.actor, uid, due, answered);
	printf("  %s %s\n", strcmp(r.direction, "in") == 0 ? "delivered as " : "spool entry  ",
	       r.entry[0] ? r.entry : "-");
	unsigned answers = 0;
	rc = request_answers(caller_get(), s, &r, print_answer, NULL, &answers);
	if (rc == 0 && answers == 0)
		printf("\n  no answer yet\n");
	return rc;
}

/* A request nobody will answer any more: closed by a person, so it is
 * no longer overdue. */
static int close_request(struct setup *s, int argc, char **argv)
{
	struct ledger_request r;
	if (argc != 2) {
		fputs("csgw: close needs one request id\n", stderr);
		return EX_USAGE;
	}
	int rc = request_close(s, argv[1], &r);
	if (rc == 0)
		printf("%s: closed (was %s); answers that still come are matched to it\n", r.id,
		       r.status);
	return rc;
}

static int unmatched_row(void *ctx, const struct ledger_response *r)
{
	char received[32], answer[24];
	if ((*(unsigned *)ctx)++ == 0)
		printf("%-6s %-16s %-8s %-9s %-12s %-13s %s\n", "N", "RECEIVED", "PARTNER",
		       "FAMILY", "ANSWER", "KEY", "FILE");
	when(r->received, received, sizeof received);
	snprintf(answer, sizeof answer, "%s%s%s", r->source, r->reason[0] ? " " : "", r->reason);
	printf("%-6lld %-16s %-8s %-9s %-12s %-13s %s\n", r->n, received, r->partner, r->family,
	       answer, r->key, r->file);
	return 0;
}

/* Answers that matched no request: listed, or one dismissed by a person
 * who has dealt with it (the delivered file is in the inbox). */
static int unmatched(struct setup *s, int argc, char **argv)
{
	if (strcmp(argv[0], "dismiss") == 0) {
		char *end = NULL;
		long long n = argc == 2 ? strtoll(argv[1], &end, 10) : 0;
		if (argc != 2 || *end || n <= 0) {
			fputs("csgw: dismiss needs the N of an unmatched answer\n", stderr);
			return EX_USAGE;
		}
		int rc = unmatched_dismiss(s, n);
		if (rc == 0)
			printf("answer %lld: dismissed\n", n);
		return rc;
	}
	unsigned count = 0;
	int rc = unmatched_list(s, unmatched_row, &count);
	if (rc == 0 && count == 0)
		printf("every answer matched a request\n");
	return rc;
}

int cmd_casework_view(struct globals *g, const char *kind, int argc, char **argv)
{
	struct setup s;
	int rc = cmd_setup(g, true, &s);
	if (rc)
		return rc;
	if (strcmp(argv[0], "list") == 0)
		rc = list(&s, kind, argc, argv);
	else if (strcmp(argv[0], "show") == 0)
		rc = show(&s, argc, argv);
	else if (strcmp(argv[0], "close") == 0)
		rc = close_request(&s, argc, argv);
	else
		rc = unmatched(&s, argc, argv);
	setup_free(&s);
	return rc;
}
