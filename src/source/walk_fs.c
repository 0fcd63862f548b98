/*
 * walk_fs.c - where the walk stands: bases and paths resolved inside root,
 * the file systems it does not descend, the descriptors it may hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/strbuf.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

/* Not in every linux/magic.h. */
#ifndef CONFIGFS_MAGIC
#define CONFIGFS_MAGIC 0x62656570
#endif
#ifndef FUSECTL_SUPER_MAGIC
#define FUSECTL_SUPER_MAGIC 0x65735543
#endif
#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

/* File systems whose content is the kernel's state, not files to check. */
static const unsigned long pseudo_fs[] = {
	PROC_SUPER_MAGIC, SYSFS_MAGIC, DEVPTS_SUPER_MAGIC, CGROUP_SUPER_MAGIC,
	CGROUP2_SUPER_MAGIC, DEBUGFS_MAGIC, TRACEFS_MAGIC, SECURITYFS_MAGIC,
	PSTOREFS_MAGIC, BPF_FS_MAGIC, CONFIGFS_MAGIC, FUSECTL_SUPER_MAGIC,
	MQUEUE_MAGIC, HUGETLBFS_MAGIC, AUTOFS_SUPER_MAGIC, BINFMTFS_MAGIC,
	EFIVARFS_MAGIC, SELINUX_MAGIC, SMACK_MAGIC, NSFS_MAGIC,
};

bool walk_is_pseudo_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	for (size_t i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
		if ((unsigned long)sf.f_type == pseudo_fs[i])
			return true;
	return false;
}

#define MAX_SYMLINKS 40	/* as the kernel's ELOOP limit */

/* The target of the symlink open as O_PATH descriptor fd, into sb. -1 with errno. */
static int read_link(int fd, struct strbuf *sb)
{
	size_t cap = 256;

	for (;;) {
		ssize_t n;

		strbuf_reset(sb);
		strbuf_grow(sb, cap);
		n = readlinkat(fd, "", sb->buf, cap);
		if (n < 0)
			return -1;
		if ((size_t)n < cap) {
			strbuf_setlen(sb, (size_t)n);
			return 0;
		}
		cap *= 2;
	}
}

/* Replaces the first cut bytes of sb with ins[0..n). */
static void splice_front(struct strbuf *sb, size_t cut, const char *ins, size_t n)
{
	struct strbuf t;

	strbuf_init(&t);
	strbuf_add(&t, ins, n);
	strbuf_add(&t, sb->buf + cut, sb->len - cut);
	strbuf_release(sb);
	*sb = t;
}

/* Opens the resolved path done (relative to root) as an O_PATH directory. */
static int open_resolved(int rootfd, const struct strbuf *done)
{
	int fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *p = done->buf, *end = done->buf + done->len;

	while (fd >= 0 && p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		char *name = xstrndup(p, slash ? (size_t)(slash - p) : (size_t)(end - p));
		int next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;

		free(name);
		close(fd);
		errno = err;
		fd = next;
		p = slash ? slash + 1 : end;
	}
	return fd;
}

/*
 * "." or "..", consumed from the front of todo up to todo[rest]: ".." drops
 * the last component of done (never climbing above root) and re-opens
 * *cur there. False for any other name.
 */
static bool dot_component(int rootfd, const char *p, size_t n, size_t rest,
			  struct strbuf *todo, struct strbuf *done, int *cur)
{
	if (n == 2 && p[0] == '.' && p[1] == '.') {
		char *slash = memrchr(done->buf, '/', done->len);

		strbuf_setlen(done, slash ? (size_t)(slash - done->buf) : 0);
		close(*cur);
		*cur = open_resolved(rootfd, done);
	} else if (n != 1 || p[0] != '.') {
		return false;
	}
	splice_front(todo, rest, "", 0);
	return true;
}

/*
 * Opens the component [p, p + n) of directory cur: O_PATH, to see what it
 * is (in *st), or, when it is the last and no symlink, with flags, and
 * then *final is set. -1 with errno.
 */
static int open_component(int cur, const char *p, size_t n, bool last, int flags,
			  struct stat *st, bool *final)
{
	char *name = xstrndup(p, n);
	int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC), err = errno;

	*final = false;
	if (fd >= 0 && fstat(fd, st) < 0) {
		err = errno;
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && !S_ISLNK(st->st_mode) && last) {
		/* O_NOFOLLOW: a symlink swapped in since is refused. */
		close(fd);
		fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC);
		err = errno;
		*final = true;
	}
	free(name);
	errno = err;
	return fd;
}

/*
 * fd (closed here) is a symlink whose name ends at todo[end]: the rest of
 * the path now follows its target, from root (*cur re-opened) if it is
 * absolute. -1 with errno.
 */
