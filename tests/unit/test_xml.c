/*
 * test_xml.c - the mapping loader on the shipped definitions, the XML
 * writer, and the hardened streaming reader.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/map.h"
#include "core/mapping_load.h"
#include "core/unmap.h"
#include "core/unmap_ahead.h"
#include "io/digest.h"
#include "io/fs.h"
#include "io/xml_safe.h"
#include "io/xml_tree.h"
#include "io/xml_writer.h"

static struct mapping_set *set;

static int load(void **state)
{
	const char *dir = getenv("CSGW_MAPPINGS");
	(void)state;
	xml_safe_init();
	return mapping_load(dir ? dir : "mappings", &set, stderr);
}

static int unload(void **state)
{
	(void)state;
	mapping_free(set);
	return 0;
}

static char *read_all(const char *path)
{
	FILE *fp = fopen(path, "r");
	static char buf[65536];
	size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = '\0';
	return buf;
}

static void layouts_tile_and_resolve(void **state)
{
	(void)state;
	const struct batch_type *bt = mapping_batch(set, "ndnh-report");
	assert_non_null(bt);
	assert_string_equal(bt->family->ns, "urn:csgw:ndnh:v1");
	assert_string_equal(bt->header->id, "H4");
	assert_string_equal(bt->trailer->id, "T4");
	const struct record *w4 = mapping_record(bt->family, "W4");
	assert_non_null(w4);
	/* The public positions of DOMAIN.md section 4. */
	assert_int_equal(w4->fields[1].at, 3);
	assert_int_equal(w4->fields[1].type, FIELD_SSN);
	assert_string_equal(w4->fields[2].name, "firstName");
	assert_int_equal(w4->fields[2].at, 12);
	assert_true(w4->fields[1].categories & (1u << mapping_category_bit("ssn")));
	assert_true(w4->fields[1].categories & (1u << mapping_category_bit("ndnh")));
	/* Every record of every family tiles its length exactly. */
	for (size_t i = 0; i < set->nfamilies; i++) {
		const struct family *fam = &set->families[i];
		for (size_t r = 0; r < fam->nrecords; r++) {
			unsigned next = 1;
			for (size_t k = 0; k < fam->records[r].nfields; k++) {
				assert_int_equal(fam->records[r].fields[k].at, next);
				next += fam->records[r].fields[k].len;
			}
			assert_int_equal(next, fam->records[r].length + 1);
		}
	}
	const struct record *th = mapping_record(mapping_family(set, "referral"), "TH");
	assert_non_null(th);
	assert_true(th->nchildren > 0);
	assert_true(th->has_counts);
	assert_null(mapping_batch(set, "nosuch"));
	assert_null(mapping_family_by_ns(set, "urn:csgw:ndnh:v2"));
}

static void writer_escapes_and_indents(void **state)
{
	struct out_file of;
	char path[] = "/tmp/csgw-unit-writer.xml";

	(void)state;
	assert_int_equal(out_open(&of, path), 0);
	xw_declaration(&of);
	xw_start(&of, 0, "batch", "urn:x&y");
	xw_leaf(&of, 1, "name", "A&B <C> \"D\"", 11);
	xw_end(&of, 0, "batch");
	assert_int_equal(out_commit(&of), 0);
	assert_string_equal(read_all(path), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                                    "<batch xmlns=\"urn:x&amp;y\">\n"
	                                    "  <name>A&amp;B &lt;C&gt; &quot;D&quot;</name>\n"
	                                    "</batch>\n");
	unlink(path);
}

struct events_seen {
	int starts, ends;
	char text[256];
	size_t text_len;
	char error[256];
};

static int ev_start(void *ctx, long line, const char *local, const char *ns,
                    const struct xml_attr *attrs, int nattrs)
{
	struct events_seen *e = ctx;
	(void)line, (void)local, (void)ns, (void)attrs, (void)nattrs;
	e->starts++;
	return 0;
}

static int ev_end(void *ctx, long line)
{
	struct events_seen *e = ctx;
	(void)line;
	e->ends++;
	return 0;
}

