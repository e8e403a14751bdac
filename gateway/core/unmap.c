/*
 * unmap.c - read an XML batch as a stream, check it, give back fixed width.
 *
 * A small state machine over the SAX events of io/xml_safe.c.  Each open
 * element is a frame: the batch root, a record (whose content is a sequence
 * of field elements then child records, as the XSD's xs:sequence), a leaf
 * field, or an unknown subtree being skipped after its problem was reported.
 * Memory is a few frames and one record image, whatever the file's size.
 */
#include "core/unmap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/counts.h"
#include "core/field.h"
#include "io/fs.h"
#include "io/xml_safe.h"
#include "util/alloc.h"

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define MAX_FRAMES 8
/* A leaf holds at most a few dozen characters; more is hostile. */
#define MAX_LEAF_TEXT 4096
#define MAX_TEXT_RUN (1024 * 1024)

/* One item of a record's content model: a field or a child record. */
struct particle {
	const char *name;
	const char *seen; /* the parser's interned copy of name, once met */
	unsigned min, max;
	const struct field *field;
	const struct record *child;
	size_t child_index;
};

struct model {
	struct particle *p;
	size_t n;
};

enum frame_kind { FRAME_ROOT, FRAME_RECORD, FRAME_LEAF, FRAME_SKIP };

struct frame {
	enum frame_kind kind;
	const struct record *rec;
	const struct field *field;
	size_t pos;   /* content model position */
	unsigned cnt; /* occurrences at pos */
	char *image;  /* fixed-width image of a record */
	bool emitted, bad, text_reported;
	unsigned long line, recno;
	unsigned *child_count;
	unsigned skip_depth;
};

struct reader {
	const struct mapping_set *set;
	const struct family *fam;
	const struct batch_type *bt;
	struct model *models; /* per family record */
	bool test_env;
	struct report *rep;
	unmap_line_fn emit;
	void *emit_ctx;
	struct batch_counts *counts;
	struct frame stack[MAX_FRAMES];
	/* Record images and child counts, one per nesting level, reused. */
	char *images[MAX_FRAMES];
	unsigned *child_counts[MAX_FRAMES];
	const char *ns_seen; /* the parser's interned copy of the namespace */
	int top;             /* index of the innermost frame, -1 before the root */
	char text[MAX_LEAF_TEXT];
	size_t text_len, text_run;
	bool text_overflow;
	unsigned long line;
	bool header_done, trailer_done, stopped;
	bool write_failed;                /* emit failed: an I/O error, not a data problem */
	unsigned long max_lines, emitted; /* unmap_limits.max_lines, lines given so far */
};

static size_t rec_index(const struct reader *r, const struct record *rec)
{
	return (size_t)(rec - r->fam->records);
}

static void compile_models(struct reader *r)
{
	const struct family *fam = r->fam;

	r->models = xcalloc(fam->nrecords, sizeof *r->models);
	for (size_t i = 0; i < fam->nrecords; i++) {
		const struct record *rec = &fam->records[i];
		struct model *m = &r->models[i];
		m->p = xcalloc(rec->nfields + rec->nchildren, sizeof *m->p);
		for (size_t k = 0; k < rec->nfields; k++) {
			const struct field *f = &rec->fields[k];
			if (f->name == NULL)
				continue;
			m->p[m->n++] = (struct particle){
			    .name = f->name, .min = f->required, .max = 1, .field = f};
		}
		for (size_t k = 0; k < rec->nchildren; k++) {
			const struct child *c = &rec->children[k];
			m->p[m->n++] = (struct particle){.name = c->record->element,
			                                 .min = c->min,
			                                 .max = c->max,
			                                 .child = c->record,
			                                 .child_index = k};
		}
	}
}

static void free_models(struct reader *r)
{
	if (r->models == NULL)
		return;
	for (size_t i = 0; i < r->fam->nrecords; i++)
		free(r->models[i].p);
	free(r->models);
}

static struct frame *top(struct reader *r)
{
	return &r->stack[r->top];
}

/* The record frame a problem belongs to, for its number and element. */
static const struct frame *record_frame(const struct reader *r)
{
	for (int i = r->top; i >= 0; i--)
		if (r->stack[i].kind == FRAME_RECORD)
			return &r->stack[i];
	return NULL;
}

