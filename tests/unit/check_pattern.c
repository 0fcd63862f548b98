#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/pattern.h"
#include "imscan/strbuf.h"
#include "unit.h"

static const struct {
	const char *pat, *rel;
	bool dir, want;
} matches[] = {
	/* no '/': the name at any depth */
	{ "passwd", "passwd", false, true },
	{ "passwd", "a/passwd", false, true },
	{ "passwd", "a/b/passwd", false, true },
	{ "passwd", "passwd.bak", false, false },
	{ "passwd", "passwd/x", false, false },
	{ "passwd", "xpasswd", false, false },
	/* leading or inner '/': the whole path from base */
	{ "/passwd", "passwd", false, true },
	{ "/passwd", "a/passwd", false, false },
	{ "a/b", "a/b", false, true },
	{ "a/b", "x/a/b", false, false },
	{ "a/b", "a/b/c", false, false },
	{ "/proc", "proc", true, true },
	{ "/proc", "x/proc", true, false },
	{ "proc", "x/proc", true, true },
	{ "a//b", "a/b", false, true },
	{ "a\\/b", "a/b", false, true },
	/* '*' */
	{ "*.conf", "a.conf", false, true },
	{ "*.conf", "x/y/a.conf", false, true },
	{ "*.conf", "a.conf.bak", false, false },
	{ "/*.conf", "a.conf", false, true },
	{ "/*.conf", "x/a.conf", false, false },
	{ "/a*c", "ab/c", false, false },
	{ "x/*", "x/y", false, true },
	{ "x/*", "x/y/z", false, false },
	{ "x/*/z", "x/y/z", false, true },
	{ "x/*/z", "x/y/w/z", false, false },
	{ "*", ".hidden", false, true },
	{ "*.swp", ".hosts.swp", false, true },
	{ "/*", ".git", true, true },
	{ "*", "", true, false },
	{ "*ab*c", "aabxabc", false, true },
	{ "a*b*c", "axbxc", false, true },
	{ "a*b*c", "axbxcx", false, false },
	{ "a*", "a", false, true },
	{ "*a", "a", false, true },
	{ "a*b", "ab", false, true },
	{ "**", "ab", false, true },
	/* '?' */
	{ "?", "a", false, true },
	{ "?", "ab", false, false },
	{ "a?c", "abc", false, true },
	{ "a?c", "ac", false, false },
	{ "/a?c", "a/c", false, false },
	{ "?*", ".x", false, true },
	/* classes */
	{ "[abc]", "b", false, true },
	{ "[abc]", "d", false, false },
	{ "[a-c]x", "bx", false, true },
	{ "[a-c]x", "dx", false, false },
	{ "[!a-c]x", "bx", false, false },
	{ "[!a-c]x", "dx", false, true },
	{ "[^0-9]", "a", false, true },
	{ "[^0-9]", "5", false, false },
	{ "[]x]", "]", false, true },
	{ "[]x]", "x", false, true },
	{ "[]x]", "y", false, false },
	{ "[!]]", "]", false, false },
	{ "[!]]", "a", false, true },
	{ "[a-]", "-", false, true },
	{ "[-a]", "-", false, true },
	{ "[\\]]", "]", false, true },
	{ "[\\!a]", "!", false, true },
	{ "[**]", "*", false, true },
	{ "[\x80-\xff]", "\xe9", false, true },
	{ "[\x80-\xff]", "e", false, false },
	{ "x.[ch]", "x.h", false, true },
	/* "**" */
	{ "**", "a", false, true },
	{ "**", "a/b/c", false, true },
	{ "**", "a/b/c", true, true },
	{ "/**", "a/b", false, true },
	{ "a/**", "a", true, false },
	{ "a/**", "a/b", false, true },
	{ "a/**", "a/b/c", false, true },
	{ "a/**", "b/a/c", false, false },
	{ "**/x", "x", false, true },
	{ "**/x", "a/b/x", false, true },
	{ "**/x", "a/x/b", false, false },
	{ "a/**/b", "a/b", false, true },
	{ "a/**/b", "a/x/y/b", false, true },
	{ "a/**/b", "a/x/y/c", false, false },
	{ "a/**/b", "x/a/b", false, false },
	{ "a/**/**/b", "a/b", false, true },
	{ "/**/*.so", "lib/x/libc.so", false, true },
	{ "**/a/b", "a/a/b", false, true },
	{ "**/a/*/c", "a/a/b/c", false, true },
	{ "a/**/b/c", "a/b/b/c", false, true },
	{ "a/**/b/c", "a/b/x/b/c", false, true },
	{ "a/**/b/c", "a/b/x/b/d", false, false },
	{ "**/x/**", "a/x/b", false, true },
	{ "**/x/**", "a/x", true, false },
	/* trailing '/': directories only */
	{ "cache/", "cache", true, true },
	{ "cache/", "cache", false, false },
	{ "cache/", "x/cache", true, true },
	{ "/cache/", "x/cache", true, false },
	{ "a/b/", "a/b", true, true },
	{ "a/b/", "a/b", false, false },
	{ "**/", "a/b", true, true },
	{ "**/", "a/b", false, false },
	/* escapes */
	{ "\\*", "*", false, true },
	{ "\\*", "a", false, false },
	{ "\\?", "?", false, true },
	{ "\\?", "a", false, false },
	{ "\\[a]", "[a]", false, true },
	{ "\\[a]", "a", false, false },
	{ "a\\\\b", "a\\b", false, true },
	{ "\\a", "a", false, true },
	{ "\\**", "*x", false, true },
	{ "\\**", "x", false, false },
};

