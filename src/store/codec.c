/*
 * codec.c - one baseline record to bytes and back (imscan-baseline(5),
 * RECORDS). The decoder is the format's strictest part: every length is
 * checked before use, and every value has one encoding only, so that no
 * two files mean the same baseline.
 */
#include <inttypes.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/imdb.h"

/*
 * The 10 bytes zlib writes for a gz_header that is all zero but os = 3
 * at level 6: no flags, no mtime, XFL 0 (zlib sets 2 only for level 9 and
 * 4 only for levels below 2). The reader accepts nothing else.
 */
const unsigned char imdb_gzip_head[10] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03
};

static void put_varint(struct strbuf *sb, uint64_t v)
{
	unsigned char b[IMDB_VARINT_MAX];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (unsigned char)v;
	strbuf_add(sb, b, n);
}

static uint64_t zigzag(uint64_t d)
{
	return (d << 1) ^ (0 - (d >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

/* Two's complement without relying on implementation-defined conversion. */
static int64_t to_int64(uint64_t u)
{
	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/*
 * Integers are stored as differences from the previous record's value:
 * neighbours in a directory were mostly installed together, so their
 * times and inode numbers are close and the varints short (about 6%
 * smaller files on a real /usr than absolute values).
 */
static uint64_t int_base(const struct record *prev, enum attr_id a)
{
	return prev && record_has(prev, a) ? (uint64_t)record_int(prev, a) : 0;
}

struct attrset imdb_known_attrs(void)
{
	struct attrset s = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR__COUNT; a++)
		attrset_add(&s, (enum attr_id)a);
	return s;
}

/* ---- record encoding ----------------------------------------------------- */

void record_encode(struct strbuf *out, const struct record *r, const struct record *prev)
{
	const unsigned char *key = (const unsigned char *)record_key(r);
	size_t plen = 0;
	uint32_t last = 0;
	int a;

	if (prev) {
		const unsigned char *pk = (const unsigned char *)record_key(prev);
		size_t n = prev->keylen < r->keylen ? prev->keylen : r->keylen;

		while (plen < n && pk[plen] == key[plen])
			plen++;
	}
	strbuf_addc(out, IMDB_TAG_RECORD);
	put_varint(out, (uint64_t)r->kind);
	put_varint(out, plen);
	put_varint(out, r->keylen - plen);
	strbuf_add(out, key + plen, r->keylen - plen);
	put_varint(out, r->nents);
	for (uint32_t i = 0; i < r->nents; i++) {
		put_varint(out, r->ents[i] - last);
		last = r->ents[i];
	}
	put_varint(out, r->present.w[0]);
	put_varint(out, r->present.w[1]);
	ATTRSET_FOREACH(a, &r->present) {
		enum attr_id id = (enum attr_id)a;

		if (attr_table[id].type == ATTR_T_INT) {
			put_varint(out, zigzag((uint64_t)record_int(r, id) - int_base(prev, id)));
		} else {
			size_t len;
			const unsigned char *p = record_bytes(r, id, &len);

			put_varint(out, len);
			strbuf_add(out, p, len);
		}
	}
}

struct cursor {
	const unsigned char *p, *end;
};

/* 1 and *v, 0 if the input ends inside the varint, -1 if it is invalid. */
static int get_varint(struct cursor *c, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < IMDB_VARINT_MAX; i++) {
		unsigned b;

		if (c->p + i >= c->end)
			return 0;
		b = c->p[i];
		/* The tenth byte holds bit 63 only, and ends the varint. */
		if (i == IMDB_VARINT_MAX - 1 && b > 1)
			return error("varint longer than 64 bits");
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			/* One encoding per value: no trailing zero groups. */
			if (!b && i)
				return error("overlong varint");
			c->p += i + 1;
			*v = x;
			return 1;
		}
	}
	return error("varint longer than 64 bits");	/* not reached */
}

#define GET(x) do { int rc_ = get_varint(c, &(x)); if (rc_ <= 0) return rc_; } while (0)
#define NEED(len) do { if ((size_t)(c->end - c->p) < (len)) return 0; } while (0)

/* The tag, kind and key: 1, 0 for more input, -1 if invalid. */
static int decode_key(struct cursor *c, const struct record *prev, struct record *r,
		      struct strbuf *keybuf)
{
	uint64_t kind, plen, slen;
	uint32_t pklen = prev ? prev->keylen : 0;
	const unsigned char *pk = prev ? (const unsigned char *)record_key(prev) : NULL;

	NEED(1);
	if (*c->p != IMDB_TAG_RECORD)
		return error("unknown tag 0x%02x", *c->p);
	c->p++;
	GET(kind);
	if (kind >= KIND__COUNT)
		return error("unknown kind %" PRIu64, kind);
	GET(plen);
	if (plen > pklen)
		return error("key prefix of %" PRIu64 " bytes is longer than the previous key"
			     " (%" PRIu32 " bytes)", plen, pklen);
	GET(slen);
	if (plen > BASELINE_MAX_FIELD || slen > BASELINE_MAX_FIELD - plen)
		return error("key length %" PRIu64 " exceeds the limit of %u bytes",
			     slen > UINT64_MAX - plen ? UINT64_MAX : plen + slen,
			     BASELINE_MAX_FIELD);
	if (!plen && !slen)
		return error("empty key");
	NEED(slen);
	/* The writer always shares the longest prefix: one encoding per key. */
	if (plen < pklen && slen && c->p[0] == pk[plen])
		return error("key prefix is not the longest shared one");
	strbuf_reset(keybuf);
	if (plen)
		strbuf_add(keybuf, pk, plen);
	strbuf_add(keybuf, c->p, slen);
	c->p += slen;
	record_reset(r);
	record_set_key(r, (enum kind)kind, keybuf->buf, keybuf->len);
	if (prev && record_cmp(prev, r) >= 0)
		return error("out of order");
	return 1;
}

static int decode_ents(struct cursor *c, struct record *r)
{
	uint64_t nents, v, last = 0;

	GET(nents);
	if (nents > BASELINE_MAX_ENTS)
		return error("%" PRIu64 " entity indexes exceed the limit of %u",
			     nents, BASELINE_MAX_ENTS);
	for (uint64_t i = 0; i < nents; i++) {
		GET(v);
		if (i && !v)
			return error("entity indexes not ascending");
		if (v > UINT32_MAX - last)
			return error("entity index out of range");
		last += v;
		record_add_entity(r, (uint32_t)last);
	}
	return 1;
}

static int decode_attrs(struct cursor *c, const struct record *prev, struct record *r)
{
	struct attrset valid = imdb_known_attrs(), set;
	uint64_t v;
	int a;

	GET(set.w[0]);
	GET(set.w[1]);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t bad = set.w[i] & ~valid.w[i];

		if (bad)
			return error("unknown attribute id %u",
				     64 * i + (unsigned)__builtin_ctzll(bad));
	}
	ATTRSET_FOREACH(a, &set) {
		enum attr_id id = (enum attr_id)a;

		GET(v);
		if (attr_table[id].type == ATTR_T_INT) {
			record_set_int(r, id, to_int64(int_base(prev, id) + unzigzag(v)));
			continue;
		}
		if (v > BASELINE_MAX_FIELD)
			return error("attribute \"%s\": length %" PRIu64
				     " exceeds the limit of %u bytes",
				     attr_name(id), v, BASELINE_MAX_FIELD);
		NEED(v);
		record_set_bytes(r, id, c->p, v);
		c->p += v;
	}
	return 1;
}
#undef GET
#undef NEED

long imdb_decode(const unsigned char *p, size_t n, const struct record *prev,
		 struct record *r, struct strbuf *keybuf)
{
	struct cursor c = { p, p + n };
	int rc;

	if ((rc = decode_key(&c, prev, r, keybuf)) <= 0 ||
	    (rc = decode_ents(&c, r)) <= 0 ||
	    (rc = decode_attrs(&c, prev, r)) <= 0)
		return rc;
	return (long)(c.p - p);
}

long record_decode(const unsigned char *p, size_t n, const struct record *prev,
		   struct record *r)
{
	struct strbuf kb;
	long k;

	strbuf_init(&kb);
	k = imdb_decode(p, n, prev, r, &kb);
	strbuf_release(&kb);
	return k;
}
