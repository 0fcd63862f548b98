#include <linux/fs.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "imscan/attr.h"
#include "imscan/escape.h"
#include "imscan/record.h"
#include "imscan/timefmt.h"

#define F KINDBIT(KIND_FILE)
#define STD ATTRF_STANDARD
#define ND ATTRF_NOT_DIR
#define PO ATTRF_PORTABLE
#define U KINDBIT(KIND_USER)
#define G KINDBIT(KIND_GROUP)
#define PK KINDBIT(KIND_PACKAGE)
#define PT KINDBIT(KIND_PORT)
#define PR KINDBIT(KIND_PROCESS)
#define SV KINDBIT(KIND_SERVICE)
#define MD KINDBIT(KIND_MODULE)
#define MT KINDBIT(KIND_MOUNT)
#define BY ATTR_T_BYTES

const struct attr_info attr_table[ATTR__COUNT] = {
	[ATTR_TYPE]    = { "type",    ATTR_T_INT,   ATTR_PR_FTYPE, F, STD | PO, "file type" },
	[ATTR_MODE]    = { "mode",    ATTR_T_INT,   ATTR_PR_MODE,  F, STD | PO, "permission bits, setuid, setgid, sticky" },
	[ATTR_UID]     = { "uid",     ATTR_T_INT,   ATTR_PR_DEC,   F | U, STD, "owner's user id" },
	[ATTR_GID]     = { "gid",     ATTR_T_INT,   ATTR_PR_DEC,   F | U | G, STD, "group id" },
	[ATTR_OWNER]   = { "owner",   ATTR_T_BYTES, ATTR_PR_STR,   F, PO, "owner's name in the scanned root's /etc/passwd" },
	[ATTR_GROUP]   = { "group",   ATTR_T_BYTES, ATTR_PR_STR,   F, PO, "group's name in the scanned root's /etc/group" },
	[ATTR_SIZE]    = { "size",    ATTR_T_INT,   ATTR_PR_DEC,   F | MD, STD | ND | PO, "size in bytes" },
	[ATTR_MTIME]   = { "mtime",   ATTR_T_INT,   ATTR_PR_TIME,  F, STD | ND, "content modification time" },
	[ATTR_CTIME]   = { "ctime",   ATTR_T_INT,   ATTR_PR_TIME,  F, STD | ND, "inode change time" },
	[ATTR_ATIME]   = { "atime",   ATTR_T_INT,   ATTR_PR_TIME,  F, 0, "access time" },
	[ATTR_BTIME]   = { "btime",   ATTR_T_INT,   ATTR_PR_TIME,  F, 0, "birth time, where the file system keeps it" },
	[ATTR_INODE]   = { "inode",   ATTR_T_INT,   ATTR_PR_DEC,   F, STD, "inode number" },
	[ATTR_DEVICE]  = { "device",  ATTR_T_INT,   ATTR_PR_DEVNO, F, 0, "device of the containing file system" },
	[ATTR_NLINK]   = { "nlink",   ATTR_T_INT,   ATTR_PR_DEC,   F, STD | ND, "number of hard links" },
	[ATTR_BLOCKS]  = { "blocks",  ATTR_T_INT,   ATTR_PR_DEC,   F, 0, "512-byte blocks allocated" },
	[ATTR_RDEV]    = { "rdev",    ATTR_T_INT,   ATTR_PR_DEVNO, F, STD | PO, "device number of a device node" },
	[ATTR_TARGET]  = { "target",  ATTR_T_BYTES, ATTR_PR_STR,   F, STD | PO, "symbolic link target" },
	[ATTR_XATTRS]  = { "xattrs",  ATTR_T_BYTES, ATTR_PR_XATTRS, F, STD | PO, "extended attribute names and value digests" },
	[ATTR_ACL]     = { "acl",     ATTR_T_BYTES, ATTR_PR_STR,   F, STD | PO, "POSIX access and default ACL" },
	[ATTR_CAPS]    = { "caps",    ATTR_T_BYTES, ATTR_PR_STR,   F, STD | PO, "file capabilities" },
	[ATTR_SELINUX] = { "selinux", ATTR_T_BYTES, ATTR_PR_STR,   F, PO, "SELinux label" },
	[ATTR_FLAGS]   = { "flags",   ATTR_T_INT,   ATTR_PR_FLAGS, F, STD | PO, "chattr flags (immutable, append-only, ...)" },
	[ATTR_SHA256]  = { "sha256",  ATTR_T_BYTES, ATTR_PR_HEX,   F | PR | MD, ATTRF_HASH | PO, "SHA-256 of the content" },
	[ATTR_SHA512]  = { "sha512",  ATTR_T_BYTES, ATTR_PR_HEX,   F | PR | MD, ATTRF_HASH | PO, "SHA-512 of the content" },
	[ATTR_BLAKE2B] = { "blake2b", ATTR_T_BYTES, ATTR_PR_HEX,   F | PR | MD, ATTRF_HASH | PO, "BLAKE2b-256 of the content" },
	[ATTR_XXH128]  = { "xxh128",  ATTR_T_BYTES, ATTR_PR_HEX,   F | PR | MD, ATTRF_HASH | PO, "XXH3-128 of the content (fast, not cryptographic)" },
	[ATTR_ERROR]   = { "error",   ATTR_T_BYTES, ATTR_PR_STR,   ~0u, ATTRF_INTERNAL, "why the entity could not be read" },
	[ATTR_GECOS]   = { "gecos",   BY, ATTR_PR_STR, U, STD, "comment (full name) field" },
	[ATTR_HOME]    = { "home",    BY, ATTR_PR_STR, U, STD, "home directory" },
	[ATTR_SHELL]   = { "shell",   BY, ATTR_PR_STR, U, STD, "login shell" },
	[ATTR_PASSWORD] = { "password", BY, ATTR_PR_HEX, U, STD,
			    "keyed digest of the password hash (the hash is never stored)" },
	[ATTR_PASSWORD_STATE] = { "password_state", BY, ATTR_PR_STR, U, STD,
				  "locked, empty, set or none" },
	[ATTR_LAST_CHANGE] = { "last_change", ATTR_T_INT, ATTR_PR_DEC, U, STD,
			       "day of the last password change (days since 1970-01-01)" },
	[ATTR_MIN_DAYS] = { "min_days", ATTR_T_INT, ATTR_PR_DEC, U, STD, "minimum password age" },
	[ATTR_MAX_DAYS] = { "max_days", ATTR_T_INT, ATTR_PR_DEC, U, STD, "maximum password age" },
	[ATTR_WARN_DAYS] = { "warn_days", ATTR_T_INT, ATTR_PR_DEC, U, STD, "password warning period" },
	[ATTR_INACTIVE_DAYS] = { "inactive_days", ATTR_T_INT, ATTR_PR_DEC, U, STD,
				 "password inactivity period" },
	[ATTR_EXPIRE]  = { "expire",  ATTR_T_INT, ATTR_PR_DEC, U, STD,
			   "account expiry (days since 1970-01-01)" },
	[ATTR_GROUPS]  = { "groups",  BY, ATTR_PR_STR, U, STD, "supplementary groups" },
	[ATTR_MEMBERS] = { "members", BY, ATTR_PR_STR, G, STD, "member users" },
	[ATTR_ADMINS]  = { "admins",  BY, ATTR_PR_STR, G, STD, "group administrators (gshadow)" },
	[ATTR_VERSION] = { "version", BY, ATTR_PR_STR, PK, STD, "package version" },
	[ATTR_ARCH]    = { "arch",    BY, ATTR_PR_STR, PK, STD, "package architecture" },
	[ATTR_STATUS]  = { "status",  BY, ATTR_PR_STR, PK, STD, "dpkg want, flag and status" },
	[ATTR_MD5SUMS] = { "md5sums", BY, ATTR_PR_HEX, PK, STD,
			   "digest of the package's md5sums list" },
	[ATTR_ENABLED] = { "enabled", BY, ATTR_PR_STR, SV, STD,
			   "enabled state as systemctl is-enabled prints it" },
	[ATTR_UNIT]    = { "unit",    BY, ATTR_PR_HEX, SV, STD, "digest of the unit file" },
	[ATTR_DROPINS] = { "dropins", BY, ATTR_PR_HEX, SV, STD, "digest of the unit's drop-in files" },
	[ATTR_PATH]    = { "path",    BY, ATTR_PR_STR, SV | MD, STD, "the file it resolves to" },
	[ATTR_ACTIVE]  = { "active",  BY, ATTR_PR_STR, SV, 0, "active or inactive (live only)" },
	[ATTR_EXE]     = { "exe",     BY, ATTR_PR_STR, PT, STD, "executables of the owning processes" },
	[ATTR_USER]    = { "user",    BY, ATTR_PR_STR, PT | PR, 0, "users of the owning processes" },
	[ATTR_DELETED] = { "deleted", ATTR_T_INT, ATTR_PR_DEC, PR, STD,
			   "1 if the running executable was deleted" },
	[ATTR_COUNT]   = { "count",   ATTR_T_INT, ATTR_PR_DEC, PR, 0, "number of processes" },
	[ATTR_CMDLINE] = { "cmdline", BY, ATTR_PR_STR, PR, 0, "command lines" },
	[ATTR_STATE]   = { "state",   BY, ATTR_PR_STR, MD, STD, "Live, Loading or Unloading" },
	[ATTR_TAINT]   = { "taint",   BY, ATTR_PR_STR, MD, STD, "taint flags" },
	[ATTR_SOURCE]  = { "source",  BY, ATTR_PR_STR, MT, STD, "what is mounted" },
	[ATTR_FSTYPE]  = { "fstype",  BY, ATTR_PR_STR, MT, STD, "file system type" },
	[ATTR_OPTIONS] = { "options", BY, ATTR_PR_STR, MT, STD, "mount and super block options" },
};

