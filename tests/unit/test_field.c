/*
 * test_field.c - the rules of one field, both directions, table-driven.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "core/field.h"
#include "core/ssn.h"

static struct charset name_cs;
static char *codes_yn[] = {"N", "Y"};
static char *codes_pt[] = {"CH", "CP", "NP", "PF"};
static struct codelist yn = {.name = "yes-no", .values = codes_yn, .nvalues = 2, .max_len = 1};
static struct codelist pt = {
    .name = "participant-type", .values = codes_pt, .nvalues = 4, .max_len = 2};

static void setup_charset(void)
{
	name_cs.name = "name";
	name_cs.chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ -";
	memset(name_cs.allowed, 0, sizeof name_cs.allowed);
	for (const char *c = name_cs.chars; *c; c++)
		name_cs.allowed[(unsigned char)*c] = true;
}

struct fixed_case {
	struct field f;
	const char *fixed; /* exactly f.len characters */
	bool test_env;
	const char *xml;   /* expected XML text; "" = absent; NULL = rejected */
	const char *error; /* part of the expected message when rejected */
};

#define F(type_, len_, req)                                                                        \
	{                                                                                          \
		.name = "f", .at = 1, .len = len_, .type = type_, .required = req                  \
	}

static void fixed_to_xml_table(void **state)
{
	(void)state;
	setup_charset();
	struct fixed_case cases[] = {
	    {F(FIELD_TEXT, 8, true), "SMITH   ", false, "SMITH", NULL},
	    {F(FIELD_TEXT, 8, true), "VAN  DYK", false, "VAN  DYK", NULL},
	    {F(FIELD_TEXT, 8, true), " SMITH  ", false, NULL, "starts with a space"},
	    {F(FIELD_TEXT, 8, true), "Smith   ", false, NULL, "upper case"},
	    {F(FIELD_TEXT, 8, true), "O'NEIL  ", false, NULL, "outside charset name (position 2)"},
	    {F(FIELD_TEXT, 8, true), "        ", false, NULL, "required"},
	    {F(FIELD_TEXT, 8, false), "        ", false, "", NULL},
	    {F(FIELD_DIGITS, 5, true), "02134", false, "02134", NULL},
	    {F(FIELD_DIGITS, 5, true), "2134 ", false, NULL, "must be 5 digits"},
	    {F(FIELD_NUMBER, 8, true), "00000012", false, "12", NULL},
	    {F(FIELD_NUMBER, 8, true), "00000000", false, "0", NULL},
	    {F(FIELD_NUMBER, 8, true), "      12", false, NULL, "zero-filled"},
	    {F(FIELD_DATE, 8, true), "20240229", false, "2024-02-29", NULL},
	    {F(FIELD_DATE, 8, true), "20230229", false, NULL, "not a real date"},
	    {F(FIELD_DATE, 8, true), "20241301", false, NULL, "not a real date"},
	    {F(FIELD_DATE, 8, true), "00000101", false, NULL, "not a real date"},
	    {F(FIELD_DATE, 8, false), "        ", false, "", NULL},
	    {F(FIELD_SSN, 9, true), "900123456", true, "900123456", NULL},
	    {F(FIELD_SSN, 9, true), "900123456", false, NULL, "only with environment = test"},
	    {F(FIELD_SSN, 9, true), "000123456", true, NULL, "area 000"},
	    {F(FIELD_SSN, 9, true), "666123456", true, NULL, "area 666"},
	    {F(FIELD_SSN, 9, true), "900003456", true, NULL, "group 00"},
	    {F(FIELD_SSN, 9, true), "900120000", true, NULL, "serial 0000"},
	    {F(FIELD_SSN, 9, true), "90012345X", true, NULL, "9 digits"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fixed_case *c = &cases[i];
		struct field_error err = {{0}};
		char out[64];
		size_t n = 99;
		if (c->f.type == FIELD_TEXT)
			c->f.charset = &name_cs;
		int rc = field_fixed_to_xml(&c->f, c->fixed, c->test_env, out, &n, &err);
		if (c->xml) {
			if (rc != 0)
				fail_msg("case %zu '%s': rejected: %s", i, c->fixed, err.msg);
			assert_int_equal(n, strlen(c->xml));
			assert_memory_equal(out, c->xml, n);
		} else {
			if (rc == 0)
				fail_msg("case %zu '%s': accepted, expected '%s'", i, c->fixed,
				         c->error);
			if (strstr(err.msg, c->error) == NULL)
				fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, c->error);
		}
	}
}

