/*
 * digest.h - content hashes.
 *
 * sha256 and sha512 come from OpenSSL's libcrypto (SHA-NI where the CPU has
 * it), blake2b (BLAKE2b-256) from libsodium, xxh128 (XXH3-128) from
 * libxxhash; xxh128 is fast but not cryptographic: an attacker can craft
 * collisions, so it only suits change detection against accidents.
 * One digest_ctx computes any subset of them in a single pass.
 */
#ifndef IMSCAN_DIGEST_H
#define IMSCAN_DIGEST_H

#include <stddef.h>

#include "imscan/attr.h"

#define DIGEST_MAX 64	/* largest output (sha512) */
#define DIGEST_NALG 4	/* hash attributes (digest_algs) */

struct digest_ctx;

/* The hash attributes, in attr_id order: those with ATTRF_HASH (attr.h).
 * Sets *ids (static) and returns their number. */
size_t digest_algs(const enum attr_id **ids);

/* Output length in bytes of a hash attribute (ATTR_SHA256, ...). */
size_t digest_len(enum attr_id alg);

/* want: the hash attributes to compute (others in the set are ignored). */
struct digest_ctx *digest_new(const struct attrset *want);	/* caller frees */
void digest_free(struct digest_ctx *d);
void digest_reset(struct digest_ctx *d);	/* start over, same algorithms */
void digest_update(struct digest_ctx *d, const void *p, size_t n);
/* Writes the digest of alg (which must be wanted) to out; call once per alg
 * after the last update, then digest_reset() before reuse. */
void digest_final(struct digest_ctx *d, enum attr_id alg, unsigned char out[DIGEST_MAX]);

/* One-shot BLAKE2b with the given output length (xattr value digests). */
void digest_blake2b(const void *p, size_t n, unsigned char *out, size_t outlen);

#endif
