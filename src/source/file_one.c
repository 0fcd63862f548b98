/*
 * file_one.c - one file's record, probed as the scan would (file.h), for
 * watch: no walk, no pool, hashing on the caller's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/file.h"
#include "imscan/probe_file.h"
#include "imscan/select.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"

#define STATX_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_SYNC_AS_STAT)

/* What every probe of one path needs, made once (file.h). */
struct file_prober {
	const struct source_opts *o;
	struct probe *probe;	/* its id maps are read once */
	int rootfd;
	uint32_t *ents;		/* o->rules->nents + 1 */
};

struct one {
	int dirfd;
	const char *name;
	const struct statx *stx;
};

static bool one_is_exec(void *ctx)
{
	const struct one *x = ctx;

	return select_is_executable(x->dirfd, x->name, x->stx);
}

/* Fills rec for the entry e selected by ents[0..n). */
static void probe_entry(const struct file_prober *fp, const struct walk_entry *e,
			size_t n, struct record *rec)
{
	const struct source_opts *o = fp->o;
	const uint32_t *ents = fp->ents;
	struct attrset want = ATTRSET_EMPTY;
	struct probe_fd pf;
	int selffd = -1;

	for (size_t i = 0; i < n; i++) {
		record_add_entity(rec, ents[i]);
		attrset_or(&want, &o->rules->ents[ents[i]]->attrs);
	}
	attrset_add(&want, ATTR_DEVICE);	/* as the scan records it */
	if (S_ISDIR(e->stx.stx_mode))
		selffd = openat(e->dirfd, e->namelen == 1 && *e->name == '/' ? "." : e->name,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	probe_file_meta(fp->probe, e, selffd, &want, rec, &pf);
	if (pf.fd >= 0)
		probe_file_content(&pf, &want, rec, NULL, 0);
	if (selffd >= 0)
		close(selffd);
}

struct file_prober *file_prober_new(const struct source_opts *o)
{
	struct file_prober *fp = xcalloc(1, sizeof(*fp));

	fp->rootfd = open(o->root && *o->root ? o->root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fp->rootfd < 0) {
		error("cannot open root '%s': %s", o->root, strerror(errno));
		free(fp);
		return NULL;
	}
	fp->o = o;
	fp->probe = probe_new(o->root);
	fp->ents = xcalloc(o->rules->nents + 1, sizeof(*fp->ents));
	return fp;
}

void file_prober_free(struct file_prober *fp)
{
	if (!fp)
		return;
	close(fp->rootfd);
	probe_free(fp->probe);
	free(fp->ents);
	free(fp);
}

/* The directory holding key, opened inside the root; e gets its name. */
static int open_parent(const struct file_prober *fp, const char *key, size_t len,
		       struct walk_entry *e)
{
	const char *slash = strrchr(key, '/');
	char *parent;
	int fd;

	if (len == 1) {
		e->name = "/";
		return dup(fp->rootfd);
	}
	e->name = slash + 1;
	parent = xstrndup(key, (size_t)(slash - key));
	fd = walk_open_in_root(fp->rootfd, *parent ? parent : "/", O_RDONLY | O_DIRECTORY);
	free(parent);
	return fd;
}

int file_prober_probe(struct file_prober *fp, const char *key, struct record *rec)
{
	size_t len = strlen(key), n;
	struct walk_entry e = { .path = key, .pathlen = len };
	int dirfd, r = 0;
	struct one x;

	record_reset(rec);
	dirfd = open_parent(fp, key, len, &e);
	e.namelen = strlen(e.name);
	e.dirfd = dirfd;
	if (dirfd < 0 || statx(dirfd, len == 1 ? "" : e.name, STATX_FLAGS | (len == 1 ? AT_EMPTY_PATH : 0),
			       STATX_BASIC_STATS | STATX_BTIME, &e.stx) < 0)
		goto cleanup;	/* gone */
	x = (struct one){ dirfd, e.name, &e.stx };
	n = select_path(fp->o->rules, key, len, S_ISDIR(e.stx.stx_mode), one_is_exec, &x, fp->ents);
	if (!n)
		goto cleanup;
	record_set_key(rec, KIND_FILE, key, len);
	probe_entry(fp, &e, n, rec);
	r = 1;
cleanup:
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

int file_probe_one(const struct source_opts *o, const char *key, struct record *rec)
{
	struct file_prober *fp = file_prober_new(o);
	int r;

	if (!fp)
		return -1;
	r = file_prober_probe(fp, key, rec);
	file_prober_free(fp);
	return r;
}
