/*
 * debounce.c - pending entries keyed by path, in two time orders.
 *
 * Each entry sits in a hash chain and in two lists: by last event (moved
 * to the tail on every event) and by first event (never moved). The head of
 * each list is the earliest to become due by its rule, so the next due time
 * and the next due entry are found in constant time.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imscan/watch_debounce.h"
#include "imscan/xalloc.h"

struct dproc {
	struct procinfo pi;
	uint32_t refs;
	struct dproc *next;
};

struct link {
	struct dent *prev, *next;
};

struct dent {
	struct dent *hnext;
	struct link bylast, byfirst;
	uint64_t hash, first, last;
	uint32_t count;
	unsigned what;
	bool isdir, more;
	uint8_t nprocs;
	struct dproc *procs[DEBOUNCE_PROCS];
	char *from;		/* renamed from this path, if it was */
	char path[];
};

struct list {
	struct dent *head, *tail;
};

struct debounce {
	unsigned ms, max_ms;
	struct dent **bucket;
	size_t nbucket, n;
	struct list bylast, byfirst;
	struct dproc *procs;
	struct dent *popped;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

#define LINK(e, off) ((struct link *)(void *)((char *)(e) + (off)))

static void list_push(struct list *l, struct dent *e, size_t off)
{
	LINK(e, off)->prev = l->tail;
	LINK(e, off)->next = NULL;
	if (l->tail)
		LINK(l->tail, off)->next = e;
	else
		l->head = e;
	l->tail = e;
}

static void list_unlink(struct list *l, struct dent *e, size_t off)
{
	struct link *k = LINK(e, off);

	if (k->prev)
		LINK(k->prev, off)->next = k->next;
	else
		l->head = k->next;
	if (k->next)
		LINK(k->next, off)->prev = k->prev;
	else
		l->tail = k->prev;
}

#define OFF_LAST offsetof(struct dent, bylast)
#define OFF_FIRST offsetof(struct dent, byfirst)

struct debounce *debounce_new(unsigned ms, unsigned max_ms)
{
	struct debounce *d = xcalloc(1, sizeof(*d));

	d->ms = ms;
	d->max_ms = max_ms < ms ? ms : max_ms;
	d->nbucket = 256;
	d->bucket = xcalloc(d->nbucket, sizeof(*d->bucket));
	return d;
}

static bool same_proc(const struct procinfo *a, const struct procinfo *b)
{
	return a->pid == b->pid && a->have == b->have && a->verified == b->verified &&
	       a->uid == b->uid && a->euid == b->euid && a->loginuid == b->loginuid &&
	       strcmp(a->comm, b->comm) == 0 && strcmp(a->exe, b->exe) == 0 &&
	       strcmp(a->user, b->user) == 0 && strcmp(a->login, b->login) == 0;
}

/* A shared copy of p, one more reference taken. */
static struct dproc *proc_ref(struct debounce *d, const struct procinfo *p)
{
	struct dproc *q;

	for (q = d->procs; q; q = q->next)
		if (same_proc(&q->pi, p))
			break;
	if (!q) {
		q = xcalloc(1, sizeof(*q));
		q->pi = *p;
		q->next = d->procs;
		d->procs = q;
	}
	q->refs++;
	return q;
}

static void proc_unref(struct debounce *d, struct dproc *q)
{
	struct dproc **pp;

	if (--q->refs > 0)
		return;
	for (pp = &d->procs; *pp != q; pp = &(*pp)->next)
		;
	*pp = q->next;
	free(q);
}

static void dent_free(struct debounce *d, struct dent *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nprocs; i++)
		proc_unref(d, e->procs[i]);
	free(e->from);
	free(e);
}

void debounce_free(struct debounce *d)
{
	struct dent *e, *next;

	if (!d)
		return;
	for (e = d->bylast.head; e; e = next) {
		next = e->bylast.next;
		dent_free(d, e);
	}
	dent_free(d, d->popped);
	free(d->bucket);
	free(d);
}

static void grow(struct debounce *d)
{
	size_t nb = d->nbucket * 2;
	struct dent **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < d->nbucket; i++) {
		struct dent *e = d->bucket[i], *next;

		for (; e; e = next) {
			next = e->hnext;
			e->hnext = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(d->bucket);
	d->bucket = b;
	d->nbucket = nb;
}

static struct dent *lookup(struct debounce *d, const char *path, uint64_t h, uint64_t now)
{
	struct dent *e;
	size_t len;

	for (e = d->bucket[h & (d->nbucket - 1)]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->path, path) == 0)
			return e;
	if (d->n >= d->nbucket)
		grow(d);
	len = strlen(path);
	e = xcalloc(1, sizeof(*e) + len + 1);
	memcpy(e->path, path, len + 1);
	e->hash = h;
	e->first = now;
	e->hnext = d->bucket[h & (d->nbucket - 1)];
	d->bucket[h & (d->nbucket - 1)] = e;
	d->n++;
	list_push(&d->byfirst, e, OFF_FIRST);
	list_push(&d->bylast, e, OFF_LAST);
	return e;
}