__attribute__((format(printf, 3, 4))) static void problem(struct reader *r, unsigned long line,
                                                          const char *fmt, ...)
{
	const struct frame *rf = record_frame(r);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (int i = r->top; i >= 0; i--)
		if (r->stack[i].kind == FRAME_RECORD)
			r->stack[i].bad = true;
	report_problem(r->rep, line, rf ? rf->recno : 0, rf ? rf->rec->element : NULL, "%s", msg);
}

static int full(const struct reader *r)
{
	return report_full(r->rep) || r->stopped;
}

static struct frame *push(struct reader *r, enum frame_kind kind, unsigned long line)
{
	struct frame *f = &r->stack[++r->top];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->line = line;
	return f;
}

static void push_record(struct reader *r, const struct record *rec, unsigned long line,
                        bool is_data)
{
	struct frame *f = push(r, FRAME_RECORD, line);

	f->rec = rec;
	f->image = r->images[r->top];
	memset(f->image, ' ', rec->length);
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].type == FIELD_LITERAL)
			memcpy(f->image + rec->fields[i].at - 1, rec->fields[i].literal,
			       rec->fields[i].len);
	f->child_count = r->child_counts[r->top];
	memset(f->child_count, 0, rec->nchildren * sizeof *f->child_count);
	if (is_data) {
		r->counts->records++;
		r->counts->by_record[rec_index(r, rec)]++;
		f->recno = r->counts->records;
	}
}

static int emit(struct reader *r, struct frame *f)
{
	if (f->emitted || f->bad || r->emit == NULL || r->rep->count > 0)
		return 0;
	f->emitted = true;
	if (r->max_lines && r->emitted >= r->max_lines)
		return 0;
	r->emitted++;
	return r->emit(r->emit_ctx, f->image, f->rec->length);
}

/* "a, b or c": the elements that may come at this point of a record. */
static void expected_here(const struct model *m, size_t pos, unsigned cnt, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = pos; i < m->n && o + 1 < size; i++) {
		if (i == pos && cnt >= m->p[i].max)
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s<%s>", o ? ", " : "", m->p[i].name);
		if (m->p[i].min > (i == pos ? cnt : 0))
			return;
	}
	if (o + 1 < size)
		snprintf(buf + o, size - o, "%sthe end of the record", o ? " or " : "");
}

/* Checks the attributes of an element; returns its xsi:type, if any, to be
 * checked once the element's declared type is known (check_xsi_type). */
static const struct xml_attr *check_attrs(struct reader *r, unsigned long line, const char *local,
                                          const struct xml_attr *attrs, int nattrs)
{
	const struct xml_attr *xsi_type = NULL;

	for (int i = 0; i < nattrs; i++) {
		bool xsi = attrs[i].ns && strcmp(attrs[i].ns, XSI_NS) == 0;
		/* xmllint ignores these schema location hints too. */
		if (xsi && (strcmp(attrs[i].local, "schemaLocation") == 0 ||
		            strcmp(attrs[i].local, "noNamespaceSchemaLocation") == 0))
			continue;
		if (xsi && strcmp(attrs[i].local, "type") == 0) {
			xsi_type = &attrs[i];
			continue;
		}
		problem(r, line,
		        "<%s>: attribute '%s' is not allowed (csgw batches carry no attributes)",
		        local, attrs[i].local);
	}
	return xsi_type;
}

/* The name the generated XSD gives the type of the innermost element, or
 * NULL when its type is anonymous (xsd.c names them the same way). */
static const char *declared_type(const struct frame *f, char *buf, size_t size)
{
	if (f->kind == FRAME_RECORD) {
		snprintf(buf, size, "record-%s", f->rec->id);
		return buf;
	}
	if (f->kind != FRAME_LEAF)
		return NULL;
	switch (f->field->type) {
	case FIELD_SSN:
		return "ssn";
	case FIELD_DATE:
		return "date";
	case FIELD_CODE:
		snprintf(buf, size, "code-%s", f->field->codes->name);
		return buf;
	default:
		return NULL;
	}
}

/* XML Schema lets xsi:type name the element's own declared type (no type
 * here derives from another), so that alone is accepted, as xmllint does. */
