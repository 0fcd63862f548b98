/*
 * linkcache.h - content hashes of multiply linked files, computed once.
 *
 * A file with N hard links is N entries of the walk but one content: a
 * user who may create links in a monitored tree could otherwise make the
 * scan hash one large file a million times. The scan asks here before
 * hashing a regular file whose link count is above one. A cached hash is
 * handed out only for the same device and inode with the same size, mtime
 * and ctime as when it was hashed, in the same scan (writing the content
 * moves mtime and ctime; ctime cannot be set back without root and a
 * clock change).
 *
 * Bounded: at LINKCACHE_MAX entries the cache is emptied and starts over,
 * so an attacker needs that many other linked files between two links of
 * a large one to have it hashed once more.
 */
#ifndef IMSCAN_LINKCACHE_H
#define IMSCAN_LINKCACHE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "imscan/attr.h"
#include "imscan/record.h"

#define LINKCACHE_MAX 16384

struct linkcache;

struct linkcache *linkcache_new(void);	/* caller frees */
void linkcache_free(struct linkcache *c);

enum linkcache_state {
	LINKCACHE_UNKNOWN,	/* never seen, or forgotten */
	LINKCACHE_PENDING,	/* being hashed by an earlier entry */
	LINKCACHE_READY,	/* hashed, and its stat still matches */
	LINKCACHE_STALE,	/* hashed, but the file changed since */
};

/* What the cache knows of the file stx describes (its descriptor's statx). */
enum linkcache_state linkcache_state(const struct linkcache *c, const struct statx *stx);

/* Marks the file as being hashed (state PENDING from now on). */
void linkcache_pend(struct linkcache *c, const struct statx *stx);

/*
 * The file stx describes was hashed into rec; stx is the stat that goes
 * with the hashed bytes. Keeps rec's content hashes (if rec has an error:
 * forgets the file instead).
 */
void linkcache_put(struct linkcache *c, const struct statx *stx, const struct record *rec);

/*
 * If the file is READY with every hash in want: sets them in rec and
 * returns true; otherwise leaves rec alone and returns false.
 */
bool linkcache_fill(const struct linkcache *c, const struct statx *stx,
		    const struct attrset *want, struct record *rec);

#endif
