/*
 * mapping.c - csgw mapping list|show|xsd: what the mapping definitions hold.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "core/xsd.h"

static const char usage[] =
    "usage: csgw mapping list            families and their batch types\n"
    "       csgw mapping show FAMILY     records and fields, with positions and categories\n"
    "       csgw mapping xsd FAMILY      the XML schema partners receive (generated)\n";

static void list(const struct mapping_set *set)
{
	for (size_t i = 0; i < set->nfamilies; i++) {
		const struct family *f = &set->families[i];
		printf("%-9s %s\n          namespace %s\n", f->name, f->title, f->ns);
		for (size_t j = 0; j < f->nbatches; j++) {
			const struct batch_type *b = &f->batches[j];
			printf("          batch %-16s %s ... %s, records:", b->name,
			       b->header ? b->header->id : "(no header)",
			       b->trailer ? b->trailer->id : "(no trailer)");
			for (size_t k = 0; k < b->nrecords; k++)
				printf(" %s", b->records[k]->id);
			putchar('\n');
		}
	}
}

static void show(const struct family *fam)
{
	printf("family %s (%s), namespace %s\n", fam->name, fam->title, fam->ns);
	for (size_t i = 0; i < fam->nrecords; i++) {
		const struct record *r = &fam->records[i];
		printf("\nrecord %s <%s>, %u characters\n", r->id, r->element, r->length);
		for (size_t k = 0; k < r->nfields; k++) {
			const struct field *f = &r->fields[k];
			if (f->type == FIELD_FILLER || f->type == FIELD_LITERAL)
				continue;
			printf("  %4u-%-4u %-28s %-7s %-8s ", f->at, f->at + f->len - 1, f->name,
			       field_type_name(f->type), f->required ? "required" : "");
			for (int b = 0; mapping_category_names[b]; b++)
				if (f->categories & (1u << b))
					printf(" %s", mapping_category_names[b]);
			if (f->codes)
				printf("  [%s]", f->codes->name);
			putchar('\n');
		}
		for (size_t k = 0; k < r->nchildren; k++)
			printf("  then %u to %u %s <%s>\n", r->children[k].min, r->children[k].max,
			       r->children[k].record->id, r->children[k].record->element);
	}
}

int cmd_mapping(struct globals *g, int argc, char **argv)
{
	struct setup s;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : 0;
	}
	const char *verb = argv[1];
	bool needs_family = strcmp(verb, "show") == 0 || strcmp(verb, "xsd") == 0;
	if ((!needs_family && strcmp(verb, "list") != 0) || argc != (needs_family ? 3 : 2)) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if ((rc = cmd_setup(g, false, &s)) != 0)
		return rc;
	if (!needs_family) {
		list(s.set);
	} else {
		const struct family *fam = mapping_family(s.set, argv[2]);
		if (fam == NULL) {
			fprintf(stderr,
			        "csgw mapping: no family '%s'; 'csgw mapping list' shows them\n",
			        argv[2]);
			rc = EX_USAGE;
		} else if (strcmp(verb, "show") == 0) {
			show(fam);
		} else if (xsd_write(fam, stdout) < 0 || fflush(stdout) != 0) {
			perror("csgw mapping xsd: writing");
			rc = EX_IOERR;
		}
	}
	setup_free(&s);
	return rc;
}
