/*
 * watch_state_impl.h - the store's layout, shared by state.c (index and
 * codec) and state_iter.c (subtree snapshots); private to src/watch/.
 */
#ifndef IMSCAN_WATCH_STATE_IMPL_H
#define IMSCAN_WATCH_STATE_IMPL_H

#include <stdint.h>

#include "imscan/strbuf.h"
#include "imscan/watch_state.h"

#define SLOT_EMPTY 0u
#define SLOT_TOMB 1u	/* else arena offset + 2 */

struct strtab {
	struct strbuf bytes;
	uint32_t *off, *len;	/* by id - 1 */
	size_t n, cap;
	uint32_t *slot;		/* id, 0 empty */
	size_t nslot;
};

struct state {
	unsigned char *arena;
	size_t used, cap, dead;
	uint32_t *slot;
	size_t nslot, live, tombs;
	struct strtab str;
	struct strbuf enc;
};

/* String-table bytes of id (>= 1). */
const char *state_str_of(const struct strtab *t, uint32_t id, size_t *len);
/* Reads an entry's key part; *p is left after it. */
void state_entry_key(const unsigned char **p, enum kind *k, uint32_t *dir, const char **name,
	       size_t *nl);
/* Bytes of the entry at p, its length prefix included. */
size_t state_entry_len(const unsigned char *p);
/* The record encoded at p into out (reset first). */
void state_decode(const struct state *st, const unsigned char *p, struct record *out);

#endif
