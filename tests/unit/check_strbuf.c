/* strbuf.h: always NUL-terminated, any bytes, grows without bound. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/strbuf.h"
#include "unit.h"

static void assert_content(const struct strbuf *sb, const void *want, size_t n)
{
	ck_assert_uint_eq(sb->len, n);
	ck_assert_mem_eq(sb->buf, want, n);
	ck_assert_int_eq(sb->buf[n], '\0');
	if (sb->cap)
		ck_assert_uint_gt(sb->cap, sb->len);
}

START_TEST(test_init_release)
{
	struct strbuf sb;

	strbuf_init(&sb);
	ck_assert_ptr_nonnull(sb.buf);
	assert_content(&sb, "", 0);
	ck_assert_uint_eq(sb.cap, 0);
	strbuf_release(&sb);			/* nothing to free */
	assert_content(&sb, "", 0);
	strbuf_adds(&sb, "abc");
	strbuf_release(&sb);
	assert_content(&sb, "", 0);
	ck_assert_uint_eq(sb.cap, 0);
}
END_TEST

START_TEST(test_add_kinds)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_adds(&sb, "ab");
	strbuf_addc(&sb, 'c');
	strbuf_add(&sb, "d\0e", 3);		/* NUL is a byte like any other */
	strbuf_addf(&sb, "%d-%s", 42, "x");
	strbuf_adds(&sb, "");
	strbuf_add(&sb, "ignored", 0);
	assert_content(&sb, "abcd\0e42-x", 10);
	strbuf_release(&sb);
}
END_TEST

/* One byte at a time past many doublings: nothing lost, always terminated. */
START_TEST(test_growth)
{
	struct strbuf sb;
	enum { N = 100000 };
	char *want = malloc(N);
	int unterminated = 0;

	ck_assert_ptr_nonnull(want);
	strbuf_init(&sb);
	for (int i = 0; i < N; i++) {
		want[i] = (char)('a' + i % 26);
		strbuf_addc(&sb, want[i]);
		unterminated += sb.buf[sb.len] != '\0';	/* ck_assert here: 100000 messages */
	}
	ck_assert_int_eq(unterminated, 0);
	assert_content(&sb, want, N);
	strbuf_grow(&sb, 1 << 20);
	ck_assert_uint_ge(sb.cap, N + (1 << 20) + 1);
	assert_content(&sb, want, N);		/* growing keeps the content */
	strbuf_release(&sb);
	free(want);
}
END_TEST

/* addf that fits the room left exactly, and one byte more than fits:
 * the second formatting pass after growing. */
START_TEST(test_addf_boundary)
{
	struct strbuf sb;
	char want[200];
	size_t room;

	strbuf_init(&sb);
	strbuf_addc(&sb, '<');
	room = sb.cap - sb.len - 1;
	strbuf_addf(&sb, "%0*d", (int)room, 7);
	ck_assert_uint_eq(sb.len + 1, sb.cap);	/* full, not grown */
	memset(want, '0', sizeof(want));
	want[0] = '<';
	want[room] = '7';
	assert_content(&sb, want, room + 1);
	strbuf_reset(&sb);
	strbuf_addc(&sb, '<');
	strbuf_addf(&sb, "%0*d", (int)room + 1, 7);
	want[room] = '0';
	want[room + 1] = '7';
	assert_content(&sb, want, room + 2);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_addf_long)
{
	struct strbuf sb;
	char *big = malloc(70001);

	ck_assert_ptr_nonnull(big);
	memset(big, 'z', 70000);
	big[70000] = '\0';
	strbuf_init(&sb);
	strbuf_adds(&sb, "head ");
	strbuf_addf(&sb, "%s|%s", big, "tail");
	ck_assert_uint_eq(sb.len, 5 + 70000 + 5);
	ck_assert_int_eq(strncmp(sb.buf, "head zzz", 8), 0);
	ck_assert_str_eq(sb.buf + sb.len - 6, "z|tail");
	strbuf_release(&sb);
	free(big);
}
END_TEST

