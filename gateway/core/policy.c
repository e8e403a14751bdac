/*
 * policy.c - decide what of one record may leave, and why (policy.h).
 */
#include "core/policy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/field.h"
#include "util/alloc.h"

#define MAX_KINDS 8
#define MAX_CASES 8

/* What the decision knows besides the request: read from the record. */
struct facts {
	const char *kinds[MAX_KINDS];
	size_t nkinds;
	unsigned subject;
	bool closed, state_owed;
	int entered; /* YYYYMMDD, 0: current */
};

const char *policy_effect_name(enum policy_effect e)
{
	static const char *const names[] = {"allow", "redact", "deny", "prohibit"};
	return names[e];
}

static const char *const subject_flag_names[] = {"family-violence", "nondisclosure",
                                                 "protective-order"};

unsigned policy_subject_flag(const char *name)
{
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(subject_flag_names[i], name) == 0)
			return 1u << i;
	return 0;
}

void policy_subject_flags_text(unsigned flags, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < 3 && o < size; i++)
		if (flags & (1u << i))
			o += (size_t)snprintf(out + o, size - o, "%s%s", o ? " " : "",
			                      subject_flag_names[i]);
}

void policy_categories_text(unsigned categories, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; mapping_category_names[i] && o < size; i++)
		if (categories & (1u << i))
			o += (size_t)snprintf(out + o, size - o, "%s%s", o ? " " : "",
			                      mapping_category_names[i]);
}

bool policy_words_has(const struct policy_words *w, const char *word)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->w[i], word) == 0)
			return true;
	return false;
}

const struct policy_class *policy_class(const struct policy *p, const char *id)
{
	for (size_t i = 0; id && i < p->nclasses; i++)
		if (strcmp(p->classes[i].id, id) == 0)
			return &p->classes[i];
	return NULL;
}

const struct policy_source *policy_notice_record(const struct policy *p, const char *family)
{
	for (size_t i = 0; i < p->nnotices; i++)
		if (strcmp(p->notices[i].family, family) == 0)
			return &p->notices[i];
	return NULL;
}

/* A tri-state condition (-1: any) against what holds. */
static bool tri(int want, bool have)
{
	return want < 0 || (want != 0) == have;
}

/* ---- the policy compiled for one request and family ---- */

/* A kind, flag or provenance source that a record type can show: its field
 * resolved. */
struct compiled_source {
	const struct policy_source *s;
	const struct field *f;
};

struct compiled_record {
	unsigned *tags; /* per field: the request's extra categories for it */
	struct compiled_source *kinds, *flags, *provenance;
	size_t nkinds, nflags, nprovenance;
	const struct field **case_fields; /* per policy case field; NULL: not in it */
	const struct field *entry_date;   /* as a header: its <entry-date> field */
};

/* A limit that the request does not rule out, and which of its <when>s
 * the request lets hold (the record decides the rest). */
struct compiled_limit {
	size_t l; /* index in policy->limits */
	bool *request_holds;
};

struct policy_compiled {
	const struct policy *p;
	const struct policy_request *req;
	const struct family *family;
	const struct policy_class *cls;
	bool purpose_known, purpose_authorized;
	struct compiled_limit *limits;
	size_t nlimits;
	const struct policy_rule **grants; /* the class's, for the purpose, in order */
	size_t ngrants;
	struct compiled_record *records; /* per record of the family */
	unsigned control, bare;          /* category bits */
};

/* Whether the source's field, in this line, holds one of its values. */
static bool source_value_holds(const struct compiled_source *cs, const char *line)
{
	const char *v;
	size_t n = field_trimmed(cs->f, line, &v);
	for (size_t k = 0; k < cs->s->values.n; k++)
		if (strlen(cs->s->values.w[k]) == n && memcmp(cs->s->values.w[k], v, n) == 0)
			return true;
	return false;
}

/* The field of a record of type r (family fam) that source s names, or
 * NULL when s is not about such records. */
static const struct field *source_field(const struct policy_source *s, const struct family *fam,
                                        const struct record *r)
{
	if (strcmp(s->family, fam->name) != 0 || !policy_words_has(&s->record, r->id))
		return NULL;
	return mapping_field(r, s->field);
}

