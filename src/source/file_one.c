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
	/* The last parent directory opened, kept until file_prober_settle():
	 * a burst in one directory opens it once, not once per file. */
	char *dir_key;
	size_t dir_len;
	int dir_fd;
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
	fp->dir_fd = -1;
	fp->probe = probe_new(o->root);
	fp->ents = xcalloc(o->rules->nents + 1, sizeof(*fp->ents));
	return fp;
}

void file_prober_free(struct file_prober *fp)
{
	if (!fp)
		return;
	file_prober_settle(fp);
	close(fp->rootfd);
	probe_free(fp->probe);
	free(fp->ents);
	free(fp);
}

void file_prober_settle(struct file_prober *fp)
{
	if (fp->dir_fd >= 0)
		close(fp->dir_fd);
	fp->dir_fd = -1;
	free(fp->dir_key);
	fp->dir_key = NULL;
}

/*
 * The directory holding key, opened inside the root (or the one kept from
 * the last probe); e gets its name. The descriptor stays the prober's.
 */
static int open_parent(struct file_prober *fp, const char *key, size_t len,
		       struct walk_entry *e)
{
	const char *slash = strrchr(key, '/');
	size_t plen = slash == key ? 1 : (size_t)(slash - key);

	if (len == 1) {
		e->name = "/";
		return fp->rootfd;
	}
	e->name = slash + 1;
	if (fp->dir_fd >= 0 && fp->dir_len == plen && !memcmp(fp->dir_key, key, plen))
		return fp->dir_fd;
	file_prober_settle(fp);
	fp->dir_key = xstrndup(key, plen);
	fp->dir_len = plen;
	fp->dir_fd = walk_open_in_root(fp->rootfd, fp->dir_key, O_RDONLY | O_DIRECTORY);
	return fp->dir_fd;
}

int file_prober_probe(struct file_prober *fp, const char *key, struct record *rec)
{
	size_t len = strlen(key), n;
	struct walk_entry e = { .path = key, .pathlen = len };
	int dirfd;
	struct one x;

	record_reset(rec);
	dirfd = open_parent(fp, key, len, &e);
	e.namelen = strlen(e.name);
	e.dirfd = dirfd;
	if (dirfd < 0 || statx(dirfd, len == 1 ? "" : e.name, STATX_FLAGS | (len == 1 ? AT_EMPTY_PATH : 0),
			       STATX_BASIC_STATS | STATX_BTIME, &e.stx) < 0)
		return 0;	/* gone */
	x = (struct one){ dirfd, e.name, &e.stx };
	n = select_path(fp->o->rules, key, len, S_ISDIR(e.stx.stx_mode), one_is_exec, &x, fp->ents);
	if (!n)
		return 0;
	record_set_key(rec, KIND_FILE, key, len);
	probe_entry(fp, &e, n, rec);
	return 1;
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
