/*
 * check_zero_run.c - content hashes of sparse and zero-filled files.
 *
 * Below PROBE_ZERO_RUN_MIN bytes of zero chunks a file hashes as its bytes
 * (check_probe.c compares with sha256sum and friends). At or above it, the
 * hash is of the zero-run encoding, which this file recomputes on its own
 * from the documented definition (imscan(1), HARDENING), and which must
 * not depend on whether the zeros are holes or written: a 1 TiB sparse
 * file hashes in well under a second.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imscan/digest.h"
#include "imscan/probe_file.h"
#include "imscan/record.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define C PROBE_CHUNK
#define BUFSIZE (1024 * 1024)

static const enum attr_id algs[] = { ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128 };

/* A file as a size and a few non-zero bytes at given offsets. */
struct blip {
	uint64_t off;
	char c;
};

struct content {
	uint64_t size;
	const struct blip *b;
	size_t nb;
};

/* The bytes of chunk i of c into buf; returns its length. */
static size_t chunk_of(const struct content *c, uint64_t i, unsigned char *buf)
{
	uint64_t start = i * C;
	size_t len = c->size - start < C ? (size_t)(c->size - start) : C;

	memset(buf, 0, len);
	for (size_t k = 0; k < c->nb; k++)
		if (c->b[k].off >= start && c->b[k].off < start + len)
			buf[c->b[k].off - start] = (unsigned char)c->b[k].c;
	return len;
}

static bool has_blip(const struct content *c, uint64_t i)
{
	for (size_t k = 0; k < c->nb; k++)
		if (c->b[k].off / C == i)
			return true;
	return false;
}

/* The reference digests: plain bytes, or the zero-run encoding. */
static void reference(const struct content *c, bool zr, unsigned char out[][DIGEST_MAX])
{
	struct attrset want = ATTRSET_EMPTY;
	struct digest_ctx *d;
	static unsigned char buf[C];
	uint64_t n = (c->size + C - 1) / C, run = 0;

	for (size_t a = 0; a < 4; a++)
		attrset_add(&want, algs[a]);
	d = digest_new(&want);
	if (zr)
		digest_update(d, "imscan zero-run digest 1\n", 25);
	for (uint64_t i = 0; i < n; i++) {
		bool full = (i + 1) * C <= c->size;
		size_t len;

		if (zr && full && !has_blip(c, i)) {
			run++;
			continue;
		}
		if (run) {
			unsigned char z[9] = { 'Z' };

			for (int k = 0; k < 8; k++)
				z[1 + k] = (unsigned char)(run >> (8 * k));
			digest_update(d, z, 9);
			run = 0;
		}
		len = chunk_of(c, i, buf);
		if (zr)
			digest_update(d, "D", 1);
		digest_update(d, buf, len);
	}
	if (run) {
		unsigned char z[9] = { 'Z' };

		for (int k = 0; k < 8; k++)
			z[1 + k] = (unsigned char)(run >> (8 * k));
		digest_update(d, z, 9);
	}
	for (size_t a = 0; a < 4; a++)
		digest_final(d, algs[a], out[a]);
	digest_free(d);
}