/* The sources of the family that a record of type r can show. */
static struct compiled_source *compile_sources(const struct policy_source *s, size_t n,
                                               const struct family *fam, const struct record *r,
                                               size_t *count)
{
	struct compiled_source *out = xcalloc(n ? n : 1, sizeof *out);
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct field *f = source_field(&s[i], fam, r);
		if (f != NULL)
			out[(*count)++] = (struct compiled_source){&s[i], f};
	}
	return out;
}

static void compile_record(struct policy_compiled *c, const struct record *r,
                           struct compiled_record *cr)
{
	const struct policy *p = c->p;
	const struct policy_request *req = c->req;

	cr->tags = xcalloc(r->nfields ? r->nfields : 1, sizeof *cr->tags);
	for (size_t k = 0; k < r->nfields; k++)
		for (size_t t = 0; r->fields[k].name && t < req->ntags; t++)
			if (strcmp(req->tag_field[t], r->fields[k].name) == 0)
				cr->tags[k] |= req->tag_categories[t];
	cr->kinds = compile_sources(p->kinds, p->nkinds, c->family, r, &cr->nkinds);
	cr->flags = compile_sources(p->flags, p->nflags, c->family, r, &cr->nflags);
	cr->provenance =
	    compile_sources(p->provenance, p->nprovenance, c->family, r, &cr->nprovenance);
	cr->case_fields = xcalloc(p->case_fields.n ? p->case_fields.n : 1, sizeof *cr->case_fields);
	for (size_t k = 0; k < p->case_fields.n; k++)
		cr->case_fields[k] = mapping_field(r, p->case_fields.w[k]);
	for (size_t i = 0; i < p->nentry_dates && cr->entry_date == NULL; i++) {
		const struct field *f = source_field(&p->entry_dates[i], c->family, r);
		if (f != NULL && f->type == FIELD_DATE)
			cr->entry_date = f;
	}
}

/* Whether the parts of the condition that only the request and the family
 * decide hold. */
static bool when_request_holds(const struct policy_when *w, const struct policy_request *req,
                               const struct family *fam)
{
	return (w->class.n == 0 || (req->class && policy_words_has(&w->class, req->class))) &&
	       !(req->class && policy_words_has(&w->class_not, req->class)) &&
	       (w->purpose.n == 0 ||
	        (req->purpose && policy_words_has(&w->purpose, req->purpose))) &&
	       !(req->purpose && policy_words_has(&w->purpose_not, req->purpose)) &&
	       (w->family.n == 0 || policy_words_has(&w->family, fam->name)) &&
	       tri(w->interstate, req->interstate) && tri(w->verified, req->verified) &&
	       tri(w->matched, req->matched);
}

struct policy_compiled *policy_compile(const struct policy *p, const struct policy_request *req,
                                       const struct family *fam)
{
	struct policy_compiled *c = xcalloc(1, sizeof *c);

	c->p = p;
	c->req = req;
	c->family = fam;
	c->cls = policy_class(p, req->class);
	c->purpose_known = req->purpose && policy_words_has(&p->purposes, req->purpose);
	c->purpose_authorized =
	    c->cls && c->purpose_known && policy_words_has(&c->cls->purposes, req->purpose);
	c->limits = xcalloc(p->nlimits ? p->nlimits : 1, sizeof *c->limits);
	for (size_t l = 0; l < p->nlimits; l++) {
		const struct policy_rule *lim = &p->limits[l];
		bool *holds = xcalloc(lim->nwhen ? lim->nwhen : 1, sizeof *holds);
		bool any = lim->nwhen == 0;
		for (size_t i = 0; i < lim->nwhen; i++)
			any |= holds[i] = when_request_holds(&lim->when[i], req, fam);
		if (any)
			c->limits[c->nlimits++] = (struct compiled_limit){l, holds};
		else
			free(holds);
	}
	c->grants = xcalloc(p->ngrants ? p->ngrants : 1, sizeof *c->grants);
	for (size_t g = 0; req->class && req->purpose && g < p->ngrants; g++)
		if (strcmp(p->grants[g].class, req->class) == 0 &&
		    policy_words_has(&p->grants[g].purposes, req->purpose))
			c->grants[c->ngrants++] = &p->grants[g];
	c->records = xcalloc(fam->nrecords ? fam->nrecords : 1, sizeof *c->records);
	for (size_t i = 0; i < fam->nrecords; i++)
		compile_record(c, &fam->records[i], &c->records[i]);
	c->control = 1u << mapping_category_bit("control");
	c->bare = c->control | 1u << mapping_category_bit("case");
	return c;
}