static int ev_text(void *ctx, const char *s, size_t n)
{
	struct events_seen *e = ctx;
	if (e->text_len + n < sizeof e->text) {
		memcpy(e->text + e->text_len, s, n);
		e->text_len += n;
	}
	return 0;
}

static void ev_error(void *ctx, long line, const char *msg)
{
	struct events_seen *e = ctx;
	snprintf(e->error, sizeof e->error, "%ld: %s", line, msg);
}

static int stream_string(const char *doc, struct events_seen *seen)
{
	char path[] = "/tmp/csgw-unit-stream.xml";
	FILE *fp = fopen(path, "w");
	fputs(doc, fp);
	fclose(fp);
	memset(seen, 0, sizeof *seen);
	struct xml_events ev = {seen, ev_start, ev_end, ev_text, ev_text, ev_error};
	struct xml_limits lim = {
	    .max_bytes = 1 << 20, .max_depth = 8, .max_attrs = 4, .max_ns_decls = 8};
	int rc = xml_stream_file(path, &ev, &lim);
	unlink(path);
	return rc;
}

static void reader_streams_and_refuses(void **state)
{
	struct events_seen seen;

	(void)state;
	assert_int_equal(stream_string("<a><b>x&amp;y</b><![CDATA[z]]></a>", &seen), 0);
	assert_int_equal(seen.starts, 2);
	assert_int_equal(seen.ends, 2);
	assert_int_equal(seen.text_len, 4);
	assert_memory_equal(seen.text, "x&yz", 4);

	assert_int_equal(stream_string("<!DOCTYPE a [<!ENTITY e 'boom'>]><a>&e;</a>", &seen), -1);
	assert_non_null(strstr(seen.error, "DOCTYPE is not allowed"));
	assert_int_equal(seen.text_len, 0);

	assert_int_equal(stream_string("<a>&e;</a>", &seen), -1);
	assert_non_null(strstr(seen.error, "not well-formed"));

	assert_int_equal(
	    stream_string("<a><a><a><a><a><a><a><a><a></a></a></a></a></a></a></a></a></a>", &seen),
	    -1);
	assert_non_null(strstr(seen.error, "nest deeper than the limit"));

	assert_int_equal(stream_string("<a b='1' c='2' d='3' e='4' f='5'/>", &seen), -1);
	assert_non_null(strstr(seen.error, "more attributes than the limit"));

	assert_int_equal(
	    stream_string("<a xmlns:a='1' xmlns:b='2' xmlns:c='3' xmlns:d='4'><b xmlns:e='5' "
	                  "xmlns:f='6' xmlns:g='7' xmlns:h='8' xmlns:i='9'/></a>",
	                  &seen),
	    -1);
	assert_non_null(strstr(seen.error, "namespace declarations in scope than the limit"));

	assert_int_equal(stream_string("<a><b>", &seen), -1);
	assert_non_null(strstr(seen.error, "truncated"));
}

static size_t put(char *doc, size_t len, const char *s)
{
	memcpy(doc + len, s, strlen(s) + 1);
	return len + strlen(s);
}

/* "<a>" + plain elements up to about size bytes + "</a>", with 'bad' put in
 * at byte 'at': no quote, '!' or '?' anywhere, so the scan ahead of the
 * parser passes over whole stretches of it. */
static char *plain_doc(size_t size, size_t at, const char *bad)
{
	char *doc = malloc(size + (bad ? strlen(bad) : 0) + 64);
	size_t len = put(doc, 0, "<a>");

	while (len < size) {
		if (bad && len >= at) {
			len = put(doc, len, bad);
			bad = NULL;
		}
		len = put(doc, len, "<b>x</b>");
	}
	put(doc, len, "</a>");
	return doc;
}

/* The start-tag limits hold deep inside a large batch, in a chunk's middle
 * and across chunks (the reader reads 256 KiB at a time), however the scan
 * gets past the harmless parts. */
