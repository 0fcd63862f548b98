/*
 * tee.h - one record stream read by two readers, decoded once.
 *
 * check --quick needs the baseline twice: the diff merges it with the
 * scan, and the scan, running ahead of the diff by the records in flight,
 * looks up each entry's baseline record to reuse its hashes. Decoding
 * the file twice cost a third of --quick's user time; the tee decodes it
 * once and keeps what one reader has seen and the other not yet.
 *
 * The main reader (the diff) gets every record, in order. The side reader
 * (the --quick lookup) is best effort: at most `max` records are kept
 * beyond the one the main reader holds, so when it runs that far ahead it
 * is told to try later
 * (TEE_LATER), and when it falls too far behind it skips what was
 * dropped. Memory stays bounded whatever the two readers do.
 */
#ifndef IMSCAN_TEE_H
#define IMSCAN_TEE_H

#include <stddef.h>

#include "imscan/record.h"

/* The side reader's next() result for "not now: the main reader must
 * catch up first". */
#define TEE_LATER 2

struct tee;

/* src must outlive the tee. max >= 1. Caller frees. */
struct tee *tee_new(const struct recstream *src, size_t max);
void tee_free(struct tee *t);

/* Every record of src, as src gives them (1, 0 at the end, -1). */
struct recstream tee_main(struct tee *t);
/*
 * Records of src in order but with gaps (1, 0 at the end, -1, or
 * TEE_LATER). Its record stays valid until its next call returns 1 or 0.
 */
struct recstream tee_side(struct tee *t);

#endif
