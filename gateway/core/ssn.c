/*
 * ssn.c - Social Security number structure rules and masking.
 */
#include "core/ssn.h"

#include <stdio.h>
#include <string.h>

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

const char *ssn_problem(const char *ssn, size_t len, bool test_env)
{
	if (len != 9 || !all_digits(ssn, len))
		return "must be 9 digits";
	if (memcmp(ssn, "000", 3) == 0)
		return "area 000 is never issued";
	if (memcmp(ssn, "666", 3) == 0)
		return "area 666 is never issued";
	if (memcmp(ssn + 3, "00", 2) == 0)
		return "group 00 is never issued";
	if (memcmp(ssn + 5, "0000", 4) == 0)
		return "serial 0000 is never issued";
	if (ssn[0] == '9' && !test_env)
		return "area 900-999 is never issued (allowed only with environment = test)";
	return NULL;
}

void ssn_mask(const char *ssn, size_t len, char *out)
{
	char last4[5] = "????";

	if (len >= 4) {
		for (size_t i = 0; i < 4; i++) {
			unsigned char c = (unsigned char)ssn[len - 4 + i];
			last4[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
	}
	snprintf(out, SSN_MASK_SIZE, "***-**-%s", last4);
}
