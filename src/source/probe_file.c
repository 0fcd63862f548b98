/*
 * probe_file.c - the attributes of one file-system entry.
 *
 * Stat attributes come from the walker's statx and cost nothing more. A
 * regular file is opened only when something needs its content or its
 * descriptor (hashes, xattrs, ACL, capabilities, SELinux label, chattr
 * flags); the descriptor's own statx then replaces the walker's, so what
 * is recorded is what was read. Other types are never opened: their
 * extended attributes are read by path through /proc/self/fd/<dirfd>, which
 * names the already-verified parent and so cannot be redirected.
 * Owner and group names come from idmap.c, what lies beyond stat from
 * fattr.c, content hashes from content.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "imscan/digest.h"
#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/fattr.h"
#include "imscan/idmap.h"
#include "imscan/probe_file.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

/* Most files of a tree have one owner: the last answer is kept. */
struct last_name {
	bool valid;
	uint32_t id;
	const char *name;	/* borrowed from the table; NULL: none */
};

struct probe {
	char *root;
	bool names_loaded;
	struct idtable users, groups;
	struct last_name owner, group;	/* the last lookup in each */
	const enum attr_id *hash_ids;	/* digest_algs() */
	size_t nhash;
	struct fattr fa;
	struct strbuf path;
};

static const struct {
	enum attr_id id;
	unsigned mask;
} stat_attrs[] = {
	{ ATTR_TYPE, STATX_TYPE },
	{ ATTR_MODE, STATX_MODE },
	{ ATTR_UID, STATX_UID },
	{ ATTR_GID, STATX_GID },
	{ ATTR_OWNER, STATX_UID },
	{ ATTR_GROUP, STATX_GID },
	{ ATTR_SIZE, STATX_SIZE },
	{ ATTR_MTIME, STATX_MTIME },
	{ ATTR_CTIME, STATX_CTIME },
	{ ATTR_ATIME, STATX_ATIME },
	{ ATTR_BTIME, STATX_BTIME },
	{ ATTR_INODE, STATX_INO },
	{ ATTR_NLINK, STATX_NLINK },
	{ ATTR_BLOCKS, STATX_BLOCKS },
};

static void load_names(struct probe *p)
{
	int rootfd;

	p->names_loaded = true;
	rootfd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	idtable_load(&p->users, rootfd, "etc/passwd");
	idtable_load(&p->groups, rootfd, "etc/group");
	close(rootfd);
}

static const char *id_name(struct probe *p, const struct idtable *t, struct last_name *last,
			   uint32_t id)
{
	if (last->valid && last->id == id)
		return last->name;
	if (!p->names_loaded)
		load_names(p);
	last->valid = true;
	last->id = id;
	last->name = idtable_find(t, id);
	return last->name;
}

struct probe *probe_new(const char *root)
{
	struct probe *p = xcalloc(1, sizeof(*p));

	p->root = xstrdup(root && *root ? root : "/");
	p->nhash = digest_algs(&p->hash_ids);
	fattr_init(&p->fa);
	strbuf_init(&p->path);
	return p;
}

void probe_free(struct probe *p)
{
	if (!p)
		return;
	idtable_release(&p->users);
	idtable_release(&p->groups);
	free(p->root);
	fattr_release(&p->fa);
	strbuf_release(&p->path);
	free(p);
}

unsigned probe_statx_mask(const struct attrset *want)
{
	unsigned m = STATX_TYPE | STATX_MODE | STATX_INO;

	for (size_t i = 0; i < sizeof(stat_attrs) / sizeof(stat_attrs[0]); i++)
		if (attrset_has(want, stat_attrs[i].id))
			m |= stat_attrs[i].mask;
	/* For reuse of hashes (--quick): what says the content is unchanged. */
	for (int a = 0; a < ATTR__COUNT; a++)
		if (attrset_has(want, (enum attr_id)a) && attr_is_hash((enum attr_id)a))
			m |= STATX_SIZE | STATX_MTIME | STATX_CTIME;
	return m;
}

