/*
 * receipt.c - acknowledgements of received files (the receipt family).
 *
 * Writing builds the receipt's fixed-width lines field by field with the
 * same rules as every field (field_xml_to_fixed), in an anonymous memory
 * file, and maps them to XML with the map engine.  Reading streams the XML
 * through the validator (unmap_read) and picks the fields out of the
 * fixed-width lines it gives back.  So the receipt layout lives in
 * mappings/receipt/receipt.map.xml only; here are just its field names.
 */
#include "core/receipt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/field.h"
#include "core/isolated.h"
#include "core/unmap.h"
#include "io/digest.h"
#include "util/alloc.h"

#define RECEIPT_MAX_BYTES (64ULL * 1024 * 1024)

/* The result of 'record', created when new. */
static struct receipt_result *result_for(struct receipt *r, unsigned long record)
{
	for (size_t i = 0; i < r->nresults; i++)
		if (r->results[i].record == record)
			return &r->results[i];
	r->results = xreallocarray(r->results, r->nresults + 1, sizeof *r->results);
	struct receipt_result *res = &r->results[r->nresults++];
	memset(res, 0, sizeof *res);
	res->record = record;
	return res;
}

int receipt_reject(struct receipt *r, unsigned long record, const char *code, const char *message)
{
	struct receipt_result *res = result_for(r, record);

	if (res->nerrors == RECEIPT_MAX_ERRORS || strlen(code) >= sizeof res->errors[0].code ||
	    strlen(message) >= sizeof res->errors[0].message)
		return -1;
	struct receipt_error *e = &res->errors[res->nerrors++];
	snprintf(e->code, sizeof e->code, "%s", code);
	snprintf(e->message, sizeof e->message, "%s", message);
	return 0;
}

void receipt_free(struct receipt *r)
{
	free(r->results);
	r->results = NULL;
	r->nresults = 0;
}

/* ---- writing ---- */

struct line {
	const struct record *rec;
	char *text;
	struct report *rep;
	bool bad;
};

static void line_start(struct line *l, const struct record *rec, struct report *rep)
{
	l->rec = rec;
	l->rep = rep;
	l->text = xmalloc(rec->length + 1);
	memset(l->text, ' ', rec->length);
	memcpy(l->text, rec->id, 2);
	l->text[rec->length] = '\n';
}

/* Puts a value, given as its XML text, into its field. */
static void put(struct line *l, const char *name, const char *value)
{
	const struct field *f = mapping_field(l->rec, name);
	struct field_error err;

	if (f == NULL) {
		report_problem(l->rep, 0, 0, l->rec->element,
		               "the receipt mapping has no field '%s'; expected it in "
		               "mappings/receipt/receipt.map.xml",
		               name);
		l->bad = true;
	} else if (field_xml_to_fixed(f, value, strlen(value), false, l->text + f->at - 1, &err) <
	           0) {
		report_problem(l->rep, 0, 0, l->rec->element, "%s: %s", name, err.msg);
		l->bad = true;
	}
}

static void put_number(struct line *l, const char *name, unsigned long n)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%lu", n);
	put(l, name, buf);
}

static bool line_end(struct line *l, FILE *f)
{
	bool ok = !l->bad && fwrite(l->text, 1, l->rec->length + 1, f) == l->rec->length + 1;
	free(l->text);
	return ok;
}

/* A head's AC line and its proof's AP lines. */
static bool put_head(struct line *l, const struct record *ac, const struct record *ap,
                     const struct receipt_head *h, const char *kind, struct report *rep, FILE *f)
{
	char hex[2 * MERKLE_HASH + 1], n[24];
	bool ok;

	line_start(l, ac, rep);
	put(l, "kind", kind);
	put(l, "origin", h->head.origin);
	snprintf(n, sizeof n, "%" PRIu64, h->head.size);
	put(l, "treeSize", n);
	digest_hex(h->head.root, MERKLE_HASH, hex);
	put(l, "rootHash", hex);
	put(l, "signature", h->head.signature);
	if (h->proof_from) {
		snprintf(n, sizeof n, "%" PRIu64, h->proof_from);
		put(l, "proofFrom", n);
	}
	put_number(l, "proofCount", h->nproof);
	ok = line_end(l, f);
	for (unsigned i = 0; i < h->nproof; i++) {
		line_start(l, ap, rep);
		digest_hex(h->proof[i], MERKLE_HASH, hex);
		put(l, "hash", hex);
		ok &= line_end(l, f);
	}
	return ok;
}