void policy_compiled_free(struct policy_compiled *c)
{
	if (c == NULL)
		return;
	for (size_t l = 0; l < c->nlimits; l++)
		free(c->limits[l].request_holds);
	for (size_t i = 0; i < c->family->nrecords; i++) {
		struct compiled_record *cr = &c->records[i];
		free(cr->tags);
		free(cr->kinds);
		free(cr->flags);
		free(cr->provenance);
		free(cr->case_fields);
	}
	free(c->limits);
	free(c->grants);
	free(c->records);
	free(c);
}

/* The compiled form of a record type of the family; NULL if it is not one. */
static const struct compiled_record *compiled_of(const struct policy_compiled *c,
                                                 const struct record *r)
{
	const struct record *first = c->family->records;
	if (r < first || r >= first + c->family->nrecords)
		return NULL;
	return &c->records[r - first];
}

/* False when the record is of more kinds than fit. */
static bool add_kind(struct facts *fx, const char *kind)
{
	for (size_t i = 0; i < fx->nkinds; i++)
		if (strcmp(fx->kinds[i], kind) == 0)
			return true;
	if (fx->nkinds == MAX_KINDS)
		return false;
	fx->kinds[fx->nkinds++] = kind;
	return true;
}

static bool has_kind(const struct facts *fx, const struct policy_words *kinds)
{
	for (size_t i = 0; i < fx->nkinds; i++)
		if (policy_words_has(kinds, fx->kinds[i]))
			return true;
	return false;
}

/* The record's distinct case ids; false when there are more than fit. */
static bool case_ids(const struct policy_compiled *c, const struct policy_record *rec,
                     char cases[MAX_CASES][POLICY_CASE_ID_MAX + 1], size_t *ncases)
{
	*ncases = 0;
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct compiled_record *cr = compiled_of(c, rec->records[i]);
		for (size_t k = 0; k < c->p->case_fields.n; k++) {
			const struct field *f = cr->case_fields[k];
			const char *v;
			size_t n = f ? field_trimmed(f, rec->lines[i], &v) : 0;
			bool seen = n == 0;
			if (n > POLICY_CASE_ID_MAX)
				return false;
			for (size_t j = 0; j < *ncases && !seen; j++)
				seen = strlen(cases[j]) == n && memcmp(cases[j], v, n) == 0;
			if (seen)
				continue;
			if (*ncases == MAX_CASES)
				return false;
			memcpy(cases[*ncases], v, n);
			cases[(*ncases)++][n] = '\0';
		}
	}
	return true;
}

/* What the registries say of the record's cases and subjects: flags of
 * every SSN in it (for every case, or one of its cases) and of anyone
 * protected in one of its cases (a party whose SSN the record leaves out
 * is still protected).  False when the record has too many case ids to
 * ask about: the caller withholds it. */
static bool ask_registries(const struct policy_compiled *c, const struct policy_record *rec,
                           struct facts *fx)
{
	const struct policy_registry *reg = c->req->registry;
	char cases[MAX_CASES][POLICY_CASE_ID_MAX + 1];
	size_t ncases;

	if (!case_ids(c, rec, cases, &ncases))
		return false;
	if (reg == NULL)
		return true;
	for (size_t i = 0; i < ncases; i++) {
		bool closed = false, owed = false;
		if (reg->case_status)
			reg->case_status(reg->ctx, cases[i], &closed, &owed);
		fx->closed |= closed;
		fx->state_owed |= owed;
		if (reg->protections)
			fx->subject |= reg->protections(reg->ctx, NULL, cases[i]);
	}
	if (reg->protections == NULL)
		return true;
	for (size_t i = 0; i < rec->nlines; i++)
		for (size_t k = 0; k < rec->records[i]->nfields; k++) {
			const struct field *f = &rec->records[i]->fields[k];
			const char *ssn = rec->lines[i] + f->at - 1;
			if (f->type != FIELD_SSN || field_is_blank(f, ssn))
				continue;
			fx->subject |= reg->protections(reg->ctx, ssn, "");
			for (size_t j = 0; j < ncases; j++)
				fx->subject |= reg->protections(reg->ctx, ssn, cases[j]);
		}
	return true;
}

