/*
 * walk.h - sorted, iterative, race-safe traversal of file trees.
 *
 * walk_next() yields entries depth-first, each directory's entries sorted
 * by name (bytewise), which is exactly key_cmp() order (record.h). Bases are
 * walked in key_cmp order; a base inside another base is not walked twice.
 *
 * Safety: no recursion; no fixed-size path buffers; every lookup is
 * relative to an open directory descriptor with AT_SYMLINK_NOFOLLOW /
 * O_NOFOLLOW, so a symlink is never followed, not even one planted between
 * readdir and open. Intermediate components of a base are resolved inside
 * root (walk_open_in_root): "--root /img" never escapes /img.
 * At most walk_fds() directory descriptors stay open, whatever the depth;
 * a directory re-opened later is checked to be the same (dev, inode).
 * Running out of descriptors or memory anyway (EMFILE, ENFILE, ENOMEM)
 * ends the walk with an error: a subtree is never skipped for it.
 * Entries that vanish mid-walk are skipped quietly; a directory found
 * replaced (by another directory, a symlink, ...) when it is opened or
 * re-opened gets a warning() and is not descended further.
 * Pseudo file systems (proc, sysfs, devpts, cgroup, ...: walk_fs.c) met
 * while walking are yielded but not descended, by their file-system type,
 * whatever their name; nor are /dev and /run of the root when they are
 * mount points (devtmpfs looks like tmpfs), nor automount points. An
 * ordinary directory, /proc, /dev or /run of an image included, is
 * descended; a base itself always is. A directory that
 * is the same (dev, inode) as one above it in the walk (a directory bind
 * mounted below itself, a file system loop in a hostile image) is yielded
 * with a warning() and not descended, so the walk always ends.
 *
 * Nested bases (/etc and /etc/ssh): when the walk of the outer base
 * reaches the inner one through real directories, it is yielded once, as
 * part of that walk, with is_base set (and walk_prune() on it is obeyed).
 * When the outer walk does not get there (the caller pruned a directory
 * above it, a pseudo file system or a /dev or /run mount stopped the descent, or a
 * component on the way is a symlink), the inner base is walked on its own,
 * resolved inside root like any base, where its key belongs in the stream;
 * the directories between are not yielded. Bases are compared lexically
 * after removing "//", "." and ".." (which cannot climb above "/").
 */
#ifndef IMSCAN_WALK_H
#define IMSCAN_WALK_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <stdint.h>

#define WALK_MAX_FDS 64

/* A statx time in nanoseconds since the epoch, as records keep times. */
static inline int64_t statx_ns(const struct statx_timestamp *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

struct walk_entry {
	const char *path;	/* key: "/etc/hosts", as seen inside root */
	size_t pathlen;
	const char *name;	/* last component ("/" for the root itself) */
	size_t namelen;
	int dirfd;		/* open parent directory; valid until the next walk_next.
				   For the root itself: the root (use walk_entry_fd()).
				   -1 for a base whose parent could not be opened (err set) */
	struct statx stx;	/* statx(dirfd, name, AT_SYMLINK_NOFOLLOW) */
	int err;		/* 0, or errno: stat failed, or for a directory:
				   it could not be opened or read (not descended) */
	unsigned depth;		/* 0 for a base walked on its own; below it, 1, 2, ... */
	unsigned level;		/* the entry's place on the walk's stack of open
				   directories: its parent's level + 1, except
				   that a base walked on its own continues above
				   the walk it suspended (whose directories stay
				   at their levels) instead of starting at 0.
				   Unique among the directories being walked, so
				   per-directory state can be kept by level;
				   depth cannot serve, as it restarts at 0 */
	int is_base;		/* this entry is one of the bases (a nested base
				   reached by the outer walk keeps the outer depth) */
};

struct walk;

struct strbuf;
/*
 * Lexical clean-up of a base into out: repeated slashes, "." and a
 * trailing slash go, ".." drops the previous component (it cannot climb
 * above "/"). -1 with a message if in is not absolute.
 */
int walk_normalize_base(const char *in, struct strbuf *out);

/* The most descriptors a walk keeps open: WALK_MAX_FDS, or fewer when
 * RLIMIT_NOFILE is low (a quarter of it, at least 6). */
size_t walk_fds(void);

/*
 * Opens path with flags (O_CLOEXEC is added), resolving it inside the
 * directory rootfd as if that were "/": leading '/' and ".." stop at it,
 * and symlinks, absolute ones included, are followed within it (but with
 * O_NOFOLLOW in flags, not the last component). What openat2(2) with
 * RESOLVE_IN_ROOT does, done one O_NOFOLLOW step at a time so that it also
 * works without openat2 (Linux before 5.6, valgrind). -1 with errno.
 */
int walk_open_in_root(int rootfd, const char *path, int flags);

/*
 * root: directory used as "/" (NULL or "/" for the live system).
 * bases: absolute paths inside root; any order, duplicates allowed.
 * statx_mask: STATX_* fields wanted (type, mode and inode are always asked).
 * Returns NULL with a message if root cannot be opened or a base is not
 * absolute. Caller frees.
 */
struct walk *walk_open(const char *root, const char *const *bases, size_t nbases,
		       unsigned statx_mask);
void walk_free(struct walk *w);

/*
 * Returns 1 with *out (borrowed, valid until the next call), 0 at the end,
 * -1 on a fatal error (message left): out of descriptors or memory. A base
 * that does not exist is skipped (no entry); one that
 * cannot be examined is yielded with err set.
 * A directory is opened (and listed) when it is yielded, so err already
 * says whether it can be descended.
 */
int walk_next(struct walk *w, const struct walk_entry **out);

/* True if fd is on a file system whose content is the kernel's state
 * (proc, sysfs, devpts, cgroup, ...; walk_fs.c lists them), not files. */
bool walk_is_pseudo_fs(int fd);

/* Do not descend into the directory walk_next() just returned. */
void walk_prune(struct walk *w);

/*
 * Descriptor of the directory walk_next() just returned, opened for its
 * traversal (O_DIRECTORY|O_NOFOLLOW, verified by fstat); -1 if it is not a
 * directory or could not be opened. Valid until the next walk_next; lets a
 * prober read a directory's xattrs and flags without opening it again.
 */
int walk_entry_fd(struct walk *w);

#endif
