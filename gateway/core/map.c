/*
 * map.c - fixed-width extract to XML batch (csgw map).
 *
 * One pass, streaming: each line is checked field by field, turned into
 * XML values, and written only if the whole record is good.  After the
 * first problem nothing more is written, but checking goes on so that the
 * user sees every bad record at once; the temporary output is then removed.
 */
#include "core/map.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/counts.h"
#include "core/field.h"
#include "io/digest.h"
#include "io/fs.h"
#include "io/lines.h"
#include "io/xml_writer.h"
#include "util/alloc.h"

/* Lines up to this much longer than the longest record are still read, so
 * that a near miss is reported as "record W4 is 502 long; expected 500". */
#define LINE_SLACK 256

struct group {
	const struct record *lead; /* NULL when no group is open */
	unsigned long line, recno;
	char *image;           /* the lead line, for its count fields */
	size_t pos;            /* index into lead->children */
	unsigned *child_count; /* per child index */
};

struct mapper {
	const struct batch_type *bt;
	const struct family *fam;
	struct report *rep;
	bool test_env;
	struct out_file out;
	bool writing;
	bool header_seen, trailer_seen;
	bool unreadable_lines; /* counts cannot be checked then */
	unsigned long line;
	struct batch_counts *counts;
	struct group group;
	char *xml;       /* XML values of the current record */
	size_t *xml_off; /* per field: offset in xml, or SIZE_MAX if absent */
	size_t *xml_len;
};

static size_t record_index(const struct family *fam, const struct record *rec)
{
	return (size_t)(rec - fam->records);
}

__attribute__((format(printf, 4, 5))) static void
problem_at(struct mapper *m, const struct record *rec, unsigned long recno, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	m->writing = false;
	report_problem(m->rep, m->line, recno, rec ? rec->element : NULL, "%s", msg);
}

/* Printable, masked when the field holds an SSN. */
static void shown(const struct field *f, const char *value, size_t len, char *out, size_t size)
{
	while (len > 0 && value[len - 1] == ' ')
		len--;
	field_value_for_message(f, value, len, out, size);
}

/* Checks every field of a line; fills m->xml*.  Returns the problem count. */
static int convert_fields(struct mapper *m, const struct record *rec, unsigned long recno,
                          const char *line)
{
	size_t off = 0;
	int bad = 0;

	for (size_t i = 0; i < rec->nfields; i++) {
		const struct field *f = &rec->fields[i];
		struct field_error err;
		size_t n;
		if (field_fixed_to_xml(f, line + f->at - 1, m->test_env, m->xml + off, &n, &err) <
		    0) {
			char value[96], what[64];
			shown(f, line + f->at - 1, f->len, value, sizeof value);
			snprintf(what, sizeof what, "%s",
			         f->name ? f->name : field_type_name(f->type));
			m->writing = false;
			report_problem(m->rep, m->line, recno, rec->element,
			               "field %s (positions %u-%u): value '%s' %s", what, f->at,
			               f->at + f->len - 1, value, err.msg);
			bad++;
			continue;
		}
		m->xml_off[i] = n ? off : SIZE_MAX;
		m->xml_len[i] = n;
		off += n;
	}
	return bad;
}

static void write_fields(struct mapper *m, const struct record *rec, unsigned depth)
{
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].name && m->xml_off[i] != SIZE_MAX)
			xw_leaf(&m->out, depth, rec->fields[i].name, m->xml + m->xml_off[i],
			        m->xml_len[i]);
}

/* A count the batch states that differs from what it holds. */
static void count_mismatch(void *ctx, const struct field *f, unsigned long said, unsigned long seen)
{
	struct mapper *m = ctx;

	problem_at(m, m->group.lead ? m->group.lead : m->bt->trailer,
	           m->group.lead ? m->group.recno : 0, "field %s says %lu; the %s has %lu", f->name,
	           said, m->group.lead ? "group" : "batch", seen);
}

