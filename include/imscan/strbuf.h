/*
 * strbuf.h - a growable byte buffer, always NUL-terminated.
 *
 * Used wherever output or paths have no natural bound (deep trees, long
 * names): nothing in imscan uses a fixed PATH_MAX buffer. Allocation
 * failure aborts (xalloc.h): there is no useful recovery from ENOMEM.
 */
#ifndef IMSCAN_STRBUF_H
#define IMSCAN_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "imscan/error.h"

struct strbuf {
	char *buf;	/* NUL-terminated; never NULL after strbuf_init */
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);		/* len = 0, keeps memory */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *p, size_t n);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) IMSCAN_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Hands the buffer to the caller (caller frees) and re-initialises sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
