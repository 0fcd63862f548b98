/*
 * lock.c - the lock file protocol of a baseline path (imscan-baseline(5),
 * FILES): one writer at a time, and the clean-up of what a killed writer
 * left behind.
 *
 * The lock file holds the writer's pid on its first line and, while the
 * writer has a temporary file, that file's name on the second:
 * "1234\nbaseline.imdb.k3J9aZ\n". The pid is for people (and tests); a
 * refused writer names the pid the kernel gives (/proc/locks), not this
 * one. The name lets the next writer remove a temporary file that a
 * writer killed with SIGKILL (or by a crash, or a power cut) left behind.
 * Nothing else is ever removed: only the one name that an imscan writer
 * recorded under this very lock before it created the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/imdb.h"
#include "imscan/xalloc.h"

#define LOCK_MAX 512

struct baseline_lock {
	char *path;		/* the baseline */
	char *lockpath;		/* path + ".lock" */
	int fd;
	int locked;		/* fd holds the flock */
};

/*
 * The pid the kernel records for the flock on fd's file (/proc/locks), or
 * 0 if it cannot be had. Never the pid written in the lock file, which
 * anyone who can write that file could have put there.
 */
static long flock_holder(int fd)
{
	struct stat st;
	char line[256];
	long pid = 0;
	FILE *f;

	if (fstat(fd, &st) < 0 || !(f = fopen("/proc/locks", "re")))
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		char type[16], mode[16];
		unsigned maj, min;
		unsigned long ino;
		long p;

		if (sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%lu", type, mode, &p,
			   &maj, &min, &ino) == 6 && !strcmp(type, "FLOCK") &&
		    !strcmp(mode, "WRITE") && ino == st.st_ino &&
		    maj == major(st.st_dev) && min == minor(st.st_dev) && p > 0)
			pid = p;
	}
	fclose(f);
	return pid;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Rewrites the lock file: our pid, and tmp's name if not NULL. Best effort. */
static void lock_record(struct baseline_lock *l, const char *tmp)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addf(&sb, "%ld\n", (long)getpid());
	if (tmp)
		strbuf_addf(&sb, "%s\n", base_name(tmp));
	if (ftruncate(l->fd, 0) == 0 && pwrite(l->fd, sb.buf, sb.len, 0) != (ssize_t)sb.len)
		(void)ftruncate(l->fd, 0);
	strbuf_release(&sb);
}

/*
 * With the lock held: if the last writer recorded a temporary file and
 * died before removing or renaming it, remove it now. The recorded name
 * must be exactly this baseline's name, '.', and six letters or digits,
 * and the file a regular file of ours.
 */
