/*
 * xml_writer.c - a streaming XML writer for csgw's batches.
 *
 * Deliberately small: csgw writes only elements and text (no attributes
 * besides the namespace, no mixed content), so a buffered emitter with
 * escaping over io/fs.c's atomic output file is all it needs; libxml2's
 * xmlTextWriter would add its own buffering in front of that file.
 * Memory stays one output buffer, whatever the batch size.
 */
#include "io/xml_writer.h"

#include <string.h>

static const char indent[] = "                                                                ";

static void put(struct out_file *of, const char *s, size_t n)
{
	out_write(of, s, n);
}

static void puts_(struct out_file *of, const char *s)
{
	out_write(of, s, strlen(s));
}

static void pad(struct out_file *of, unsigned depth)
{
	size_t n = (size_t)depth * 2;
	put(of, indent, n < sizeof indent - 1 ? n : sizeof indent - 1);
}

static void escaped(struct out_file *of, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		default:
			continue;
		}
		put(of, s + start, i - start);
		puts_(of, rep);
		start = i + 1;
	}
	put(of, s + start, n - start);
}

void xw_declaration(struct out_file *of)
{
	puts_(of, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
}

void xw_start(struct out_file *of, unsigned depth, const char *name, const char *ns)
{
	pad(of, depth);
	put(of, "<", 1);
	puts_(of, name);
	if (ns) {
		puts_(of, " xmlns=\"");
		escaped(of, ns, strlen(ns));
		put(of, "\"", 1);
	}
	put(of, ">\n", 2);
}

void xw_end(struct out_file *of, unsigned depth, const char *name)
{
	pad(of, depth);
	put(of, "</", 2);
	puts_(of, name);
	put(of, ">\n", 2);
}

void xw_leaf(struct out_file *of, unsigned depth, const char *name, const char *text, size_t len)
{
	pad(of, depth);
	put(of, "<", 1);
	puts_(of, name);
	put(of, ">", 1);
	escaped(of, text, len);
	put(of, "</", 2);
	puts_(of, name);
	put(of, ">\n", 2);
}
