/*
 * check_config.c - csgw check-config: every problem of gateway.conf at once.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"

static const char usage[] =
    "usage: csgw [-c FILE] check-config\n"
    "       csgw check-config --keys\n"
    "\n"
    "Checks the configuration file and everything it names: keys and values,\n"
    "files readable, private keys not readable by others, each partner's host\n"
    "key known. Prints every problem as FILE:LINE: what is wrong, expected.\n"
    "\n"
    "--keys  prints every key it accepts, one per line as SECTION KEY (SECTION\n"
    "        is gateway, roles or partner), and reads no configuration file.\n";

int cmd_check_config(struct globals *g, int argc, char **argv)
{
	struct setup s;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--keys") == 0) {
		conf_keys(stdout);
		return 0;
	}
	if (argc > 1) {
		bool help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
		fputs(usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	unsigned problems = conf_check(&s.conf, s.set, stderr);
	if (problems == 0)
		printf("%s: configuration is good\n", s.conf.ini->path);
	else
		fprintf(stderr, "%s: %u problem(s)\n", s.conf.ini->path, problems);
	setup_free(&s);
	return problems ? EX_CONFIG : 0;
}