/* Whether data entered on 'entered' is more than 'months' old on 'today'. */
static bool older_than(int entered, int today, int months)
{
	if (entered == 0)
		return false;
	int m = entered / 100 % 100 - 1 + months;
	int later = (entered / 10000 + m / 12) * 10000 + (m % 12 + 1) * 100 + entered % 100;
	return later < today;
}

/* When the record's data entered the directory: the caller's date, else
 * the batch header's <entry-date> field, else 0 (current). */
static int entry_date(const struct policy_compiled *c, const struct policy_record *rec)
{
	if (c->req->entered || rec->header == NULL)
		return c->req->entered;
	const struct compiled_record *cr = compiled_of(c, rec->header);
	const struct field *f = cr ? cr->entry_date : NULL;
	if (f == NULL)
		return 0;
	int ymd = 0;
	for (unsigned k = 0; k < 8; k++) {
		char ch = rec->header_line[f->at - 1 + k];
		if (ch < '0' || ch > '9')
			return 0;
		ymd = ymd * 10 + (ch - '0');
	}
	return ymd;
}

/* The parts of a condition the record decides (the request's were
 * compiled). */
static bool when_record_holds(const struct policy_when *w, const struct policy_request *req,
                              const struct policy_record *rec, const struct facts *fx)
{
	bool record_listed = w->record.n == 0;
	for (size_t i = 0; i < rec->nlines && !record_listed; i++)
		record_listed = policy_words_has(&w->record, rec->records[i]->id);

	return record_listed && (w->transaction.n == 0 || has_kind(fx, &w->transaction)) &&
	       !has_kind(fx, &w->transaction_not) &&
	       (w->subject == 0 || (w->subject & fx->subject) != 0) &&
	       tri(w->enforcement_closed, fx->closed) && tri(w->state_owed, fx->state_owed) &&
	       (w->older_than_months < 0 ||
	        older_than(fx->entered, req->today, w->older_than_months));
}

static bool limit_applies(const struct policy_compiled *c, const struct compiled_limit *cl,
                          const struct policy_record *rec, const struct facts *fx)
{
	const struct policy_rule *l = &c->p->limits[cl->l];
	if (l->nwhen == 0)
		return true;
	for (size_t i = 0; i < l->nwhen; i++)
		if (cl->request_holds[i] && when_record_holds(&l->when[i], c->req, rec, fx))
			return true;
	return false;
}

/* ---- <most-recent>: which record of a subject is the most recent ---- */

struct recent_entry {
	char *key; /* NULL: a free slot */
	size_t len;
	long date;            /* YYYYMMDD; 0: undated; -1: none seen yet */
	unsigned long number; /* the record that has it */
};

struct recent_table {
	struct recent_entry *e;
	size_t cap, n; /* cap: a power of two, or 0 */
};

struct policy_batch {
	const struct policy *p;
	struct recent_table *tables; /* one per limit; used by those with <most-recent> */
	unsigned long records;
};

/* The line of the record that the limit's <most-recent> judges, when the
 * record competes: it has one of its records and carries a field of the
 * limit's categories (the mapping's: the same in both passes).  -1 when it
 * does not compete: there is nothing of it to keep or take. */
static long recent_line(const struct policy_rule *lim, const struct policy_record *rec)
{
	const struct policy_most_recent *m = lim->recent;
	long at = -1;

	if (strcmp(m->family, rec->family->name) != 0)
		return -1;
	for (size_t i = 0; i < rec->nlines && at < 0; i++)
		if (policy_words_has(&m->record, rec->records[i]->id))
			at = (long)i;
	for (size_t i = 0; at >= 0 && i < rec->nlines; i++)
		for (size_t k = 0; k < rec->records[i]->nfields; k++) {
			const struct field *f = &rec->records[i]->fields[k];
			if (f->name && (f->categories & lim->categories) &&
			    !field_is_blank(f, rec->lines[i] + f->at - 1))
				return at;
		}
	return -1;
}

/* The subject's key (each 'per' value, then a unit separator; the loader
 * bounds its length) and the line's date: YYYYMMDD, 0 when blank. */
