/*
 * test_casework.c - batches composed from named values (core/compose.h),
 * entries staged whole into the spool (spool_submit), and the ledger of
 * requests and answers (io/ledger_db.h) on a real SQLite file.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/compose.h"
#include "core/mapping_load.h"
#include "core/spool.h"
#include "io/ledger_db.h"
#include "util/alloc.h"

static struct mapping_set *set;

static int load(void **state)
{
	const char *dir = getenv("CSGW_MAPPINGS");
	(void)state;
	return mapping_load(dir ? dir : "mappings", &set, stderr);
}

static int unload(void **state)
{
	(void)state;
	mapping_free(set);
	return 0;
}

/* Field values are checked by the mapping's rules, errors name the field
 * and mask an SSN. */
static void field_rules(void **state)
{
	static const struct {
		const char *assignment;
		const char *error; /* NULL: accepted; else part of the message */
	} cases[] = {
	    {"transaction.reasonCode=LSADR", NULL},
	    {"transaction.reasonCode=XXXXX", "transaction.reasonCode: 'XXXXX'"},
	    {"transaction.functionCode=LO2", "transaction.functionCode: 'LO2'"},
	    {"ncpIdentification.ssn=900123456", NULL},
	    {"ncpIdentification.ssn=000123456", "***-**-3456"},
	    {"ncpIdentification.dateOfBirth=1980-02-30", "ncpIdentification.dateOfBirth"},
	    {"ncpIdentification.lastName=DOE", NULL},
	    {"ncpIdentification.shoeSize=9", "ncpIdentification has no field shoeSize"},
	    {"information.statusChange=C", NULL},
	    {"receipt.x=1", "not a block of transaction"},
	    {"supportOrder.amount=250.00", NULL},
	    {"supportOrder.amount=-1", "supportOrder.amount"},
	    {"noequals", "expected element.field=value"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct compose c;
		char err[512] = "";
		compose_begin(&c, mapping_batch(set, "referral"), true);
		long lead = compose_add(&c, "TH");
		assert_true(lead >= 0);
		int rc = compose_assign(&c, (size_t)lead, cases[i].assignment, err, sizeof err);
		if (cases[i].error == NULL && rc != 0)
			fail_msg("'%s' refused: %s", cases[i].assignment, err);
		if (cases[i].error && (rc == 0 || strstr(err, cases[i].error) == NULL))
			fail_msg("'%s': rc %d, '%s', expected '%s'", cases[i].assignment, rc, err,
			         cases[i].error);
		if (strstr(err, "000123456"))
			fail_msg("an SSN in a message: %s", err);
		compose_free(&c);
	}
}

/* Blocks go in child order whatever order they are set in; the counts of
 * the lead and the trailer follow. */
static void blocks_and_counts(void **state)
{
	struct compose c;
	char err[256];
	(void)state;
	compose_begin(&c, mapping_batch(set, "referral"), true);
	compose_add(&c, "RH");
	size_t lead = (size_t)compose_add(&c, "TH");
	compose_add(&c, "RT");
	assert_int_equal(compose_assign(&c, lead, "information.textLine1=HELLO", err, sizeof err),
	                 0);
	assert_int_equal(
	    compose_assign(&c, lead, "ncpIdentification.lastName=DOE", err, sizeof err), 0);
	assert_int_equal(
	    compose_assign(&c, lead, "ncpIdentification.firstName=JO", err, sizeof err), 0);
	assert_int_equal(compose_assign(&c, lead, "caseData.caseType=F", err, sizeof err), 0);
	compose_counts(&c);
	const char *order[] = {"RH", "TH", "CD", "NI", "IN", "RT"};
	assert_int_equal(c.n, 6);
	for (size_t i = 0; i < 6; i++)
		assert_memory_equal(c.lines[i], order[i], 2);
	/* TH: caseData 1, ncpIdentification 1, ... information 1 (77-83). */
	assert_memory_equal(c.lines[1] + 76, "1100001", 7);
	/* RT: 1 transaction, 4 records (TH and its blocks). */
	assert_memory_equal(c.lines[5] + 2, "0000000100000004", 16);
	/* A raw block line lands at the end of the group. */
	char *pt = xmalloc(401);
	memset(pt, ' ', 400);
	memcpy(pt, "PT", 2);
	pt[400] = '\0';
	assert_int_equal(compose_add_child(&c, lead, pt), 5);
	pt[0] = 'Q';
	assert_int_equal(compose_add_child(&c, lead, pt), -1);
	free(pt);
	compose_free(&c);
}

/* A staged entry appears in active whole, with its files and meta; one
 * given up leaves nothing. */
static void staged_entries(void **state)
{
	char root[] = "/tmp/csgw-stage-XXXXXX";
	(void)state;
	assert_non_null(mkdtemp(root));
	assert_int_equal(spool_make(root), 0);
	char *stage = spool_stage(root);
	assert_non_null(stage);
	char *file = xasprintf("%s/disclosed.xml", stage);
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fputs("<x/>\n", fp);
	fclose(fp);
	free(file);
	struct spool_entry e = {0}, back;
	snprintf(e.partner, sizeof e.partner, "TX");
	snprintf(e.kind, sizeof e.kind, "batch");
	assert_int_equal(spool_submit(root, &e, stage), 0);
	assert_true(spool_id_valid(e.id));
	assert_int_equal(access(stage, F_OK), -1);
	assert_int_equal(spool_load(root, SPOOL_ACTIVE, e.id, &back), 0);
	assert_string_equal(back.partner, "TX");
	char *moved = spool_path(root, &back, "disclosed.xml");
	assert_int_equal(access(moved, F_OK), 0);
	free(moved);
	free(stage);
	stage = spool_stage(root);
	spool_unstage(stage);
	assert_int_equal(access(stage, F_OK), -1);
	free(stage);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static int count(void *ctx, const struct ledger_request *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int count_answers(void *ctx, const struct ledger_response *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

/* Counters, requests by id, serial and case, answers recorded once. */
static void ledger(void **state)
{
	char dir[] = "/tmp/csgw-ledger-XXXXXX", why[512];
	(void)state;
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/ledger.db", dir);
	struct ledger_db *db = NULL;
	assert_int_equal(ledger_db_open(path, false, &db, why, sizeof why), -1);
	assert_int_equal(ledger_db_open(path, true, &db, why, sizeof why), 0);
	long long v = 0;
	for (long long want = 1; want <= 3; want++) {
		assert_int_equal(ledger_next(db, "serial", 1, &v, why, sizeof why), 0);
		assert_int_equal(v, want);
	}
	assert_int_equal(ledger_next(db, "other", 7, &v, why, sizeof why), 0);
	assert_int_equal(v, 7);

	struct ledger_request r = {.created = 100, .due = 200}, got;
	snprintf(r.id, sizeof r.id, "L-000001");
	snprintf(r.kind, sizeof r.kind, "locate");
	snprintf(r.direction, sizeof r.direction, "out");
	snprintf(r.partner, sizeof r.partner, "TX");
	snprintf(r.case_id, sizeof r.case_id, "C1");
	snprintf(r.serial, sizeof r.serial, "060000000001");
	snprintf(r.member_id, sizeof r.member_id, "M1");
	snprintf(r.status, sizeof r.status, "pending");
	assert_int_equal(ledger_request_add(db, &r, why, sizeof why), 0);
	assert_int_equal(ledger_request_add(db, &r, why, sizeof why), -1); /* same id */
	assert_int_equal(ledger_request_get(db, "L-000001", &got, why, sizeof why), 0);
	assert_int_equal(got.due, 200);
	assert_int_equal(ledger_request_get(db, "L-9", &got, why, sizeof why), 1);
	assert_int_equal(
	    ledger_request_by_serial(db, "TX", "out", "060000000001", &got, why, sizeof why), 0);
	assert_int_equal(
	    ledger_request_by_serial(db, "CA", "out", "060000000001", &got, why, sizeof why), 1);
	assert_int_equal(ledger_request_by_case(db, "TX", "C1", "M1", &got, why, sizeof why), 0);
	assert_int_equal(ledger_request_by_case(db, "TX", "C1", "M2", &got, why, sizeof why), 1);

	int n = 0;
	struct ledger_filter late = {.due_before = 300};
	assert_int_equal(ledger_requests(db, &late, count, &n, why, sizeof why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(
	    ledger_request_set_status(db, "L-000001", "answered", 250, why, sizeof why), 0);
	n = 0;
	assert_int_equal(ledger_requests(db, &late, count, &n, why, sizeof why), 0);
	assert_int_equal(n, 0);

	struct ledger_response a = {.received = 250, .lines = "TH..."};
	snprintf(a.request, sizeof a.request, "L-000001");
	snprintf(a.partner, sizeof a.partner, "TX");
	snprintf(a.file, sizeof a.file, "f.xml");
	assert_int_equal(ledger_response_add(db, &a, why, sizeof why), 0);
	assert_int_equal(ledger_response_add(db, &a, why, sizeof why), 0); /* a redelivery */
	n = 0;
	assert_int_equal(ledger_responses(db, "L-000001", count_answers, &n, why, sizeof why), 0);
	assert_int_equal(n, 1);
	a.request[0] = '\0';
	a.lines = "TH other";
	assert_int_equal(ledger_response_add(db, &a, why, sizeof why), 0);
	long long unmatched = 0;
	assert_int_equal(ledger_unmatched_count(db, "TX", &unmatched, why, sizeof why), 0);
	assert_int_equal(unmatched, 1);
	assert_int_equal(ledger_unmatched_count(db, "CA", &unmatched, why, sizeof why), 0);
	assert_int_equal(unmatched, 0);
	ledger_db_close(db);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(field_rules),
	    cmocka_unit_test(blocks_and_counts),
	    cmocka_unit_test(staged_entries),
	    cmocka_unit_test(ledger),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
