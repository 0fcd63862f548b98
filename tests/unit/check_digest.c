#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/digest.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define MIB (1u << 20)

/* Expected values from sha256sum, sha512sum, b2sum -l 256 and xxh128sum. */
enum input { IN_EMPTY, IN_ABC, IN_PATTERN };

static const struct {
	enum attr_id alg;
	enum input in;
	const char *hex;
} kat[] = {
	{ ATTR_SHA256, IN_EMPTY, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ ATTR_SHA256, IN_ABC, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ ATTR_SHA256, IN_PATTERN, "07f4465ef6fe98070beaf8d8d01454b5d11f6cd4ff86a139d92cd031b46ddfdc" },
	{ ATTR_SHA512, IN_EMPTY, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
				 "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e" },
	{ ATTR_SHA512, IN_ABC, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
			       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
	{ ATTR_SHA512, IN_PATTERN, "126afbbbacd74fdbddd7dcc8f1dea47db98b9818c884b289b829c32e7606b447"
				   "b3c7d54d30164bef46cb77853b23d10be9e0b41c82e8a3fee36325a8f1019efe" },
	{ ATTR_BLAKE2B, IN_EMPTY, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8" },
	{ ATTR_BLAKE2B, IN_ABC, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319" },
	{ ATTR_BLAKE2B, IN_PATTERN, "8c2067d9a001618757bf48898feab036fc80cf5b9fccee86894425ba84f01d29" },
	{ ATTR_XXH128, IN_EMPTY, "99aa06d3014798d86001c324468d497f" },
	{ ATTR_XXH128, IN_ABC, "06b05ab6733a618578af5f94892f3950" },
	{ ATTR_XXH128, IN_PATTERN, "635c0e1e95c31bab4d13e3faf4e0828a" },
};

#define NKAT (sizeof(kat) / sizeof(kat[0]))

/* 1 MiB that is not periodic in any power of two. */
static unsigned char *pattern(void)
{
	unsigned char *p = xmalloc(MIB);

	for (size_t i = 0; i < MIB; i++)
		p[i] = (unsigned char)((i * 7 + i / 251) & 0xff);
	return p;
}

static void input(enum input in, unsigned char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	switch (in) {
	case IN_EMPTY:
		*buf = (unsigned char *)xstrdup("");
		*len = 0;
		break;
	case IN_ABC:
		*buf = (unsigned char *)xstrdup("abc");
		*len = 3;
		break;
	case IN_PATTERN:
		*buf = pattern();
		*len = MIB;
		break;
	}
}

static void hex(char *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void check_final(struct digest_ctx *d, enum attr_id alg, const char *want)
{
	unsigned char out[DIGEST_MAX];
	char got[2 * DIGEST_MAX + 1];

	digest_final(d, alg, out);
	hex(got, out, digest_len(alg));
	ck_assert_str_eq(got, want);
}

/* Each vector alone, in one update. */
START_TEST(test_kat)
{
	struct attrset want = ATTRSET_EMPTY;
	struct digest_ctx *d;
	unsigned char *buf;
	size_t len;

	input(kat[_i].in, &buf, &len);
	attrset_add(&want, kat[_i].alg);
	d = digest_new(&want);
	digest_update(d, buf, len);
	check_final(d, kat[_i].alg, kat[_i].hex);
	ck_assert_uint_eq(strlen(kat[_i].hex), 2 * digest_len(kat[_i].alg));
	/* Reuse after a reset gives the same answer. */
	digest_reset(d);
	digest_update(d, buf, len);
	check_final(d, kat[_i].alg, kat[_i].hex);
	digest_free(d);
	free(buf);
}
END_TEST

/* All four at once, fed in uneven pieces, as the file reader does. */
START_TEST(test_all_in_one_pass)
{
	static const enum attr_id algs[] = { ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128 };
	struct attrset want = ATTRSET_EMPTY;
	struct digest_ctx *d;
	unsigned char *p = pattern();
	size_t off = 0, step = 1;

	for (size_t i = 0; i < 4; i++)
		attrset_add(&want, algs[i]);
	attrset_add(&want, ATTR_SIZE);	/* not a hash: ignored */
	d = digest_new(&want);
	for (int round = 0; round < 2; round++) {
		off = 0;
		step = 1;
		while (off < MIB) {
			size_t n = step < MIB - off ? step : MIB - off;

			digest_update(d, p + off, n);
			off += n;
			step = step * 3 + 1;
		}
		for (size_t k = 0; k < NKAT; k++)
			if (kat[k].in == IN_PATTERN)
				check_final(d, kat[k].alg, kat[k].hex);
		digest_reset(d);
	}
	digest_free(d);
	free(p);
}
END_TEST

START_TEST(test_lengths)
{
	ck_assert_uint_eq(digest_len(ATTR_SHA256), 32);
	ck_assert_uint_eq(digest_len(ATTR_SHA512), 64);
	ck_assert_uint_eq(digest_len(ATTR_BLAKE2B), 32);
	ck_assert_uint_eq(digest_len(ATTR_XXH128), 16);
	ck_assert_uint_eq(digest_len(ATTR_SIZE), 0);
}
END_TEST

/* BLAKE2b-128 as used for xattr values; from b2sum -l 128. */
START_TEST(test_blake2b_128)
{
	unsigned char out[16];
	char got[33];

	digest_blake2b("abc", 3, out, sizeof(out));
	hex(got, out, sizeof(out));
	ck_assert_str_eq(got, "cf4ab791c62b8d2b2109c90275287816");
	digest_blake2b("", 0, out, sizeof(out));
	hex(got, out, sizeof(out));
	ck_assert_str_eq(got, "cae66941d9efbd404e4d88758ea67670");
}
END_TEST

Suite *make_digest_suite(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_kat, 0, NKAT);
	tcase_add_test(tc, test_all_in_one_pass);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_blake2b_128);
	suite_add_tcase(s, tc);
	return s;
}