START_TEST(test_match)
{
	struct pattern *p;
	const char *rel = matches[_i].rel;

	ck_assert_msg(pattern_compile(matches[_i].pat, &p) == 0, "%s: %s", matches[_i].pat,
		      error_last());
	ck_assert_str_eq(pattern_text(p), matches[_i].pat);
	ck_assert_msg(pattern_match(p, rel, strlen(rel), matches[_i].dir) == matches[_i].want,
		      "'%s' vs '%s' (%s): expected %d", matches[_i].pat, rel,
		      matches[_i].dir ? "dir" : "file", matches[_i].want);
	pattern_free(p);
}
END_TEST

/* Only the given length counts, not the rest of the buffer. */
START_TEST(test_match_len)
{
	struct pattern *p;

	ck_assert_int_eq(pattern_compile("/a/b", &p), 0);
	ck_assert(pattern_match(p, "a/bcd", 3, false));
	ck_assert(!pattern_match(p, "a/bcd", 4, false));
	pattern_free(p);
}
END_TEST

static const struct {
	const char *pat, *msg;
} bad[] = {
	{ "", "empty pattern" },
	{ "/", "empty pattern" },
	{ "//", "empty pattern" },
	{ "[abc", "unterminated '['" },
	{ "a[", "unterminated '['" },
	{ "[]", "unterminated '['" },
	{ "[!]", "unterminated '['" },
	{ "[\\]", "unterminated '['" },
	{ "a/[b/c]", "unterminated '['" },
	{ "a**", "'**' must be a whole path section" },
	{ "**a", "'**' must be a whole path section" },
	{ "a/**b", "'**' must be a whole path section" },
	{ "***", "'**' must be a whole path section" },
	{ "a/b**/c", "'**' must be a whole path section" },
	{ "a\\", "trailing backslash" },
	{ "[[:alpha:]]", "'[:class:]' names are not supported" },
};

START_TEST(test_bad)
{
	struct pattern *p = (struct pattern *)&p;

	error_clear();
	ck_assert_int_eq(pattern_compile(bad[_i].pat, &p), -1);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(error_last(), bad[_i].msg);
}
END_TEST

static const struct {
	const char *pat, *rel;
	bool want;
} below[] = {
	{ "sshd_config", "anything/at/all", true },
	{ "*.so", "usr", true },
	{ "/usr/bin/*", "", true },
	{ "/usr/bin/*", "usr", true },
	{ "/usr/bin/*", "usr/bin", true },
	{ "/usr/bin/*", "usr/lib", false },
	{ "/usr/bin/*", "usr/bin/x", false },
	{ "/usr/bin/*", "etc", false },
	{ "/passwd", "ssh", false },
	{ "/passwd", "", true },
	{ "a/**", "a", true },
	{ "a/**", "a/b/c", true },
	{ "a/**", "b", false },
	{ "**/x", "a/b", true },
	{ "a/**/b", "a/x/y", true },
	{ "a/**/b", "c", false },
	{ "/a*/b", "abc", true },
	{ "/a*/b", "xbc", false },
	{ "/a*/b", "abc/b", false },
	{ "/cron.*/", "cron.d", false },
	{ "/cron.*/x", "cron.d", true },
	/* enough sections to leave the on-stack state arrays */
	{ "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", true },
	{ "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/x", false },
};

START_TEST(test_may_match_below)
{
	struct pattern *p;
	const char *rel = below[_i].rel;

	ck_assert_int_eq(pattern_compile(below[_i].pat, &p), 0);
	ck_assert_msg(pattern_may_match_below(p, rel, strlen(rel)) == below[_i].want,
		      "'%s' below '%s': expected %d", below[_i].pat, rel, below[_i].want);
	pattern_free(p);
}
END_TEST

/*
 * Patterns that make naive recursive matchers take exponential time: with
 * the bounded algorithm these finish at once (Check's timeout fails the
 * test otherwise).
 */
START_TEST(test_no_blowup)
{
	struct strbuf name, path, pat;
	struct pattern *p;

	strbuf_init(&name);
	strbuf_init(&path);
	strbuf_init(&pat);
	for (int i = 0; i < 20000; i++)
		strbuf_addc(&name, 'a');
	for (int i = 0; i < 30; i++)
		strbuf_adds(&pat, "*a");
	strbuf_adds(&pat, "*b");
	ck_assert_int_eq(pattern_compile(pat.buf, &p), 0);
	ck_assert(!pattern_match(p, name.buf, name.len, false));
	pattern_free(p);
	for (int i = 0; i < 3000; i++)
		strbuf_adds(&path, i ? "/a" : "a");
	strbuf_reset(&pat);
	for (int i = 0; i < 30; i++)
		strbuf_adds(&pat, "**/a/");
	strbuf_adds(&pat, "b");
	ck_assert_int_eq(pattern_compile(pat.buf, &p), 0);
	ck_assert(!pattern_match(p, path.buf, path.len, false));
	ck_assert(pattern_may_match_below(p, path.buf, path.len));
	pattern_free(p);
	strbuf_release(&name);
	strbuf_release(&path);
	strbuf_release(&pat);
}
END_TEST

extern Suite *make_pattern_suite(void);

Suite *make_pattern_suite(void)
{
	Suite *s = suite_create("pattern");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_match, 0, sizeof(matches) / sizeof(matches[0]));
	tcase_add_test(tc, test_match_len);
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(tc, test_may_match_below, 0, sizeof(below) / sizeof(below[0]));
	tcase_add_test(tc, test_no_blowup);
	suite_add_tcase(s, tc);
	return s;
}
