/*
 * policy_load.c - load and check the disclosure policy (policy_load.h).
 *
 * The policy ships with csgw and is trusted like the mappings: read whole
 * as a tree (io/xml_tree.h), no network, no entities.
 */
#include "core/policy_load.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/xml_tree.h"
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

/* An attribute's value as a fresh string, or NULL when absent. */
static char *attr_dup(const struct xml_elem *n, const char *name)
{
	const char *v = xml_elem_attr(n, name);
	return v ? xstrdup(v) : NULL;
}

static char *text_of(const struct xml_elem *n)
{
	char *s = xstrdup(n->text);
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

static struct policy_words words(const struct xml_elem *n, const char *name)
{
	struct policy_words w = {NULL, 0};
	const char *v = xml_elem_attr(n, name);

	for (const char *s = v; s && *s;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		const char *start = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		if (s > start) {
			w.w = xreallocarray(w.w, w.n + 1, sizeof *w.w);
			w.w[w.n++] = xstrndup(start, (size_t)(s - start));
		}
	}
	return w;
}

static unsigned categories(const struct xml_elem *n, const char *name)
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

static unsigned flag_bits(const struct xml_elem *n, const char *name)
{
	struct policy_words w = words(n, name);
	unsigned bits = 0;

	for (size_t i = 0; i < w.n; i++) {
		bits |= policy_subject_flag(w.w[i]); /* the schema lists the same names */
		free(w.w[i]);
	}
	free(w.w);
	return bits;
}

static int tri(const struct xml_elem *n, const char *name)
{
	const char *v = xml_elem_attr(n, name);
	return v == NULL ? -1 : (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
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

static void load_class(struct loader *ld, const struct xml_elem *n)
{
	struct policy *p = ld->p;
	long line = n->line;
	const struct codelist *cl = mapping_codelist(ld->set, "recipient-class");

	p->classes = xreallocarray(p->classes, p->nclasses + 1, sizeof *p->classes);
	struct policy_class *c = &p->classes[p->nclasses++];
	*c = (struct policy_class){.id = attr_dup(n, "id"),
	                           .citation = attr_dup(n, "citation"),
	                           .doc = text_of(n),
	                           .purposes = words(n, "purposes"),
	                           .line = (unsigned)line};
	if (policy_class(p, c->id) != c)
		problem(ld, line, "class %s is defined twice", c->id);
	if (cl == NULL || !codelist_has(cl, c->id, strlen(c->id)))
		problem(ld, line, "class %s is not in the recipient-class code list", c->id);
}

/* A fact source: the family, records and field must exist. */
static struct policy_source load_source(struct loader *ld, const struct xml_elem *n,
                                        const char *name_attr)
{
	long line = n->line;
	struct policy_source s = {.name = attr_dup(n, name_attr),
	                          .citation = attr_dup(n, "citation"),
	                          .doc = text_of(n),
	                          .family = attr_dup(n, "family"),
	                          .record = words(n, "record"),
	                          .values = words(n, "values"),
	                          .field = attr_dup(n, "field"),
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
		const struct field *f = r ? mapping_field(r, s.field) : NULL;
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

static struct policy_when load_when(struct loader *ld, const struct xml_elem *n)
{
	long line = n->line;
	const char *older = xml_elem_attr(n, "older-than-months");
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
	check_classes(ld, line, &w.class);
	check_classes(ld, line, &w.class_not);
	check_purposes(ld, line, &w.purpose);
	check_purposes(ld, line, &w.purpose_not);
	for (size_t i = 0; i < w.family.n; i++)
		if (mapping_family(ld->set, w.family.w[i]) == NULL)
			problem(ld, line, "family '%s' is not in the mappings", w.family.w[i]);
	return w;
}

/* A limit's <most-recent>: its records, a date field of each and the
 * fields that name a subject must exist; the limit must name the
 * categories that make a record compete, and may not send the family
 * violence notice for an address that is merely older. */
static struct policy_most_recent *load_most_recent(struct loader *ld, const struct xml_elem *n,
                                                   const struct policy_rule *lim)
{
	long line = n->line;
	struct policy_most_recent *m = xcalloc(1, sizeof *m);
	*m = (struct policy_most_recent){.family = attr_dup(n, "family"),
	                                 .record = words(n, "record"),
	                                 .date = attr_dup(n, "date"),
	                                 .per = words(n, "per"),
	                                 .line = (unsigned)line};
	const struct family *fam = mapping_family(ld->set, m->family);

	if (lim->categories == 0)
		problem(ld, line, "limit %s: <most-recent> needs the limit's categories", lim->id);
	if (lim->effect == POLICY_PROHIBIT)
		problem(ld, line,
		        "limit %s: <most-recent> takes older data: redact or deny, not prohibit",
		        lim->id);
	if (fam == NULL) {
		problem(ld, line, "family '%s' is not in the mappings", m->family);
		return m;
	}
	for (size_t i = 0; i < m->record.n; i++) {
		const struct record *r = mapping_record(fam, m->record.w[i]);
		if (r == NULL) {
			problem(ld, line, "family %s has no record %s", m->family, m->record.w[i]);
			continue;
		}
		const struct field *d = mapping_field(r, m->date);
		if (d == NULL || d->type != FIELD_DATE)
			problem(ld, line, "record %s of %s has no date field %s", r->id, m->family,
			        m->date);
		size_t key = 0;
		for (size_t k = 0; k < m->per.n; k++) {
			const struct field *f = mapping_field(r, m->per.w[k]);
			if (f == NULL)
				problem(ld, line, "record %s of %s has no field %s", r->id,
				        m->family, m->per.w[k]);
			else
				key += f->len + 1;
		}
		if (key > POLICY_RECENT_KEY_MAX)
			problem(ld, line, "the fields of per= are %zu characters; at most %d", key,
			        POLICY_RECENT_KEY_MAX);
	}
	return m;
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

static void load_rule(struct loader *ld, const struct xml_elem *n, bool grant)
{
	struct policy *p = ld->p;
	long line = n->line;
	struct policy_rule *r;

	if (grant) {
		p->grants = xreallocarray(p->grants, p->ngrants + 1, sizeof *p->grants);
		r = &p->grants[p->ngrants++];
	} else {
		p->limits = xreallocarray(p->limits, p->nlimits + 1, sizeof *p->limits);
		r = &p->limits[p->nlimits++];
	}
	const char *effect = xml_elem_attr(n, "effect");
	*r = (struct policy_rule){
	    .id = attr_dup(n, "id"),
	    .citation = attr_dup(n, "citation"),
	    .effect = !effect                         ? POLICY_ALLOW
	              : strcmp(effect, "redact") == 0 ? POLICY_REDACT
	              : strcmp(effect, "deny") == 0   ? POLICY_DENY
	                                              : POLICY_PROHIBIT,
	    .categories = categories(n, "categories"),
	    .class = attr_dup(n, "class"),
	    .purposes = words(n, "purposes"),
	    .line = (unsigned)line,
	};
	if (grant)
		r->doc = text_of(n);
	for (const struct xml_elem *c = n->first_child; c; c = c->next) {
		if (xml_elem_is(c, "doc"))
			r->doc = text_of(c);
		else if (xml_elem_is(c, "most-recent") && !grant)
			r->recent = load_most_recent(ld, c, r);
		else if (xml_elem_is(c, "when")) {
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

static bool kind_known(const struct policy *p, const char *kind)
{
	for (size_t i = 0; i < p->nkinds; i++)
		if (strcmp(p->kinds[i].name, kind) == 0)
			return true;
	return policy_words_has(&p->declared, kind);
}

static bool record_id_known(const struct mapping_set *set, const char *id)
{
	for (size_t i = 0; i < set->nfamilies; i++)
		if (mapping_record(&set->families[i], id))
			return true;
	return false;
}

/* A misspelt kind or record id would switch a limit off in silence. */
static void check_when_facts(struct loader *ld, const struct policy_when *w)
{
	const struct policy_words *kinds[] = {&w->transaction, &w->transaction_not};
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < kinds[k]->n; i++)
			if (!kind_known(ld->p, kinds[k]->w[i]))
				problem(ld, w->line,
				        "transaction kind '%s' is neither read from records "
				        "(<transaction>) nor declared (<declared-transaction>)",
				        kinds[k]->w[i]);
	for (size_t i = 0; i < w->record.n; i++)
		if (!record_id_known(ld->set, w->record.w[i]))
			problem(ld, w->line, "no family has a record %s", w->record.w[i]);
}

static void add_source(struct policy_source **arr, size_t *n, struct policy_source s)
{
	*arr = xreallocarray(*arr, *n + 1, sizeof **arr);
	(*arr)[(*n)++] = s;
}

static void load_policy(struct loader *ld, const struct xml_elem *root)
{
	struct policy *p = ld->p;

	/* Classes and purposes first: everything else refers to them. */
	for (const struct xml_elem *n = root->first_child; n; n = n->next)
		if (xml_elem_is(n, "purpose")) {
			char *id = attr_dup(n, "id");
			if (policy_words_has(&p->purposes, id))
				problem(ld, n->line, "purpose %s is defined twice", id);
			p->purposes.w =
			    xreallocarray(p->purposes.w, p->purposes.n + 1, sizeof *p->purposes.w);
			p->locate_types = xreallocarray(p->locate_types, p->purposes.n + 1,
			                                sizeof *p->locate_types);
			p->locate_types[p->purposes.n] = attr_dup(n, "locate-type");
			const struct codelist *lt =
			    mapping_codelist(ld->set, "locate-request-type");
			const char *t = p->locate_types[p->purposes.n];
			if (t && (lt == NULL || !codelist_has(lt, t, strlen(t))))
				problem(ld, n->line,
				        "purpose %s: locate-type '%s' is not in code list "
				        "locate-request-type",
				        id, t);
			p->purposes.w[p->purposes.n++] = id;
		}
	for (const struct xml_elem *n = root->first_child; n; n = n->next)
		if (xml_elem_is(n, "class")) {
			load_class(ld, n);
			check_purposes(ld, n->line, &p->classes[p->nclasses - 1].purposes);
		}
	for (const struct xml_elem *n = root->first_child; n; n = n->next) {
		if (xml_elem_is(n, "case-field")) {
			p->case_fields.w = xreallocarray(p->case_fields.w, p->case_fields.n + 1,
			                                 sizeof *p->case_fields.w);
			p->case_fields.w[p->case_fields.n++] = attr_dup(n, "name");
		} else if (xml_elem_is(n, "transaction"))
			add_source(&p->kinds, &p->nkinds, load_source(ld, n, "kind"));
		else if (xml_elem_is(n, "declared-transaction")) {
			p->declared.w =
			    xreallocarray(p->declared.w, p->declared.n + 1, sizeof *p->declared.w);
			p->declared.w[p->declared.n++] = attr_dup(n, "kind");
		} else if (xml_elem_is(n, "entry-date")) {
			add_source(&p->entry_dates, &p->nentry_dates, load_source(ld, n, "family"));
			const struct policy_source *e = &p->entry_dates[p->nentry_dates - 1];
			const struct family *fam = mapping_family(ld->set, e->family);
			for (size_t i = 0; fam && i < e->record.n; i++) {
				const struct record *r = mapping_record(fam, e->record.w[i]);
				const struct field *f = r ? mapping_field(r, e->field) : NULL;
				if (f && f->type != FIELD_DATE)
					problem(ld, n->line, "%s.%s is not a date", r->id,
					        e->field);
			}
		} else if (xml_elem_is(n, "subject-flag"))
			add_source(&p->flags, &p->nflags, load_source(ld, n, "flag"));
		else if (xml_elem_is(n, "provenance"))
			add_source(&p->provenance, &p->nprovenance, load_source(ld, n, "id"));
		else if (xml_elem_is(n, "grant"))
			load_rule(ld, n, true);
		else if (xml_elem_is(n, "limit"))
			load_rule(ld, n, false);
		else if (xml_elem_is(n, "notice"))
			p->notice = text_of(n);
		else if (xml_elem_is(n, "notice-record")) {
			add_source(&p->notices, &p->nnotices, load_source(ld, n, "family"));
			const struct policy_source *nr = &p->notices[p->nnotices - 1];
			if (policy_notice_record(p, nr->family) != nr)
				problem(ld, n->line, "family %s has two notice records",
				        nr->family);
			if (nr->record.n != 1 || nr->values.n != 1)
				problem(ld, n->line,
				        "a notice record names one record and one value");
		}
	}
	for (size_t l = 0; l < p->nlimits; l++)
		for (size_t k = 0; k < p->limits[l].nwhen; k++)
			check_when_facts(ld, &p->limits[l].when[k]);
	const struct codelist *cl = mapping_codelist(ld->set, "recipient-class");
	for (size_t i = 0; cl && i < cl->nvalues; i++)
		if (policy_class(p, cl->values[i]) == NULL)
			problem(ld, root->line,
			        "recipient class %s (code list recipient-class) has no <class>: "
			        "a partner of that class would get nothing, say so explicitly",
			        cl->values[i]);
}

int policy_load(const char *dir, const struct mapping_set *set, struct policy **out, FILE *errors)
{
	char *schema_path = xasprintf("%s/schema/policy.xsd", dir);
	struct loader ld = {.errors = errors, .set = set};
	struct xml_schema *schema = NULL;
	struct xml_elem *doc = NULL;

	*out = NULL;
	ld.p = xcalloc(1, sizeof *ld.p);
	ld.p->path = xasprintf("%s/policy/policy.xml", dir);
	ld.file = ld.p->path;
	schema = xml_schema_open(schema_path, errors);
	if (schema == NULL) {
		ld.problems++;
		goto out;
	}
	doc = xml_tree_read(ld.file, schema, "policy", errors, &ld.problems);
	if (doc == NULL)
		goto out;
	load_policy(&ld, doc);
out:
	xml_tree_free(doc);
	xml_schema_close(schema);
	free(schema_path);
	if (ld.problems > 0) {
		policy_free(ld.p);
		return -1;
	}
	*out = ld.p;
	return 0;
}
