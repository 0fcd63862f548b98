/*
 * diff.c - merge a baseline and a scan into events.
 *
 * Like mtree's compare.c, but over two sorted streams instead of a spec
 * tree: one head per stream, the smaller key goes first, equal keys are
 * compared. Nothing is copied but the key of the last record of each
 * stream (to check the order) and of an unreadable directory (to keep
 * quiet about what is below it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/diff.h"
#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/strbuf.h"

/* What one rule had of one key on each side. */
struct rule_view {
	const struct rule *rule;
	struct attrset attrs;	/* union over both sides */
	bool in_old, in_new;
};

static int check_ents(const struct ruleset *rs, const struct record *r, const char *side)
{
	size_t n = rs ? rs->nents : 0;

	if (!r)
		return 0;
	for (uint32_t i = 0; i < r->nents; i++)
		if (r->ents[i] >= n)
			return error("%s references entity %" PRIu32 ", but the ruleset has %zu entities",
				     side, r->ents[i], n);
	return 0;
}

/* The one event of a key, gathered over its rules. */
struct pick {
	enum action act;
	const struct rule **rules;	/* in ruleset order */
	size_t n;
	const struct rule *top;		/* the most severe; the first among equals */
	struct attrset attrs;
};

static void pick_rule(struct pick *p, const struct rule *r, const struct attrset *attrs)
{
	p->rules[p->n++] = r;
	if (!p->top || r->severity > p->top->severity)
		p->top = r;
	attrset_or(&p->attrs, attrs);
}

/* What happened to the entity as a whole (both records NULL is no key). */
static enum action entity_action(const struct record *old, const struct record *new)
{
	/*
	 * Reported when it becomes unreadable; while it stays unreadable for
	 * the same reason, what could be read (its stat) is compared as
	 * usual, so that a non-root check of an unchanged system is quiet.
	 */
	if (!new)
		return ACT_REMOVED;
	/* new, however little of it could be read: `added`, with the error */
	if (!old)
		return ACT_ADDED;
	if (record_has(new, ATTR_ERROR) && !attr_equal(old, new, ATTR_ERROR))
		return ACT_UNREADABLE;
	return ACT_MODIFIED;
}

/* Adds one rule's view of the key to the event, if it belongs there. */
static void judge_rule(struct pick *p, const struct rule_view *v, const struct record *old,
		       const struct record *new, const struct attrset *portable)
{
	struct attrset changed, which;

	switch (p->act) {
	case ACT_ADDED:
	case ACT_UNREADABLE:
		if (v->in_new)
			pick_rule(p, v->rule, &v->attrs);
		break;
	case ACT_REMOVED:
		if (v->in_old)
			pick_rule(p, v->rule, &v->attrs);
		break;
	case ACT_MODIFIED:
	case ACT_RENAMED:
		/* a rule on one side only has nothing to compare with */
		if (!v->in_old || !v->in_new)
			break;
		which = v->attrs;
		if (portable && new->kind == KIND_FILE)
			which = attr_portable_narrow(&v->attrs, portable, old, new);
		changed = attr_changed(old, new, &which);
		/* a move is news to every rule of it, changed or not */
		if (!attrset_empty(&changed) || p->act == ACT_RENAMED)
			pick_rule(p, v->rule, &changed);
		break;
	case ACT_OVERFLOW:	/* never made by a diff */
		break;
	}
}

static int emit(const struct diff_opts *o, const struct pick *p, const struct record *old,
		const struct record *new, struct event_summary *sum)
{
	struct event ev = {
		.time = o->time,
		.host = o->host,
		.source = o->source,
		.action = p->act,
		.rule = p->top,
		.rules = p->rules,
		.nrules = p->n,
		.old = old,
		.new = new,
		.attrs = p->attrs,
	};

	if (p->act == ACT_RENAMED) {
		ev.old_key = record_key(old);
		ev.old_keylen = old->keylen;
	}

	if (sum) {
		switch (p->act) {
		case ACT_ADDED:		sum->added++; break;
		case ACT_REMOVED:	sum->removed++; break;
		case ACT_MODIFIED:	sum->modified++; break;
		case ACT_RENAMED:	sum->renamed++; break;
		case ACT_UNREADABLE:	sum->unreadable++; break;
		case ACT_OVERFLOW:	break;
		}
	}
	if (o->on_event && o->on_event(o->ctx, &ev))
		return -1;
	return 0;
}

