/*
 * event.c - what the event formats share: action names, the entity an
 * event is about, and check's summary line.
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

void sink_summary_format(struct strbuf *l, const struct sink_summary *sum)
{
	strbuf_addf(l, "%" PRIu64 " added, %" PRIu64 " removed, %" PRIu64 " modified, ",
		    sum->added, sum->removed, sum->modified);
	if (sum->renamed)
		strbuf_addf(l, "%" PRIu64 " renamed, ", sum->renamed);
	strbuf_addf(l, "%" PRIu64 " unreadable; %" PRIu64 " entries checked in %.1fs",
		    sum->unreadable, sum->entries, sum->seconds);
}
