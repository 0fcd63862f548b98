/*
 * fanotify.c - the fanotify back end: file-system marks, directory handles
 * resolved to paths, events filtered to the bases here.
 *
 * Resolving a handle costs open_by_handle_at + readlink, so directory paths
 * are cached by handle; a moved or removed directory empties the cache, as
 * the paths of everything below it changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/watch_impl.h"
#include "imscan/xalloc.h"

#define FAN_BUF (256 * 1024)
#define DCACHE_SLOTS 4096	/* power of two */
#define MAX_FS 64

#define FAN_MASK_BASE (FAN_MODIFY | FAN_ATTRIB | FAN_CREATE | FAN_DELETE | \
		       FAN_CLOSE_WRITE | FAN_ONDIR | FAN_EVENT_ON_CHILD)

struct fsent {
	fsid_t fsid;
	int mountfd;
};

struct dcache_ent {
	unsigned char *key;	/* fsid + handle bytes */
	size_t keylen;
	char *path;
	size_t pathlen;
};

struct fan {
	struct fsent fs[MAX_FS];
	size_t nfs;
	uint64_t mask;
	struct dcache_ent *dcache;
	size_t dcache_n;
	unsigned char *buf;
};

/* One directory entry named by an info record. */
struct dirent_ref {
	const fsid_t *fsid;
	struct file_handle *fh;
	const char *name;
};

static void dcache_clear(struct fan *f)
{
	for (size_t i = 0; i < DCACHE_SLOTS; i++) {
		free(f->dcache[i].key);
		free(f->dcache[i].path);
		f->dcache[i] = (struct dcache_ent){ 0 };
	}
	f->dcache_n = 0;
}

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static struct dcache_ent *dcache_slot(struct fan *f, const unsigned char *k, size_t n)
{
	size_t i = hash_bytes(k, n) & (DCACHE_SLOTS - 1);

	for (;;) {
		struct dcache_ent *e = &f->dcache[i];

		if (!e->key || (e->keylen == n && memcmp(e->key, k, n) == 0))
			return e;
		i = (i + 1) & (DCACHE_SLOTS - 1);
	}
}

static int mountfd_of(const struct fan *f, const fsid_t *fsid)
{
	for (size_t i = 0; i < f->nfs; i++)
		if (memcmp(&f->fs[i].fsid, fsid, sizeof(*fsid)) == 0)
			return f->fs[i].mountfd;
	return -1;
}

static int handle_to_path(int mountfd, struct file_handle *fh, char *out, size_t cap)
{
	char link[64];
	int fd = open_by_handle_at(mountfd, fh, O_PATH | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, cap - 1);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	/* A directory removed after the event. */
	if ((size_t)n > 10 && strcmp(out + n - 10, " (deleted)") == 0)
		return -1;
	return (int)n;
}

/* The directory's path, borrowed from the cache; NULL if it is gone. */
static const char *dir_path(struct fan *f, const struct dirent_ref *r, size_t *len)
{
	unsigned char key[sizeof(fsid_t) + MAX_HANDLE_SZ + 8];
	size_t hl = r->fh->handle_bytes + sizeof(int), kl = sizeof(fsid_t) + hl;
	struct dcache_ent *e;
	char path[4096];
	int mfd, n;

	if (hl > MAX_HANDLE_SZ + 4)
		return NULL;
	memcpy(key, r->fsid, sizeof(fsid_t));
	memcpy(key + sizeof(fsid_t), &r->fh->handle_type, sizeof(int));
	memcpy(key + sizeof(fsid_t) + sizeof(int), r->fh->f_handle, r->fh->handle_bytes);
	e = dcache_slot(f, key, kl);
	if (e->key) {
		*len = e->pathlen;
		return e->path;
	}
	mfd = mountfd_of(f, r->fsid);
	if (mfd < 0 || (n = handle_to_path(mfd, r->fh, path, sizeof(path))) < 0)
		return NULL;
	if (f->dcache_n >= DCACHE_SLOTS / 2) {
		dcache_clear(f);
		e = dcache_slot(f, key, kl);
	}
	e->key = xmemdup(key, kl);
	e->keylen = kl;
	e->path = xmemdup(path, (size_t)n + 1);
	e->pathlen = (size_t)n;
	f->dcache_n++;
	*len = e->pathlen;
	return e->path;
}