static void limits_hold_anywhere_in_a_large_batch(void **state)
{
	struct events_seen seen;
	size_t chunk = 256 * 1024;
	size_t places[] = {1000, chunk / 2, chunk - 3, chunk + 40000, 2 * chunk - 20000};
	char *long_tag = malloc(70 * 1024 + 8);
	const char *many_eq = "<c d=1 d=1 d=1 d=1 d=1 d=1 d=1 d=1 d=1 d=1 d=1 d=1 d=1/>";

	(void)state;
	memcpy(long_tag, "<c", 2);
	memset(long_tag + 2, 'q', 70 * 1024);
	memcpy(long_tag + 2 + 70 * 1024, "/>", 3);

	char *doc = plain_doc(3 * chunk, 0, NULL);
	assert_int_equal(stream_string(doc, &seen), 0);
	assert_true(seen.starts > 90000);
	free(doc);
	for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
		doc = plain_doc(3 * chunk, places[i], long_tag);
		assert_int_equal(stream_string(doc, &seen), -1);
		assert_non_null(strstr(seen.error, "longer than 64 KiB"));
		free(doc);
		doc = plain_doc(3 * chunk, places[i], many_eq);
		assert_int_equal(stream_string(doc, &seen), -1);
		assert_non_null(strstr(seen.error, "more attributes than the limit"));
		free(doc);
	}
	free(long_tag);
}

static int collect_line(void *ctx, const char *line, size_t len)
{
	FILE *fp = ctx;
	fwrite(line, 1, len, fp);
	fputc('\n', fp);
	return 0;
}

/* map then unmap in process: the lines come back as they were. */
static void map_then_unmap_gives_the_input(void **state)
{
	const char *top = getenv("CSGW_TOP");
	char in[512], out[] = "/tmp/csgw-unit-map.xml", back[] = "/tmp/csgw-unit-back.txt";
	struct report rep = {.out = stderr, .file = "x", .max = 10};
	struct batch_counts counts;

	(void)state;
	snprintf(in, sizeof in, "%s/tests/data/referral.txt", top ? top : ".");
	assert_int_equal(map_to_xml(mapping_batch(set, "referral"), in, out, true, &rep, &counts),
	                 MAP_OK);
	assert_int_equal(counts.records, 13); /* TH 3, CD 1, NI 1, NL 1, PT 2, SO 2, CL 2, IN 1 */
	batch_counts_free(&counts);
	FILE *fp = fopen(back, "w");
	assert_int_equal(unmap_read(set, out, true, NULL, &rep, collect_line, fp, &counts), MAP_OK);
	fclose(fp);
	assert_string_equal(counts.batch->name, "referral");
	batch_counts_free(&counts);
	char expected[65536];
	snprintf(expected, sizeof expected, "%s", read_all(in));
	assert_string_equal(read_all(back), expected);
	assert_int_equal(rep.count, 0);
	unlink(out);
	unlink(back);
}

/* The digest computed as the batch is written is the digest of the file. */
static void hashed_map_gives_the_file_digest(void **state)
{
	const char *top = getenv("CSGW_TOP");
	char in[512], out[] = "/tmp/csgw-unit-hashed.xml";
	struct report rep = {.out = stderr, .file = "x", .max = 10};
	struct batch_counts counts;
	unsigned char written[DIGEST_SHA256_LEN], read_back[DIGEST_SHA256_LEN];

	(void)state;
	snprintf(in, sizeof in, "%s/tests/data/ndnh-report.txt", top ? top : ".");
	assert_int_equal(map_to_xml_hashed(mapping_batch(set, "ndnh-report"), in, out, true, &rep,
	                                   &counts, written),
	                 MAP_OK);
	batch_counts_free(&counts);
	assert_int_equal(digest_file_sha256(out, read_back), 0);
	assert_memory_equal(written, read_back, sizeof written);
	unlink(out);
}

/* Lines as an emit callback sees them: all of them, in one text. */
struct seen_lines {
	FILE *out;
	char *text;
	size_t len;
	unsigned long n, refuse_at; /* refuse_at: the line to refuse (1-based), 0 none */
	const struct batch_counts *counts;
	bool batch_known; /* counts->batch was set for every line */
	bool slow;        /* a slow reader: the parser gets ahead by every block it may */
};

