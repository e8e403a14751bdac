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

/* Whether line i of the record shows the source's field with one of its values. */
static bool source_matches(const struct policy_source *s, const struct policy_record *rec, size_t i)
{
	if (strcmp(s->family, rec->family->name) != 0 ||
	    !policy_words_has(&s->record, rec->records[i]->id))
		return false;
	const struct field *f = mapping_field(rec->records[i], s->field);
	if (f == NULL)
		return false;
	const char *v;
	size_t n = field_trimmed(f, rec->lines[i], &v);
	for (size_t k = 0; k < s->values.n; k++)
		if (strlen(s->values.w[k]) == n && memcmp(s->values.w[k], v, n) == 0)
			return true;
	return false;
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
static bool case_ids(const struct policy *p, const struct policy_record *rec,
                     char cases[MAX_CASES][POLICY_CASE_ID_MAX + 1], size_t *ncases)
{
	*ncases = 0;
	for (size_t i = 0; i < rec->nlines; i++)
		for (size_t k = 0; k < p->case_fields.n; k++) {
			const struct field *f = mapping_field(rec->records[i], p->case_fields.w[k]);
			const char *v;
			size_t n = f ? field_trimmed(f, rec->lines[i], &v) : 0;
			bool seen = n == 0;
			if (n > POLICY_CASE_ID_MAX)
				return false;
			for (size_t c = 0; c < *ncases && !seen; c++)
				seen = strlen(cases[c]) == n && memcmp(cases[c], v, n) == 0;
			if (seen)
				continue;
			if (*ncases == MAX_CASES)
				return false;
			memcpy(cases[*ncases], v, n);
			cases[(*ncases)++][n] = '\0';
		}
	return true;
}

/* What the registries say of the record's cases and subjects: flags of
 * every SSN in it (for every case, or one of its cases) and of anyone
 * protected in one of its cases (a party whose SSN the record leaves out
 * is still protected).  False when the record has too many case ids to
 * ask about: the caller withholds it. */
static bool ask_registries(const struct policy *p, const struct policy_request *req,
                           const struct policy_record *rec, struct facts *fx)
{
	const struct policy_registry *reg = req->registry;
	char cases[MAX_CASES][POLICY_CASE_ID_MAX + 1];
	size_t ncases;

	if (!case_ids(p, rec, cases, &ncases))
		return false;
	if (reg == NULL)
		return true;
	for (size_t c = 0; c < ncases; c++) {
		bool closed = false, owed = false;
		if (reg->case_status)
			reg->case_status(reg->ctx, cases[c], &closed, &owed);
		fx->closed |= closed;
		fx->state_owed |= owed;
		if (reg->protections)
			fx->subject |= reg->protections(reg->ctx, NULL, cases[c]);
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
			for (size_t c = 0; c < ncases; c++)
				fx->subject |= reg->protections(reg->ctx, ssn, cases[c]);
		}
	return true;
}

static bool tri(int want, bool have)
{
	return want < 0 || (want != 0) == have;
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
static int entry_date(const struct policy *p, const struct policy_request *req,
                      const struct policy_record *rec)
{
	if (req->entered || rec->header == NULL)
		return req->entered;
	for (size_t i = 0; i < p->nentry_dates; i++) {
		const struct policy_source *e = &p->entry_dates[i];
		const struct field *f = mapping_field(rec->header, e->field);
		if (strcmp(e->family, rec->family->name) != 0 ||
		    !policy_words_has(&e->record, rec->header->id) || f == NULL ||
		    f->type != FIELD_DATE)
			continue;
		int ymd = 0;
		for (unsigned k = 0; k < 8; k++) {
			char c = rec->header_line[f->at - 1 + k];
			if (c < '0' || c > '9')
				return 0;
			ymd = ymd * 10 + (c - '0');
		}
		return ymd;
	}
	return 0;
}

static bool when_holds(const struct policy_when *w, const struct policy_request *req,
                       const struct policy_record *rec, const struct facts *fx)
{
	bool record_listed = w->record.n == 0;
	for (size_t i = 0; i < rec->nlines && !record_listed; i++)
		record_listed = policy_words_has(&w->record, rec->records[i]->id);

	return (w->class.n == 0 || policy_words_has(&w->class, req->class)) &&
	       !policy_words_has(&w->class_not, req->class) &&
	       (w->purpose.n == 0 || policy_words_has(&w->purpose, req->purpose)) &&
	       !policy_words_has(&w->purpose_not, req->purpose) &&
	       (w->family.n == 0 || policy_words_has(&w->family, rec->family->name)) &&
	       record_listed && (w->transaction.n == 0 || has_kind(fx, &w->transaction)) &&
	       !has_kind(fx, &w->transaction_not) &&
	       (w->subject == 0 || (w->subject & fx->subject) != 0) &&
	       tri(w->interstate, req->interstate) && tri(w->verified, req->verified) &&
	       tri(w->matched, req->matched) && tri(w->enforcement_closed, fx->closed) &&
	       tri(w->state_owed, fx->state_owed) &&
	       (w->older_than_months < 0 ||
	        older_than(fx->entered, req->today, w->older_than_months));
}

static bool limit_applies(const struct policy_rule *l, const struct policy_request *req,
                          const struct policy_record *rec, const struct facts *fx)
{
	if (l->nwhen == 0)
		return true;
	for (size_t i = 0; i < l->nwhen; i++)
		if (when_holds(&l->when[i], req, rec, fx))
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
static void collect_fields(const struct policy *p, const struct policy_request *req,
                           const struct policy_record *rec, struct policy_decision *d)
{
	size_t most = 0;
	for (size_t i = 0; i < rec->nlines; i++)
		most += rec->records[i]->nfields;
	d->fields = xcalloc(most ? most : 1, sizeof *d->fields); /* one allocation a record */
	for (size_t i = 0; i < rec->nlines; i++) {
		unsigned adds_to = 0, adds = 0;
		for (size_t s = 0; s < p->nprovenance; s++)
			if (source_matches(&p->provenance[s], rec, i)) {
				adds_to |= p->provenance[s].to;
				adds |= p->provenance[s].adds;
			}
		const struct record *r = rec->records[i];
		for (size_t k = 0; k < r->nfields; k++) {
			const struct field *f = &r->fields[k];
			if (f->name == NULL || field_is_blank(f, rec->lines[i] + f->at - 1))
				continue;
			unsigned cats = f->categories;
			if (cats & adds_to)
				cats |= adds;
			for (size_t t = 0; t < req->ntags; t++)
				if (strcmp(req->tag_field[t], f->name) == 0)
					cats |= req->tag_categories[t];
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

static bool apply_limits(const struct policy *p, const struct policy_request *req,
                         const struct policy_record *rec, const struct facts *fx,
                         struct policy_decision *d)
{
	for (size_t l = 0; l < p->nlimits; l++) {
		const struct policy_rule *lim = &p->limits[l];
		if (!limit_applies(lim, req, rec, fx) || (lim->recent && !recent_takes(p, l, rec)))
			continue;
		bool hits = lim->categories == 0;
		for (size_t i = 0; i < d->nfields && !hits; i++)
			hits = (d->fields[i].categories & lim->categories) != 0;
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
		for (size_t i = 0; i < d->nfields; i++) {
			struct policy_field_decision *fd = &d->fields[i];
			if (fd->rule_id == NULL && (fd->categories & lim->categories)) {
				fd->effect = POLICY_REDACT;
				fd->rule_id = lim->id;
				fd->citation = lim->citation;
			}
		}
	}
	return false;
}

static void apply_grants(const struct policy *p, const struct policy_request *req,
                         struct policy_decision *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		struct policy_field_decision *fd = &d->fields[i];
		if (fd->rule_id)
			continue;
		fd->effect = POLICY_REDACT;
		fd->rule_id = POLICY_DEFAULT_DENY;
		fd->citation = POLICY_DEFAULT_CITATION;
		for (size_t g = 0; g < p->ngrants; g++) {
			const struct policy_rule *gr = &p->grants[g];
			/* A field without categories is something no grant names. */
			if (fd->categories != 0 && strcmp(gr->class, req->class) == 0 &&
			    policy_words_has(&gr->purposes, req->purpose) &&
			    (fd->categories & ~gr->categories) == 0) {
				fd->effect = POLICY_ALLOW;
				fd->rule_id = gr->id;
				fd->citation = gr->citation;
				break;
			}
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
static void name_grant(struct policy_decision *d)
{
	unsigned control = 1u << mapping_category_bit("control");

	d->rule_id = POLICY_DEFAULT_DENY; /* a record with no fields at all */
	d->citation = POLICY_DEFAULT_CITATION;
	for (size_t i = 0; i < d->nfields; i++)
		if ((d->fields[i].categories & ~control) || i + 1 == d->nfields) {
			d->rule_id = d->fields[i].rule_id;
			d->citation = d->fields[i].citation;
			return;
		}
}

void policy_decide(const struct policy *p, const struct policy_request *req,
                   const struct policy_record *rec, struct policy_decision *d)
{
	struct facts fx = {.nkinds = 0};
	const struct policy_class *cls = policy_class(p, req->class);

	memset(d, 0, sizeof *d);
	collect_fields(p, req, rec, d);

	if (cls == NULL || req->purpose == NULL || !policy_words_has(&p->purposes, req->purpose)) {
		withhold(d, POLICY_DENY, POLICY_DEFAULT_DENY, POLICY_DEFAULT_CITATION);
		snprintf(d->reason, sizeof d->reason, "%s %s is not in the policy",
		         cls ? "purpose" : "recipient class",
		         cls ? (req->purpose ? req->purpose : "(none)")
		             : (req->class ? req->class : "(none)"));
		return;
	}
	if (!policy_words_has(&cls->purposes, req->purpose)) {
		withhold(d, POLICY_DENY, POLICY_NOT_AUTHORIZED, cls->citation);
		snprintf(d->reason, sizeof d->reason,
		         "%s is not authorized to receive data for %s (%s)", cls->id, req->purpose,
		         cls->citation);
		return;
	}

	bool known = true;
	fx.entered = entry_date(p, req, rec);
	for (size_t i = 0; i < rec->nlines; i++) {
		for (size_t s = 0; s < p->nkinds; s++)
			if (source_matches(&p->kinds[s], rec, i))
				known &= add_kind(&fx, p->kinds[s].name);
		for (size_t s = 0; s < p->nflags; s++)
			if (source_matches(&p->flags[s], rec, i))
				fx.subject |= p->flags[s].flag;
	}
	if (req->transaction)
		known &= add_kind(&fx, req->transaction);
	known = known && ask_registries(p, req, rec, &fx);
	d->subject = fx.subject;
	if (!known) { /* facts that could not all be read cannot clear a record */
		withhold(d, POLICY_DENY, POLICY_DEFAULT_DENY, POLICY_DEFAULT_CITATION);
		snprintf(d->reason, sizeof d->reason,
		         "the record has more case ids or kinds than the policy can check "
		         "(at most %d, %d characters each)",
		         MAX_CASES, POLICY_CASE_ID_MAX);
		return;
	}

	if (apply_limits(p, req, rec, &fx, d))
		return;
	apply_grants(p, req, d);

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
		name_grant(d);
		return;
	}
	d->effect = POLICY_REDACT;
	snprintf(d->reason, sizeof d->reason, "%zu of %zu fields redacted", redacted, d->nfields);
	name_limit(d);
	/* Routing and case ids alone tell the recipient nothing it may have. */
	unsigned bare = 1u << mapping_category_bit("control") | 1u << mapping_category_bit("case");
	if ((d->sent & ~bare) == 0) {
		withhold(d, POLICY_DENY, d->rule_id, d->citation);
		d->sent = 0;
		snprintf(d->reason, sizeof d->reason,
		         "%zu fields redacted; only routing and case ids would remain", redacted);
	}
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
