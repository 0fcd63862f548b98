/* engine_scan.c - re-scans, polls and the baseline rewrite of watch (watch_engine.h). */
#include <errno.h>
#include <fts.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imscan/diff.h"
#include "imscan/error.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "watch_engine_impl.h"

int64_t engine_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct keylist {
	char **v;
	size_t n, cap;
};

static void keylist_add(struct keylist *l, char *key)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = key;
}

static void keylist_release(struct keylist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every path at and below dir (a key) that exists now, as keys. */
static void list_tree(const struct engine *e, const char *dir, struct keylist *out)
{
	bool at_root = !strcmp(e->root, "/");
	char *host = at_root ? xstrdup(dir) : NULL;
	char *argv[2];
	size_t hostlen, dirlen = strlen(dir);
	FTS *fts;
	FTSENT *f;

	if (!host) {
		host = xmalloc(strlen(e->root) + dirlen + 1);
		strcpy(host, e->root);
		strcat(host, strcmp(dir, "/") ? dir : "");
	}
	hostlen = strlen(host);
	argv[0] = host;
	argv[1] = NULL;
	fts = fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR | FTS_NOSTAT, NULL);
	while (fts && (f = fts_read(fts))) {
		struct strbuf k;

		if (f->fts_info == FTS_DP)
			continue;
		strbuf_init(&k);
		strbuf_adds(&k, dir);
		if (f->fts_pathlen > hostlen)
			strbuf_adds(&k, f->fts_path + hostlen + (dirlen == 1));
		keylist_add(out, strbuf_detach(&k, NULL));
	}
	if (fts)
		fts_close(fts);
	free(host);
}

int engine_rescan(struct engine *e, const char *dir)
{
	struct keylist keys = { 0 };
	struct state_iter *it;
	struct recstream rs;
	const struct record *r;
	struct record old;
	int rc = 0, n;

	/* the store must hold every probe submitted before */
	if (engine_sync(e) < 0)
		return -1;
	list_tree(e, dir, &keys);
	for (size_t i = 0; !rc && i < keys.n; i++)
		rc = engine_probe(e, keys.v[i]);
	qsort(keys.v, keys.n, sizeof(*keys.v), cmp_key);
	/* what the store has there and the walk did not find is gone */
	it = state_subtree(e->st, KIND_FILE, dir);
	rs = state_iter_stream(it);
	record_init(&old);
	while (!rc && (n = rs.next(rs.self, &r)) > 0) {
		char *key = xstrndup(record_key(r), r->keylen);

		if (!bsearch(&key, keys.v, keys.n, sizeof(*keys.v), cmp_key)) {
			record_copy(&old, r);
			rc = engine_apply(e, &old, NULL);
		}
		free(key);
	}
	if (!rc && n < 0)
		rc = -1;
	record_release(&old);
	state_iter_free(it);
	keylist_release(&keys);
	return rc;
}

int engine_overflow(struct engine *e)
{
	struct record r;
	struct event ev = { .time = engine_now(), .host = e->conf.host, .source = "watch",
			    .action = ACT_OVERFLOW };
	int rc;

	record_init(&r);
	record_set_key(&r, KIND_FILE, "/", 1);
	ev.new = &r;
	e->overflows++;
	engine_settle(e);
	rc = sink_list_emit(e->conf.sinks, &ev);
	record_release(&r);
	e->proc = NULL;
	for (size_t i = 0; !rc && i < e->nbases; i++)
		rc = engine_rescan(e, e->bases[i]);
	engine_settle(e);
	return rc;
}

/* The store's records of the polled kinds, watched entities only. */
struct poll_old {
	struct engine *e;
	int kind;
	struct state_iter *it;
	struct recstream cur;
	struct record rec;
};

