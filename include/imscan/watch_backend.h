/*
 * watch_backend.h - real-time change notification, normalized.
 *
 * A back end watches directory trees ("bases", absolute paths inside the
 * scanned root) and turns the kernel's notifications into watch_events:
 * the absolute path of the entry (relative to the root, so "/etc/passwd"
 * with root "/srv/img" means the host's "/srv/img/etc/passwd"), what
 * happened, whether it is a directory, and who did it where the kernel
 * says (fanotify only).
 *
 * Two back ends:
 *  - WATCH_FANOTIFY (root): FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, plus
 *    FAN_REPORT_PIDFD where offered; one FAN_MARK_FILESYSTEM mark per file
 *    system holding a base (inode marks on every directory of the bases
 *    where the kernel refuses it); FAN_RENAME (Linux >= 5.17) reports a
 *    move as one event with both names, older kernels give
 *    WEV_MOVED_FROM/WEV_MOVED_TO. Directory handles are resolved with
 *    open_by_handle_at(2) and events outside the bases are dropped here.
 *    A directory is resolved when its event is read (paths are cached until
 *    a directory moves), so an event queued just before its directory was
 *    renamed may carry the new name; the caller re-probes the path, so the
 *    state it reports is still right.
 *  - WATCH_INOTIFY (any user): a watch on every directory of the bases,
 *    added for directories created later, whose contents are then listed
 *    and reported as WEV_CREATE (so files made before the watch existed are
 *    not missed); moves are paired by cookie into WEV_RENAME. When the
 *    kernel's max_user_watches (ENOSPC) or opts.max_watches is reached, no
 *    further watch is added and the directories left out are listed by
 *    watch_unwatched(): the caller warns once and re-scans them by polling.
 *
 * Overflow: a kernel queue overflow gives an event with WEV_OVERFLOW and no
 * path; changes since are lost and the caller must re-scan all bases.
 *
 * Events with attribution (opts.attribute, fanotify): the process is read
 * at once, once per pid per batch (watch_procinfo.h), before the next read.
 *
 * Errors: watch_open returns -1 with a message naming the base or the
 * system call; watch_read returns -1 on a read error. Lost attribution or a
 * directory handle that no longer resolves (its directory was removed
 * before the event was read) is not an error: the event is dropped and
 * counted in watch_stats.unresolved (the directory's own removal is
 * reported through its parent).
 */
#ifndef IMSCAN_WATCH_BACKEND_H
#define IMSCAN_WATCH_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "imscan/watch_procinfo.h"

enum watch_kind {
	WATCH_FANOTIFY,
	WATCH_INOTIFY
};

/* What happened; fanotify may merge several into one event. */
#define WEV_MODIFY	0x001u
#define WEV_ATTRIB	0x002u
#define WEV_CREATE	0x004u
#define WEV_DELETE	0x008u
#define WEV_MOVED_FROM	0x010u	/* path is the old name; cookie pairs (inotify) */
#define WEV_MOVED_TO	0x020u	/* path is the new name */
#define WEV_RENAME	0x040u	/* oldpath -> path, both known */
#define WEV_CLOSE_WRITE	0x080u
#define WEV_OVERFLOW	0x100u	/* no path: events were lost */

struct watch_event {
	unsigned what;		/* WEV_* */
	bool isdir;
	const char *path;	/* NULL only for WEV_OVERFLOW */
	const char *oldpath;	/* WEV_RENAME only, else NULL */
	uint32_t cookie;	/* inotify moves, 0 otherwise */
	pid_t pid;		/* 0: unknown */
	const struct procinfo *proc;	/* NULL unless attribution was read */
};

/* One read's events; everything is valid until the next watch_read(). */
struct watch_batch {
	struct watch_event *ev;
	size_t n, cap;
	/* private */
	char *text;
	size_t text_len, text_cap;
	struct procinfo *procs;
	size_t nprocs, procs_cap;
	void *slots;
};

struct watch_opts {
	bool attribute;		/* read procinfo for each event's pid */
	size_t max_watches;	/* inotify: cap on watches, 0 = kernel's limit */
	bool inode_marks;	/* fanotify: inode marks even where a file-system
				 * mark would do (tests the fallback) */
};

struct watch_stats {
	uint64_t events;	/* events returned */
	uint64_t dropped;	/* outside the bases */
	uint64_t unresolved;	/* fanotify: directory handle gone */
	uint64_t overflows;
	size_t watches;		/* inotify: watches held */
	bool pidfd;		/* fanotify: FAN_REPORT_PIDFD in use */
	bool rename;		/* fanotify: FAN_RENAME in use */
	bool fsmark;		/* fanotify: FAN_MARK_FILESYSTEM in use */
};

struct watch_backend;

/*
 * Starts watching root (NULL or "/" for the live system) + each of the
 * nbases absolute bases. Overlapping bases are fine. Returns 0 and *out,
 * or -1 (message left; fanotify without CAP_SYS_ADMIN fails with EPERM in
 * the message, so the caller may fall back to inotify).
 */
int watch_open(struct watch_backend **out, enum watch_kind kind, const char *root,
	       const char *const *bases, size_t nbases, const struct watch_opts *opts);

/* "fanotify" or "inotify". */
const char *watch_backend_name(const struct watch_backend *w);

/* A non-blocking descriptor that polls readable when events wait. */
int watch_fd(const struct watch_backend *w);

/*
 * Reads one buffer's worth of what is queued, without blocking, into b
 * (emptied first); call again while the fd polls readable. Returns the
 * number of events (0: none waiting, or all dropped as outside the bases),
 * -1 on error.
 */
int watch_read(struct watch_backend *w, struct watch_batch *b);

/* inotify: directories (absolute, under the root) left without a watch,
 * borrowed, sorted; 0 for fanotify. */
size_t watch_unwatched(const struct watch_backend *w, const char *const **list);

void watch_get_stats(const struct watch_backend *w, struct watch_stats *st);

void watch_close(struct watch_backend *w);

void watch_batch_init(struct watch_batch *b);
void watch_batch_release(struct watch_batch *b);

#endif
