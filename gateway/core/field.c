/*
 * field.c - the rules of one field, in both directions.
 *
 * The XML direction mirrors the XSD that xsd.c generates from the same
 * field, facet for facet, so that csgw and 'xmllint --schema' accept and
 * reject the same values.  Where the two could differ (whitespace around an
 * xs:date), the comment says what the XSD does.
 */
#include "core/field.h"

#include <stdio.h>
#include <string.h>

#include "core/ssn.h"

#include <stdarg.h>

__attribute__((format(printf, 2, 3))) static void fail(struct field_error *err, const char *fmt,
                                                       ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool field_is_blank(const struct field *f, const char *src)
{
	for (unsigned i = 0; i < f->len; i++)
		if (src[i] != ' ')
			return false;
	return true;
}

/* Length without trailing spaces. */
static size_t trimmed_len(const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return n;
}

/* Text from a charset: what the XSD pattern [C]([C ]*[C])? accepts. */
static int check_text(const struct field *f, const char *s, size_t n, struct field_error *err)
{
	const struct charset *cs = f->charset;

	if (n == 0) {
		fail(err, "is empty; expected 1 to %u characters", f->len);
		return -1;
	}
	if (s[0] == ' ') {
		fail(err, "starts with a space; expected left-justified text");
		return -1;
	}
	if (s[n - 1] == ' ') {
		fail(err, "ends with a space; expected no trailing spaces in XML");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (cs->allowed[c])
			continue;
		if (c >= 'a' && c <= 'z' && cs->allowed[c - 'a' + 'A'])
			fail(err, "has lower case; expected upper case (charset %s)", cs->name);
		else if (c >= 0x20 && c < 0x7f)
			fail(err, "has a character outside charset %s (position %u)", cs->name,
			     (unsigned)i + 1);
		else
			fail(err,
			     "has a control or non-ASCII byte outside charset %s (position %u)",
			     cs->name, (unsigned)i + 1);
		return -1;
	}
	return 0;
}

static int check_code(const struct field *f, const char *s, size_t n, struct field_error *err)
{
	if (!codelist_has(f->codes, s, n)) {
		fail(err, "is not a code of list '%s'", f->codes->name);
		return -1;
	}
	return 0;
}

static bool leap_year(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* y, m, d form a date that xs:date accepts (year 0000 does not exist). */
static bool real_date(unsigned y, unsigned m, unsigned d)
{
	static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y == 0 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && leap_year(y));
}

static unsigned num(const char *s, size_t n)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

static int check_ssn(const char *s, size_t n, bool test_env, struct field_error *err)
{
	const char *why = ssn_problem(s, n, test_env);
	if (why) {
		fail(err, "is not a valid SSN: %s", why);
		return -1;
	}
	return 0;
}

/* Copies digits without leading zeros ("0" for zero); returns the length. */
static size_t strip_zeros(const char *s, size_t n, char *out)
{
	size_t i = 0;
	while (i + 1 < n && s[i] == '0')
		i++;
	memcpy(out, s + i, n - i);
	return n - i;
}

int field_fixed_to_xml(const struct field *f, const char *src, bool test_env, char *out,
                       size_t *out_len, struct field_error *err)
{
	size_t n = f->len;

	*out_len = 0;
	if (f->type == FIELD_LITERAL) {
		if (memcmp(src, f->literal, n) != 0) {
			fail(err, "is not the record id %s", f->literal);
			return -1;
		}
		return 0;
	}
	if (field_is_blank(f, src)) {
		if (f->required && f->type != FIELD_FILLER) {
			fail(err, "is blank; expected a value (required field)");
			return -1;
		}
		return 0;
	}
	switch (f->type) {
	case FIELD_FILLER:
		fail(err, "is filler; expected spaces");
		return -1;
	case FIELD_TEXT:
		n = trimmed_len(src, n);
		if (check_text(f, src, n, err) < 0)
			return -1;
		memcpy(out, src, n);
		*out_len = n;
		return 0;
	case FIELD_CODE:
		n = trimmed_len(src, n);
		if (src[0] == ' ') {
			fail(err, "starts with a space; expected a left-justified code");
			return -1;
		}
		if (check_code(f, src, n, err) < 0)
			return -1;
		memcpy(out, src, n);
		*out_len = n;
		return 0;
	case FIELD_DIGITS:
		if (!all_digits(src, n)) {
			fail(err, "must be %u digits", f->len);
			return -1;
		}
		memcpy(out, src, n);
		*out_len = n;
		return 0;
	case FIELD_SSN:
		if (check_ssn(src, n, test_env, err) < 0)
			return -1;
		memcpy(out, src, n);
		*out_len = n;
		return 0;
	case FIELD_NUMBER:
	case FIELD_AMOUNT:
		if (!all_digits(src, n)) {
			fail(err, "must be %u digits, right-justified and zero-filled", f->len);
			return -1;
		}
		if (f->type == FIELD_NUMBER || f->scale == 0) {
			*out_len = strip_zeros(src, n, out);
		} else {
			size_t whole = strip_zeros(src, n - f->scale, out);
			out[whole] = '.';
			memcpy(out + whole + 1, src + n - f->scale, f->scale);
			*out_len = whole + 1 + f->scale;
		}
		return 0;
	case FIELD_DATE:
		if (!all_digits(src, 8) ||
		    !real_date(num(src, 4), num(src + 4, 2), num(src + 6, 2))) {
			fail(err, "is not a real date; expected CCYYMMDD");
			return -1;
		}
		memcpy(out, src, 4);
		out[4] = '-';
		memcpy(out + 5, src + 4, 2);
		out[7] = '-';
		memcpy(out + 8, src + 6, 2);
		*out_len = 10;
		return 0;
	case FIELD_LITERAL:
		break;
	}
	return 0;
}

static bool xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* 0|[1-9][0-9]{0,max-1}: a canonical unsigned integer of at most max digits. */
static bool canonical_integer(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max || !all_digits(s, n))
		return false;
	return n == 1 || s[0] != '0';
}