/* ORs into v the attrs of the entities of r from *i on that belong to v->rule. */
static bool take_rule(const struct ruleset *rs, const struct record *r, uint32_t *i,
		      struct rule_view *v)
{
	bool found = false;

	while (r && *i < r->nents && rs->ents[r->ents[*i]]->rule == v->rule) {
		attrset_or(&v->attrs, &rs->ents[r->ents[*i]]->attrs);
		found = true;
		(*i)++;
	}
	return found;
}

/* Rules of one key: at most one per entity that selected it. */
#define RULES_ON_STACK 32

static int diff_pair(const struct diff_opts *o, const struct record *old, const struct record *new,
		     struct event_summary *sum, bool renamed)
{
	const struct ruleset *rs = o->rules;
	uint32_t on = old ? old->nents : 0, nn = new ? new->nents : 0;
	uint32_t i = 0, j = 0;
	const struct rule *stack[RULES_ON_STACK];
	struct pick p = { .rules = stack };
	int ret;

	if (check_ents(rs, old, "baseline") < 0 || check_ents(rs, new, "scan") < 0)
		return -1;
	if (new && record_has(new, ATTR_ERROR)) {
		if (sum) {
			sum->not_read++;
			sum->still_not_read += old && attr_equal(old, new, ATTR_ERROR);
		}
		if (o->on_not_read && o->on_not_read(o->ctx, new))
			return -1;
	}
	if (new && sum)
		sum->entries++;
	if (!old && !new)
		return 0;
	if ((size_t)on + nn > RULES_ON_STACK &&
	    !(p.rules = malloc(((size_t)on + nn) * sizeof(*p.rules))))
		return error("%s", strerror(ENOMEM));
	p.act = renamed ? ACT_RENAMED : entity_action(old, new);
	while (i < on || j < nn) {
		uint32_t first;
		struct rule_view v = { 0 };

		if (i < on && (j >= nn || old->ents[i] <= new->ents[j]))
			first = old->ents[i];
		else
			first = new->ents[j];
		v.rule = rs->ents[first]->rule;
		v.in_old = take_rule(rs, old, &i, &v);
		v.in_new = take_rule(rs, new, &j, &v);
		/* ATTR_ERROR says why, it is not a property that changed */
		attrset_del(&v.attrs, ATTR_ERROR);
		judge_rule(&p, &v, old, new, o->portable);
	}
	ret = p.n ? emit(o, &p, old, new, sum) : 0;
	if (p.rules != stack)
		free(p.rules);
	return ret;
}

int diff_one(const struct diff_opts *o, const struct record *old, const struct record *new,
	     struct event_summary *sum)
{
	return diff_pair(o, old, new, sum, false);
}

int diff_renamed(const struct diff_opts *o, const struct record *old, const struct record *new,
		 struct event_summary *sum)
{
	return diff_pair(o, old, new, sum, true);
}

/* ---- the merge -------------------------------------------------------- */

struct side {
	const struct recstream *st;
	const char *name;		/* "baseline", "scan" */
	const struct record *head;	/* borrowed; NULL at the end */
	enum kind prev_kind;
	struct strbuf prev;		/* key of the previous head */
	bool have_prev;
};

static void side_init(struct side *sd, const struct recstream *st, const char *name)
{
	memset(sd, 0, sizeof(*sd));
	sd->st = st;
	sd->name = name;
	strbuf_init(&sd->prev);
}

static void side_release(struct side *sd)
{
	strbuf_release(&sd->prev);
}

/*
 * Moves to the next record; checks the order, because a merge of unsorted
 * streams would report whole trees as removed and added again.
 */