/* dir + "/" + name into sb-like buffer; "." names the directory itself. */
static int entry_path(struct fan *f, const struct dirent_ref *r, char *out, size_t cap)
{
	size_t dl, nl = strlen(r->name);
	const char *d = dir_path(f, r, &dl);

	if (!d)
		return -1;
	if (strcmp(r->name, ".") == 0 || nl == 0) {
		memcpy(out, d, dl + 1);
		return (int)dl;
	}
	if (dl == 1)	/* "/" */
		dl = 0;
	if (dl + 1 + nl + 1 > cap)
		return -1;
	memcpy(out, d, dl);
	out[dl] = '/';
	memcpy(out + dl + 1, r->name, nl + 1);
	return (int)(dl + 1 + nl);
}

static void parse_fid(const struct fanotify_event_info_header *h, struct dirent_ref *r)
{
	const struct fanotify_event_info_fid *fid = (const void *)h;

	r->fsid = (const fsid_t *)&fid->fsid;
	r->fh = (struct file_handle *)(void *)fid->handle;
	if (h->info_type == FAN_EVENT_INFO_TYPE_FID || h->info_type == FAN_EVENT_INFO_TYPE_DFID)
		r->name = ".";
	else
		r->name = (const char *)r->fh->f_handle + r->fh->handle_bytes;
}

struct fan_ev {
	struct dirent_ref dir, olddir, newdir;
	int pidfd;
};

/* Info records are 4-byte aligned, which is all their fields need. */
static void parse_info(const struct fanotify_event_metadata *m, const char *raw,
		       struct fan_ev *ev)
{
	const char *p = raw + m->metadata_len, *end = raw + m->event_len;

	memset(ev, 0, sizeof(*ev));
	ev->pidfd = -1;
	while (p + sizeof(struct fanotify_event_info_header) <= end) {
		const struct fanotify_event_info_header *h = (const void *)p;

		if (h->len < sizeof(*h) || p + h->len > end)
			break;
		switch (h->info_type) {
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_DFID:
			parse_fid(h, &ev->dir);
			break;
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
			parse_fid(h, &ev->olddir);
			break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
			parse_fid(h, &ev->newdir);
			break;
		case FAN_EVENT_INFO_TYPE_PIDFD:
			ev->pidfd = ((const struct fanotify_event_info_pidfd *)(const void *)h)->pidfd;
			break;
		default:
			break;
		}
		p += h->len;
	}
}

static unsigned map_mask(uint64_t m)
{
	unsigned w = 0;

	if (m & FAN_MODIFY)
		w |= WEV_MODIFY;
	if (m & FAN_ATTRIB)
		w |= WEV_ATTRIB;
	if (m & FAN_CREATE)
		w |= WEV_CREATE;
	if (m & FAN_DELETE)
		w |= WEV_DELETE;
	if (m & FAN_MOVED_FROM)
		w |= WEV_MOVED_FROM;
	if (m & FAN_MOVED_TO)
		w |= WEV_MOVED_TO;
	if (m & FAN_CLOSE_WRITE)
		w |= WEV_CLOSE_WRITE;
	return w;
}

static int mark_dir(int fd, uint64_t mask, const char *path)
{
	return fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, mask, AT_FDCWD, path);
}

