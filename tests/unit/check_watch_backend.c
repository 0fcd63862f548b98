/* Both watch back ends against real kernel notifications (fanotify: root). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/watch_backend.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define MAXSEEN 64

/* Events folded per path: the union of what happened to it. */
struct seen {
	char path[512], old[512];
	unsigned what;
	bool isdir;
	struct procinfo proc;
	bool has_proc;
	pid_t pid;
};

struct log {
	struct seen s[MAXSEEN];
	size_t n;
	size_t events;
	bool overflow;
};

/* Loop index: 0 fanotify, 1 inotify, 2 fanotify with inode marks only. */
static const enum watch_kind kinds[] = { WATCH_FANOTIFY, WATCH_INOTIFY, WATCH_FANOTIFY };

/* Non-root cannot use fanotify: the test says why and passes nothing. */
static bool skip_kind(enum watch_kind k)
{
	if (k == WATCH_FANOTIFY && geteuid() != 0) {
		printf("check_watch_backend: fanotify case skipped: needs root\n");
		return true;
	}
	return false;
}

static struct seen *find(struct log *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->s[i].path, path) == 0)
			return &l->s[i];
	return NULL;
}

static void note(struct log *l, const struct watch_event *e)
{
	struct seen *s;

	l->events++;
	if (e->what & WEV_OVERFLOW) {
		l->overflow = true;
		return;
	}
	s = find(l, e->path);
	if (!s) {
		ck_assert_uint_lt(l->n, MAXSEEN);
		s = &l->s[l->n++];
		memset(s, 0, sizeof(*s));
		snprintf(s->path, sizeof(s->path), "%s", e->path);
	}
	s->what |= e->what;
	s->isdir = e->isdir;
	s->pid = e->pid;
	if (e->oldpath)
		snprintf(s->old, sizeof(s->old), "%s", e->oldpath);
	if (e->proc && !s->has_proc) {
		s->proc = *e->proc;
		s->has_proc = true;
	}
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Reads until quiet_ms pass without an event for us (fanotify's mark on a
 * whole file system also wakes us for others' files, which are dropped).
 */
static void collect(struct watch_backend *w, struct log *l, int quiet_ms)
{
	struct watch_batch b;
	struct pollfd p = { .fd = watch_fd(w), .events = POLLIN };
	long last = now_ms();

	watch_batch_init(&b);
	while (now_ms() - last < quiet_ms) {
		int n;

		if (poll(&p, 1, quiet_ms) <= 0)
			break;
		n = watch_read(w, &b);
		ck_assert_msg(n >= 0, "watch_read: %s", error_last());
		for (int i = 0; i < n; i++)
			note(l, &b.ev[i]);
		if (n > 0)
			last = now_ms();
	}
	watch_batch_release(&b);
}

static char *path2(const char *a, const char *b)
{
	char *s = xmalloc(strlen(a) + strlen(b) + 2);

	sprintf(s, "%s/%s", a, b);
	return s;
}

static void xmkdir(const char *dir, const char *rel)
{
	char *p = path2(dir, rel);

	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void xrename(const char *dir, const char *from, const char *to)
{
	char *a = path2(dir, from), *b = path2(dir, to);

	ck_assert_int_eq(rename(a, b), 0);
	free(a);
	free(b);
}

static struct watch_backend *open_on(int i, const char *root, const char *base, bool attribute)
{
	struct watch_opts o = { .attribute = attribute, .inode_marks = i == 2 };
	enum watch_kind k = kinds[i];
	struct watch_backend *w = NULL;
	const char *bases[] = { base };

	ck_assert_msg(watch_open(&w, k, root, bases, 1, &o) == 0, "watch_open: %s", error_last());
	return w;
}

static void expect(struct log *l, const char *path, unsigned what, bool isdir)
{
	struct seen *s = find(l, path);

	ck_assert_msg(s != NULL, "no event for %s", path);
	ck_assert_msg(s->what == what, "%s: what %#x, expected %#x", path, s->what, what);
	ck_assert_int_eq(s->isdir, isdir);
}

START_TEST(test_file_lifecycle)
{
	char *dir = unit_tmpdir(), *p;
	struct watch_backend *w;
	struct log l = { 0 };

	if (skip_kind(kinds[_i]))
		goto out;
	xmkdir(dir, "sub");
	xmkdir(dir, "other");
	w = open_on(_i, dir, "/sub", false);
	ck_assert_str_eq(watch_backend_name(w), _i == 1 ? "inotify" : "fanotify");
	{
		struct watch_stats st;

		watch_get_stats(w, &st);
		ck_assert_int_eq(st.fsmark, _i == 0);
	}
	unit_write(dir, "sub/f", "x");
	unit_write(dir, "other/x", "outside the base");
	p = path2(dir, "sub/f");
	ck_assert_int_eq(chmod(p, 0600), 0);
	free(p);
	xrename(dir, "sub/f", "sub/g");
	p = path2(dir, "sub/g");
	ck_assert_int_eq(unlink(p), 0);
	free(p);
	p = path2(dir, "sub");
	ck_assert_int_eq(chmod(p, 0700), 0);
	free(p);
	collect(w, &l, 300);
	expect(&l, "/sub/f", WEV_CREATE | WEV_MODIFY | WEV_CLOSE_WRITE | WEV_ATTRIB, false);
	expect(&l, "/sub/g", WEV_RENAME | WEV_DELETE, false);
	ck_assert_str_eq(find(&l, "/sub/g")->old, "/sub/f");
	expect(&l, "/sub", WEV_ATTRIB, true);
	ck_assert_uint_eq(l.n, 3);
	ck_assert(!l.overflow);
	watch_close(w);
out:
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* A file made in a new directory before its watch existed is still seen. */
START_TEST(test_new_dir_contents)
{
	char *dir = unit_tmpdir();
	struct watch_backend *w;
	struct log l = { 0 };

	if (skip_kind(kinds[_i]))
		goto out;
	xmkdir(dir, "base");
	w = open_on(_i, dir, "/base", false);
	xmkdir(dir, "base/d");
	xmkdir(dir, "base/d/e");
	unit_write(dir, "base/d/e/early", "x");
	collect(w, &l, 300);
	ck_assert(find(&l, "/base/d")->what & WEV_CREATE);
	ck_assert(find(&l, "/base/d")->isdir);
	ck_assert(find(&l, "/base/d/e")->what & WEV_CREATE);
	ck_assert_msg(find(&l, "/base/d/e/early") != NULL, "early file not seen");
	ck_assert(find(&l, "/base/d/e/early")->what & WEV_CREATE);
	/* Now watched for sure: the exact events. */
	memset(&l, 0, sizeof(l));
	unit_write(dir, "base/d/e/late", "y");
	collect(w, &l, 300);
	expect(&l, "/base/d/e/late", WEV_CREATE | WEV_MODIFY | WEV_CLOSE_WRITE, false);
	ck_assert_uint_eq(l.n, 1);
	/* Read before the move: fanotify resolves a directory when reading. */
	memset(&l, 0, sizeof(l));
	xrename(dir, "base/d", "base/d2");
	unit_write(dir, "base/d2/e/after", "z");
	collect(w, &l, 300);
	expect(&l, "/base/d2", WEV_RENAME, true);
	ck_assert_str_eq(find(&l, "/base/d2")->old, "/base/d");
	expect(&l, "/base/d2/e/after", WEV_CREATE | WEV_MODIFY | WEV_CLOSE_WRITE, false);
	ck_assert_uint_eq(l.n, 2);
	watch_close(w);
out:
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* 20,000 creates while nobody reads: more than the 16,384 queued events. */
START_TEST(test_overflow)
{
	char *dir = unit_tmpdir(), name[64];
	struct watch_backend *w;
	struct log l = { 0 };

	if (skip_kind(kinds[_i]))
		goto out;
	xmkdir(dir, "many");
	w = open_on(_i, dir, "/many", false);
	for (int i = 0; i < 20000; i++) {
		int fd;
		char *p;

		snprintf(name, sizeof(name), "many/f%d", i);
		p = path2(dir, name);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
		free(p);
	}
	{
		struct watch_batch b;
		struct pollfd pf = { .fd = watch_fd(w), .events = POLLIN };

		watch_batch_init(&b);
		while (!l.overflow && poll(&pf, 1, 500) > 0) {
			int n = watch_read(w, &b);

			ck_assert_int_ge(n, 0);
			for (int i = 0; i < n; i++)
				if (b.ev[i].what & WEV_OVERFLOW)
					l.overflow = true;
		}
		watch_batch_release(&b);
	}
	ck_assert_msg(l.overflow, "no overflow reported");
	{
		struct watch_stats st;

		watch_get_stats(w, &st);
		ck_assert_uint_ge(st.overflows, 1);
	}
	watch_close(w);
out:
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_bad_bases)
{
	struct watch_backend *w = NULL;
	const char *rel[] = { "etc" }, *missing[] = { "/no/such/dir" };

	if (skip_kind(kinds[_i]))
		return;
	ck_assert_int_eq(watch_open(&w, kinds[_i], NULL, rel, 1, NULL), -1);
	ck_assert_str_eq(error_last(), "watch: base 'etc': not an absolute path");
	ck_assert_int_eq(watch_open(&w, kinds[_i], NULL, rel, 0, NULL), -1);
	ck_assert_str_eq(error_last(), "watch: no base to watch");
	ck_assert_int_eq(watch_open(&w, kinds[_i], "/tmp/", missing, 1, NULL), -1);
	ck_assert_str_eq(error_last(), _i == 0
			 ? "fanotify: base '/tmp/no/such/dir': No such file or directory"
			 : "inotify: base '/tmp/no/such/dir': No such file or directory");
	ck_assert_ptr_null(w);
}
END_TEST

/* With a cap of 2 watches on a/b/c/d, b's and c's directories are listed. */
START_TEST(test_inotify_limit)
{
	char *dir = unit_tmpdir();
	struct watch_opts o = { .max_watches = 2 };
	struct watch_backend *w = NULL;
	const char *bases[] = { "/a" };
	const char *const *list;
	struct watch_stats st;
	struct log l = { 0 };

	xmkdir(dir, "a");
	xmkdir(dir, "a/b");
	xmkdir(dir, "a/b/c");
	xmkdir(dir, "a/b/c/d");
	ck_assert_int_eq(watch_open(&w, WATCH_INOTIFY, dir, bases, 1, &o), 0);
	ck_assert_uint_eq(watch_unwatched(w, &list), 2);
	ck_assert_str_eq(list[0], "/a/b/c");
	ck_assert_str_eq(list[1], "/a/b/c/d");
	watch_get_stats(w, &st);
	ck_assert_uint_eq(st.watches, 2);
	xmkdir(dir, "a/b/new");
	collect(w, &l, 200);
	expect(&l, "/a/b/new", WEV_CREATE, true);
	ck_assert_uint_eq(watch_unwatched(w, &list), 3);
	ck_assert_str_eq(list[2], "/a/b/new");
	watch_close(w);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

Suite *make_watch_backend_suite(void)
{
	Suite *s = suite_create("watch_backend");
	TCase *tc = tcase_create("backend");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_file_lifecycle, 0, 3);
	tcase_add_loop_test(tc, test_new_dir_contents, 0, 3);
	tcase_add_loop_test(tc, test_overflow, 0, 2);
	tcase_add_loop_test(tc, test_bad_bases, 0, 2);
	tcase_add_test(tc, test_inotify_limit);
	suite_add_tcase(s, tc);
	return s;
}
