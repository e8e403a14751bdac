/*
 * map.c - csgw map, unmap and validate: fixed width <-> XML batches.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "core/map.h"
#include "core/unmap.h"
#include "util/progress.h"

#define MAX_REPORTED 100
/* Partner files larger than this are refused unless --max-size says more. */
#define DEFAULT_MAX_BYTES (16ULL << 30)

static const char map_usage[] =
    "usage: csgw map [--environment test|production] [--quiet] TYPE INPUT [-o OUTPUT]\n"
    "\n"
    "Turns a fixed-width extract into one XML batch of TYPE (see 'csgw mapping\n"
    "list'), checking every field. Each bad record is reported with its line,\n"
    "field, value (SSNs masked) and rule; then nothing is written.\n"
    "OUTPUT defaults to INPUT with its extension replaced by .xml; '-' is\n"
    "standard output. On a terminal, progress is shown on stderr (--quiet: not).\n";

static const char unmap_usage[] =
    "usage: csgw unmap [--environment test|production] [--max-size BYTES] [--quiet] FILE [-o "
    "OUTPUT]\n"
    "\n"
    "Turns an XML batch back into its fixed-width layout, checking it as\n"
    "'csgw validate' does; nothing is written unless all of it is good.\n"
    "OUTPUT defaults to FILE with its extension replaced by .txt.\n";

static const char validate_usage[] =
    "usage: csgw validate [--environment test|production] [--max-size BYTES] [--quiet] FILE\n"
    "\n"
    "Checks an XML batch of any family (found from the root element's\n"
    "namespace) as a stream: what the family's XSD accepts ('csgw mapping xsd'),\n"
    "plus trailer and group counts and, outside a test environment, no SSN\n"
    "areas 900-999. Errors give the line and record number.\n"
    "\n"
    "Partner input is hostile, so csgw also refuses what the XSD would allow:\n"
    "a DOCTYPE; a field text over 4 KiB (whitespace around a date included);\n"
    "a text run over 1 MiB; more than 16 attributes on an element, 64\n"
    "namespace declarations in scope, or a start tag over 64 KiB; nesting\n"
    "over 64; namespace errors libxml2 only warns about; a file over\n"
    "--max-size (default 16 GiB).\n";

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},   {"environment", required_argument, NULL, 'e'},
    {"max-size", required_argument, NULL, 'm'}, {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
};

struct args {
	const char *output;
	unsigned long long max_bytes;
	int nargs;
	char **args;
};

/* Returns -1 to go on, or an exit code. */
static int parse(struct globals *g, int argc, char **argv, const char *usage, int want,
                 struct args *a)
{
	int c;