static const char *const kind_names[KIND__COUNT] = {
	"file", "user", "group", "package", "port", "process", "service", "module", "mount",
};

const char *kind_name(enum kind k)
{
	return (unsigned)k < KIND__COUNT ? kind_names[k] : "unknown";
}

int kind_parse(const char *name, enum kind *out)
{
	for (int k = 0; k < KIND__COUNT; k++) {
		if (!strcmp(name, kind_names[k])) {
			*out = (enum kind)k;
			return 0;
		}
	}
	return -1;
}

int attr_lookup(const char *name, enum attr_id *out)
{
	for (int a = 0; a < ATTR__COUNT; a++) {
		if (!strcmp(name, attr_table[a].name)) {
			*out = (enum attr_id)a;
			return 0;
		}
	}
	return -1;
}

struct attrset attr_standard(enum kind k, enum attr_id hash)
{
	struct attrset s = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR__COUNT; a++)
		if ((attr_table[a].flags & STD) && (attr_table[a].kinds & KINDBIT(k)))
			attrset_add(&s, (enum attr_id)a);
	if (attr_is_hash(hash) && (attr_table[hash].kinds & KINDBIT(k)))
		attrset_add(&s, hash);
	return s;
}

struct attrset attr_portable(void)
{
	struct attrset s = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR__COUNT; a++)
		if (attr_table[a].flags & PO)
			attrset_add(&s, (enum attr_id)a);
	return s;
}