static void add_proc(struct debounce *d, struct dent *e, const struct procinfo *p)
{
	for (size_t i = 0; i < e->nprocs; i++)
		if (same_proc(&e->procs[i]->pi, p))
			return;
	if (e->nprocs == DEBOUNCE_PROCS) {
		e->more = true;
		return;
	}
	e->procs[e->nprocs++] = proc_ref(d, p);
}

void debounce_add(struct debounce *d, const char *path, unsigned what, bool isdir,
		  const struct procinfo *proc, uint64_t now_ms)
{
	uint64_t h = hash_str(path);
	struct dent *e = lookup(d, path, h, now_ms);

	if (e->count > 0) {
		list_unlink(&d->bylast, e, OFF_LAST);
		list_push(&d->bylast, e, OFF_LAST);
	}
	e->last = now_ms;
	e->count++;
	e->what |= what;
	e->isdir = isdir;
	if (proc)
		add_proc(d, e, proc);
}

/* The pending entry of path, taken out of the table; NULL if none. */
static struct dent *unhook(struct debounce *d, const char *path)
{
	uint64_t h = hash_str(path);
	struct dent **pp = &d->bucket[h & (d->nbucket - 1)], *e;

	for (; (e = *pp); pp = &e->hnext) {
		if (e->hash != h || strcmp(e->path, path))
			continue;
		*pp = e->hnext;
		list_unlink(&d->bylast, e, OFF_LAST);
		list_unlink(&d->byfirst, e, OFF_FIRST);
		d->n--;
		return e;
	}
	return NULL;
}

void debounce_rename(struct debounce *d, const char *from, const char *to, unsigned what,
		     const struct procinfo *proc, uint64_t now_ms)
{
	struct dent *old = unhook(d, from), *e;
	/* a -> from -> to is a -> to: what from was pending for is to's now */
	char *origin = xstrdup(old && old->from ? old->from : from);

	what |= old ? old->what : 0;
	debounce_add(d, to, what, false, NULL, now_ms);
	e = lookup(d, to, hash_str(to), now_ms);
	for (size_t i = 0; old && i < old->nprocs; i++)
		add_proc(d, e, &old->procs[i]->pi);
	if (proc)
		add_proc(d, e, proc);
	dent_free(d, old);
	if (e->from && strcmp(e->from, origin)) {
		/* to was the target of another move before: that one's old
		 * name is an entry of its own, gone */
		debounce_add(d, e->from, what, false, proc, now_ms);
		e = lookup(d, to, hash_str(to), now_ms);
	}
	free(e->from);
	e->from = origin;
}

static uint64_t due_of(const struct debounce *d)
{
	uint64_t a = d->bylast.head->last + d->ms, b = d->byfirst.head->first + d->max_ms;

	return a < b ? a : b;
}

int debounce_timeout(const struct debounce *d, uint64_t now_ms)
{
	uint64_t due;

	if (!d->n)
		return -1;
	due = due_of(d);
	if (due <= now_ms)
		return 0;
	return due - now_ms > (uint64_t)INT32_MAX ? INT32_MAX : (int)(due - now_ms);
}

static void take(struct debounce *d, struct dent *e, struct debounce_item *out)
{
	struct dent **pp = &d->bucket[e->hash & (d->nbucket - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	list_unlink(&d->bylast, e, OFF_LAST);
	list_unlink(&d->byfirst, e, OFF_FIRST);
	d->n--;
	dent_free(d, d->popped);
	d->popped = e;
	memset(out, 0, sizeof(*out));
	out->path = e->path;
	out->what = e->what;
	out->isdir = e->isdir;
	out->first_ms = e->first;
	out->last_ms = e->last;
	out->count = e->count;
	out->from = e->from;
	out->nprocs = e->nprocs;
	out->more_procs = e->more;
	for (size_t i = 0; i < e->nprocs; i++)
		out->procs[i] = &e->procs[i]->pi;
}

int debounce_pop(struct debounce *d, uint64_t now_ms, struct debounce_item *out)
{
	if (!d->n)
		return 0;
	if (d->bylast.head->last + d->ms <= now_ms) {
		take(d, d->bylast.head, out);
		return 1;
	}
	if (d->byfirst.head->first + d->max_ms <= now_ms) {
		take(d, d->byfirst.head, out);
		return 1;
	}
	return 0;
}

int debounce_drain(struct debounce *d, struct debounce_item *out)
{
	if (!d->n)
		return 0;
	take(d, d->byfirst.head, out);
	return 1;
}

size_t debounce_pending(const struct debounce *d)
{
	return d->n;
}

uint64_t debounce_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}
