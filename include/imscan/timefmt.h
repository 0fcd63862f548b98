/*
 * timefmt.h - the whole-second part of imscan's UTC time stamps.
 *
 * Every event line holds several times (when it happened, mtime, ctime,
 * mostly within one second of each other), and gmtime_r() + strftime()
 * cost more than the rest of the line: gmtime_r takes the C library's
 * time zone lock, strftime walks its locale. So the calendar arithmetic
 * is done here for the years 1000 to 9999 (every time an int64 of
 * nanoseconds can hold: 1677 to 2262), and the last second formatted is
 * kept, per thread since scans format on several threads. Other years go
 * through gmtime_r and strftime, so the bytes are theirs in every case.
 */
#ifndef IMSCAN_TIMEFMT_H
#define IMSCAN_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_SECOND_MAX 64	/* room for any second and its NUL */

/*
 * Writes sec (seconds since the epoch) to buf as "YYYY-MM-DDTHH:MM:SS",
 * UTC, NUL-terminated: the bytes of gmtime_r() and strftime()'s
 * "%Y-%m-%dT%H:%M:%S". Returns their number, or 0 (buf is "") when
 * gmtime_r cannot break sec down (its year does not fit an int).
 */
size_t timefmt_second(char buf[TIMEFMT_SECOND_MAX], int64_t sec);

#endif
