/*
 * xml_tree.c - a trusted XML file, validated, as a plain tree (xml_tree.h).
 *
 * The file is read and validated by xml_safe.c; the libxml2 tree is then
 * copied, elements only, and freed.
 */
#include "io/xml_tree.h"

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
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

static struct xml_elem *copy_elem(const xmlNode *n)
{
	struct xml_elem *e = xcalloc(1, sizeof *e);
	struct xml_elem **tail = &e->first_child;
	size_t nattrs = 0, i = 0;

	e->name = xstrdup((const char *)n->name);
	e->line = xmlGetLineNo(n);
	for (const xmlAttr *a = n->properties; a; a = a->next)
		nattrs++;
	e->attrs = xcalloc(2 * nattrs + 1, sizeof *e->attrs);
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		char *v = xml_node_attr(n, (const char *)a->name);
		e->attrs[i++] = xstrdup((const char *)a->name);
		e->attrs[i++] = v ? v : xstrdup("");
	}
	xmlChar *text = xmlNodeGetContent(n);
	e->text = xstrdup(text ? (const char *)text : "");
	xmlFree(text);
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		*tail = copy_elem(c);
		tail = &(*tail)->next;
	}
	return e;
}

struct xml_elem *xml_tree_read(const char *path, const struct xml_schema *schema,
                               const char *root_name, FILE *errors, int *problems)
{
	xmlDocPtr doc = xml_read_valid_file(path, schema->schema, root_name, errors, problems);
	struct xml_elem *root;

	if (doc == NULL)
		return NULL;
	root = copy_elem(xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return root;
}

void xml_tree_free(struct xml_elem *e)
{
	while (e) {
		struct xml_elem *next = e->next;
		xml_tree_free(e->first_child);
		for (size_t i = 0; e->attrs[i]; i++)
			free((char *)e->attrs[i]);
		free(e->attrs);
		free((char *)e->name);
		free((char *)e->text);
		free(e);
		e = next;
	}
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