	a->output = NULL;
	a->max_bytes = DEFAULT_MAX_BYTES;
	optind = 0; /* 0, not 1: GNU getopt then resets its state after main's pass */
	while ((c = getopt_long(argc, argv, "o:e:qh", long_options, NULL)) != -1) {
		switch (c) {
		case 'q':
			g->quiet = true;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'e': {
			int rc = cmd_environment_option(g, optarg);
			if (rc)
				return rc;
			break;
		}
		case 'm': {
			char *end;
			a->max_bytes = strtoull(optarg, &end, 10);
			if (*end != '\0' || a->max_bytes == 0) {
				fprintf(stderr,
				        "csgw: --max-size '%s': expected a number of bytes\n",
				        optarg);
				return EX_USAGE;
			}
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	if (a->nargs != want) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	progress_enable(g->quiet);
	return -1;
}

static char *sibling(const char *input, const char *ext);

/* The output, from -o or derived from the input; NULL after saying why
 * when there is none, or when it would overwrite the input. */
static char *output_for(const char *input, const char *given, const char *ext)
{
	struct stat in, out;

	if (given == NULL && strcmp(input, "-") == 0) {
		fprintf(
		    stderr,
		    "csgw: reading standard input needs -o OUTPUT ('-o -' for standard output)\n");
		return NULL;
	}
	char *output = given ? strdup(given) : sibling(input, ext);
	if (output && strcmp(output, "-") != 0 && strcmp(input, "-") != 0 &&
	    stat(input, &in) == 0 && stat(output, &out) == 0 && in.st_dev == out.st_dev &&
	    in.st_ino == out.st_ino) {
		fprintf(stderr, "csgw: %s would overwrite the input %s; give another -o\n", output,
		        input);
		free(output);
		return NULL;
	}
	return output;
}

/* INPUT with its extension replaced; caller frees. */
static char *sibling(const char *input, const char *ext)
{
	const char *slash = strrchr(input, '/');
	const char *dot = strrchr(input, '.');
	size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - input) : strlen(input);
	size_t n = stem + strlen(ext) + 1;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%.*s%s", (int)stem, input, ext);
	return out;
}

static int exit_code(enum map_status st)
{
	switch (st) {
	case MAP_OK:
		return EX_OK;
	case MAP_BAD_DATA:
		return EX_DATAERR;
	case MAP_NO_INPUT:
		return EX_NOINPUT;
	case MAP_IO_ERROR:
		return EX_IOERR;
	}
	return EX_SOFTWARE;
}

static void summary(FILE *out, const char *verb, const char *file, const struct batch_counts *c)
{
	char by[256];
	batch_counts_describe(c, c->batch->family, by, sizeof by);
	fprintf(out, "%s %s: %s batch (family %s), %lu records%s%s%s\n", verb, file, c->batch->name,
	        c->batch->family->name, c->records, *by ? " (" : "", by, *by ? ")" : "");
}

int cmd_map(struct globals *g, int argc, char **argv)
{
	struct args a;
	struct setup s;
	int rc = parse(g, argc, argv, map_usage, 2, &a);

	if (rc >= 0)
		return rc;
	if ((rc = cmd_setup(g, false, &s)) != 0)
		return rc;
	const char *type = a.args[0], *input = a.args[1];
	const struct batch_type *bt = mapping_batch(s.set, type);
	if (bt == NULL) {
		fprintf(stderr, "csgw map: unknown TYPE '%s'; expected one of:", type);
		for (size_t i = 0; i < s.set->nfamilies; i++)
			for (size_t j = 0; j < s.set->families[i].nbatches; j++)
				fprintf(stderr, " %s", s.set->families[i].batches[j].name);
		fputc('\n', stderr);
		setup_free(&s);
		return EX_USAGE;
	}
	char *output = output_for(input, a.output, ".xml");
	if (output == NULL) {
		setup_free(&s);
		return EX_USAGE;
	}
	struct report rep = {.out = stderr, .file = input, .max = MAX_REPORTED};
	struct batch_counts counts;
	progress_file(input, input);
	enum map_status st = map_to_xml(bt, input, output, s.test_env, &rep, &counts);
	progress_end();
	report_finish(&rep);
	if (st == MAP_OK)
		summary(stderr, "csgw map: wrote", output, &counts);
	else if (st == MAP_BAD_DATA)
		fprintf(stderr, "csgw map: %s: %lu problem(s); nothing written\n", input,
		        rep.count);
	batch_counts_free(&counts);
	free(output);
	setup_free(&s);
	return exit_code(st);
}

int cmd_unmap(struct globals *g, int argc, char **argv)
{
	struct args a;
	struct setup s;
	int rc = parse(g, argc, argv, unmap_usage, 1, &a);

	if (rc >= 0)
		return rc;
	if ((rc = cmd_setup(g, false, &s)) != 0)
		return rc;
	const char *input = a.args[0];
	char *output = output_for(input, a.output, ".txt");
	if (output == NULL) {
		setup_free(&s);
		return EX_USAGE;
	}
	struct report rep = {.out = stderr, .file = input, .max = MAX_REPORTED};
	struct unmap_limits lim = {.max_bytes = a.max_bytes};
	struct batch_counts counts;
	progress_file(input, input);
	enum map_status st = unmap_to_fixed(s.set, input, output, s.test_env, &lim, &rep, &counts);
	progress_end();
	report_finish(&rep);
	if (st == MAP_OK)
		summary(stderr, "csgw unmap: wrote", output, &counts);
	else if (st == MAP_BAD_DATA)
		fprintf(stderr, "csgw unmap: %s: %lu problem(s); nothing written\n", input,
		        rep.count);
	batch_counts_free(&counts);
	free(output);
	setup_free(&s);
	return exit_code(st);
}

int cmd_validate(struct globals *g, int argc, char **argv)
{
	struct args a;
	struct setup s;
	int rc = parse(g, argc, argv, validate_usage, 1, &a);

	if (rc >= 0)
		return rc;
	if ((rc = cmd_setup(g, false, &s)) != 0)
		return rc;
	const char *input = a.args[0];
	struct report rep = {.out = stderr, .file = input, .max = MAX_REPORTED};
	struct unmap_limits lim = {.max_bytes = a.max_bytes};
	struct batch_counts counts;
	progress_file(input, input);
	enum map_status st = unmap_read(s.set, input, s.test_env, &lim, &rep, NULL, NULL, &counts);
	progress_end();
	report_finish(&rep);
	if (st == MAP_OK)
		summary(stdout, "valid:", input, &counts);
	else if (st == MAP_BAD_DATA)
		fprintf(stderr, "csgw validate: %s: invalid, %lu problem(s)\n", input, rep.count);
	batch_counts_free(&counts);
	setup_free(&s);
	return exit_code(st);
}
