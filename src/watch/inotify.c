/*
 * inotify.c - the inotify back end: one watch per directory of the bases.
 *
 * Watch descriptors are small integers, so the directory of each is found
 * in an array indexed by wd. A moved directory's watches stay valid, so a
 * rename inside the bases only rewrites the paths recorded below it; a
 * directory moved out loses its watches.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/record.h"
#include "imscan/watch_impl.h"
#include "imscan/xalloc.h"

#define INO_BUF (64 * 1024)
#define INO_MASK (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | \
		  IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
		  IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

struct wdent {
	char *path;		/* host path; NULL: free slot */
	bool base;
};

struct ino {
	struct wdent *wd;
	size_t nwd;		/* array length (max wd + 1) */
	size_t nwatch;
	bool full;		/* the limit was hit: add no more */
	char **unw;		/* directories without a watch */
	size_t nunw, unw_cap;
	bool unw_sorted;
	struct {		/* a MOVED_FROM waiting for its MOVED_TO */
		bool has, isdir;
		uint32_t cookie;
		char *path;
	} held;
	char *buf;
};

/* Kept as the caller names paths: inside the root. */
static void unwatched_add(struct watch_backend *w, const char *path)
{
	struct ino *in = w->impl;
	size_t rl = w->rootlen;

	if (in->nunw == in->unw_cap) {
		in->unw_cap = in->unw_cap ? in->unw_cap * 2 : 16;
		in->unw = xreallocarray(in->unw, in->unw_cap, sizeof(*in->unw));
	}
	in->unw[in->nunw++] = xstrdup(path[rl] ? path + rl : "/");
	in->unw_sorted = false;
}

/* Adds a watch on dir; 0 also when it is left out for the limit. */
static int add_watch(struct watch_backend *w, const char *dir, bool base)
{
	struct ino *in = w->impl;
	int wd;

	if (in->full || (w->opts.max_watches && in->nwatch >= w->opts.max_watches)) {
		in->full = true;
		unwatched_add(w, dir);
		return 0;
	}
	wd = inotify_add_watch(w->fd, dir, INO_MASK);
	if (wd < 0) {
		if (errno == ENOSPC) {
			in->full = true;
			unwatched_add(w, dir);
			return 0;
		}
		/* Gone or unreadable since it was listed: nothing to watch. */
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			return base ? error("inotify: base '%s': %s", dir, strerror(errno)) : 0;
		return error("inotify: watch '%s': %s", dir, strerror(errno));
	}
	if ((size_t)wd >= in->nwd) {
		size_t n = (size_t)wd * 2 + 16;

		in->wd = xreallocarray(in->wd, n, sizeof(*in->wd));
		memset(in->wd + in->nwd, 0, (n - in->nwd) * sizeof(*in->wd));
		in->nwd = n;
	}
	if (!in->wd[wd].path) {
		in->wd[wd].path = xstrdup(dir);
		in->nwatch++;
	}
	in->wd[wd].base |= base;
	w->st.watches = in->nwatch;
	return 0;
}

/* watch_add_tree() callback. */
static int add_one(struct watch_backend *w, const char *dir, bool base)
{
	return add_watch(w, dir, base);
}

static int add_tree(struct watch_backend *w, struct watch_batch *b, const char *dir, bool base)
{
	return watch_add_tree(w, b, dir, base, add_one);
}

static bool under(const char *p, const char *dir, size_t dl)
{
	return strncmp(p, dir, dl) == 0 && (p[dl] == '\0' || p[dl] == '/');
}

/* Paths recorded at or below from now live below to. */
static char *moved(const char *p, size_t fl, const char *to)
{
	size_t tl = strlen(to), rest = strlen(p + fl);
	char *s = xmalloc(tl + rest + 1);

	memcpy(s, to, tl);
	memcpy(s + tl, p + fl, rest + 1);
	return s;
}

