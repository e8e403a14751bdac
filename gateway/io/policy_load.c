/*
 * policy_load.c - load and check the disclosure policy (policy_load.h).
 *
 * The policy ships with csgw and is trusted like the mappings: read whole
 * with the libxml2 tree API, no network, no entities.
 */
#include "io/policy_load.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/xml_safe.h"
#include "util/alloc.h"

struct loader {
	FILE *errors;
	const char *file;
	int problems;
	const struct mapping_set *set;
	struct policy *p;
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

static void schema_error(void *ctx, xmlErrorPtr e)
{
	struct loader *ld = ctx;
	size_t n = e->message ? strlen(e->message) : 0;

	while (n > 0 && e->message[n - 1] == '\n')
		n--;
	problem(ld, e->line, "%.*s", (int)n, e->message ? e->message : "invalid");
}

static bool is_el(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = v ? xstrdup((const char *)v) : NULL;
	xmlFree(v);
	return s;
}

static char *text_of(xmlNodePtr n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *s = xstrdup(v ? (const char *)v : "");
	xmlFree(v);
	/* One line: documentation is shown in one-line reasons. */
	char *o = s;
	for (const char *c = s; *c; c++) {
		if (*c == '\n' || *c == '\t' || *c == ' ') {
			if (o > s && o[-1] != ' ')
				*o++ = ' ';
		} else
			*o++ = *c;
	}
	while (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
	return s;
}

static struct policy_words words(xmlNodePtr n, const char *name)
{
	struct policy_words w = {NULL, 0};
	char *v = attr(n, name);

	for (char *s = v; s && *s;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		char *start = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		if (s > start) {
			w.w = xreallocarray(w.w, w.n + 1, sizeof *w.w);
			w.w[w.n++] = xstrndup(start, (size_t)(s - start));
		}
	}
	free(v);
	return w;
}

static unsigned categories(xmlNodePtr n, const char *name)
{
	struct policy_words w = words(n, name);
	unsigned bits = 0;

	for (size_t i = 0; i < w.n; i++) {
		int b = mapping_category_bit(w.w[i]); /* the schema lists the same names */
		if (b >= 0)
			bits |= 1u << b;
		free(w.w[i]);
	}
	free(w.w);
	return bits;
}

static unsigned flag_bits(xmlNodePtr n, const char *name)
{
	struct policy_words w = words(n, name);
	unsigned bits = 0;

	for (size_t i = 0; i < w.n; i++) {
		bits |= strcmp(w.w[i], "family-violence") == 0 ? POLICY_FAMILY_VIOLENCE
		        : strcmp(w.w[i], "nondisclosure") == 0 ? POLICY_NONDISCLOSURE
		                                               : POLICY_PROTECTIVE_ORDER;
		free(w.w[i]);
	}
	free(w.w);
	return bits;
}

static int tri(xmlNodePtr n, const char *name)
{
	char *v = attr(n, name);
	int t = v == NULL ? -1 : (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
	free(v);
	return t;
}

static void check_purposes(struct loader *ld, long line, const struct policy_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!policy_words_has(&ld->p->purposes, w->w[i]))
			problem(ld, line, "purpose '%s' is not defined (<purpose id=\"%s\">)",
			        w->w[i], w->w[i]);
}

static void check_classes(struct loader *ld, long line, const struct policy_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (policy_class(ld->p, w->w[i]) == NULL)
			problem(ld, line, "class '%s' is not defined", w->w[i]);
}

static void load_class(struct loader *ld, xmlNodePtr n)
{
	struct policy *p = ld->p;
	long line = xmlGetLineNo(n);
	const struct codelist *cl = mapping_codelist(ld->set, "recipient-class");

	p->classes = xreallocarray(p->classes, p->nclasses + 1, sizeof *p->classes);
	struct policy_class *c = &p->classes[p->nclasses++];
	*c = (struct policy_class){.id = attr(n, "id"),
	                           .citation = attr(n, "citation"),
	                           .doc = text_of(n),
	                           .purposes = words(n, "purposes"),
	                           .line = (unsigned)line};
	if (policy_class(p, c->id) != c)
		problem(ld, line, "class %s is defined twice", c->id);
	if (cl == NULL || !codelist_has(cl, c->id, strlen(c->id)))
		problem(ld, line, "class %s is not in the recipient-class code list", c->id);
}

/* A fact source: the family, records and field must exist. */
static struct policy_source load_source(struct loader *ld, xmlNodePtr n, const char *name_attr)
{
	long line = xmlGetLineNo(n);
	struct policy_source s = {.name = attr(n, name_attr),
	                          .citation = attr(n, "citation"),
	                          .doc = text_of(n),
	                          .family = attr(n, "family"),
	                          .record = words(n, "record"),
	                          .values = words(n, "values"),
	                          .field = attr(n, "field"),
	                          .flag = flag_bits(n, "flag"),
	                          .to = categories(n, "to"),
	                          .adds = categories(n, "adds"),
	                          .line = (unsigned)line};
	const struct family *fam = mapping_family(ld->set, s.family);

	if (fam == NULL) {
		problem(ld, line, "family '%s' is not in the mappings", s.family);
		return s;
	}
	if (s.record.n == 0)
		problem(ld, line, "no record named");
	for (size_t i = 0; i < s.record.n; i++) {
		const struct record *r = mapping_record(fam, s.record.w[i]);
		const struct field *f = NULL;
		for (size_t k = 0; r && k < r->nfields && !f; k++)
			if (r->fields[k].name && strcmp(r->fields[k].name, s.field) == 0)
				f = &r->fields[k];
		if (r == NULL)
			problem(ld, line, "family %s has no record %s", s.family, s.record.w[i]);
		else if (f == NULL)
			problem(ld, line, "record %s of %s has no field %s", s.record.w[i],
			        s.family, s.field);
		else
			for (size_t v = 0; f->codes && v < s.values.n; v++)
				if (!codelist_has(f->codes, s.values.w[v], strlen(s.values.w[v])))
					problem(ld, line, "'%s' is not a code of %s.%s (list %s)",
					        s.values.w[v], s.record.w[i], s.field,
					        f->codes->name);
	}
	return s;
}

static struct policy_when load_when(struct loader *ld, xmlNodePtr n)
{
	long line = xmlGetLineNo(n);
	char *older = attr(n, "older-than-months");
	struct policy_when w = {
	    .class = words(n, "class"),
	    .class_not = words(n, "class-not"),
	    .purpose = words(n, "purpose"),
	    .purpose_not = words(n, "purpose-not"),
	    .family = words(n, "family"),
	    .record = words(n, "record"),
	    .transaction = words(n, "transaction"),
	    .transaction_not = words(n, "transaction-not"),
	    .subject = flag_bits(n, "subject"),
	    .interstate = tri(n, "interstate"),
	    .verified = tri(n, "verified"),
	    .matched = tri(n, "matched"),
	    .enforcement_closed = tri(n, "enforcement-closed"),
	    .state_owed = tri(n, "state-owed-arrears"),
	    .older_than_months = older ? (int)strtol(older, NULL, 10) : -1,
	    .line = (unsigned)line,
	};
	free(older);
	check_classes(ld, line, &w.class);
	check_classes(ld, line, &w.class_not);
	check_purposes(ld, line, &w.purpose);
	check_purposes(ld, line, &w.purpose_not);
	for (size_t i = 0; i < w.family.n; i++)
		if (mapping_family(ld->set, w.family.w[i]) == NULL)
			problem(ld, line, "family '%s' is not in the mappings", w.family.w[i]);
	return w;
}

static bool rule_id_taken(const struct policy *p, const char *id, const struct policy_rule *self)
{
	for (size_t i = 0; i < p->ngrants; i++)
		if (&p->grants[i] != self && strcmp(p->grants[i].id, id) == 0)
			return true;
	for (size_t i = 0; i < p->nlimits; i++)
		if (&p->limits[i] != self && strcmp(p->limits[i].id, id) == 0)
			return true;
	for (size_t i = 0; i < p->nprovenance; i++)
		if (strcmp(p->provenance[i].name, id) == 0)
			return true;
	return strcmp(id, POLICY_DEFAULT_DENY) == 0 || strcmp(id, POLICY_NOT_AUTHORIZED) == 0;
}

static void load_rule(struct loader *ld, xmlNodePtr n, bool grant)
{
	struct policy *p = ld->p;
	long line = xmlGetLineNo(n);
	struct policy_rule *r;

	if (grant) {
		p->grants = xreallocarray(p->grants, p->ngrants + 1, sizeof *p->grants);
		r = &p->grants[p->ngrants++];
	} else {
		p->limits = xreallocarray(p->limits, p->nlimits + 1, sizeof *p->limits);
		r = &p->limits[p->nlimits++];
	}
	char *effect = attr(n, "effect");
	*r = (struct policy_rule){
	    .id = attr(n, "id"),
	    .citation = attr(n, "citation"),
	    .effect = !effect                         ? POLICY_ALLOW
	              : strcmp(effect, "redact") == 0 ? POLICY_REDACT
	              : strcmp(effect, "deny") == 0   ? POLICY_DENY
	                                              : POLICY_PROHIBIT,
	    .categories = categories(n, "categories"),
	    .class = attr(n, "class"),
	    .purposes = words(n, "purposes"),
	    .line = (unsigned)line,
	};
	free(effect);
	if (grant)
		r->doc = text_of(n);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (is_el(c, "doc"))
			r->doc = text_of(c);
		else if (is_el(c, "when")) {
			struct policy_when w = load_when(ld, c);
			r->when = xreallocarray(r->when, r->nwhen + 1, sizeof *r->when);
			r->when[r->nwhen++] = w;
		}
	}
	if (rule_id_taken(p, r->id, r))
		problem(ld, line, "rule id %s is used twice", r->id);
	if (grant) {
		const struct policy_class *c = policy_class(p, r->class);
		check_purposes(ld, line, &r->purposes);
		if (c == NULL)
			problem(ld, line, "class '%s' is not defined", r->class);
		for (size_t i = 0; c && i < r->purposes.n; i++)
			if (!policy_words_has(&c->purposes, r->purposes.w[i]))
				problem(
				    ld, line,
				    "grant %s can never apply: class %s is not authorized for %s",
				    r->id, c->id, r->purposes.w[i]);
	} else if (r->effect == POLICY_REDACT && r->categories == 0)
		problem(ld, line, "limit %s redacts but names no categories", r->id);
}

static void add_source(struct policy_source **arr, size_t *n, struct policy_source s)
{
	*arr = xreallocarray(*arr, *n + 1, sizeof **arr);
	(*arr)[(*n)++] = s;
}

static void load_policy(struct loader *ld, xmlNodePtr root)
{
	struct policy *p = ld->p;

	/* Classes and purposes first: everything else refers to them. */
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (is_el(n, "purpose")) {
			char *id = attr(n, "id");
			if (policy_words_has(&p->purposes, id))
				problem(ld, xmlGetLineNo(n), "purpose %s is defined twice", id);
			p->purposes.w =
			    xreallocarray(p->purposes.w, p->purposes.n + 1, sizeof *p->purposes.w);
			p->purposes.w[p->purposes.n++] = id;
		}
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (is_el(n, "class")) {
			load_class(ld, n);
			check_purposes(ld, xmlGetLineNo(n), &p->classes[p->nclasses - 1].purposes);
		}
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (is_el(n, "case-field")) {
			p->case_fields.w = xreallocarray(p->case_fields.w, p->case_fields.n + 1,
			                                 sizeof *p->case_fields.w);
			p->case_fields.w[p->case_fields.n++] = attr(n, "name");
		} else if (is_el(n, "transaction"))
			add_source(&p->kinds, &p->nkinds, load_source(ld, n, "kind"));
		else if (is_el(n, "subject-flag"))
			add_source(&p->flags, &p->nflags, load_source(ld, n, "flag"));
		else if (is_el(n, "provenance"))
			add_source(&p->provenance, &p->nprovenance, load_source(ld, n, "id"));
		else if (is_el(n, "grant"))
			load_rule(ld, n, true);
		else if (is_el(n, "limit"))
			load_rule(ld, n, false);
		else if (is_el(n, "notice"))
			p->notice = text_of(n);
		else if (is_el(n, "notice-record")) {
			add_source(&p->notices, &p->nnotices, load_source(ld, n, "family"));
			const struct policy_source *nr = &p->notices[p->nnotices - 1];
			if (policy_notice_record(p, nr->family) != nr)
				problem(ld, xmlGetLineNo(n), "family %s has two notice records",
				        nr->family);
			if (nr->record.n != 1 || nr->values.n != 1)
				problem(ld, xmlGetLineNo(n),
				        "a notice record names one record and one value");
		}
	}
	const struct codelist *cl = mapping_codelist(ld->set, "recipient-class");
	for (size_t i = 0; cl && i < cl->nvalues; i++)
		if (policy_class(p, cl->values[i]) == NULL)
			problem(ld, xmlGetLineNo(root),
			        "recipient class %s (code list recipient-class) has no <class>: "
			        "a partner of that class would get nothing, say so explicitly",
			        cl->values[i]);
}

