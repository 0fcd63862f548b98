/* json.c - events as JSON lines (the member order is in event.h). */
#include <string.h>

#include "imscan/escape.h"
#include "imscan/event.h"
#include "imscan/sink.h"

/* "2026-11-25T19:20:00.123Z": milliseconds are plenty for when we noticed. */
static void add_event_time(struct strbuf *out, int64_t ns)
{
	strbuf_addc(out, '"');
	attr_format_time_prec(out, ns, 3);
	strbuf_addc(out, '"');
}

static void json_str(struct strbuf *out, const char *s)
{
	if (!s)
		s = "";
	json_add_string(out, s, strlen(s));
}

/* ,"name":{...} with the attributes of set that r has. */
static void json_attrs(struct strbuf *out, const char *name, const struct record *r,
		       const struct attrset *set)
{
	const char *sep = "";
	int a;

	strbuf_addf(out, ",\"%s\":{", name);
	ATTRSET_FOREACH(a, set) {
		/* the reason for an unreadable entity is the "error" member */
		if (a == ATTR_ERROR || !record_has(r, (enum attr_id)a))
			continue;
		strbuf_adds(out, sep);
		attr_json_member(out, r, (enum attr_id)a);
		sep = ",";
	}
	strbuf_addc(out, '}');
}

static void json_rule(struct strbuf *out, const struct rule *rule)
{
	strbuf_adds(out, ",\"rule\":");
	if (!rule) {
		strbuf_adds(out, "null");
		return;
	}
	strbuf_adds(out, "{\"id\":");
	json_str(out, rule->id);
	strbuf_adds(out, ",\"name\":");
	json_str(out, rule->name);
	strbuf_adds(out, ",\"severity\":");
	json_str(out, severity_name(rule->severity));
	strbuf_addc(out, '}');
}

void event_to_json(struct strbuf *out, const struct event *ev)
{
	const struct record *ent = event_entity(ev);
	const struct rule *rule = ev->rule;
	const char *sep = "";
	int a;

	strbuf_adds(out, "{\"time\":");
	add_event_time(out, ev->time);
	strbuf_adds(out, ",\"host\":");
	json_str(out, ev->host);
	strbuf_adds(out, ",\"source\":");
	json_str(out, ev->source);
	strbuf_addf(out, ",\"action\":\"%s\",\"kind\":\"%s\",", action_name(ev->action),
		    kind_name(ent->kind));
	json_add_member_bytes(out, "key", record_key(ent), ent->keylen);
	if (ev->action == ACT_RENAMED && ev->old_key) {
		strbuf_addc(out, ',');
		json_add_member_bytes(out, "old_key", ev->old_key, ev->old_keylen);
	}
	json_rule(out, rule);

	switch (ev->action) {
	case ACT_MODIFIED:
		strbuf_adds(out, ",\"changed\":[");
		ATTRSET_FOREACH(a, &ev->attrs) {
			if (a == ATTR_ERROR)
				continue;
			strbuf_addf(out, "%s\"%s\"", sep, attr_name((enum attr_id)a));
			sep = ",";
		}
		strbuf_addc(out, ']');
		if (ev->old)
			json_attrs(out, "old", ev->old, &ev->attrs);
		if (ev->new)
			json_attrs(out, "new", ev->new, &ev->attrs);
		break;
	case ACT_REMOVED:
		json_attrs(out, "old", ent, &ev->attrs);
		break;
	case ACT_RENAMED:
		if (ev->old)
			json_attrs(out, "old", ev->old, &ev->attrs);
		if (ev->new)
			json_attrs(out, "new", ev->new, &ev->attrs);
		break;
	case ACT_ADDED:
	case ACT_UNREADABLE:
		json_attrs(out, "new", ent, &ev->attrs);
		break;
	}
	if (ev->action == ACT_UNREADABLE && record_has(ent, ATTR_ERROR)) {
		strbuf_addc(out, ',');
		attr_json_member(out, ent, ATTR_ERROR);
	}

	strbuf_adds(out, ",\"tags\":[");
	for (size_t i = 0; rule && i < rule->ntags; i++) {
		if (i)
			strbuf_addc(out, ',');
		json_str(out, rule->tags[i]);
	}
	strbuf_adds(out, "]}");
}

const struct sink_ops sink_json_ops = {
	.name = "json",
	.open = sink_stream_open,
	.emit = sink_stream_emit,
	.close = sink_stream_close,
	.line = event_to_json,
};
