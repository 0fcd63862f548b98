/*
 * walk.c - sorted, iterative, race-safe traversal of file trees.
 *
 * The walk is a stack of frames, one per directory being listed. A frame
 * holds its directory's whole listing, read with getdents64 when the
 * directory is yielded and sorted bytewise, so the walk comes out in
 * key_cmp() order and memory grows with the largest directory and the
 * depth, never with the size of the tree.
 *
 * Every lookup is relative to the frame's descriptor. To stay within
 * WALK_MAX_FDS, the descriptors of frames below the top are closed when
 * needed and re-opened by name, from the nearest open ancestor, when the
 * walk climbs back to them; a re-opened directory must be the same
 * (dev, inode) as the one listed, or the rest of it is skipped.
 *
 * Bases are walked in key order. A base inside another is not walked
 * again when the outer walk reaches it through real directories. When the
 * outer walk does not get there (the caller pruned a directory above it,
 * a pseudo file system or a /dev or /run mount stopped the descent, or a component on
 * the way is a symlink), the nested base is walked on its own, resolved
 * inside root like any base, at the point of the outer stream where its
 * key belongs: its own frames are pushed on top of the suspended outer
 * ones. Directories between the pruned one and the nested base are not
 * yielded: no entity asked for them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/record.h"
#include "imscan/strbuf.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

#define DBUF_SIZE (64 * 1024)
#define STATX_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_SYNC_AS_STAT)
#define OPEN_DIR (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)

struct base {
	char *path;		/* normalised: "/" or "/a/b", no trailing slash */
	size_t len;
};

struct wname {
	size_t off;		/* into frame.names, NUL-terminated there */
	size_t len;
};

struct frame {
	int fd;			/* -1 while closed to respect WALK_MAX_FDS */
	dev_t dev;		/* what the directory was when listed */
	ino_t ino;
	size_t pathlen;		/* its path in walk.path; 0 for "/" */
	unsigned depth;
	const struct base *base;	/* set on the first frame of a base's walk */
	char *names;
	size_t nameslen, namescap;
	struct wname *ents;
	size_t n, cap, pos;	/* entries, allocated, next to visit */
};

struct walk {
	int rootfd;
	struct base *bases;	/* sorted by key_cmp, unique */
	size_t nbases, bi;	/* bases before bi are done */
	unsigned mask;
	struct frame *frames;
	size_t nframes, fcap;	/* frames[0..nframes) are on the stack */
	int nopen;		/* frame descriptors open, the child's included */
	int budget;		/* most frame descriptors open at once */
	int failed;		/* a resource error (errno) ended the walk */
	bool child;		/* frames[nframes] is the directory just yielded */
	bool child_descend;	/* ... and it is to be descended */
	bool pruned;
	int parentfd;		/* parent of the base just yielded, or -1 */
	struct strbuf path;
	struct strbuf tmp;
	struct walk_entry ent;
	char *dbuf;
};

/*
 * Mounted here, these hold the running system's state, not files: devtmpfs
 * (which reports itself as tmpfs, so its type cannot tell) and the tmpfs
 * of sockets, pids and locks. Ordinary directories of an image by these
 * names are walked like any other.
 */
static const char *const state_mounts[] = { "/dev", "/run" };

static int base_cmp(const void *a, const void *b)
{
	const struct base *x = a, *y = b;

	return key_cmp(x->path, x->len, y->path, y->len);
}

