/*
 * xml_tree.c - a trusted XML file, validated, as a plain tree (xml_tree.h).
 *
 * The file is read and validated by xml_safe.c; the libxml2 tree is then
 * copied, elements only, and freed.  The copy lives in a few large blocks
 * freed together: every csgw command reads its definition files at start,
 * and one allocation per name, value and text made that start cost more
 * than a small batch's whole parse.
 */
#include "io/xml_tree.h"

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "io/xml_safe.h"
#include "util/alloc.h"

struct xml_schema {
	xmlSchemaPtr schema;
};

struct xml_schema *xml_schema_open(const char *path, FILE *errors)
{
	xmlSchemaPtr schema = xml_load_schema(path, errors);
	struct xml_schema *s;

	if (schema == NULL)
		return NULL;
	s = xmalloc(sizeof *s);
	s->schema = schema;
	return s;
}

void xml_schema_close(struct xml_schema *s)
{
	if (s == NULL)
		return;
	xmlSchemaFree(s->schema);
	free(s);
}

#define BLOCK_SIZE (32 * 1024)

struct block {
	struct block *next;
	size_t used, size;
	max_align_t data[];
};

/* The root comes first, so xml_tree_free finds the blocks from it. */
struct tree {
	struct xml_elem root;
	struct block *blocks;
};

static void *take(struct tree *t, size_t n)
{
	struct block *b = t->blocks;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (b == NULL || b->size - b->used < n) {
		size_t size = n > BLOCK_SIZE ? n : BLOCK_SIZE;
		b = xmalloc(sizeof *b + size);
		b->used = 0;
		b->size = size;
		b->next = t->blocks;
		t->blocks = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

static const char *keep(struct tree *t, const char *s, size_t len)
{
	char *p = take(t, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* The text and CDATA nodes of 'first' and its siblings, joined, with the
 * texts already gathered for the element children ('child' onwards) in
 * their places.  Writes to 'out' when it is not NULL; the length. */
static size_t gather_text(const xmlNode *first, const struct xml_elem *child, char *out)
{
	size_t len = 0;

	for (const xmlNode *c = first; c; c = c->next) {
		const char *piece = NULL;
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
			piece = (const char *)c->content;
		else if (c->type == XML_ELEMENT_NODE) {
			piece = child->text;
			child = child->next;
		}
		size_t n = piece ? strlen(piece) : 0;
		if (out && n > 0)
			memcpy(out + len, piece, n);
		len += n;
	}
	return len;
}

static const char *join_text(struct tree *t, const xmlNode *first, const struct xml_elem *child)
{
	char *text = take(t, gather_text(first, child, NULL) + 1);
	text[gather_text(first, child, text)] = '\0';
	return text;
}

static void copy_elem(struct tree *t, const xmlNode *n, struct xml_elem *e)
{
	struct xml_elem **tail = &e->first_child;
	size_t nattrs = 0, i = 0;

	e->name = keep(t, (const char *)n->name, strlen((const char *)n->name));
	e->line = xmlGetLineNo(n);
	for (const xmlAttr *a = n->properties; a; a = a->next)
		nattrs++;
	const char **attrs = take(t, (2 * nattrs + 1) * sizeof *attrs);
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		attrs[i++] = keep(t, (const char *)a->name, strlen((const char *)a->name));
		attrs[i++] = join_text(t, a->children, NULL);
	}
	attrs[i] = NULL;
	e->attrs = attrs;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		struct xml_elem *child = take(t, sizeof *child);
		memset(child, 0, sizeof *child);
		copy_elem(t, c, child);
		*tail = child;
		tail = &child->next;
	}
	e->text = join_text(t, n->children, e->first_child);
}

struct xml_elem *xml_tree_read(const char *path, const struct xml_schema *schema,
                               const char *root_name, FILE *errors, int *problems)
{
	xmlDocPtr doc = xml_read_valid_file(path, schema->schema, root_name, errors, problems);

	if (doc == NULL)
		return NULL;
	struct tree *t = xcalloc(1, sizeof *t);
	copy_elem(t, xmlDocGetRootElement(doc), &t->root);
	xmlFreeDoc(doc);
	return &t->root;
}

void xml_tree_free(struct xml_elem *root)
{
	struct tree *t = (struct tree *)root;

	if (t == NULL)
		return;
	for (struct block *b = t->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(t);
}

bool xml_elem_is(const struct xml_elem *e, const char *name)
{
	return e && strcmp(e->name, name) == 0;
}

const char *xml_elem_attr(const struct xml_elem *e, const char *name)
{
	for (size_t i = 0; e->attrs[i]; i += 2)
		if (strcmp(e->attrs[i], name) == 0)
			return e->attrs[i + 1];
	return NULL;
}
