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
static void probe_entry(const struct source_opts *o, const struct walk_entry *e,
			const uint32_t *ents, size_t n, struct record *rec)
{
	struct attrset want = ATTRSET_EMPTY;
	struct probe *p = probe_new(o->root);
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
	probe_file_meta(p, e, selffd, &want, rec, &pf);
	if (pf.fd >= 0)
		probe_file_content(&pf, &want, rec, NULL, 0);
	if (selffd >= 0)
		close(selffd);
	probe_free(p);
}

int file_probe_one(const struct source_opts *o, const char *key, struct record *rec)
{
	const char *slash = strrchr(key, '/');
	size_t len = strlen(key);
	uint32_t *ents = xcalloc(o->rules->nents + 1, sizeof(*ents));
	struct walk_entry e = { .path = key, .pathlen = len };
	int rootfd, dirfd = -1, r = 0;
	struct one x;
	size_t n;

	rootfd = open(o->root && *o->root ? o->root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		r = error("cannot open root '%s': %s", o->root, strerror(errno));
		goto cleanup;
	}
	record_reset(rec);
	if (len == 1) {
		e.name = "/";
		dirfd = dup(rootfd);
	} else {
		char *parent = xstrndup(key, (size_t)(slash - key));

		e.name = slash + 1;
		dirfd = walk_open_in_root(rootfd, *parent ? parent : "/", O_RDONLY | O_DIRECTORY);
		free(parent);
	}
	e.namelen = strlen(e.name);
	e.dirfd = dirfd;
	if (dirfd < 0 || statx(dirfd, len == 1 ? "" : e.name, STATX_FLAGS | (len == 1 ? AT_EMPTY_PATH : 0),
			       STATX_BASIC_STATS | STATX_BTIME, &e.stx) < 0)
		goto cleanup;	/* gone */
	x = (struct one){ dirfd, e.name, &e.stx };
	n = select_path(o->rules, key, len, S_ISDIR(e.stx.stx_mode), one_is_exec, &x, ents);
	if (!n)
		goto cleanup;
	record_set_key(rec, KIND_FILE, key, len);
	probe_entry(o, &e, ents, n, rec);
	r = 1;
cleanup:
	if (dirfd >= 0)
		close(dirfd);
	if (rootfd >= 0)
		close(rootfd);
	free(ents);
	return r;
}