static int see_line(void *ctx, const char *line, size_t len)
{
	struct seen_lines *s = ctx;
	s->batch_known = s->batch_known && s->counts->batch != NULL;
	if (s->slow)
		usleep(100);
	if (++s->n == s->refuse_at)
		return -1;
	fwrite(line, 1, len, s->out);
	fputc('\n', s->out);
	return 0;
}

typedef enum map_status read_fn(const struct mapping_set *, const char *, bool,
                                const struct unmap_limits *, struct report *, unmap_line_fn, void *,
                                struct batch_counts *);

/* Reads 'path' with 'read' into s; its status, report count and records. */
static enum map_status read_with(read_fn *read, const char *path, unsigned long refuse_at,
                                 bool slow, struct seen_lines *s, unsigned long *problems,
                                 unsigned long *records)
{
	FILE *quiet = fopen("/dev/null", "w");
	struct report rep = {.out = quiet, .file = "x", .max = 10};
	struct batch_counts counts;

	*s = (struct seen_lines){
	    .refuse_at = refuse_at, .counts = &counts, .batch_known = true, .slow = slow};
	s->out = open_memstream(&s->text, &s->len);
	enum map_status st = read(set, path, true, NULL, &rep, see_line, s, &counts);
	fclose(s->out);
	fclose(quiet);
	*problems = rep.count;
	*records = counts.records;
	assert_true(s->n == 0 || counts.batch == mapping_batch(set, "ndnh-report"));
	batch_counts_free(&counts);
	return st;
}

/* The parse on its own thread gives the lines unmap_read gives, in order,
 * across many blocks; a refused line stops it at that line; bad data is
 * reported alike. */