static int poll_old_next(void *self, const struct record **out)
{
	struct poll_old *p = self;
	const struct record *r;
	int n;

	for (;;) {
		if (!p->it) {
			if (++p->kind >= KIND__COUNT)
				return 0;
			p->it = state_subtree(p->e->st, (enum kind)p->kind, "/");
			p->cur = state_iter_stream(p->it);
		}
		if ((n = p->cur.next(p->cur.self, &r)) < 0)
			return -1;
		if (!n) {
			state_iter_free(p->it);
			p->it = NULL;
			continue;
		}
		if ((*out = engine_watched(p->e, r, false, &p->rec)))
			return 1;
	}
}

static int poll_event(void *ctx, const struct event *ev)
{
	struct engine *e = ctx;
	const struct record *r = event_entity(ev);

	if (sink_list_emit(e->conf.sinks, ev) < 0)
		return -1;
	if (ev->action == ACT_REMOVED) {
		state_remove(e->st, r->kind, record_key(r), r->keylen);
		e->dirty = true;
	}
	return 0;
}

/* The store keeps the entities of rules that are not polled. */
static int poll_record(void *ctx, const struct record *r)
{
	struct engine *e = ctx;

	if (state_get(e->st, r->kind, record_key(r), r->keylen, &e->old)) {
		uint32_t n = e->old.nents;

		record_copy(&e->new, r);
		for (uint32_t i = 0; i < n; i++)
			if (e->old.ents[i] >= e->rs.nents || !e->keep[e->old.ents[i]])
				record_add_entity(&e->new, e->old.ents[i]);
		r = &e->new;
	}
	e->dirty = true;
	return state_put(e->st, r);
}

static void sum_add(struct event_summary *to, const struct event_summary *s)
{
	to->added += s->added;
	to->removed += s->removed;
	to->modified += s->modified;
	to->renamed += s->renamed;
	to->unreadable += s->unreadable;
}

int engine_poll(struct engine *e)
{
	struct ruleset view = e->rs;
	struct source_opts so = e->so;
	struct poll_old po = { .e = e, .kind = KIND_FILE };
	struct diff_opts d = { .rules = &e->rs, .host = e->conf.host, .source = "watch",
			       .time = engine_now(), .on_event = poll_event,
			       .on_record = poll_record, .ctx = e };
	struct source_run *sr;
	struct event_summary s;
	struct recstream olds = { poll_old_next, &po }, news;
	int rc;

	if (!e->npoll)
		return 0;
	view.ents = e->poll_ents;
	view.nents = e->npoll;
	so.rules = &view;
	if (!(sr = sources_open(&so)))
		return -1;
	record_init(&po.rec);
	news = sources_stream(sr);
	rc = diff_run(&d, &olds, &news, &s);
	sum_add(&e->sum, &s);
	state_iter_free(po.it);
	record_release(&po.rec);
	sources_close(sr);
	return rc;
}

int engine_write(struct engine *e)
{
	/* The baseline's rules, origin and key stay; the state is of now. */
	struct baseline_spec h = {
		.created = engine_now(), .host = e->conf.host, .root = e->root,
		.hash = e->h.hash, .tool = "imscan " IMSCAN_VERSION, .rules_json = e->h.rules_json,
		.origin = e->h.origin.recorded ? &e->h.origin : NULL,
		.digest_key = e->h.has_digest_key ? e->h.digest_key : NULL,
	};
	struct baseline_writer *w;
	int rc = 0;

	if (baseline_writer_open(&w, e->conf.file, &h) < 0)
		return -1;
	for (int k = 0; !rc && k < KIND__COUNT; k++) {
		struct state_iter *it = state_subtree(e->st, (enum kind)k, "/");
		struct recstream rs = state_iter_stream(it);
		const struct record *r;
		int n;

		while ((n = rs.next(rs.self, &r)) > 0 && !(rc = baseline_writer_add(w, r)))
			;
		if (n < 0)
			rc = -1;
		state_iter_free(it);
	}
	if (rc) {
		baseline_writer_abort(w);
		return -1;
	}
	if (baseline_writer_commit(w, NULL) < 0)
		return -1;
	e->dirty = false;
	return 0;
}