static int name_cmp(const void *a, const void *b, void *arg)
{
	const struct wname *x = a, *y = b;
	const char *names = arg;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(names + x->off, names + y->off, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void frame_reset(struct frame *f)
{
	f->fd = -1;
	f->base = NULL;
	f->nameslen = 0;
	f->n = f->pos = 0;
}

static void frames_reserve(struct walk *w, size_t n)
{
	if (n <= w->fcap)
		return;
	size_t cap = w->fcap ? 2 * w->fcap : 16;

	while (cap < n)
		cap *= 2;
	w->frames = xreallocarray(w->frames, cap, sizeof(*w->frames));
	memset(w->frames + w->fcap, 0, (cap - w->fcap) * sizeof(*w->frames));
	for (size_t i = w->fcap; i < cap; i++)
		w->frames[i].fd = -1;
	w->fcap = cap;
}

static void frame_close(struct walk *w, struct frame *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
		w->nopen--;
	}
}

/* Pops frames until only frames[0..n) are left. */
static void pop_to(struct walk *w, size_t n)
{
	while (w->nframes > n)
		frame_close(w, &w->frames[--w->nframes]);
}

/*
 * Makes room for one more descriptor by closing an open frame other than
 * keep: the one whose neighbours (the nearest open frames below and above
 * it) are closest together. Open frames so stay spread evenly along a deep
 * stack, and climbing back re-opens short runs of frames from a nearby
 * open one instead of long runs from the base: about one openat per frame
 * in all, where closing the lowest frame first would cost depth^2/budget.
 * Ties go to the lowest frame, keeping those at the top, which the walk
 * needs next. frames[0] goes last, as re-opening a base costs a path lookup.
 */
static void make_room(struct walk *w, size_t keep)
{
	while (w->nopen >= w->budget) {
		size_t victim = SIZE_MAX, best = SIZE_MAX, prev = SIZE_MAX, cur = SIZE_MAX;

		/* cur: an open frame, prev: the open one below it (or none). */
		for (size_t i = 0; i <= w->nframes; i++) {
			if (i < w->nframes && w->frames[i].fd < 0)
				continue;
			if (cur != SIZE_MAX && cur != 0 && cur != keep) {
				size_t gap = i - (prev == SIZE_MAX ? 0 : prev) + (prev == SIZE_MAX);

				if (gap < best) {
					best = gap;
					victim = cur;
				}
			}
			prev = cur;
			cur = i;
		}
		if (victim == SIZE_MAX && w->nframes && keep != 0 && w->frames[0].fd >= 0)
			victim = 0;
		if (victim == SIZE_MAX)
			return;
		frame_close(w, &w->frames[victim]);
	}
}

/* Reads the whole listing of f->fd, sorted; -1 with errno on failure. */
static int read_dir(struct walk *w, struct frame *f)
{
	f->nameslen = 0;
	f->n = f->pos = 0;
	for (;;) {
		ssize_t got = getdents64(f->fd, w->dbuf, DBUF_SIZE);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (got == 0)
			break;
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(w->dbuf + off);
			const char *name = d->d_name;
			size_t len = strlen(name);

			off += d->d_reclen;
			if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
				continue;
			if (f->nameslen + len + 1 > f->namescap) {
				size_t cap = f->namescap ? f->namescap : 1024;

				while (cap < f->nameslen + len + 1)
					cap *= 2;
				f->names = xrealloc(f->names, cap);
				f->namescap = cap;
			}
			if (f->n == f->cap) {
				f->cap = f->cap ? 2 * f->cap : 32;
				f->ents = xreallocarray(f->ents, f->cap, sizeof(*f->ents));
			}
			memcpy(f->names + f->nameslen, name, len + 1);
			f->ents[f->n].off = f->nameslen;
			f->ents[f->n].len = len;
			f->n++;
			f->nameslen += len + 1;
		}
	}
	if (f->n > 1)
		qsort_r(f->ents, f->n, sizeof(*f->ents), name_cmp, f->names);
	return 0;
}

/*
 * Records err for the entry being prepared. Running out of descriptors or
 * memory is no property of the tree: a subtree skipped for it would be
 * missing from the baseline without a trace, so it ends the walk
 * (walk_next() returns -1) instead.
 */
static void set_err(struct walk *w, size_t pathlen, int err)
{
	w->ent.err = err;
	if (w->failed || (err != EMFILE && err != ENFILE && err != ENOMEM))
		return;
	w->failed = err;
	strbuf_reset(&w->tmp);
	text_add_escaped(&w->tmp, w->path.buf, pathlen ? pathlen : 1);
	error("cannot walk '%s': %s", w->tmp.buf, strerror(err));
}

/* Message paths may hold any byte; never put control characters on a tty. */
static void warn_changed(struct walk *w, size_t pathlen, const char *what)
{
	strbuf_reset(&w->tmp);
	if (pathlen)
		text_add_escaped(&w->tmp, w->path.buf, pathlen);
	else
		strbuf_addc(&w->tmp, '/');
	warning("directory '%s' changed during the scan; %s", w->tmp.buf, what);
}

/* Opens the directory path[0..len) (absolute, inside root). -1 with errno. */
static int open_in_root(struct walk *w, const char *path, size_t len)
{
	strbuf_reset(&w->tmp);
	strbuf_add(&w->tmp, path, len);
	return walk_open_in_root(w->rootfd, w->tmp.buf, O_RDONLY | O_DIRECTORY);
}

