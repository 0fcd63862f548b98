/*
 * watch_engine.h - what `imscan watch` does with a change: the baseline's
 * state in memory, each changed path probed again and diffed against it.
 *
 * engine_load() reads and verifies the baseline, loads its rules, and keeps
 * every record of it in a state store (watch_state.h). The watched entities
 * are those of rules with "realtime": true: their file bases are what the
 * back end watches (engine_bases), their other kinds are polled
 * (engine_poll). An entity whose base is "/" and that is not
 * executables_only counts for executables only (a regular file with an
 * execute bit, or a "#!" script): watching every file of a host in real
 * time is not what a rule on "/" asks for. A file that becomes executable
 * is `added` under such a rule, one that stops being so `removed`.
 *
 * engine_path() probes one path as check's scan would (a file_prober (file.h),
 * with every rule, so the store stays what a check would write), compares
 * it with the store under the realtime entities only (diff_one), emits the
 * events with source "watch" and the process given, and puts the new
 * state in the store. A directory that appeared, went away or moved is
 * re-scanned below (engine_rescan). Nothing is emitted when nothing a
 * realtime rule compares changed. imscan's own files (the baseline, its
 * lock and temporary files) are never probed.
 *
 * engine_overflow() emits the overflow event (kind file, key "/", no rule)
 * and re-scans every base. engine_write() rewrites the baseline from the
 * store (--update). Errors: -1 with a message; a path that cannot be read
 * is an `unreadable` event, not an error.
 */
#ifndef IMSCAN_WATCH_ENGINE_H
#define IMSCAN_WATCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imscan/event.h"
#include "imscan/sink.h"
#include "imscan/watch_procinfo.h"

struct engine;

struct engine_conf {
	const char *file;		/* the baseline */
	const char *root_opt;		/* --root, or NULL: the baseline's */
	/* --root to an absolute directory (cmd_resolve_root); NULL + message */
	char *(*resolve_root)(const char *root);
	const char *host;
	struct sink_list *sinks;	/* borrowed */
	const char *const *skip;	/* imscan's own files (cmd_own_files) */
	size_t nskip;
};

/* 0 and *out, or -1 with a message (baseline, rules, root). */
int engine_load(struct engine **out, const struct engine_conf *c);
void engine_free(struct engine *e);

/* The root (absolute) and the realtime file bases (borrowed, deduplicated). */
const char *engine_root(const struct engine *e);
size_t engine_bases(const struct engine *e, const char *const **bases);
/* Whether realtime rules have entities of other kinds than file. */
bool engine_has_poll(const struct engine *e);
size_t engine_records(const struct engine *e);

/* What happened to path (WEV_* bits) and who did it (may be NULL). */
int engine_path(struct engine *e, const char *path, unsigned what, bool isdir,
		const struct procinfo *proc);
/*
 * A file moved from -> to (and what else happened to to since): one
 * `renamed` event when the store knew from and not to, and to is the same
 * file (device, inode) under the same watched rules; otherwise from is
 * probed (gone: removed) and then to (added or modified).
 */
int engine_rename(struct engine *e, const char *from, const char *to, unsigned what,
		  const struct procinfo *proc);
/* Probes dir and everything below it, and what the store has below it. */
int engine_rescan(struct engine *e, const char *dir);
/* The overflow event, then engine_rescan of every base. */
int engine_overflow(struct engine *e);
/*
 * engine_path on the probe thread: the path is probed there and applied
 * (diffed, stored, emitted) on this thread by a later submit, collect or
 * sync, in the order submitted. A move or removal, which may be a
 * directory's, first syncs and is done here. 0 or -1 (message left).
 */
int engine_submit(struct engine *e, const char *path, unsigned what, bool isdir,
		  const struct procinfo *proc);
/*
 * Readable when probes were done while the watcher waited (-1 before the
 * first submit). Around its poll() the watcher calls wait_begin, which
 * says whether probes are done already (then poll must not sleep), and
 * wait_end.
 */
int engine_async_fd(const struct engine *e);
bool engine_wait_begin(struct engine *e);
void engine_wait_end(struct engine *e);
/* Submitted probes start now, not when a batch of them is full. */
void engine_kick(struct engine *e);
/* Applies the probes done so far. */
int engine_collect(struct engine *e);
/* Waits for every probe submitted and applies them. */
int engine_sync(struct engine *e);
/* A run of engine_path calls is over: what it kept open is closed. */
void engine_settle(struct engine *e);
/* Polls the other kinds of the realtime rules once. */
int engine_poll(struct engine *e);

/* Whether the store changed since the last engine_write. */
bool engine_dirty(const struct engine *e);
/* Rewrites the baseline from the store, atomically. */
int engine_write(struct engine *e);

/* The events so far (entries: records in the store) and overflows. */
void engine_summary(const struct engine *e, struct event_summary *sum, uint64_t *overflows);

#endif
