/* linkcache.c - content hashes of multiply linked files (linkcache.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "imscan/digest.h"
#include "imscan/linkcache.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

/* Open addressing at most half full. */
#define NSLOTS (2 * LINKCACHE_MAX)

struct link_entry {
	uint64_t dev, ino;
	int64_t size, mtime, ctime;
	bool used, pending;
	uint8_t have;			/* bit i: digest_algs()[i] is in dig[i] */
	unsigned char dig[DIGEST_NALG][DIGEST_MAX];
};

struct linkcache {
	struct link_entry *slots;	/* NSLOTS, allocated on first use */
	size_t n;
};

static uint64_t dev_of(const struct statx *stx)
{
	return makedev(stx->stx_dev_major, stx->stx_dev_minor);
}

static size_t slot_of(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev * 0x9e3779b97f4a7c15u)) * 0xff51afd7ed558ccdu;

	return (size_t)(h >> 32) & (NSLOTS - 1);
}

struct linkcache *linkcache_new(void)
{
	return xcalloc(1, sizeof(struct linkcache));
}

void linkcache_free(struct linkcache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

/* The slot of stx's file, or the empty one where it would go. */
static struct link_entry *lookup(const struct linkcache *c, const struct statx *stx)
{
	uint64_t dev = dev_of(stx), ino = stx->stx_ino;

	for (size_t i = slot_of(dev, ino);; i = (i + 1) & (NSLOTS - 1)) {
		struct link_entry *e = &c->slots[i];

		if (!e->used || (e->dev == dev && e->ino == ino))
			return e;
	}
}

static bool same_stat(const struct link_entry *e, const struct statx *stx)
{
	return e->size == (int64_t)stx->stx_size && e->mtime == statx_ns(&stx->stx_mtime) &&
	       e->ctime == statx_ns(&stx->stx_ctime);
}

/* stx's entry if there is one, else NULL. */
static const struct link_entry *find(const struct linkcache *c, const struct statx *stx)
{
	const struct link_entry *e;

	if (!c->slots)
		return NULL;
	e = lookup(c, stx);
	return e->used ? e : NULL;
}

static enum linkcache_state state_of(const struct link_entry *e, const struct statx *stx)
{
	if (!e)
		return LINKCACHE_UNKNOWN;
	if (e->pending)
		return LINKCACHE_PENDING;
	return same_stat(e, stx) ? LINKCACHE_READY : LINKCACHE_STALE;
}

enum linkcache_state linkcache_state(const struct linkcache *c, const struct statx *stx)
{
	return state_of(find(c, stx), stx);
}

/* The entry for stx's file, made if need be. */
static struct link_entry *entry(struct linkcache *c, const struct statx *stx)
{
	struct link_entry *e;

	if (!c->slots)
		c->slots = xcalloc(NSLOTS, sizeof(*c->slots));
	e = lookup(c, stx);
	if (e->used)
		return e;
	if (c->n == LINKCACHE_MAX) {
		/* Full: start over rather than grow (linkcache.h). */
		memset(c->slots, 0, NSLOTS * sizeof(*c->slots));
		c->n = 0;
		e = lookup(c, stx);
	}
	c->n++;
	e->used = true;
	e->dev = dev_of(stx);
	e->ino = stx->stx_ino;
	return e;
}

void linkcache_pend(struct linkcache *c, const struct statx *stx)
{
	struct link_entry *e = entry(c, stx);

	e->pending = true;
	e->have = 0;
}

void linkcache_put(struct linkcache *c, const struct statx *stx, const struct record *rec)
{
	struct link_entry *e = entry(c, stx);
	const enum attr_id *hash_ids;
	size_t nhash;

	e->pending = false;
	e->have = 0;
	e->size = (int64_t)stx->stx_size;
	e->mtime = statx_ns(&stx->stx_mtime);
	e->ctime = statx_ns(&stx->stx_ctime);
	if (record_has(rec, ATTR_ERROR))
		return;	/* known, and useless: the next link hashes itself */
	nhash = digest_algs(&hash_ids);
	for (size_t i = 0; i < nhash; i++) {
		const unsigned char *d;
		size_t len;

		if (!record_has(rec, hash_ids[i]))
			continue;
		d = record_bytes(rec, hash_ids[i], &len);
		if (len != digest_len(hash_ids[i]))
			continue;
		memcpy(e->dig[i], d, len);
		e->have |= (uint8_t)(1u << i);
	}
}

bool linkcache_fill(const struct linkcache *c, const struct statx *stx,
		    const struct attrset *want, struct record *rec)
{
	const struct link_entry *e = find(c, stx);
	const enum attr_id *hash_ids;
	size_t nhash = digest_algs(&hash_ids);

	if (state_of(e, stx) != LINKCACHE_READY)
		return false;
	for (size_t i = 0; i < nhash; i++)
		if (attrset_has(want, hash_ids[i]) && !(e->have & (1u << i)))
			return false;
	for (size_t i = 0; i < nhash; i++)
		if (attrset_has(want, hash_ids[i]))
			record_set_bytes(rec, hash_ids[i], e->dig[i], digest_len(hash_ids[i]));
	return true;
}
