/*
 * parse_child.c - csgw parse-child and verify-child: the sandboxed parser
 * of one partner file and checker of one partner signature
 * (core/isolated.h), started by the daemon, never by a person.
 *
 * csgw --mappings DIR --environment E parse-child NAME MAX_BYTES MAX_LINES
 * REPORT_MAX, with the file on descriptor 0 and the parent's pipe on 1.
 * It reads no configuration file: only the mappings, then it enters the
 * sandbox.
 *
 * csgw verify-child CA_BUNDLE PARTNER_CERT SHA256 SIG_NAME CONTENT_NAME,
 * with the signature on 0, the pipe on 1, the content on 3; PARTNER_CERT
 * and SHA256 (hex) may be empty.  It reads the two certificate files,
 * then enters the sandbox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/isolated.h"
#include "core/mapping_load.h"
#include "io/digest.h"

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

int cmd_verify_child(struct globals *g, int argc, char **argv)
{
	unsigned char sha256[DIGEST_SHA256_LEN];
	(void)g;

	if (argc != 6 || (argv[3][0] && strlen(argv[3]) != 2 * DIGEST_SHA256_LEN)) {
		fputs("csgw verify-child: started by csgw run for each partner signature, not by "
		      "hand\n",
		      stderr);
		return EX_USAGE;
	}
	for (size_t i = 0; argv[3][0] && i < DIGEST_SHA256_LEN; i++)
		if (sscanf(argv[3] + 2 * i, "%2hhx", &sha256[i]) != 1)
			return EX_USAGE;
	struct cms_trust trust = {.ca_bundle = argv[1],
	                          .partner_cert = argv[2][0] ? argv[2] : NULL};
	_exit(isolated_verify_child(&trust, argv[3][0] ? sha256 : NULL, argv[4], argv[5]));
}