static void vadd(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

START_TEST(test_vaddf)
{
	struct strbuf sb;

	strbuf_init(&sb);
	vadd(&sb, "%s=%u", "n", 7u);
	vadd(&sb, "%s", "");
	vadd(&sb, "%c", ';');
	assert_content(&sb, "n=7;", 4);
	strbuf_release(&sb);
	strbuf_init(&sb);
	vadd(&sb, "%s", "");			/* nothing to add, still terminated */
	assert_content(&sb, "", 0);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_reset_setlen)
{
	struct strbuf sb;
	size_t cap;

	strbuf_init(&sb);
	strbuf_setlen(&sb, 0);			/* on the shared empty buffer: no-op */
	assert_content(&sb, "", 0);
	strbuf_adds(&sb, "hello world");
	cap = sb.cap;
	strbuf_setlen(&sb, 5);
	assert_content(&sb, "hello", 5);
	strbuf_reset(&sb);
	assert_content(&sb, "", 0);
	ck_assert_uint_eq(sb.cap, cap);		/* memory kept */
	strbuf_adds(&sb, "again");
	assert_content(&sb, "again", 5);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_detach)
{
	struct strbuf sb;
	size_t len = 99;
	char *p;

	strbuf_init(&sb);
	strbuf_adds(&sb, "kept");
	p = strbuf_detach(&sb, &len);
	ck_assert_str_eq(p, "kept");
	ck_assert_uint_eq(len, 4);
	assert_content(&sb, "", 0);
	ck_assert_uint_eq(sb.cap, 0);
	free(p);
	/* An empty buffer detaches as "" that the caller can free too. */
	p = strbuf_detach(&sb, NULL);
	ck_assert_str_eq(p, "");
	free(p);
	strbuf_adds(&sb, "reused");		/* usable after detach */
	assert_content(&sb, "reused", 6);
	strbuf_release(&sb);
}
END_TEST

/* Appends that exactly fill the room left do not grow; one byte more does. */
START_TEST(test_add_room_boundary)
{
	struct strbuf sb;
	char fill[256];
	size_t cap, room;

	memset(fill, 'f', sizeof(fill));
	strbuf_init(&sb);
	strbuf_addc(&sb, '<');
	cap = sb.cap;
	room = sb.cap - sb.len - 1;
	strbuf_add(&sb, fill, room);
	ck_assert_uint_eq(sb.cap, cap);
	ck_assert_uint_eq(sb.len + 1, sb.cap);
	ck_assert_int_eq(sb.buf[sb.len], '\0');
	strbuf_addc(&sb, 'x');			/* full: addc must grow */
	ck_assert_uint_gt(sb.cap, cap);
	ck_assert_uint_eq(sb.len, room + 2);
	ck_assert_int_eq(sb.buf[0], '<');
	ck_assert_int_eq(sb.buf[room], 'f');
	ck_assert_str_eq(sb.buf + room + 1, "x");
	/* a number into a full buffer */
	strbuf_add(&sb, fill, sb.cap - sb.len - 1);
	cap = sb.cap;
	strbuf_add_u64(&sb, UINT64_MAX);
	ck_assert_uint_gt(sb.cap, cap);
	ck_assert_str_eq(sb.buf + sb.len - 20, "18446744073709551615");
	strbuf_release(&sb);
}
END_TEST

static const struct {
	uint64_t v;
	const char *want;
} u64_cases[] = {
	{ 0, "0" }, { 1, "1" }, { 9, "9" }, { 10, "10" }, { 99, "99" }, { 100, "100" },
	{ 4294967295u, "4294967295" }, { 4294967296u, "4294967296" },
	{ 9999999999999999999u, "9999999999999999999" },
	{ 10000000000000000000u, "10000000000000000000" },
	{ UINT64_MAX, "18446744073709551615" },
};

START_TEST(test_add_u64)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_add_u64(&sb, u64_cases[_i].v);
	ck_assert_str_eq(sb.buf, u64_cases[_i].want);
	strbuf_release(&sb);
}
END_TEST

