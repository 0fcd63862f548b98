/*
 * attr.h - the attribute registry.
 *
 * Every attribute any entity can have is one row of attr_table[]: its name
 * (as in rules and events), its value type, how it prints, which kinds of
 * entity have it and whether STANDARD includes it. The baseline format, the
 * diff and the event writers work from this table alone and never need to
 * know what a user or a file is.
 *
 * The enum value of an attribute is its id in baseline files: append new
 * attributes at the end (before ATTR__COUNT) and never renumber.
 */
#ifndef IMSCAN_ATTR_H
#define IMSCAN_ATTR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "imscan/strbuf.h"

enum kind {
	KIND_FILE,
	KIND_USER,
	KIND_GROUP,
	KIND_PACKAGE,
	KIND_PORT,
	KIND_PROCESS,
	KIND_SERVICE,
	KIND_MODULE,
	KIND_MOUNT,
	KIND__COUNT
};

#define KINDBIT(k) (1u << (k))

const char *kind_name(enum kind k);
/* Returns 0 and sets *out, or -1 (no message) when the name is unknown. */
int kind_parse(const char *name, enum kind *out);

enum attr_id {
	ATTR_TYPE,	/* file type: FT_* */
	ATTR_MODE,	/* permission bits incl. setuid/setgid/sticky */
	ATTR_UID,
	ATTR_GID,
	ATTR_OWNER,	/* user name of uid, from the scanned root's passwd */
	ATTR_GROUP,	/* group name of gid, from the scanned root's group */
	ATTR_SIZE,
	ATTR_MTIME,	/* nanoseconds since the epoch */
	ATTR_CTIME,
	ATTR_ATIME,
	ATTR_BTIME,
	ATTR_INODE,
	ATTR_DEVICE,	/* st_dev of the containing file system */
	ATTR_NLINK,
	ATTR_BLOCKS,	/* 512-byte blocks allocated */
	ATTR_RDEV,	/* device number of a chardev/blockdev node */
	ATTR_TARGET,	/* symlink target, raw bytes */
	ATTR_XATTRS,	/* ATTR_PR_XATTRS encoding, see below */
	ATTR_ACL,	/* POSIX ACL in short text form, absent if none */
	ATTR_CAPS,	/* file capabilities in cap_to_text(3) form */
	ATTR_SELINUX,	/* security.selinux label */
	ATTR_FLAGS,	/* chattr flags, FS_IOC_GETFLAGS bits */
	ATTR_SHA256,
	ATTR_SHA512,
	ATTR_BLAKE2B,	/* BLAKE2b-256 */
	ATTR_XXH128,	/* XXH3-128, not cryptographic */
	ATTR_ERROR,	/* why the entity could not be read fully */
	/* Non-file entities (issue 12). */
	ATTR_GECOS,	/* user: comment field of passwd */
	ATTR_HOME,
	ATTR_SHELL,
	ATTR_PASSWORD,	/* user: BLAKE2b keyed with the baseline's key, of the hash */
	ATTR_PASSWORD_STATE,	/* user: "locked", "empty", "set" or "none" */
	ATTR_LAST_CHANGE,	/* user: days since 1970-01-01 (shadow) */
	ATTR_MIN_DAYS,
	ATTR_MAX_DAYS,
	ATTR_WARN_DAYS,
	ATTR_INACTIVE_DAYS,
	ATTR_EXPIRE,	/* user: account expiry, days since 1970-01-01 */
	ATTR_GROUPS,	/* user: supplementary group names, sorted, ',' separated */
	ATTR_MEMBERS,	/* group: member names as listed, ',' separated */
	ATTR_ADMINS,	/* group: gshadow administrators */
	ATTR_VERSION,	/* package */
	ATTR_ARCH,	/* package: architecture */
	ATTR_STATUS,	/* package: "want flag status" of dpkg */
	ATTR_MD5SUMS,	/* package: BLAKE2b-256 of its md5sums list */
	ATTR_ENABLED,	/* service: as systemctl is-enabled prints it */
	ATTR_UNIT,	/* service: BLAKE2b-256 of the unit file */
	ATTR_DROPINS,	/* service: BLAKE2b-256 over its drop-in files */
	ATTR_PATH,	/* service: the unit file it resolves to; module: its file */
	ATTR_ACTIVE,	/* service: live only, "active" or "inactive" */
	ATTR_EXE,	/* port: owning executables, ',' separated */
	ATTR_USER,	/* port, process: owning user names, ',' separated */
	ATTR_DELETED,	/* process: 1 if the executable was deleted */
	ATTR_COUNT,	/* process: number of processes */
	ATTR_CMDLINE,	/* process: distinct command lines, '\n' separated */
	ATTR_STATE,	/* module: Live, Loading, Unloading */
	ATTR_TAINT,	/* module: taint flags, "" if none */
	ATTR_SOURCE,	/* mount: what is mounted */
	ATTR_FSTYPE,	/* mount */
	ATTR_OPTIONS,	/* mount: per-mount and super block options */
	ATTR__COUNT
};

