/*
 * xml_tree.h - a trusted XML file, validated, as a plain tree.
 *
 * Our own definition files (mappings, code lists, policy) are read the
 * careful way of xml_safe.h (whole, no network, no entities, no DOCTYPE),
 * validated against a schema, and handed out as elements only: no libxml2
 * type crosses this header, so the core can walk the tree.
 *
 * xml_schema_open() and xml_tree_read() return NULL after printing why to
 * 'errors' ("PATH:LINE: what" where there is a line); xml_tree_read() also
 * adds the number of problems to *problems.  Out of memory is fatal.
 * Call xml_safe_init() once before anything here.
 */
#ifndef CSGW_IO_XML_TREE_H
#define CSGW_IO_XML_TREE_H

#include <stdbool.h>
#include <stdio.h>

/* One element; text, comments and processing instructions are not in the
 * tree.  Everything is owned by the tree and freed with it. */
struct xml_elem {
	const char *name; /* the local name */
	long line;
	const char **attrs; /* name, value, name, value, ..., NULL */
	const char *text;   /* every text inside, children's too, in order */
	struct xml_elem *first_child, *next;
};

struct xml_schema;

struct xml_schema *xml_schema_open(const char *path, FILE *errors);
void xml_schema_close(struct xml_schema *);

/* The file at 'path', valid against 'schema' and with root element
 * 'root_name': its root element, or NULL (see above). */
struct xml_elem *xml_tree_read(const char *path, const struct xml_schema *, const char *root_name,
                               FILE *errors, int *problems);
/* Frees the whole tree: 'root' must be what xml_tree_read returned (or NULL). */
void xml_tree_free(struct xml_elem *root);

/* Whether 'e' is the element 'name'. */
bool xml_elem_is(const struct xml_elem *e, const char *name);
/* An attribute's value, or NULL when absent. */
const char *xml_elem_attr(const struct xml_elem *e, const char *name);

#endif
