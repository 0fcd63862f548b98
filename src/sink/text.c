/* text.c - events as readable lines (the layout is in event.h). */
#include <stdbool.h>
#include <string.h>

#include "imscan/escape.h"
#include "imscan/event.h"
#include "imscan/sink.h"

static void text_str(struct strbuf *out, const char *s)
{
	if (s)
		text_add_escaped(out, s, strlen(s));
}

static void text_key(struct strbuf *out, const struct record *r)
{
	/* a user or package name alone would not say what it is */
	if (r->kind != KIND_FILE) {
		strbuf_adds(out, kind_name(r->kind));
		strbuf_addc(out, ' ');
	}
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

	strbuf_adds(out, attr_name(a));
	strbuf_add(out, ": ", 2);
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

/* "  by vi[4242] uid 0 (root)": what was read of the process. */
static void text_process(struct strbuf *out, const struct procinfo *p)
{
	strbuf_adds(out, "  by ");
	if (p->have & PROCINFO_COMM)
		text_str(out, p->comm);
	strbuf_addc(out, '[');
	strbuf_add_i64(out, p->pid);
	strbuf_addc(out, ']');
	if (p->have & PROCINFO_UID) {
		strbuf_adds(out, " uid ");
		strbuf_add_u64(out, p->uid);
	}
	if (p->have & PROCINFO_USER) {
		strbuf_adds(out, " (");
		text_str(out, p->user);
		strbuf_addc(out, ')');
	}
}

void event_to_text(struct strbuf *out, const struct event *ev)
{
	const struct record *ent = event_entity(ev);
	struct strbuf ov, nv;
	const char *sep = "";
	size_t len;
	int a;

	strbuf_adds(out, action_name(ev->action));
	strbuf_add(out, "  ", 2);
	text_key(out, ent);
	if (ev->rule) {
		size_t n;

		event_rules(ev, &n);
		strbuf_adds(out, "  [");
		text_str(out, ev->rule->id);
		strbuf_addc(out, ' ');
		text_str(out, severity_name(ev->rule->severity));
		if (n > 1)
			strbuf_addf(out, " +%zu", n - 1);
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
	case ACT_ADDED:
		if (record_has(ent, ATTR_ERROR)) {
			const unsigned char *p = record_bytes(ent, ATTR_ERROR, &len);

			strbuf_adds(out, "  ");
			text_add_escaped(out, p, len);
		}
		break;
	case ACT_REMOVED:
	case ACT_OVERFLOW:
		break;
	}
	if (ev->process)
		text_process(out, ev->process);
}

const struct sink_ops sink_text_ops = {
	.name = "text",
	.open = sink_stream_open,
	.emit = sink_stream_emit,
	.close = sink_stream_close,
	.line = event_to_text,
};
