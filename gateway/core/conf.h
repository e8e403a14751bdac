/*
 * conf.h - the gateway's configuration file (gateway.conf).
 *
 * Found as DESIGN.md section 6 says: -c FILE, then $CSGW_CONF, then
 * ./gateway.conf, then /etc/csgw/gateway.conf.  Commands that only need a
 * setting or two (map: the environment) run without any file; check-config
 * needs one and checks all of it (conf_check).
 *
 * Key names are a public contract: add keys, never rename them.
 */
#ifndef CSGW_CORE_CONF_H
#define CSGW_CORE_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "core/mapping.h"
#include "util/ini.h"

struct conf {
	struct ini_file *ini; /* NULL when no file was found */
	bool test_env;
};

/* 0, or -1 after printing why (a named file that cannot be read, a bad
 * environment value).  'required' makes "no file found" an error too. */
int conf_load(const char *explicit_path, bool required, struct conf *, FILE *errors);
void conf_free(struct conf *);

/* A value, or NULL when absent. */
const char *conf_value(const struct conf *, const char *section, const char *key);

/* Whether a list value ("locate referral", commas allowed) holds 'word'. */
bool conf_list_has(const char *list, const char *word);

/* A path value resolved against the file's folder; caller frees. */
char *conf_path(const struct conf *, const char *section, const char *key);

/* Checks everything; prints "FILE:LINE: problem" for each; returns how
 * many problems there were. */
unsigned conf_check(const struct conf *, const struct mapping_set *, FILE *errors);

/* Every key conf_check accepts, one line each: "SECTION KEY", SECTION being
 * gateway, roles or partner (for every [partner NAME]).  From the same
 * tables conf_check reads, so the list cannot drift; needs no file. */
void conf_keys(FILE *out);

#endif
