#include <stdlib.h>
#include <string.h>

#include "imscan/record.h"
#include "imscan/xalloc.h"

void record_init(struct record *r)
{
	memset(r, 0, sizeof(*r));
}

void record_release(struct record *r)
{
	free(r->ents);
	free(r->arena);
	record_init(r);
}

void record_reset(struct record *r)
{
	r->kind = KIND_FILE;
	r->keyoff = r->keylen = 0;
	r->present = ATTRSET_EMPTY;
	r->nents = 0;
	r->used = 0;
}

/* Reserves n+1 bytes in the arena and returns their offset. */
static uint32_t arena_put(struct record *r, const void *p, size_t n)
{
	uint32_t off = r->used;
	size_t need = (size_t)r->used + n + 1;

	if (need > UINT32_MAX)
		abort();	/* parsers bound every length long before this */
	if (need > r->cap) {
		size_t cap = r->cap ? r->cap : 256;

		while (cap < need)
			cap *= 2;
		r->arena = xrealloc(r->arena, cap);
		r->cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
	}
	if (n)
		memcpy(r->arena + off, p, n);
	r->arena[off + n] = '\0';
	r->used = (uint32_t)need;
	return off;
}

void record_set_key(struct record *r, enum kind k, const void *key, size_t len)
{
	r->kind = k;
	r->keyoff = arena_put(r, key, len);
	r->keylen = (uint32_t)len;
}

void record_set_int(struct record *r, enum attr_id a, int64_t v)
{
	r->val[a].i = v;
	attrset_add(&r->present, a);
}

void record_set_bytes(struct record *r, enum attr_id a, const void *p, size_t n)
{
	r->val[a].off = arena_put(r, p, n);
	r->val[a].len = (uint32_t)n;
	attrset_add(&r->present, a);
}

void record_unset(struct record *r, enum attr_id a)
{
	attrset_del(&r->present, a);
}

void record_add_entity(struct record *r, uint32_t e)
{
	uint32_t i = r->nents;

	while (i > 0 && r->ents[i - 1] >= e) {
		if (r->ents[i - 1] == e)
			return;
		i--;
	}
	if (r->nents == r->ents_cap) {
		r->ents_cap = r->ents_cap ? 2 * r->ents_cap : 4;
		r->ents = xreallocarray(r->ents, r->ents_cap, sizeof(*r->ents));
	}
	memmove(r->ents + i + 1, r->ents + i, (r->nents - i) * sizeof(*r->ents));
	r->ents[i] = e;
	r->nents++;
}

void record_copy(struct record *dst, const struct record *src)
{
	if (dst->cap < src->used) {
		dst->arena = xrealloc(dst->arena, src->used);
		dst->cap = src->used;
	}
	if (dst->ents_cap < src->nents) {
		dst->ents = xreallocarray(dst->ents, src->nents, sizeof(*dst->ents));
		dst->ents_cap = src->nents;
	}
	if (src->used)
		memcpy(dst->arena, src->arena, src->used);
	if (src->nents)
		memcpy(dst->ents, src->ents, src->nents * sizeof(*src->ents));
	dst->used = src->used;
	dst->nents = src->nents;
	dst->kind = src->kind;
	dst->keyoff = src->keyoff;
	dst->keylen = src->keylen;
	dst->present = src->present;
	memcpy(dst->val, src->val, sizeof(src->val));
}

int key_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *p = a, *q = b;
	size_t n = alen < blen ? alen : blen, i = 0;

	/* Sorted keys share long prefixes: skip them a word at a time. */
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;

		memcpy(&x, p + i, 8);
		memcpy(&y, q + i, 8);
		if (x != y)
			break;
	}
	/* Equal bytes are equal in any order, so skipping them above holds.
	 * At the first difference '/' is 0 and every other byte moves up by
	 * one: NUL stays distinct from '/' and below every other byte. */
	for (; i < n; i++) {
		unsigned x = p[i], y = q[i];

		if (x == y)
			continue;
		x = x == '/' ? 0 : x + 1;
		y = y == '/' ? 0 : y + 1;
		return x < y ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

int record_cmp(const struct record *a, const struct record *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return key_cmp(record_key(a), a->keylen, record_key(b), b->keylen);
}
