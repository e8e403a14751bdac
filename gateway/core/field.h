/*
 * field.h - the rules of one field, in both directions.
 *
 * field_fixed_to_xml() checks a fixed-width slice and gives its XML text;
 * field_xml_to_fixed() checks an XML text exactly as the generated XSD does
 * and gives its fixed-width image.  Both return 0 on success and -1 with a
 * reason in 'err' (which never contains the value itself: callers print the
 * value, masked when it is an SSN).
 */
#ifndef CSGW_CORE_FIELD_H
#define CSGW_CORE_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/mapping.h"

struct field_error {
	char msg[200];
};

/* The widest XML text any field of 'len' characters turns into. */
#define FIELD_XML_MAX(len) ((size_t)(len) + 4)

/* Sets *out_len to 0 when an optional field is blank (absent in XML). */
int field_fixed_to_xml(const struct field *, const char *src, bool test_env, char *out,
                       size_t *out_len, struct field_error *err);

/* dst receives exactly field->len bytes. */
int field_xml_to_fixed(const struct field *, const char *text, size_t len, bool test_env, char *dst,
                       struct field_error *err);

/* The field's value in a fixed-width line without its padding: *start and
 * the length (0 for a blank field). */
size_t field_trimmed(const struct field *, const char *line, const char **start);

/* Whether the fixed-width slice is all spaces (an absent optional field). */
bool field_is_blank(const struct field *, const char *src);

/* Writes a printable copy of a field value for messages: SSNs masked,
 * control characters escaped, at most 'size' - 1 bytes. */
void field_value_for_message(const struct field *, const char *value, size_t len, char *out,
                             size_t size);

#endif
