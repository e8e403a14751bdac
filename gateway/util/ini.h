/*
 * ini.h - an INI file (libinih) with the line of every key and section.
 *
 * ini_load() never stops at the first problem: syntax errors are kept in
 * the result (with their lines) so that check-config can report all of
 * them with everything else.
 */
#ifndef CSGW_UTIL_INI_H
#define CSGW_UTIL_INI_H

#include <stddef.h>

struct ini_entry {
	char *section;
	char *key;
	char *value;
	unsigned line;
};

struct ini_section {
	char *name;
	unsigned line;
};

struct ini_file {
	char *path;
	char *dir; /* relative paths inside the file are relative to it */
	struct ini_entry *entries;
	size_t nentries;
	struct ini_section *sections;
	size_t nsections;
	unsigned *bad_lines; /* lines that are neither [section] nor key = value */
	size_t nbad;
	/* Lines longer than the INI reader takes (INI_LINE_MAX - 1 characters):
	 * their values would be cut short, so they are errors. */
	unsigned *long_lines;
	size_t nlong;
};

/* Debian's libinih is built with INI_MAX_LINE 200. */
#define INI_LINE_MAX 200

/* Returns 0, or -1 with errno when the file cannot be read. */
int ini_load(const char *path, struct ini_file **out);
void ini_free(struct ini_file *);

/* The entry of a key in a section, or NULL. */
const struct ini_entry *ini_get(const struct ini_file *, const char *section, const char *key);
/* The line of a section header, 0 if absent. */
unsigned ini_section_line(const struct ini_file *, const char *section);

#endif
