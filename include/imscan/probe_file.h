/*
 * probe_file.h - the attributes of one file-system entry.
 *
 * Split in two so that hashing can run on worker threads while the walk
 * goes on: probe_file_meta() (walker thread) fills everything but content
 * hashes and, for a regular file that needs hashing, returns its open
 * descriptor; probe_file_content() (any thread) reads and hashes it.
 *
 * Never opens a FIFO, socket or device; regular files are opened with
 * O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_NOCTTY (O_NOATIME where permitted) and
 * the descriptor's own fstat is the truth: a file swapped for a symlink or
 * FIFO between readdir and open is recorded as what it now is.
 */
#ifndef IMSCAN_PROBE_FILE_H
#define IMSCAN_PROBE_FILE_H

#include "imscan/attr.h"
#include "imscan/record.h"
#include "imscan/walk.h"

struct probe;

/* root: the scanned root ("/" or --root), for owner/group names from its
 * /etc/passwd and /etc/group. Caller frees. Never fails. */
struct probe *probe_new(const char *root);
void probe_free(struct probe *p);

/* statx fields needed for a set of attributes (for walk_open). */
unsigned probe_statx_mask(const struct attrset *want);

/*
 * Fills rec (already reset; key set by the caller) with the attributes of
 * e that are in want and apply to its type (attr_for_type). dirfd_self: the
 * entry's own descriptor if it is an open directory, else -1.
 * For a regular file with a content hash in want, *fdp gets an open
 * descriptor to pass to probe_file_content(); otherwise *fdp = -1.
 * Trouble with one entry (EACCES, EIO) is recorded in ATTR_ERROR and the
 * function still returns 0; -1 only for conditions that stop the scan.
 */
int probe_file_meta(struct probe *p, const struct walk_entry *e, int dirfd_self,
		    const struct attrset *want, struct record *rec, int *fdp);

/*
 * Reads fd to its end, sets each wanted hash attribute in rec, closes fd.
 * buf/bufsize: a scratch read buffer owned by the calling thread.
 * If the file changes while being read (size or mtime moves), it is read
 * again, up to 3 times; if it never holds still, ATTR_ERROR is set to
 * "file changed while being hashed" and no hash is recorded.
 * Read errors go to ATTR_ERROR. Returns 0.
 */
int probe_file_content(int fd, const struct attrset *want, struct record *rec,
		       unsigned char *buf, size_t bufsize);

/* True if the first bytes of the regular file fd are "#!" (scripts). */
int probe_is_script(int fd);

#endif
