/*
 * diff.h - the streaming merge of a baseline and a scan into events.
 *
 * Both streams come in record_cmp order; diff_run() walks them together,
 * holding one record of each, so memory does not grow with the number of
 * entities. For a key in both, each rule that selected it on either side
 * is compared on its own attributes (the union of its selecting entities'
 * attrs): one `modified` event per rule whose attributes differ. A key only
 * in the scan is `added` for each rule that selects it, only in the
 * baseline `removed`. A scanned record with ATTR_ERROR gives one
 * `unreadable` event per rule; below a directory that could not be read,
 * baseline records are not reported as removed (they were not looked at).
 */
#ifndef IMSCAN_DIFF_H
#define IMSCAN_DIFF_H

#include "imscan/event.h"
#include "imscan/record.h"
#include "imscan/rules.h"

/* Called for each event; non-zero return stops the diff (error left). */
typedef int (*diff_event_fn)(void *ctx, const struct event *ev);
/* Called for each scanned record, in order (check --update); may be NULL. */
typedef int (*diff_record_fn)(void *ctx, const struct record *r);

struct diff_opts {
	const struct ruleset *rules;
	const char *host;
	const char *source;	/* "check" */
	int64_t time;		/* stamped on every event */
	diff_event_fn on_event;
	diff_record_fn on_record;
	void *ctx;
};

/* Fills sum (counts); returns 0, or -1 if a stream or a callback failed. */
int diff_run(const struct diff_opts *o, const struct recstream *old,
	     const struct recstream *new, struct sink_summary *sum);

/*
 * The events for one key (old or new may be NULL): the core of diff_run,
 * exposed for watch and for tests.
 */
int diff_one(const struct diff_opts *o, const struct record *old, const struct record *new,
	     struct sink_summary *sum);

#endif