enum map_status receipt_write(const struct mapping_set *set, const struct receipt *r,
                              const char *output, struct report *rep)
{
	const struct batch_type *bt = mapping_batch(set, "receipt");
	const struct family *fam = bt ? bt->family : NULL;
	const struct record *ar = fam ? mapping_record(fam, "AR") : NULL;
	enum map_status st = MAP_BAD_DATA;
	char date[16], time_s[8], path[64];
	struct tm tm;
	struct line l = {0};
	FILE *f = NULL;
	bool ok = true;

	if (ar == NULL) {
		report_problem(rep, 0, 0, NULL,
		               "the mappings have no receipt batch with AR records; expected "
		               "mappings/receipt/receipt.map.xml");
		return MAP_BAD_DATA;
	}
	int fd = memfd_create("csgw-receipt", MFD_CLOEXEC);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(rep->out, "%s: cannot make a memory file: %s\n", output, strerror(errno));
		if (fd >= 0)
			close(fd);
		return MAP_IO_ERROR;
	}
	gmtime_r(&r->received, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	strftime(time_s, sizeof time_s, "%H%M%S", &tm);

	line_start(&l, bt->header, rep);
	put(&l, "receiverState", r->receiver_state);
	put(&l, "senderState", r->sender_state);
	put(&l, "dateReceived", date);
	put(&l, "timeReceived", time_s);
	if (r->file_name[0])
		put(&l, "fileName", r->file_name);
	put(&l, "fileSha256", r->sha256);
	put(&l, "batchNumber", r->batch);
	put(&l, "status", r->accepted ? "A" : "R");
	ok &= line_end(&l, f);

	for (size_t i = 0; i < r->nresults; i++) {
		const struct receipt_result *res = &r->results[i];
		line_start(&l, ar, rep);
		put_number(&l, "recordNumber", res->record);
		put(&l, "status", "R");
		for (unsigned k = 0; k < res->nerrors; k++) {
			char name[32];
			snprintf(name, sizeof name, "errorCode%u", k + 1);
			put(&l, name, res->errors[k].code);
			snprintf(name, sizeof name, "errorMessage%u", k + 1);
			put(&l, name, res->errors[k].message);
		}
		ok &= line_end(&l, f);
	}

	const struct receipt_head *heads[2] = {&r->head, &r->echo};
	const struct record *ac = mapping_record(fam, "AC"), *ap = mapping_record(fam, "AP");
	for (int i = 0; i < 2; i++) {
		if (!heads[i]->present)
			continue;
		if (ac == NULL || ap == NULL) {
			report_problem(
			    rep, 0, 0, NULL,
			    "the receipt mapping has no AC and AP records for checkpoints; "
			    "expected them in mappings/receipt/receipt.map.xml");
			ok = false;
			break;
		}
		ok &= put_head(&l, ac, ap, heads[i], i == 0 ? "H" : "E", rep, f);
	}

	line_start(&l, bt->trailer, rep);
	put_number(&l, "recordCount", r->nresults);
	put_number(&l, "acceptedCount", r->accepted_count);
	put_number(&l, "rejectedCount", r->rejected_count);
	ok &= line_end(&l, f);

	if (fflush(f) != 0) {
		fprintf(rep->out, "%s: cannot write a memory file: %s\n", output, strerror(errno));
		st = MAP_IO_ERROR;
	} else if (ok) {
		struct batch_counts counts = {0};
		const char *file = rep->file;
		snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(f));
		st = map_to_xml(bt, path, output, false, rep, &counts);
		rep->file = file;
		batch_counts_free(&counts);
	}
	fclose(f);
	return st;
}

/* ---- reading ---- */

struct reading {
	const struct family *fam;
	struct receipt *r;
	struct receipt_head *last; /* the head the next AP lines belong to */
	bool not_receipt;          /* another family's batch: stopped at its header */
};

/* A field's value as its XML text; "" when absent. */
static void get(const struct record *rec, const char *line, const char *name, char *out,
                size_t size)
{
	const struct field *f = mapping_field(rec, name);
	char xml[2048];
	size_t n = 0;
	struct field_error err;

	out[0] = '\0';
	if (f == NULL || f->len + 4 > sizeof xml ||
	    field_fixed_to_xml(f, line + f->at - 1, false, xml, &n, &err) < 0)
		return;
	snprintf(out, size, "%.*s", (int)n, xml);
}

