/*
 * watch_debounce.h - coalescing of events per path.
 *
 * Every event for a path updates one pending entry (what happened, first
 * and last time, who did it). An entry is due when its path has been quiet
 * for `ms` (a burst of writes is one change) or when it has been pending
 * for `max_ms` (a file written without pause still shows up). Two edits
 * farther apart than `ms` are two entries.
 *
 * Time is passed in by the caller (milliseconds on any monotonic clock,
 * debounce_now_ms() for the real one), so tests run on a fake clock and the
 * caller sleeps in poll() for debounce_timeout(): no busy polling.
 *
 * Attribution: up to DEBOUNCE_PROCS distinct processes per entry, in the
 * order they first touched it; `more_procs` says others were left out.
 * Process records are shared between entries, so a burst from one writer
 * costs one copy.
 */
#ifndef IMSCAN_WATCH_DEBOUNCE_H
#define IMSCAN_WATCH_DEBOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imscan/watch_procinfo.h"

#define DEBOUNCE_PROCS 4

struct debounce;

/* What debounce_pop() hands back; valid until the next pop or free. */
struct debounce_item {
	const char *path;
	unsigned what;		/* union of the WEV_* added */
	bool isdir;		/* as of the last event */
	uint64_t first_ms, last_ms;
	uint32_t count;		/* events merged */
	const struct procinfo *procs[DEBOUNCE_PROCS];
	size_t nprocs;
	bool more_procs;
	const char *from;	/* NULL, or the old name of a file moved to path */
};

/* max_ms < ms is raised to ms. */
struct debounce *debounce_new(unsigned ms, unsigned max_ms);
void debounce_free(struct debounce *d);

/*
 * A file (not a directory) moved from -> to: to's entry takes what from's
 * pending entry had (which goes) and remembers the first old name, so a
 * chain of moves a -> b -> c is one entry c from a. If to was the target
 * of a move from another name before, that name gets an entry of its own.
 * what is ORed into each entry made or changed.
 */
void debounce_rename(struct debounce *d, const char *from, const char *to, unsigned what,
		     const struct procinfo *proc, uint64_t now_ms);

/* Merges one event; proc may be NULL (unknown). */
void debounce_add(struct debounce *d, const char *path, unsigned what, bool isdir,
		  const struct procinfo *proc, uint64_t now_ms);

/* Milliseconds until the next entry is due (0: one is due), -1: none pending. */
int debounce_timeout(const struct debounce *d, uint64_t now_ms);

/* Takes the next due entry: 1 and *out, 0 when none is due. */
int debounce_pop(struct debounce *d, uint64_t now_ms, struct debounce_item *out);

/* Takes the next pending entry whether due or not (at exit, before a
 * re-scan): 1 and *out, 0 when empty. */
int debounce_drain(struct debounce *d, struct debounce_item *out);

size_t debounce_pending(const struct debounce *d);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t debounce_now_ms(void);

#endif
