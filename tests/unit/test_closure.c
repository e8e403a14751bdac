/*
 * test_closure.c - every closure case as a table row: who asks, current
 * assistance, TANF arrears with and without a non-TANF certification, the
 * passport threshold, payment processing; each row names the exact Case
 * Submission records the closure sends (transaction, case type, exclusion
 * indicators) and the state remedies it releases.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "core/closure.h"

struct row {
	const char *name;
	const char *opened_by, *assistance;
	long long arrears_family, arrears_state;
	const char *certs;        /* case types certified: "", "N", "A", "AN" */
	const char *requested_by; /* NULL: the agency */
	bool license, lien;
	/* expected */
	enum closure_verdict verdict;
	const char *records; /* "D N; R A ADM RET ..." */
	bool tax_continues, release_license, release_lien;
	const char *why_has;
	bool owed_flag; /* state-owed arrears recorded as the flag only (older cases) */
};

static const struct row rows[] = {
    {"opener asks, non-TANF: delete", "custodial-party", "none", 3100, 0, "N", "custodial-party",
     false, false, CLOSURE_OK, "D N", false, false, false, NULL, false},
    {"noncustodial parent asks: refused, told of an attorney", "custodial-party", "none", 3100, 0,
     "N", "noncustodial-parent", false, false, CLOSURE_NOT_OPENER, "", false, false, false,
     "a private attorney can advise", false},
    {"another state asks a case the custodial party opened: refused", "custodial-party", "none", 0,
     0, "", "other-state", false, false, CLOSURE_NOT_OPENER, "", false, false, false,
     "only the party who opened the case (custodial-party)", false},
    {"a party asks a case a TANF referral opened: refused", "tanf-referral", "none", 0, 0, "",
     "custodial-party", false, false, CLOSURE_NOT_OPENER, "", false, false, false,
     "opened by a referral", false},
    {"the agency closes a case a referral opened", "tanf-referral", "none", 0, 0, "", NULL, false,
     false, CLOSURE_OK, "", false, false, false, NULL, false},
    {"current cash assistance: refused even to the opener", "custodial-party", "tanf", 0, 900, "A",
     "custodial-party", false, false, CLOSURE_ASSISTANCE, "", false, false, false,
     "current cash assistance (TANF)", false},
    {"current Medicaid: refused to the agency too", "medicaid-referral", "medicaid", 0, 0, "N",
     NULL, false, false, CLOSURE_ASSISTANCE, "", false, false, false, "current Medicaid", false},
    {"TANF arrears owed to the state: tax refund offset stays, all else excluded",
     "custodial-party", "none", 0, 1200, "A", "custodial-party", false, false, CLOSURE_OK,
     "R A ADM RET VEN SAL PAS FIN INS DCK", true, false, false, NULL, false},
    {"TANF and non-TANF arrears: non-TANF deleted, TANF keeps TAX", "custodial-party", "none", 3100,
     1200, "AN", "custodial-party", true, true, CLOSURE_OK,
     "R A ADM RET VEN SAL PAS FIN INS DCK; D N", true, true, true, NULL, false},
    {"TANF certification, nothing owed to the state: deleted", "custodial-party", "none", 3100, 0,
     "AN", NULL, false, true, CLOSURE_OK, "D A; D N", false, false, true, NULL, false},
    {"state-owed arrears recorded as the flag only: TAX still stays", "custodial-party", "none", 0,
     0, "A", NULL, false, false, CLOSURE_OK, "R A ADM RET VEN SAL PAS FIN INS DCK", true, false,
     false, NULL, true},
    {"a referral cannot ask, even the one that opened the case", "tanf-referral", "none", 0, 0, "",
     "tanf-referral", false, false, CLOSURE_NOT_OPENER, "", false, false, false,
     "opened by a referral", false},
    {"the noncustodial parent who opened the case may ask", "noncustodial-parent", "none", 900, 0,
     "N", "noncustodial-parent", false, false, CLOSURE_OK, "D N", false, false, false, NULL, false},
    {"license and lien, no certification", "court", "none", 0, 0, "", "court", true, false,
     CLOSURE_OK, "", false, true, false, NULL, false},
};

static void plan_text(const struct closure_plan *p, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < p->noffset; i++) {
		o += (size_t)snprintf(out + o, size - o, "%s%c %c", i ? "; " : "",
		                      p->offset[i].transaction, p->offset[i].case_type);
		for (size_t r = 0; r < OFFSET_REMEDIES; r++)
			if (p->offset[i].excluded[r])
				o += (size_t)snprintf(out + o, size - o, " %s",
				                      offset_remedy_codes[r]);
	}
}

static void every_row(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const struct row *w = &rows[i];
		struct registry_case c = {.enforcement = "open"};
		snprintf(c.opened_by, sizeof c.opened_by, "%s", w->opened_by);
		snprintf(c.assistance, sizeof c.assistance, "%s", w->assistance);
		c.arrears_family = w->arrears_family;
		c.arrears_state = w->arrears_state;
		c.state_owed_arrears = w->owed_flag;
		struct offset_cert certs[2];
		size_t n = 0;
		for (const char *t = w->certs; *t; t++)
			certs[n++] = (struct offset_cert){.case_type = *t, .arrears = 100};
		struct closure_case k = {&c, certs, n, w->license, w->lien};
		struct closure_plan p;
		char got[256];
		closure_plan(&k, w->requested_by, &p);
		plan_text(&p, got, sizeof got);
		print_message("%s: verdict %d, records '%s', why '%s'\n", w->name, p.verdict, got,
		              p.why);
		assert_int_equal(p.verdict, w->verdict);
		assert_string_equal(got, w->records);
		assert_int_equal(p.tax_offset_continues, w->tax_continues);
		assert_int_equal(p.release_license, w->release_license);
		assert_int_equal(p.release_lien, w->release_lien);
		assert_non_null(p.citation);
		if (w->why_has)
			assert_non_null(strstr(p.why, w->why_has));
		else
			assert_string_equal(p.why, "");
	}
}

static void released_certification_is_not_sent_again(void **state)
{
	(void)state;
	struct registry_case c = {
	    .enforcement = "open", .opened_by = "court", .assistance = "none"};
	struct offset_cert certs[] = {{.case_type = 'N', .released = true}};
	struct closure_case k = {&c, certs, 1, false, false};
	struct closure_plan p;
	closure_plan(&k, NULL, &p);
	assert_int_equal(p.verdict, CLOSURE_OK);
	assert_int_equal(p.noffset, 0);
}

static void passport_threshold(void **state)
{
	(void)state;
	struct registry_case c = {.arrears_family = 2500};
	assert_false(closure_passport_due(&c)); /* over $2,500, not at it */
	c.arrears_state = 1;
	assert_true(closure_passport_due(&c)); /* TANF and non-TANF combined */
	c = (struct registry_case){.arrears_state = 2501};
	assert_true(closure_passport_due(&c));
}

static void payment_processing_closes_for_court_or_agency_only(void **state)
{
	(void)state;
	char why[256];
	assert_int_equal(closure_payment_processing("court", why, sizeof why), 0);
	assert_int_equal(closure_payment_processing("agency", why, sizeof why), 0);
	assert_int_equal(closure_payment_processing("custodial-party", why, sizeof why), -1);
	assert_non_null(strstr(why, "not at the request of custodial-party"));
	assert_int_equal(closure_payment_processing(NULL, why, sizeof why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_row),
	    cmocka_unit_test(released_certification_is_not_sent_again),
	    cmocka_unit_test(passport_threshold),
	    cmocka_unit_test(payment_processing_closes_for_court_or_agency_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
