/*
 * state.c - watch's compact record store: an arena of encoded records and
 * an open-addressing index of their offsets.
 *
 * Entry: varint(body length) body, where body is
 *   kind(1) varint(dir id) varint(name length) name
 *   varint(present.w[0]) varint(present.w[1])
 *   one value per present attribute, ascending
 *   varint(entity count) entity deltas
 * A dir id is 0 for a key without '/', else the string-table id of the
 * bytes before the last '/'. The string table only grows, so ids stay valid
 * for as long as the store lives.
 */
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/strbuf.h"
#include "imscan/watch_state.h"
#include "imscan/watch_state_impl.h"
#include "imscan/xalloc.h"

#define ARENA_MAX 0xfffffff0u

/* ---- varints ---- */

static size_t varint_hdr(unsigned char *hdr, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		hdr[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	hdr[n++] = (unsigned char)v;
	return n;
}

static void put_varint(struct strbuf *sb, uint64_t v)
{
	unsigned char b[10];

	strbuf_add(sb, b, varint_hdr(b, v));
}

static uint64_t get_varint(const unsigned char **p)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (**p & 0x80) {
		v |= (uint64_t)(**p & 0x7f) << shift;
		shift += 7;
		(*p)++;
	}
	v |= (uint64_t)**p << shift;
	(*p)++;
	return v;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

#define FNV0 1469598103934665603ull

/* ---- string table ---- */

const char *state_str_of(const struct strtab *t, uint32_t id, size_t *len)
{
	*len = t->len[id - 1];
	return t->bytes.buf + t->off[id - 1];
}

static void str_grow(struct strtab *t)
{
	size_t nn = t->nslot ? t->nslot * 2 : 64;
	uint32_t *s = xcalloc(nn, sizeof(*s));

	for (size_t id = 1; id <= t->n; id++) {
		size_t len;
		const char *p = state_str_of(t, (uint32_t)id, &len);
		size_t i = fnv(FNV0, p, len) & (nn - 1);

		while (s[i])
			i = (i + 1) & (nn - 1);
		s[i] = (uint32_t)id;
	}
	free(t->slot);
	t->slot = s;
	t->nslot = nn;
}

/* The id of p, 0 if absent and !add. */
static uint32_t str_id(struct strtab *t, const void *p, size_t len, bool add)
{
	size_t i;

	if (t->nslot) {
		for (i = fnv(FNV0, p, len) & (t->nslot - 1); t->slot[i]; i = (i + 1) & (t->nslot - 1)) {
			size_t l;
			const char *s = state_str_of(t, t->slot[i], &l);

			if (l == len && memcmp(s, p, len) == 0)
				return t->slot[i];
		}
	}
	if (!add)
		return 0;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->off = xreallocarray(t->off, t->cap, sizeof(*t->off));
		t->len = xreallocarray(t->len, t->cap, sizeof(*t->len));
	}
	t->off[t->n] = (uint32_t)t->bytes.len;
	t->len[t->n] = (uint32_t)len;
	strbuf_add(&t->bytes, p, len);
	t->n++;
	if (t->n * 2 > t->nslot)
		str_grow(t);
	else {
		for (i = fnv(FNV0, p, len) & (t->nslot - 1); t->slot[i]; i = (i + 1) & (t->nslot - 1))
			;
		t->slot[i] = (uint32_t)t->n;
	}
	return (uint32_t)t->n;
}

/* ---- keys ---- */

struct keyref {
	enum kind kind;
	uint32_t dir;		/* 0: no '/' in the key */
	const char *dirp, *name;
	size_t dirlen, namelen;
	uint64_t hash;
};

static uint64_t key_hash(enum kind k, const char *dir, size_t dl, bool slash, const char *name,
			 size_t nl)
{
	unsigned char kb = (unsigned char)k;
	uint64_t h = fnv(FNV0, &kb, 1);

	if (slash) {
		h = fnv(h, dir, dl);
		h = fnv(h, "/", 1);
	}
	return fnv(h, name, nl);
}

/* Splits key at its last '/'; the dir id is looked up (added when add). */
static void key_split(struct strtab *t, enum kind k, const char *key, size_t len, bool add,
		      struct keyref *r)
{
	const char *slash = memrchr(key, '/', len);

