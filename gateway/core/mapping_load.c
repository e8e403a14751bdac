/*
 * mapping_load.c - load mappings/ (definitions, code lists) into a mapping set.
 *
 * Definition files are small and trusted (they ship with csgw), so they are
 * read whole as a tree (io/xml_tree.h); still no network and no entities.
 */
#include "core/mapping_load.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/xml_tree.h"
#include "util/alloc.h"

#define MAPPING_NS "urn:csgw:mapping:v1"

struct loader {
	FILE *errors;
	const char *file;
	int problems;
	struct mapping_set *set;
};

__attribute__((format(printf, 3, 4))) static void problem(struct loader *ld, long line,
                                                          const char *fmt, ...)
{
	va_list ap;

	fprintf(ld->errors, "%s:%ld: ", ld->file, line);
	va_start(ap, fmt);
	vfprintf(ld->errors, fmt, ap);
	va_end(ap);
	fputc('\n', ld->errors);
	ld->problems++;
}

/* An attribute's value as a fresh string, or NULL when absent. */
static char *attr_dup(const struct xml_elem *n, const char *name)
{
	const char *v = xml_elem_attr(n, name);
	return v ? xstrdup(v) : NULL;
}

static unsigned attr_uint(const struct xml_elem *n, const char *name, unsigned dflt)
{
	const char *v = xml_elem_attr(n, name);
	unsigned long u = dflt;
	if (v) {
		/* The schema has already checked it is a non-negative integer. */
		u = strtoul(v, NULL, 10);
		if (u > UINT_MAX / 2)
			u = UINT_MAX / 2;
	}
	return (unsigned)u;
}

