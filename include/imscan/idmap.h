/*
 * idmap.h - id to name maps read from a root's passwd or group file.
 *
 * Lines are "name:x:id:..."; NIS markers (+, -), comments and malformed
 * lines are skipped; of several lines with one id the first wins, as
 * getpwuid() does. A file larger than 64 MiB is read up to that bound.
 */
#ifndef IMSCAN_IDMAP_H
#define IMSCAN_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idname {
	uint32_t id;
	uint32_t order;		/* line number: the first of duplicates wins */
	char *name;
};

struct idtable {
	struct idname *v;
	size_t n;
};

/* Adds the lines of rel, resolved inside the directory rootfd, to the empty
 * table t. A file that is absent or not a regular file leaves t empty. */
void idtable_load(struct idtable *t, int rootfd, const char *rel);
/* The name of id, borrowed from t, or NULL. */
const char *idtable_find(const struct idtable *t, uint32_t id);
void idtable_release(struct idtable *t);

#endif
