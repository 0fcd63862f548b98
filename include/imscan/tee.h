/*
 * tee.h - one record stream, decoded on a thread of its own, read twice.
 *
 * check reads the baseline while it scans. Decoding it (inflate, BLAKE2b,
 * the records' deltas) on the thread that also walks and diffs cost a
 * fifth of --quick's time, while the second core sat idle: the tee pulls
 * the source on its own thread into a ring of records, and hands them out
 * from there.
 *
 * Two readers, both on one thread (the caller's):
 *  - the main reader (the diff) gets every record, in order;
 *  - the side reader (--quick's lookup of an entry's baseline record)
 *    looks records up by key, in increasing key order, among those still
 *    in the ring: it runs ahead of the main reader by the scan's records
 *    in flight. Best effort: when what it wants lies beyond the ring it
 *    is told to try later (TEE_LATER), and records the main reader has
 *    passed are no longer there.
 * The ring holds `max` records beyond the one the main reader holds:
 * memory stays bounded whatever the source and the readers do.
 */
#ifndef IMSCAN_TEE_H
#define IMSCAN_TEE_H

#include <stddef.h>

#include "imscan/record.h"

/* tee_find's "not now: the main reader must catch up first". */
#define TEE_LATER 2

struct tee;

/*
 * Starts pulling src on a new thread (or, if no thread can be had, on the
 * caller's as it reads). src must outlive the tee and is used by that
 * thread alone until tee_free. max >= 1. Caller frees.
 */
struct tee *tee_new(const struct recstream *src, size_t max);
/* Stops the thread (src may be in any state) and frees t. */
void tee_free(struct tee *t);

/*
 * Every record of src, as src gives them: 1, 0 at the end, -1 with src's
 * message. The record stays valid until the next call of either reader.
 */
struct recstream tee_main(struct tee *t);

/*
 * The record of (kind, key), looked for from where the previous lookup
 * stopped: 1 and the record (valid until the next call of either
 * reader), 0 if src has none (or the main reader has passed it), -1 with
 * src's message, or TEE_LATER. Keys must come in increasing record_cmp
 * order.
 */
int tee_find(struct tee *t, enum kind kind, const char *key, size_t keylen,
	     const struct record **out);

#endif