static void close_group(struct mapper *m)
{
	struct group *g = &m->group;
	const struct record *lead = g->lead;

	if (lead == NULL)
		return;
	for (size_t k = 0; k < lead->nchildren; k++) {
		if (g->child_count[k] < lead->children[k].min) {
			char msg[128];
			snprintf(
			    msg, sizeof msg, "needs at least %u %s record(s) after it; found %u",
			    lead->children[k].min, lead->children[k].record->id, g->child_count[k]);
			report_problem(m->rep, g->line, g->recno, lead->element, "%s", msg);
			m->writing = false;
		}
	}
	unsigned long save = m->line;
	m->line = g->line;
	counts_check_group(lead, g->image, g->child_count, count_mismatch, m);
	m->line = save;
	if (m->writing)
		xw_end(&m->out, 1, lead->element);
	g->lead = NULL;
}

static void open_group(struct mapper *m, const struct record *rec, unsigned long recno,
                       const char *line)
{
	struct group *g = &m->group;

	g->lead = rec;
	g->line = m->line;
	g->recno = recno;
	g->pos = 0;
	free(g->image);
	g->image = xmemdup(line, rec->length);
	free(g->child_count);
	g->child_count = xcalloc(rec->nchildren, sizeof *g->child_count);
}

/* Index of the child of the open group with this id, or -1. */
static long child_slot(const struct group *g, const char *line, size_t len)
{
	if (g->lead == NULL)
		return -1;
	for (size_t k = 0; k < g->lead->nchildren; k++)
		if (mapping_line_is(g->lead->children[k].record, line, len))
			return (long)k;
	return -1;
}

/* Checks a child's place in the group's order; true if it may stand here. */
static bool child_fits(struct mapper *m, size_t k, unsigned long recno)
{
	struct group *g = &m->group;
	const struct child *c = &g->lead->children[k];

	if (k < g->pos) {
		problem_at(m, c->record, recno, "comes after %s records; expected it before them",
		           g->lead->children[g->pos].record->id);
		return false;
	}
	g->pos = k;
	if (g->child_count[k] >= c->max) {
		problem_at(m, c->record, recno, "is one too many: at most %u per %s", c->max,
		           g->lead->id);
		return false;
	}
	g->child_count[k]++;
	return true;
}

static const char *printable_id(const char *line, size_t len, char *buf)
{
	struct field dummy = {.type = FIELD_TEXT};
	field_value_for_message(&dummy, line, len < 2 ? len : 2, buf, 16);
	return buf;
}