static void check_xsi_type(struct reader *r, unsigned long line, const char *local,
                           const struct xml_attr *xsi_type)
{
	char buf[128];
	const char *want;

	if (xsi_type == NULL || r->top < 0 || top(r)->kind == FRAME_SKIP)
		return;
	want = declared_type(top(r), buf, sizeof buf);
	if (want && xsi_type->qname_ns && strcmp(xsi_type->qname_ns, r->fam->ns) == 0 &&
	    strcmp(xsi_type->qname_local, want) == 0)
		return;
	problem(r, line, "<%s>: xsi:type '%.*s' is not its declared type%s%s", local,
	        (int)xsi_type->value_len, xsi_type->value, want ? " " : " (anonymous)",
	        want ? want : "");
}

static void start_root(struct reader *r, unsigned long line, const char *local, const char *ns)
{
	const struct family *fam = ns ? mapping_family_by_ns(r->set, ns) : NULL;
	char known[512];
	size_t o = 0;

	for (size_t i = 0; i < r->set->nfamilies && o < sizeof known; i++)
		o += (size_t)snprintf(known + o, sizeof known - o, "%s%s", i ? ", " : "",
		                      r->set->families[i].ns);
	if (fam == NULL) {
		problem(r, line,
		        "root element <%s> is in namespace '%s', which is no csgw family's; "
		        "expected one of: %s",
		        local, ns ? ns : "(none)", known);
		r->stopped = true;
		return;
	}
	r->fam = fam;
	r->bt = mapping_batch_by_element(fam, local);
	if (r->bt == NULL) {
		problem(r, line, "root element <%s> is not a batch of family %s", local, fam->name);
		r->stopped = true;
		return;
	}
	r->counts->batch = r->bt;
	r->counts->nrecords = fam->nrecords;
	r->counts->by_record = xcalloc(fam->nrecords, sizeof *r->counts->by_record);
	compile_models(r);
	size_t longest = 1, children = 1;
	for (size_t i = 0; i < fam->nrecords; i++) {
		if (fam->records[i].length > longest)
			longest = fam->records[i].length;
		if (fam->records[i].nchildren > children)
			children = fam->records[i].nchildren;
	}
	for (int i = 0; i < MAX_FRAMES; i++) {
		r->images[i] = xmalloc(longest);
		r->child_counts[i] = xcalloc(children, sizeof *r->child_counts[i]);
	}
	push(r, FRAME_ROOT, line);
}

static const struct record *body_record(const struct batch_type *bt, const char *local)
{
	for (size_t i = 0; i < bt->nrecords; i++)
		if (strcmp(bt->records[i]->element, local) == 0)
			return bt->records[i];
	return NULL;
}

static void start_in_root(struct reader *r, unsigned long line, const char *local)
{
	const struct batch_type *bt = r->bt;
	const struct record *rec;

	if (r->trailer_done) {
		problem(r, line, "<%s> after the trailer; expected the end of the batch", local);
		push(r, FRAME_SKIP, line);
		return;
	}
	if (!r->header_done && bt->header) {
		r->header_done = true;
		if (strcmp(local, bt->header->element) == 0) {
			push_record(r, bt->header, line, false);
			return;
		}
		problem(r, line, "missing <%s>: the batch must start with its header",
		        bt->header->element);
	}
	if ((rec = body_record(bt, local)) != NULL) {
		push_record(r, rec, line, true);
	} else if (bt->trailer && strcmp(local, bt->trailer->element) == 0) {
		r->trailer_done = true;
		push_record(r, bt->trailer, line, false);
	} else {
		char want[256];
		size_t o = 0;
		for (size_t i = 0; i < bt->nrecords && o < sizeof want; i++)
			o += (size_t)snprintf(want + o, sizeof want - o, "<%s>, ",
			                      bt->records[i]->element);
		if (o >= 2 && o < sizeof want && bt->trailer == NULL)
			want[o - 2] = '\0'; /* no trailer to name last */
		problem(r, line, "unexpected element <%s>; expected %s%s%s%s", local, want,
		        bt->trailer ? "or <" : "", bt->trailer ? bt->trailer->element : "",
		        bt->trailer ? ">" : "");
		push(r, FRAME_SKIP, line);
	}
}

