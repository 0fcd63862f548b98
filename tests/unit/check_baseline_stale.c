/*
 * check_baseline_stale.c - what a killed writer leaves behind.
 *
 * The writer records its temporary file's name in the lock file before it
 * creates it; the next writer, once it holds the lock, removes that file
 * if a writer died without removing or renaming it. Nothing but that one
 * recorded name is ever removed: not a file that merely looks like a
 * temporary file, not a name a hostile lock file points elsewhere, not a
 * symlink. A writer that is refused the lock leaves the lock file alone.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imscan/baseline.h"
#include "imscan/error.h"
#include "imscan/xalloc.h"
#include "unit.h"

static char warned[4096];

static void catch_warning(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(warned, sizeof(warned), "%s", msg);
}

static char *join(const char *dir, const char *rel)
{
	char *p = xmalloc(strlen(dir) + strlen(rel) + 2);

	sprintf(p, "%s/%s", dir, rel);
	return p;
}

static struct baseline_spec header(void)
{
	struct baseline_spec h = { 0 };

	h.created = 1764098400123456789LL;
	h.host = "web1";
	h.root = "/";
	h.hash = ATTR_SHA256;
	h.rules_json = "[{\"entities\": [{}]}]";
	return h;
}

/* The lock file's text. */
static char *lock_text(const char *path)
{
	char *lp = xmalloc(strlen(path) + 6), *buf = xcalloc(1, 1024);
	FILE *f;

	sprintf(lp, "%s.lock", path);
	f = fopen(lp, "r");
	ck_assert_ptr_nonnull(f);
	(void)!fread(buf, 1, 1023, f);
	fclose(f);
	free(lp);
	return buf;
}

/* Names in dir starting with "b.imdb." other than the lock, as "a b c". */
static void temps(const char *dir, char *out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*out = '\0';
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "b.imdb.", 7) && strcmp(e->d_name, "b.imdb.lock"))
			snprintf(out + strlen(out), size - strlen(out), "%s%s", *out ? " " : "",
				 e->d_name);
	closedir(d);
}

/* A writer that dies (SIGKILL) after it has written a record. */
static void killed_writer(const char *path)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct baseline_spec h = header();
		struct baseline_writer *w;
		struct record r;

		record_init(&r);
		if (baseline_writer_open(&w, path, &h) < 0)
			_exit(1);
		record_set_key(&r, KIND_FILE, "/x", 2);
		record_add_entity(&r, 0);
		if (baseline_writer_add(w, &r) < 0)
			_exit(1);
		raise(SIGKILL);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

START_TEST(test_lock_names_the_temporary_file)
{
	char *dir = unit_tmpdir(), *path = join(dir, "b.imdb"), want[2048], *t;
	struct baseline_spec h = header();
	struct baseline_writer *w, *w2;
	char names[1024];

	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	temps(dir, names, sizeof(names));
	ck_assert_uint_eq(strlen(names), 13);	/* b.imdb.XXXXXX */
	snprintf(want, sizeof(want), "%ld\n%s\n", (long)getpid(), names);
	t = lock_text(path);
	ck_assert_str_eq(t, want);
	free(t);
	/* A second writer is refused and leaves the lock file as it was. */
	ck_assert_int_eq(baseline_writer_open(&w2, path, &h), -1);
	t = lock_text(path);
	ck_assert_str_eq(t, want);
	free(t);
	ck_assert_int_eq(baseline_writer_commit(w, NULL), 0);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	t = lock_text(path);
	ck_assert_str_eq(t, want);
	free(t);
	temps(dir, names, sizeof(names));
	ck_assert_str_eq(names, "");
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_killed_writer_cleaned_up)
{
	char *dir = unit_tmpdir(), *path = join(dir, "b.imdb"), *stale, want[4096];
	struct baseline_spec h = header();
	struct baseline_writer *w;
	char names[1024];

	killed_writer(path);
	temps(dir, names, sizeof(names));
	ck_assert_uint_eq(strlen(names), 13);
	ck_assert_int_eq(access(path, F_OK), -1);	/* no baseline was made */
	stale = join(dir, names);
	warned[0] = '\0';
	warning_set_handler(catch_warning, NULL);
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	warning_set_handler(NULL, NULL);
	snprintf(want, sizeof(want), "removed '%s', left behind by an imscan that was "
		 "stopped while writing '%s'", stale, path);
	ck_assert_str_eq(warned, want);
	ck_assert_int_eq(access(stale, F_OK), -1);
	ck_assert_int_eq(baseline_writer_commit(w, NULL), 0);
	temps(dir, names, sizeof(names));
	ck_assert_str_eq(names, "");
	free(stale);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * _i: 0, a look-alike nobody recorded; 1, a lock file that points out of
 * the directory; 2, one that points at a symlink; 3, at another
 * baseline's name; 4, at a name of the wrong shape.
 */
START_TEST(test_only_what_was_recorded)
{
	static const char *const locks[] = {
		"1\n",
		"1\n../../etc/passwd\n",
		"1\nb.imdb.LINK01\n",
		"1\nc.imdb.ABCDEF\n",
		"1\nb.imdb.ABC-EF\n",
	};
	static const char *const keep[] = {
		"b.imdb.ABCDEF", "b.imdb.ABCDEF", "b.imdb.LINK01", "c.imdb.ABCDEF", "b.imdb.ABC-EF",
	};
	char *dir = unit_tmpdir(), *path = join(dir, "b.imdb"), *k = join(dir, keep[_i]);
	char *lock = join(dir, "b.imdb.lock");
	struct baseline_spec h = header();
	struct baseline_writer *w;
	FILE *f;

	if (_i == 2)
		ck_assert_int_eq(symlink("b.imdb", k), 0);
	else
		unit_write(dir, keep[_i], "not a temporary file\n");
	f = fopen(lock, "w");
	ck_assert_ptr_nonnull(f);
	fputs(locks[_i], f);
	fclose(f);
	warned[0] = '\0';
	warning_set_handler(catch_warning, NULL);
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	ck_assert_int_eq(baseline_writer_commit(w, NULL), 0);
	warning_set_handler(NULL, NULL);
	ck_assert_str_eq(warned, "");
	ck_assert_int_eq(faccessat(AT_FDCWD, k, F_OK, AT_SYMLINK_NOFOLLOW), 0);
	free(k);
	free(lock);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

Suite *make_baseline_stale_suite(void)
{
	Suite *s = suite_create("baseline_stale");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_lock_names_the_temporary_file);
	tcase_add_test(tc, test_killed_writer_cleaned_up);
	tcase_add_loop_test(tc, test_only_what_was_recorded, 0, 5);
	suite_add_tcase(s, tc);
	return s;
}