static void set_stat_attrs(struct probe *p, struct record *rec, const struct statx *stx,
			   const struct attrset *want)
{
	const char *name;

	if (attrset_has(want, ATTR_TYPE))
		record_set_int(rec, ATTR_TYPE, ftype_from_mode(stx->stx_mode));
	if (attrset_has(want, ATTR_MODE))
		record_set_int(rec, ATTR_MODE, stx->stx_mode & 07777);
	if ((stx->stx_mask & STATX_UID) && attrset_has(want, ATTR_UID))
		record_set_int(rec, ATTR_UID, stx->stx_uid);
	if ((stx->stx_mask & STATX_GID) && attrset_has(want, ATTR_GID))
		record_set_int(rec, ATTR_GID, stx->stx_gid);
	if ((stx->stx_mask & STATX_UID) && attrset_has(want, ATTR_OWNER) &&
	    (name = id_name(p, &p->users, &p->owner, stx->stx_uid)))
		record_set_str(rec, ATTR_OWNER, name);
	if ((stx->stx_mask & STATX_GID) && attrset_has(want, ATTR_GROUP) &&
	    (name = id_name(p, &p->groups, &p->group, stx->stx_gid)))
		record_set_str(rec, ATTR_GROUP, name);
	if ((stx->stx_mask & STATX_SIZE) && attrset_has(want, ATTR_SIZE))
		record_set_int(rec, ATTR_SIZE, (int64_t)stx->stx_size);
	if ((stx->stx_mask & STATX_MTIME) && attrset_has(want, ATTR_MTIME))
		record_set_int(rec, ATTR_MTIME, statx_ns(&stx->stx_mtime));
	if ((stx->stx_mask & STATX_CTIME) && attrset_has(want, ATTR_CTIME))
		record_set_int(rec, ATTR_CTIME, statx_ns(&stx->stx_ctime));
	if ((stx->stx_mask & STATX_ATIME) && attrset_has(want, ATTR_ATIME))
		record_set_int(rec, ATTR_ATIME, statx_ns(&stx->stx_atime));
	if ((stx->stx_mask & STATX_BTIME) && attrset_has(want, ATTR_BTIME))
		record_set_int(rec, ATTR_BTIME, statx_ns(&stx->stx_btime));
	if ((stx->stx_mask & STATX_INO) && attrset_has(want, ATTR_INODE))
		record_set_int(rec, ATTR_INODE, (int64_t)stx->stx_ino);
	if (attrset_has(want, ATTR_DEVICE))
		record_set_int(rec, ATTR_DEVICE,
			       (int64_t)makedev(stx->stx_dev_major, stx->stx_dev_minor));
	if ((stx->stx_mask & STATX_NLINK) && attrset_has(want, ATTR_NLINK))
		record_set_int(rec, ATTR_NLINK, stx->stx_nlink);
	if ((stx->stx_mask & STATX_BLOCKS) && attrset_has(want, ATTR_BLOCKS))
		record_set_int(rec, ATTR_BLOCKS, (int64_t)stx->stx_blocks);
	if (attrset_has(want, ATTR_RDEV))
		record_set_int(rec, ATTR_RDEV,
			       (int64_t)makedev(stx->stx_rdev_major, stx->stx_rdev_minor));
}

static void probe_target(struct probe *p, const struct walk_entry *e, struct record *rec)
{
	size_t cap = e->stx.stx_size > 0 && e->stx.stx_size < 65536 ? e->stx.stx_size + 1 : 256;

	for (;;) {
		ssize_t n;

		strbuf_reset(&p->fa.sb);
		strbuf_grow(&p->fa.sb, cap);
		n = readlinkat(e->dirfd, e->name, p->fa.sb.buf, cap);
		if (n < 0) {
			probe_set_error(rec, errno);
			return;
		}
		if ((size_t)n < cap) {
			record_set_bytes(rec, ATTR_TARGET, p->fa.sb.buf, (size_t)n);
			return;
		}
		cap *= 2;	/* maybe truncated: the link grew since statx */
	}
}

static bool wants_any(const struct attrset *want, const enum attr_id *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (attrset_has(want, ids[i]))
			return true;
	return false;
}