/* Writes c to dir/name: holes where it is zero, or every byte if dense. */
static char *make_file(const char *dir, const char *name, const struct content *c, bool dense)
{
	char *path = xmalloc(strlen(dir) + strlen(name) + 2);
	int fd;

	sprintf(path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	if (dense) {
		static unsigned char buf[C];
		uint64_t n = (c->size + C - 1) / C;

		for (uint64_t i = 0; i < n; i++) {
			size_t len = chunk_of(c, i, buf);

			ck_assert_int_eq(pwrite(fd, buf, len, (off_t)(i * C)), (ssize_t)len);
		}
	} else {
		ck_assert_int_eq(ftruncate(fd, (off_t)c->size), 0);
		for (size_t k = 0; k < c->nb; k++)
			ck_assert_int_eq(pwrite(fd, &c->b[k].c, 1, (off_t)c->b[k].off), 1);
	}
	ck_assert_int_eq(close(fd), 0);
	return path;
}

/* Probes dir/name for the four hashes; fails if any differs from want. */
static void expect_hashes(const char *dir, const char *name, unsigned char want[][DIGEST_MAX])
{
	struct attrset set = ATTRSET_EMPTY;
	char base[300];
	const char *bases[] = { base };
	struct walk *w;
	struct probe *p = probe_new(dir);
	const struct walk_entry *e;
	unsigned char *buf = xmalloc(BUFSIZE);
	struct record rec;
	struct probe_fd pf;

	snprintf(base, sizeof(base), "/%s", name);
	attrset_add(&set, ATTR_TYPE);
	attrset_add(&set, ATTR_SIZE);
	for (size_t a = 0; a < 4; a++)
		attrset_add(&set, algs[a]);
	record_init(&rec);
	w = walk_open(dir, bases, 1, probe_statx_mask(&set));
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(walk_next(w, &e), 1);
	record_set_key(&rec, KIND_FILE, e->path, e->pathlen);
	ck_assert_int_eq(probe_file_meta(p, e, -1, &set, &rec, &pf), 0);
	ck_assert_int_ge(pf.fd, 0);
	ck_assert_int_eq(probe_file_content(&pf, &set, &rec, buf, BUFSIZE), 0);
	ck_assert(!record_has(&rec, ATTR_ERROR));
	for (size_t a = 0; a < 4; a++) {
		size_t n;
		const unsigned char *got = record_bytes(&rec, algs[a], &n);

		ck_assert_uint_eq(n, digest_len(algs[a]));
		ck_assert_msg(!memcmp(got, want[a], n), "%s of %s differs", attr_name(algs[a]),
			      name);
	}
	record_release(&rec);
	free(buf);
	walk_free(w);
	probe_free(p);
}

/* valgrind runs the client with its preload library. */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1 TiB, one byte of data in the middle: the encoding, in well under a second. */
START_TEST(test_one_tib_sparse)
{
	static const struct blip b[] = { { 1ull << 39, 'x' }, { (1ull << 40) - 1, 'e' } };
	const struct content c = { 1ull << 40, b, 2 };
	unsigned char want[4][DIGEST_MAX];
	char *dir = unit_tmpdir(), *f;
	double t0;

	f = make_file(dir, "big", &c, false);
	reference(&c, true, want);
	t0 = now();
	expect_hashes(dir, "big", want);
	ck_assert_msg(now() - t0 < 5.0, "1 TiB sparse file took %.1fs", now() - t0);
	free(f);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * The same content sparse and dense hashes the same, above the threshold
 * (encoding) and just below it (plain bytes, what sha256sum prints).
 */
START_TEST(test_sparse_or_dense_same)
{
	/* _i == 0: one zero chunk over the threshold; 1: one short of it.
	 * The data sits in two chunks in the middle, with zero chunks on both
	 * sides, and in the partial chunk at the end. */
	const uint64_t size = PROBE_ZERO_RUN_MIN + (_i ? 1 : 3) * C + 100;
	const struct blip b[] = { { 70 * C + 5, 'a' }, { 71 * C, 'b' }, { size - 1, 'z' } };
	const struct content c = { size, b, 3 };
	unsigned char want[4][DIGEST_MAX];
	char *dir, *f, *g;

	if (under_valgrind()) {
		UNIT_SKIP("under valgrind (hashes 1 GiB)");
		return;
	}
	dir = unit_tmpdir();
	/* Zero chunks: all but 70, 71 and the partial last one. */
	ck_assert_uint_eq((size / C - 2) * C >= PROBE_ZERO_RUN_MIN, _i == 0);
	f = make_file(dir, "sparse", &c, false);
	g = make_file(dir, "dense", &c, true);
	reference(&c, _i == 0, want);
	expect_hashes(dir, "sparse", want);
	expect_hashes(dir, "dense", want);
	free(f);
	free(g);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * Many small holes first (more than the 4096 the look-ahead examines),
 * none holding a whole chunk, then the big one: the plain pass reaches
 * the threshold there and starts over with the encoding.
 */
START_TEST(test_threshold_found_late)
{
	enum { N = 4200 };
	struct blip *b = xcalloc(N, sizeof(*b));
	struct content c = { 0, b, N };
	unsigned char want[4][DIGEST_MAX];
	char *dir, *f;

	if (under_valgrind()) {
		UNIT_SKIP("under valgrind");
		free(b);
		return;
	}
	dir = unit_tmpdir();

	for (size_t k = 0; k < N; k++)
		b[k] = (struct blip){ (uint64_t)k * C + 17, (char)('a' + k % 26) };
	c.size = (uint64_t)N * C + PROBE_ZERO_RUN_MIN;
	f = make_file(dir, "holes", &c, false);
	reference(&c, true, want);
	expect_hashes(dir, "holes", want);
	free(b);
	free(f);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

Suite *make_zero_run_suite(void)
{
	Suite *s = suite_create("zero_run");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_one_tib_sparse);
	tcase_add_loop_test(tc, test_sparse_or_dense_same, 0, 2);
	tcase_add_test(tc, test_threshold_found_late);
	suite_add_tcase(s, tc);
	return s;
}
