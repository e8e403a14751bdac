/*
 * sax_floor.c - the floor for 'make bench': a bare streaming parse.
 *
 * usage: sax_floor FILE
 *
 * Feeds FILE in 256 KiB read(2) chunks to a libxml2 SAX2 push parser whose
 * handlers only count elements and character bytes: the cost of parsing the
 * XML and nothing else (no tree, no schema, no checks). Prints the counts;
 * exits 0 if the document is well-formed, 1 if not, 2 on usage or I/O error.
 *
 * Built by tests/bench/run.sh with
 *   cc -O2 sax_floor.c $(pkg-config --cflags --libs libxml-2.0)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#define CHUNK (256 * 1024)

struct counts {
	unsigned long long starts;
	unsigned long long ends;
	unsigned long long char_calls;
	unsigned long long char_bytes;
	unsigned long long errors;
};

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attributes)
{
	(void)localname;
	(void)prefix;
	(void)uri;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_attributes;
	(void)nb_defaulted;
	(void)attributes;
	((struct counts *)ctx)->starts++;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	(void)localname;
	(void)prefix;
	(void)uri;
	((struct counts *)ctx)->ends++;
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct counts *c = ctx;
	(void)ch;
	c->char_calls++;
	c->char_bytes += (unsigned long long)len;
}

/* Says what is wrong (the first few errors only); any error fails the run. */
static void on_error(void *ctx, xmlErrorPtr err)
{
	struct counts *c = ctx;
	if (c->errors++ < 5 && err != NULL)
		fprintf(stderr, "sax_floor: %s:%d: %s", err->file ? err->file : "?", err->line,
		        err->message ? err->message : "error\n");
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	struct counts counts;
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	ssize_t n;
	int fd, rc, wellformed;

	if (argc != 2) {
		fprintf(stderr, "usage: sax_floor FILE\n");
		return 2;
	}
	LIBXML_TEST_VERSION

	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "sax_floor: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}

	memset(&counts, 0, sizeof counts);
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	sax.serror = on_error;

	/* The first bytes let libxml2 detect the encoding. */
	n = read(fd, buf, 4);
	if (n < 0) {
		fprintf(stderr, "sax_floor: %s: %s\n", argv[1], strerror(errno));
		close(fd);
		return 2;
	}
	ctxt = xmlCreatePushParserCtxt(&sax, &counts, buf, (int)n, argv[1]);
	if (ctxt == NULL) {
		fprintf(stderr, "sax_floor: cannot create the push parser\n");
		close(fd);
		return 2;
	}
	/* Big text nodes are fine; no network, no entity expansion surprises. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_HUGE);

	rc = 0;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		rc = xmlParseChunk(ctxt, buf, (int)n, 0);
		if (rc != 0)
			break;
	}
	if (n < 0) {
		fprintf(stderr, "sax_floor: %s: %s\n", argv[1], strerror(errno));
		xmlFreeParserCtxt(ctxt);
		close(fd);
		return 2;
	}
	if (rc == 0)
		rc = xmlParseChunk(ctxt, NULL, 0, 1);
	wellformed = ctxt->wellFormed && rc == 0 && counts.errors == 0;
	xmlFreeParserCtxt(ctxt);
	close(fd);
	xmlCleanupParser();

	printf("sax_floor: %s: %llu start, %llu end, %llu characters calls, %llu text bytes%s\n",
	       argv[1], counts.starts, counts.ends, counts.char_calls, counts.char_bytes,
	       wellformed ? "" : " (NOT well-formed)");
	return wellformed ? 0 : 1;
}
