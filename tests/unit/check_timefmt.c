/*
 * timefmt.h: the bytes of gmtime_r() + strftime("%Y-%m-%dT%H:%M:%S") for
 * every second, whether computed, taken from the per-thread cache or
 * left to the C library, and 0 where gmtime_r gives up. Then the whole
 * time stamps built on it (attr_format_time_prec): fractions, seconds
 * before 1970, the ends of int64 nanoseconds.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "imscan/attr.h"
#include "imscan/timefmt.h"
#include "unit.h"

/* The C library's answer: what timefmt_second must match. */
static size_t oracle(char *buf, int64_t sec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	buf[0] = '\0';
	if (!gmtime_r(&t, &tm))
		return 0;
	return strftime(buf, TIMEFMT_SECOND_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
}

static void assert_as_libc(int64_t sec)
{
	char got[TIMEFMT_SECOND_MAX], want[TIMEFMT_SECOND_MAX];
	size_t n = timefmt_second(got, sec), m = oracle(want, sec);

	ck_assert_msg(n == m && !strcmp(got, want), "second %lld: \"%s\" (%zu), libc \"%s\" (%zu)",
		      (long long)sec, got, n, want, m);
}

static const struct {
	int64_t sec;
	const char *want;
} known[] = {
	{ 0, "1970-01-01T00:00:00" },
	{ -1, "1969-12-31T23:59:59" },
	{ 86399, "1970-01-01T23:59:59" },
	{ 86400, "1970-01-02T00:00:00" },
	{ -86400, "1969-12-31T00:00:00" },
	{ -86401, "1969-12-30T23:59:59" },
	{ 951782400, "2000-02-29T00:00:00" },	/* leap year divisible by 400 */
	{ 951868799, "2000-02-29T23:59:59" },
	{ -2203891200, "1900-03-01T00:00:00" },	/* 1900: no 29 February */
	{ -2203891201, "1900-02-28T23:59:59" },
	{ 4107542400, "2100-03-01T00:00:00" },
	{ 1795634400, "2026-11-25T19:20:00" },
	{ -9223372037, "1677-09-21T00:12:43" },	/* INT64_MIN ns */
	{ 9223372036, "2262-04-11T23:47:16" },	/* INT64_MAX ns */
	{ -30610224000, "1000-01-01T00:00:00" },	/* first computed here */
	{ 253402300799, "9999-12-31T23:59:59" },	/* last computed here */
	/* beyond four digits the C library's own bytes */
	{ -30610224001, "999-12-31T23:59:59" },
	{ 253402300800, "10000-01-01T00:00:00" },
	{ -62167219201, "-1-12-31T23:59:59" },
};

START_TEST(test_known)
{
	char buf[TIMEFMT_SECOND_MAX];
	size_t n = timefmt_second(buf, known[_i].sec);

	ck_assert_str_eq(buf, known[_i].want);
	ck_assert_uint_eq(n, strlen(known[_i].want));
	assert_as_libc(known[_i].sec);
}
END_TEST

/* Years that do not fit gmtime_r's int: 0 and "", also right after a
 * second that was cached. */
START_TEST(test_unformattable)
{
	static const int64_t bad[] = { INT64_MAX, INT64_MIN, 67768036191676800LL,
				       -67768040609740801LL };
	char buf[TIMEFMT_SECOND_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_uint_eq(timefmt_second(buf, 1795634400), 19);
		memset(buf, 'x', sizeof(buf));
		ck_assert_uint_eq(timefmt_second(buf, bad[i]), 0);
		ck_assert_str_eq(buf, "");
		assert_as_libc(bad[i]);
		ck_assert_uint_eq(timefmt_second(buf, 1795634400), 19);
		ck_assert_str_eq(buf, "2026-11-25T19:20:00");
	}
}
END_TEST

/* The first and the last second of every day from 1600 to 2400: every
 * month length and leap rule, both sides of the epoch. */
START_TEST(test_every_day)
{
	const int64_t first = -11676096000LL / 86400;	/* 1600-01-01 */
	const int64_t last = 13569465600LL / 86400;	/* 2400-01-01 */

	for (int64_t day = first; day <= last; day++) {
		assert_as_libc(day * 86400);
		assert_as_libc(day * 86400 + 86399);
	}
}
END_TEST

/* Seconds spread over the years -1000 to 13000 and around the ends of
 * the computed range. */
START_TEST(test_random)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 300000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		assert_as_libc((int64_t)(x % 442000000000ULL) - 93700000000LL);
		if (i % 16 == 0) {
			assert_as_libc(-30610224000LL + (int64_t)(x % 200) - 100);
			assert_as_libc(253402300799LL + (int64_t)(x % 200) - 100);
		}
	}
}
END_TEST

/* The cache gives the right second whatever came before it. */
START_TEST(test_cache)
{
	static const int64_t seq[] = { 100, 100, 101, 100, 99, 99, -1, 0, 0, 86400 * 365, 100 };
	char buf[TIMEFMT_SECOND_MAX];

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
			assert_as_libc(seq[i]);
	timefmt_second(buf, 1795634400);
	ck_assert_str_eq(buf, "2026-11-25T19:20:00");
	timefmt_second(buf, 1795634400);
	ck_assert_str_eq(buf, "2026-11-25T19:20:00");
	timefmt_second(buf, 1795634401);
	ck_assert_str_eq(buf, "2026-11-25T19:20:01");
}
END_TEST

/* Threads that format their own seconds at the same time never see each
 * other's: the cache is per thread. */
