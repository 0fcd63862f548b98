/*
 * record.h - one entity's state: (kind, key, attributes).
 *
 * A record owns one arena for its key and byte values; values hold offsets
 * into it, so the arena may grow while the record is being filled. Records
 * are reused (record_reset) to avoid per-entry allocation on the hot path.
 *
 * A record also lists the ruleset entities that selected it (ascending
 * indexes into ruleset.ents): check compares, per rule, only the attributes
 * that rule asked for, and names that rule in the event.
 */
#ifndef IMSCAN_RECORD_H
#define IMSCAN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "imscan/attr.h"

/* One of the two, by the attribute's type: 8 bytes a slot, since every
 * record has a slot for every attribute of every kind (ATTR__COUNT). */
struct value {
	union {
		int64_t i;		/* ATTR_T_INT */
		struct {
			uint32_t off, len;	/* ATTR_T_BYTES: arena offset and length */
		};
	};
};

struct record {
	enum kind kind;
	uint32_t keyoff, keylen;
	struct attrset present;
	struct value val[ATTR__COUNT];
	uint32_t *ents;		/* entity indexes, ascending */
	uint32_t nents, ents_cap;
	unsigned char *arena;
	uint32_t used, cap;
};

void record_init(struct record *r);
void record_release(struct record *r);
/* Empties r (no key, no attributes, no entities), keeping its memory. */
void record_reset(struct record *r);

/* Sets kind and key (copied). Key bytes may be anything but are
 * NUL-terminated in the arena for convenience. */
void record_set_key(struct record *r, enum kind k, const void *key, size_t len);

static inline const char *record_key(const struct record *r)
{
	return (const char *)r->arena + r->keyoff;
}

void record_set_int(struct record *r, enum attr_id a, int64_t v);
/* Copies n bytes (NUL-terminated in the arena). */
void record_set_bytes(struct record *r, enum attr_id a, const void *p, size_t n);
static inline void record_set_str(struct record *r, enum attr_id a, const char *s)
{
	record_set_bytes(r, a, s, strlen(s));
}
void record_unset(struct record *r, enum attr_id a);

static inline int record_has(const struct record *r, enum attr_id a)
{
	return attrset_has(&r->present, a);
}

static inline int64_t record_int(const struct record *r, enum attr_id a)
{
	return r->val[a].i;
}

/* Borrowed pointer to the bytes of a (NUL-terminated), length in *len. */
static inline const unsigned char *record_bytes(const struct record *r, enum attr_id a,
						size_t *len)
{
	*len = r->val[a].len;
	return r->arena + r->val[a].off;
}

/* Adds entity index e, keeping the list ascending and without duplicates. */
void record_add_entity(struct record *r, uint32_t e);

/* Makes dst an independent copy of src. */
void record_copy(struct record *dst, const struct record *src);

/*
 * Key order: bytes compared as unsigned, except that '/' sorts before every
 * other byte (NUL included, which comes next), and a key before every key
 * it is a prefix of: a strict total order, 0 only for equal keys. So
 * "/a/b" sorts right after "/a" and before "/a.b" (a directory's subtree
 * follows it directly, as a depth-first walk with each directory's entries
 * sorted by name yields them).
 */
int key_cmp(const void *a, size_t alen, const void *b, size_t blen);

/* Kind first, then key_cmp. */
int record_cmp(const struct record *a, const struct record *b);

/*
 * A pull stream of records in record_cmp order: the scanner and the
 * baseline reader both are one, and the diff merges two of them.
 * next() returns 1 and a borrowed record (valid until the following call),
 * 0 at the end, -1 on error (message left).
 */
struct recstream {
	int (*next)(void *self, const struct record **out);
	void *self;
};

#endif