/* A number and the name that stands for it in portable comparisons. */
static const struct { enum attr_id num, name; } named_ids[] = {
	{ ATTR_UID, ATTR_OWNER },
	{ ATTR_GID, ATTR_GROUP },
};

/* chattr flags a user set (FS_FL_USER_MODIFIABLE), 0 where none are
 * recorded: not those a file system sets itself (extents, indexed,
 * inline-data), which differ between file system types. */
static int64_t user_flags(const struct record *r)
{
	return record_has(r, ATTR_FLAGS) ? r->val[ATTR_FLAGS].i & FS_FL_USER_MODIFIABLE : 0;
}

struct attrset attr_portable_narrow(const struct attrset *which,
				    const struct attrset *portable,
				    const struct record *a, const struct record *b)
{
	struct attrset out = *which;

	attrset_and(&out, portable);
	if (user_flags(a) == user_flags(b))
		attrset_del(&out, ATTR_FLAGS);
	for (size_t i = 0; i < sizeof(named_ids) / sizeof(named_ids[0]); i++) {
		enum attr_id num = named_ids[i].num, name = named_ids[i].name;

		if (!attrset_has(which, num) && !attrset_has(which, name))
			continue;
		if (record_has(a, name) && record_has(b, name)) {
			attrset_add(&out, name);
			if (!attrset_has(portable, num))
				attrset_del(&out, num);
		} else {
			attrset_del(&out, name);
			if (attrset_has(which, num))
				attrset_add(&out, num);
		}
	}
	return out;
}

struct attrset attr_for_type(int ft)
{
	struct attrset s = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR__COUNT; a++) {
		enum attr_id id = (enum attr_id)a;

		if (!(attr_table[a].kinds & F))
			continue;
		if (ft == FT_DIR && (attr_table[a].flags & ND))
			continue;
		if (attr_is_hash(id) && ft != FT_REGULAR)
			continue;
		if (id == ATTR_TARGET && ft != FT_SYMLINK)
			continue;
		if (id == ATTR_RDEV && ft != FT_CHARDEV && ft != FT_BLOCKDEV)
			continue;
		attrset_add(&s, id);
	}
	return s;
}