static int side_next(struct side *sd)
{
	const struct record *r;
	struct strbuf a, b;
	int ret = sd->st->next(sd->st->self, &r);

	sd->head = NULL;
	if (ret <= 0)
		return ret;
	if (sd->have_prev && (r->kind < sd->prev_kind ||
	    (r->kind == sd->prev_kind &&
	     key_cmp(sd->prev.buf, sd->prev.len, record_key(r), r->keylen) >= 0))) {
		strbuf_init(&a);
		strbuf_init(&b);
		text_add_escaped(&a, record_key(r), r->keylen);
		text_add_escaped(&b, sd->prev.buf, sd->prev.len);
		error("%s is out of order: '%s' after '%s'", sd->name, a.buf, b.buf);
		strbuf_release(&a);
		strbuf_release(&b);
		return -1;
	}
	strbuf_reset(&sd->prev);
	strbuf_add(&sd->prev, record_key(r), r->keylen);
	sd->prev_kind = r->kind;
	sd->have_prev = true;
	sd->head = r;
	return 1;
}

/*
 * An unreadable directory was not descended. If even stat failed, the type
 * is unknown and the entry may still be one.
 */
static bool unvisited_dir(const struct record *r)
{
	return record_has(r, ATTR_ERROR) &&
	       (!record_has(r, ATTR_TYPE) || record_int(r, ATTR_TYPE) == FT_DIR);
}

/* True if r lies below the directory key dir (of kind k). */
static bool below(const struct strbuf *dir, enum kind k, const struct record *r)
{
	const char *key = record_key(r);

	if (r->kind != k || r->keylen <= dir->len)
		return false;
	if (dir->len == 1 && dir->buf[0] == '/')
		return key[0] == '/';
	return !memcmp(key, dir->buf, dir->len) && key[dir->len] == '/';
}

int diff_run(const struct diff_opts *o, const struct recstream *old,
	     const struct recstream *new, struct event_summary *sum)
{
	struct side so, sn;
	struct event_summary local;
	struct strbuf skip;	/* an unreadable directory's key, while in its subtree */
	enum kind skip_kind = KIND_FILE;
	bool skipping = false;
	int ret = -1;

	if (!sum)
		sum = &local;
	memset(sum, 0, sizeof(*sum));
	side_init(&so, old, "baseline");
	side_init(&sn, new, "scan");
	strbuf_init(&skip);
	if (side_next(&so) < 0 || side_next(&sn) < 0)
		goto cleanup;

	while (so.head || sn.head) {
		int c = !sn.head ? -1 : !so.head ? 1 : record_cmp(so.head, sn.head);
		const struct record *cur = c < 0 ? so.head : sn.head;

		/* keys below a directory follow it directly: leaving is final */
		if (skipping && !below(&skip, skip_kind, cur))
			skipping = false;
		if (c < 0) {
			/* not looked at: carried over into an updated baseline */
			if (skipping && o->on_record && o->on_record(o->ctx, so.head))
				goto cleanup;
			if (!skipping && diff_one(o, so.head, NULL, sum) < 0)
				goto cleanup;
			if (side_next(&so) < 0)
				goto cleanup;
			continue;
		}
		if (o->on_record && o->on_record(o->ctx, sn.head))
			goto cleanup;
		if (diff_one(o, c == 0 ? so.head : NULL, sn.head, sum) < 0)
			goto cleanup;
		/* an inner one changes nothing: the outer subtree holds it */
		if (!skipping && unvisited_dir(sn.head)) {
			strbuf_reset(&skip);
			strbuf_add(&skip, record_key(sn.head), sn.head->keylen);
			skip_kind = sn.head->kind;
			skipping = true;
		}
		if (c == 0 && side_next(&so) < 0)
			goto cleanup;
		if (side_next(&sn) < 0)
			goto cleanup;
	}
	ret = 0;

cleanup:
	side_release(&so);
	side_release(&sn);
	strbuf_release(&skip);
	return ret;
}
