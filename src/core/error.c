#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/strbuf.h"

static _Thread_local struct strbuf msg = { NULL, 0, 0 };

static void print_warning(void *ctx, const char *m)
{
	(void)ctx;
	fprintf(stderr, "imscan: warning: %s\n", m);
}

static warning_fn warn_fn = print_warning;
static void *warn_ctx;

static struct strbuf *current(void)
{
	if (!msg.buf)
		strbuf_init(&msg);
	return &msg;
}

int error(const char *fmt, ...)
{
	struct strbuf *sb = current();
	va_list ap;

	strbuf_reset(sb);
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return -1;
}

int error_prefix(const char *fmt, ...)
{
	struct strbuf *sb = current();
	struct strbuf tmp;
	va_list ap;

	strbuf_init(&tmp);
	va_start(ap, fmt);
	strbuf_vaddf(&tmp, fmt, ap);
	va_end(ap);
	strbuf_adds(&tmp, ": ");
	strbuf_add(&tmp, sb->buf, sb->len);
	strbuf_release(sb);
	*sb = tmp;
	return -1;
}

const char *error_last(void)
{
	return current()->buf;
}

void error_clear(void)
{
	strbuf_reset(current());
}

void error_thread_release(void)
{
	if (msg.buf)
		strbuf_release(&msg);
	msg.buf = NULL;
}

void warning(const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;

	strbuf_init(&sb);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	warn_fn(warn_ctx, sb.buf);
	strbuf_release(&sb);
}

void warning_set_handler(warning_fn fn, void *ctx)
{
	warn_fn = fn ? fn : print_warning;
	warn_ctx = fn ? ctx : NULL;
}
