/*
 * check_baseline_lock.c - the baseline's lock as an object of its own:
 * held before a read (check --update), handed to the writer; what a
 * refused writer is told; targets a writer refuses (a symlink).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/baseline.h"
#include "imscan/error.h"
#include "imscan/xalloc.h"
#include "unit.h"

static char *in_dir(const char *dir, const char *rel)
{
	char *p = xmalloc(strlen(dir) + strlen(rel) + 2);

	sprintf(p, "%s/%s", dir, rel);
	return p;
}

static struct baseline_spec spec(void)
{
	struct baseline_spec h = { 0 };

	h.created = 1764098400123456789LL;
	h.host = "web1";
	h.root = "/";
	h.hash = ATTR_SHA256;
	h.rules_json = "[]";
	return h;
}

static void write_empty(const char *path)
{
	struct baseline_spec h = spec();
	struct baseline_writer *w;

	ck_assert_msg(baseline_writer_open(&w, path, &h) == 0, "%s", error_last());
	ck_assert_msg(baseline_writer_commit(w, NULL) == 0, "%s", error_last());
}

/*
 * The lost update of check --update: with the lock taken before the read,
 * no other writer gets in until the holder's writer is done.
 */
START_TEST(test_lock_before_read)
{
	char *dir = unit_tmpdir(), *path = in_dir(dir, "b.imdb"), want[4096];
	struct baseline_spec h = spec();
	struct baseline_lock *l, *l2;
	struct baseline_writer *w, *w2;
	struct baseline_header got;
	struct baseline_reader *br;

	write_empty(path);
	ck_assert_ptr_nonnull(l = baseline_lock_acquire(path));
	/* Reading is not writing: the holder (and anyone) can read. */
	ck_assert_msg(baseline_reader_open(&br, path, NULL, &got) == 0, "%s", error_last());
	baseline_reader_close(br);
	baseline_header_release(&got);
	snprintf(want, sizeof(want),
		 "'%s' is locked by another process (pid %ld, lock file '%s.lock')",
		 path, (long)getpid(), path);
	ck_assert_ptr_null(baseline_lock_acquire(path));
	ck_assert_str_eq(error_last(), want);
	ck_assert_int_eq(baseline_writer_open(&w2, path, &h), -1);
	ck_assert_ptr_null(w2);
	ck_assert_str_eq(error_last(), want);
	/* The writer takes the lock over and releases it with itself. */
	ck_assert_msg(baseline_writer_open_locked(&w, l, &h) == 0, "%s", error_last());
	ck_assert_ptr_null(baseline_lock_acquire(path));
	ck_assert_msg(baseline_writer_commit(w, NULL) == 0, "%s", error_last());
	ck_assert_ptr_nonnull(l2 = baseline_lock_acquire(path));
	baseline_lock_release(l2);
	baseline_lock_release(NULL);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* A lock that cannot be had leaves the writer's lock released too. */
START_TEST(test_locked_writer_fails_cleanly)
{
	char *dir = unit_tmpdir(), *path = in_dir(dir, "b.imdb");
	struct baseline_spec h = spec();
	struct baseline_writer *w;
	struct baseline_lock *l, *l2;

	ck_assert_ptr_nonnull(l = baseline_lock_acquire(path));
	h.hash = ATTR_SIZE;	/* no content hash: refused */
	ck_assert_int_eq(baseline_writer_open_locked(&w, l, &h), -1);
	ck_assert_ptr_null(w);
	ck_assert_ptr_nonnull(l2 = baseline_lock_acquire(path));
	baseline_lock_release(l2);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* rename(2) would replace the link itself (-b /dev/stdout as root). */
START_TEST(test_symlink_refused)
{
	char *dir = unit_tmpdir(), *path = in_dir(dir, "b.imdb"), *link = in_dir(dir, "l.imdb");
	char *lockpath = in_dir(dir, "l.imdb.lock"), want[4096];
	struct baseline_spec h = spec();
	struct baseline_writer *w;
	struct stat st;

	write_empty(path);
	ck_assert_int_eq(symlink("b.imdb", link), 0);
	snprintf(want, sizeof(want), "'%s' is a symbolic link; refusing to replace it", link);
	ck_assert_int_eq(baseline_writer_open(&w, link, &h), -1);
	ck_assert_str_eq(error_last(), want);
	ck_assert_ptr_null(baseline_lock_acquire(link));
	ck_assert_str_eq(error_last(), want);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(lstat(lockpath, &st), -1);
	free(lockpath);
	free(link);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* The names a scan skips: exactly the baseline's three kinds of file. */
START_TEST(test_paths)
{
	char *dir = unit_tmpdir(), *real = realpath(dir, NULL), *link = in_dir(dir, "via");
	char *sub = in_dir(dir, "sub"), *given = in_dir(dir, "via/b.imdb"), want[4096], *cwd;
	struct baseline_paths bp;
	static const char *const no[] = {
		"b.imdb.", "b.imdb.abcde", "b.imdb.abcdefg", "b.imdb.abc-ef", "b.imdb.lockx",
		"b.imdbx", "c.imdb", "b.imdb.prev.", "b.imdb.prev.newx", "b.imdb.pre",
	};
	static const char *const yes[] = { "b.imdb.prev", "b.imdb.prev.new" };

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(symlink("sub", link), 0);
	ck_assert_int_eq(baseline_paths_get(&bp, given), 0);
	snprintf(want, sizeof(want), "%s/sub/b.imdb", real);
	ck_assert_str_eq(bp.file, want);
	snprintf(want, sizeof(want), "%s/sub/b.imdb.lock", real);
	ck_assert_str_eq(bp.lock, want);
	snprintf(want, sizeof(want), "%s/sub/b.imdb.", real);
	ck_assert_str_eq(bp.tmp_prefix, want);
	ck_assert(baseline_paths_match(&bp, bp.file, strlen(bp.file)));
	ck_assert(baseline_paths_match(&bp, bp.lock, strlen(bp.lock)));
	snprintf(want, sizeof(want), "%s/sub/b.imdb.aZ09xY", real);
	ck_assert(baseline_paths_match(&bp, want, strlen(want)));
	/* Length-delimited: what follows len is not looked at. */
	ck_assert(baseline_paths_match(&bp, want, strlen(want) - 7));
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(want, sizeof(want), "%s/sub/%s", real, yes[i]);
		ck_assert_msg(baseline_paths_match(&bp, want, strlen(want)), "%s", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(want, sizeof(want), "%s/sub/%s", real, no[i]);
		ck_assert_msg(!baseline_paths_match(&bp, want, strlen(want)), "%s", no[i]);
	}
	baseline_paths_release(&bp);
	ck_assert_ptr_null(bp.file);

	/* A relative path, in a directory that does not exist yet. */
	cwd = getcwd(NULL, 0);
	ck_assert_ptr_nonnull(cwd);
	ck_assert_int_eq(chdir(sub), 0);
	ck_assert_int_eq(baseline_paths_get(&bp, "new/b.imdb"), 0);
	snprintf(want, sizeof(want), "%s/sub/new/b.imdb", real);
	ck_assert_str_eq(bp.file, want);
	baseline_paths_release(&bp);
	ck_assert_int_eq(chdir(cwd), 0);
	free(cwd);
	free(given);
	free(sub);
	free(link);
	free(real);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

Suite *make_baseline_lock_suite(void)
{
	Suite *s = suite_create("baseline_lock");
	TCase *tc = tcase_create("lock");

	tcase_add_test(tc, test_lock_before_read);
	tcase_add_test(tc, test_locked_writer_fails_cleanly);
	tcase_add_test(tc, test_symlink_refused);
	tcase_add_test(tc, test_paths);
	suite_add_tcase(s, tc);
	return s;
}