int policy_load(const char *dir, const struct mapping_set *set, struct policy **out, FILE *errors)
{
	char *schema_path = xasprintf("%s/schema/policy.xsd", dir);
	struct loader ld = {.errors = errors, .set = set};
	xmlSchemaPtr schema = NULL;
	xmlDocPtr doc = NULL;

	*out = NULL;
	ld.p = xcalloc(1, sizeof *ld.p);
	ld.p->path = xasprintf("%s/policy/policy.xml", dir);
	ld.file = ld.p->path;
	schema = xml_load_schema(schema_path, errors);
	if (schema == NULL) {
		ld.problems++;
		goto out;
	}
	doc = xml_read_trusted_file(ld.file, errors);
	if (doc == NULL) {
		ld.problems++;
		goto out;
	}
	xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
	xmlSchemaSetValidStructuredErrors(vctx, schema_error, &ld);
	int rc = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	if (rc != 0) {
		if (ld.problems == 0)
			problem(&ld, 0, "does not match %s", schema_path);
		goto out;
	}
	load_policy(&ld, xmlDocGetRootElement(doc));
out:
	xmlFreeDoc(doc);
	xmlSchemaFree(schema);
	free(schema_path);
	if (ld.problems > 0) {
		policy_free(ld.p);
		return -1;
	}
	*out = ld.p;
	return 0;
}
