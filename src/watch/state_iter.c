/* state_iter.c - a sorted snapshot of one subtree of the watch state. */
#include <stdlib.h>
#include <string.h>

#include "imscan/watch_state_impl.h"
#include "imscan/xalloc.h"

/* ---- subtree iteration ---- */

struct iter_item {
	char *key;
	size_t keylen, off;
};

struct state_iter {
	const struct state *st;
	struct strbuf buf;
	struct iter_item *items;
	size_t n, cap, pos;
	struct record rec;
};

static int cmp_item(const void *a, const void *b)
{
	const struct iter_item *x = a, *y = b;

	return key_cmp(x->key, x->keylen, y->key, y->keylen);
}

static bool in_subtree(const char *key, size_t len, const char *base, size_t bl)
{
	if (bl == 1 && base[0] == '/')
		return true;
	return len >= bl && memcmp(key, base, bl) == 0 && (len == bl || key[bl] == '/');
}

static void iter_take(struct state_iter *it, const unsigned char *e, size_t elen, char *key,
		      size_t keylen)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 64;
		it->items = xreallocarray(it->items, it->cap, sizeof(*it->items));
	}
	it->items[it->n].key = key;
	it->items[it->n].keylen = keylen;
	it->items[it->n++].off = it->buf.len;
	strbuf_add(&it->buf, e, elen);
}

struct state_iter *state_subtree(const struct state *st, enum kind k, const char *base)
{
	struct state_iter *it = xcalloc(1, sizeof(*it));
	size_t bl = strlen(base);

	it->st = st;
	strbuf_init(&it->buf);
	record_init(&it->rec);
	for (size_t i = 0; i < st->nslot; i++) {
		const unsigned char *e, *p;
		const char *name, *dir = "";
		size_t nl, dl = 0, kl;
		uint32_t did;
		enum kind ek;
		char *key;

		if (st->slot[i] <= SLOT_TOMB)
			continue;
		e = p = st->arena + st->slot[i] - 2;
		state_entry_key(&p, &ek, &did, &name, &nl);
		if (ek != k)
			continue;
		if (did)
			dir = state_str_of(&st->str, did, &dl);
		kl = dl + (did != 0) + nl;
		key = xmalloc(kl + 1);
		memcpy(key, dir, dl);
		if (did)
			key[dl] = '/';
		memcpy(key + dl + (did != 0), name, nl);
		key[kl] = '\0';
		if (in_subtree(key, kl, base, bl))
			iter_take(it, e, state_entry_len(e), key, kl);
		else
			free(key);
	}
	if (it->n > 1)
		qsort(it->items, it->n, sizeof(*it->items), cmp_item);
	return it;
}

static int iter_next(void *self, const struct record **out)
{
	struct state_iter *it = self;

	if (it->pos == it->n)
		return 0;
	state_decode(it->st, (const unsigned char *)it->buf.buf + it->items[it->pos++].off, &it->rec);
	*out = &it->rec;
	return 1;
}

struct recstream state_iter_stream(struct state_iter *it)
{
	return (struct recstream){ .next = iter_next, .self = it };
}

void state_iter_free(struct state_iter *it)
{
	if (!it)
		return;
	for (size_t i = 0; i < it->n; i++)
		free(it->items[i].key);
	free(it->items);
	strbuf_release(&it->buf);
	record_release(&it->rec);
	free(it);
}
