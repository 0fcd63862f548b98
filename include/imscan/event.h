/*
 * event.h - events and the sinks that print them.
 *
 * An event is one change to one entity under one rule. Sinks are plug-ins
 * of one interface: JSON lines (the default when stdout is not a terminal;
 * format in DESIGN.md and imscan(1)), readable text, and later CEF and
 * syslog. Each event is written and flushed whole, so a consumer reading a
 * pipe never sees half an event.
 */
#ifndef IMSCAN_EVENT_H
#define IMSCAN_EVENT_H

#include <stdint.h>
#include <stdio.h>

#include "imscan/attr.h"
#include "imscan/record.h"
#include "imscan/rules.h"

enum action { ACT_ADDED, ACT_REMOVED, ACT_MODIFIED, ACT_RENAMED, ACT_UNREADABLE };
const char *action_name(enum action a);

struct event {
	int64_t time;		/* ns since the epoch */
	const char *host;
	const char *source;	/* "check", "watch" */
	enum action action;
	const struct rule *rule;
	/*
	 * The entity: new for added/modified/unreadable/renamed, old for
	 * removed; kind and key come from it.
	 */
	const struct record *old, *new;
	/*
	 * modified: the attributes that differ (listed in "changed", shown in
	 * old/new). added/removed/unreadable: the attributes to show in
	 * new/old (the rule's, among those present).
	 */
	struct attrset attrs;
	const char *old_key;	/* renamed */
	size_t old_keylen;
};

enum sink_format { SINK_JSON, SINK_TEXT };

struct sink_summary {
	uint64_t added, removed, modified, renamed, unreadable;
	uint64_t entries;	/* entities checked */
	double seconds;
};

struct sink;

/* Writes to out (borrowed). Caller frees with sink_close(). */
struct sink *sink_new(enum sink_format fmt, FILE *out);
/* Writes and flushes one event; -1 with a message on an output error. */
int sink_emit(struct sink *s, const struct event *ev);
/* Text sinks print a summary line to out; JSON sinks print nothing. */
int sink_summary(struct sink *s, const struct sink_summary *sum);
void sink_free(struct sink *s);

/* Appends the event as one JSON object (no newline); for tests and fuzzing. */
void event_to_json(struct strbuf *out, const struct event *ev);
/* Appends the event as one text line (no newline). */
void event_to_text(struct strbuf *out, const struct event *ev);

#endif
