/* error.h: one message per thread, kept whole; warnings through one hook. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/strbuf.h"
#include "unit.h"

START_TEST(test_error_returns_and_keeps)
{
	ck_assert_str_eq(error_last(), "");	/* a fresh process has none */
	ck_assert_int_eq(error("cannot open '%s': %s", "x.json", "No such file or directory"), -1);
	ck_assert_str_eq(error_last(), "cannot open 'x.json': No such file or directory");
	/* Reading it does not clear it. */
	ck_assert_str_eq(error_last(), "cannot open 'x.json': No such file or directory");
	ck_assert_int_eq(error("second %d%%", 50), -1);
	ck_assert_str_eq(error_last(), "second 50%");	/* replaced, not appended */
	error_clear();
	ck_assert_str_eq(error_last(), "");
	ck_assert_int_eq(error("%s", ""), -1);
	ck_assert_str_eq(error_last(), "");
}
END_TEST

START_TEST(test_error_prefix)
{
	error("unknown field");
	ck_assert_int_eq(error_prefix("field \"%s\"", "x"), -1);
	ck_assert_int_eq(error_prefix("rule %d", 7), -1);
	ck_assert_int_eq(error_prefix("rules/x.json"), -1);
	ck_assert_str_eq(error_last(), "rules/x.json: rule 7: field \"x\": unknown field");
	/* On no message, the context alone. */
	error_clear();
	error_prefix("ctx");
	ck_assert_str_eq(error_last(), "ctx: ");
}
END_TEST

/* No truncation: a message as long as the path or input it quotes. */
START_TEST(test_error_long)
{
	enum { N = 100000 };
	char *big = malloc(N + 1);
	struct strbuf want;

	ck_assert_ptr_nonnull(big);
	for (int i = 0; i < N; i++)
		big[i] = (char)('a' + i % 26);
	big[N] = '\0';
	error("cannot open '%s': %s", big, "File name too long");
	strbuf_init(&want);
	strbuf_addf(&want, "cannot open '%s': File name too long", big);
	ck_assert_uint_eq(strlen(error_last()), want.len);
	ck_assert_str_eq(error_last(), want.buf);
	error_prefix("%s", big);
	ck_assert_uint_eq(strlen(error_last()), N + 2 + want.len);
	ck_assert_int_eq(strncmp(error_last(), big, N), 0);
	ck_assert_str_eq(error_last() + N + 2, want.buf);
	strbuf_release(&want);
	free(big);
}
END_TEST

static void *other_thread(void *arg)
{
	char *seen = malloc(64);

	(void)arg;
	snprintf(seen, 64, "[%s]", error_last());	/* not the main thread's */
	error("in the thread");
	snprintf(seen + strlen(seen), 64 - strlen(seen), "[%s]", error_last());
	error_thread_release();
	snprintf(seen + strlen(seen), 64 - strlen(seen), "[%s]", error_last());
	error_thread_release();
	return seen;
}

START_TEST(test_error_per_thread)
{
	pthread_t t;
	void *seen;

	error("in main");
	ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, &seen), 0);
	ck_assert_str_eq(seen, "[][in the thread][]");
	ck_assert_str_eq(error_last(), "in main");
	free(seen);
}
END_TEST

struct heard {
	int calls;
	char msg[256];
};

static void hear(void *ctx, const char *msg)
{
	struct heard *h = ctx;

	h->calls++;
	snprintf(h->msg, sizeof(h->msg), "%s", msg);
}

START_TEST(test_warning_hook)
{
	struct heard h = { 0, "" };

	error("kept");
	warning_set_handler(hear, &h);
	warning("rule %s: skipped: param \"%s\" is not set", "1009999", "web_root");
	ck_assert_int_eq(h.calls, 1);
	ck_assert_str_eq(h.msg, "rule 1009999: skipped: param \"web_root\" is not set");
	ck_assert_str_eq(error_last(), "kept");	/* a warning is not an error */
	warning("%s", "");
	ck_assert_int_eq(h.calls, 2);
	ck_assert_str_eq(h.msg, "");
	warning_set_handler(NULL, &h);		/* back to the default */
}
END_TEST

/* The default prints "imscan: warning: <msg>" on stderr, whole. */
START_TEST(test_warning_default)
{
	char path[] = "/tmp/imscan-unit-err.XXXXXX", got[512];
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	size_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	unlink(path);
	fflush(stderr);
	ck_assert_int_eq(dup2(fd, 2), 2);
	warning_set_handler(NULL, NULL);
	warning("directory '%s' changed during the scan", "/data/d3");
	warning("second");
	fflush(stderr);
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
	f = fdopen(fd, "r");
	ck_assert_ptr_nonnull(f);
	rewind(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	ck_assert_str_eq(got, "imscan: warning: directory '/data/d3' changed during the scan\n"
			 "imscan: warning: second\n");
}
END_TEST

Suite *make_error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_error_returns_and_keeps);
	tcase_add_test(tc, test_error_prefix);
	tcase_add_test(tc, test_error_long);
	tcase_add_test(tc, test_error_per_thread);
	tcase_add_test(tc, test_warning_hook);
	tcase_add_test(tc, test_warning_default);
	suite_add_tcase(s, tc);
	return s;
}
