/*
 * xalloc.h - allocation that cannot fail quietly.
 *
 * Out of memory is not a condition imscan can report usefully from deep in
 * a scan, so these abort with a message. Sizes that come from input files
 * are bounded by their parsers before they reach here.
 */
#ifndef IMSCAN_XALLOC_H
#define IMSCAN_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
/* Aligned to align (a power of two, a multiple of sizeof(void *)); free()d. */
void *xaligned_alloc(size_t align, size_t n);

#endif