static const char *const ftype_names[] = {
	"unknown", "regular", "dir", "symlink", "fifo", "socket", "chardev", "blockdev",
};

const char *ftype_name(int ft)
{
	if (ft < 0 || ft > FT_BLOCKDEV)
		ft = FT_UNKNOWN;
	return ftype_names[ft];
}

int ftype_from_mode(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return FT_REGULAR;
	case S_IFDIR:	return FT_DIR;
	case S_IFLNK:	return FT_SYMLINK;
	case S_IFIFO:	return FT_FIFO;
	case S_IFSOCK:	return FT_SOCKET;
	case S_IFCHR:	return FT_CHARDEV;
	case S_IFBLK:	return FT_BLOCKDEV;
	default:	return FT_UNKNOWN;
	}
}

/* chattr flags by the names lsattr(1) documents, in its letter order. */
static const struct { unsigned long bit; const char *name; } flag_names[] = {
	{ FS_SECRM_FL, "secure-deletion" },
	{ FS_UNRM_FL, "undelete" },
	{ FS_SYNC_FL, "sync" },
	{ FS_DIRSYNC_FL, "dirsync" },
	{ FS_IMMUTABLE_FL, "immutable" },
	{ FS_APPEND_FL, "append" },
	{ FS_NODUMP_FL, "nodump" },
	{ FS_NOATIME_FL, "noatime" },
	{ FS_COMPR_FL, "compressed" },
	{ FS_ENCRYPT_FL, "encrypted" },
	{ FS_JOURNAL_DATA_FL, "journal-data" },
	{ FS_INDEX_FL, "indexed" },
	{ FS_NOTAIL_FL, "notail" },
	{ FS_TOPDIR_FL, "topdir" },
	{ FS_EXTENT_FL, "extents" },
	{ FS_NOCOW_FL, "nocow" },
	{ FS_DAX_FL, "dax" },
	{ FS_CASEFOLD_FL, "casefold" },
	{ FS_INLINE_DATA_FL, "inline-data" },
	{ FS_PROJINHERIT_FL, "project-inherit" },
	{ FS_VERITY_FL, "verity" },
	{ FS_NOCOMP_FL, "nocompress" },
};

static void format_flags(struct strbuf *out, unsigned long v)
{
	const char *sep = "";

	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (v & flag_names[i].bit) {
			strbuf_adds(out, sep);
			strbuf_adds(out, flag_names[i].name);
			v &= ~flag_names[i].bit;
			sep = ",";
		}
	}
	if (v)
		strbuf_addf(out, "%s0x%lx", sep, v);
}

void attr_format_time_prec(struct strbuf *out, int64_t ns, int digits)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	char buf[TIMEFMT_SECOND_MAX];
	size_t len;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	len = timefmt_second(buf, sec);
	if (!len) {
		strbuf_addc(out, '@');
		strbuf_add_i64(out, ns);
		return;
	}
	strbuf_add(out, buf, len);
	for (int d = digits; d < 9; d++)
		frac /= 10;
	if (digits > 0) {
		strbuf_addc(out, '.');
		strbuf_add_u64_pad(out, (uint64_t)frac, digits);
	}
	strbuf_addc(out, 'Z');
}

static void format_hex(struct strbuf *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *q;

	strbuf_grow(out, 2 * n);
	q = out->buf + out->len;
	for (size_t i = 0; i < n; i++) {
		*q++ = hex[p[i] >> 4];
		*q++ = hex[p[i] & 15];
	}
	strbuf_setlen(out, out->len + 2 * n);
}

/* The permission bits as four octal digits ("%04llo" of v & 07777). */
static void format_mode(struct strbuf *out, int64_t v)
{
	unsigned m = (unsigned)v & 07777;
	char o[4] = { (char)('0' + (m >> 9)), (char)('0' + (m >> 6 & 7)),
		      (char)('0' + (m >> 3 & 7)), (char)('0' + (m & 7)) };

	strbuf_add(out, o, sizeof(o));
}

static void format_str(struct strbuf *out, const unsigned char *p, size_t n,
		       enum attr_style style)
{
	if (style == ATTR_STYLE_JSON)
		json_add_string(out, p, n);
	else
		text_add_escaped(out, p, n);
}

static void format_xattrs(struct strbuf *out, const unsigned char *p, size_t n,
			  enum attr_style style)
{
	const char *sep = "";
	size_t i = 0;

