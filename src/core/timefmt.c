#include <string.h>
#include <time.h>

#include "imscan/timefmt.h"

/* 1000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: four-digit years. */
#define FAST_MIN (-30610224000LL)
#define FAST_MAX 253402300799LL

/* The last second formatted on this thread; len 0: none yet. */
static _Thread_local struct {
	int64_t sec;
	size_t len;
	char s[TIMEFMT_SECOND_MAX];
} last;

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/*
 * Days since 1970-01-01 to a proleptic Gregorian date: H. Hinnant's
 * civil_from_days (a year that starts on 1 March puts the leap day last).
 */
static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);			/* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;	/* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		/* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;				/* March = 0 */

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* sec in [FAST_MIN, FAST_MAX]: always 19 bytes. */
static size_t format_fast(char *buf, int64_t sec)
{
	int64_t days = sec / 86400, rem = sec % 86400, y;
	unsigned m, d, s;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	s = (unsigned)rem;
	put2(buf, (unsigned)(y / 100));
	put2(buf + 2, (unsigned)(y % 100));
	buf[4] = '-';
	put2(buf + 5, m);
	buf[7] = '-';
	put2(buf + 8, d);
	buf[10] = 'T';
	put2(buf + 11, s / 3600);
	buf[13] = ':';
	put2(buf + 14, s / 60 % 60);
	buf[16] = ':';
	put2(buf + 17, s % 60);
	buf[19] = '\0';
	return 19;
}

static size_t format_libc(char *buf, int64_t sec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	buf[0] = '\0';
	if (!gmtime_r(&t, &tm))
		return 0;
	return strftime(buf, TIMEFMT_SECOND_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
}

size_t timefmt_second(char buf[TIMEFMT_SECOND_MAX], int64_t sec)
{
	size_t len;

	if (last.len && last.sec == sec) {
		memcpy(buf, last.s, last.len + 1);
		return last.len;
	}
	if (sec >= FAST_MIN && sec <= FAST_MAX)
		len = format_fast(buf, sec);
	else
		len = format_libc(buf, sec);
	if (len) {
		last.sec = sec;
		last.len = len;
		memcpy(last.s, buf, len + 1);
	}
	return len;
}
