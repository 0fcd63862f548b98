/*
 * digest.c - content hashes, any subset of them in one pass.
 *
 * Each library keeps its own state; digest_update() feeds the same bytes
 * to every wanted one, so a file is read once whatever the rules ask for.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <xxhash.h>

#include "imscan/digest.h"
#include "imscan/xalloc.h"

#define BLAKE2B_LEN 32

struct digest_ctx {
	/* First: libsodium wants its state 64-byte aligned, and the whole
	 * struct is allocated with that alignment. */
	crypto_generichash_state b2;
	bool sha256, sha512, blake2b, xxh128;
	EVP_MD_CTX *md256, *md512;
	XXH3_state_t *xxh;
};

/*
 * OpenSSL 3 looks an algorithm up in its provider tables on every
 * EVP_DigestInit with the legacy EVP_sha256() handle; fetching once and
 * keeping the handle avoids that per file. The handles live until exit.
 */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256, *md_sha512;

static void fatal(const char *what)
{
	/* Like xalloc: no useful recovery, and the library is broken. */
	fprintf(stderr, "imscan: fatal: %s\n", what);
	_exit(2);
}

/*
 * OpenSSL's fetch fails the same way for a missing algorithm and for
 * memory it could not get: ask its error queue which it was. A missing
 * algorithm is always recorded; an empty queue means even the record
 * could not be allocated.
 */
static bool openssl_out_of_memory(void)
{
	unsigned long e;
	bool any = false;

	while ((e = ERR_get_error())) {
		any = true;
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			return true;
	}
	return !any;
}

static void init_once(void)
{
	if (sodium_init() < 0)
		fatal("libsodium cannot be initialised");
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	if ((!md_sha256 || !md_sha512) && openssl_out_of_memory())
		xalloc_oom(0);
	if (!md_sha256 || !md_sha512)
		fatal("libcrypto has no SHA-256 or SHA-512");
}

size_t digest_len(enum attr_id alg)
{
	switch (alg) {
	case ATTR_SHA256:	return 32;
	case ATTR_SHA512:	return 64;
	case ATTR_BLAKE2B:	return BLAKE2B_LEN;
	case ATTR_XXH128:	return 16;
	default:		return 0;
	}
}

struct digest_ctx *digest_new(const struct attrset *want)
{
	struct digest_ctx *d;
	size_t size = (sizeof(*d) + 63) & ~(size_t)63;

	pthread_once(&once, init_once);
	d = aligned_alloc(64, size);
	if (!d)
		xalloc_oom(0);
	memset(d, 0, sizeof(*d));
	d->sha256 = attrset_has(want, ATTR_SHA256);
	d->sha512 = attrset_has(want, ATTR_SHA512);
	d->blake2b = attrset_has(want, ATTR_BLAKE2B);
	d->xxh128 = attrset_has(want, ATTR_XXH128);
	if (d->sha256 && !(d->md256 = EVP_MD_CTX_new()))
		xalloc_oom(0);
	if (d->sha512 && !(d->md512 = EVP_MD_CTX_new()))
		xalloc_oom(0);
	if (d->xxh128 && !(d->xxh = XXH3_createState()))
		xalloc_oom(0);
	digest_reset(d);
	return d;
}

void digest_free(struct digest_ctx *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->md256);
	EVP_MD_CTX_free(d->md512);
	XXH3_freeState(d->xxh);
	free(d);
}

void digest_reset(struct digest_ctx *d)
{
	/* These only fail on bad arguments or allocation failure. */
	if (d->sha256 && EVP_DigestInit_ex2(d->md256, md_sha256, NULL) != 1)
		fatal("EVP_DigestInit_ex2 failed");
	if (d->sha512 && EVP_DigestInit_ex2(d->md512, md_sha512, NULL) != 1)
		fatal("EVP_DigestInit_ex2 failed");
	if (d->blake2b)
		crypto_generichash_init(&d->b2, NULL, 0, BLAKE2B_LEN);
	if (d->xxh128)
		XXH3_128bits_reset(d->xxh);
}

void digest_update(struct digest_ctx *d, const void *p, size_t n)
{
	if (!n)
		return;
	if (d->sha256)
		EVP_DigestUpdate(d->md256, p, n);
	if (d->sha512)
		EVP_DigestUpdate(d->md512, p, n);
	if (d->blake2b)
		crypto_generichash_update(&d->b2, p, n);
	if (d->xxh128)
		XXH3_128bits_update(d->xxh, p, n);
}

void digest_final(struct digest_ctx *d, enum attr_id alg, unsigned char out[DIGEST_MAX])
{
	XXH128_canonical_t c;
	unsigned len;

	memset(out, 0, DIGEST_MAX);
	switch (alg) {
	case ATTR_SHA256:
		if (d->sha256)
			EVP_DigestFinal_ex(d->md256, out, &len);
		break;
	case ATTR_SHA512:
		if (d->sha512)
			EVP_DigestFinal_ex(d->md512, out, &len);
		break;
	case ATTR_BLAKE2B:
		if (d->blake2b)
			crypto_generichash_final(&d->b2, out, BLAKE2B_LEN);
		break;
	case ATTR_XXH128:
		/* Big-endian canonical form: the bytes xxh128sum prints. */
		if (d->xxh128) {
			XXH128_canonicalFromHash(&c, XXH3_128bits_digest(d->xxh));
			memcpy(out, c.digest, sizeof(c.digest));
		}
		break;
	default:
		break;
	}
}

void digest_blake2b(const void *p, size_t n, unsigned char *out, size_t outlen)
{
	pthread_once(&once, init_once);
	crypto_generichash(out, outlen, p, n, NULL, 0);
}
