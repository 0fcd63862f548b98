/*
 * watch_impl.h - what the back ends share (private to src/watch/).
 *
 * A back end fills a batch through batch_add(), which copies the host path
 * with the root stripped; batch_finish() then turns the stored offsets into
 * the pointers of watch_event (the text buffer may move while filling).
 */
#ifndef IMSCAN_WATCH_IMPL_H
#define IMSCAN_WATCH_IMPL_H

#include "imscan/watch_backend.h"

struct watch_ops {
	const char *name;
	int (*read)(struct watch_backend *w, struct watch_batch *b);
	size_t (*unwatched)(const struct watch_backend *w, const char *const **list);
	void (*close)(struct watch_backend *w);
};

struct watch_backend {
	const struct watch_ops *ops;
	int fd;
	struct watch_opts opts;
	size_t rootlen;		/* length of the root prefix, 0 for "/" */
	char **bases;		/* host paths, no trailing '/', "/" alone as "" */
	size_t nbases;
	struct watch_stats st;
	void *impl;
};

int watch_fanotify_open(struct watch_backend *w);
int watch_inotify_open(struct watch_backend *w);

/* 1 when the host path (len bytes) is a base or under one. */
int watch_in_bases(const struct watch_backend *w, const char *path, size_t len);

void batch_reset(struct watch_batch *b);
/* Adds an event for host path p (and old for a rename, else NULL); the
 * root is stripped here. proc is an index from batch_proc() or -1. */
void batch_add(struct watch_backend *w, struct watch_batch *b, unsigned what, bool isdir,
	       const char *p, size_t plen, const char *old, size_t oldlen, pid_t pid, long proc);
/* Index of pid's procinfo in this batch, read now if it is not yet. */
long batch_proc(struct watch_batch *b, pid_t pid, int pidfd);
void batch_finish(struct watch_batch *b);

/*
 * Calls add(dir) for dir and every directory below it (not following
 * symbolic links). With b, every entry found is reported as WEV_CREATE: in
 * a directory that just appeared, it may predate the watch. add returns 0
 * (also when it chose not to watch) or -1 to stop.
 */
typedef int (*watch_add_fn)(struct watch_backend *w, const char *dir, bool base);
int watch_add_tree(struct watch_backend *w, struct watch_batch *b, const char *dir, bool base,
		   watch_add_fn add);

#endif