static size_t recent_key(const struct policy_most_recent *m, const struct record *r,
                         const char *line, char key[POLICY_RECENT_KEY_MAX + 1], long *date)
{
	size_t n = 0;

	for (size_t i = 0; i < m->per.n; i++) {
		const struct field *f = mapping_field(r, m->per.w[i]);
		const char *v = NULL;
		size_t len = f ? field_trimmed(f, line, &v) : 0;
		if (len > 0 && n + len < POLICY_RECENT_KEY_MAX) {
			memcpy(key + n, v, len);
			n += len;
		}
		if (n < POLICY_RECENT_KEY_MAX)
			key[n++] = '\x1f';
	}
	const struct field *d = mapping_field(r, m->date);
	*date = 0;
	for (unsigned k = 0; d && k < d->len; k++) {
		char c = line[d->at - 1 + k];
		if (c < '0' || c > '9') {
			*date = 0;
			break;
		}
		*date = *date * 10 + (c - '0');
	}
	return n;
}

static size_t recent_hash(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211u;
	return (size_t)h;
}

static struct recent_entry *recent_slot(const struct recent_table *t, const char *key, size_t len)
{
	for (size_t i = recent_hash(key, len) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct recent_entry *e = &t->e[i];
		if (e->key == NULL || (e->len == len && memcmp(e->key, key, len) == 0))
			return e;
	}
}

static struct recent_entry *recent_insert(struct recent_table *t, const char *key, size_t len)
{
	if ((t->n + 1) * 2 > t->cap) { /* at most half full: probes stay short */
		struct recent_table bigger = {xcalloc(t->cap ? t->cap * 2 : 64, sizeof *t->e),
		                              t->cap ? t->cap * 2 : 64, t->n};
		for (size_t i = 0; i < t->cap; i++)
			if (t->e[i].key)
				*recent_slot(&bigger, t->e[i].key, t->e[i].len) = t->e[i];
		free(t->e);
		*t = bigger;
	}
	struct recent_entry *e = recent_slot(t, key, len);
	if (e->key == NULL) {
		*e = (struct recent_entry){xmemdup(key, len), len, -1, 0};
		t->n++;
	}
	return e;
}

bool policy_batch_needed(const struct policy *p, const struct policy_request *req,
                         const struct family *fam)
{
	if (req->class == NULL || req->purpose == NULL)
		return false; /* everything is denied anyway */
	for (size_t l = 0; l < p->nlimits; l++) {
		const struct policy_rule *lim = &p->limits[l];
		if (lim->recent == NULL || strcmp(lim->recent->family, fam->name) != 0)
			continue;
		if (lim->nwhen == 0)
			return true;
		for (size_t i = 0; i < lim->nwhen; i++) {
			const struct policy_when *w = &lim->when[i];
			if ((w->class.n == 0 || policy_words_has(&w->class, req->class)) &&
			    !policy_words_has(&w->class_not, req->class) &&
			    (w->purpose.n == 0 || policy_words_has(&w->purpose, req->purpose)) &&
			    !policy_words_has(&w->purpose_not, req->purpose) &&
			    (w->family.n == 0 || policy_words_has(&w->family, fam->name)))
				return true;
		}
	}
	return false;
}

struct policy_batch *policy_batch_new(const struct policy *p)
{
	struct policy_batch *b = xcalloc(1, sizeof *b);
	b->p = p;
	b->tables = xcalloc(p->nlimits ? p->nlimits : 1, sizeof *b->tables);
	return b;
}

void policy_batch_add(struct policy_batch *b, const struct policy_record *rec)
{
	b->records++;
	for (size_t l = 0; l < b->p->nlimits; l++) {
		const struct policy_rule *lim = &b->p->limits[l];
		long at = lim->recent ? recent_line(lim, rec) : -1;
		if (at < 0)
			continue;
		char key[POLICY_RECENT_KEY_MAX + 1];
		long date;
		size_t len = recent_key(lim->recent, rec->records[at], rec->lines[at], key, &date);
		struct recent_entry *e = recent_insert(&b->tables[l], key, len);
		if (date > e->date) { /* a tie keeps the first */
			e->date = date;
			e->number = b->records;
		}
	}
}

void policy_batch_free(struct policy_batch *b)
{
	if (b == NULL)
		return;
	for (size_t l = 0; l < b->p->nlimits; l++) {
		for (size_t i = 0; i < b->tables[l].cap; i++)
			free(b->tables[l].e[i].key);
		free(b->tables[l].e);
	}
	free(b->tables);
	free(b);
}

