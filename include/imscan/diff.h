/*
 * diff.h - the streaming merge of a baseline and a scan into events.
 *
 * Both streams come in record_cmp order; diff_run() walks them together,
 * holding one record of each, so memory does not grow with the number of
 * entities. For a key in both, each rule that selected it on either side
 * is compared on its own attributes (the union of its selecting entities'
 * attrs on both sides, ATTR_ERROR aside): one `modified` event per rule
 * whose attributes differ. A key only in the scan is `added` for each rule
 * that selects it, only in the baseline `removed`; the same holds per rule
 * for a key in both (a rule that now selects an existing entry: `added`
 * for that rule only).
 *
 * A scanned record with ATTR_ERROR gives one `unreadable` event per rule
 * that selects it in the scan, instead of `modified` or `added` (what
 * cannot be read cannot be compared); rules that only the baseline has
 * for it are still `removed`. If that record is a directory, or its type
 * is unknown because even stat failed, the baseline records below it are
 * not reported as removed: they were not looked at.
 *
 * Rules are told apart by entity.rule; a record's entity indexes are
 * ascending and ruleset.ents is in rule order (rules.h), so each rule's
 * entities of one record are adjacent and no allocation is needed per key.
 */
#ifndef IMSCAN_DIFF_H
#define IMSCAN_DIFF_H

#include "imscan/event.h"
#include "imscan/record.h"
#include "imscan/rules.h"

/* Called for each event; non-zero return stops the diff (error left). */
typedef int (*diff_event_fn)(void *ctx, const struct event *ev);
/*
 * Called with each record of the new state, in order (check --update): every
 * scanned record, and the baseline's records below a directory that could not
 * be read (carried over: they were not looked at, so they stay as they were).
 * May be NULL. Non-zero return stops the diff (error left).
 */
typedef int (*diff_record_fn)(void *ctx, const struct record *r);

struct diff_opts {
	const struct ruleset *rules;	/* the baseline's, which the scan used */
	const char *host;
	const char *source;	/* "check" */
	int64_t time;		/* stamped on every event */
	diff_event_fn on_event;	/* NULL: only count */
	diff_record_fn on_record;
	void *ctx;
};

/*
 * Zeroes sum, then fills its counts (not seconds); sum may be NULL.
 * on_record(new) is called before that record's events. Returns 0, or -1
 * if a stream or a callback failed, a stream is out of order ("scan is out
 * of order: '/b' after '/c'"), or a record names an entity the ruleset
 * lacks ("baseline references entity 7, but the ruleset has 3 entities").
 */
int diff_run(const struct diff_opts *o, const struct recstream *old,
	     const struct recstream *new, struct sink_summary *sum);

/*
 * The events for one key (old or new may be NULL; both have the same kind
 * and key): the core of diff_run, exposed for watch and for tests. Adds to
 * sum's counts (entries counts new, if given); sum may be NULL.
 */
int diff_one(const struct diff_opts *o, const struct record *old, const struct record *new,
	     struct sink_summary *sum);

#endif