	r->kind = k;
	if (slash) {
		r->dirp = key;
		r->dirlen = (size_t)(slash - key);
		r->name = slash + 1;
		r->namelen = len - r->dirlen - 1;
		r->dir = str_id(t, key, r->dirlen, add);
	} else {
		r->dirp = NULL;
		r->dirlen = 0;
		r->name = key;
		r->namelen = len;
		r->dir = 0;
	}
	r->hash = key_hash(k, key, r->dirlen, slash != NULL, r->name, r->namelen);
}

/* Reads an entry's key part; *p is left after it. */
void state_entry_key(const unsigned char **p, enum kind *k, uint32_t *dir, const char **name,
		      size_t *nl)
{
	get_varint(p);
	*k = (enum kind)**p;
	(*p)++;
	*dir = (uint32_t)get_varint(p);
	*nl = (size_t)get_varint(p);
	*name = (const char *)*p;
	*p += *nl;
}

static uint64_t entry_hash(const struct state *st, uint32_t off)
{
	const unsigned char *p = st->arena + off;
	const char *name, *dir = NULL;
	size_t nl, dl = 0;
	uint32_t did;
	enum kind k;

	state_entry_key(&p, &k, &did, &name, &nl);
	if (did)
		dir = state_str_of(&st->str, did, &dl);
	return key_hash(k, dir, dl, did != 0, name, nl);
}

size_t state_entry_len(const unsigned char *p)
{
	const unsigned char *q = p;
	uint64_t body = get_varint(&q);

	return (size_t)(q - p) + (size_t)body;
}

/* ---- index ---- */

/* The slot holding r's entry, or (found = 0) where to put it. */
static size_t find(const struct state *st, const struct keyref *r, int *found)
{
	size_t mask = st->nslot - 1, i = r->hash & mask, free_at = SIZE_MAX;

	for (; st->slot[i] != SLOT_EMPTY; i = (i + 1) & mask) {
		const unsigned char *p;
		const char *name;
		uint32_t dir;
		size_t nl;
		enum kind k;

		if (st->slot[i] == SLOT_TOMB) {
			if (free_at == SIZE_MAX)
				free_at = i;
			continue;
		}
		p = st->arena + st->slot[i] - 2;
		state_entry_key(&p, &k, &dir, &name, &nl);
		if (k == r->kind && dir == r->dir && nl == r->namelen &&
		    memcmp(name, r->name, nl) == 0) {
			*found = 1;
			return i;
		}
	}
	*found = 0;
	return free_at != SIZE_MAX ? free_at : i;
}

static void rehash(struct state *st, size_t nslot)
{
	uint32_t *old = st->slot;
	size_t on = st->nslot;

	st->slot = xcalloc(nslot, sizeof(*st->slot));
	st->nslot = nslot;
	st->tombs = 0;
	for (size_t i = 0; i < on; i++) {
		size_t j;

		if (old[i] <= SLOT_TOMB)
			continue;
		j = entry_hash(st, old[i] - 2) & (nslot - 1);
		while (st->slot[j] != SLOT_EMPTY)
			j = (j + 1) & (nslot - 1);
		st->slot[j] = old[i];
	}
	free(old);
}

/* Copies the live entries to a fresh arena, in index order. */
static void compact(struct state *st)
{
	size_t cap = st->used - st->dead + 1, used = 0;
	unsigned char *na = xmalloc(cap);

	for (size_t i = 0; i < st->nslot; i++) {
		size_t len;

		if (st->slot[i] <= SLOT_TOMB)
			continue;
		len = state_entry_len(st->arena + st->slot[i] - 2);
		memcpy(na + used, st->arena + st->slot[i] - 2, len);
		st->slot[i] = (uint32_t)used + 2;
		used += len;
	}
	free(st->arena);
	st->arena = na;
	st->used = used;
	st->cap = cap;
	st->dead = 0;
}

struct state *state_new(void)
{
	struct state *st = xcalloc(1, sizeof(*st));

	st->nslot = 1024;
	st->slot = xcalloc(st->nslot, sizeof(*st->slot));
	strbuf_init(&st->str.bytes);
	strbuf_init(&st->enc);
	return st;
}

