/*
 * registry_snapshot.c - the registry in sorted arrays, asked by binary
 * search (registry_snapshot.h).
 */
#include "core/registry_snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct protection {
	char *subject; /* NULL in the by-case index */
	char *case_id;
	unsigned flags;
};

struct case_status {
	char *case_id;
	bool closed, state_owed;
};

struct registry_snapshot {
	struct protection *by_subject; /* (subject, case), flags of both merged */
	size_t nsubject;
	struct protection *by_case; /* case-specific rows only, flags merged per case */
	size_t ncase;
	struct case_status *cases;
	size_t ncases;
};

struct registry_snapshot *registry_snapshot_new(void)
{
	return xcalloc(1, sizeof(struct registry_snapshot));
}

void registry_snapshot_free(struct registry_snapshot *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nsubject; i++) {
		free(s->by_subject[i].subject);
		free(s->by_subject[i].case_id);
	}
	for (size_t i = 0; i < s->ncase; i++)
		free(s->by_case[i].case_id);
	for (size_t i = 0; i < s->ncases; i++)
		free(s->cases[i].case_id);
	free(s->by_subject);
	free(s->by_case);
	free(s->cases);
	free(s);
}

void registry_snapshot_add_protection(struct registry_snapshot *s, const char *subject_key,
                                      const char *case_id, unsigned flags)
{
	s->by_subject = xreallocarray(s->by_subject, s->nsubject + 1, sizeof *s->by_subject);
	s->by_subject[s->nsubject++] =
	    (struct protection){xstrdup(subject_key), xstrdup(case_id), flags};
	if (case_id[0] == '\0')
		return;
	s->by_case = xreallocarray(s->by_case, s->ncase + 1, sizeof *s->by_case);
	s->by_case[s->ncase++] = (struct protection){NULL, xstrdup(case_id), flags};
}

void registry_snapshot_add_case(struct registry_snapshot *s, const char *case_id, bool closed,
                                bool state_owed)
{
	s->cases = xreallocarray(s->cases, s->ncases + 1, sizeof *s->cases);
	s->cases[s->ncases++] = (struct case_status){xstrdup(case_id), closed, state_owed};
}

static int by_subject(const void *a, const void *b)
{
	const struct protection *x = a, *y = b;
	int c = strcmp(x->subject, y->subject);
	return c ? c : strcmp(x->case_id, y->case_id);
}

static int by_case(const void *a, const void *b)
{
	return strcmp(((const struct protection *)a)->case_id,
	              ((const struct protection *)b)->case_id);
}

static int case_by_id(const void *a, const void *b)
{
	return strcmp(((const struct case_status *)a)->case_id,
	              ((const struct case_status *)b)->case_id);
}

/* Merges the flags of equal neighbours into the first of them. */
static size_t merge(struct protection *p, size_t n, int (*cmp)(const void *, const void *))
{
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && cmp(&p[out - 1], &p[i]) == 0) {
			p[out - 1].flags |= p[i].flags;
			free(p[i].subject);
			free(p[i].case_id);
			continue;
		}
		p[out++] = p[i];
	}
	return out;
}

/* qsort and bsearch may not be given a NULL array, even an empty one. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void *find(const void *key, const void *base, size_t n, size_t size,
                  int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

void registry_snapshot_seal(struct registry_snapshot *s)
{
	sort(s->by_subject, s->nsubject, sizeof *s->by_subject, by_subject);
	s->nsubject = merge(s->by_subject, s->nsubject, by_subject);
	sort(s->by_case, s->ncase, sizeof *s->by_case, by_case);
	s->ncase = merge(s->by_case, s->ncase, by_case);
	sort(s->cases, s->ncases, sizeof *s->cases, case_by_id);
}

static unsigned flags_of(const struct protection *p, size_t n, const struct protection *key,
                         int (*cmp)(const void *, const void *))
{
	const struct protection *hit = find(key, p, n, sizeof *p, cmp);
	return hit ? hit->flags : 0;
}

unsigned registry_snapshot_protections(const struct registry_snapshot *s, const char *subject_key,
                                       const char *case_id)
{
	struct protection key = {(char *)subject_key, (char *)case_id, 0};

	if (subject_key == NULL)
		return flags_of(s->by_case, s->ncase, &key, by_case);
	unsigned flags = flags_of(s->by_subject, s->nsubject, &key, by_subject);
	key.case_id = (char *)"";
	return flags | flags_of(s->by_subject, s->nsubject, &key, by_subject);
}

void registry_snapshot_case(const struct registry_snapshot *s, const char *case_id, bool *closed,
                            bool *state_owed)
{
	struct case_status key = {(char *)case_id, false, false};
	const struct case_status *hit = find(&key, s->cases, s->ncases, sizeof key, case_by_id);

	*closed = hit && hit->closed;
	*state_owed = hit && hit->state_owed;
}