static bool same_dir(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == dev && st.st_ino == ino;
}

/* Re-opens the closed first frame of a base's walk. -1 with errno. */
static int reopen_base(struct walk *w, struct frame *f)
{
	const struct base *b = f->base;
	const char *slash;
	int parent, fd;

	if (b->len == 1)
		return openat(w->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	slash = memrchr(b->path, '/', b->len);
	parent = open_in_root(w, b->path, (size_t)(slash - b->path));
	if (parent < 0)
		return -1;
	fd = openat(parent, slash + 1, OPEN_DIR);
	close(parent);
	return fd;
}

/*
 * Makes sure the top frame's descriptor is open, re-opening it and the
 * closed frames below it from the nearest open one. A frame that cannot be
 * re-opened, or is no longer the directory that was listed, is skipped with
 * everything above it; returns -1 then (the stack has shrunk).
 */
static int ensure_open(struct walk *w)
{
	size_t t = w->nframes - 1, j = t, m;
	struct frame *f;
	int fd, err;

	if (w->frames[t].fd >= 0)
		return 0;
	while (w->frames[j].fd < 0 && !w->frames[j].base)
		j--;
	for (m = w->frames[j].fd >= 0 ? j + 1 : j; m <= t; m++) {
		f = &w->frames[m];
		make_room(w, m ? m - 1 : SIZE_MAX);
		if (f->base) {
			fd = reopen_base(w, f);
		} else {
			const struct frame *p = &w->frames[m - 1];
			const struct wname *nm = &p->ents[p->pos - 1];

			fd = openat(p->fd, p->names + nm->off, OPEN_DIR);
		}
		if (fd < 0) {
			err = errno;
			goto fail;
		}
		if (!same_dir(fd, f->dev, f->ino)) {
			close(fd);
			err = ESTALE;
			goto fail;
		}
		f->fd = fd;
		w->nopen++;
	}
	return 0;

fail:
	set_err(w, w->frames[m].pathlen, err);
	/* Gone is gone, like any vanished entry; replaced is worth a word. */
	if (err != ENOENT && !w->failed)
		warn_changed(w, w->frames[m].pathlen, "the rest of it is skipped");
	pop_to(w, m);
	return -1;
}

static bool is_state_mount(const struct strbuf *path)
{
	for (size_t i = 0; i < sizeof(state_mounts) / sizeof(state_mounts[0]); i++)
		if (!strcmp(path->buf, state_mounts[i]))
			return true;
	return false;
}

/*
 * A directory that is one of those being walked above it (the same dev
 * and inode) would be walked again, inside itself: a bind mount of a
 * directory below itself, or a file system that shows a loop (a corrupt
 * or hostile image, FUSE). Say so and do not descend it; every frame on
 * the stack is an ancestor (suspended outer frames included: a nested
 * base lies below them).
 */
static bool is_ancestor(struct walk *w, dev_t dev, ino_t ino)
{
	struct strbuf here, there;

	for (size_t i = w->nframes; i-- > 0;) {
		const struct frame *f = &w->frames[i];

		if (f->dev != dev || f->ino != ino)
			continue;
		strbuf_init(&here);
		strbuf_init(&there);
		text_add_escaped(&here, w->path.buf, w->path.len);
		if (f->pathlen)
			text_add_escaped(&there, w->path.buf, f->pathlen);
		else
			strbuf_addc(&there, '/');
		warning("directory '%s' is '%s' again (a bind mount or a file system loop); "
			"it is not descended", here.buf, there.buf);
		strbuf_release(&here);
		strbuf_release(&there);
		return true;
	}
	return false;
}

/*
 * The entry in w->ent is a directory: open it now, so that its err and
 * walk_entry_fd() are known when it is yielded, and list it if it is to be
 * descended. parent_dev: device of the directory holding it (bases: 0,
 * and no pseudo-fs check: a base is walked because it was asked for).
 * Returns 1 (yield) or 0 (it vanished: skip it).
 */
static int prepare_child(struct walk *w, int dirfd, const char *openname,
			 dev_t parent_dev, const struct base *base)
{
	struct walk_entry *e = &w->ent;
	struct frame *c;
	struct stat st;
	int fd;

	/* Opening an automount point would mount it; list it as it is. */
	if (e->stx.stx_attributes & STATX_ATTR_AUTOMOUNT)
		return 1;
	frames_reserve(w, w->nframes + 1);
	c = &w->frames[w->nframes];
	frame_reset(c);
	make_room(w, w->nframes ? w->nframes - 1 : SIZE_MAX);
	fd = openat(dirfd, openname, OPEN_DIR);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR || errno == ELOOP)
			warn_changed(w, w->path.len, "it is not descended");
		else
			set_err(w, w->path.len, errno);
		return 1;
	}
	if (fstat(fd, &st) < 0) {
		set_err(w, w->path.len, errno);
		close(fd);
		return 1;
	}
	if (st.st_dev != makedev(e->stx.stx_dev_major, e->stx.stx_dev_minor) ||
	    st.st_ino != e->stx.stx_ino || !S_ISDIR(st.st_mode)) {
		warn_changed(w, w->path.len, "it is not descended");
		close(fd);
		return 1;
	}
	c->fd = fd;
	w->nopen++;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->pathlen = w->path.len == 1 ? 0 : w->path.len;
	c->depth = e->depth;
	c->base = base;
	w->child = true;
	w->child_descend = false;
	if (!base && !e->is_base) {
		if (st.st_dev != parent_dev &&
		    (is_state_mount(&w->path) || walk_is_pseudo_fs(fd)))
			return 1;
		if (is_ancestor(w, st.st_dev, st.st_ino))
			return 1;
	}
	if (read_dir(w, c) < 0) {
		set_err(w, w->path.len, errno);
		return 1;
	}
	w->child_descend = true;
	return 1;
}

