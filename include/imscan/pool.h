/*
 * pool.h - hashing on worker threads, results handed back in order.
 *
 * The scan fills slots in record order; a slot whose record still needs its
 * content hashed carries the open descriptor, and a worker hashes it while
 * the walk goes on. pool_head() hands slots back in the order they were
 * submitted, waiting for the oldest if need be, so the record stream stays
 * sorted and the diff stays a streaming merge. With one job everything is
 * hashed inline on the caller's thread.
 */
#ifndef IMSCAN_POOL_H
#define IMSCAN_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imscan/attr.h"
#include "imscan/probe_file.h"
#include "imscan/record.h"

struct pool_slot {
	struct record rec;
	struct probe_fd file;	/* fd >= 0: hash this, then close it */
	bool defer;		/* keep file open but unhashed: the consumer decides */
	bool link_first;	/* the scan's: first of its hard links in flight */
	struct attrset want;	/* hashes to compute */
};

struct pool;

/*
 * jobs: worker threads (0 or 1: none, hash inline). depth: slots in flight
 * (bounds open descriptors and memory). Returns NULL with a message if a
 * thread cannot be started. Caller frees.
 */
struct pool *pool_new(unsigned jobs, size_t depth);
void pool_free(struct pool *p);

/* A free slot with a reset record, or NULL when all are in flight. */
struct pool_slot *pool_reserve(struct pool *p);
/* Hands the slot reserved last to the workers (or hashes it now).
 * Returns how many slots in flight still wait for or are in hashing. */
size_t pool_submit(struct pool *p);
/* Slots submitted and not yet released (the submitting thread's view). */
size_t pool_inflight(const struct pool *p);
/* The oldest submitted slot once it is done; NULL if none is in flight. */
struct pool_slot *pool_head(struct pool *p);
/* Gives the head slot back for reuse. */
void pool_release_head(struct pool *p);
/* Hashes a slot on the calling thread now (a deferred one, at the head). */
void pool_hash_now(struct pool *p, struct pool_slot *s);
/* Bytes hashed so far. */
uint64_t pool_bytes(const struct pool *p);

#endif