static const enum attr_id xattr_ids[] = { ATTR_XATTRS, ATTR_ACL, ATTR_CAPS, ATTR_SELINUX };
/* Beside the hashes, what needs a regular file opened. */
static const enum attr_id fd_ids[] = {
	ATTR_XATTRS, ATTR_ACL, ATTR_CAPS, ATTR_SELINUX, ATTR_FLAGS,
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static int open_regular(const struct walk_entry *e)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd;

	/* O_NOATIME: reading for a check should not look like use; it is
	 * refused (EPERM) on files we do not own unless we are root. */
	do
		fd = openat(e->dirfd, e->name, flags | O_NOATIME);
	while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno == EPERM)
		do
			fd = openat(e->dirfd, e->name, flags);
		while (fd < 0 && errno == EINTR);
	return fd;
}

static int resource_error(struct probe *p, const struct walk_entry *e, int err)
{
	strbuf_reset(&p->path);
	text_add_escaped(&p->path, e->path, e->pathlen);
	return error("cannot open '%s': %s", p->path.buf, strerror(err));
}

int probe_file_meta(struct probe *p, const struct walk_entry *e, int dirfd_self,
		    const struct attrset *want, struct record *rec, struct probe_fd *out)
{
	struct statx stx = e->stx;
	struct attrset allowed;
	struct xsrc xs = { -1, NULL };
	bool is_root = e->namelen == 1 && e->name[0] == '/';
	bool hashing = wants_any(want, p->hash_ids, p->nhash);
	unsigned mask = probe_statx_mask(want) | (hashing ? PROBE_CONTENT_MASK : 0);
	int ft, fd = -1, flagfd = -1;

	out->fd = -1;
	if (e->err) {
		probe_set_error(rec, e->err);
		/* A directory that cannot be opened still has its stat: its
		 * mode going to 000 is worth recording. */
		if (!(stx.stx_mask & STATX_TYPE))
			return 0;
	}
	ft = ftype_from_mode(stx.stx_mode);
	if (ft == FT_REGULAR && (hashing || wants_any(want, fd_ids, N(fd_ids)))) {
		fd = open_regular(e);
		if (fd < 0 && errno == ELOOP) {
			/* A symlink now: record it as what it is. */
			if (statx(e->dirfd, e->name, AT_SYMLINK_NOFOLLOW, mask, &stx) < 0) {
				probe_set_error(rec, errno);
				return 0;
			}
			ft = ftype_from_mode(stx.stx_mode);
		} else if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOMEM)) {
			/* Not the file's trouble: no record may say it is. */
			return resource_error(p, e, errno);
		} else if (fd < 0) {
			probe_set_error(rec, errno);
		} else if (statx(fd, "", AT_EMPTY_PATH, mask, &stx) < 0) {
			probe_set_error(rec, errno);
			close(fd);
			fd = -1;
		} else if ((ft = ftype_from_mode(stx.stx_mode)) != FT_REGULAR) {
			/* Swapped between readdir and open; opened without
			 * blocking and never read. */
			close(fd);
			fd = -1;
		}
	}
	allowed = attr_for_type(ft);
	attrset_and(&allowed, want);
	set_stat_attrs(p, rec, &stx, &allowed);
	if (ft == FT_SYMLINK && attrset_has(&allowed, ATTR_TARGET))
		probe_target(p, e, rec);

	/* Where xattrs and flags come from. */
	if (ft == FT_REGULAR) {
		xs.fd = flagfd = fd;
	} else if (ft == FT_DIR && (dirfd_self >= 0 || is_root)) {
		xs.fd = flagfd = dirfd_self >= 0 ? dirfd_self : e->dirfd;
	} else if (!is_root && e->dirfd >= 0) {
		strbuf_reset(&p->path);
		strbuf_addf(&p->path, "/proc/self/fd/%d/", e->dirfd);
		strbuf_add(&p->path, e->name, e->namelen);
		xs.path = p->path.buf;
	}
	if ((xs.fd >= 0 || xs.path) && wants_any(&allowed, xattr_ids, N(xattr_ids)))
		fattr_read_xattrs(&p->fa, &xs, &allowed, rec);
	if (flagfd >= 0 && attrset_has(&allowed, ATTR_FLAGS))
		fattr_read_flags(flagfd, rec);

	if (fd >= 0 && wants_any(&allowed, p->hash_ids, p->nhash)) {
		out->fd = fd;
		out->stx = stx;
	} else if (fd >= 0) {
		close(fd);
	}
	return 0;
}