static void read_ahead_gives_what_unmap_read_gives(void **state)
{
	const char *top = getenv("CSGW_TOP");
	char cmd[1024], txt[] = "/tmp/csgw-unit-ahead.txt", xml[] = "/tmp/csgw-unit-ahead.xml",
	                bad[] = "/tmp/csgw-unit-ahead-bad.xml";
	struct report rep = {.out = stderr, .file = "x", .max = 10};
	struct batch_counts counts;
	struct seen_lines a, b;
	unsigned long pa, pb, ra, rb;

	(void)state;
	snprintf(cmd, sizeof cmd, "%s/tests/bench/gen-ndnh.sh 5000 %s", top ? top : ".", txt);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(
	    map_to_xml(mapping_batch(set, "ndnh-report"), txt, xml, true, &rep, &counts), MAP_OK);
	batch_counts_free(&counts);

	assert_int_equal(read_with(unmap_read, xml, 0, false, &a, &pa, &ra), MAP_OK);
	assert_int_equal(read_with(unmap_read_ahead, xml, 0, true, &b, &pb, &rb), MAP_OK);
	assert_int_equal(a.n, 5002);
	assert_int_equal(b.n, a.n);
	assert_int_equal(rb, ra);
	assert_true(b.batch_known);
	assert_int_equal(b.len, a.len);
	assert_memory_equal(b.text, a.text, a.len);
	free(a.text);
	free(b.text);

	/* Refused half-way (past a few blocks): no line after it. */
	enum map_status sa = read_with(unmap_read, xml, 3001, false, &a, &pa, &ra);
	assert_int_equal(read_with(unmap_read_ahead, xml, 3001, false, &b, &pb, &rb), sa);
	assert_int_not_equal(sa, MAP_OK);
	assert_int_equal(a.n, 3001);
	assert_int_equal(b.n, 3001);
	assert_int_equal(b.len, a.len);
	assert_memory_equal(b.text, a.text, a.len);
	free(a.text);
	free(b.text);

	/* A bad SSN deep in the batch: the same problems either way. */
	snprintf(cmd, sizeof cmd, "sed '4000,$ s|<ssn>9|<ssn>X|' %s > %s", xml, bad);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(read_with(unmap_read, bad, 0, false, &a, &pa, &ra), MAP_BAD_DATA);
	assert_int_equal(read_with(unmap_read_ahead, bad, 0, false, &b, &pb, &rb), MAP_BAD_DATA);
	assert_int_equal(pb, pa);
	assert_true(pa > 0);
	assert_int_equal(b.n, a.n);
	assert_memory_equal(b.text, a.text, a.len);
	free(a.text);
	free(b.text);
	unlink(txt);
	unlink(xml);
	unlink(bad);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* A definition file's tree: an element's text is all text below it in
 * order (CDATA too, comments and PIs not), references are resolved in
 * texts and attribute values, lines are the elements' own. */
static void tree_keeps_texts_attributes_and_lines(void **state)
{
	(void)state;
	char dir[] = "/tmp/csgw-tree-XXXXXX", xsd[64], xml[64], bad[64];
	assert_non_null(mkdtemp(dir));
	snprintf(xsd, sizeof xsd, "%s/t.xsd", dir);
	snprintf(xml, sizeof xml, "%s/t.xml", dir);
	snprintf(bad, sizeof bad, "%s/bad.xml", dir);
	write_text(xsd, "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
	                "<xs:element name=\"top\"><xs:complexType mixed=\"true\">\n"
	                "<xs:sequence><xs:any processContents=\"skip\" minOccurs=\"0\"\n"
	                " maxOccurs=\"unbounded\"/></xs:sequence>\n"
	                "<xs:anyAttribute processContents=\"skip\"/>\n"
	                "</xs:complexType></xs:element></xs:schema>\n");
	write_text(xml, "<?xml version=\"1.0\"?>\n"
	                "<top a=\"1 &amp; 2\" b=\"&#65;B\">head<!-- not text -->"
	                "<one x=\"\">in <![CDATA[<raw>]]> one<two>deep</two></one>"
	                "<?pi not text?>tail\n"
	                "<three/>&lt;end</top>\n");
	write_text(bad, "<?xml version=\"1.0\"?>\n<other/>\n");

	char *out = NULL;
	size_t outlen = 0;
	FILE *errors = open_memstream(&out, &outlen);
	int problems = 0;
	struct xml_schema *schema = xml_schema_open(xsd, errors);
	assert_non_null(schema);
	struct xml_elem *top = xml_tree_read(xml, schema, "top", errors, &problems);
	assert_non_null(top);
	assert_int_equal(problems, 0);

	assert_true(xml_elem_is(top, "top"));
	assert_int_equal(top->line, 2);
	assert_string_equal(top->text, "headin <raw> onedeeptail\n<end");
	assert_string_equal(xml_elem_attr(top, "a"), "1 & 2");
	assert_string_equal(xml_elem_attr(top, "b"), "AB");
	assert_null(xml_elem_attr(top, "c"));
	const struct xml_elem *one = top->first_child;
	assert_true(xml_elem_is(one, "one"));
	assert_string_equal(one->text, "in <raw> onedeep");
	assert_string_equal(xml_elem_attr(one, "x"), "");
	assert_string_equal(one->first_child->text, "deep");
	assert_null(one->first_child->next);
	const struct xml_elem *three = one->next;
	assert_true(xml_elem_is(three, "three"));
	assert_int_equal(three->line, 3);
	assert_string_equal(three->text, "");
	assert_null(three->attrs[0]);
	assert_null(three->first_child);
	assert_null(three->next);
	xml_tree_free(top);

	assert_null(xml_tree_read(bad, schema, "top", errors, &problems));
	assert_true(problems > 0);
	xml_schema_close(schema);
	fclose(errors);
	assert_non_null(strstr(out, bad));
	free(out);
	unlink(xsd);
	unlink(xml);
	unlink(bad);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(layouts_tile_and_resolve),
	    cmocka_unit_test(writer_escapes_and_indents),
	    cmocka_unit_test(reader_streams_and_refuses),
	    cmocka_unit_test(limits_hold_anywhere_in_a_large_batch),
	    cmocka_unit_test(map_then_unmap_gives_the_input),
	    cmocka_unit_test(hashed_map_gives_the_file_digest),
	    cmocka_unit_test(read_ahead_gives_what_unmap_read_gives),
	    cmocka_unit_test(tree_keeps_texts_attributes_and_lines),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