static void entry_init(struct walk *w, const char *name, size_t namelen, int dirfd,
		       unsigned depth, bool is_base)
{
	struct walk_entry *e = &w->ent;

	memset(e, 0, sizeof(*e));
	e->path = w->path.buf;
	e->pathlen = w->path.len;
	e->name = name;
	e->namelen = namelen;
	e->dirfd = dirfd;
	e->depth = depth;
	e->level = (unsigned)w->nframes;	/* where its frame goes, if it is a dir */
	e->is_base = is_base;
}

/* Starts the walk of base b. 1: w->ent is ready; 0: nothing to yield; -1. */
static int start_base(struct walk *w, const struct base *b)
{
	struct walk_entry *e = &w->ent;
	const char *slash, *name;

	strbuf_reset(&w->path);
	strbuf_add(&w->path, b->path, b->len);
	if (b->len == 1) {
		entry_init(w, "/", 1, w->rootfd, 0, true);
		if (statx(w->rootfd, "", AT_EMPTY_PATH | STATX_FLAGS, w->mask, &e->stx) < 0) {
			set_err(w, w->path.len, errno);
			memset(&e->stx, 0, sizeof(e->stx));
			return 1;
		}
		return prepare_child(w, w->rootfd, ".", 0, b);
	}
	slash = memrchr(b->path, '/', b->len);
	name = slash + 1;
	entry_init(w, name, b->len - (size_t)(name - b->path), -1, 0, true);
	w->parentfd = open_in_root(w, b->path, (size_t)(slash - b->path));
	if (w->parentfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		set_err(w, w->path.len, errno);
		return 1;
	}
	e->dirfd = w->parentfd;
	if (statx(w->parentfd, name, STATX_FLAGS, w->mask, &e->stx) < 0) {
		if (errno == ENOENT)
			return 0;
		set_err(w, w->path.len, errno);
		memset(&e->stx, 0, sizeof(e->stx));
		return 1;
	}
	if (!S_ISDIR(e->stx.stx_mode))
		return 1;
	return prepare_child(w, w->parentfd, name, 0, b);
}

/* The top frame's next entry, whose path is in w->path. 1, 0 or -1. */
static int visit(struct walk *w, struct frame *top, const char *name, size_t len, bool is_base)
{
	struct walk_entry *e = &w->ent;

	entry_init(w, name, len, top->fd, top->depth + 1, is_base);
	if (statx(top->fd, name, STATX_FLAGS, w->mask, &e->stx) < 0) {
		if (errno == ENOENT)
			return 0;	/* vanished since the listing */
		set_err(w, w->path.len, errno);
		memset(&e->stx, 0, sizeof(e->stx));
		return 1;
	}
	if (!S_ISDIR(e->stx.stx_mode))
		return 1;
	return prepare_child(w, top->fd, name, top->dev, NULL);
}