/* watch_add_tree() callback: an inode mark on one directory. */
static int mark_one(struct watch_backend *w, const char *dir, bool base)
{
	struct fan *f = w->impl;

	if (mark_dir(w->fd, f->mask, dir) == 0)
		return 0;
	/* A directory gone since it was listed has nothing to mark. */
	if (!base && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	return error("fanotify: mark '%s': %s", dir, strerror(errno));
}

/* A rename: both names when both are watched, else the half that is. */
static void emit_rename(struct watch_backend *w, struct watch_batch *b, const struct fan_ev *ev,
			bool isdir, pid_t pid, long proc)
{
	struct fan *f = w->impl;
	char op[4096], np[4096];
	int ol = entry_path(f, &ev->olddir, op, sizeof(op));
	int nl = entry_path(f, &ev->newdir, np, sizeof(np));
	int oin = ol >= 0 && watch_in_bases(w, op, (size_t)ol);
	int nin = nl >= 0 && watch_in_bases(w, np, (size_t)nl);

	if (ol < 0 || nl < 0)
		w->st.unresolved++;
	if (oin && nin)
		batch_add(w, b, WEV_RENAME, isdir, np, (size_t)nl, op, (size_t)ol, pid, proc);
	else if (oin)
		batch_add(w, b, WEV_MOVED_FROM, isdir, op, (size_t)ol, NULL, 0, pid, proc);
	else if (nin) {
		batch_add(w, b, WEV_MOVED_TO, isdir, np, (size_t)nl, NULL, 0, pid, proc);
		if (isdir && !w->st.fsmark)
			watch_add_tree(w, b, np, false, mark_one);
	} else
		w->st.dropped++;
	if (isdir)
		dcache_clear(f);
}

static void emit_plain(struct watch_backend *w, struct watch_batch *b, const struct fan_ev *ev,
		       uint64_t mask, pid_t pid, long proc)
{
	struct fan *f = w->impl;
	bool isdir = mask & FAN_ONDIR;
	char p[4096];
	int n;

	if (!ev->dir.fh) {
		w->st.unresolved++;
		return;
	}
	n = entry_path(f, &ev->dir, p, sizeof(p));
	if (n < 0) {
		w->st.unresolved++;
		return;
	}
	if (!watch_in_bases(w, p, (size_t)n)) {
		w->st.dropped++;
		return;
	}
	batch_add(w, b, map_mask(mask), isdir, p, (size_t)n, NULL, 0, pid, proc);
	if (isdir && (mask & (FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO)))
		dcache_clear(f);
	/* Inode marks only: a new directory needs its own, and what was made
	 * in it before the mark is reported by listing it. */
	if (isdir && (mask & (FAN_CREATE | FAN_MOVED_TO)) && !w->st.fsmark)
		watch_add_tree(w, b, p, false, mark_one);
}

static void one_event(struct watch_backend *w, struct watch_batch *b,
		      const struct fanotify_event_metadata *m, const char *raw)
{
	struct fan_ev ev;
	long proc = -1;

	if (m->mask & FAN_Q_OVERFLOW) {
		batch_add(w, b, WEV_OVERFLOW, false, NULL, 0, NULL, 0, 0, -1);
		return;
	}
	parse_info(m, raw, &ev);
	if (w->opts.attribute && m->pid > 0)
		proc = batch_proc(b, m->pid, ev.pidfd);
	if (m->mask & FAN_RENAME)
		emit_rename(w, b, &ev, m->mask & FAN_ONDIR, m->pid, proc);
	else
		emit_plain(w, b, &ev, m->mask, m->pid, proc);
	if (ev.pidfd >= 0)
		close(ev.pidfd);
	if (m->fd >= 0)
		close(m->fd);
}

/*
 * Events are only 4-byte aligned in the buffer while their header holds a
 * 64-bit mask, so each header is copied out before use.
 */
static int fan_events(struct watch_backend *w, struct watch_batch *b, const char *buf, size_t n)
{
	struct fanotify_event_metadata m;

	for (size_t pos = 0; pos + FAN_EVENT_METADATA_LEN <= n; pos += m.event_len) {
		memcpy(&m, buf + pos, sizeof(m));
		if (m.event_len < FAN_EVENT_METADATA_LEN || m.event_len > n - pos ||
		    m.metadata_len < FAN_EVENT_METADATA_LEN || m.metadata_len > m.event_len)
			return error("fanotify: malformed event of %u bytes", m.event_len);
		if (m.vers != FANOTIFY_METADATA_VERSION)
			return error("fanotify: event version %u, expected %u", m.vers,
				     FANOTIFY_METADATA_VERSION);
		one_event(w, b, &m, buf + pos);
	}
	return 0;
}

static int fan_read(struct watch_backend *w, struct watch_batch *b)
{
	struct fan *f = w->impl;

	for (;;) {
		ssize_t n = read(w->fd, f->buf, FAN_BUF);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return error("fanotify: read: %s", strerror(errno));
		}
		/* One buffer per call keeps a batch bounded under a steady writer. */
		return fan_events(w, b, (const char *)f->buf, (size_t)n);
	}
}