static void remove_stale_tmp(struct baseline_lock *l)
{
	char buf[LOCK_MAX + 1];
	ssize_t n = pread(l->fd, buf, LOCK_MAX, 0);
	const char *base = base_name(l->path), *name, *end;
	size_t blen = strlen(base);
	struct stat st;
	char *stale;

	if (n <= 0)
		return;
	buf[n] = '\0';
	if (!(name = strchr(buf, '\n')) || !(end = strchr(++name, '\n')))
		return;
	if ((size_t)(end - name) != blen + 1 + IMDB_TMP_SUFFIX || memcmp(name, base, blen) ||
	    name[blen] != '.')
		return;
	for (const char *c = name + blen + 1; c < end; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
			return;
	stale = xmalloc(strlen(l->path) + 1 + IMDB_TMP_SUFFIX + 1);
	sprintf(stale, "%s.%.*s", l->path, IMDB_TMP_SUFFIX, name + blen + 1);
	if (lstat(stale, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()) {
		if (unlink(stale) == 0)
			warning("removed '%s', left behind by an imscan that was stopped while "
				"writing '%s'", stale, l->path);
	}
	free(stale);
}

/*
 * flock() on path + ".lock". The lock file is never removed: unlinking it
 * would let a third writer lock a new inode while the second still holds
 * the old one.
 */
static int take_lock(struct baseline_lock *l)
{
	l->fd = open(l->lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->fd < 0)
		return error("cannot open lock file '%s': %s", l->lockpath, strerror(errno));
	if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		long pid;

		if (errno != EWOULDBLOCK)
			return error("cannot lock '%s': %s", l->lockpath, strerror(errno));
		pid = flock_holder(l->fd);
		if (pid)
			return error("'%s' is locked by another process (pid %ld, lock file '%s')",
				     l->path, pid, l->lockpath);
		return error("'%s' is locked by another process (lock file '%s')",
			     l->path, l->lockpath);
	}
	l->locked = 1;
	remove_stale_tmp(l);
	lock_record(l, NULL);
	return 0;
}

/*
 * Creates the temporary file path.XXXXXX (mode 0600), its name recorded
 * in the lock file first, so that a writer killed at any point leaves
 * nothing the next one cannot clean up. -1 with errno.
 */
int imdb_lock_create_tmp(struct baseline_lock *l, char **tmp)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(l->path);
	char *name = xmalloc(len + 1 + IMDB_TMP_SUFFIX + 1);

	*tmp = name;
	for (int tries = 0; tries < 100; tries++) {
		unsigned char r[IMDB_TMP_SUFFIX];
		int fd;

		randombytes_buf(r, sizeof(r));
		memcpy(name, l->path, len);
		name[len] = '.';
		for (int i = 0; i < IMDB_TMP_SUFFIX; i++)
			name[len + 1 + i] = set[r[i] % (sizeof(set) - 1)];
		name[len + 1 + IMDB_TMP_SUFFIX] = '\0';
		lock_record(l, name);
		fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

const char *imdb_lock_target(const struct baseline_lock *l)
{
	return l->path;
}

/* mkdir -p of path's parent, creating only what is missing, 0700. */
static int make_parents(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	struct stat st;
	int ret = 0;

	if (!slash || slash == dir)
		goto cleanup;
	*slash = '\0';
	if (!stat(dir, &st))
		goto cleanup;
	for (char *p = dir + 1; ; p++) {
		char c = *p;

		if (c != '/' && c)
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			ret = error("cannot create directory '%s': %s", dir, strerror(errno));
			goto cleanup;
		}
		*p = c;
		if (!c)
			break;
	}
cleanup:
	free(dir);
	return ret;
}

/*
 * Refuses, before any work is done, a path that could never be renamed
 * over: no file name at all ("", "dir/"), or something that is not a
 * regular file (a directory, a FIFO, a device), or a symlink: rename(2)
 * would replace the link, not write where it points (-b /dev/stdout).
 */
int imdb_lock_path_check(const char *path)
{
	size_t len = strlen(path);
	struct stat st;

	if (!len || path[len - 1] == '/')
		return error("'%s': not a file name", path);
	if (lstat(path, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode))
		return error("'%s' is a symbolic link; refusing to replace it", path);
	if (!S_ISREG(st.st_mode))
		return error("'%s': not a regular file", path);
	return 0;
}

struct baseline_lock *baseline_lock_acquire(const char *path)
{
	struct baseline_lock *l;
	size_t len = strlen(path);

	if (imdb_lock_path_check(path) < 0 || make_parents(path) < 0)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->fd = -1;
	l->path = xstrdup(path);
	l->lockpath = xmalloc(len + sizeof(".lock"));
	memcpy(l->lockpath, path, len);
	memcpy(l->lockpath + len, ".lock", sizeof(".lock"));
	if (take_lock(l) < 0) {
		baseline_lock_release(l);
		return NULL;
	}
	return l;
}

void baseline_lock_release(struct baseline_lock *l)
{
	if (!l)
		return;
	if (l->locked)
		lock_record(l, NULL);
	if (l->fd >= 0)
		close(l->fd);	/* releases the flock */
	free(l->path);
	free(l->lockpath);
	free(l);
}

/* path with its directory resolved when it exists, absolute in any case. */
static char *absolute(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : xstrdup(".");
	const char *base = slash ? slash + 1 : path;
	char *real = realpath(dir, NULL);
	struct strbuf sb;

	strbuf_init(&sb);
	if (real) {
		strbuf_adds(&sb, real);
	} else if (dir[0] != '/') {
		char *cwd = getcwd(NULL, 0);

		if (!cwd) {
			error("cannot resolve '%s': %s", path, strerror(errno));
			free(dir);
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_addf(&sb, "%s/%s", cwd, dir);
		free(cwd);
	} else {
		strbuf_adds(&sb, dir);
	}
	if (sb.len && sb.buf[sb.len - 1] != '/')
		strbuf_addc(&sb, '/');
	strbuf_adds(&sb, base);
	free(real);
	free(dir);
	return strbuf_detach(&sb, NULL);
}

int baseline_paths_get(struct baseline_paths *out, const char *path)
{
	char *abs = absolute(path);

	memset(out, 0, sizeof(*out));
	if (!abs)
		return -1;
	out->file = abs;
	out->lock = xmalloc(strlen(abs) + sizeof(".lock"));
	sprintf(out->lock, "%s.lock", abs);
	out->tmp_prefix = xmalloc(strlen(abs) + 2);
	sprintf(out->tmp_prefix, "%s.", abs);
	out->prev = xmalloc(strlen(abs) + sizeof(".prev"));
	sprintf(out->prev, "%s.prev", abs);
	return 0;
}

void baseline_paths_release(struct baseline_paths *p)
{
	free(p->file);
	free(p->lock);
	free(p->tmp_prefix);
	free(p->prev);
	memset(p, 0, sizeof(*p));
}

static bool same(const char *s, const char *p, size_t len)
{
	return strlen(s) == len && !memcmp(s, p, len);
}

bool baseline_paths_match(const struct baseline_paths *bp, const char *p, size_t len)
{
	size_t n = strlen(bp->tmp_prefix);

	size_t pl = strlen(bp->prev);

	if (same(bp->file, p, len) || same(bp->lock, p, len) || same(bp->prev, p, len) ||
	    (len == pl + 4 && !memcmp(p, bp->prev, pl) && !memcmp(p + pl, ".new", 4)))
		return true;
	if (len != n + IMDB_TMP_SUFFIX || memcmp(p, bp->tmp_prefix, n))
		return false;
	for (size_t i = n; i < len; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9')))
			return false;
	return true;
}
