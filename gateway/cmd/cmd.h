/*
 * cmd.h - the commands of csgw, and what they share.
 *
 * Each command parses its own arguments, calls the core, prints, and
 * returns a sysexits.h code (DESIGN.md section 7).
 */
#ifndef CSGW_CMD_CMD_H
#define CSGW_CMD_CMD_H

#include <stdbool.h>

#include "core/conf.h"
#include "core/mapping.h"

/* Options given before the command. */
struct globals {
	const char *conf_path;   /* -c FILE */
	const char *environment; /* --environment, overrides the file */
	const char *mappings;    /* --mappings DIR, overrides the file */
};

/* Loaded configuration and mappings for a command. */
struct setup {
	struct conf conf;
	struct mapping_set *set;
	bool test_env;
};

/* Loads both; returns 0 or an exit code after printing why. */
int cmd_setup(const struct globals *, bool conf_required, struct setup *);
void cmd_teardown(struct setup *);

/* Handles --environment given after a command name. */
int cmd_environment_option(struct globals *, const char *value);

int cmd_map(struct globals *, int argc, char **argv);
int cmd_unmap(struct globals *, int argc, char **argv);
int cmd_validate(struct globals *, int argc, char **argv);
int cmd_mapping(struct globals *, int argc, char **argv);
int cmd_check_config(struct globals *, int argc, char **argv);
int cmd_sign(struct globals *, int argc, char **argv);
int cmd_verify(struct globals *, int argc, char **argv);

#endif
