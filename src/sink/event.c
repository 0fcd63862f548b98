/*
 * event.c - events as JSON lines or text, and the sinks that write them.
 *
 * The formatters only arrange attributes: every value is printed by
 * attr_format()/attr_json_member(), so an event shows a value exactly as
 * `imscan show` does. A sink is an ops table; adding CEF or syslog is one
 * more table and one more row in sink_formats[].
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/event.h"
#include "imscan/xalloc.h"

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

/* The record that names the entity: removed events only have the old one. */
static const struct record *event_entity(const struct event *ev)
{
	if (ev->action == ACT_REMOVED)
		return ev->old ? ev->old : ev->new;
	return ev->new ? ev->new : ev->old;
}

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

static void text_str(struct strbuf *out, const char *s)
{
	if (s)
		text_add_escaped(out, s, strlen(s));
}

static void text_key(struct strbuf *out, const struct record *r)
{
	/* a user or package name alone would not say what it is */
	if (r->kind != KIND_FILE)
		strbuf_addf(out, "%s ", kind_name(r->kind));
	text_add_escaped(out, record_key(r), r->keylen);
}

#define HASH_SHOWN 8	/* hex digits kept at each end of a shortened hash */

static bool same_ends(const struct strbuf *x, const struct strbuf *y)
{
	return !memcmp(x->buf, y->buf, HASH_SHOWN) &&
	       !memcmp(x->buf + x->len - HASH_SHOWN, y->buf + y->len - HASH_SHOWN, HASH_SHOWN);
}

static void add_short_hash(struct strbuf *out, const struct strbuf *v)
{
	strbuf_add(out, v->buf, HASH_SHOWN);
	strbuf_adds(out, "\xe2\x80\xa6");	/* U+2026 HORIZONTAL ELLIPSIS */
	strbuf_add(out, v->buf + v->len - HASH_SHOWN, HASH_SHOWN);
}

/* "name: old -> new"; a missing side is "(none)". */
static void text_change(struct strbuf *out, const struct event *ev, enum attr_id a,
			struct strbuf *ov, struct strbuf *nv)
{
	bool ho = ev->old && record_has(ev->old, a);
	bool hn = ev->new && record_has(ev->new, a);
	bool shorten;

	strbuf_reset(ov);
	strbuf_reset(nv);
	if (ho)
		attr_format(ov, ev->old, a, ATTR_STYLE_TEXT);
	if (hn)
		attr_format(nv, ev->new, a, ATTR_STYLE_TEXT);
	/*
	 * Shortened hashes must still differ on screen: xxh128 collisions are
	 * cheap to make, and "abcd…1234 -> abcd…1234" would hide a change.
	 */
	shorten = attr_is_hash(a) && (!ho || ov->len > 2 * HASH_SHOWN) &&
		  (!hn || nv->len > 2 * HASH_SHOWN) && !(ho && hn && same_ends(ov, nv));

	strbuf_addf(out, "%s: ", attr_name(a));
	if (!ho)
		strbuf_adds(out, "(none)");
	else if (shorten)
		add_short_hash(out, ov);
	else
		strbuf_add(out, ov->buf, ov->len);
	strbuf_adds(out, " -> ");
	if (!hn)
		strbuf_adds(out, "(none)");
	else if (shorten)
		add_short_hash(out, nv);
	else
		strbuf_add(out, nv->buf, nv->len);
}

void event_to_text(struct strbuf *out, const struct event *ev)
{
	const struct record *ent = event_entity(ev);
	struct strbuf ov, nv;
	const char *sep = "";
	size_t len;
	int a;

	strbuf_addf(out, "%s  ", action_name(ev->action));
	text_key(out, ent);
	if (ev->rule) {
		strbuf_adds(out, "  [");
		text_str(out, ev->rule->id);
		strbuf_addc(out, ' ');
		text_str(out, severity_name(ev->rule->severity));
		strbuf_addc(out, ']');
	}
	switch (ev->action) {
	case ACT_MODIFIED:
		strbuf_init(&ov);
		strbuf_init(&nv);
		strbuf_adds(out, "  ");
		ATTRSET_FOREACH(a, &ev->attrs) {
			if (a == ATTR_ERROR)
				continue;
			strbuf_adds(out, sep);
			text_change(out, ev, (enum attr_id)a, &ov, &nv);
			sep = ", ";
		}
		strbuf_release(&ov);
		strbuf_release(&nv);
		break;
	case ACT_RENAMED:
		if (ev->old_key) {
			strbuf_adds(out, "  from ");
			text_add_escaped(out, ev->old_key, ev->old_keylen);
		}
		break;
	case ACT_UNREADABLE:
		if (record_has(ent, ATTR_ERROR)) {
			const unsigned char *p = record_bytes(ent, ATTR_ERROR, &len);

			strbuf_adds(out, "  ");
			text_add_escaped(out, p, len);
		}
		break;
	case ACT_ADDED:
	case ACT_REMOVED:
		break;
	}
}

/* ---- sinks ------------------------------------------------------------ */

struct sink;

/*
 * One output format. emit returns 0 or -1 with a message;
 * release frees what the format added to the sink (not the sink).
 */
struct sink_ops {
	const char *name;
	int (*emit)(struct sink *s, const struct event *ev);
	void (*release)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	FILE *out;
	struct strbuf line;	/* reused for every event */
};

/*
 * One fwrite per line, then a flush: a reader of a pipe or a file being
 * tailed sees whole events only, and a full disk is an error now, not at
 * exit.
 */
static int sink_write_line(struct sink *s)
{
	errno = 0;
	if (fwrite(s->line.buf, 1, s->line.len, s->out) != s->line.len ||
	    fflush(s->out) == EOF || ferror(s->out))
		return error("cannot write events: %s", strerror(errno ? errno : EIO));
	return 0;
}

static int json_emit(struct sink *s, const struct event *ev)
{
	strbuf_reset(&s->line);
	event_to_json(&s->line, ev);
	strbuf_addc(&s->line, '\n');
	return sink_write_line(s);
}

static int text_emit(struct sink *s, const struct event *ev)
{
	strbuf_reset(&s->line);
	event_to_text(&s->line, ev);
	strbuf_addc(&s->line, '\n');
	return sink_write_line(s);
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

static void plain_release(struct sink *s)
{
	strbuf_release(&s->line);
}

static const struct sink_ops json_ops = {
	"json", json_emit, plain_release,
};

static const struct sink_ops text_ops = {
	"text", text_emit, plain_release,
};

static const struct sink_ops *const sink_formats[] = {
	[SINK_JSON] = &json_ops,
	[SINK_TEXT] = &text_ops,
};

#define NFORMATS (sizeof(sink_formats) / sizeof(sink_formats[0]))

int sink_format_parse(const char *name, enum sink_format *out)
{
	for (size_t i = 0; i < NFORMATS; i++) {
		if (sink_formats[i] && !strcmp(name, sink_formats[i]->name)) {
			*out = (enum sink_format)i;
			return 0;
		}
	}
	return error("unknown output format '%s' (expected json or text)", name);
}

struct sink *sink_new(enum sink_format fmt, FILE *out)
{
	struct sink *s;

	if ((unsigned)fmt >= NFORMATS || !sink_formats[fmt]) {
		error("unknown output format %d", (int)fmt);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->ops = sink_formats[fmt];
	s->out = out;
	strbuf_init(&s->line);
	return s;
}

int sink_emit(struct sink *s, const struct event *ev)
{
	return s->ops->emit(s, ev);
}

void sink_free(struct sink *s)
{
	if (!s)
		return;
	s->ops->release(s);
	free(s);
}
