/*
 * csgw.c - the csgw command: global options, then one command.
 *
 * csgw [-c FILE] [--environment test|production] [--mappings DIR] COMMAND ...
 * Exit codes are sysexits.h (DESIGN.md section 7).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"

#ifndef CSGW_VERSION
#define CSGW_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fputs("usage: csgw [-c FILE] [--environment test|production] [--mappings DIR] [--quiet] "
	      "COMMAND [ARGS]\n"
	      "       csgw --version | --help | COMMAND --help\n\ncommands:\n",
	      out);
	cmd_list(out);
	fputs("\nConfiguration: -c FILE, else $CSGW_CONF, ./gateway.conf, /etc/csgw/gateway.conf.\n"
	      "On a terminal, map, validate, policy apply, send and fetch show their progress\n"
	      "on stderr; --quiet (here or after the command) silences it.\n"
	      "Exit codes: 0 ok, 64 usage, 65 bad data, 66 no input, 74 I/O error, 78 "
	      "configuration.\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"environment", required_argument, NULL, 'e'},
	    {"mappings", required_argument, NULL, 'M'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct globals g = {0};
	int c;

	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:e:qh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			g.conf_path = optarg;
			break;
		case 'e':
			if (cmd_environment_option(&g, optarg) != 0)
				return EX_USAGE;
			break;
		case 'M':
			g.mappings = optarg;
			break;
		case 'q':
			g.quiet = true;
			break;
		case 'V':
			printf("csgw %s\n", CSGW_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	/* The daemon's sandboxed parser of a partner file, and checker of a
	 * partner signature (core/isolated.h). */
	if (strcmp(argv[optind], "parse-child") == 0)
		return cmd_parse_child(&g, argc - optind, argv + optind);
	if (strcmp(argv[optind], "verify-child") == 0)
		return cmd_verify_child(&g, argc - optind, argv + optind);
	/* A person's command that needs the gateway's secrets goes to the
	 * daemon, which runs it with that person's roles (cmd/control.c). */
	bool forwarded = false;
	int rc = control_client(&g, argc - optind, argv + optind, &forwarded);
	if (forwarded)
		return rc;
	if (strcmp(argv[optind], "control-serve") == 0)
		return control_serve(&g);
	return cmd_dispatch(&g, argc - optind, argv + optind);
}