/* Whether limit l, a <most-recent> one, takes this record: it competes and
 * is not the most recent of its subject, or cannot be shown to be. */
static bool recent_takes(const struct policy *p, size_t l, const struct policy_record *rec)
{
	const struct policy_rule *lim = &p->limits[l];
	long at = recent_line(lim, rec);

	if (at < 0)
		return false;
	if (rec->batch == NULL || rec->batch->p != p || rec->batch->tables[l].cap == 0)
		return true;
	char key[POLICY_RECENT_KEY_MAX + 1];
	long date;
	size_t len = recent_key(lim->recent, rec->records[at], rec->lines[at], key, &date);
	const struct recent_entry *e = recent_slot(&rec->batch->tables[l], key, len);
	return e->key == NULL || e->number != rec->number;
}

/* Every non-blank field, with its categories as the record makes them. */
static void collect_fields(const struct policy_compiled *c, const struct policy_record *rec,
                           struct policy_decision *d)
{
	size_t most = 0;
	for (size_t i = 0; i < rec->nlines; i++)
		most += rec->records[i]->nfields;
	d->fields = xcalloc(most ? most : 1, sizeof *d->fields); /* one allocation a record */
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct compiled_record *cr = compiled_of(c, rec->records[i]);
		unsigned adds_to = 0, adds = 0;
		for (size_t s = 0; s < cr->nprovenance; s++)
			if (source_value_holds(&cr->provenance[s], rec->lines[i])) {
				adds_to |= cr->provenance[s].s->to;
				adds |= cr->provenance[s].s->adds;
			}
		const struct record *r = rec->records[i];
		for (size_t k = 0; k < r->nfields; k++) {
			const struct field *f = &r->fields[k];
			if (f->name == NULL || field_is_blank(f, rec->lines[i] + f->at - 1))
				continue;
			unsigned cats = f->categories;
			if (cats & adds_to)
				cats |= adds;
			cats |= cr->tags[k];
			d->fields[d->nfields++] = (struct policy_field_decision){
			    .field = f, .line = i, .categories = cats, .rule_id = NULL};
		}
	}
}

/* The whole record withheld: every field goes with the same rule. */
static void withhold(struct policy_decision *d, enum policy_effect e, const char *rule_id,
                     const char *citation)
{
	d->effect = e;
	d->rule_id = rule_id;
	d->citation = citation;
	for (size_t i = 0; i < d->nfields; i++) {
		d->fields[i].effect = POLICY_REDACT;
		d->fields[i].rule_id = rule_id;
		d->fields[i].citation = citation;
	}
}

static void first_sentence(const char *doc, char *out, size_t size)
{
	snprintf(out, size, "%s", doc ? doc : "");
	for (char *c = out; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
}

static bool apply_limits(const struct policy_compiled *c, const struct policy_record *rec,
                         const struct facts *fx, struct policy_decision *d)
{
	for (size_t i = 0; i < c->nlimits; i++) {
		const struct compiled_limit *cl = &c->limits[i];
		const struct policy_rule *lim = &c->p->limits[cl->l];
		if (!limit_applies(c, cl, rec, fx) ||
		    (lim->recent && !recent_takes(c->p, cl->l, rec)))
			continue;
		bool hits = lim->categories == 0;
		for (size_t k = 0; k < d->nfields && !hits; k++)
			hits = (d->fields[k].categories & lim->categories) != 0;
		if (!hits)
			continue;
		if (lim->effect != POLICY_REDACT) {
			withhold(d, lim->effect, lim->id, lim->citation);
			if (lim->recent && rec->batch == NULL)
				snprintf(d->reason, sizeof d->reason,
				         "decided without the rest of its batch, the record cannot "
				         "be shown to be the most recent of its subject");
			else
				first_sentence(lim->doc, d->reason, sizeof d->reason);
			return true;
		}
		for (size_t k = 0; k < d->nfields; k++) {
			struct policy_field_decision *fd = &d->fields[k];
			if (fd->rule_id == NULL && (fd->categories & lim->categories)) {
				fd->effect = POLICY_REDACT;
				fd->rule_id = lim->id;
				fd->citation = lim->citation;
			}
		}
	}
	return false;
}

static void apply_grants(const struct policy_compiled *c, struct policy_decision *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		struct policy_field_decision *fd = &d->fields[i];
		if (fd->rule_id)
			continue;
		fd->effect = POLICY_REDACT;
		fd->rule_id = POLICY_DEFAULT_DENY;
		fd->citation = POLICY_DEFAULT_CITATION;
		/* A field without categories is something no grant names. */
		for (size_t g = 0; fd->categories != 0 && g < c->ngrants; g++)
			if ((fd->categories & ~c->grants[g]->categories) == 0) {
				fd->effect = POLICY_ALLOW;
				fd->rule_id = c->grants[g]->id;
				fd->citation = c->grants[g]->citation;
				break;
			}
	}
}

