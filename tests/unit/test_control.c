/*
 * test_control.c - the control protocol (core/control.h): requests that
 * round-trip, and every way a request can be malformed, table-driven; the
 * answers; and the table of roles (core/roles.h).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/control.h"
#include "core/roles.h"

static void request_round_trips(void **state)
{
	(void)state;
	char *argv[] = {"locate", "request", "--name", "Doe, Jane", "--case", "C1", "x.xml", NULL};
	int files[] = {6};
	char buf[CONTROL_MAX], why[256];
	long n = control_request_format(7, argv, 1, files, buf, sizeof buf, why, sizeof why);
	assert_true(n > 0);
	struct control_request r;
	assert_int_equal(control_request_parse(buf, (size_t)n, &r, why, sizeof why), 0);
	assert_int_equal(r.argc, 7);
	for (int i = 0; i < 7; i++)
		assert_string_equal(r.argv[i], argv[i]);
	assert_null(r.argv[7]);
	assert_int_equal(r.nfiles, 1);
	assert_int_equal(r.file_arg[0], 6);
}

/* Each malformed request is refused with a reason that says what. */
static void malformed_requests_are_refused(void **state)
{
	(void)state;
	static const struct {
		const char *msg;
		size_t len; /* 0: strlen */
		const char *why;
	} cases[] = {
	    {"", 0, "not a csgw-control version 1"},
	    {"csgw-control 2 1 0\nstatus", 0, "not a csgw-control version 1"},
	    {"CSGW-CONTROL 1 1 0\nstatus", 0, "not a csgw-control version 1"},
	    {"csgw-control 1 0 0\n", 0, "bad header"},
	    {"csgw-control 1 65 0\n", 0, "bad header"},
	    {"csgw-control 1 1 5\nstatus", 0, "bad header"},
	    {"csgw-control 1 1\nstatus", 0, "bad header"},
	    {"csgw-control 1 -1 0\n", 0, "bad header"},
	    {"csgw-control 1 1 0 \nstatus", 0, "bad header"},
	    {"csgw-control 1 2 0\nstatus\0", 19 + 7, "argument 1 is not ended"},
	    {"csgw-control 1 1 0\nstatus", 0, "argument 0 is not ended"},
	    {"csgw-control 1 1 0\n\0", 19 + 1, "empty"},
	    {"csgw-control 1 1 0\nstatus\0extra", 19 + 12, "bytes after the request"},
	    {"csgw-control 1 1 1\nstatus\0"
	     "0\0",
	     19 + 7 + 2, "names no argument"},
	    {"csgw-control 1 2 1\nrefer\0a.xml\0"
	     "7\0",
	     19 + 12 + 2, "names no argument"},
	    {"csgw-control 1 2 2\nrefer\0a.xml\0"
	     "1\0"
	     "1\0",
	     19 + 12 + 4, "passed twice"},
	    {"csgw-control 1 2 1\nrefer\0a.xml\0"
	     "1",
	     19 + 12 + 1, "names no argument"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].msg);
		char *copy = malloc(len + 1);
		memcpy(copy, cases[i].msg, len);
		struct control_request r;
		char why[256] = "";
		int rc = control_request_parse(copy, len, &r, why, sizeof why);
		if (rc != -1 || strstr(why, cases[i].why) == NULL)
			fail_msg("case %zu: rc %d, why '%s', expected '%s'", i, rc, why,
			         cases[i].why);
		free(copy);
	}
}

static void limits_are_kept_when_formatting(void **state)
{
	(void)state;
	char big[CONTROL_MAX_ARG + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *argv[] = {"status", big, NULL};
	char buf[CONTROL_MAX], why[256];
	assert_int_equal(control_request_format(2, argv, 0, NULL, buf, sizeof buf, why, sizeof why),
	                 -1);
	assert_int_equal(control_request_format(CONTROL_MAX_ARGS + 1, argv, 0, NULL, buf,
	                                        sizeof buf, why, sizeof why),
	                 -1);
}

static void answers(void **state)
{
	(void)state;
	int code = -1;
	char why[128];
	assert_int_equal(
	    control_answer_parse("csgw-control 1 exit 77\n", 23, &code, why, sizeof why), 0);
	assert_int_equal(code, 77);
	assert_int_equal(
	    control_answer_parse("csgw-control 1 error busy\n", 26, &code, why, sizeof why), 1);
	assert_string_equal(why, "busy");
	assert_int_equal(
	    control_answer_parse("csgw-control 1 exit 256\n", 24, &code, why, sizeof why), -1);
	assert_int_equal(control_answer_parse("csgw-control 1 exit 7", 21, &code, why, sizeof why),
	                 -1);
	assert_int_equal(control_answer_parse("hello\n", 6, &code, why, sizeof why), -1);
	/* What the daemon writes, the client reads; a line end stays inside. */
	char msg[128];
	size_t n = control_answer_format(0, "bad\nline", msg, sizeof msg);
	assert_int_equal(control_answer_parse(msg, n, &code, why, sizeof why), 1);
	assert_string_equal(why, "bad line");
	n = control_answer_format(65, NULL, msg, sizeof msg);
	assert_int_equal(control_answer_parse(msg, n, &code, why, sizeof why), 0);
	assert_int_equal(code, 65);
}

/* The one table: which role each served command needs; the rest run
 * where typed. */
static void roles_table(void **state)
{
	(void)state;
	static const struct {
		const char *argv[3];
		int argc;
		int served;
		unsigned roles;
	} cases[] = {
	    {{"locate", "request"}, 2, 1, ROLE_CASEWORKER | ROLE_SUPERVISOR},
	    {{"refer", "--to"}, 2, 1, ROLE_CASEWORKER | ROLE_SUPERVISOR},
	    {{"case", "show"}, 2, 1, ROLE_CASEWORKER | ROLE_SUPERVISOR},
	    {{"case", "set"}, 2, 1, ROLE_SUPERVISOR},
	    {{"protect", "remove"}, 2, 1, ROLE_SUPERVISOR},
	    {{"protect", "list"}, 2, 1, ROLE_SUPERVISOR | ROLE_COMPLIANCE},
	    {{"audit", "search"}, 2, 1, ROLE_COMPLIANCE},
	    {{"audit", "verify"}, 2, 1, ROLE_COMPLIANCE},
	    {{"audit", "check-proof"}, 2, 0, 0},
	    {{"policy", "explain"}, 2, 1, ROLE_COMPLIANCE},
	    {{"policy", "apply"}, 2, 0, 0},
	    {{"status"}, 1, 1, ROLE_OPERATOR},
	    {{"queue", "purge"}, 2, 1, ROLE_OPERATOR},
	    {{"partner", "check"}, 2, 1, ROLE_OPERATOR},
	    {{"map", "ndnh-report"}, 2, 0, 0},
	    {{"run"}, 1, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct role_rule *r = roles_rule(cases[i].argc, (char *const *)cases[i].argv);
		if ((r != NULL) != cases[i].served || (r && r->roles != cases[i].roles))
			fail_msg("case %zu (%s %s): served %d roles %u", i, cases[i].argv[0],
			         cases[i].argv[1] ? cases[i].argv[1] : "", r != NULL,
			         r ? r->roles : 0);
	}
	char buf[64];
	roles_format(ROLE_CASEWORKER | ROLE_OPERATOR, " or ", buf, sizeof buf);
	assert_string_equal(buf, "caseworker or operator");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(request_round_trips),
	    cmocka_unit_test(malformed_requests_are_refused),
	    cmocka_unit_test(limits_are_kept_when_formatting),
	    cmocka_unit_test(answers),
	    cmocka_unit_test(roles_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
