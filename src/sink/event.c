/*
 * event.c - what the event formats share: action names, the entity and
 * the rules an event is about, and check's summary line.
 *
 * The formats only arrange attributes: every value is printed by
 * attr_format()/attr_json_member(), so an event shows a value exactly as
 * `imscan show` does.
 */
#include <inttypes.h>

#include "imscan/event.h"

static const char *const action_names[] = {
	[ACT_ADDED] = "added",
	[ACT_REMOVED] = "removed",
	[ACT_MODIFIED] = "modified",
	[ACT_RENAMED] = "renamed",
	[ACT_UNREADABLE] = "unreadable",
	[ACT_OVERFLOW] = "overflow",
};

const char *action_name(enum action a)
{
	if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]))
		return "unknown";
	return action_names[a];
}

/* Removed events only have the old record. */
const struct record *event_entity(const struct event *ev)
{
	if (ev->action == ACT_REMOVED)
		return ev->old ? ev->old : ev->new;
	return ev->new ? ev->new : ev->old;
}

const struct rule *const *event_rules(const struct event *ev, size_t *n)
{
	if (ev->nrules) {
		*n = ev->nrules;
		return ev->rules;
	}
	*n = ev->rule ? 1 : 0;
	return &ev->rule;
}

uint64_t event_summary_events(const struct event_summary *sum)
{
	return sum->added + sum->removed + sum->modified + sum->renamed + sum->unreadable;
}

void event_summary_format(struct strbuf *l, const struct event_summary *sum)
{
	const struct {
		uint64_t n;
		enum action a;
	} counts[] = {
		{ sum->added, ACT_ADDED },
		{ sum->removed, ACT_REMOVED },
		{ sum->modified, ACT_MODIFIED },
		{ sum->renamed, ACT_RENAMED },
		{ sum->unreadable, ACT_UNREADABLE },
	};
	uint64_t events = event_summary_events(sum);
	const char *sep = "";

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (!counts[i].n)
			continue;
		strbuf_addf(l, "%s%" PRIu64 " %s", sep, counts[i].n, action_name(counts[i].a));
		sep = ", ";
	}
	if (!events)
		strbuf_adds(l, "no changes");
	strbuf_addf(l, "; %" PRIu64 " %s, %" PRIu64 " read, %" PRIu64 " not read",
		    sum->entries, sum->entries == 1 ? "entry" : "entries",
		    sum->entries - sum->not_read, sum->not_read);
	if (sum->not_read)
		strbuf_addf(l, " (%" PRIu64 " as at baseline)", sum->still_not_read);
	strbuf_addf(l, "; %" PRIu64 " %s in %.1fs",
		    events, events == 1 ? "event" : "events", sum->seconds);
}
