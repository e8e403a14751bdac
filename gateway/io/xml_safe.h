/*
 * xml_safe.h - libxml2, used safely.
 *
 * Partner input is hostile: xml_stream_file() parses it with SAX2, in
 * chunks (memory does not grow with the file), with no DTD loading, no
 * entity substitution, no network, an external entity loader that refuses
 * everything, and caps on size and depth.  A DOCTYPE is rejected outright.
 *
 * Our own definition files and schemas are trusted but are read the same
 * careful way (no network, no entities), whole, with the tree API.
 *
 * Call xml_safe_init() once before anything else here.
 */
#ifndef CSGW_IO_XML_SAFE_H
#define CSGW_IO_XML_SAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

void xml_safe_init(void);

struct xml_attr {
	const char *local;
	const char *ns; /* NULL when not in a namespace */
	const char *value;
	size_t value_len;
	/* The value read as a QName (xsi:type): its local part and the
	 * namespace its prefix is bound to here; qname_ns is NULL when the
	 * prefix is not declared (or the value has no prefix and there is no
	 * default namespace). */
	const char *qname_local;
	const char *qname_ns;
};

/* Callbacks of the streaming reader.  Any of them returning non-zero stops
 * the parse; xml_stream_file() then returns -1. */
struct xml_events {
	void *ctx;
	int (*start)(void *ctx, long line, const char *local, const char *ns,
	             const struct xml_attr *attrs, int nattrs);
	int (*end)(void *ctx, long line);
	int (*text)(void *ctx, const char *s, size_t n);
	/* A CDATA section: text, but XSD refuses even a blank one where only
	 * elements may stand. */
	int (*cdata)(void *ctx, const char *s, size_t n);
	/* A well-formedness or limit error; the parse stops after it. */
	void (*error)(void *ctx, long line, const char *msg);
};

struct xml_limits {
	unsigned long long max_bytes; /* 0 = no limit */
	unsigned max_depth;
	unsigned max_attrs;
	unsigned max_ns_decls; /* namespace declarations in scope at once */
};

/* Streams the file at 'path' ("-" = standard input) through 'ev'.
 * Returns 0 when the document was well-formed and no callback stopped it,
 * -1 when it was not (reported through ev->error) or a callback stopped it,
 * XML_STREAM_IO_ERROR when the file could not be opened or read (errno set;
 * not a problem of the data, so not reported through ev->error). */
#define XML_STREAM_IO_ERROR (-2)
int xml_stream_file(const char *path, const struct xml_events *ev, const struct xml_limits *lim);

/* Trusted files (mappings, schemas): NULL after printing why to 'errors'.
 * The return values are libxml2 objects for the io layer only; the core
 * reads these files through xml_tree.h. */
struct _xmlNode;
struct _xmlDoc *xml_read_trusted_file(const char *path, FILE *errors);
struct _xmlSchema *xml_load_schema(const char *path, FILE *errors);

/* A trusted file read and validated against 'schema', with root element
 * 'root'; or NULL after printing each problem as "PATH:LINE: what" to
 * 'errors' and adding their number to *problems. */
struct _xmlDoc *xml_read_valid_file(const char *path, struct _xmlSchema *, const char *root,
                                    FILE *errors, int *problems);

/* Whether a node is the element 'name'. */
bool xml_node_is(const struct _xmlNode *, const char *name);

#endif
