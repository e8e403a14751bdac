/*
 * test_policy.c - the policy engine on the shipped policy: the month
 * arithmetic of the NDNH age limits at their edges (month ends, leap days),
 * which the CLI tests cannot pin to a date, that the registry's answers
 * reach the decision for every SSN and case id of a record, and which
 * locate answer of a batch is a person's most recent (42 U.S.C. 663(c)):
 * ties, undated addresses, kinds of address, a record decided alone; and
 * that the policy compiled once for a batch decides every record as a
 * decision of that record alone does.
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
	struct policy_record rec = {.family = fam, .records = &r, .lines = lines, .nlines = 1};

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
	struct policy_record rec = {.family = fam, .records = &r, .lines = lines, .nlines = 1};
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

/* A locate answer (FF): SSN, address type, first address line, date. */
static char *ff_line(const char *ssn, char type, const char *address, const char *date)
{
	const struct record *r = mapping_record(mapping_family(set, "locate"), "FF");
	char *line = malloc(r->length + 1);
	memset(line, ' ', r->length);
	line[r->length] = '\0';
	memcpy(line, "FF", 2);
	memcpy(line + 60, "E01", 3);            /* agencyCode */
	memcpy(line + 64, "PAT", 3);            /* firstName */
	memcpy(line + 188, "CS2024000117", 12); /* caseId */
	memcpy(line + 218, ssn, strlen(ssn));   /* ssn */
	if (address) {
		line[227] = type;                             /* addressType */
		memcpy(line + 229, address, strlen(address)); /* addressLine1 */
		memcpy(line + 385, date, strlen(date));       /* dateOfAddress */
	}
	return line;
}

static void most_recent_of_each_person(void **state)
{
	static const struct {
		const char *ssn;
		char type;
		const char *address, *date;
		bool older; /* withheld from a custody request */
	} batch[] = {
	    {"900112222", '2', "1 OLD ST", "20240110", true},
	    {"900113333", '2', "2 ONLY ST", "20230101", false}, /* another person */
	    {"900112222", '2', "3 NEW ST", "20250301", false},
	    {"900112222", '1', "ACME", "", false},                 /* employer: a kind of its own */
	    {"900112222", '1', "BETA", "", true},                  /* undated tie: the first wins */
	    {"900112222", '2', "6 SAME DAY ST", "20250301", true}, /* dated tie: the first wins */
	    {"900112222", '2', "7 UNDATED ST", "", true},          /* undated is the oldest */
	    {"900112222", ' ', NULL, NULL, false},                 /* no address: not judged */
	};
	const size_t n = sizeof batch / sizeof batch[0];
	const struct family *fam = mapping_family(set, "locate");
	const struct record *r = mapping_record(fam, "FF");
	struct policy_request custody = {
	    .class = "custody-authority", .purpose = "custody-visitation", .today = 20261129};
	struct policy_request support = {.class = "iv-d-agency", .purpose = "child-support"};
	char *lines[sizeof batch / sizeof batch[0]];
	(void)state;

	assert_true(policy_batch_needed(policy, &custody, fam));
	assert_false(policy_batch_needed(policy, &support, fam));
	assert_false(policy_batch_needed(policy, &custody, mapping_family(set, "ndnh")));

	struct policy_batch *b = policy_batch_new(policy);
	for (size_t i = 0; i < n; i++) {
		lines[i] = ff_line(batch[i].ssn, batch[i].type, batch[i].address, batch[i].date);
		const char *l[] = {lines[i]};
		struct policy_record rec = {.family = fam, .records = &r, .lines = l, .nlines = 1};
		policy_batch_add(b, &rec);
	}
	for (size_t i = 0; i < n; i++) {
		const char *l[] = {lines[i]};
		struct policy_record rec = {.family = fam,
		                            .records = &r,
		                            .lines = l,
		                            .nlines = 1,
		                            .batch = b,
		                            .number = i + 1};
		struct policy_decision d;
		policy_decide(policy, &custody, &rec, &d);
		bool withheld =
		    d.effect == POLICY_DENY && strcmp(d.rule_id, "L-663-MOST-RECENT") == 0;
		if (withheld != batch[i].older)
			fail_msg("record %zu (%s): got %s %s", i + 1,
			         batch[i].address ? batch[i].address : "no address",
			         policy_effect_name(d.effect), d.rule_id);
		policy_decision_free(&d);
		/* For child support every address goes. */
		policy_decide(policy, &support, &rec, &d);
		assert_int_equal(d.effect, POLICY_ALLOW);
		policy_decision_free(&d);
		/* Decided alone, an address cannot be shown to be the most recent. */
		rec.batch = NULL;
		policy_decide(policy, &custody, &rec, &d);
		assert_int_equal(d.effect == POLICY_DENY, batch[i].address != NULL);
		if (batch[i].address)
			assert_non_null(strstr(d.reason, "without the rest of its batch"));
		policy_decision_free(&d);
	}
	policy_batch_free(b);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
}