/* A redacted record is named by the first limit that took a field, else
 * DEFAULT-DENY: a limit is the law's specific word. */
static void name_limit(struct policy_decision *d)
{
	d->rule_id = POLICY_DEFAULT_DENY;
	d->citation = POLICY_DEFAULT_CITATION;
	for (size_t i = 0; i < d->nfields; i++)
		if (d->fields[i].effect == POLICY_REDACT &&
		    strcmp(d->fields[i].rule_id, POLICY_DEFAULT_DENY) != 0) {
			d->rule_id = d->fields[i].rule_id;
			d->citation = d->fields[i].citation;
			return;
		}
}

/* An allowed record is named by the grant of its first field that is
 * more than routing. */
static void name_grant(struct policy_decision *d, unsigned control)
{
	d->rule_id = POLICY_DEFAULT_DENY; /* a record with no fields at all */
	d->citation = POLICY_DEFAULT_CITATION;
	for (size_t i = 0; i < d->nfields; i++)
		if ((d->fields[i].categories & ~control) || i + 1 == d->nfields) {
			d->rule_id = d->fields[i].rule_id;
			d->citation = d->fields[i].citation;
			return;
		}
}

void policy_decide_compiled(const struct policy_compiled *c, const struct policy_record *rec,
                            struct policy_decision *d)
{
	const struct policy_request *req = c->req;
	struct facts fx = {.nkinds = 0};

	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < rec->nlines; i++)
		if (compiled_of(c, rec->records[i]) == NULL) { /* a caller's mistake */
			withhold(d, POLICY_DENY, POLICY_DEFAULT_DENY, POLICY_DEFAULT_CITATION);
			snprintf(d->reason, sizeof d->reason, "a line is not a record of family %s",
			         c->family->name);
			return;
		}
	collect_fields(c, rec, d);

	if (c->cls == NULL || !c->purpose_known) {
		withhold(d, POLICY_DENY, POLICY_DEFAULT_DENY, POLICY_DEFAULT_CITATION);
		snprintf(d->reason, sizeof d->reason, "%s %s is not in the policy",
		         c->cls ? "purpose" : "recipient class",
		         c->cls ? (req->purpose ? req->purpose : "(none)")
		                : (req->class ? req->class : "(none)"));
		return;
	}
	if (!c->purpose_authorized) {
		withhold(d, POLICY_DENY, POLICY_NOT_AUTHORIZED, c->cls->citation);
		snprintf(d->reason, sizeof d->reason,
		         "%s is not authorized to receive data for %s (%s)", c->cls->id,
		         req->purpose, c->cls->citation);
		return;
	}

	bool known = true;
	fx.entered = entry_date(c, rec);
	for (size_t i = 0; i < rec->nlines; i++) {
		const struct compiled_record *cr = compiled_of(c, rec->records[i]);
		for (size_t s = 0; s < cr->nkinds; s++)
			if (source_value_holds(&cr->kinds[s], rec->lines[i]))
				known &= add_kind(&fx, cr->kinds[s].s->name);
		for (size_t s = 0; s < cr->nflags; s++)
			if (source_value_holds(&cr->flags[s], rec->lines[i]))
				fx.subject |= cr->flags[s].s->flag;
	}
	if (req->transaction)
		known &= add_kind(&fx, req->transaction);
	known = known && ask_registries(c, rec, &fx);
	d->subject = fx.subject;
	if (!known) { /* facts that could not all be read cannot clear a record */
		withhold(d, POLICY_DENY, POLICY_DEFAULT_DENY, POLICY_DEFAULT_CITATION);
		snprintf(d->reason, sizeof d->reason,
		         "the record has more case ids or kinds than the policy can check "
		         "(at most %d, %d characters each)",
		         MAX_CASES, POLICY_CASE_ID_MAX);
		return;
	}

	if (apply_limits(c, rec, &fx, d))
		return;
	apply_grants(c, d);

	size_t redacted = 0;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct policy_field_decision *fd = &d->fields[i];
		if (fd->effect == POLICY_ALLOW) {
			d->sent |= fd->categories;
			continue;
		}
		redacted++;
		if (fd->field->required) {
			const char *rule = fd->rule_id, *cit = fd->citation;
			char cats[160];
			policy_categories_text(fd->categories, cats, sizeof cats);
			withhold(d, POLICY_DENY, rule, cit);
			d->sent = 0;
			snprintf(d->reason, sizeof d->reason,
			         "required field %s (%s) may not be disclosed (%s), so the record "
			         "cannot be sent",
			         fd->field->name, cats, rule);
			return;
		}
	}
	if (redacted == 0) {
		d->effect = POLICY_ALLOW;
		snprintf(d->reason, sizeof d->reason, "every field allowed");
		name_grant(d, c->control);
		return;
	}
	d->effect = POLICY_REDACT;
	snprintf(d->reason, sizeof d->reason, "%zu of %zu fields redacted", redacted, d->nfields);
	name_limit(d);
	/* Routing and case ids alone tell the recipient nothing it may have. */
	if ((d->sent & ~c->bare) == 0) {
		withhold(d, POLICY_DENY, d->rule_id, d->citation);
		d->sent = 0;
		snprintf(d->reason, sizeof d->reason,
		         "%zu fields redacted; only routing and case ids would remain", redacted);
	}
}

