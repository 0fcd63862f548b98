/*
 * check_pool.c - the hashing pool hands results back in submission order,
 * each with the hash of its own file, whatever the number of workers and
 * the depth of the ring (depth 1 and 2 make the caller wait on, or hash,
 * the head itself).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/digest.h"
#include "imscan/pool.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define NFILES 200

static size_t file_size(int i)
{
	return i % 17 == 0 ? (size_t)(3u << 20) + (size_t)i : (size_t)i * 101;
}

/* Writes the files, returns their sha256 digests (NFILES x 32 bytes). */
static unsigned char *make_files(const char *dir)
{
	unsigned char *sums = xmalloc(NFILES * 32);
	struct attrset want = ATTRSET_EMPTY;
	struct digest_ctx *d;

	attrset_add(&want, ATTR_SHA256);
	d = digest_new(&want);
	for (int i = 0; i < NFILES; i++) {
		size_t n = file_size(i);
		unsigned char *b = xmalloc(n + 1), out[DIGEST_MAX];
		char path[4096];
		int fd;

		for (size_t k = 0; k < n; k++)
			b[k] = (unsigned char)(k * 7 + (size_t)i);
		snprintf(path, sizeof(path), "%s/f%03d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
		close(fd);
		digest_reset(d);
		digest_update(d, b, n);
		digest_final(d, ATTR_SHA256, out);
		memcpy(sums + 32 * i, out, 32);
		free(b);
	}
	digest_free(d);
	return sums;
}

/* Fills a reserved slot: every third one has nothing to hash. */
static void fill_slot(struct pool_slot *s, const char *dir, int i)
{
	char key[16], path[4096];

	snprintf(key, sizeof(key), "/k%05d", i);
	record_set_key(&s->rec, KIND_FILE, key, strlen(key));
	if (i % 3 == 1)
		return;
	record_set_int(&s->rec, ATTR_SIZE, (int64_t)file_size(i % NFILES));
	snprintf(path, sizeof(path), "%s/f%03d", dir, i % NFILES);
	s->file.fd = open(path, O_RDONLY);
	ck_assert_int_ge(s->file.fd, 0);
	ck_assert_int_eq(statx(s->file.fd, "", AT_EMPTY_PATH,
			       STATX_SIZE | STATX_MTIME | STATX_CTIME | STATX_BLOCKS,
			       &s->file.stx), 0);
	attrset_add(&s->want, ATTR_SHA256);
}

static void check_head(const struct pool_slot *s, const unsigned char *sums, int i)
{
	char key[16];
	size_t n;

	snprintf(key, sizeof(key), "/k%05d", i);
	ck_assert_str_eq(record_key(&s->rec), key);
	if (i % 3 == 1) {
		ck_assert(!record_has(&s->rec, ATTR_SHA256));
		return;
	}
	ck_assert_msg(record_has(&s->rec, ATTR_SHA256), "slot %d has no hash", i);
	ck_assert_mem_eq(record_bytes(&s->rec, ATTR_SHA256, &n), sums + 32 * (i % NFILES), 32);
}

static const unsigned jobs_cases[] = { 1, 2, 3, 8 };
static const size_t depth_cases[] = { 1, 2, 5, 64 };

START_TEST(test_pool_order_and_hashes)
{
	char *dir = unit_tmpdir();
	unsigned char *sums = make_files(dir);
	unsigned jobs = jobs_cases[_i / 4];
	size_t depth = depth_cases[_i % 4];
	struct pool *p = pool_new(jobs, depth);
	const int total = 3 * NFILES;
	int next = 0, got = 0;

	ck_assert_ptr_nonnull(p);
	while (got < total) {
		struct pool_slot *s;

		while (next < total && (s = pool_reserve(p))) {
			fill_slot(s, dir, next++);
			pool_submit(p);
		}
		s = pool_head(p);
		ck_assert_ptr_nonnull(s);
		check_head(s, sums, got++);
		pool_release_head(p);
	}
	ck_assert_ptr_null(pool_head(p));
	ck_assert_uint_gt(pool_bytes(p), 0);
	pool_free(p);
	free(sums);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* Freed with work still queued: no leak, no hang (descriptors closed). */
START_TEST(test_pool_free_in_flight)
{
	char *dir = unit_tmpdir();
	unsigned char *sums = make_files(dir);
	struct pool *p = pool_new(2, 32);
	struct pool_slot *s;
	int i = 0;

	ck_assert_ptr_nonnull(p);
	while ((s = pool_reserve(p))) {
		fill_slot(s, dir, i++);
		pool_submit(p);
	}
	ck_assert_int_eq(i, 32);
	pool_free(p);
	free(sums);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * pool_submit counts what is still to hash: nothing for slots without a
 * file, one more per file queued (fewer than a batch: no worker is woken
 * yet), and none once the head has taken them.
 */
START_TEST(test_pool_submit_pending)
{
	char *dir = unit_tmpdir();
	unsigned char *sums = make_files(dir);
	struct pool *p = pool_new(2, 32);
	struct pool_slot *s;

	ck_assert_ptr_nonnull(p);
	fill_slot(pool_reserve(p), dir, 1);	/* i % 3 == 1: no file */
	ck_assert_uint_eq(pool_submit(p), 0);
	fill_slot(pool_reserve(p), dir, 2);
	ck_assert_uint_eq(pool_submit(p), 1);
	fill_slot(pool_reserve(p), dir, 3);
	ck_assert_uint_eq(pool_submit(p), 2);
	fill_slot(pool_reserve(p), dir, 4);	/* no file */
	ck_assert_uint_eq(pool_submit(p), 2);
	for (int i = 1; i <= 4; i++) {
		s = pool_head(p);
		check_head(s, sums, i);
		pool_release_head(p);
	}
	fill_slot(pool_reserve(p), dir, 7);	/* no file */
	ck_assert_uint_eq(pool_submit(p), 0);
	pool_free(p);
	free(sums);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

Suite *make_pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_pool_order_and_hashes, 0, 16);
	tcase_add_test(tc, test_pool_free_in_flight);
	tcase_add_test(tc, test_pool_submit_pending);
	suite_add_tcase(s, tc);
	return s;
}
