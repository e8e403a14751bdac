/*
 * csgw.c - the csgw command: global options, then one command.
 *
 * csgw [-c FILE] [--environment test|production] [--mappings DIR] COMMAND ...
 * Exit codes are sysexits.h (DESIGN.md section 7).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "io/xml_safe.h"

#ifndef CSGW_VERSION
#define CSGW_VERSION "unknown"
#endif

static const struct {
	const char *name;
	int (*run)(struct globals *, int, char **);
	const char *summary;
} commands[] = {
    {"map", cmd_map, "fixed-width extract -> XML batch, every field checked"},
    {"unmap", cmd_unmap, "XML batch -> fixed-width layout"},
    {"validate", cmd_validate, "check an XML batch of any family, streaming"},
    {"mapping", cmd_mapping, "list families, show layouts, generate XSDs"},
    {"check-config", cmd_check_config, "check gateway.conf and what it names"},
    {"sign", cmd_sign, "write FILE.p7s, a detached CMS signature by this gateway"},
    {"receipt", cmd_receipt, "make or check a signed receipt for a received file"},
    {"verify", cmd_verify, "check FILE.p7s over FILE, and that a partner signed it"},
    {"partner", cmd_partner, "check the connection to a partner's SFTP server"},
    {"send", cmd_send, "sign and upload files to a partner's remote inbox"},
    {"fetch", cmd_fetch, "download, verify and deliver a partner's signed files"},
    {"run", cmd_run, "the daemon: send the outgoing spool, fetch, receipts, retries"},
    {"status", cmd_status, "per partner and spool state: counts, ages, what needs a person"},
    {"queue", cmd_queue, "list, show, hold, release, retry or purge spool entries"},
    {"audit", cmd_audit, "verify the disclosure audit log, or sign a checkpoint of it"},
    {"policy", cmd_policy, "explain the disclosure decisions on a batch, or check the policy"},
    {"protect", cmd_protect, "record a family violence, nondisclosure or protective order flag"},
    {"case", cmd_case, "record a case's enforcement status (open, closed)"},
    {"locate", cmd_locate, "a caseworker's parent locate request, and its answers"},
    {"refer", cmd_refer, "an interstate transaction to another state, and its answers"},
};

static void usage(FILE *out)
{
	fputs("usage: csgw [-c FILE] [--environment test|production] [--mappings DIR] COMMAND "
	      "[ARGS]\n"
	      "       csgw --version | --help | COMMAND --help\n\ncommands:\n",
	      out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fputs("\nConfiguration: -c FILE, else $CSGW_CONF, ./gateway.conf, /etc/csgw/gateway.conf.\n"
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
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct globals g = {0};
	int c;

	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:e:h", options, NULL)) != -1) {
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
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			xml_safe_init();
			return commands[i].run(&g, argc - optind, argv + optind);
		}
	}
	fprintf(stderr, "csgw: unknown command '%s'; 'csgw --help' lists them\n", name);
	return EX_USAGE;
}
