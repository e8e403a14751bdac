/*
 * ini.c - an INI file (libinih) with the line of every key and section.
 *
 * libinih calls the handler right after reading the line that holds the
 * key, and reads through our reader function; counting lines there gives
 * each key its line without a special build of the library.
 */
#include "util/ini.h"

#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct reading {
	FILE *fp;
	unsigned line;
	struct ini_file *ini;
};

/* One line per call, as libinih expects; a line longer than its buffer
 * is recorded as too long and the rest of it skipped, so that line
 * numbers stay those of the file. */
static char *read_line(char *str, int num, void *stream)
{
	struct reading *rd = stream;
	char *s = fgets(str, num, rd->fp);
	int c;

	if (s == NULL)
		return NULL;
	rd->line++;
	/* No newline read: either the line just filled the buffer (its newline
	 * comes next) or it is longer. */
	if (strchr(s, '\n') == NULL && (c = fgetc(rd->fp)) != EOF && c != '\n') {
		struct ini_file *ini = rd->ini;
		ini->long_lines =
		    xreallocarray(ini->long_lines, ini->nlong + 1, sizeof *ini->long_lines);
		ini->long_lines[ini->nlong++] = rd->line;
		while ((c = fgetc(rd->fp)) != EOF && c != '\n')
			;
	}
	return s;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct reading *rd = user;
	struct ini_file *ini = rd->ini;

	ini->entries = xreallocarray(ini->entries, ini->nentries + 1, sizeof *ini->entries);
	struct ini_entry *e = &ini->entries[ini->nentries++];
	e->section = xstrdup(section);
	e->key = xstrdup(key);
	e->value = xstrdup(value ? value : "");
	e->line = rd->line;
	return 1;
}

/* Section lines (this libinih build does not report empty sections) and,
 * when libinih found a syntax error, every line that is neither a section,
 * a key, a comment nor blank (libinih reports only the first). */
static void scan_lines(struct ini_file *ini, FILE *fp, bool want_bad)
{
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;

	rewind(fp);
	while (getline(&buf, &cap, fp) >= 0) {
		char *s = buf;
		line++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
			continue;
		char *close = *s == '[' ? strchr(s, ']') : NULL;
		if (close) {
			ini->sections =
			    xreallocarray(ini->sections, ini->nsections + 1, sizeof *ini->sections);
			ini->sections[ini->nsections].name =
			    xstrndup(s + 1, (size_t)(close - s - 1));
			ini->sections[ini->nsections].line = line;
			ini->nsections++;
			continue;
		}
		if (!want_bad || (*s != '[' && strpbrk(s, "=:") != NULL))
			continue;
		ini->bad_lines =
		    xreallocarray(ini->bad_lines, ini->nbad + 1, sizeof *ini->bad_lines);
		ini->bad_lines[ini->nbad++] = line;
	}
	free(buf);
}

int ini_load(const char *path, struct ini_file **out)
{
	struct reading rd = {0};
	FILE *fp = fopen(path, "r");

	*out = NULL;
	if (fp == NULL)
		return -1;
	rd.fp = fp;
	rd.ini = xcalloc(1, sizeof *rd.ini);
	rd.ini->path = xstrdup(path);
	/* Absolute, so messages name files the operator can act on from anywhere. */
	char *copy = xstrdup(path);
	char *dir = dirname(copy);
	char *abs = realpath(dir, NULL);
	rd.ini->dir = abs ? abs : xstrdup(dir);
	free(copy);
	int rc = ini_parse_stream(read_line, &rd, on_entry, &rd);
	scan_lines(rd.ini, fp, rc != 0);
	if (rc > 0 && rd.ini->nbad == 0) {
		rd.ini->bad_lines = xcalloc(1, sizeof *rd.ini->bad_lines);
		rd.ini->bad_lines[rd.ini->nbad++] = (unsigned)rc;
	}
	fclose(fp);
	*out = rd.ini;
	return 0;
}

void ini_free(struct ini_file *ini)
{
	if (ini == NULL)
		return;
	for (size_t i = 0; i < ini->nentries; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		free(ini->entries[i].value);
	}
	for (size_t i = 0; i < ini->nsections; i++)
		free(ini->sections[i].name);
	free(ini->entries);
	free(ini->sections);
	free(ini->bad_lines);
	free(ini->long_lines);
	free(ini->path);
	free(ini->dir);
	free(ini);
}

const struct ini_entry *ini_get(const struct ini_file *ini, const char *section, const char *key)
{
	for (size_t i = 0; i < ini->nentries; i++)
		if (strcmp(ini->entries[i].section, section) == 0 &&
		    strcmp(ini->entries[i].key, key) == 0)
			return &ini->entries[i];
	return NULL;
}

unsigned ini_section_line(const struct ini_file *ini, const char *section)
{
	for (size_t i = 0; i < ini->nsections; i++)
		if (strcmp(ini->sections[i].name, section) == 0)
			return ini->sections[i].line;
	return 0;
}
