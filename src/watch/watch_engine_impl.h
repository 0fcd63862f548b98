/* watch_engine_impl.h - what engine.c and engine_scan.c share. */
#ifndef IMSCAN_WATCH_ENGINE_IMPL_H
#define IMSCAN_WATCH_ENGINE_IMPL_H

#include "imscan/baseline.h"
#include "imscan/rules.h"
#include "imscan/source.h"
#include "imscan/watch_engine.h"
#include "imscan/watch_backend.h"
#include "imscan/watch_state.h"

struct engine {
	struct engine_conf conf;
	char *root;
	struct baseline_header h;
	struct ruleset rs;
	struct state *st;
	struct file_prober *prober;	/* e->so's, made once (file.h) */
	bool *keep;		/* per entity: a realtime rule's */
	bool *exec_only;	/* per entity: base "/", so executables only */
	bool any_exec_only;
	char **bases;		/* realtime file bases, none under another */
	size_t nbases;
	struct entity **poll_ents;	/* realtime entities of other kinds */
	size_t npoll;
	struct source_opts so;
	struct event_summary sum;
	uint64_t overflows;
	const struct procinfo *proc;	/* who, for the events being made */
	bool dirty;
	struct record old, new, fold, fnew;	/* scratch */
	struct async *async;	/* the probe thread (engine_async.c), once started */
};

/* What moves or removes entries: a directory's is re-scanned. */
#define WEV_STRUCTURE (WEV_DELETE | WEV_MOVED_FROM | WEV_MOVED_TO | WEV_RENAME)

/* imscan's own files (the baseline, its lock, its temporary files). */
bool engine_own_file(const struct engine *e, const char *path);
/* The probe thread closes its kept directory before its next probe. */
void engine_async_settle(struct engine *e);
/* Stops the probe thread, if any, and frees what it had. */
void engine_async_free(struct engine *e);

/* Probes key (a file) and applies it: 0 or -1. */
int engine_probe(struct engine *e, const char *key);
/* Applies key's probe (new: NULL if it is gone) against the store. */
int engine_apply_probed(struct engine *e, const char *key, const struct record *new);
/* Emits the events of old -> new (either NULL) under the watched entities. */
int engine_diff(struct engine *e, const struct record *old, const struct record *new);
/* engine_diff, then the store takes new (or loses old). */
int engine_apply(struct engine *e, const struct record *old, const struct record *new);
/*
 * in with only its watched entities: in itself when all are, else a copy
 * in *out; NULL if none is left.
 * A rule on "/" keeps only executables: regular files with an execute bit,
 * or scripts (script: the caller found "#!" in the file).
 */
const struct record *engine_watched(const struct engine *e, const struct record *in,
				    bool script, struct record *out);
/* ns since the epoch */
int64_t engine_now(void);

#endif
