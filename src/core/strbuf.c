#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

static char empty[1];

void strbuf_init(struct strbuf *sb)
{
	sb->buf = empty;
	sb->len = 0;
	sb->cap = 0;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->cap)
		free(sb->buf);
	strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	size_t cap;

	if (need <= sb->cap)
		return;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	if (sb->cap) {
		sb->buf = xrealloc(sb->buf, cap);
	} else {
		sb->buf = xmalloc(cap);
		sb->buf[0] = '\0';
	}
	sb->cap = cap;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->cap)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->cap ? sb->cap - sb->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if (sb->len + (size_t)n + 1 > sb->cap) {
		strbuf_grow(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	}
	strbuf_setlen(sb, sb->len + (size_t)n);
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

/* Writes the digits of v so that they end at end; returns where they start. */
static char *u64_digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void strbuf_add_u64(struct strbuf *sb, uint64_t v)
{
	char buf[20], *p = u64_digits(buf + sizeof(buf), v);

	strbuf_add(sb, p, (size_t)(buf + sizeof(buf) - p));
}

void strbuf_add_i64(struct strbuf *sb, int64_t v)
{
	/* 0 - (uint64_t)v: the magnitude, also of INT64_MIN */
	if (v < 0)
		strbuf_addc(sb, '-');
	strbuf_add_u64(sb, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

void strbuf_add_u64_pad(struct strbuf *sb, uint64_t v, int width)
{
	char buf[20], *p = u64_digits(buf + sizeof(buf), v);
	size_t n = (size_t)(buf + sizeof(buf) - p);

	if (width > 0 && (size_t)width > n) {
		size_t zeros = (size_t)width - n;

		strbuf_grow(sb, zeros + n);
		memset(sb->buf + sb->len, '0', zeros);
		sb->len += zeros;
	}
	strbuf_add(sb, p, n);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *p;

	strbuf_grow(sb, 0);
	p = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb);
	return p;
}
