/* backend.c - the watch back-end interface, dispatch and event batches. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/watch_impl.h"
#include "imscan/xalloc.h"

/* Offsets kept per event while filling; pointers are set at the end. */
struct slot {
	size_t path, old;	/* text offsets + 1, 0 for none */
	long proc;		/* index into procs, -1 for none */
};

static char *join_base(const char *root, const char *base)
{
	size_t rl = root ? strlen(root) : 0, bl = strlen(base);
	char *s;

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	s = xmalloc(rl + bl + 1);
	memcpy(s, root ? root : "", rl);
	memcpy(s + rl, base, bl);
	s[rl + bl] = '\0';
	return s;
}

static int check_bases(const char *const *bases, size_t n)
{
	if (n == 0)
		return error("watch: no base to watch");
	for (size_t i = 0; i < n; i++)
		if (bases[i][0] != '/')
			return error("watch: base '%s': not an absolute path", bases[i]);
	return 0;
}

static void free_bases(struct watch_backend *w)
{
	for (size_t i = 0; i < w->nbases; i++)
		free(w->bases[i]);
	free(w->bases);
}

int watch_open(struct watch_backend **out, enum watch_kind kind, const char *root,
	       const char *const *bases, size_t nbases, const struct watch_opts *opts)
{
	struct watch_backend *w;
	char *r;
	int rc;

	if (check_bases(bases, nbases) < 0)
		return -1;
	w = xcalloc(1, sizeof(*w));
	w->fd = -1;
	if (opts)
		w->opts = *opts;
	w->bases = xcalloc(nbases, sizeof(*w->bases));
	w->nbases = nbases;
	for (size_t i = 0; i < nbases; i++)
		w->bases[i] = join_base(root, bases[i]);
	r = join_base(root, "");
	w->rootlen = strlen(r);
	free(r);
	rc = kind == WATCH_FANOTIFY ? watch_fanotify_open(w) : watch_inotify_open(w);
	if (rc < 0) {
		if (w->fd >= 0)
			close(w->fd);
		free_bases(w);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

const char *watch_backend_name(const struct watch_backend *w)
{
	return w->ops->name;
}

int watch_fd(const struct watch_backend *w)
{
	return w->fd;
}

int watch_read(struct watch_backend *w, struct watch_batch *b)
{
	int n;

	batch_reset(b);
	n = w->ops->read(w, b);
	batch_finish(b);
	if (n < 0)
		return -1;
	w->st.events += b->n;
	return (int)b->n;
}

size_t watch_unwatched(const struct watch_backend *w, const char *const **list)
{
	if (!w->ops->unwatched) {
		*list = NULL;
		return 0;
	}
	return w->ops->unwatched(w, list);
}

void watch_get_stats(const struct watch_backend *w, struct watch_stats *st)
{
	*st = w->st;
}

void watch_close(struct watch_backend *w)
{
	if (!w)
		return;
	w->ops->close(w);
	if (w->fd >= 0)
		close(w->fd);
	free_bases(w);
	free(w);
}

int watch_in_bases(const struct watch_backend *w, const char *path, size_t len)
{
	for (size_t i = 0; i < w->nbases; i++) {
		size_t bl = strlen(w->bases[i]);

		if (len >= bl && memcmp(path, w->bases[i], bl) == 0 &&
		    (len == bl || path[bl] == '/'))
			return 1;
	}
	return 0;
}

void watch_batch_init(struct watch_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void watch_batch_release(struct watch_batch *b)
{
	free(b->ev);
	free(b->text);
	free(b->procs);
	free(b->slots);
	memset(b, 0, sizeof(*b));
}

void batch_reset(struct watch_batch *b)
{
	b->n = 0;
	b->text_len = 0;
	b->nprocs = 0;
}

static size_t text_put(struct watch_batch *b, const char *p, size_t n)
{
	size_t off = b->text_len;

	if (b->text_len + n + 1 > b->text_cap) {
		b->text_cap = (b->text_len + n + 1) * 2 + 4096;
		b->text = xrealloc(b->text, b->text_cap);
	}
	memcpy(b->text + off, p, n);
	b->text[off + n] = '\0';
	b->text_len += n + 1;
	return off + 1;
}

/* The path as the caller sees it: the root stripped, the root itself "/". */
static size_t put_path(const struct watch_backend *w, struct watch_batch *b, const char *p,
		       size_t len)
{
	if (len == w->rootlen)
		return text_put(b, "/", 1);
	return text_put(b, p + w->rootlen, len - w->rootlen);
}

void batch_add(struct watch_backend *w, struct watch_batch *b, unsigned what, bool isdir,
	       const char *p, size_t plen, const char *old, size_t oldlen, pid_t pid, long proc)
{
	struct watch_event *e;
	struct slot *s;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->ev = xreallocarray(b->ev, b->cap, sizeof(*b->ev));
		b->slots = xreallocarray(b->slots, b->cap, sizeof(struct slot));
	}
	e = &b->ev[b->n];
	s = &((struct slot *)b->slots)[b->n++];
	memset(e, 0, sizeof(*e));
	e->what = what;
	e->isdir = isdir;
	e->pid = pid;
	s->proc = proc;
	s->path = s->old = 0;
	if (what & WEV_OVERFLOW) {
		w->st.overflows++;
		return;
	}
	s->path = put_path(w, b, p, plen);
	if (old)
		s->old = put_path(w, b, old, oldlen);
}

long batch_proc(struct watch_batch *b, pid_t pid, int pidfd)
{
	for (size_t i = 0; i < b->nprocs; i++)
		if (b->procs[i].pid == pid)
			return (long)i;
	if (b->nprocs == b->procs_cap) {
		b->procs_cap = b->procs_cap ? b->procs_cap * 2 : 8;
		b->procs = xreallocarray(b->procs, b->procs_cap, sizeof(*b->procs));
	}
	if (procinfo_read(&b->procs[b->nprocs], pid, pidfd) < 0)
		return -1;
	return (long)b->nprocs++;
}

void batch_finish(struct watch_batch *b)
{
	struct slot *s = b->slots;

	for (size_t i = 0; i < b->n; i++) {
		b->ev[i].path = s[i].path ? b->text + s[i].path - 1 : NULL;
		b->ev[i].oldpath = s[i].old ? b->text + s[i].old - 1 : NULL;
		b->ev[i].proc = s[i].proc >= 0 ? &b->procs[s[i].proc] : NULL;
	}
}

static bool is_dir_entry(int dfd, const struct dirent *d)
{
	struct stat st;

	if (d->d_type != DT_UNKNOWN)
		return d->d_type == DT_DIR;
	return fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int watch_add_tree(struct watch_backend *w, struct watch_batch *b, const char *dir, bool base,
		   watch_add_fn add)
{
	DIR *d;
	struct dirent *de;
	size_t dl = strlen(dir);
	int rc = 0;

	if (add(w, dir, base) < 0)
		return -1;
	d = opendir(dir);
	if (!d)
		return 0;	/* gone already: its removal is reported */
	while (rc == 0 && (de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		bool isdir;
		char *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		isdir = is_dir_entry(dirfd(d), de);
		p = xmalloc(dl + nl + 2);
		memcpy(p, dir, dl);
		p[dl] = '/';
		memcpy(p + dl + 1, de->d_name, nl + 1);
		if (b)
			batch_add(w, b, WEV_CREATE, isdir, p, dl + 1 + nl, NULL, 0, 0, -1);
		if (isdir)
			rc = watch_add_tree(w, b, p, false, add);
		free(p);
	}
	closedir(d);
	return rc;
}
