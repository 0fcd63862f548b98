/* json.c - events as JSON lines (the member order is in event.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/escape.h"
#include "imscan/event.h"
#include "imscan/sink.h"
#include "imscan/xalloc.h"

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

	strbuf_add(out, ",\"", 2);
	strbuf_adds(out, name);
	strbuf_add(out, "\":{", 3);
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

/* {"id":…,"name":…,"severity":…} */
static void json_rule_object(struct strbuf *out, const struct rule *rule)
{
	strbuf_adds(out, "{\"id\":");
	json_str(out, rule->id);
	strbuf_adds(out, ",\"name\":");
	json_str(out, rule->name);
	strbuf_adds(out, ",\"severity\":");
	json_str(out, severity_name(rule->severity));
	strbuf_addc(out, '}');
}

static void json_rules(struct strbuf *out, const struct event *ev)
{
	size_t n;
	const struct rule *const *rules = event_rules(ev, &n);

	strbuf_adds(out, ",\"rule\":");
	if (ev->rule)
		json_rule_object(out, ev->rule);
	else
		strbuf_adds(out, "null");
	strbuf_adds(out, ",\"rules\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addc(out, ',');
		json_rule_object(out, rules[i]);
	}
	strbuf_addc(out, ']');
}

/*
 * Tags already printed, so that each appears once. Rules may carry many
 * tags (a baseline's rules are input like any other), so this is a hash
 * set, not a scan of what came before.
 */
struct tagset {
	const char **slot;
	size_t mask;
};

static uint64_t tag_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* true if tag was not in the set (and is now). */
static bool tagset_add(struct tagset *ts, const char *tag)
{
	size_t i = (size_t)tag_hash(tag) & ts->mask;

	while (ts->slot[i]) {
		if (!strcmp(ts->slot[i], tag))
			return false;
		i = (i + 1) & ts->mask;
	}
	ts->slot[i] = tag;
	return true;
}

/* The union of the rules' tags, each once, in the order first met. */
static void json_tags(struct strbuf *out, const struct event *ev)
{
	size_t n, total = 0, size = 8;
	const struct rule *const *rules = event_rules(ev, &n);
	const char *small[64];
	struct tagset ts;
	const char *sep = "";

	for (size_t i = 0; i < n; i++)
		total += rules[i]->ntags;
	while (size < 2 * total)
		size *= 2;
	if (size <= sizeof(small) / sizeof(small[0])) {
		memset(small, 0, sizeof(small));
		ts.slot = small;
	} else {
		ts.slot = xcalloc(size, sizeof(*ts.slot));
	}
	ts.mask = size - 1;
	strbuf_adds(out, ",\"tags\":[");
	for (size_t i = 0; i < n; i++) {
		for (size_t t = 0; t < rules[i]->ntags; t++) {
			if (!tagset_add(&ts, rules[i]->tags[t]))
				continue;
			strbuf_adds(out, sep);
			json_str(out, rules[i]->tags[t]);
			sep = ",";
		}
	}
	strbuf_addc(out, ']');
	if (ts.slot != small)
		free(ts.slot);
}

/* ,"process":{...} with the members that could be read (DESIGN.md). */
static void json_process(struct strbuf *out, const struct procinfo *p)
{
	strbuf_adds(out, ",\"process\":{\"pid\":");
	strbuf_add_i64(out, p->pid);
	if (p->have & PROCINFO_COMM) {
		strbuf_adds(out, ",\"comm\":");
		json_str(out, p->comm);
	}
	if ((p->have & PROCINFO_EXE) && p->exe[0]) {
		strbuf_addc(out, ',');
		json_add_member_bytes(out, "exe", p->exe, strlen(p->exe));
	}
	if (p->have & PROCINFO_UID) {
		strbuf_adds(out, ",\"uid\":");
		strbuf_add_u64(out, p->uid);
	}
	if (p->have & PROCINFO_USER) {
		strbuf_adds(out, ",\"user\":");
		json_str(out, p->user);
	}
	if (p->have & PROCINFO_LOGINUID) {
		strbuf_adds(out, ",\"loginuid\":");
		strbuf_add_u64(out, p->loginuid);
	}
	if (p->have & PROCINFO_LOGIN) {
		strbuf_adds(out, ",\"login\":");
		json_str(out, p->login);
	}
	strbuf_addc(out, '}');
}

void event_to_json(struct strbuf *out, const struct event *ev)
{
	const struct record *ent = event_entity(ev);
	const char *sep = "";
	int a;

	strbuf_adds(out, "{\"time\":");
	add_event_time(out, ev->time);
	strbuf_adds(out, ",\"host\":");
	json_str(out, ev->host);
	strbuf_adds(out, ",\"source\":");
	json_str(out, ev->source);
	/* action and kind names are plain ASCII: nothing to escape */
	strbuf_adds(out, ",\"action\":\"");
	strbuf_adds(out, action_name(ev->action));
	strbuf_adds(out, "\",\"kind\":\"");
	strbuf_adds(out, kind_name(ent->kind));
	strbuf_add(out, "\",", 2);
	json_add_member_bytes(out, "key", record_key(ent), ent->keylen);
	if (ev->action == ACT_RENAMED && ev->old_key) {
		strbuf_addc(out, ',');
		json_add_member_bytes(out, "old_key", ev->old_key, ev->old_keylen);
	}
	json_rules(out, ev);

	switch (ev->action) {
	case ACT_MODIFIED:
	case ACT_RENAMED:
		strbuf_adds(out, ",\"changed\":[");
		ATTRSET_FOREACH(a, &ev->attrs) {
			if (a == ATTR_ERROR)
				continue;
			strbuf_adds(out, sep);
			strbuf_addc(out, '"');
			strbuf_adds(out, attr_name((enum attr_id)a));
			strbuf_addc(out, '"');
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
	case ACT_ADDED:
	case ACT_UNREADABLE:
		json_attrs(out, "new", ent, &ev->attrs);
		break;
	case ACT_OVERFLOW:
		break;
	}
	if ((ev->action == ACT_UNREADABLE || ev->action == ACT_ADDED) && record_has(ent, ATTR_ERROR)) {
		strbuf_addc(out, ',');
		attr_json_member(out, ent, ATTR_ERROR);
	}
	json_tags(out, ev);
	if (ev->process)
		json_process(out, ev->process);
	strbuf_addc(out, '}');
}

const struct sink_ops sink_json_ops = {
	.name = "json",
	.open = sink_stream_open,
	.emit = sink_stream_emit,
	.close = sink_stream_close,
	.line = event_to_json,
};
