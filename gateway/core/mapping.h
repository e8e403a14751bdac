/*
 * mapping.h - the in-memory model of a mapping definition (mappings/).
 *
 * A mapping set holds every family (fcr, locate, ndnh, offset, referral, receipt),
 * the character sets and the code lists.  It is built by core/mapping_load.c
 * from the data files and is read-only afterwards: the map, unmap and
 * validate engines and the XSD generator only read it.
 *
 * Lookups return NULL when nothing matches; nothing here fails otherwise.
 */
#ifndef CSGW_CORE_MAPPING_H
#define CSGW_CORE_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

enum field_type {
	FIELD_LITERAL, /* the record id; not in XML */
	FIELD_FILLER,  /* spaces; not in XML */
	FIELD_TEXT,
	FIELD_DIGITS,
	FIELD_NUMBER,
	FIELD_AMOUNT,
	FIELD_DATE,
	FIELD_SSN,
	FIELD_CODE,
};

struct charset {
	char *name;
	bool allowed[256];
	char *chars; /* as written, for the XSD pattern */
};

struct codelist {
	char *name;
	char **values;
	size_t nvalues;
	size_t max_len;
};

struct record;

struct field {
	char *name;  /* XML element; NULL for literal and filler */
	unsigned at; /* 1-based position */
	unsigned len;
	enum field_type type;
	bool required;
	unsigned categories;           /* bit per entry of mapping_category_names */
	const struct charset *charset; /* text */
	const struct codelist *codes;  /* code */
	char *literal;                 /* literal */
	unsigned scale;                /* amount */
	/* counts: record ids whose records this number counts; "*" = all */
	char **counts;
	size_t ncounts;
	unsigned line; /* in the definition file, for messages */
};

struct child {
	const struct record *record;
	unsigned min, max;
};

struct record {
	char *id;      /* two characters */
	char *element; /* XML element name */
	unsigned length;
	struct field *fields;
	size_t nfields;
	struct child *children;
	size_t nchildren;
	bool has_counts; /* some field counts children */
	bool keyed;      /* has literal fields: a line is this record when they are there */
	const struct field **keys; /* those literal fields (nkeys), for the lookup per line */
	size_t nkeys;
	unsigned line;
};

struct batch_type {
	char *name; /* the TYPE of 'csgw map TYPE' */
	char *element;
	const struct record *header;  /* NULL: the file has none */
	const struct record *trailer; /* NULL: the file has none */
	const struct record **records;
	size_t nrecords;
	const struct record *unkeyed; /* the data record without literals, if any */
	const struct family *family;
};

struct family {
	char *name;
	char *ns; /* versioned target namespace */
	char *title;
	char *path; /* definition file */
	struct record *records;
	size_t nrecords;
	struct batch_type *batches;
	size_t nbatches;
	const struct record *unkeyed; /* the family's only record without literals */
};

struct mapping_set {
	struct family *families;
	size_t nfamilies;
	struct charset *charsets;
	size_t ncharsets;
	struct codelist *codelists;
	size_t ncodelists;
};

/* Category names, index = bit number in field.categories; NULL-terminated. */
extern const char *const mapping_category_names[];

const struct family *mapping_family(const struct mapping_set *, const char *name);
const struct family *mapping_family_by_ns(const struct mapping_set *, const char *ns);
const struct batch_type *mapping_batch(const struct mapping_set *, const char *type);
const struct batch_type *mapping_batch_by_element(const struct family *, const char *element);
const struct record *mapping_record(const struct family *, const char *id);
const struct field *mapping_field(const struct record *, const char *name);
/* Whether a fixed-width line is of record 'rec': every literal field of
 * the record is there (a record without literals matches any line). */
bool mapping_line_is(const struct record *, const char *line, size_t len);
/* The record a fixed-width line is: the keyed record whose literals it
 * has (most layouts key on an id in positions 1-2), else the one record
 * without literals; NULL when none.  The batch form knows which record
 * without literals a line of that batch is. */
const struct record *mapping_record_of_line(const struct family *, const char *line, size_t len);
const struct record *mapping_batch_record_of_line(const struct batch_type *, const char *line,
                                                  size_t len);
/* Only among the batch's data records (not header, trailer or child). */
const struct record *mapping_batch_data_record(const struct batch_type *, const char *line,
                                               size_t len);
/* Whether a record is one of the batch type's data records. */
bool mapping_batch_has_record(const struct batch_type *, const struct record *);
const struct charset *mapping_charset(const struct mapping_set *, const char *name);
const struct codelist *mapping_codelist(const struct mapping_set *, const char *name);
bool codelist_has(const struct codelist *, const char *value, size_t len);
int mapping_category_bit(const char *name); /* -1 if unknown */
const char *field_type_name(enum field_type);

void mapping_free(struct mapping_set *);

#endif