static void right_justify(const char *s, size_t n, char *dst, size_t width)
{
	memset(dst, '0', width - n);
	memcpy(dst + width - n, s, n);
}

int field_xml_to_fixed(const struct field *f, const char *s, size_t n, bool test_env, char *dst,
                       struct field_error *err)
{
	switch (f->type) {
	case FIELD_TEXT:
		if (n > f->len) {
			fail(err, "is longer than %u characters", f->len);
			return -1;
		}
		if (check_text(f, s, n, err) < 0)
			return -1;
		memcpy(dst, s, n);
		memset(dst + n, ' ', f->len - n);
		return 0;
	case FIELD_CODE:
		if (n > f->len || check_code(f, s, n, err) < 0) {
			if (n > f->len)
				fail(err, "is not a code of list '%s'", f->codes->name);
			return -1;
		}
		memcpy(dst, s, n);
		memset(dst + n, ' ', f->len - n);
		return 0;
	case FIELD_DIGITS:
		if (n != f->len || !all_digits(s, n)) {
			fail(err, "must be exactly %u digits", f->len);
			return -1;
		}
		memcpy(dst, s, n);
		return 0;
	case FIELD_SSN:
		if (check_ssn(s, n, test_env, err) < 0)
			return -1;
		memcpy(dst, s, n);
		return 0;
	case FIELD_NUMBER:
		if (!canonical_integer(s, n, f->len)) {
			fail(err, "must be an integer of at most %u digits, no leading zeros",
			     f->len);
			return -1;
		}
		right_justify(s, n, dst, f->len);
		return 0;
	case FIELD_AMOUNT: {
		size_t whole = f->len - f->scale;
		size_t dot = n > f->scale ? n - f->scale - 1 : 0;
		if (f->scale == 0) {
			if (!canonical_integer(s, n, f->len))
				goto bad_amount;
			right_justify(s, n, dst, f->len);
			return 0;
		}
		if (n < f->scale + 2 || s[dot] != '.' || !canonical_integer(s, dot, whole) ||
		    !all_digits(s + dot + 1, f->scale))
			goto bad_amount;
		right_justify(s, dot, dst, whole);
		memcpy(dst + whole, s + dot + 1, f->scale);
		return 0;
	bad_amount:
		fail(err,
		     "must be an amount with %u decimals and at most %u whole digits, no leading "
		     "zeros",
		     f->scale, f->len - f->scale);
		return -1;
	}
	case FIELD_DATE:
		/* xs:date collapses whitespace: surrounding spaces are accepted. */
		while (n > 0 && xml_space(s[0]))
			s++, n--;
		while (n > 0 && xml_space(s[n - 1]))
			n--;
		if (n != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s, 4) ||
		    !all_digits(s + 5, 2) || !all_digits(s + 8, 2) ||
		    !real_date(num(s, 4), num(s + 5, 2), num(s + 8, 2))) {
			fail(err, "is not a real date; expected CCYY-MM-DD");
			return -1;
		}
		memcpy(dst, s, 4);
		memcpy(dst + 4, s + 5, 2);
		memcpy(dst + 6, s + 8, 2);
		return 0;
	case FIELD_LITERAL:
	case FIELD_FILLER:
		break;
	}
	return 0;
}

void field_value_for_message(const struct field *f, const char *value, size_t len, char *out,
                             size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	if (f->type == FIELD_SSN || (f->categories & (1u << mapping_category_bit("ssn")))) {
		char masked[SSN_MASK_SIZE];
		ssn_mask(value, len, masked);
		snprintf(out, size, "%s", masked);
		return;
	}
	size_t i = 0;
	for (; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, size - o, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < len && o >= 3) /* cut short: say so */
		memcpy(out + o - 3, "...", 3);
	out[o] = '\0';
}

size_t field_trimmed(const struct field *f, const char *line, const char **start)
{
	const char *s = line + f->at - 1;
	size_t n = f->len;
	while (n > 0 && s[0] == ' ')
		s++, n--;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	*start = s;
	return n;
}