/* Settles what the previous walk_next() yielded. */
static void finish_yield(struct walk *w)
{
	if (w->child) {
		if (w->child_descend && !w->pruned)
			w->nframes++;
		else
			frame_close(w, &w->frames[w->nframes]);
		w->child = false;
	}
	w->pruned = false;
	if (w->parentfd >= 0) {
		close(w->parentfd);
		w->parentfd = -1;
	}
}

int walk_next(struct walk *w, const struct walk_entry **out)
{
	finish_yield(w);
	for (;;) {
		struct frame *top;
		const char *name;
		size_t len;
		int c = 1, r;

		if (!w->nframes) {
			if (w->bi == w->nbases)
				return 0;
			r = start_base(w, &w->bases[w->bi++]);
		} else {
			top = &w->frames[w->nframes - 1];
			if (top->pos == top->n) {
				pop_to(w, w->nframes - 1);
				continue;
			}
			name = top->names + top->ents[top->pos].off;
			len = top->ents[top->pos].len;
			strbuf_setlen(&w->path, top->pathlen);
			strbuf_addc(&w->path, '/');
			strbuf_add(&w->path, name, len);
			if (w->bi < w->nbases)
				c = key_cmp(w->bases[w->bi].path, w->bases[w->bi].len,
					    w->path.buf, w->path.len);
			if (c < 0) {
				/* A nested base the walk did not reach: its turn. */
				r = start_base(w, &w->bases[w->bi++]);
			} else {
				if (ensure_open(w) < 0) {
					if (w->failed)
						return -1;
					continue;
				}
				top->pos++;
				if (c == 0)
					w->bi++;
				r = visit(w, top, name, len, c == 0);
			}
		}
		if (r < 0 || w->failed)
			return -1;
		if (r > 0) {
			*out = &w->ent;
			return 1;
		}
		finish_yield(w);
	}
}

void walk_prune(struct walk *w)
{
	w->pruned = true;
}

int walk_entry_fd(struct walk *w)
{
	return w->child ? w->frames[w->nframes].fd : -1;
}

struct walk *walk_open(const char *root, const char *const *bases, size_t nbases,
		       unsigned statx_mask)
{
	struct walk *w = xcalloc(1, sizeof(*w));
	struct strbuf sb;
	size_t n = 0;

	strbuf_init(&w->path);
	strbuf_init(&w->tmp);
	strbuf_init(&sb);
	w->parentfd = -1;
	w->mask = statx_mask | STATX_TYPE | STATX_MODE | STATX_INO;
	w->budget = (int)walk_fds() - 2;
	if (!root || !*root)
		root = "/";
	w->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->rootfd < 0) {
		error("cannot open root '%s': %s", root, strerror(errno));
		goto fail;
	}
	w->bases = xcalloc(nbases ? nbases : 1, sizeof(*w->bases));
	for (size_t i = 0; i < nbases; i++) {
		if (walk_normalize_base(bases[i], &sb) < 0)
			goto fail;
		w->bases[i].path = xmemdup(sb.buf, sb.len + 1);
		w->bases[i].len = sb.len;
		w->nbases++;
	}
	qsort(w->bases, w->nbases, sizeof(*w->bases), base_cmp);
	for (size_t i = 0; i < w->nbases; i++) {
		if (n && !base_cmp(&w->bases[n - 1], &w->bases[i])) {
			free(w->bases[i].path);
			continue;
		}
		w->bases[n++] = w->bases[i];
	}
	w->nbases = n;
	w->dbuf = xmalloc(DBUF_SIZE);
	strbuf_release(&sb);
	return w;

fail:
	strbuf_release(&sb);
	walk_free(w);
	return NULL;
}

void walk_free(struct walk *w)
{
	if (!w)
		return;
	if (w->child)
		frame_close(w, &w->frames[w->nframes]);
	pop_to(w, 0);
	for (size_t i = 0; i < w->fcap; i++) {
		free(w->frames[i].names);
		free(w->frames[i].ents);
	}
	free(w->frames);
	for (size_t i = 0; i < w->nbases; i++)
		free(w->bases[i].path);
	free(w->bases);
	if (w->parentfd >= 0)
		close(w->parentfd);
	if (w->rootfd >= 0)
		close(w->rootfd);
	strbuf_release(&w->path);
	strbuf_release(&w->tmp);
	free(w->dbuf);
	free(w);
}