static void expected_ids(const struct mapper *m, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	if (m->group.lead)
		for (size_t k = 0; k < m->group.lead->nchildren && o < size; k++)
			o += (size_t)snprintf(buf + o, size - o, "%s ",
			                      m->group.lead->children[k].record->id);
	for (size_t i = 0; i < m->bt->nrecords && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s ", m->bt->records[i]->id);
	if (o < size && m->bt->trailer)
		snprintf(buf + o, size - o, "or trailer %s", m->bt->trailer->id);
}

static void map_line(struct mapper *m, const char *line, size_t len)
{
	const struct family *fam = m->fam;
	const struct record *rec = NULL;
	unsigned long recno = 0;
	unsigned depth = 1;
	char idbuf[16];
	long slot = -1;

	if (len > 0 && line[len - 1] == '\r') {
		problem_at(m, NULL, 0, "line ends with CR (a DOS line end); expected LF only");
		len--;
	}
	if (len < 2) {
		problem_at(m, NULL, 0, "line of %zu characters is too short for a record id", len);
		return;
	}
	if (!m->header_seen && m->bt->header) {
		m->header_seen = true;
		if (mapping_line_is(m->bt->header, line, len)) {
			rec = m->bt->header;
		} else {
			problem_at(m, NULL, 0,
			           "missing header: the first record is '%s'; expected header %s",
			           printable_id(line, len, idbuf), m->bt->header->id);
		}
	}
	if (rec == NULL && m->trailer_seen) {
		problem_at(m, NULL, 0,
		           "record '%s' after the trailer; expected the end of the file",
		           printable_id(line, len, idbuf));
		return;
	}
	if (rec == NULL && m->bt->trailer && mapping_line_is(m->bt->trailer, line, len)) {
		close_group(m);
		rec = m->bt->trailer;
		m->trailer_seen = true;
	}
	if (rec == NULL && (slot = child_slot(&m->group, line, len)) >= 0) {
		rec = m->group.lead->children[slot].record;
		depth = 2;
	}
	if (rec == NULL) {
		const struct record *r = mapping_batch_data_record(m->bt, line, len);
		if (r) {
			close_group(m);
			rec = r;
		} else {
			char want[256];
			expected_ids(m, want, sizeof want);
			problem_at(m, NULL, 0, "unknown record id '%s' here; expected %s",
			           printable_id(line, len, idbuf), want);
			return;
		}
	}
	if (rec != m->bt->header && rec != m->bt->trailer) {
		m->counts->records++;
		m->counts->by_record[record_index(fam, rec)]++;
		recno = m->counts->records;
	}
	if (len != rec->length) {
		problem_at(m, rec, recno, "is %zu characters long; expected %u (record %s)", len,
		           rec->length, rec->id);
		return;
	}
	if (slot >= 0 && !child_fits(m, (size_t)slot, recno))
		return;
	if (convert_fields(m, rec, recno, line) > 0)
		return;
	if (rec->nchildren > 0)
		open_group(m, rec, recno, line);
	if (!m->writing)
		return;
	xw_start(&m->out, depth, rec->element, NULL);
	write_fields(m, rec, depth + 1);
	if (rec->nchildren == 0)
		xw_end(&m->out, depth, rec->element);
}

/* The longest record of the family, and the room its XML values need
 * (FIELD_XML_MAX per field). */
static void family_sizes(const struct family *fam, size_t *longest, size_t *xml_room)
{
	*longest = *xml_room = 0;
	for (size_t i = 0; i < fam->nrecords; i++) {
		size_t len = fam->records[i].length;
		size_t room = 0;
		for (size_t k = 0; k < fam->records[i].nfields; k++)
			room += FIELD_XML_MAX(fam->records[i].fields[k].len);
		if (len > *longest)
			*longest = len;
		if (room > *xml_room)
			*xml_room = room;
	}
}

/* map_to_xml, and with sha256 the digest of what it wrote, hashed on the
 * way out (valid when it returns MAP_OK). */
static enum map_status map_file(const struct batch_type *bt, const char *input, const char *output,
                                bool test_env, struct report *rep, struct batch_counts *counts,
                                unsigned char sha256[DIGEST_SHA256_LEN])
{
	struct mapper m = {.bt = bt,
	                   .fam = bt->family,
	                   .rep = rep,
	                   .test_env = test_env,
	                   .counts = counts,
	                   .writing = output != NULL};
	struct line_reader lr;
	enum map_status status = MAP_OK;
	const char *line;
	size_t len, longest, xml_room;
	bool newline;
	char *trailer_image = NULL;
	int rc;

	family_sizes(m.fam, &longest, &xml_room);
	memset(counts, 0, sizeof *counts);
	counts->batch = bt;
	counts->nrecords = m.fam->nrecords;
	counts->by_record = xcalloc(m.fam->nrecords, sizeof *counts->by_record);
	if (lines_open(&lr, input, longest + LINE_SLACK) < 0) {
		fprintf(rep->out, "%s: cannot open: %s\n", input, strerror(errno));
		return MAP_NO_INPUT;
	}
	if (output && out_open(&m.out, output) < 0) {
		fprintf(rep->out, "%s: cannot create the output: %s\n", output, strerror(errno));
		lines_close(&lr);
		return MAP_IO_ERROR;
	}
	if (output == NULL) {
		/* Checking only: a failed output takes every write and keeps none. */
		memset(&m.out, 0, sizeof m.out);
		m.out.fd = -1;
		m.out.error = EBADF;
	} else if (sha256) {
		m.out.sha256 = digest_sha256_new();
	}
	m.xml = xmalloc(xml_room);
	m.xml_off = xcalloc(xml_room, sizeof *m.xml_off);
	m.xml_len = xcalloc(xml_room, sizeof *m.xml_len);
	xw_declaration(&m.out);
	xw_start(&m.out, 0, bt->element, m.fam->ns);
	while ((rc = lines_next(&lr, &line, &len, &newline)) > 0) {
		m.line = lr.lineno;
		if (len > lr.max_line) {
			/* Only the first max_line bytes are held: nothing to check. */
			m.header_seen = true;
			m.writing = false;
			m.unreadable_lines = true;
			report_problem(rep, m.line, 0, NULL,
			               "line is %zu characters long; no record of family %s is "
			               "longer than %zu",
			               len, m.fam->name, longest);
			continue;
		}
		bool was_trailer = m.trailer_seen;
		map_line(&m, line, len);
		if (!was_trailer && m.trailer_seen && len == bt->trailer->length) {
			trailer_image = xmemdup(line, len);
		}
		if (report_full(rep))
			break;
	}
	if (rc < 0) {
		fprintf(rep->out, "%s: read error: %s\n", input, strerror(lr.error));
		status = MAP_IO_ERROR;
	} else if (lr.lineno == 0) {
		report_problem(rep, 1, 0, NULL, "empty file; expected %s record %s",
		               bt->header ? "a header" : "a",
		               (bt->header ? bt->header : bt->records[0])->id);
	} else if (!report_full(rep)) {
		close_group(&m);
		if (!m.trailer_seen && bt->trailer) {
			report_problem(rep, m.line, 0, NULL,
			               "missing trailer: the file ends without a %s record",
			               bt->trailer->id);
		} else if (trailer_image && !m.unreadable_lines) {
			counts_check_trailer(bt->trailer, trailer_image, counts, count_mismatch,
			                     &m);
		}
	}
	xw_end(&m.out, 0, bt->element);
	if (status == MAP_OK && rep->count > 0)
		status = MAP_BAD_DATA;
	if (output == NULL) {
		; /* nothing was written */
	} else if (status == MAP_OK && out_commit(&m.out) < 0) {
		fprintf(rep->out, "%s: cannot write the output: %s\n", output, strerror(errno));
		status = MAP_IO_ERROR;
	} else if (status != MAP_OK) {
		out_abort(&m.out);
	}
	if (m.out.sha256) {
		unsigned char md[DIGEST_SHA256_LEN];
		digest_sha256_final(m.out.sha256, md); /* frees it */
		memcpy(sha256, md, sizeof md);
	}
	lines_close(&lr);
	free(trailer_image);
	free(m.group.image);
	free(m.group.child_count);
	free(m.xml);
	free(m.xml_off);
	free(m.xml_len);
	return status;
}

enum map_status map_to_xml(const struct batch_type *bt, const char *input, const char *output,
                           bool test_env, struct report *rep, struct batch_counts *counts)
{
	return map_file(bt, input, output, test_env, rep, counts, NULL);
}

enum map_status map_to_xml_hashed(const struct batch_type *bt, const char *input,
                                  const char *output, bool test_env, struct report *rep,
                                  struct batch_counts *counts, unsigned char sha256[32])
{
	return map_file(bt, input, output, test_env, rep, counts, sha256);
}

void batch_counts_describe(const struct batch_counts *c, const struct family *fam, char *buf,
                           size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->nrecords && o < size; i++)
		if (c->by_record[i])
			o += (size_t)snprintf(buf + o, size - o, "%s%s %lu", o ? ", " : "",
			                      fam->records[i].id, c->by_record[i]);
}

void batch_counts_free(struct batch_counts *c)
{
	free(c->by_record);
	c->by_record = NULL;
}
