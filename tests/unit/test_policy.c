/*
 * test_policy.c - the policy engine on the shipped policy: the month
 * arithmetic of the NDNH age limits at their edges (month ends, leap days),
 * which the CLI tests cannot pin to a date, and that the registry's answers
 * reach the decision for every SSN and case id of a record.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mapping_load.h"
#include "core/policy.h"
#include "core/policy_load.h"

static struct mapping_set *set;
static struct policy *policy;

static int load(void **state)
{
	const char *dir = getenv("CSGW_MAPPINGS");
	(void)state;
	if (dir == NULL)
		dir = "mappings";
	if (mapping_load(dir, &set, stderr) < 0)
		return -1;
	return policy_load(dir, set, &policy, stderr);
}

static int unload(void **state)
{
	(void)state;
	policy_free(policy);
	mapping_free(set);
	return 0;
}

/* A record of the ndnh family with an SSN, a name and (QW) a wage. */
static char *ndnh_line(const char *id)
{
	const struct record *r = mapping_record(mapping_family(set, "ndnh"), id);
	char *line = malloc(r->length + 1);
	memset(line, ' ', r->length);
	line[r->length] = '\0';
	memcpy(line, id, 2);
	memcpy(line + 2, "900112222", 9);
	memcpy(line + 11, "PAT", 3);
	memcpy(line + 43, "TESTER", 6);
	if (strcmp(id, "QW") == 0)
		memcpy(line + 73, "00000084000", 11);
	return line;
}

static void decide(const char *id, struct policy_request *req, struct policy_decision *d)
{
	const struct family *fam = mapping_family(set, "ndnh");
	const struct record *r = mapping_record(fam, id);
	char *line = ndnh_line(id);
	const char *lines[] = {line};
	struct policy_record rec = {fam, &r, lines, 1, NULL, NULL};

	policy_decide(policy, req, &rec, d);
	free(line);
}

static void ndnh_age_edges(void **state)
{
	static const struct {
		const char *record;
		int entered, today;
		bool matched;
		enum policy_effect effect;
		const char *rule;
	} cases[] = {
	    {"W4", 0, 20261129, false, POLICY_ALLOW, "G-IVD"},
	    {"W4", 20241115, 20261115, false, POLICY_ALLOW, "G-IVD"},
	    {"W4", 20241115, 20261116, false, POLICY_DENY, "L-NDNH-24-MONTHS"},
	    {"W4", 20240229, 20260228, false, POLICY_ALLOW, "G-IVD"},
	    {"W4", 20240229, 20260301, false, POLICY_DENY, "L-NDNH-24-MONTHS"},
	    {"QW", 20250131, 20260131, false, POLICY_ALLOW, "G-IVD"},
	    {"QW", 20250131, 20260201, false, POLICY_DENY, "L-QW-UI-12-MONTHS"},
	    {"QW", 20250131, 20260201, true, POLICY_ALLOW, "G-IVD"},
	    {"QW", 20241231, 20251231, true, POLICY_ALLOW, "G-IVD"},
	    {"QW", 20241231, 20270101, true, POLICY_DENY, "L-NDNH-24-MONTHS"},
	    {"UI", 20251129, 20261130, false, POLICY_DENY, "L-QW-UI-12-MONTHS"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct policy_request req = {.class = "iv-d-agency",
		                             .purpose = "child-support",
		                             .entered = cases[i].entered,
		                             .today = cases[i].today,
		                             .matched = cases[i].matched};
		struct policy_decision d;
		decide(cases[i].record, &req, &d);
		if (d.effect != cases[i].effect || strcmp(d.rule_id, cases[i].rule) != 0)
			fail_msg("case %zu: %s entered %d, today %d: got %s %s, expected %s %s", i,
			         cases[i].record, cases[i].entered, cases[i].today,
			         policy_effect_name(d.effect), d.rule_id,
			         policy_effect_name(cases[i].effect), cases[i].rule);
		policy_decision_free(&d);
	}
}

/* What the registry was asked, and what it answers. */
struct asked {
	char ssns[4][10];
	unsigned nssns;
	unsigned answer;
};

static unsigned protections(void *ctx, const char ssn[9], const char *case_id)
{
	struct asked *a = ctx;
	(void)case_id;
	if (a->nssns < 4)
		snprintf(a->ssns[a->nssns++], 10, "%.9s", ssn);
	return a->answer;
}

static void registry_reaches_the_decision(void **state)
{
	struct asked a = {.answer = POLICY_FAMILY_VIOLENCE};
	struct policy_registry reg = {protections, NULL, &a};
	struct policy_request req = {.class = "iv-d-agency",
	                             .purpose = "child-support",
	                             .today = 20261129,
	                             .registry = &reg};
	struct policy_decision d;
	(void)state;

	/* Without whereabouts in the record the flag takes nothing. */
	decide("W4", &req, &d);
	assert_int_equal(d.effect, POLICY_ALLOW);
	assert_true(a.nssns >= 1);
	assert_string_equal(a.ssns[0], "900112222");
	assert_int_equal(d.subject, POLICY_FAMILY_VIOLENCE);
	policy_decision_free(&d);

	const struct family *fam = mapping_family(set, "ndnh");
	const struct record *r = mapping_record(fam, "W4");
	char *line = ndnh_line("W4");
	memcpy(line + 298, "EXAMPLE EMPLOYER", 16); /* employerName */
	const char *lines[] = {line};
	struct policy_record rec = {fam, &r, lines, 1, NULL, NULL};
	policy_decide(policy, &req, &rec, &d);
	assert_int_equal(d.effect, POLICY_PROHIBIT);
	assert_string_equal(d.rule_id, "L-FAMILY-VIOLENCE");
	policy_decision_free(&d);
	req.class = "court";
	policy_decide(policy, &req, &rec, &d);
	assert_int_equal(d.effect, POLICY_ALLOW);
	policy_decision_free(&d);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ndnh_age_edges),
	    cmocka_unit_test(registry_reaches_the_decision),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