void state_free(struct state *st)
{
	if (!st)
		return;
	free(st->arena);
	free(st->slot);
	strbuf_release(&st->str.bytes);
	free(st->str.off);
	free(st->str.len);
	free(st->str.slot);
	strbuf_release(&st->enc);
	free(st);
}

size_t state_count(const struct state *st)
{
	return st->live;
}

size_t state_memory(const struct state *st)
{
	return sizeof(*st) + st->cap + st->nslot * sizeof(uint32_t) + st->str.bytes.cap +
	       st->str.cap * 2 * sizeof(uint32_t) + st->str.nslot * sizeof(uint32_t) + st->enc.cap;
}

/* ---- codec ---- */

static bool interned(enum attr_id a)
{
	return a == ATTR_OWNER || a == ATTR_GROUP || a == ATTR_SELINUX;
}

static bool is_time(enum attr_id a)
{
	return a == ATTR_MTIME || a == ATTR_CTIME || a == ATTR_ATIME || a == ATTR_BTIME;
}

static void encode_values(struct state *st, const struct record *r)
{
	struct strbuf *sb = &st->enc;
	uint64_t prev_time = 0;
	bool have_time = false;
	unsigned a;

	put_varint(sb, r->present.w[0]);
	put_varint(sb, r->present.w[1]);
	ATTRSET_FOREACH(a, &r->present) {
		if (attr_table[a].type == ATTR_T_INT) {
			uint64_t v = (uint64_t)record_int(r, a);

			if (is_time(a)) {
				put_varint(sb, zigzag((int64_t)(v - (have_time ? prev_time : 0))));
				prev_time = v;
				have_time = true;
			} else {
				put_varint(sb, zigzag((int64_t)v));
			}
		} else {
			size_t len;
			const unsigned char *p = record_bytes(r, a, &len);

			if (interned(a)) {
				put_varint(sb, str_id(&st->str, p, len, true));
			} else {
				put_varint(sb, len);
				strbuf_add(sb, p, len);
			}
		}
	}
}

/* The body of r's entry into st->enc. */
static void encode(struct state *st, const struct record *r, const struct keyref *k)
{
	struct strbuf *sb = &st->enc;
	uint32_t prev = 0;
	char kb = (char)r->kind;

	strbuf_reset(sb);
	strbuf_add(sb, &kb, 1);
	put_varint(sb, k->dir);
	put_varint(sb, k->namelen);
	strbuf_add(sb, k->name, k->namelen);
	encode_values(st, r);
	put_varint(sb, r->nents);
	for (uint32_t i = 0; i < r->nents; i++) {
		put_varint(sb, r->ents[i] - prev);
		prev = r->ents[i];
	}
}

static void decode_values(const struct state *st, const unsigned char **pp, struct record *out)
{
	const unsigned char *p = *pp;
	struct attrset present;
	uint64_t prev_time = 0;
	bool have_time = false;
	unsigned a;

	present.w[0] = get_varint(&p);
	present.w[1] = get_varint(&p);
	ATTRSET_FOREACH(a, &present) {
		if (attr_table[a].type == ATTR_T_INT) {
			uint64_t v = (uint64_t)unzigzag(get_varint(&p));

			if (is_time(a)) {
				v += have_time ? prev_time : 0;
				prev_time = v;
				have_time = true;
			}
			record_set_int(out, a, (int64_t)v);
		} else if (interned(a)) {
			size_t len;
			const char *s = state_str_of(&st->str, (uint32_t)get_varint(&p), &len);

			record_set_bytes(out, a, s, len);
		} else {
			size_t len = (size_t)get_varint(&p);

			record_set_bytes(out, a, p, len);
			p += len;
		}
	}
	*pp = p;
}

