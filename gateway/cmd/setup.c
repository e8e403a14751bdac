/*
 * setup.c - what every command loads first: configuration and mappings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "core/mapping_load.h"
#include "core/ssn.h"
#include "io/fs.h"
#include "io/secret.h"
#include "util/alloc.h"

int cmd_environment_option(struct globals *g, const char *value)
{
	if (strcmp(value, "test") != 0 && strcmp(value, "production") != 0) {
		fprintf(stderr, "csgw: --environment '%s': expected production or test\n", value);
		return EX_USAGE;
	}
	g->environment = value;
	return 0;
}

int cmd_setup(const struct globals *g, bool conf_required, struct setup *s)
{
	return setup_load(g->conf_path, g->environment, g->mappings, conf_required, s);
}

bool cmd_asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

bool cmd_want_help(int argc, char **argv, const char *usage)
{
	if (!cmd_asks_help(argc, argv))
		return false;
	fputs(usage, stdout);
	return true;
}

int cmd_ssn_option(const struct setup *s, const char *arg, char digits[10], char masked[16])
{
	size_t n = 0;
	for (const char *d = arg; *d && n < 10; d++)
		if (*d != '-')
			digits[n++] = *d;
	digits[n < 10 ? n : 9] = '\0';
	ssn_mask(arg, strlen(arg), masked);
	const char *problem = n == 9 ? ssn_problem(digits, 9, s->test_env) : "not 9 digits";
	if (problem) {
		fprintf(stderr, "csgw: --ssn %s: %s\n", masked, problem);
		return EX_USAGE;
	}
	return 0;
}

void cmd_json_string_to(FILE *out, const char *v)
{
	putc('"', out);
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			putc(c, out);
	}
	putc('"', out);
}

void cmd_json_string(const char *v)
{
	cmd_json_string_to(stdout, v);
}