void policy_decide(const struct policy *p, const struct policy_request *req,
                   const struct policy_record *rec, struct policy_decision *d)
{
	struct policy_compiled *c = policy_compile(p, req, rec->family);
	policy_decide_compiled(c, rec, d);
	policy_compiled_free(c);
}

void policy_decision_free(struct policy_decision *d)
{
	free(d->fields);
	d->fields = NULL;
	d->nfields = 0;
}

static void words_free(struct policy_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->w[i]);
	free(w->w);
}

static void rules_free(struct policy_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].id);
		free(r[i].citation);
		free(r[i].doc);
		free(r[i].class);
		words_free(&r[i].purposes);
		for (size_t k = 0; k < r[i].nwhen; k++) {
			struct policy_when *w = &r[i].when[k];
			words_free(&w->class);
			words_free(&w->class_not);
			words_free(&w->purpose);
			words_free(&w->purpose_not);
			words_free(&w->family);
			words_free(&w->record);
			words_free(&w->transaction);
			words_free(&w->transaction_not);
		}
		free(r[i].when);
		if (r[i].recent) {
			free(r[i].recent->family);
			free(r[i].recent->date);
			words_free(&r[i].recent->record);
			words_free(&r[i].recent->per);
			free(r[i].recent);
		}
	}
	free(r);
}

static void sources_free(struct policy_source *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].name);
		free(s[i].citation);
		free(s[i].doc);
		free(s[i].family);
		free(s[i].field);
		words_free(&s[i].record);
		words_free(&s[i].values);
	}
	free(s);
}

void policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nclasses; i++) {
		free(p->classes[i].id);
		free(p->classes[i].citation);
		free(p->classes[i].doc);
		words_free(&p->classes[i].purposes);
	}
	free(p->classes);
	for (size_t i = 0; i < p->purposes.n; i++)
		free(p->locate_types[i]);
	free(p->locate_types);
	words_free(&p->purposes);
	words_free(&p->case_fields);
	sources_free(p->kinds, p->nkinds);
	sources_free(p->flags, p->nflags);
	sources_free(p->provenance, p->nprovenance);
	sources_free(p->notices, p->nnotices);
	sources_free(p->entry_dates, p->nentry_dates);
	words_free(&p->declared);
	rules_free(p->grants, p->ngrants);
	rules_free(p->limits, p->nlimits);
	free(p->notice);
	free(p->path);
	free(p);
}

const char *policy_locate_type(const struct policy *p, const char *purpose)
{
	for (size_t i = 0; purpose && i < p->purposes.n; i++)
		if (strcmp(p->purposes.w[i], purpose) == 0)
			return p->locate_types[i];
	return NULL;
}