enum attr_type {
	ATTR_T_INT,	/* int64 */
	ATTR_T_BYTES	/* byte string (may hold any bytes) */
};

/* How a value prints in events and `imscan show`. */
enum attr_print {
	ATTR_PR_DEC,	/* JSON number */
	ATTR_PR_MODE,	/* "4755" */
	ATTR_PR_TIME,	/* "2026-11-25T19:20:00.123456789Z" */
	ATTR_PR_FTYPE,	/* "regular", "dir", ... */
	ATTR_PR_DEVNO,	/* "8:1" (major:minor) */
	ATTR_PR_FLAGS,	/* "immutable,append" */
	ATTR_PR_HEX,	/* digest as lower-case hex */
	ATTR_PR_STR,	/* string (see event.h for non-UTF-8) */
	ATTR_PR_XATTRS	/* {"user.x":"<hex digest>",...} */
};

/*
 * ATTR_PR_XATTRS values are a sequence of items sorted by name, each
 * <name bytes> 0x00 <16-byte BLAKE2b-128 digest of the value>. Names never
 * contain NUL, so the encoding is unambiguous. security.capability,
 * security.selinux and system.posix_acl_* are left out: they have their own
 * attributes.
 */
#define ATTR_XATTR_DIGEST_LEN 16

/* attr_info.flags */
#define ATTRF_STANDARD	0x01u	/* in STANDARD */
#define ATTRF_NOT_DIR	0x02u	/* left out of STANDARD for directories */
#define ATTRF_HASH	0x04u	/* a content hash */
#define ATTRF_INTERNAL	0x08u	/* not selectable in rules */
#define ATTRF_PORTABLE	0x10u	/* can be equal between two copies of a file */

struct attr_info {
	const char *name;
	enum attr_type type;
	enum attr_print print;
	unsigned kinds;		/* KINDBIT()s of the kinds that have it */
	unsigned flags;		/* ATTRF_* */
	const char *help;
};

extern const struct attr_info attr_table[ATTR__COUNT];

static inline const char *attr_name(enum attr_id id)
{
	return attr_table[id].name;
}

/* Returns 0 and sets *out, or -1 (no message) when the name is unknown. */
int attr_lookup(const char *name, enum attr_id *out);

/* A set of attributes. */
struct attrset {
	uint64_t w[2];
};

#define ATTRSET_EMPTY ((struct attrset){ { 0, 0 } })

static inline void attrset_add(struct attrset *s, enum attr_id a)
{
	s->w[a / 64] |= (uint64_t)1 << (a % 64);
}

static inline void attrset_del(struct attrset *s, enum attr_id a)
{
	s->w[a / 64] &= ~((uint64_t)1 << (a % 64));
}

static inline bool attrset_has(const struct attrset *s, enum attr_id a)
{
	return (s->w[a / 64] >> (a % 64)) & 1;
}

static inline bool attrset_empty(const struct attrset *s)
{
	return !(s->w[0] | s->w[1]);
}

