/*
 * check_walk_in_root.c - walk_open_in_root(), the resolver that keeps
 * bases inside --root without openat2(2).
 *
 * In an image built here: absolute symlinks, ".." runs, links to /proc
 * magic, loops and chains. Every path must resolve to the inode the image
 * (not the host) has there, or fail with the errno openat2 would give;
 * where the kernel has openat2, its RESOLVE_IN_ROOT answer is the oracle.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "imscan/walk.h"
#include "imscan/xalloc.h"
#include "unit.h"

static char *root;
static int rootfd;

static void mk(const char *kind, const char *rel, const char *target)
{
	char *p = xmalloc(strlen(root) + strlen(rel) + 2);

	sprintf(p, "%s/%s", root, rel);
	if (!strcmp(kind, "dir"))
		ck_assert_int_eq(mkdir(p, 0755), 0);
	else if (!strcmp(kind, "file"))
		unit_write(root, rel, "x\n");
	else
		ck_assert_int_eq(symlink(target, p), 0);
	free(p);
}

static void setup(void)
{
	char name[32];

	root = unit_tmpdir();
	mk("dir", "etc", NULL);
	mk("file", "etc/passwd", NULL);
	mk("dir", "a", NULL);
	mk("dir", "a/b", NULL);
	mk("dir", "a/b/c", NULL);
	mk("link", "abs", "/etc");			/* the image's /etc */
	mk("link", "up", "../../../../../..");		/* root, however far up */
	mk("link", "a/b/rel", "../../etc");
	mk("link", "a/b/dotdot", "c/../../..");
	mk("link", "self", "self");
	mk("link", "loop1", "loop2");
	mk("link", "loop2", "loop1");
	mk("link", "magic", "/proc/self/root/etc");	/* no /proc in the image */
	mk("link", "hostfile", "/etc/hostname");	/* the host has one */
	mk("link", "dangling", "nowhere");
	mk("link", "tofile", "etc/passwd");
	/* chains of 40 (allowed) and 41 (ELOOP) links to /etc */
	mk("link", "c40_0", "/etc");
	mk("link", "c41_0", "/etc");
	for (int i = 1; i <= 40; i++) {
		char prev[32];

		snprintf(name, sizeof(name), "c40_%d", i);
		snprintf(prev, sizeof(prev), "c40_%d", i - 1);
		if (i < 40)
			mk("link", name, prev);
		snprintf(name, sizeof(name), "c41_%d", i);
		snprintf(prev, sizeof(prev), "c41_%d", i - 1);
		mk("link", name, prev);
	}
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);
}

static void teardown(void)
{
	close(rootfd);
	unit_rmtree(root);
	free(root);
}

/* path must resolve to the image's rel (NULL: fail with errno want_err). */
static void expect(const char *path, int flags, const char *rel, int want_err)
{
	struct stat got, want;
	int fd;

	errno = 0;
	fd = walk_open_in_root(rootfd, path, flags);
	if (!rel) {
		ck_assert_msg(fd < 0, "'%s' opened, expected %s", path, strerror(want_err));
		ck_assert_msg(errno == want_err, "'%s': %s, expected %s", path, strerror(errno),
			      strerror(want_err));
		return;
	}
	ck_assert_msg(fd >= 0, "'%s': %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &got), 0);
	ck_assert_int_eq(fstatat(rootfd, *rel ? rel : ".", &want, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_msg(got.st_dev == want.st_dev && got.st_ino == want.st_ino,
		      "'%s' is not the image's '%s'", path, rel);
	close(fd);
}

static const struct {
	const char *path;
	int flags;
	const char *rel;	/* NULL: fails */
	int err;
} cases[] = {
	{ "/", O_RDONLY | O_DIRECTORY, "", 0 },
	{ "", O_RDONLY | O_DIRECTORY, "", 0 },
	{ "/etc", O_RDONLY | O_DIRECTORY, "etc", 0 },
	{ "//etc//", O_RDONLY | O_DIRECTORY, "etc", 0 },
	{ "/../../../etc", O_RDONLY | O_DIRECTORY, "etc", 0 },
	{ "/a/b/../../etc/./passwd", O_RDONLY, "etc/passwd", 0 },
	{ "/abs", O_RDONLY | O_DIRECTORY, "etc", 0 },
	{ "/abs/passwd", O_RDONLY, "etc/passwd", 0 },
	{ "/up", O_RDONLY | O_DIRECTORY, "", 0 },
	{ "/up/etc/passwd", O_RDONLY, "etc/passwd", 0 },
	{ "/a/b/rel/passwd", O_RDONLY, "etc/passwd", 0 },
	{ "/a/b/dotdot/etc", O_RDONLY | O_DIRECTORY, "etc", 0 },
	{ "/a/b/c/..", O_RDONLY | O_DIRECTORY, "a/b", 0 },
	{ "/tofile", O_RDONLY, "etc/passwd", 0 },
	{ "/c40_39/passwd", O_RDONLY, "etc/passwd", 0 },
	{ "/c41_40/passwd", O_RDONLY, NULL, ELOOP },
	{ "/self", O_RDONLY, NULL, ELOOP },
	{ "/loop1/x", O_RDONLY, NULL, ELOOP },
	{ "/magic/passwd", O_RDONLY, NULL, ENOENT },
	{ "/hostfile", O_RDONLY, NULL, ENOENT },
	{ "/dangling", O_RDONLY, NULL, ENOENT },
	{ "/missing/x", O_RDONLY, NULL, ENOENT },
	{ "/etc/passwd/x", O_RDONLY, NULL, ENOTDIR },
	{ "/tofile", O_RDONLY | O_NOFOLLOW, NULL, ELOOP },
	{ "/etc/passwd", O_RDONLY | O_DIRECTORY, NULL, ENOTDIR },
};

START_TEST(test_in_root)
{
	expect(cases[_i].path, cases[_i].flags, cases[_i].rel, cases[_i].err);
}
END_TEST

/* Where the kernel has openat2, it agrees on every case ("" aside: openat2
 * wants AT_EMPTY_PATH for it, walk_open_in_root takes it as root). */
START_TEST(test_same_as_openat2)
{
	struct open_how how;
	struct stat a, b;
	long kfd;
	int fd, kerr, err;

	if (!*cases[_i].path)
		return;
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned)cases[_i].flags | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	kfd = syscall(SYS_openat2, rootfd, cases[_i].path, &how, sizeof(how));
	kerr = errno;
	if (kfd < 0 && kerr == ENOSYS) {
		UNIT_SKIP("no openat2 in this kernel");
		return;
	}
	fd = walk_open_in_root(rootfd, cases[_i].path, cases[_i].flags);
	err = errno;
	ck_assert_msg((fd >= 0) == (kfd >= 0), "'%s': openat2 %s, walk_open_in_root %s",
		      cases[_i].path, kfd >= 0 ? "opens" : strerror(kerr),
		      fd >= 0 ? "opens" : strerror(err));
	if (fd < 0) {
		ck_assert_msg(err == kerr, "'%s': openat2 %s, walk_open_in_root %s",
			      cases[_i].path, strerror(kerr), strerror(err));
		return;
	}
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(fstat((int)kfd, &b), 0);
	ck_assert(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	close(fd);
	close((int)kfd);
}
END_TEST

Suite *make_walk_in_root_suite(void)
{
	Suite *s = suite_create("walk_in_root");
	TCase *tc = tcase_create("core");
	size_t n = sizeof(cases) / sizeof(cases[0]);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_in_root, 0, (int)n);
	tcase_add_loop_test(tc, test_same_as_openat2, 0, (int)n);
	suite_add_tcase(s, tc);
	return s;
}
