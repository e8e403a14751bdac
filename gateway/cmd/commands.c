/*
 * commands.c - the commands of csgw by name: one table, for the command
 * line (csgw.c) and for the requests the daemon serves (cmd/control.c).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "io/xml_safe.h"

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
    {"purge", cmd_purge, "remove what has outlived its retention period"},
    {"audit", cmd_audit, "verify the disclosure audit log, or sign a checkpoint of it"},
    {"policy", cmd_policy, "explain the disclosure decisions on a batch, or check the policy"},
    {"protect", cmd_protect, "record a family violence, nondisclosure or protective order flag"},
    {"case", cmd_case, "record a case's enforcement status (open, closed)"},
    {"locate", cmd_locate, "a caseworker's parent locate request, and its answers"},
    {"refer", cmd_refer, "an interstate transaction to another state, and its answers"},
};

void cmd_list(FILE *out)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
}

int cmd_dispatch(struct globals *g, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(commands[i].name, argv[0]) == 0) {
			xml_safe_init();
			return commands[i].run(g, argc, argv);
		}
	}
	fprintf(stderr, "csgw: unknown command '%s'; 'csgw --help' lists them\n", argv[0]);
	return EX_USAGE;
}