static inline void attrset_or(struct attrset *s, const struct attrset *o)
{
	s->w[0] |= o->w[0];
	s->w[1] |= o->w[1];
}

static inline void attrset_and(struct attrset *s, const struct attrset *o)
{
	s->w[0] &= o->w[0];
	s->w[1] &= o->w[1];
}

static inline bool attrset_eq(const struct attrset *a, const struct attrset *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1];
}

#define ATTRSET_FOREACH(id, set) \
	for (id = 0; id < ATTR__COUNT; id++) \
		if (attrset_has((set), (enum attr_id)id))

/*
 * STANDARD for one kind with the given content hash (ATTR_SHA256, ...).
 * For files this is the set for non-directories; attr_for_type() narrows
 * it for directories.
 */
struct attrset attr_standard(enum kind k, enum attr_id hash);

/* The attributes that an entry of file type ft (FT_*) can have. */
struct attrset attr_for_type(int ft);

/*
 * What check --portable compares of a file (imscan(1), PORTABLE
 * COMPARISONS): the attributes flagged ATTRF_PORTABLE, which a faithful
 * copy (cp -a, tar -p --xattrs --acls, rsync -aAX) keeps. Inode, device,
 * nlink, ctime, atime, btime, blocks and mtime are left out; a caller adds
 * back what it is asked for. uid and gid are not in it: see below.
 */
struct attrset attr_portable(void);

struct record;

/*
 * The attributes of which to compare between the copies a and b of one
 * file, given the portable set: which narrowed to portable, and where
 * which has uid (gid), the owner (group) name if both records have one,
 * else the number, so that copies on systems that number users apart
 * compare equal and a side without names still compares something; and
 * flags only if they differ in what a user can set (chattr(1)), since a
 * file system sets some itself (ext4's extents, none on tmpfs).
 */
struct attrset attr_portable_narrow(const struct attrset *which,
				    const struct attrset *portable,
				    const struct record *a, const struct record *b);

/* True if the attribute is a content hash (sha256, sha512, blake2b, xxh128). */
static inline bool attr_is_hash(enum attr_id a)
{
	return attr_table[a].flags & ATTRF_HASH;
}

/* File types (ATTR_TYPE values). */
enum file_type {
	FT_UNKNOWN,
	FT_REGULAR,
	FT_DIR,
	FT_SYMLINK,
	FT_FIFO,
	FT_SOCKET,
	FT_CHARDEV,
	FT_BLOCKDEV
};

const char *ftype_name(int ft);
int ftype_from_mode(unsigned mode);	/* st_mode -> FT_* */

/* Output styles for attr_format(). */
enum attr_style {
	ATTR_STYLE_JSON,	/* a JSON value */
	ATTR_STYLE_TEXT		/* readable, never raw control characters */
};

struct record;

/*
 * Appends the value of attribute id of r to out in the given style.
 * The attribute must be present in r.
 */
void attr_format(struct strbuf *out, const struct record *r, enum attr_id id,
		 enum attr_style style);

/*
 * Appends one JSON object member for attribute id of r: "name":value, and
 * for a string value that is not valid UTF-8 also "name_b64":"..." (see
 * escape.h). The attribute must be present in r.
 */
void attr_json_member(struct strbuf *out, const struct record *r, enum attr_id id);

/* Appends ns since the epoch as "2026-11-25T19:20:00.123456789Z", with
 * digits (0-9) places of fractional seconds. */
void attr_format_time_prec(struct strbuf *out, int64_t ns, int digits);
static inline void attr_format_time(struct strbuf *out, int64_t ns)
{
	attr_format_time_prec(out, ns, 9);
}

/* True if a and b have the same value (or both lack) attribute id. */
bool attr_equal(const struct record *a, const struct record *b, enum attr_id id);
/* The attributes of `which` that differ between a and b (attr_equal false),
 * in one pass over the set bits: the diff's hot path. */
struct attrset attr_changed(const struct record *a, const struct record *b,
			    const struct attrset *which);

#endif