/* One compiled policy, reused record after record, decides each as
 * policy_decide does alone: nothing of one record stays for the next. */
static void compiled_decides_as_alone(void **state)
{
	static const struct {
		const char *class, *purpose;
		int entered;
	} requests[] = {
	    {"iv-d-agency", "child-support", 0},
	    {"iv-d-agency", "child-support", 20200101}, /* older than 24 months */
	    {"federal-office", "child-support", 0},
	    {"court", "custody-visitation", 0},
	    {"state-program", "child-support", 0},
	    {"resident-parent", "child-support", 0},
	    {"iv-d-agency", "no-such-purpose", 0},
	    {"no-such-class", "child-support", 0},
	};
	static const char *const ids[] = {"W4", "QW", "UI", "W4", "UI", "QW"};
	const struct family *fam = mapping_family(set, "ndnh");
	(void)state;

	for (size_t q = 0; q < sizeof requests / sizeof requests[0]; q++) {
		struct policy_request req = {.class = requests[q].class,
		                             .purpose = requests[q].purpose,
		                             .entered = requests[q].entered,
		                             .today = 20261204};
		struct policy_compiled *c = policy_compile(policy, &req, fam);
		for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
			const struct record *r = mapping_record(fam, ids[i]);
			char *line = ndnh_line(ids[i]);
			const char *lines[] = {line};
			struct policy_record rec = {
			    .family = fam, .records = &r, .lines = lines, .nlines = 1};
			struct policy_decision alone, compiled;
			policy_decide(policy, &req, &rec, &alone);
			policy_decide_compiled(c, &rec, &compiled);
			if (alone.effect != compiled.effect ||
			    strcmp(alone.rule_id, compiled.rule_id) != 0 ||
			    strcmp(alone.citation, compiled.citation) != 0 ||
			    strcmp(alone.reason, compiled.reason) != 0 ||
			    alone.sent != compiled.sent || alone.nfields != compiled.nfields)
				fail_msg("%s/%s, %s: alone %s %s (%s), compiled %s %s (%s)",
				         req.class, req.purpose, ids[i],
				         policy_effect_name(alone.effect), alone.rule_id,
				         alone.reason, policy_effect_name(compiled.effect),
				         compiled.rule_id, compiled.reason);
			for (size_t k = 0; k < alone.nfields; k++)
				if (alone.fields[k].field != compiled.fields[k].field ||
				    alone.fields[k].effect != compiled.fields[k].effect ||
				    alone.fields[k].categories != compiled.fields[k].categories ||
				    strcmp(alone.fields[k].rule_id, compiled.fields[k].rule_id) !=
				        0)
					fail_msg("%s/%s, %s: field %s decided differently",
					         req.class, req.purpose, ids[i],
					         alone.fields[k].field->name);
			policy_decision_free(&alone);
			policy_decision_free(&compiled);
			free(line);
		}
		policy_compiled_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ndnh_age_edges),
	    cmocka_unit_test(registry_reaches_the_decision),
	    cmocka_unit_test(most_recent_of_each_person),
	    cmocka_unit_test(compiled_decides_as_alone),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