	strbuf_adds(out, style == ATTR_STYLE_JSON ? "{" : "");
	while (i < n) {
		const unsigned char *nul = memchr(p + i, 0, n - i);
		size_t namelen = nul ? (size_t)(nul - (p + i)) : n - i;

		strbuf_adds(out, sep);
		format_str(out, p + i, namelen, style);
		strbuf_addc(out, style == ATTR_STYLE_JSON ? ':' : '=');
		i += namelen + 1;
		if (style == ATTR_STYLE_JSON)
			strbuf_addc(out, '"');
		if (i + ATTR_XATTR_DIGEST_LEN <= n)
			format_hex(out, p + i, ATTR_XATTR_DIGEST_LEN);
		if (style == ATTR_STYLE_JSON)
			strbuf_addc(out, '"');
		i += ATTR_XATTR_DIGEST_LEN;
		sep = ",";
	}
	strbuf_adds(out, style == ATTR_STYLE_JSON ? "}" : "");
}

void attr_format(struct strbuf *out, const struct record *r, enum attr_id id,
		 enum attr_style style)
{
	const struct attr_info *ai = &attr_table[id];
	const char *q = style == ATTR_STYLE_JSON ? "\"" : "";
	int64_t v = r->val[id].i;
	const unsigned char *p = NULL;
	size_t n = 0;

	if (ai->type == ATTR_T_BYTES)
		p = record_bytes(r, id, &n);
	switch (ai->print) {
	case ATTR_PR_DEC:
		strbuf_add_i64(out, v);
		break;
	case ATTR_PR_MODE:
		strbuf_adds(out, q);
		format_mode(out, v);
		strbuf_adds(out, q);
		break;
	case ATTR_PR_TIME:
		strbuf_adds(out, q);
		attr_format_time(out, v);
		strbuf_adds(out, q);
		break;
	case ATTR_PR_FTYPE:
		strbuf_adds(out, q);
		strbuf_adds(out, ftype_name((int)v));
		strbuf_adds(out, q);
		break;
	case ATTR_PR_DEVNO:
		strbuf_adds(out, q);
		strbuf_add_u64(out, major((dev_t)v));
		strbuf_addc(out, ':');
		strbuf_add_u64(out, minor((dev_t)v));
		strbuf_adds(out, q);
		break;
	case ATTR_PR_FLAGS:
		strbuf_adds(out, q);
		format_flags(out, (unsigned long)v);
		strbuf_adds(out, q);
		break;
	case ATTR_PR_HEX:
		strbuf_adds(out, q);
		format_hex(out, p, n);
		strbuf_adds(out, q);
		break;
	case ATTR_PR_STR:
		format_str(out, p, n, style);
		break;
	case ATTR_PR_XATTRS:
		format_xattrs(out, p, n, style);
		break;
	}
}

void attr_json_member(struct strbuf *out, const struct record *r, enum attr_id id)
{
	const unsigned char *p;
	size_t n;

	if (attr_table[id].print == ATTR_PR_STR) {
		p = record_bytes(r, id, &n);
		json_add_member_bytes(out, attr_table[id].name, p, n);
		return;
	}
	/* attribute names are plain ASCII: nothing to escape */
	strbuf_addc(out, '"');
	strbuf_adds(out, attr_table[id].name);
	strbuf_add(out, "\":", 2);
	attr_format(out, r, id, ATTR_STYLE_JSON);
}

/* Both have id: are the values equal? */
static bool value_equal(const struct record *a, const struct record *b, enum attr_id id)
{
	const unsigned char *pa, *pb;
	size_t na, nb;

	if (attr_table[id].type == ATTR_T_INT)
		return a->val[id].i == b->val[id].i;
	pa = record_bytes(a, id, &na);
	pb = record_bytes(b, id, &nb);
	return na == nb && !memcmp(pa, pb, na);
}

bool attr_equal(const struct record *a, const struct record *b, enum attr_id id)
{
	bool ha = record_has(a, id), hb = record_has(b, id);

	if (ha != hb)
		return false;
	return !ha || value_equal(a, b, id);
}

struct attrset attr_changed(const struct record *a, const struct record *b,
			    const struct attrset *which)
{
	struct attrset out;

	for (int w = 0; w < 2; w++) {
		uint64_t both = a->present.w[w] & b->present.w[w] & which->w[w];

		/* present in one only: changed, without a look at the values */
		out.w[w] = (a->present.w[w] ^ b->present.w[w]) & which->w[w];
		while (both) {
			int bit = __builtin_ctzll(both);
			enum attr_id id = (enum attr_id)(w * 64 + bit);

			both &= both - 1;
			if (!value_equal(a, b, id))
				out.w[w] |= (uint64_t)1 << bit;
		}
	}
	return out;
}