/* The streaming reader (io/xml_safe.c) hands out element names and
 * namespaces interned in its parser's dictionary: once a name has matched,
 * comparing pointers is enough (the dictionary lives as long as the parse,
 * and so do the compiled models). */
static bool particle_is(struct particle *p, const char *local)
{
	if (p->seen == local)
		return true;
	if (strcmp(p->name, local) != 0)
		return false;
	p->seen = local;
	return true;
}

static bool in_family_ns(struct reader *r, const char *ns)
{
	if (ns != NULL && ns == r->ns_seen)
		return true;
	if (ns == NULL || strcmp(ns, r->fam->ns) != 0)
		return false;
	r->ns_seen = ns;
	return true;
}

static void start_in_record(struct reader *r, unsigned long line, const char *local)
{
	struct frame *f = top(r);
	struct model *m = &r->models[rec_index(r, f->rec)];
	size_t pos = f->pos;
	unsigned cnt = f->cnt;

	/* xs:sequence with unique names: walk forward past what may be left out. */
	while (pos < m->n) {
		struct particle *p = &m->p[pos];
		if (cnt < p->max && particle_is(p, local))
			break;
		pos++;
		cnt = 0;
	}
	if (pos >= m->n) {
		char want[256];
		expected_here(m, f->pos, f->cnt, want, sizeof want);
		problem(r, line, "unexpected element <%s>; expected %s", local, want);
		push(r, FRAME_SKIP, line);
		return;
	}
	/* Found further on: whatever required was passed over is missing.
	 * Reported once; checking goes on from the element found. */
	for (size_t i = f->pos; i < pos; i++) {
		unsigned have = i == f->pos ? f->cnt : 0;
		if (have >= m->p[i].min)
			continue;
		if (m->p[i].field)
			problem(r, line, "missing required field <%s> (expected before <%s>)",
			        m->p[i].name, local);
		else
			problem(r, line, "needs at least %u <%s> before <%s>; found %u",
			        m->p[i].min, m->p[i].name, local, have);
	}
	f->pos = pos;
	f->cnt = cnt + 1;
	const struct particle *p = &m->p[pos];
	if (p->field) {
		struct frame *leaf = push(r, FRAME_LEAF, line);
		leaf->field = p->field;
		r->text_len = 0;
		r->text_overflow = false;
		return;
	}
	/* The first child: the lead record's own line comes before it. */
	if (emit(r, f) != 0)
		r->stopped = r->write_failed = true;
	f->child_count[p->child_index]++;
	push_record(r, p->child, line, true);
}

static int on_start(void *ctx, long line, const char *local, const char *ns,
                    const struct xml_attr *attrs, int nattrs)
{
	struct reader *r = ctx;
	unsigned long ln = (unsigned long)line;

	r->line = ln;
	if (r->top >= 0 && top(r)->kind == FRAME_SKIP) {
		top(r)->skip_depth++;
		return 0;
	}
	r->text_run = 0;
	const struct xml_attr *xsi_type = check_attrs(r, ln, local, attrs, nattrs);
	if (r->top < 0) {
		start_root(r, ln, local, ns);
		check_xsi_type(r, ln, local, xsi_type);
		return full(r);
	}
	if (!in_family_ns(r, ns)) {
		problem(r, ln, "element <%s> is in namespace '%s'; expected '%s'", local,
		        ns ? ns : "(none)", r->fam->ns);
		push(r, FRAME_SKIP, ln);
		return full(r);
	}
	if (r->top + 2 >= MAX_FRAMES) {
		problem(r, ln, "elements nest deeper than any csgw batch");
		r->stopped = true;
		return 1;
	}
	switch (top(r)->kind) {
	case FRAME_ROOT:
		start_in_root(r, ln, local);
		break;
	case FRAME_RECORD:
		start_in_record(r, ln, local);
		break;
	case FRAME_LEAF:
		problem(r, ln, "element <%s> inside field <%s>; expected text only", local,
		        top(r)->field->name);
		push(r, FRAME_SKIP, ln);
		break;
	case FRAME_SKIP:
		break;
	}
	check_xsi_type(r, ln, local, xsi_type);
	return full(r);
}