static void fan_close(struct watch_backend *w)
{
	struct fan *f = w->impl;

	for (size_t i = 0; i < f->nfs; i++)
		close(f->fs[i].mountfd);
	dcache_clear(f);
	free(f->dcache);
	free(f->buf);
	free(f);
}

static const struct watch_ops fan_ops = {
	.name = "fanotify",
	.read = fan_read,
	.close = fan_close,
};

static int init_fd(struct watch_backend *w)
{
	unsigned base = FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC | FAN_NONBLOCK;
	int fd = fanotify_init(base | FAN_REPORT_PIDFD, O_RDONLY | O_LARGEFILE | O_CLOEXEC);

	if (fd >= 0) {
		w->st.pidfd = true;
	} else if (errno == EINVAL) {
		fd = fanotify_init(base, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	}
	if (fd < 0)
		return error("fanotify_init: %s", strerror(errno));
	w->fd = fd;
	return 0;
}

/* Marks the file system of base once; inode marks where that is refused. */
static int mark_base(struct watch_backend *w, struct fan *f, const char *base)
{
	struct statfs sfs;
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fstatfs(fd, &sfs) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return error("fanotify: base '%s': %s", base, strerror(e));
	}
	if (mountfd_of(f, &sfs.f_fsid) >= 0 || f->nfs == MAX_FS) {
		close(fd);
		if (f->nfs == MAX_FS)
			return error("fanotify: base '%s': more than %d file systems", base, MAX_FS);
		if (w->st.fsmark)
			return 0;
	} else {
		f->fs[f->nfs].fsid = sfs.f_fsid;
		f->fs[f->nfs++].mountfd = fd;
	}
	if (!w->opts.inode_marks &&
	    fanotify_mark(w->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, f->mask, AT_FDCWD, base) == 0) {
		w->st.fsmark = true;
		return 0;
	}
	if (!w->opts.inode_marks && errno != EINVAL && errno != EXDEV && errno != EOPNOTSUPP)
		return error("fanotify: mark '%s': %s", base, strerror(errno));
	return watch_add_tree(w, NULL, base, true, mark_one);
}

/* FAN_RENAME where the kernel knows it (>= 5.17), else the two halves. */
static void pick_mask(struct watch_backend *w, struct fan *f)
{
	f->mask = FAN_MASK_BASE | FAN_RENAME;
	if (fanotify_mark(w->fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, f->mask, AT_FDCWD,
			  w->bases[0][0] ? w->bases[0] : "/") == 0) {
		fanotify_mark(w->fd, FAN_MARK_REMOVE | FAN_MARK_ONLYDIR, f->mask, AT_FDCWD,
			      w->bases[0][0] ? w->bases[0] : "/");
		w->st.rename = true;
		return;
	}
	f->mask = FAN_MASK_BASE | FAN_MOVED_FROM | FAN_MOVED_TO;
}

int watch_fanotify_open(struct watch_backend *w)
{
	struct fan *f;

	if (init_fd(w) < 0)
		return -1;
	f = xcalloc(1, sizeof(*f));
	f->dcache = xcalloc(DCACHE_SLOTS, sizeof(*f->dcache));
	f->buf = xaligned_alloc(64, FAN_BUF);
	w->impl = f;
	w->ops = &fan_ops;
	pick_mask(w, f);
	for (size_t i = 0; i < w->nbases; i++) {
		if (mark_base(w, f, w->bases[i][0] ? w->bases[i] : "/") < 0) {
			fan_close(w);
			return -1;
		}
	}
	return 0;
}
