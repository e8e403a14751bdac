/*
 * test_xml_scan.c - the start-tag scan's quick paths against its states.
 *
 * io/xml_safe.c stops a start tag with more '=' than attributes allowed,
 * or longer than 64 KiB, before libxml2 sees it.  Most of a chunk is
 * passed over by quick paths (plain_stretch, whole_tag); the byte-by-byte
 * states are the reference.  Random documents, cut into random chunks,
 * must get the same verdict, at the same chunk, and leave the scan in the
 * same state after every chunk, either way.  The functions are static, so
 * the file is compiled into this test (its public symbols stand in for
 * the library's).
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/io/xml_safe.c"

/* The reference: nothing but the states, a step at a time. */
static const char *states_only(struct tag_scan *sc, const char *p, size_t n, unsigned max_equals)
{
	size_t i = 0;

	while (i < n) {
		const char *why = scan_step(sc, p, n, &i, max_equals);
		if (why)
			return why;
	}
	return NULL;
}

/* What of the scan's state the next chunk depends on. */
static void assert_same_state(const struct tag_scan *a, const struct tag_scan *b)
{
	assert_int_equal(a->state, b->state);
	if (a->state == SCAN_TAG || a->state == SCAN_QUOTE) {
		assert_int_equal(a->tag_bytes, b->tag_bytes);
		assert_int_equal(a->equals, b->equals);
	}
	if (a->state == SCAN_QUOTE)
		assert_int_equal(a->quote, b->quote);
	if (a->state == SCAN_BANG) {
		assert_int_equal(a->nbang, b->nbang);
		assert_memory_equal(a->bang, b->bang, a->nbang);
	}
	if (a->state == SCAN_UNTIL) {
		assert_string_equal(a->until, b->until);
		assert_int_equal(a->matched, b->matched);
	}
}

/* Both scans over doc cut at random (not cut when max_chunk > n); the
 * verdict (NULL: accepted). */
static const char *compare_scans(const char *doc, size_t n, size_t max_chunk, unsigned max_equals)
{
	struct tag_scan quick = {.state = SCAN_TEXT}, ref = {.state = SCAN_TEXT};

	for (size_t at = 0; at < n;) {
		size_t len = max_chunk > n ? n : 1 + (size_t)rand() % max_chunk;
		if (len > n - at)
			len = n - at;
		const char *a = scan_chunk(&quick, doc + at, len, max_equals);
		const char *b = states_only(&ref, doc + at, len, max_equals);
		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
			fprintf(stderr, "verdicts differ at %zu+%zu (%s / %s): %.*s\n", at, len,
			        a ? a : "accepted", b ? b : "accepted", (int)(n < 400 ? n : 400),
			        doc);
			fail();
		}
		if (a)
			return a;
		assert_same_state(&quick, &ref);
		at += len;
	}
	return NULL;
}

/* Pieces that move the scan between its states, and text around them. */
static const char *const pieces[] = {
    "<a>",         "</a>",      "<b c=\"1\">", "<b c='x>y'/>",
    "<d e=1 f=2>", "=",         "\"",          "'",
    ">",           "<",         "!",           "?",
    "<!--",        "-->",       "--->",        "<?pi",
    "?>",          "<![CDATA[", "]]>",         "]]]>",
    "<!DOCTYPE",   "text",      "O'BRIEN",     "A&amp;B",
    " ",           "\n",        "<x/>",        "</y >",
    "<z g='\"'>",  "-",         "]",           "/",
};

static size_t random_doc(char *doc, size_t size)
{
	size_t n = 0, count = 1 + (size_t)rand() % 40;

	for (size_t i = 0; i < count; i++) {
		const char *p = pieces[(size_t)rand() % (sizeof pieces / sizeof *pieces)];
		size_t len = strlen(p);
		if (n + len >= size)
			break;
		memcpy(doc + n, p, len);
		n += len;
	}
	doc[n] = '\0';
	return n;
}

static void quick_paths_agree_on_random_documents(void **state)
{
	char doc[512];
	unsigned refused = 0;

	(void)state;
	srand(19);
	for (int i = 0; i < 300000; i++) {
		size_t n = random_doc(doc, sizeof doc);
		unsigned max_equals = 1 + (unsigned)rand() % 4;
		size_t max_chunk = rand() % 4 ? 1 + (size_t)rand() % 24 : n + 1;
		refused += compare_scans(doc, n, max_chunk, max_equals) != NULL;
	}
	/* Both verdicts were exercised, or the comparison proves little. */
	assert_true(refused > 10000 && refused < 290000);
}

/* A document with one tag of 'len' bytes: with attributes whose values
 * hold quotes and '>' or none, and texts with or without quotes around. */
static size_t doc_with_tag(char *doc, size_t size, size_t len, bool attributes, bool quoted_text)
{
	static const char value[2][10] = {" k=\"v>'\"", " k='v\">w'"};
	size_t n = (size_t)snprintf(doc, size, "<r>%s<a>x</a>", quoted_text ? "it's " : "");
	size_t start = n;

	memcpy(doc + n, "<t", 2);
	n += 2;
	while (n - start + 1 < len) {
		if (attributes && n - start + sizeof value[0] < len && rand() % 200 == 0) {
			memcpy(doc + n, value[rand() % 2], sizeof value[0] - 1);
			n += sizeof value[0] - 1;
		} else {
			doc[n++] = 'q';
		}
	}
	doc[n++] = '>';
	n +=
	    (size_t)snprintf(doc + n, size - n, "</t><b>%s</b></r>", quoted_text ? "O'BRIEN" : "B");
	return n;
}

/* Tags on both sides of MAX_TAG_BYTES, in one chunk and cut at random. */
static void quick_paths_agree_at_the_length_limit(void **state)
{
	size_t size = 3 * MAX_TAG_BYTES;
	char *doc = malloc(size);
	unsigned refused = 0, runs = 0;

	(void)state;
	srand(64);
	for (size_t len = MAX_TAG_BYTES - 8; len <= MAX_TAG_BYTES + 600;
	     len += len < MAX_TAG_BYTES + 8 ? 1 : 50)
		for (int variant = 0; variant < 8; variant++) {
			size_t n = doc_with_tag(doc, size, len, variant & 1, variant & 2);
			size_t max_chunk = variant & 4 ? 1 + (size_t)rand() % 4096 : n + 1;
			refused += compare_scans(doc, n, max_chunk, 1000) != NULL;
			runs++;
		}
	free(doc);
	assert_true(refused > runs / 2 && refused < runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(quick_paths_agree_on_random_documents),
	    cmocka_unit_test(quick_paths_agree_at_the_length_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
