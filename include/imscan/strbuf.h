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
#include <stdint.h>
#include <string.h>

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
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) IMSCAN_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_setlen(struct strbuf *sb, size_t len);
/*
 * Decimal numbers without printf, which event lines need many of: the
 * same bytes as "%" PRIu64 and "%" PRId64. The _pad form writes at least
 * width digits, zeros in front, as "%0*" PRIu64 does for width >= 0 (a
 * negative width counts as 0).
 */
void strbuf_add_u64(struct strbuf *sb, uint64_t v);
void strbuf_add_i64(struct strbuf *sb, int64_t v);
void strbuf_add_u64_pad(struct strbuf *sb, uint64_t v, int width);

/*
 * The appends are inline: an event line is some hundred of them, mostly
 * of constant strings, whose length and copy the compiler then works out
 * in place. A buffer that is reused has room for nearly all of them, so
 * the room test comes first and strbuf_grow() is the rare call.
 */
static inline void strbuf_add(struct strbuf *sb, const void *p, size_t n)
{
	if (sb->cap - sb->len <= n)
		strbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void strbuf_addc(struct strbuf *sb, char c)
{
	if (sb->cap - sb->len <= 1)
		strbuf_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

static inline void strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

/* Hands the buffer to the caller (caller frees) and re-initialises sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
