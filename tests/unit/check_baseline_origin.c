/*
 * check_baseline_origin.c - how the rules were chosen, through the header
 * and back (struct baseline_origin), and the previous baseline kept as
 * FILE.prev.
 */
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

static void write_with(const char *path, const struct baseline_origin *o, const char *host)
{
	struct baseline_spec h = { 0 };
	struct baseline_writer *w;

	h.created = 1764098400123456789LL;
	h.host = host;
	h.hash = ATTR_SHA256;
	h.rules_json = "[]";
	h.origin = o;
	ck_assert_msg(baseline_writer_open(&w, path, &h) == 0, "%s", error_last());
	baseline_writer_keep_prev(w);
	ck_assert_msg(baseline_writer_commit(w, NULL) == 0, "%s", error_last());
}

static void read_back(const char *path, struct baseline_header *h)
{
	struct baseline_reader *br;

	ck_assert_msg(baseline_reader_open(&br, path, NULL, h) == 0, "%s", error_last());
	baseline_reader_close(br);
}

START_TEST(test_origin_roundtrip)
{
	char *dir = unit_tmpdir(), *path = in_dir(dir, "b.imdb");
	static char p0[] = "rules/", p1[] = "site \"x\".json";
	static char a0[] = "/etc/imscan/rules", a1[] = "/srv/site \"x\".json";
	static char v0[] = "dir=/srv", v1[] = "user=www=data";
	char *paths[] = { p0, p1 }, *abs[] = { a0, a1 }, *params[] = { v0, v1 };
	struct baseline_origin o = { false, 2, paths, abs, 2, params }, lib = { 0 };
	struct baseline_header h;

	write_with(path, &o, "h");
	read_back(path, &h);
	ck_assert(h.origin.recorded);
	ck_assert_uint_eq(h.origin.npaths, 2);
	ck_assert_str_eq(h.origin.paths[0], "rules/");
	ck_assert_str_eq(h.origin.paths[1], "site \"x\".json");
	ck_assert_str_eq(h.origin.abs_paths[0], "/etc/imscan/rules");
	ck_assert_str_eq(h.origin.abs_paths[1], "/srv/site \"x\".json");
	ck_assert_uint_eq(h.origin.nparams, 2);
	ck_assert_str_eq(h.origin.params[0], "dir=/srv");
	ck_assert_str_eq(h.origin.params[1], "user=www=data");
	baseline_header_release(&h);
	ck_assert(!h.origin.recorded && !h.origin.paths);

	/* The recommended library, no params. */
	write_with(path, &lib, "h");
	read_back(path, &h);
	ck_assert(h.origin.recorded);
	ck_assert_uint_eq(h.origin.npaths, 0);
	ck_assert_uint_eq(h.origin.nparams, 0);
	baseline_header_release(&h);

	/* None given: none recorded (as in baselines older than "origin"). */
	write_with(path, NULL, "h");
	read_back(path, &h);
	ck_assert(!h.origin.recorded);
	baseline_header_release(&h);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * FILE.prev: absent before there is an old file; then always the file
 * just replaced, a hard link (same bytes, same mode 0600).
 */
START_TEST(test_keep_prev)
{
	char *dir = unit_tmpdir(), *path = in_dir(dir, "b.imdb"), *prev = in_dir(dir, "b.imdb.prev");
	char *tmp = in_dir(dir, "b.imdb.prev.new");
	struct baseline_header h;
	struct stat st;

	write_with(path, NULL, "first");
	ck_assert_int_eq(stat(prev, &st), -1);
	write_with(path, NULL, "second");
	read_back(prev, &h);
	ck_assert_str_eq(h.host, "first");
	baseline_header_release(&h);
	write_with(path, NULL, "third");
	read_back(prev, &h);
	ck_assert_str_eq(h.host, "second");
	baseline_header_release(&h);
	read_back(path, &h);
	ck_assert_str_eq(h.host, "third");
	baseline_header_release(&h);
	ck_assert_int_eq(stat(prev, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(tmp, &st), -1);

	/* A stale link in the making (a writer killed there) is replaced. */
	ck_assert_int_eq(link(path, tmp), 0);
	write_with(path, NULL, "fourth");
	read_back(prev, &h);
	ck_assert_str_eq(h.host, "third");
	baseline_header_release(&h);
	ck_assert_int_eq(stat(tmp, &st), -1);

	/* A writer killed after keeping the file, before renaming its own in:
	 * FILE.prev is FILE (one file, two links). The next one keeps FILE
	 * again and leaves no FILE.prev.new (rename(2) of one link onto
	 * another of the same file does nothing). killed_baseline met it. */
	ck_assert_int_eq(unlink(prev), 0);
	ck_assert_int_eq(link(path, prev), 0);
	write_with(path, NULL, "fifth");
	read_back(prev, &h);
	ck_assert_str_eq(h.host, "fourth");
	baseline_header_release(&h);
	ck_assert_int_eq(stat(tmp, &st), -1);
	free(tmp);
	free(prev);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

Suite *make_baseline_origin_suite(void)
{
	Suite *s = suite_create("baseline_origin");
	TCase *tc = tcase_create("origin");

	tcase_add_test(tc, test_origin_roundtrip);
	tcase_add_test(tc, test_keep_prev);
	suite_add_tcase(s, tc);
	return s;
}