static void end_leaf(struct reader *r, struct frame *leaf)
{
	struct frame *rf = &r->stack[r->top - 1];
	const struct field *f = leaf->field;
	struct field_error err;

	if (r->text_overflow) {
		problem(r, leaf->line,
		        "field %s: text is longer than %d bytes; expected at most %u characters",
		        f->name, MAX_LEAF_TEXT, f->len);
		return;
	}
	if (field_xml_to_fixed(f, r->text, r->text_len, r->test_env, rf->image + f->at - 1, &err) <
	    0) {
		char value[96];
		field_value_for_message(f, r->text, r->text_len, value, sizeof value);
		problem(r, leaf->line, "field %s: value '%s' %s", f->name, value, err.msg);
	}
}

/* A count the batch states that differs from what it holds; the record
 * being closed is the innermost frame. */
static void count_mismatch(void *ctx, const struct field *f, unsigned long said, unsigned long seen)
{
	struct reader *r = ctx;
	const struct frame *fr = top(r);

	problem(r, fr->line, "field %s says %lu; the %s holds %lu", f->name, said,
	        fr->rec == r->bt->trailer && r->top == 1 ? "batch" : "record", seen);
}

static void end_record(struct reader *r, struct frame *f, unsigned long line)
{
	const struct model *m = &r->models[rec_index(r, f->rec)];

	for (size_t i = f->pos; i < m->n; i++) {
		unsigned have = i == f->pos ? f->cnt : 0;
		if (have < m->p[i].min) {
			if (m->p[i].field)
				problem(r, line, "missing required field <%s>", m->p[i].name);
			else
				problem(r, line, "needs at least %u <%s>; found %u", m->p[i].min,
				        m->p[i].name, have);
		}
	}
	if (f->rec->has_counts)
		counts_check_group(f->rec, f->image, f->child_count, count_mismatch, r);
	if (f->rec == r->bt->trailer && r->top == 1)
		counts_check_trailer(f->rec, f->image, r->counts, count_mismatch, r);
	if (emit(r, f) != 0)
		r->stopped = r->write_failed = true;
}

static int on_end(void *ctx, long line)
{
	struct reader *r = ctx;
	struct frame *f = top(r);

	r->line = (unsigned long)line;
	if (f->kind == FRAME_SKIP && f->skip_depth > 0) {
		f->skip_depth--;
		return 0;
	}
	r->text_run = 0;
	switch (f->kind) {
	case FRAME_LEAF:
		end_leaf(r, f);
		break;
	case FRAME_RECORD:
		end_record(r, f, (unsigned long)line);
		break;
	case FRAME_ROOT:
		if (!r->header_done && r->bt->header)
			problem(r, (unsigned long)line,
			        "missing <%s>: the batch must start with its header",
			        r->bt->header->element);
		if (!r->trailer_done && r->bt->trailer)
			problem(r, (unsigned long)line,
			        "missing <%s>: the batch must end with its trailer",
			        r->bt->trailer->element);
		break;
	case FRAME_SKIP:
		break;
	}
	r->top--;
	return full(r);
}

static const bool xml_space[256] = {[' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true};

static bool xml_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!xml_space[(unsigned char)s[i]])
			return false;
	return true;
}

static int on_text(void *ctx, const char *s, size_t n)
{
	struct reader *r = ctx;
	struct frame *f = r->top >= 0 ? top(r) : NULL;

	r->text_run += n;
	if (r->text_run > MAX_TEXT_RUN) {
		problem(r, r->line, "a text node is longer than %d bytes; no csgw batch has one",
		        MAX_TEXT_RUN);
		r->stopped = true;
		return 1;
	}
	if (f == NULL || f->kind == FRAME_SKIP)
		return 0;
	if (f->kind == FRAME_LEAF) {
		if (r->text_len + n > sizeof r->text) {
			r->text_overflow = true;
			return 0;
		}
		memcpy(r->text + r->text_len, s, n);
		r->text_len += n;
		return 0;
	}
	if (!f->text_reported && !xml_blank(s, n)) {
		f->text_reported = true;
		problem(r, r->line,
		        "text is not allowed directly inside <%s>; expected elements only",
		        f->kind == FRAME_ROOT ? r->bt->element : f->rec->element);
	}
	return full(r);
}

