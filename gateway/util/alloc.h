/*
 * alloc.h - allocation that cannot fail.
 *
 * Out of memory is fatal: the process prints one line and exits 71
 * (EX_OSERR).  Nothing half-written survives that, because every output
 * file is committed by rename only after it is complete (io/fs.c).
 */
#ifndef CSGW_UTIL_ALLOC_H
#define CSGW_UTIL_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* n bytes copied as they are (NUL bytes included), plus a terminating NUL. */
char *xmemdup(const void *p, size_t n);
/* A new string, formatted as by printf. */
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);

#endif
