/*
 * diff.h - the streaming merge of a baseline and a scan into events.
 *
 * Both streams come in record_cmp order; diff_run() walks them together,
 * holding one record of each, so memory does not grow with the number of
 * entities.
 *
 * One event per entity and change, however many rules select it. Each
 * rule that selected a key compares its own attributes: the union of the
 * attrs of its entities that selected the key, on both sides, ATTR_ERROR
 * aside. For a key:
 *   only in the scan      `added`: its rules are those that select it,
 *                         ev->attrs the union of their attributes;
 *   only in the baseline  `removed`: likewise, with the baseline's rules;
 *   in both, and the scan could not read it (ATTR_ERROR) for another
 *   reason than the baseline says (or the baseline read it)
 *                         `unreadable`: its rules and attrs as for
 *                         `added`, what cannot be read cannot be compared;
 *   in both otherwise     `modified` if the attributes of any rule that
 *                         selects it on both sides differ: its rules are
 *                         those rules, ev->attrs the union of what changed
 *                         for each; no event if none differ.
 * A key only in the scan is `added` even when it has ATTR_ERROR: what
 * could be read of it (its stat) and the error are its new state.
 * ev->rule is the most severe of the event's rules (the first in ruleset
 * order among equals); ev->rules lists them all in ruleset order.
 *
 * A rule that selects a key on one side only (executables_only after a
 * chmod +x, or a rule set that differs between the sides) compares
 * nothing: there is no state of the entity under that rule to compare
 * with. The key is still present on both sides, so it is neither `added`
 * nor `removed` (that would be a second event for one change, and a file
 * that was always there reported as new); whatever changed is reported by
 * the rules that selected it on both sides, as far as they compare it.
 *
 * If a scanned record with ATTR_ERROR is a directory, or its type is
 * unknown because even stat failed, the baseline records below it are not
 * reported as removed: they were not looked at.
 *
 * Rules are told apart by entity.rule; a record's entity indexes are
 * ascending and ruleset.ents is in rule order (rules.h), so each rule's
 * entities of one record are adjacent and a key is handled in one pass,
 * with no allocation unless more than 32 entities select it.
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
	/* Called with each scanned record that has ATTR_ERROR (check -v);
	 * may be NULL. Non-zero return stops the diff. */
	diff_record_fn on_not_read;
	void *ctx;
	/*
	 * check --portable: a file that is on both sides is compared only
	 * in these attributes (attr_portable_narrow()); NULL compares all.
	 * Other kinds are compared as usual: what they record is content.
	 */
	const struct attrset *portable;
};

/*
 * Zeroes sum, then fills its counts (not seconds): events by action,
 * entries, not_read and still_not_read as event.h defines them; sum may
 * be NULL.
 * on_record(new) is called before that record's events. Returns 0, or -1
 * if a stream or a callback failed, a stream is out of order ("scan is out
 * of order: '/b' after '/c'"), or a record names an entity the ruleset
 * lacks ("baseline references entity 7, but the ruleset has 3 entities").
 */
int diff_run(const struct diff_opts *o, const struct recstream *old,
	     const struct recstream *new, struct event_summary *sum);

/*
 * The events for one key (old or new may be NULL; both have the same kind
 * and key): the core of diff_run, exposed for watch and for tests. Adds to
 * sum's counts (entries and the not read count new, if given); sum may be
 * NULL.
 */
int diff_one(const struct diff_opts *o, const struct record *old, const struct record *new,
	     struct event_summary *sum);

/*
 * One `renamed` event: old (under its old key) is now new (under its new
 * key), the same file. Every rule that selects both is named, changed or
 * not; `changed` lists what else differs. Both records must be given.
 */
int diff_renamed(const struct diff_opts *o, const struct record *old, const struct record *new,
		 struct event_summary *sum);

#endif