static unsigned long get_number(const struct record *rec, const char *line, const char *name)
{
	char buf[32];
	get(rec, line, name, buf, sizeof buf);
	return strtoul(buf, NULL, 10);
}

static int take_line(void *ctx, const char *text, size_t len)
{
	struct reading *rd = ctx;
	struct receipt *r = rd->r;
	char id[3] = {len >= 2 ? text[0] : 0, len >= 2 ? text[1] : 0, 0};
	const struct record *rec = mapping_record(rd->fam, id);
	char buf[64];

	if (rec == NULL) {
		rd->not_receipt = true;
		return 1;
	}
	if (len < rec->length)
		return 0; /* the validator has checked the layout */
	if (strcmp(rec->id, "AH") == 0) {
		char date[16], t[8];
		struct tm tm = {0};
		get(rec, text, "receiverState", r->receiver_state, sizeof r->receiver_state);
		get(rec, text, "senderState", r->sender_state, sizeof r->sender_state);
		get(rec, text, "fileName", r->file_name, sizeof r->file_name);
		get(rec, text, "fileSha256", r->sha256, sizeof r->sha256);
		get(rec, text, "batchNumber", r->batch, sizeof r->batch);
		get(rec, text, "status", buf, sizeof buf);
		r->accepted = strcmp(buf, "A") == 0;
		get(rec, text, "dateReceived", date, sizeof date);
		get(rec, text, "timeReceived", t, sizeof t);
		if (sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3 &&
		    sscanf(t, "%2d%2d%2d", &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 3) {
			tm.tm_year -= 1900;
			tm.tm_mon -= 1;
			r->received = timegm(&tm);
		}
	} else if (strcmp(rec->id, "AR") == 0) {
		get(rec, text, "status", buf, sizeof buf);
		if (strcmp(buf, "A") == 0)
			return 0; /* accepted records need no entry */
		struct receipt_result *res = result_for(r, get_number(rec, text, "recordNumber"));
		for (unsigned k = 1; k <= RECEIPT_MAX_ERRORS && res->nerrors < RECEIPT_MAX_ERRORS;
		     k++) {
			struct receipt_error *e = &res->errors[res->nerrors];
			char name[32];
			snprintf(name, sizeof name, "errorCode%u", k);
			get(rec, text, name, e->code, sizeof e->code);
			snprintf(name, sizeof name, "errorMessage%u", k);
			get(rec, text, name, e->message, sizeof e->message);
			if (e->code[0] || e->message[0])
				res->nerrors++;
		}
	} else if (strcmp(rec->id, "AC") == 0) {
		char hex[80];
		get(rec, text, "kind", buf, sizeof buf);
		struct receipt_head *h = strcmp(buf, "H") == 0 ? &r->head : &r->echo;
		memset(h, 0, sizeof *h);
		h->present = true;
		get(rec, text, "origin", h->head.origin, sizeof h->head.origin);
		get(rec, text, "treeSize", buf, sizeof buf);
		h->head.size = strtoull(buf, NULL, 10);
		get(rec, text, "rootHash", hex, sizeof hex);
		if (strlen(hex) != 2 * MERKLE_HASH ||
		    digest_unhex(hex, h->head.root, MERKLE_HASH) < 0)
			h->malformed = true;
		get(rec, text, "signature", h->head.signature, sizeof h->head.signature);
		get(rec, text, "proofFrom", buf, sizeof buf);
		h->proof_from = strtoull(buf, NULL, 10);
		rd->last = h;
	} else if (strcmp(rec->id, "AP") == 0) {
		char hex[80];
		struct receipt_head *h = rd->last;
		get(rec, text, "hash", hex, sizeof hex);
		if (h && (h->nproof >= 64 || strlen(hex) != 2 * MERKLE_HASH ||
		          digest_unhex(hex, h->proof[h->nproof++], MERKLE_HASH) < 0))
			h->malformed = true;
	} else if (strcmp(rec->id, "AT") == 0) {
		r->accepted_count = get_number(rec, text, "acceptedCount");
		r->rejected_count = get_number(rec, text, "rejectedCount");
	}
	return 0;
}

enum map_status receipt_read(const struct mapping_set *set, const char *input, struct receipt *r,
                             struct report *rep)
{
	const struct family *fam = mapping_family(set, "receipt");
	struct unmap_limits lim = {.max_bytes = RECEIPT_MAX_BYTES};
	struct batch_counts counts = {0};
	struct receipt got = {0};
	struct reading rd = {.fam = fam, .r = &got};

	if (fam == NULL) {
		report_problem(rep, 0, 0, NULL, "the mappings have no receipt family");
		return MAP_BAD_DATA;
	}
	enum map_status st =
	    isolated_unmap_read(set, input, false, &lim, rep, take_line, &rd, &counts);
	if (rd.not_receipt ||
	    (st == MAP_OK && (counts.batch == NULL || counts.batch->family != fam))) {
		report_problem(rep, 0, 0, NULL, "a %s batch, not a receipt",
		               counts.batch ? counts.batch->family->name : "unknown");
		st = MAP_BAD_DATA;
	}
	batch_counts_free(&counts);
	if (st != MAP_OK) {
		receipt_free(&got);
		return st;
	}
	*r = got;
	return MAP_OK;
}

/* ---- facts of a received batch ---- */

/* Keeps the first line: the header, read once the batch type is known. */
static int keep_header(void *ctx, const char *text, size_t len)
{
	char **header = ctx;
	if (*header == NULL)
		*header = xmemdup(text, len);
	return 0;
}

void receipt_set_file_name(const struct mapping_set *set, struct receipt *r, const char *name)
{
	const struct charset *cs = mapping_charset(set, "filename");
	snprintf(r->file_name, sizeof r->file_name, "%s", name);
	for (char *c = r->file_name; *c && cs; c++)
		if (!cs->allowed[(unsigned char)*c])
			*c = '_';
}

/* The facts of a batch from its header line and counts, once read with
 * status st. */
static enum map_status facts_of(enum map_status st, const char *header,
                                const struct batch_counts *counts, char batch[7],
                                unsigned long *records, const struct batch_type **type,
                                struct report *rep)
{
	batch[0] = '\0';
	if (st == MAP_OK && header && counts->batch && counts->batch->header &&
	    strlen(header) >= counts->batch->header->length)
		get(counts->batch->header, header, "batchNumber", batch, 7);
	/* A file type without a header (an offset submission) has no number. */
	if (st == MAP_OK && batch[0] == '\0' && counts->batch && counts->batch->header) {
		report_problem(rep, 0, 0, NULL, "its header has no batchNumber");
		st = MAP_BAD_DATA;
	}
	if (st == MAP_OK) {
		*records = counts->records;
		if (type)
			*type = counts->batch;
	}
	return st;
}

/* Only the header is needed; every record is checked all the same. */
static const struct unmap_limits header_only = {.max_lines = 1};

enum map_status receipt_batch_facts(const struct mapping_set *set, const char *input, bool test_env,
                                    char batch[7], unsigned long *records,
                                    const struct batch_type **type, struct report *rep)
{
	struct batch_counts counts = {0};
	char *header = NULL;

	enum map_status st = isolated_unmap_read(set, input, test_env, &header_only, rep,
	                                         keep_header, &header, &counts);
	st = facts_of(st, header, &counts, batch, records, type, rep);
	free(header);
	batch_counts_free(&counts);
	return st;
}

struct batch_facts_stream {
	struct isolated_stream *parse;
	char *header;
	struct batch_counts counts;
};

struct batch_facts_stream *receipt_batch_facts_begin(const struct mapping_set *set, bool test_env,
                                                     struct report *rep)
{
	struct batch_facts_stream *f = xcalloc(1, sizeof *f);
	f->parse = isolated_stream_begin(set, test_env, &header_only, rep, keep_header, &f->header,
	                                 &f->counts);
	if (f->parse == NULL) {
		free(f);
		return NULL;
	}
	return f;
}

bool receipt_batch_facts_feed(struct batch_facts_stream *f, const void *data, size_t len)
{
	return isolated_stream_feed(f->parse, data, len);
}

int receipt_batch_facts_end(struct batch_facts_stream *f, bool whole, char batch[7],
                            unsigned long *records, const struct batch_type **type,
                            struct report *rep)
{
	int st = isolated_stream_end(f->parse, whole);
	if (st >= 0)
		st = (int)facts_of((enum map_status)st, f->header, &f->counts, batch, records, type,
		                   rep);
	free(f->header);
	batch_counts_free(&f->counts);
	free(f);
	return st;
}
