/*
 * xml_writer.h - a streaming XML writer for csgw's batches.
 *
 * Writes elements as they come, indented, into an out_file; memory does
 * not depend on the document.  Text is escaped.  Errors stick in the
 * out_file (see fs.h): check its result once, at commit.
 */
#ifndef CSGW_IO_XML_WRITER_H
#define CSGW_IO_XML_WRITER_H

#include <stddef.h>

#include "io/fs.h"

void xw_declaration(struct out_file *);
/* <name xmlns="ns">; ns may be NULL. */
void xw_start(struct out_file *, unsigned depth, const char *name, const char *ns);
void xw_end(struct out_file *, unsigned depth, const char *name);
void xw_leaf(struct out_file *, unsigned depth, const char *name, const char *text, size_t len);

#endif