static int on_cdata(void *ctx, const char *s, size_t n)
{
	struct reader *r = ctx;
	struct frame *f = r->top >= 0 ? top(r) : NULL;

	if (f && (f->kind == FRAME_ROOT || f->kind == FRAME_RECORD) && !f->text_reported) {
		f->text_reported = true;
		problem(
		    r, r->line,
		    "a CDATA section is not allowed directly inside <%s>; expected elements only",
		    f->kind == FRAME_ROOT ? r->bt->element : f->rec->element);
		return full(r);
	}
	return on_text(ctx, s, n);
}

static void on_error(void *ctx, long line, const char *msg)
{
	struct reader *r = ctx;
	report_problem(r->rep, (unsigned long)line, 0, NULL, "%s", msg);
}

enum map_status unmap_read(const struct mapping_set *set, const char *input, bool test_env,
                           const struct unmap_limits *lim, struct report *rep,
                           unmap_line_fn emit_fn, void *emit_ctx, struct batch_counts *counts)
{
	struct reader r = {.set = set,
	                   .test_env = test_env,
	                   .rep = rep,
	                   .emit = emit_fn,
	                   .emit_ctx = emit_ctx,
	                   .counts = counts,
	                   .max_lines = lim ? lim->max_lines : 0,
	                   .top = -1};
	struct xml_events ev = {.ctx = &r,
	                        .start = on_start,
	                        .end = on_end,
	                        .text = on_text,
	                        .cdata = on_cdata,
	                        .error = on_error};
	struct xml_limits xl = {.max_bytes = lim ? lim->max_bytes : 0,
	                        .max_depth = 64,
	                        .max_attrs = 16,
	                        .max_ns_decls = 64};
	unsigned long before = rep->count;

	memset(counts, 0, sizeof *counts);
	int rc = xml_stream_file(input, &ev, &xl);
	int err = errno;
	for (int i = 0; i < MAX_FRAMES; i++) {
		free(r.images[i]);
		free(r.child_counts[i]);
	}
	free_models(&r);
	if (rc == XML_STREAM_IO_ERROR) {
		/* Nothing parsed yet: the file could not be opened (or is a folder). */
		bool opened = rep->count > before || r.fam != NULL;
		fprintf(rep->out, "%s: %s: %s\n", input, opened ? "read error" : "cannot open",
		        strerror(err));
		return opened ? MAP_IO_ERROR : MAP_NO_INPUT;
	}
	if (r.write_failed)
		return MAP_IO_ERROR; /* the caller names the output */
	if (rc != 0 && rep->count == before)
		report_problem(rep, 0, 0, NULL, "stopped: not a complete XML document");
	return rep->count > before ? MAP_BAD_DATA : MAP_OK;
}

static int write_line(void *ctx, const char *line, size_t len)
{
	struct out_file *of = ctx;
	if (out_write(of, line, len) < 0 || out_write(of, "\n", 1) < 0)
		return -1;
	return 0;
}

enum map_status unmap_to_fixed(const struct mapping_set *set, const char *input, const char *output,
                               bool test_env, const struct unmap_limits *lim, struct report *rep,
                               struct batch_counts *counts)
{
	struct out_file of;
	enum map_status st;

	if (strcmp(input, "-") != 0 && access(input, R_OK) != 0) {
		fprintf(rep->out, "%s: cannot open: %s\n", input, strerror(errno));
		memset(counts, 0, sizeof *counts);
		return MAP_NO_INPUT;
	}
	if (out_open(&of, output) < 0) {
		fprintf(rep->out, "%s: cannot create the output: %s\n", output, strerror(errno));
		memset(counts, 0, sizeof *counts);
		return MAP_IO_ERROR;
	}
	st = unmap_read(set, input, test_env, lim, rep, write_line, &of, counts);
	if (of.error) {
		fprintf(rep->out, "%s: cannot write the output: %s\n", output, strerror(of.error));
		st = MAP_IO_ERROR;
	}
	if (st != MAP_OK) {
		out_abort(&of);
		return st;
	}
	if (out_commit(&of) < 0) {
		fprintf(rep->out, "%s: cannot write the output: %s\n", output, strerror(errno));
		return MAP_IO_ERROR;
	}
	return MAP_OK;
}