static void *format_own(void *arg)
{
	int64_t base = *(const int64_t *)arg;
	char buf[TIMEFMT_SECOND_MAX], want[TIMEFMT_SECOND_MAX];
	long bad = 0;

	for (int i = 0; i < 200000; i++) {
		int64_t sec = base + i / 3;	/* runs of one second: cache hits */

		timefmt_second(buf, sec);
		oracle(want, sec);
		bad += strcmp(buf, want) != 0;
	}
	return (void *)bad;
}

START_TEST(test_threads)
{
	int64_t bases[4] = { 0, 1795634400, -2203891200, 253402300000 };
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, format_own, &bases[i]), 0);
	for (int i = 0; i < 4; i++) {
		void *bad;

		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

/* ---- time stamps: attr_format_time_prec ------------------------------------ */

static const struct {
	int64_t ns;
	int digits;
	const char *want;
} stamps[] = {
	{ 0, 9, "1970-01-01T00:00:00.000000000Z" },
	{ 0, 0, "1970-01-01T00:00:00Z" },
	{ 1, 9, "1970-01-01T00:00:00.000000001Z" },
	{ 1, 8, "1970-01-01T00:00:00.00000000Z" },	/* cut, not rounded */
	{ 999999999, 9, "1970-01-01T00:00:00.999999999Z" },
	{ 999999999, 1, "1970-01-01T00:00:00.9Z" },
	{ 999999999, 0, "1970-01-01T00:00:00Z" },
	{ 1000000000, 1, "1970-01-01T00:00:01.0Z" },
	/* before 1970 the fraction still counts forward from the second */
	{ -1, 9, "1969-12-31T23:59:59.999999999Z" },
	{ -1, 3, "1969-12-31T23:59:59.999Z" },
	{ -1, 0, "1969-12-31T23:59:59Z" },
	{ -999999999, 9, "1969-12-31T23:59:59.000000001Z" },
	{ -1000000000, 9, "1969-12-31T23:59:59.000000000Z" },
	{ -1000000001, 9, "1969-12-31T23:59:58.999999999Z" },
	{ -86400000000000LL, 3, "1969-12-31T00:00:00.000Z" },
	{ 1795634400123456789LL, 9, "2026-11-25T19:20:00.123456789Z" },
	{ 1795634400123456789LL, 6, "2026-11-25T19:20:00.123456Z" },
	{ 1795634400123456789LL, 3, "2026-11-25T19:20:00.123Z" },
	{ 1795634400123456789LL, 2, "2026-11-25T19:20:00.12Z" },
	{ 1795634400123456789LL, 0, "2026-11-25T19:20:00Z" },
	{ 1795634400123456789LL, -1, "2026-11-25T19:20:00Z" },
	{ 1795634400000000000LL - 1, 3, "2026-11-25T19:19:59.999Z" },
	{ INT64_MIN, 9, "1677-09-21T00:12:43.145224192Z" },
	{ INT64_MIN, 0, "1677-09-21T00:12:43Z" },
	{ INT64_MAX, 9, "2262-04-11T23:47:16.854775807Z" },
	{ INT64_MAX, 3, "2262-04-11T23:47:16.854Z" },
};

START_TEST(test_stamps)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_adds(&sb, "\"");
	attr_format_time_prec(&sb, stamps[_i].ns, stamps[_i].digits);
	ck_assert_str_eq(sb.buf + 1, stamps[_i].want);
	strbuf_release(&sb);
}
END_TEST

/*
 * How time stamps were made before timefmt.h, with printf and the C
 * library: every stamp must come out the same. (Its "@ns" for a time
 * gmtime_r cannot take needs seconds past what int64 nanoseconds reach
 * with a 64-bit time_t: timefmt_second's 0 above stands for it.)
 */
static void stamp_oracle(char *out, size_t size, int64_t ns, int digits)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	char buf[TIMEFMT_SECOND_MAX];

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	if (!oracle(buf, sec)) {
		snprintf(out, size, "@%" PRId64, ns);
		return;
	}
	for (int d = digits; d < 9; d++)
		frac /= 10;
	if (digits > 0)
		snprintf(out, size, "%s.%0*" PRId64 "Z", buf, digits, frac);
	else
		snprintf(out, size, "%sZ", buf);
}

/* Nanoseconds on both sides of whole seconds, before and after 1970,
 * and random ones over all of int64, at every precision. */
START_TEST(test_stamps_as_before)
{
	static const int64_t offs[] = { -1000000001, -1000000000, -999999999, -1, 0, 1,
					999999999, 1000000000 };
	uint64_t x = 0x2545f4914f6cdd1dULL;
	char want[128];
	struct strbuf sb;

	strbuf_init(&sb);
	for (int i = 0; i < 40000; i++) {
		int64_t ns;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i % 2)
			ns = (int64_t)x;
		else
			ns = ((int64_t)(x % 8000000000ULL) - 4000000000LL) * 1000000000 +
			     offs[x % (sizeof(offs) / sizeof(offs[0]))];
		for (int digits = 0; digits <= 9; digits++) {
			strbuf_reset(&sb);
			attr_format_time_prec(&sb, ns, digits);
			stamp_oracle(want, sizeof(want), ns, digits);
			ck_assert_msg(!strcmp(sb.buf, want), "%" PRId64 " at %d: \"%s\", before \"%s\"",
				      ns, digits, sb.buf, want);
		}
	}
	strbuf_release(&sb);
}
END_TEST

Suite *make_timefmt_suite(void)
{
	Suite *s = suite_create("timefmt");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_known, 0, sizeof(known) / sizeof(known[0]));
	tcase_add_test(tc, test_unformattable);
	tcase_add_test(tc, test_every_day);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	tc = tcase_create("stamp");
	tcase_add_loop_test(tc, test_stamps, 0, sizeof(stamps) / sizeof(stamps[0]));
	tcase_add_test(tc, test_stamps_as_before);
	suite_add_tcase(s, tc);
	return s;
}
