/*
 * parse_child.c - csgw parse-child: the sandboxed parser of one partner
 * file (core/isolated.h), started by the daemon, never by a person.
 *
 * csgw --mappings DIR --environment E parse-child NAME MAX_BYTES MAX_LINES
 * REPORT_MAX, with the file on descriptor 0 and the parent's pipe on 1.
 * It reads no configuration file: only the mappings, then it enters the
 * sandbox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/isolated.h"
#include "core/mapping_load.h"

int cmd_parse_child(struct globals *g, int argc, char **argv)
{
	struct mapping_set *set = NULL;
	char *end[3];

	if (argc != 5 || g->mappings == NULL) {
		fputs("csgw parse-child: started by csgw run for each partner file, not by hand\n",
		      stderr);
		return EX_USAGE;
	}
	struct unmap_limits lim = {.max_bytes = strtoull(argv[2], &end[0], 10),
	                           .max_lines = strtoul(argv[3], &end[1], 10)};
	unsigned long report_max = strtoul(argv[4], &end[2], 10);
	if (*end[0] || *end[1] || *end[2] || mapping_load(g->mappings, &set, stderr) < 0)
		return EX_USAGE;
	bool test_env = g->environment && strcmp(g->environment, "test") == 0;
	/* _exit: no exit handlers (a leak checker's thread is not allowed in). */
	_exit(isolated_child(set, test_env, argv[1], &lim, report_max));
}