void state_decode(const struct state *st, const unsigned char *p, struct record *out)
{
	const char *name, *dir = "";
	size_t nl, dl = 0, n;
	uint32_t did, e = 0;
	enum kind k;
	char small[512], *key = small;

	state_entry_key(&p, &k, &did, &name, &nl);
	if (did)
		dir = state_str_of(&st->str, did, &dl);
	if (dl + nl + 2 > sizeof(small))
		key = xmalloc(dl + nl + 2);
	memcpy(key, dir, dl);
	if (did)
		key[dl++] = '/';
	memcpy(key + dl, name, nl);
	record_reset(out);
	record_set_key(out, k, key, dl + nl);
	if (key != small)
		free(key);
	decode_values(st, &p, out);
	n = (size_t)get_varint(&p);
	for (size_t i = 0; i < n; i++) {
		e += (uint32_t)get_varint(&p);
		record_add_entity(out, e);
	}
}

/* ---- API ---- */

static int append(struct state *st, const unsigned char *hdr, size_t hl, uint32_t *off)
{
	size_t total = hl + st->enc.len;

	if (st->used + total > ARENA_MAX)
		return error("watch state: more than %u bytes of records", ARENA_MAX);
	if (st->used + total > st->cap) {
		/* Modest growth: the arena is most of watch's memory. */
		size_t nc = st->cap + st->cap / 4 + 65536;

		if (nc < st->used + total)
			nc = st->used + total;
		if (nc > ARENA_MAX)
			nc = ARENA_MAX;
		st->arena = xrealloc(st->arena, nc);
		st->cap = nc;
	}
	*off = (uint32_t)st->used;
	memcpy(st->arena + st->used, hdr, hl);
	memcpy(st->arena + st->used + hl, st->enc.buf, st->enc.len);
	st->used += total;
	return 0;
}

static void maybe_shrink(struct state *st)
{
	if ((st->live + st->tombs) * 2 > st->nslot)
		rehash(st, st->live * 4 > st->nslot ? st->nslot * 2 : st->nslot);
	if (st->dead > st->used / 2 && st->dead > (1u << 20))
		compact(st);
}

int state_put(struct state *st, const struct record *r)
{
	unsigned char hdr[10];
	struct keyref k;
	size_t i, hl, oldlen;
	int found;
	uint32_t off;

	key_split(&st->str, r->kind, record_key(r), r->keylen, true, &k);
	encode(st, r, &k);
	hl = varint_hdr(hdr, st->enc.len);
	i = find(st, &k, &found);
	if (found) {
		off = st->slot[i] - 2;
		oldlen = state_entry_len(st->arena + off);
		if (hl + st->enc.len <= oldlen) {
			memcpy(st->arena + off, hdr, hl);
			memcpy(st->arena + off + hl, st->enc.buf, st->enc.len);
			st->dead += oldlen - hl - st->enc.len;
			return 0;
		}
		if (append(st, hdr, hl, &off) < 0)
			return -1;
		st->dead += oldlen;
		st->slot[i] = off + 2;
	} else {
		if (append(st, hdr, hl, &off) < 0)
			return -1;
		if (st->slot[i] == SLOT_TOMB)
			st->tombs--;
		st->slot[i] = off + 2;
		st->live++;
	}
	maybe_shrink(st);
	return 0;
}

int state_get(const struct state *st, enum kind k, const char *key, size_t keylen,
	      struct record *out)
{
	struct keyref r;
	size_t i;
	int found;

	key_split((struct strtab *)&st->str, k, key, keylen, false, &r);
	if (r.dirp && !r.dir)
		return 0;
	i = find(st, &r, &found);
	if (!found)
		return 0;
	state_decode(st, st->arena + st->slot[i] - 2, out);
	return 1;
}

int state_remove(struct state *st, enum kind k, const char *key, size_t keylen)
{
	struct keyref r;
	size_t i;
	int found;

	key_split(&st->str, k, key, keylen, false, &r);
	if (r.dirp && !r.dir)
		return 0;
	i = find(st, &r, &found);
	if (!found)
		return 0;
	st->dead += state_entry_len(st->arena + st->slot[i] - 2);
	st->slot[i] = SLOT_TOMB;
	st->tombs++;
	st->live--;
	maybe_shrink(st);
	return 1;
}

int state_build(struct state *st, struct recstream *rs)
{
	const struct record *r;
	int rc;

	while ((rc = rs->next(rs->self, &r)) > 0)
		if (state_put(st, r) < 0)
			return -1;
	return rc;
}
