/*
 * event.h - events, and their two line formats.
 *
 * An event is one change to one entity: however many rules select it,
 * one change gives one event (diff.h says which rules it names). sink.h
 * says where events go; the formats are event_to_json() (src/sink/json.c;
 * the default on stdout when it is not a terminal; also in DESIGN.md and
 * imscan(1), EVENTS) and event_to_text() (src/sink/text.c). What both
 * share is in src/sink/event.c.
 *
 * The rules of an event are ev->rules (ev->nrules of them, in ruleset
 * order); ev->rule is the one the event is filed under, the most severe of
 * them. An event with nrules == 0 has the rules [ev->rule] (none if that
 * is NULL), so a caller with one rule need not build a list.
 *
 * JSON members, always in this order (absent ones are left out):
 *   time      "2026-11-25T19:20:00.123Z" (UTC, milliseconds)
 *   host, source, action, kind
 *   key       (+ "key_b64" when the key is not valid UTF-8, see escape.h)
 *   old_key   renamed only (+ "old_key_b64")
 *   rule      {"id":…,"name":…,"severity":…}, or null
 *   rules     [{"id":…,"name":…,"severity":…}, …] every rule of the event
 *   changed   modified only: attribute names in attr_id order
 *   old       modified: the changed attributes present in old;
 *             removed: ev->attrs present in old;
 *             renamed: ev->attrs present in old, if old is given
 *   new       modified: the changed attributes present in new;
 *             added, unreadable: ev->attrs present in new;
 *             renamed: ev->attrs present in new
 *   error     unreadable and added: ATTR_ERROR of new (left out if new
 *             has none; an added entity may have been read only in part)
 *   tags      the union of the rules' tags, each once, in the order first
 *             met (rules in order, each rule's tags in order); [] if none
 *   process   watch only, when ev->process is set: {"pid","comm","exe",
 *             "uid","user","loginuid","login"}, each member only if read
 * ATTR_ERROR never appears inside old/new: it is the "error" member.
 *
 * Text: one line per event, fields separated by two spaces; the bracket
 * holds ev->rule's id and severity, then "+N" when the event has N more
 * rules (the JSON lists them):
 *   modified  /etc/hosts  [1003513 medium]  size: 158 -> 190, sha256: 3a4f0c1e…99a1b2e1 -> 77b0d2c4…0b1e2f09
 *   modified  /etc  [1003606 critical +2]  mode: 0755 -> 0700
 *   added  /etc/new.conf  [1003513 medium]
 *   unreadable  /root/x  [1003513 medium]  Permission denied
 *   added  /root/new  [1003513 medium]  Permission denied
 *   renamed  /new  [1003513 medium]  from /old
 *   modified  /etc/hosts  [1003513 medium]  mode: 0644 -> 0600  by vi[4242] uid 0 (root)
 *   overflow  /
 * (" by comm[pid] uid U (user)": ev->process, with what was read.)
 * Keys and values are escaped (escape.h) so no control character reaches
 * a terminal raw; an attribute missing on one side prints as "(none)";
 * content hashes are shortened to their first and last 8 hex digits when
 * that still tells old and new apart (the full value is in JSON).
 */
#ifndef IMSCAN_EVENT_H
#define IMSCAN_EVENT_H

#include <stdint.h>

#include "imscan/attr.h"
#include "imscan/record.h"
#include "imscan/rules.h"
#include "imscan/strbuf.h"
#include "imscan/watch_procinfo.h"

/* ACT_OVERFLOW: watch only, events were lost (its entity is kind file, key
 * "/", and no rule; the watched bases are re-scanned after it). */
enum action { ACT_ADDED, ACT_REMOVED, ACT_MODIFIED, ACT_RENAMED, ACT_UNREADABLE, ACT_OVERFLOW };
const char *action_name(enum action a);

struct event {
	int64_t time;		/* ns since the epoch */
	const char *host;	/* NULL prints as "" */
	const char *source;	/* "check", "watch"; NULL prints as "" */
	enum action action;
	const struct rule *rule;	/* NULL prints as "rule":null */
	const struct rule *const *rules;	/* borrowed; see above */
	size_t nrules;
	/*
	 * The entity: new for added/modified/unreadable/renamed, old for
	 * removed; kind and key come from it, so that one must not be NULL.
	 * modified needs both.
	 */
	const struct record *old, *new;
	/*
	 * modified: the attributes that differ (listed in "changed", shown in
	 * old/new). added/removed/unreadable/renamed: the attributes to show
	 * in new/old (the rule's, among those present).
	 */
	struct attrset attrs;
	const char *old_key;	/* renamed */
	size_t old_keylen;
	/* watch: who made the change (the PROCINFO_* members it has), or NULL */
	const struct procinfo *process;
};

/* The record that names the entity: old for removed, else new (either if the other is NULL). */
const struct record *event_entity(const struct event *ev);

/*
 * The rules of ev as described above: *n of them (0 or 1 when
 * ev->nrules is 0).
 */
const struct rule *const *event_rules(const struct event *ev, size_t *n);

/*
 * What a check saw. Entities and events are counted apart: entries are
 * the entities the scan found, of which not_read could not be read (they
 * carry ATTR_ERROR; read is the rest); the action counts are events, one
 * per changed entity.
 */
struct event_summary {
	uint64_t added, removed, modified, renamed, unreadable;	/* events */
	uint64_t entries;	/* entities found by the scan */
	uint64_t not_read;	/* of those, not read (ATTR_ERROR) */
	uint64_t still_not_read;	/* of those, not read as at baseline (the same error) */
	double seconds;
};

/* The number of events: the sum of the action counts. */
uint64_t event_summary_events(const struct event_summary *sum);

/*
 * Appends the summary line check prints on stderr, one line:
 *   "1 modified; 5323 entries, 5309 read, 14 not read (13 as at baseline);
 *    1 event in 0.4s"
 * The first part lists the non-zero action counts in the order added,
 * removed, modified, renamed, unreadable ("3 added, 1 removed"), or says
 * "no changes". "entry" and "event" are singular for a count of 1.
 * "unreadable" counts events (entities that became unreadable), "not read"
 * every entry this scan could not read, whether reported now or before;
 * the parenthesis, there when some were not read, how many of those the
 * baseline could not read either, for the same reason (no event now).
 */
void event_summary_format(struct strbuf *out, const struct event_summary *sum);

/* Appends the event as one JSON object (no newline). src/sink/json.c */
void event_to_json(struct strbuf *out, const struct event *ev);
/* Appends the event as one text line (no newline). src/sink/text.c */
void event_to_text(struct strbuf *out, const struct event *ev);

#endif
