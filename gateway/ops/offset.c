/*
 * offset.c - Federal Offset Program certifications per case (offset.h).
 */
#include "ops/offset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/field.h"
#include "core/mapping.h"
#include "core/report.h"
#include "core/unmap.h"
#include "io/fs.h"
#include "util/alloc.h"

/* The Case Submission record's layout, from the mapping (its data). */
static const struct record *submission_record(const struct setup *s, char *why, size_t whylen)
{
	const struct family *fam = mapping_family(s->set, "offset");
	const struct record *r = fam ? mapping_record(fam, "CS") : NULL;
	if (r == NULL)
		snprintf(why, whylen, "the mappings have no offset family with a CS record");
	return r;
}

/* A field's trimmed value; "" when blank or absent. */
static void value(const struct record *r, const char *name, const char *line, char *out,
                  size_t size)
{
	const struct field *f = mapping_field(r, name);
	const char *start = NULL;
	size_t n = f ? field_trimmed(f, line, &start) : 0;
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), start ? start : "");
}

/* Copies field 'name' of 'from' into 'to' (both records of r). */
static void copy_field(const struct record *r, const char *name, char *to, const char *from)
{
	const struct field *f = mapping_field(r, name);
	if (f)
		memcpy(to + f->at - 1, from + f->at - 1, f->len);
}

static char *held_path(const char *spool, const char *case_id, char type)
{
	return xasprintf("%s/certified/%s.%c", spool, case_id, type);
}