static void amounts_and_codes(void **state)
{
	struct field amount = {.name = "a", .at = 1, .len = 11, .type = FIELD_AMOUNT, .scale = 2};
	struct field code = {.name = "c", .at = 1, .len = 2, .type = FIELD_CODE, .codes = &pt};
	struct field flag = {.name = "y", .at = 1, .len = 1, .type = FIELD_CODE, .codes = &yn};
	struct field_error err;
	char out[32], fixed[16];
	size_t n;

	(void)state;
	assert_int_equal(field_fixed_to_xml(&amount, "00000123456", false, out, &n, &err), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(out, "1234.56", 7);
	assert_int_equal(field_fixed_to_xml(&amount, "00000000005", false, out, &n, &err), 0);
	assert_memory_equal(out, "0.05", 4);
	assert_int_equal(field_xml_to_fixed(&amount, "1234.56", 7, false, fixed, &err), 0);
	assert_memory_equal(fixed, "00000123456", 11);
	assert_int_equal(field_xml_to_fixed(&amount, "01234.56", 8, false, fixed, &err), -1);
	assert_int_equal(field_xml_to_fixed(&amount, "1234.5", 6, false, fixed, &err), -1);
	assert_int_equal(field_xml_to_fixed(&amount, "1234567890.00", 13, false, fixed, &err), -1);

	assert_int_equal(field_fixed_to_xml(&code, "NP", false, out, &n, &err), 0);
	assert_int_equal(field_fixed_to_xml(&code, "XX", false, out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "participant-type"));
	assert_int_equal(field_fixed_to_xml(&flag, "Y", false, out, &n, &err), 0);
	assert_int_equal(field_xml_to_fixed(&flag, "N", 1, false, fixed, &err), 0);
	assert_int_equal(field_xml_to_fixed(&flag, "n", 1, false, fixed, &err), -1);
	assert_int_equal(field_xml_to_fixed(&code, "", 0, false, fixed, &err), -1);
}

/* What the generated XSD accepts, the XML direction accepts. */
static void xml_side_mirrors_the_xsd(void **state)
{
	struct field date = {.name = "d", .at = 1, .len = 8, .type = FIELD_DATE};
	struct field num = {.name = "n", .at = 1, .len = 4, .type = FIELD_NUMBER};
	struct field text = {
	    .name = "t", .at = 1, .len = 5, .type = FIELD_TEXT, .charset = &name_cs};
	struct field_error err;
	char fixed[16];

	(void)state;
	setup_charset();
	/* xs:date collapses whitespace, so padding around a date is valid. */
	assert_int_equal(field_xml_to_fixed(&date, " 2024-01-31\n", 12, false, fixed, &err), 0);
	assert_memory_equal(fixed, "20240131", 8);
	assert_int_equal(field_xml_to_fixed(&date, "2024-1-31", 9, false, fixed, &err), -1);
	assert_int_equal(field_xml_to_fixed(&date, "2024-01-31Z", 11, false, fixed, &err), -1);
	/* xs:string keeps whitespace, so padding around text is not. */
	assert_int_equal(field_xml_to_fixed(&text, "AB ", 3, false, fixed, &err), -1);
	assert_int_equal(field_xml_to_fixed(&text, "ABCDEF", 6, false, fixed, &err), -1);
	assert_int_equal(field_xml_to_fixed(&text, "A-B", 3, false, fixed, &err), 0);
	assert_memory_equal(fixed, "A-B  ", 5);
	assert_int_equal(field_xml_to_fixed(&num, "0", 1, false, fixed, &err), 0);
	assert_memory_equal(fixed, "0000", 4);
	assert_int_equal(field_xml_to_fixed(&num, "007", 3, false, fixed, &err), -1);
	assert_int_equal(field_xml_to_fixed(&num, "12345", 5, false, fixed, &err), -1);
	assert_int_equal(field_xml_to_fixed(&num, "+12", 3, false, fixed, &err), -1);
}

static void ssn_values_are_masked_in_messages(void **state)
{
	struct field ssn = {.name = "ssn", .at = 1, .len = 9, .type = FIELD_SSN};
	char out[64];

	(void)state;
	field_value_for_message(&ssn, "900123456", 9, out, sizeof out);
	assert_string_equal(out, "***-**-3456");
	assert_null(strstr(out, "90012"));
	char mask[SSN_MASK_SIZE];
	ssn_mask("12", 2, mask);
	assert_string_equal(mask, "***-**-????");
}

static void codelist_lookup(void **state)
{
	(void)state;
	assert_true(codelist_has(&pt, "CH", 2));
	assert_true(codelist_has(&pt, "PF", 2));
	assert_false(codelist_has(&pt, "C", 1));
	assert_false(codelist_has(&pt, "CHX", 3));
	assert_false(codelist_has(&pt, "AA", 2));
	assert_false(codelist_has(&pt, "ZZ", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fixed_to_xml_table),
	    cmocka_unit_test(amounts_and_codes),
	    cmocka_unit_test(xml_side_mirrors_the_xsd),
	    cmocka_unit_test(ssn_values_are_masked_in_messages),
	    cmocka_unit_test(codelist_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