static void rename_tree(struct watch_backend *w, const char *from, const char *to)
{
	struct ino *in = w->impl;
	size_t fl = strlen(from), rl = w->rootlen;

	for (size_t i = 0; i < in->nwd; i++) {
		char *p = in->wd[i].path;

		if (p && under(p, from, fl)) {
			in->wd[i].path = moved(p, fl, to);
			free(p);
		}
	}
	for (size_t i = 0; i < in->nunw; i++) {
		char *p = in->unw[i];

		if (fl > rl && under(p, from + rl, fl - rl)) {
			in->unw[i] = moved(p, fl - rl, to + rl);
			free(p);
			in->unw_sorted = false;
		}
	}
}

/* A directory moved out of the bases: its watches would report wrong paths. */
static void drop_tree(struct watch_backend *w, const char *dir)
{
	struct ino *in = w->impl;
	size_t dl = strlen(dir);

	for (size_t i = 0; i < in->nwd; i++) {
		if (in->wd[i].path && under(in->wd[i].path, dir, dl)) {
			inotify_rm_watch(w->fd, (int)i);
			free(in->wd[i].path);
			in->wd[i].path = NULL;
			in->nwatch--;
		}
	}
	w->st.watches = in->nwatch;
}

static void flush_held(struct watch_backend *w, struct watch_batch *b)
{
	struct ino *in = w->impl;

	if (!in->held.has)
		return;
	batch_add(w, b, WEV_MOVED_FROM, in->held.isdir, in->held.path, strlen(in->held.path),
		  NULL, 0, 0, -1);
	if (in->held.isdir)
		drop_tree(w, in->held.path);
	free(in->held.path);
	in->held.path = NULL;
	in->held.has = false;
}

static int on_moved_to(struct watch_backend *w, struct watch_batch *b,
		       const struct inotify_event *e, const char *p, size_t pl)
{
	struct ino *in = w->impl;
	bool isdir = e->mask & IN_ISDIR;

	if (in->held.has && in->held.cookie == e->cookie) {
		batch_add(w, b, WEV_RENAME, isdir, p, pl, in->held.path, strlen(in->held.path), 0, -1);
		if (isdir)
			rename_tree(w, in->held.path, p);
		free(in->held.path);
		in->held.path = NULL;
		in->held.has = false;
		return 0;
	}
	flush_held(w, b);
	batch_add(w, b, WEV_MOVED_TO, isdir, p, pl, NULL, 0, 0, -1);
	b->ev[b->n - 1].cookie = e->cookie;
	return isdir ? add_tree(w, b, p, false) : 0;
}

static unsigned map_mask(uint32_t m)
{
	unsigned r = 0;

	if (m & IN_MODIFY)
		r |= WEV_MODIFY;
	if (m & IN_ATTRIB)
		r |= WEV_ATTRIB;
	if (m & IN_CLOSE_WRITE)
		r |= WEV_CLOSE_WRITE;
	if (m & IN_CREATE)
		r |= WEV_CREATE;
	if (m & (IN_DELETE | IN_DELETE_SELF))
		r |= WEV_DELETE;
	if (m & IN_MOVE_SELF)
		r |= WEV_MOVED_FROM;
	return r;
}

static int on_named(struct watch_backend *w, struct watch_batch *b,
		    const struct inotify_event *e, const char *dir)
{
	struct ino *in = w->impl;
	size_t dl = strlen(dir), nl = strlen(e->name);
	char p[PATH_MAX + NAME_MAX + 2];
	bool isdir = e->mask & IN_ISDIR;

	if (dl + nl + 2 > sizeof(p))
		return 0;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, e->name, nl + 1);
	if (e->mask & IN_MOVED_FROM) {
		flush_held(w, b);
		in->held.has = true;
		in->held.isdir = isdir;
		in->held.cookie = e->cookie;
		in->held.path = xstrdup(p);
		return 0;
	}
	if (e->mask & IN_MOVED_TO)
		return on_moved_to(w, b, e, p, dl + 1 + nl);
	flush_held(w, b);
	if (map_mask(e->mask))
		batch_add(w, b, map_mask(e->mask), isdir, p, dl + 1 + nl, NULL, 0, 0, -1);
	if ((e->mask & IN_CREATE) && isdir)
		return add_tree(w, b, p, false);
	return 0;
}