static void now_text(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads a held certification; 1 when there is none. */
static int held_read(const struct record *r, const char *spool, const char *case_id, char type,
                     struct offset_held *h, char *why, size_t whylen)
{
	char *path = held_path(spool, case_id, type);
	FILE *f = fs_read_regular(path);
	memset(h, 0, sizeof *h);
	if (f == NULL) {
		int rc = errno == ENOENT ? 1 : -1;
		if (rc < 0)
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	char buf[OFFSET_LINE_MAX + 64];
	while (fgets(buf, sizeof buf, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (strncmp(buf, "since=", 6) == 0)
			snprintf(h->since, sizeof h->since, "%.31s", buf + 6);
		else if (strncmp(buf, "released=", 9) == 0)
			snprintf(h->released, sizeof h->released, "%.31s", buf + 9);
		else if (strncmp(buf, "by=", 3) == 0)
			snprintf(h->by, sizeof h->by, "%.47s", buf + 3);
		else if (strncmp(buf, "line=", 5) == 0)
			snprintf(h->line, sizeof h->line, "%.511s", buf + 5);
	}
	fclose(f);
	if (strlen(h->line) != r->length) {
		snprintf(why, whylen, "%s: no Case Submission record of %u characters in it", path,
		         r->length);
		free(path);
		return -1;
	}
	free(path);
	snprintf(h->case_id, sizeof h->case_id, "%s", case_id);
	h->cert.case_type = type;
	h->cert.released = h->released[0] != '\0';
	char text[32];
	value(r, "arrearageAmount", h->line, text, sizeof text);
	h->cert.arrears = atoll(text);
	for (size_t i = 0; i < OFFSET_REMEDIES; i++) {
		char name[16];
		snprintf(name, sizeof name, "exclusion%zu", i + 1);
		value(r, name, h->line, text, sizeof text);
		for (size_t k = 0; text[0] && k < OFFSET_REMEDIES; k++)
			if (strcmp(text, offset_remedy_codes[k]) == 0)
				h->cert.excluded[k] = true;
	}
	return 0;
}

static int held_write(const char *spool, const struct offset_held *h, char *why, size_t whylen)
{
	char *path = held_path(spool, h->case_id, h->cert.case_type);
	char *text = xasprintf("since=%s\nreleased=%s\nby=%s\nline=%s\n", h->since, h->released,
	                       h->by, h->line);
	int rc = fs_make_parent(path) < 0 || fs_write_text(path, text) < 0 ? -1 : 0;
	if (rc < 0)
		snprintf(why, whylen, "%s: cannot write: %s", path, strerror(errno));
	free(text);
	free(path);
	return rc;
}

struct remembering {
	const struct setup *s;
	const struct record *cs;
	const char *spool, *entry;
	char *why;
	size_t whylen;
	int rc;
};

/* What one Case Submission record does to the certification it names. */
static int remember_line(void *ctx, const char *line, size_t len)
{
	struct remembering *m = ctx;
	const struct record *r = m->cs;
	char case_id[16], type[2], tx[2];
	struct offset_held h;

	if (len != r->length || m->rc < 0)
		return 0;
	value(r, "caseId", line, case_id, sizeof case_id);
	value(r, "caseType", line, type, sizeof type);
	value(r, "transactionType", line, tx, sizeof tx);
	if (!case_id[0] || !type[0] || !tx[0])
		return 0; /* OCSE keys it by SSN only: no case of ours to note */
	int had = held_read(r, m->spool, case_id, type[0], &h, m->why, m->whylen);
	if (had < 0) {
		m->rc = -1;
		return -1;
	}
	if (had == 0 && strcmp(m->entry, h.by) < 0)
		return 0; /* an older batch, prepared again after a newer one */
	/* Ours only: a case id csgw case could never name is not kept. */
	if (strspn(case_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(case_id))
		return 0;
	char incoming[OFFSET_LINE_MAX];
	snprintf(incoming, sizeof incoming, "%.*s", (int)len, line);
	if (had == 1 || h.cert.released || tx[0] == 'A') {
		if (tx[0] == 'D')
			return 0; /* nothing held to release */
		bool again = had == 0 && !h.cert.released && strcmp(h.by, m->entry) == 0;
		snprintf(h.case_id, sizeof h.case_id, "%s", case_id);
		h.cert.case_type = type[0];
		if (!again) /* the same batch prepared again keeps its date */
			now_text(h.since, sizeof h.since);
		h.released[0] = '\0';
		snprintf(h.line, sizeof h.line, "%s", incoming);
	} else if (tx[0] == 'D') {
		now_text(h.released, sizeof h.released);
	} else if (tx[0] == 'M') {
		copy_field(r, "arrearageAmount", h.line, incoming);
	} else if (tx[0] == 'R') {
		for (int i = 1; i <= OFFSET_REMEDIES; i++) {
			char name[16];
			snprintf(name, sizeof name, "exclusion%d", i);
			copy_field(r, name, h.line, incoming);
		}
	} else if (tx[0] == 'B') {
		copy_field(r, "lastName", h.line, incoming);
		copy_field(r, "firstName", h.line, incoming);
	} else if (tx[0] == 'Z') {
		static const char *const address[] = {"addressLine1", "addressLine2", "city",
		                                      "state", "zipCode"};
		for (size_t i = 0; i < sizeof address / sizeof *address; i++)
			copy_field(r, address[i], h.line, incoming);
	} else if (tx[0] == 'L') {
		copy_field(r, "localCode", h.line, incoming);
	} else {
		return 0; /* C, S, U: nothing a closure needs changes */
	}
	snprintf(h.by, sizeof h.by, "%s", m->entry);
	if (held_write(m->spool, &h, m->why, m->whylen) < 0) {
		m->rc = -1;
		return -1;
	}
	return 0;
}

int offset_remember(const struct setup *s, const char *spool, const char *entry,
                    const char *xml_path, char *why, size_t whylen)
{
	struct remembering m = {s, submission_record(s, why, whylen), spool, entry, why, whylen, 0};
	struct batch_counts counts = {0};
	char *problems = NULL;
	size_t plen = 0;
	FILE *mem = open_memstream(&problems, &plen);
	struct report rep = {.out = mem ? mem : stderr, .file = xml_path, .max = 1};

	if (m.cs == NULL)
		return -1;
	enum map_status st =
	    unmap_read(s->set, xml_path, s->test_env, NULL, &rep, remember_line, &m, &counts);
	if (mem)
		fclose(mem);
	if (st != MAP_OK && m.rc == 0) {
		snprintf(why, whylen, "%s: cannot be read back: %s", xml_path,
		         problems && *problems ? problems : "bad batch");
		m.rc = -1;
	}
	free(problems);
	batch_counts_free(&counts);
	return m.rc;
}

int offset_rejected(const struct setup *s, const char *spool, const char *entry,
                    const char *case_id, char type, char tx, char *why, size_t whylen)
{
	const struct record *r = submission_record(s, why, whylen);
	struct offset_held h;
	int had = r ? held_read(r, spool, case_id, type, &h, why, whylen) : -1;
	if (had != 0 || strcmp(h.by, entry) != 0)
		return had < 0 ? -1 : 0;
	if (tx == 'A') {
		char *path = held_path(spool, case_id, type);
		int rc = unlink(path) < 0 && errno != ENOENT ? -1 : 0;
		if (rc < 0)
			snprintf(why, whylen, "%s: cannot remove: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (tx == 'D' && h.released[0]) {
		h.released[0] = '\0';
		return held_write(spool, &h, why, whylen);
	}
	return 0;
}

int offset_held_of(const struct setup *s, const char *spool, const char *case_id,
                   struct offset_held held[2], size_t *n, char *why, size_t whylen)
{
	const struct record *r = submission_record(s, why, whylen);
	*n = 0;
	if (r == NULL)
		return -1;
	static const char types[] = {'A', 'N'};
	for (size_t i = 0; i < sizeof types; i++) {
		int rc = held_read(r, spool, case_id, types[i], &held[*n], why, whylen);
		if (rc < 0)
			return -1;
		if (rc == 0)
			(*n)++;
	}
	return 0;
}

int offset_release_line(const struct setup *s, const struct offset_held *h,
                        const struct closure_offset *o, const char *today,
                        char out[OFFSET_LINE_MAX], char *why, size_t whylen)
{
	const struct record *r = submission_record(s, why, whylen);
	const struct field *tx = r ? mapping_field(r, "transactionType") : NULL;
	const struct field *date = r ? mapping_field(r, "dateIssued") : NULL;
	if (tx == NULL || date == NULL || strlen(today) != date->len) {
		snprintf(why, whylen, "the offset CS record lacks transactionType or dateIssued");
		return -1;
	}
	snprintf(out, OFFSET_LINE_MAX, "%s", h->line);
	out[tx->at - 1] = o->transaction;
	memcpy(out + date->at - 1, today, date->len);
	if (o->transaction == 'R')
		for (size_t i = 0, slot = 0; i < OFFSET_REMEDIES; i++) {
			char name[16];
			snprintf(name, sizeof name, "exclusion%zu", i + 1);
			const struct field *f = mapping_field(r, name);
			if (f == NULL)
				continue;
			memset(out + f->at - 1, ' ', f->len);
			while (slot < OFFSET_REMEDIES && !o->excluded[slot])
				slot++;
			if (slot < OFFSET_REMEDIES)
				memcpy(out + f->at - 1, offset_remedy_codes[slot++], 3);
		}
	return 0;
}
