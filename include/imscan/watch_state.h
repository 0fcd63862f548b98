/*
 * watch_state.h - the last known record of every watched entity, in memory.
 *
 * watch compares each event's fresh record with the one before it, for
 * every entity of the baseline, so this store must be small: records are
 * kept encoded in one arena (varints; times as deltas from the previous
 * time attribute; owner, group and SELinux label as ids into a string
 * table; a file key as the id of its interned directory plus its name),
 * found through an open-addressing table of 32-bit arena offsets. A
 * replaced record is rewritten in place when it fits, else appended, and
 * the arena is compacted when more than half of it is dead.
 *
 * Keys are (kind, key bytes) as in record.h; the entity list of a record is
 * kept. Records are copied in and out: nothing returned borrows the store,
 * except that an iterator's records are valid until its next call.
 *
 * The store holds at most 4 GiB of encoded records (state_put fails with a
 * message beyond that).
 */
#ifndef IMSCAN_WATCH_STATE_H
#define IMSCAN_WATCH_STATE_H

#include <stddef.h>

#include "imscan/record.h"

struct state;
struct state_iter;

struct state *state_new(void);
void state_free(struct state *st);

/* Puts every record of rs; returns 0, or -1 if rs fails (message left). */
int state_build(struct state *st, struct recstream *rs);

/* 1 and a copy in *out (reset first), 0 if absent. */
int state_get(const struct state *st, enum kind k, const char *key, size_t keylen,
	      struct record *out);

/* Adds or replaces r's entity; 0, or -1 when the store is full. */
int state_put(struct state *st, const struct record *r);

/* 1 if it was there, 0 if not. */
int state_remove(struct state *st, enum kind k, const char *key, size_t keylen);

size_t state_count(const struct state *st);
/* Bytes of memory the store holds (arena, index, string table). */
size_t state_memory(const struct state *st);

/*
 * The records of kind k whose key is base or lies under it (base + "/...";
 * base "/" is everything of that kind), in record_cmp order, as a
 * recstream. The iterator takes a snapshot: the store may change while it
 * is read. Caller frees with state_iter_free.
 */
struct state_iter *state_subtree(const struct state *st, enum kind k, const char *base);
struct recstream state_iter_stream(struct state_iter *it);
void state_iter_free(struct state_iter *it);

#endif