static const struct {
	int64_t v;
	const char *want;
} i64_cases[] = {
	{ 0, "0" }, { -1, "-1" }, { 1, "1" }, { -9, "-9" }, { -10, "-10" }, { 10, "10" },
	{ INT32_MIN, "-2147483648" }, { INT32_MAX, "2147483647" },
	{ INT64_MAX, "9223372036854775807" },
	{ INT64_MIN + 1, "-9223372036854775807" },
	{ INT64_MIN, "-9223372036854775808" },	/* no magnitude in int64 */
};

START_TEST(test_add_i64)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_adds(&sb, "=");
	strbuf_add_i64(&sb, i64_cases[_i].v);
	ck_assert_str_eq(sb.buf + 1, i64_cases[_i].want);
	strbuf_release(&sb);
}
END_TEST

static const struct {
	uint64_t v;
	int width;
	const char *want;
} pad_cases[] = {
	{ 0, 0, "0" }, { 0, 1, "0" }, { 0, 3, "000" }, { 7, 9, "000000007" },
	{ 123, 3, "123" }, { 123, 2, "123" },		/* never cut */
	{ 123456789, 9, "123456789" }, { 999999999, 9, "999999999" },
	{ 5, -3, "5" },					/* negative: none */
	{ UINT64_MAX, 25, "0000018446744073709551615" },
	{ 42, 64, "0000000000000000000000000000000000000000000000000000000000000042" },
};

START_TEST(test_add_u64_pad)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_add_u64_pad(&sb, pad_cases[_i].v, pad_cases[_i].width);
	ck_assert_str_eq(sb.buf, pad_cases[_i].want);
	strbuf_release(&sb);
}
END_TEST

/* Every power of ten and its neighbours, signed and not, and zero-padded
 * to every width up to 24: the bytes printf writes. */
START_TEST(test_numbers_as_printf)
{
	struct strbuf sb;
	char want[64];
	uint64_t p = 1;

	strbuf_init(&sb);
	for (int e = 0; e < 20; e++, p *= 10) {
		for (uint64_t v = p - 1; v != p + 2; v++) {
			strbuf_reset(&sb);
			strbuf_add_u64(&sb, v);
			snprintf(want, sizeof(want), "%" PRIu64, v);
			ck_assert_str_eq(sb.buf, want);
			strbuf_reset(&sb);
			strbuf_add_i64(&sb, (int64_t)v);
			snprintf(want, sizeof(want), "%" PRId64, (int64_t)v);
			ck_assert_str_eq(sb.buf, want);
			strbuf_reset(&sb);
			strbuf_add_i64(&sb, -(int64_t)(v & INT64_MAX));
			snprintf(want, sizeof(want), "%" PRId64, -(int64_t)(v & INT64_MAX));
			ck_assert_str_eq(sb.buf, want);
			for (int w = 0; w <= 24; w++) {
				strbuf_reset(&sb);
				strbuf_add_u64_pad(&sb, v, w);
				snprintf(want, sizeof(want), "%0*" PRIu64, w, v);
				ck_assert_str_eq(sb.buf, want);
			}
		}
	}
	strbuf_release(&sb);
}
END_TEST

Suite *make_strbuf_suite(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_init_release);
	tcase_add_test(tc, test_add_kinds);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_addf_boundary);
	tcase_add_test(tc, test_addf_long);
	tcase_add_test(tc, test_vaddf);
	tcase_add_test(tc, test_reset_setlen);
	tcase_add_test(tc, test_detach);
	tcase_add_test(tc, test_add_room_boundary);
	tcase_add_loop_test(tc, test_add_u64, 0, sizeof(u64_cases) / sizeof(u64_cases[0]));
	tcase_add_loop_test(tc, test_add_i64, 0, sizeof(i64_cases) / sizeof(i64_cases[0]));
	tcase_add_loop_test(tc, test_add_u64_pad, 0, sizeof(pad_cases) / sizeof(pad_cases[0]));
	tcase_add_test(tc, test_numbers_as_printf);
	suite_add_tcase(s, tc);
	return s;
}
