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
 * FIFO between readdir and open is recorded as what it now is (a FIFO so
 * swapped in is opened without blocking and never read). Extended
 * attributes of other types are read by path (l*xattr) through
 * /proc/self/fd/<parent>, not followed; without /proc they are left out.
 *
 * Text forms: acl is getfacl's short form with numeric ids, access entries
 * then "default:" ones ("user::rw-,user:1000:r--,group::r--,mask::r--,
 * other::r--"); caps is getcap -n's ("cap_net_raw=ep", v3 adds
 * " [rootid=N]"), over the 41 capabilities known today whatever the
 * running kernel knows; selinux is the label without its NUL.
 */
#ifndef IMSCAN_PROBE_FILE_H
#define IMSCAN_PROBE_FILE_H

#include <string.h>

#include "imscan/attr.h"
#include "imscan/record.h"
#include "imscan/walk.h"

struct probe;

/* What the content hash needs of the descriptor's statx. */
#define PROBE_CONTENT_MASK (STATX_SIZE | STATX_MTIME | STATX_CTIME | STATX_BLOCKS)

/* Records err as the entry's trouble, unless one is there already. */
static inline void probe_set_error(struct record *rec, int err)
{
	if (!record_has(rec, ATTR_ERROR))
		record_set_str(rec, ATTR_ERROR, strerror(err));
}

/* A regular file opened for hashing, and the descriptor's statx taken when
 * it was opened: the "before" of the torn-read check, so that hashing a
 * small file costs no statx of its own. */
struct probe_fd {
	int fd;
	struct statx stx;
};

/* root: the scanned root ("/" or --root), for owner/group names from its
 * /etc/passwd and /etc/group. Caller frees. Never fails. */
struct probe *probe_new(const char *root);
void probe_free(struct probe *p);

/* statx fields needed for a set of attributes (for walk_open). */
unsigned probe_statx_mask(const struct attrset *want);

/*
 * Fills rec (already reset; key set by the caller) with the attributes of
 * e that are in want and apply to its type (attr_for_type). dirfd_self: the
 * entry's own descriptor if it is an open directory (walk_entry_fd()),
 * else -1. A regular file is opened only if want asks for something that
 * needs it (hashes, xattrs, acl, caps, selinux, flags); pure stat
 * attributes come from e->stx.
 * For a regular file with a content hash in want, *out gets an open
 * descriptor and its statx to pass to probe_file_content(); otherwise
 * out->fd = -1.
 * Trouble with one entry (EACCES, EIO, e->err) is recorded in ATTR_ERROR as
 * strerror() text, with whatever attributes could still be read, and the
 * function still returns 0; -1 only for conditions that stop the scan.
 * Not thread-safe: one probe per walker thread.
 */
int probe_file_meta(struct probe *p, const struct walk_entry *e, int dirfd_self,
		    const struct attrset *want, struct record *rec, struct probe_fd *out);

/*
 * Content hashes and the zero-run encoding (probe_file.c, imscan(1)
 * HARDENING): a file with at least PROBE_ZERO_RUN_MIN bytes in all-zero,
 * PROBE_CHUNK-aligned chunks of PROBE_CHUNK bytes is hashed in an encoding
 * where each run of such chunks is its length, so that holes are never
 * read nor hashed byte by byte; any other file is hashed as its bytes.
 */
#define PROBE_CHUNK		(64u << 10)
#define PROBE_ZERO_RUN_MIN	(256ull << 20)

/*
 * Reads f->fd to its end, sets each wanted hash attribute in rec, closes
 * it. f->stx must hold at least size, mtime, ctime and blocks of the
 * descriptor, taken before reading (probe_file_meta() does so).
 * buf/bufsize: a scratch read buffer owned by the calling thread (best a
 * multiple of PROBE_CHUNK). Holes of sparse files are not read: below the
 * zero-run threshold they are hashed as zeros, above it as run lengths.
 * If the file changes while being read (size, mtime or ctime moves), it is
 * read again, up to 3 times; if it never holds still, ATTR_ERROR is set to
 * "file changed while being hashed" and no hash is recorded. When a hash
 * is recorded, size, mtime, ctime and blocks already in rec are updated to
 * the values that go with it, and so is f->stx. Read errors go to
 * ATTR_ERROR. f->fd is closed and set to -1. Returns 0.
 * Thread-safe (for different records).
 */
int probe_file_content(struct probe_fd *f, const struct attrset *want,
		       struct record *rec, unsigned char *buf, size_t bufsize);

/* Frees what probe_file_content() keeps per thread; call before a
 * thread that hashed exits. */
void probe_thread_release(void);

#endif
