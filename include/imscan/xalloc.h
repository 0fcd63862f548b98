/*
 * xalloc.h - allocation that cannot fail quietly.
 *
 * Out of memory is not a condition imscan can report usefully from deep in
 * a scan, so these end the process with "imscan: out of memory ..." and
 * exit status 2 (trouble, as imscan(1) says), never an abort: a core dump
 * and 134 would hide the cause. Sizes that come from input files are
 * bounded by their parsers before they reach here.
 */
#ifndef IMSCAN_XALLOC_H
#define IMSCAN_XALLOC_H

#include <stddef.h>

/* The end of every failed allocation, also for libraries' own (n 0: unknown size). */
_Noreturn void xalloc_oom(size_t n);

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
