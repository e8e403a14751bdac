/*
 * purge.c - csgw purge: what has outlived its retention period goes.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "core/caller.h"
#include "ops/purge.h"

static const char usage[] =
    "usage: csgw [-c FILE] purge [--dry-run]\n"
    "\n"
    "Removes what has outlived its retention period (mappings/policy/\n"
    "retention.xml, each period with its citation): acknowledged files in the\n"
    "spool's done/, files delivered to inbox/FAMILY/, the answers kept in the\n"
    "ledger, and the record id, case id and subject key of old audit entries\n"
    "(each entry stays, and it and its proofs still verify). NDNH data goes\n"
    "24 months after it came (42 U.S.C. 653(i)(2)(A)). csgw run purges once a\n"
    "day. The purge is an audit entry, written before anything is removed.\n"
    "\n"
    "--dry-run  counts what would go, per kind of data and family; removes\n"
    "           nothing and logs nothing.\n"
    "\n"
    "In the test environment, CSGW_NOW (seconds since 1970, or YYYY-MM-DD)\n"
    "is the time taken as now. Exit 0, 64 usage, 74 something could not be\n"
    "removed (said why), 78 the retention file has problems.\n";

int cmd_purge(struct globals *g, int argc, char **argv)
{
	struct setup s;
	bool dry_run = false;
	int rc;

	if (cmd_want_help(argc, argv, usage))
		return 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") != 0) {
			fputs(usage, stderr);
			return EX_USAGE;
		}
		dry_run = true;
	}
	if ((rc = cmd_setup(g, true, &s)) != 0)
		return rc;
	rc = purge_run(&s, caller_get(), purge_now(&s), dry_run, stdout);
	setup_free(&s);
	return rc;
}