static bool attr_true(const struct xml_elem *n, const char *name)
{
	const char *v = xml_elem_attr(n, name);
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* Splits a space-separated list in place into fresh strings. */
static char **split_words(const char *s, size_t *count)
{
	char **words = NULL;
	size_t n = 0;

	while (s && *s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		const char *start = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		if (s > start) {
			words = xreallocarray(words, n + 1, sizeof *words);
			words[n++] = xstrndup(start, (size_t)(s - start));
		}
	}
	*count = n;
	return words;
}

static void free_words(char **words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

/* Reads and schema-validates one definition file; NULL after problems. */
static struct xml_elem *read_valid(struct loader *ld, const struct xml_schema *schema,
                                   const char *root)
{
	return xml_tree_read(ld->file, schema, root, ld->errors, &ld->problems);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_codes(struct loader *ld, const struct xml_elem *root)
{
	struct mapping_set *set = ld->set;

	for (const struct xml_elem *n = root->first_child; n; n = n->next) {
		long line = n->line;
		if (xml_elem_is(n, "charset")) {
			set->charsets =
			    xreallocarray(set->charsets, set->ncharsets + 1, sizeof *set->charsets);
			struct charset *cs = &set->charsets[set->ncharsets++];
			memset(cs, 0, sizeof *cs);
			cs->name = attr_dup(n, "name");
			cs->chars = xstrdup(n->text);
			for (const unsigned char *c = (const unsigned char *)cs->chars; *c; c++) {
				if (*c < 0x20 || *c >= 0x7f)
					problem(ld, line,
					        "charset %s: only printable ASCII may be listed",
					        cs->name);
				else if (cs->allowed[*c])
					problem(ld, line, "charset %s: '%c' is listed twice",
					        cs->name, *c);
				cs->allowed[*c] = true;
			}
			if (mapping_charset(set, cs->name) != cs)
				problem(ld, line, "charset %s is defined twice", cs->name);
		} else if (xml_elem_is(n, "list")) {
			set->codelists = xreallocarray(set->codelists, set->ncodelists + 1,
			                               sizeof *set->codelists);
			struct codelist *cl = &set->codelists[set->ncodelists++];
			memset(cl, 0, sizeof *cl);
			cl->name = attr_dup(n, "name");
			for (const struct xml_elem *c = n->first_child; c; c = c->next) {
				if (!xml_elem_is(c, "code"))
					continue;
				cl->values =
				    xreallocarray(cl->values, cl->nvalues + 1, sizeof *cl->values);
				char *v = attr_dup(c, "value");
				size_t len = strlen(v);
				if (v[len - 1] == ' ')
					problem(ld, c->line,
					        "code '%s' of list %s ends with a space", v,
					        cl->name);
				cl->values[cl->nvalues++] = v;
				if (len > cl->max_len)
					cl->max_len = len;
			}
			qsort(cl->values, cl->nvalues, sizeof *cl->values, cmp_str);
			for (size_t k = 1; k < cl->nvalues; k++)
				if (strcmp(cl->values[k - 1], cl->values[k]) == 0)
					problem(ld, line, "list %s: code '%s' appears twice",
					        cl->name, cl->values[k]);
			if (mapping_codelist(set, cl->name) != cl)
				problem(ld, line, "code list %s is defined twice", cl->name);
		}
	}
}

static const struct {
	const char *name;
	enum field_type type;
} field_types[] = {
    {"literal", FIELD_LITERAL}, {"filler", FIELD_FILLER}, {"text", FIELD_TEXT},
    {"digits", FIELD_DIGITS},   {"number", FIELD_NUMBER}, {"amount", FIELD_AMOUNT},
    {"date", FIELD_DATE},       {"ssn", FIELD_SSN},       {"code", FIELD_CODE},
};

static void load_field(struct loader *ld, const struct xml_elem *n, struct record *rec,
                       struct field *f)
{
	long line = n->line;
	const char *type = xml_elem_attr(n, "type");
	const char *cats = xml_elem_attr(n, "category");
	const char *charset = xml_elem_attr(n, "charset");
	const char *codes = xml_elem_attr(n, "codes");
	const char *counts = xml_elem_attr(n, "counts");

	memset(f, 0, sizeof *f);
	f->line = (unsigned)line;
	f->name = attr_dup(n, "name");
	f->at = attr_uint(n, "at", 0);
	f->len = attr_uint(n, "len", 0);
	f->required = attr_true(n, "required");
	f->literal = attr_dup(n, "value");
	f->scale = attr_uint(n, "scale", 0);
	for (size_t i = 0; i < sizeof field_types / sizeof field_types[0]; i++)
		if (strcmp(type, field_types[i].name) == 0)
			f->type = field_types[i].type;

	const char *what = f->name ? f->name : type;
	bool in_xml = f->type != FIELD_LITERAL && f->type != FIELD_FILLER;
	if (in_xml && f->name == NULL)
		problem(ld, line, "record %s: a %s field needs a name", rec->id, type);
	if (!in_xml && f->name != NULL)
		problem(ld, line, "record %s: field %s: a %s field has no name (it is not in XML)",
		        rec->id, f->name, type);
	if (in_xml && cats == NULL)
		problem(ld, line, "record %s: field %s needs a category", rec->id, what);
	if (cats) {
		size_t nw;
		char **words = split_words(cats, &nw);
		for (size_t i = 0; i < nw; i++)
			f->categories |= 1u << mapping_category_bit(words[i]);
		free_words(words, nw);
	}
	switch (f->type) {
	case FIELD_LITERAL:
		if (f->literal == NULL || strlen(f->literal) != f->len)
			problem(ld, line,
			        "record %s: literal needs a value of exactly %u characters",
			        rec->id, f->len);
		break;
	case FIELD_TEXT:
		f->charset = charset ? mapping_charset(ld->set, charset) : NULL;
		if (f->charset == NULL)
			problem(ld, line, "record %s: field %s: charset '%s' is not in codes.xml",
			        rec->id, what, charset ? charset : "(none given)");
		break;
	case FIELD_CODE:
		f->codes = codes ? mapping_codelist(ld->set, codes) : NULL;
		if (f->codes == NULL)
			problem(ld, line, "record %s: field %s: code list '%s' is not in codes.xml",
			        rec->id, what, codes ? codes : "(none given)");
		else if (f->codes->max_len > f->len)
			problem(ld, line,
			        "record %s: field %s: list %s has codes of %zu characters; the "
			        "field has %u",
			        rec->id, what, codes, f->codes->max_len, f->len);
		break;
	case FIELD_DATE:
		if (f->len != 8)
			problem(ld, line,
			        "record %s: field %s: a date is 8 long (CCYYMMDD), not %u", rec->id,
			        what, f->len);
		break;
	case FIELD_SSN:
		if (f->len != 9)
			problem(ld, line, "record %s: field %s: an SSN is 9 long, not %u", rec->id,
			        what, f->len);
		break;
	case FIELD_AMOUNT:
		if (f->scale >= f->len)
			problem(ld, line,
			        "record %s: field %s: scale %u leaves no whole digits in %u",
			        rec->id, what, f->scale, f->len);
		break;
	default:
		break;
	}
	if (counts) {
		if (f->type != FIELD_NUMBER)
			problem(ld, line,
			        "record %s: field %s: only a number field can count records",
			        rec->id, what);
		else if (f->len > 18) /* the count must fit an unsigned long */
			problem(ld, line,
			        "record %s: field %s: a count field is at most 18 digits, not %u",
			        rec->id, what, f->len);
		f->counts = split_words(counts, &f->ncounts);
	}
}

static void load_record(struct loader *ld, const struct xml_elem *n, struct record *rec)
{
	unsigned next = 1;

	memset(rec, 0, sizeof *rec);
	rec->line = (unsigned)n->line;
	rec->id = attr_dup(n, "id");
	rec->element = attr_dup(n, "element");
	rec->length = attr_uint(n, "length", 0);
	for (const struct xml_elem *c = n->first_child; c; c = c->next) {
		if (!xml_elem_is(c, "field"))
			continue;
		rec->fields = xreallocarray(rec->fields, rec->nfields + 1, sizeof *rec->fields);
		struct field *f = &rec->fields[rec->nfields++];
		load_field(ld, c, rec, f);
		if (f->at != next)
			problem(ld, f->line,
			        "record %s: field %s starts at %u; expected %u (fields must tile "
			        "the record)",
			        rec->id, f->name ? f->name : field_types[f->type].name, f->at,
			        next);
		next = f->at + f->len;
		for (size_t k = 0; f->name && k + 1 < rec->nfields; k++)
			if (rec->fields[k].name && strcmp(rec->fields[k].name, f->name) == 0)
				problem(ld, f->line, "record %s: field name %s is used twice",
				        rec->id, f->name);
	}
	if (next != rec->length + 1)
		problem(ld, rec->line, "record %s: fields end at %u; expected the record length %u",
		        rec->id, next - 1, rec->length);
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].type == FIELD_LITERAL) {
			rec->keys = xreallocarray(rec->keys, rec->nkeys + 1, sizeof *rec->keys);
			rec->keys[rec->nkeys++] = &rec->fields[i];
		}
	rec->keyed = rec->nkeys > 0;
	/* Where a layout has an id in positions 1-2, it is the record's id. */
	const struct field *first = rec->nfields ? &rec->fields[0] : NULL;
	if (first && first->type == FIELD_LITERAL && first->len == 2 &&
	    strcmp(first->literal ? first->literal : "", rec->id) != 0)
		problem(ld, rec->line, "record %s: its literal id in positions 1-2 must be %s",
		        rec->id, rec->id);
}

/* Second pass, once every record of the family exists. */
static void link_record(struct loader *ld, struct family *fam, const struct xml_elem *n,
                        struct record *rec)
{
	for (const struct xml_elem *c = n->first_child; c; c = c->next) {
		if (!xml_elem_is(c, "child"))
			continue;
		const char *id = xml_elem_attr(c, "record");
		const struct record *child = mapping_record(fam, id);
		if (child == NULL || child == rec)
			problem(ld, c->line, "record %s: child record %s is not defined", rec->id,
			        id);
		rec->children =
		    xreallocarray(rec->children, rec->nchildren + 1, sizeof *rec->children);
		struct child *ch = &rec->children[rec->nchildren++];
		ch->record = child;
		ch->min = attr_uint(c, "min", 0);
		ch->max = attr_uint(c, "max", 1);
		if (ch->min > ch->max)
			problem(ld, c->line, "record %s: child %s: min %u is above max %u", rec->id,
			        id, ch->min, ch->max);
		for (size_t k = 0; child && k < rec->nfields; k++)
			if (rec->fields[k].name && strcmp(rec->fields[k].name, child->element) == 0)
				problem(ld, c->line,
				        "record %s: child element %s has the name of a field",
				        rec->id, child->element);
	}
	for (size_t k = 0; k < rec->nfields; k++) {
		struct field *f = &rec->fields[k];
		for (size_t i = 0; i < f->ncounts; i++) {
			if (strcmp(f->counts[i], "*") == 0)
				continue;
			if (mapping_record(fam, f->counts[i]) == NULL)
				problem(
				    ld, f->line,
				    "record %s: field %s counts record %s, which is not defined",
				    rec->id, f->name, f->counts[i]);
		}
		if (f->ncounts > 0 && rec->nchildren > 0)
			rec->has_counts = true;
	}
}

/* Groups are one level deep (a CSENet transaction and its blocks): a child
 * has no children of its own and is not also a record of a batch, so a
 * line's place in a fixed-width file is never ambiguous. */
static void check_nesting(struct loader *ld, const struct family *fam)
{
	for (size_t i = 0; i < fam->nrecords; i++) {
		const struct record *rec = &fam->records[i];
		for (size_t k = 0; k < rec->nchildren; k++) {
			const struct record *child = rec->children[k].record;
			if (child == NULL)
				continue;
			if (child->nchildren > 0)
				problem(ld, rec->line,
				        "record %s: child %s has children of its own; groups are "
				        "one level deep",
				        rec->id, child->id);
			for (size_t b = 0; b < fam->nbatches; b++)
				for (size_t j = 0; j < fam->batches[b].nrecords; j++)
					if (fam->batches[b].records[j] == child)
						problem(
						    ld, rec->line,
						    "record %s: child %s is also a record of batch "
						    "%s; a child belongs to its lead only",
						    rec->id, child->id, fam->batches[b].name);
		}
	}
}

static const struct record *batch_record(struct loader *ld, const struct family *fam, long line,
                                         const char *batch, const char *id)
{
	const struct record *rec = mapping_record(fam, id);
	if (rec == NULL)
		problem(ld, line, "batch %s: record %s is not defined in family %s", batch, id,
		        fam->name);
	return rec;
}

static void load_batch(struct loader *ld, struct family *fam, const struct xml_elem *n,
                       struct batch_type *b)
{
	long line = n->line;
	const char *header = xml_elem_attr(n, "header");
	const char *trailer = xml_elem_attr(n, "trailer");
	const char *records = xml_elem_attr(n, "records");
	size_t nids;
	char **ids = split_words(records, &nids);

	memset(b, 0, sizeof *b);
	b->family = fam;
	b->name = attr_dup(n, "type");
	b->element = attr_dup(n, "element");
	b->header = header ? batch_record(ld, fam, line, b->name, header) : NULL;
	b->trailer = trailer ? batch_record(ld, fam, line, b->name, trailer) : NULL;
	if ((b->header && !b->header->keyed) || (b->trailer && !b->trailer->keyed))
		problem(ld, line, "batch %s: a header or trailer needs a literal to be told apart",
		        b->name);
	b->records = xcalloc(nids, sizeof *b->records);
	for (size_t i = 0; i < nids; i++) {
		const struct record *r = batch_record(ld, fam, line, b->name, ids[i]);
		if (r == NULL)
			continue;
		b->records[b->nrecords++] = r;
		if (r->keyed)
			continue;
		/* Lines are told apart by literals: one record may go without. */
		if (b->unkeyed)
			problem(ld, line,
			        "batch %s: records %s and %s both have no literal, so their lines "
			        "cannot be told apart",
			        b->name, b->unkeyed->id, r->id);
		if (r->nchildren)
			problem(ld, line, "batch %s: record %s has children but no literal",
			        b->name, r->id);
		b->unkeyed = r;
	}
	if (mapping_batch(ld->set, b->name) != b)
		problem(ld, line, "batch type %s is defined twice", b->name);
	for (size_t i = 0; i < fam->nrecords; i++)
		if (strcmp(fam->records[i].element, b->element) == 0)
			problem(ld, line,
			        "batch %s: root element %s is also the element of record %s",
			        b->name, b->element, fam->records[i].id);
	free_words(ids, nids);
}

static void load_family(struct loader *ld, const struct xml_elem *root, const char *dirname)
{
	struct mapping_set *set = ld->set;
	struct family *fam = &set->families[set->nfamilies++];
	size_t nrec = 0, nbatch = 0;

	memset(fam, 0, sizeof *fam);
	fam->name = attr_dup(root, "name");
	fam->ns = attr_dup(root, "namespace");
	fam->title = attr_dup(root, "title");
	fam->path = xstrdup(ld->file);
	if (strcmp(fam->name, dirname) != 0)
		problem(ld, root->line, "family %s lives in folder %s; expected folder %s",
		        fam->name, dirname, fam->name);
	for (size_t i = 0; i + 1 < set->nfamilies; i++)
		if (strcmp(set->families[i].ns, fam->ns) == 0)
			problem(ld, root->line, "namespace %s is also family %s's", fam->ns,
			        set->families[i].name);

	for (const struct xml_elem *n = root->first_child; n; n = n->next) {
		nrec += xml_elem_is(n, "record");
		nbatch += xml_elem_is(n, "batch");
	}
	/* Sized once: batches and children point into these arrays. */
	fam->records = xcalloc(nrec, sizeof *fam->records);
	fam->batches = xcalloc(nbatch, sizeof *fam->batches);
	for (const struct xml_elem *n = root->first_child; n; n = n->next) {
		if (!xml_elem_is(n, "record"))
			continue;
		struct record *rec = &fam->records[fam->nrecords];
		load_record(ld, n, rec);
		fam->nrecords++;
		for (size_t i = 0; i + 1 < fam->nrecords; i++) {
			if (strcmp(fam->records[i].id, rec->id) == 0)
				problem(ld, rec->line, "record %s is defined twice", rec->id);
			if (strcmp(fam->records[i].element, rec->element) == 0)
				problem(ld, rec->line, "element %s names records %s and %s",
				        rec->element, fam->records[i].id, rec->id);
		}
	}
	size_t r = 0;
	for (const struct xml_elem *n = root->first_child; n; n = n->next) {
		if (xml_elem_is(n, "record"))
			link_record(ld, fam, n, &fam->records[r++]);
		else if (xml_elem_is(n, "batch"))
			load_batch(ld, fam, n, &fam->batches[fam->nbatches++]);
	}
	check_nesting(ld, fam);
	size_t unkeyed = 0;
	for (size_t i = 0; i < fam->nrecords; i++)
		if (!fam->records[i].keyed && unkeyed++ == 0)
			fam->unkeyed = &fam->records[i];
	if (unkeyed > 1) /* then only a batch tells them apart */
		fam->unkeyed = NULL;
}

static char *path_join(const char *a, const char *b, const char *c)
{
	return c ? xasprintf("%s/%s/%s", a, b, c) : xasprintf("%s/%s", a, b);
}

static int cmp_dirent(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int mapping_load(const char *dir, struct mapping_set **out, FILE *errors)
{
	struct loader ld = {.errors = errors};
	char *schema_path = path_join(dir, "schema", "mapping.xsd");
	char *codes_path = path_join(dir, "codes", "codes.xml");
	struct xml_schema *schema = NULL;
	char **names = NULL;
	size_t nnames = 0;
	DIR *d = NULL;

	*out = NULL;
	ld.set = xcalloc(1, sizeof *ld.set);
	schema = xml_schema_open(schema_path, errors);
	if (schema == NULL) {
		ld.problems++;
		goto out;
	}

	ld.file = codes_path;
	struct xml_elem *doc = read_valid(&ld, schema, "codes");
	if (doc == NULL)
		goto out;
	load_codes(&ld, doc);
	xml_tree_free(doc);

	d = opendir(dir);
	if (d == NULL) {
		fprintf(errors, "%s: cannot open the mappings folder: %s\n", dir, strerror(errno));
		ld.problems++;
		goto out;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "schema") == 0 ||
		    strcmp(e->d_name, "codes") == 0)
			continue;
		names = xreallocarray(names, nnames + 1, sizeof *names);
		names[nnames++] = xstrdup(e->d_name);
	}
	qsort(names, nnames, sizeof *names, cmp_dirent);
	ld.set->families = xcalloc(nnames ? nnames : 1, sizeof *ld.set->families);
	for (size_t i = 0; i < nnames; i++) {
		size_t n = strlen(names[i]) + sizeof ".map.xml";
		char *base = xmalloc(n);
		snprintf(base, n, "%s.map.xml", names[i]);
		char *path = path_join(dir, names[i], base);
		free(base);
		struct stat st;
		if (stat(path, &st) == 0) {
			ld.file = path;
			doc = read_valid(&ld, schema, "family");
			if (doc)
				load_family(&ld, doc, names[i]);
			xml_tree_free(doc);
		}
		free(path);
	}
	if (ld.set->nfamilies == 0 && ld.problems == 0) {
		fprintf(errors, "%s: no family definitions (expected FAMILY/FAMILY.map.xml)\n",
		        dir);
		ld.problems++;
	}
out:
	if (d)
		closedir(d);
	free_words(names, nnames);
	xml_schema_close(schema);
	free(schema_path);
	free(codes_path);
	if (ld.problems > 0) {
		mapping_free(ld.set);
		return -1;
	}
	*out = ld.set;
	return 0;
}

const char *mapping_default_dir(void)
{
	static char dir[PATH_MAX + 32];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat st;

	if (n <= 0)
		return "mappings";
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	/* Installed: PREFIX/bin/csgw -> PREFIX/share/csgw/mappings */
	snprintf(dir, sizeof dir, "%s/../share/csgw/mappings", exe);
	if (stat(dir, &st) == 0)
		return dir;
	/* Built in the source tree: build/csgw -> mappings */
	snprintf(dir, sizeof dir, "%s/../mappings", exe);
	return dir;
}
