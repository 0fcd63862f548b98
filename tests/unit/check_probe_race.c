/*
 * check_probe_race.c - an attacker racing the prober.
 *
 * A file replaced by a symlink (to a file outside the root, to /) between
 * the walker's stat and the prober's open is recorded as the symlink it
 * now is, never followed; a file that keeps growing while it is hashed
 * gets either "file changed while being hashed" or a hash of one state it
 * really had (an append-only file's every state is a prefix of its last),
 * never a hash that matches no state.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/digest.h"
#include "imscan/probe_file.h"
#include "imscan/record.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define BUFSIZE (1024 * 1024)

static char *join(const char *dir, const char *rel)
{
	char *p = xmalloc(strlen(dir) + strlen(rel) + 2);

	sprintf(p, "%s/%s", dir, rel);
	return p;
}

static struct attrset everything(void)
{
	struct attrset s = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR_ERROR; a++)
		attrset_add(&s, (enum attr_id)a);
	return s;
}

/* Swapped for a symlink after the walker saw a regular file: recorded as
 * the link, with its own target and size, nothing read through it. */
START_TEST(test_swapped_for_symlink_out_of_root)
{
	static const char *const targets[] = { "/etc/passwd", "/", "../../../../etc/shadow" };
	char *root = unit_tmpdir(), *f = join(root, "f");
	struct attrset want = everything();
	const char *bases[] = { "/f" };
	struct record rec;
	const char *target = targets[_i];

	record_init(&rec);
	unit_write(root, "f", "regular content\n");
	struct walk *w = walk_open(root, bases, 1, probe_statx_mask(&want));
	struct probe *p = probe_new(root);
	const struct walk_entry *e;
	struct probe_fd pf = { 0 };

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(walk_next(w, &e), 1);
	ck_assert(S_ISREG(e->stx.stx_mode));
	ck_assert_int_eq(unlink(f), 0);
	ck_assert_int_eq(symlink(target, f), 0);
	record_set_key(&rec, KIND_FILE, e->path, e->pathlen);
	ck_assert_int_eq(probe_file_meta(p, e, walk_entry_fd(w), &want, &rec, &pf), 0);
	ck_assert_int_eq(pf.fd, -1);
	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_SYMLINK);
	ck_assert(record_has(&rec, ATTR_TARGET));
	{
		size_t n;
		const unsigned char *t = record_bytes(&rec, ATTR_TARGET, &n);

		ck_assert_uint_eq(n, strlen(target));
		ck_assert(!memcmp(t, target, n));
	}
	ck_assert_int_eq(record_int(&rec, ATTR_SIZE), (int64_t)strlen(target));
	for (int a = ATTR_SHA256; a <= ATTR_XXH128; a++)
		ck_assert(!record_has(&rec, (enum attr_id)a));
	ck_assert(!record_has(&rec, ATTR_ERROR));
	walk_free(w);
	probe_free(p);
	record_release(&rec);
	free(f);
	unit_rmtree(root);
	free(root);
}
END_TEST

struct appender {
	int fd;
	int max;		/* appends before stopping; 0: until told */
	volatile int stop;
	int done;
};

static void *append_loop(void *arg)
{
	struct appender *a = arg;
	char line[64];

	for (int i = 0; !a->stop && (!a->max || i < a->max); i++) {
		int n = snprintf(line, sizeof(line), "line %d of the log\n", i);

		if (write(a->fd, line, (size_t)n) != n)
			break;
		/* A bounded writer appends in one burst: under valgrind, whose
		 * threads take turns, a paced one could span every pass. */
		if (!a->max)
			usleep(50);
	}
	a->done = 1;
	return NULL;
}

/* The SHA-256 of the first n bytes of path. */
static void sha256_prefix(const char *path, size_t n, unsigned char out[DIGEST_MAX])
{
	struct attrset want = ATTRSET_EMPTY;
	struct digest_ctx *d;
	unsigned char *buf = xmalloc(BUFSIZE);
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	attrset_add(&want, ATTR_SHA256);
	d = digest_new(&want);
	while (n) {
		ssize_t k = read(fd, buf, n < BUFSIZE ? n : BUFSIZE);

		ck_assert_int_gt(k, 0);
		digest_update(d, buf, (size_t)k);
		n -= (size_t)k;
	}
	digest_final(d, ATTR_SHA256, out);
	digest_free(d);
	close(fd);
	free(buf);
}

/*
 * _i == 0: the writer never stops while we hash: as a rule every pass sees
 * the file move and the answer is the error. _i == 1: it stops after 20
 * appends: a later pass holds still and the hash is of the final state.
 * Either way, a hash that is recorded is the hash of the prefix of the
 * final file of the recorded size: a state the file really had.
 */
START_TEST(test_grows_while_hashing)
{
	char *root = unit_tmpdir(), *f = join(root, "log");
	struct attrset want = ATTRSET_EMPTY;
	unsigned char *buf = xmalloc(BUFSIZE), *chunk = xmalloc(BUFSIZE);
	struct appender a = { .max = _i ? 20 : 0 };
	const char *bases[] = { "/log" };
	struct record rec;
	pthread_t th;
	struct probe_fd pf;

	record_init(&rec);
	a.fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0644);
	ck_assert_int_ge(a.fd, 0);
	attrset_add(&want, ATTR_TYPE);
	attrset_add(&want, ATTR_SIZE);
	attrset_add(&want, ATTR_MTIME);
	attrset_add(&want, ATTR_CTIME);
	attrset_add(&want, ATTR_SHA256);
	memset(chunk, 'a', BUFSIZE);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(write(a.fd, chunk, BUFSIZE), BUFSIZE);

	struct walk *w = walk_open(root, bases, 1, probe_statx_mask(&want));
	struct probe *p = probe_new(root);
	const struct walk_entry *e;

	ck_assert_int_eq(walk_next(w, &e), 1);
	record_set_key(&rec, KIND_FILE, e->path, e->pathlen);
	ck_assert_int_eq(probe_file_meta(p, e, -1, &want, &rec, &pf), 0);
	ck_assert_int_ge(pf.fd, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, append_loop, &a), 0);
	ck_assert_int_eq(probe_file_content(&pf, &want, &rec, buf, BUFSIZE), 0);
	a.stop = 1;
	pthread_join(th, NULL);
	close(a.fd);

	if (record_has(&rec, ATTR_ERROR)) {
		size_t n;

		ck_assert_str_eq((const char *)record_bytes(&rec, ATTR_ERROR, &n),
				 "file changed while being hashed");
		for (int h = ATTR_SHA256; h <= ATTR_XXH128; h++)
			ck_assert(!record_has(&rec, (enum attr_id)h));
		ck_assert_int_eq(_i, 0);
	} else {
		unsigned char want_hash[DIGEST_MAX];
		const unsigned char *got;
		size_t n;

		sha256_prefix(f, (size_t)record_int(&rec, ATTR_SIZE), want_hash);
		got = record_bytes(&rec, ATTR_SHA256, &n);
		ck_assert_uint_eq(n, 32);
		ck_assert_msg(!memcmp(got, want_hash, 32),
			      "the hash is of no state the file had at size %lld",
			      (long long)record_int(&rec, ATTR_SIZE));
	}
	walk_free(w);
	probe_free(p);
	record_release(&rec);
	free(buf);
	free(chunk);
	free(f);
	unit_rmtree(root);
	free(root);
}
END_TEST

Suite *make_probe_race_suite(void)
{
	Suite *s = suite_create("probe_race");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_swapped_for_symlink_out_of_root, 0, 3);
	tcase_add_loop_test(tc, test_grows_while_hashing, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