static int one_event(struct watch_backend *w, struct watch_batch *b, const struct inotify_event *e)
{
	struct ino *in = w->impl;
	struct wdent *we;

	if (e->mask & IN_Q_OVERFLOW) {
		flush_held(w, b);
		batch_add(w, b, WEV_OVERFLOW, false, NULL, 0, NULL, 0, 0, -1);
		return 0;
	}
	if (e->wd < 0 || (size_t)e->wd >= in->nwd || !in->wd[e->wd].path)
		return 0;
	we = &in->wd[e->wd];
	if (e->mask & IN_IGNORED) {
		free(we->path);
		we->path = NULL;
		in->nwatch--;
		w->st.watches = in->nwatch;
		return 0;
	}
	if (e->len > 0 && e->name[0])
		return on_named(w, b, e, we->path);
	/* The directory itself: its parent's watch reports it, unless it is a base. */
	if (we->base && map_mask(e->mask)) {
		flush_held(w, b);
		batch_add(w, b, map_mask(e->mask), true, we->path, strlen(we->path), NULL, 0, 0, -1);
	}
	return 0;
}

static int ino_read(struct watch_backend *w, struct watch_batch *b)
{
	struct ino *in = w->impl;

	for (;;) {
		ssize_t n = read(w->fd, in->buf, INO_BUF);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return error("inotify: read: %s", strerror(errno));
			/* A pair is queued together: a lone MOVED_FROM left the bases. */
			flush_held(w, b);
			return 0;
		}
		for (char *p = in->buf; p < in->buf + n;) {
			const struct inotify_event *e = (const void *)p;

			if (one_event(w, b, e) < 0)
				return -1;
			p += sizeof(*e) + e->len;
		}
		/* One buffer per call keeps a batch bounded under a steady writer;
		 * only a MOVED_FROM at its end needs the next read for its pair. */
		if (!in->held.has)
			return 0;
	}
}

static int cmp_path(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	return key_cmp(x, strlen(x), y, strlen(y));
}

static size_t ino_unwatched(const struct watch_backend *w, const char *const **list)
{
	struct ino *in = w->impl;

	if (!in->unw_sorted && in->nunw > 1)
		qsort(in->unw, in->nunw, sizeof(*in->unw), cmp_path);
	in->unw_sorted = true;
	*list = (const char *const *)in->unw;
	return in->nunw;
}

static void ino_close(struct watch_backend *w)
{
	struct ino *in = w->impl;

	for (size_t i = 0; i < in->nwd; i++)
		free(in->wd[i].path);
	for (size_t i = 0; i < in->nunw; i++)
		free(in->unw[i]);
	free(in->wd);
	free(in->unw);
	free(in->held.path);
	free(in->buf);
	free(in);
}

static const struct watch_ops ino_ops = {
	.name = "inotify",
	.read = ino_read,
	.unwatched = ino_unwatched,
	.close = ino_close,
};

int watch_inotify_open(struct watch_backend *w)
{
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return error("inotify_init1: %s", strerror(errno));
	w->impl = xcalloc(1, sizeof(struct ino));
	((struct ino *)w->impl)->buf = xaligned_alloc(64, INO_BUF);
	w->ops = &ino_ops;
	for (size_t i = 0; i < w->nbases; i++) {
		if (add_tree(w, NULL, w->bases[i][0] ? w->bases[i] : "/", true) < 0) {
			ino_close(w);
			return -1;
		}
	}
	return 0;
}