static int follow_link(int rootfd, int fd, struct strbuf *todo, size_t end,
		       struct strbuf *done, struct strbuf *link, int *cur)
{
	int rc = read_link(fd, link), err = errno;

	close(fd);
	if (rc < 0) {
		errno = err;
		return -1;
	}
	splice_front(todo, end, link->buf, link->len);
	if (link->len && link->buf[0] == '/') {
		strbuf_reset(done);
		close(*cur);
		*cur = open_resolved(rootfd, done);
	}
	return 0;
}

/*
 * RESOLVE_IN_ROOT done one component at a time, so that it works where
 * openat2(2) does not (Linux before 5.6, valgrind) and the same way
 * everywhere: each step is an openat() with O_NOFOLLOW relative to a
 * directory already inside root; ".." is lexical, and stops at root; a
 * symlink is read as text and resolved again from the directory holding it
 * (from root if absolute), so no symlink, "..", or magic link in /proc can
 * lead out. Like the walk itself, it relies on descriptors: a directory
 * moved out of root while it is being resolved through is not noticed.
 */
int walk_open_in_root(int rootfd, const char *path, int flags)
{
	struct strbuf todo, done, link;
	int cur, fd = -1, err = 0, links = 0;
	bool final;

	strbuf_init(&todo);
	strbuf_init(&done);
	strbuf_init(&link);
	strbuf_adds(&todo, path);
	cur = open_resolved(rootfd, &done);
	err = cur < 0 ? errno : 0;	/* EMFILE is no ENOENT */
	while (cur >= 0) {
		const char *p = todo.buf, *end, *rest;
		size_t n;
		bool last;
		struct stat st;

		while (*p == '/')
			p++;
		if (!*p) {
			/* The path names root itself, or ends in "." or "..". */
			fd = openat(cur, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
			err = errno;
			break;
		}
		end = p + strcspn(p, "/");
		n = (size_t)(end - p);
		for (rest = end; *rest == '/'; rest++)
			;
		last = !*rest;
		if (dot_component(rootfd, p, n, (size_t)(rest - todo.buf), &todo, &done, &cur)) {
			err = errno;
			continue;
		}
		fd = open_component(cur, p, n, last, flags, &st, &final);
		err = errno;
		if (final || fd < 0)
			break;
		if (S_ISLNK(st.st_mode)) {
			if (++links > MAX_SYMLINKS || (last && (flags & O_NOFOLLOW))) {
				close(fd);
				fd = -1;
				err = ELOOP;
				break;
			}
			err = follow_link(rootfd, fd, &todo, (size_t)(end - todo.buf), &done, &link,
					  &cur) < 0;
			fd = -1;
			if (err) {
				err = errno;
				break;
			}
			err = errno;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			fd = -1;
			err = ENOTDIR;
			break;
		}
		close(cur);
		cur = fd;
		fd = -1;
		if (done.len)
			strbuf_addc(&done, '/');
		strbuf_add(&done, p, n);
		splice_front(&todo, (size_t)(rest - todo.buf), "", 0);
	}
	if (cur >= 0)
		close(cur);
	else if (fd < 0 && !err)
		err = ENOENT;
	strbuf_release(&todo);
	strbuf_release(&done);
	strbuf_release(&link);
	errno = err;
	return fd;
}

/*
 * Lexical clean-up of a base: repeated slashes, "." and a trailing slash
 * go, ".." drops the previous component (it cannot climb above "/", as
 * inside root it cannot either). Keys are lexical; the file system is
 * consulted only when the base is opened.
 */
int walk_normalize_base(const char *in, struct strbuf *out)
{
	const char *p = in;

	if (*in != '/')
		return error("base '%s': not an absolute path", in);
	strbuf_reset(out);
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = memrchr(out->buf, '/', out->len);

			strbuf_setlen(out, slash ? (size_t)(slash - out->buf) : 0);
			continue;
		}
		strbuf_addc(out, '/');
		strbuf_add(out, s, n);
	}
	if (!out->len)
		strbuf_addc(out, '/');
	return 0;
}

/* The fewest directory descriptors a walk can go on with. */
#define MIN_FDS 6

/*
 * A quarter of the descriptors the process may open, within
 * [MIN_FDS, WALK_MAX_FDS]: the rest is for the files being hashed and the
 * baseline. Below that, climbing back re-opens directories by name.
 */
size_t walk_fds(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur / 4 >= WALK_MAX_FDS)
		return WALK_MAX_FDS;
	return rl.rlim_cur / 4 > MIN_FDS ? (size_t)rl.rlim_cur / 4 : MIN_FDS;
}
