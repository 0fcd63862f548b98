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
 *
 * ACLs and capabilities are decoded from their xattr binary formats here
 * rather than through libacl and libcap: two small, stable kernel ABIs
 * against two more run-time dependencies. The text mimics getfacl's and
 * getcap's so that users recognise it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "imscan/digest.h"
#include "imscan/probe_file.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

#define NAMES_MAX_BYTES (64u << 20)	/* bound on a root's passwd or group file */
#define MAX_REREADS 3

/* POSIX ACL xattr format (linux/posix_acl_xattr.h), little-endian. */
#define PACL_VERSION	2
#define PACL_USER_OBJ	0x01
#define PACL_USER	0x02
#define PACL_GROUP_OBJ	0x04
#define PACL_GROUP	0x08
#define PACL_MASK	0x10
#define PACL_OTHER	0x20

/* security.capability format (linux/capability.h), little-endian. */
#define VCAP_REV_MASK	0xff000000u
#define VCAP_REV1	0x01000000u
#define VCAP_REV2	0x02000000u
#define VCAP_REV3	0x03000000u
#define VCAP_EFFECTIVE	0x000001u

#define XA_ACL_ACCESS	"system.posix_acl_access"
#define XA_ACL_DEFAULT	"system.posix_acl_default"
#define XA_CAPS		"security.capability"
#define XA_SELINUX	"security.selinux"

struct idname {
	uint32_t id;
	uint32_t order;		/* line number: the first of duplicates wins */
	char *name;
};

struct idtable {
	struct idname *v;
	size_t n;
};

struct probe {
	char *root;
	bool names_loaded;
	struct idtable users, groups;
	char *list;		/* listxattr buffer */
	size_t listcap;
	char *val;		/* getxattr buffer */
	size_t valcap;
	struct strbuf sb;
	struct strbuf path;
};

/* Where extended attributes are read from: a descriptor, or a path
 * (not followed if it is a symlink). */
struct xsrc {
	int fd;
	const char *path;
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

/* libcap's names, by bit number; numbers past the table print as digits. */
static const char *const cap_names[] = {
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
	"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
	"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
	"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
	"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
	"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore",
};
#define NCAP_NAMES (sizeof(cap_names) / sizeof(cap_names[0]))

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int64_t ts_ns(const struct statx_timestamp *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* ---- owner and group names --------------------------------------------- */

static int idname_cmp(const void *a, const void *b)
{
	const struct idname *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Opens <root>/<rel> for reading without leaving root, even through
 * absolute symlinks in an image. O_NONBLOCK: a FIFO planted there must not
 * hang the scan. Only regular files are accepted. -1 if absent or unusable.
 */
static int open_root_file(int rootfd, const char *rel)
{
	struct stat st;
	int fd = walk_open_in_root(rootfd, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * passwd and group share the layout that matters: name:x:id:...
 * True for a usable line [p, eol), with the id and the name's length.
 * NIS markers (+, -) and comments are not names.
 */
static bool parse_idline(const char *p, const char *eol, uint32_t *id, size_t *namelen)
{
	const char *c1 = memchr(p, ':', (size_t)(eol - p));
	const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
	uint64_t v = 0;
	const char *q;

	if (!c2 || c1 == p || *p == '+' || *p == '-' || *p == '#')
		return false;
	for (q = c2 + 1; q < eol && *q >= '0' && *q <= '9'; q++) {
		v = v * 10 + (uint64_t)(*q - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (q == c2 + 1 || (q < eol && *q != ':'))
		return false;
	*id = (uint32_t)v;
	*namelen = (size_t)(c1 - p);
	return true;
}

static void load_idfile(int rootfd, const char *rel, struct idtable *t)
{
	struct strbuf sb;
	char buf[65536];
	size_t cap = 0, k = 0;
	uint32_t line = 0;
	int fd = open_root_file(rootfd, rel);

	if (fd < 0)
		return;
	strbuf_init(&sb);
	while (sb.len < NAMES_MAX_BYTES) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	for (const char *p = sb.buf, *end = sb.buf + sb.len, *eol; p < end; p = eol + 1, line++) {
		uint32_t id;
		size_t namelen;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (!parse_idline(p, eol, &id, &namelen))
			continue;
		if (t->n == cap) {
			cap = cap ? 2 * cap : 64;
			t->v = xreallocarray(t->v, cap, sizeof(*t->v));
		}
		t->v[t->n].id = id;
		t->v[t->n].order = line;
		t->v[t->n].name = xstrndup(p, namelen);
		t->n++;
	}
	strbuf_release(&sb);
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), idname_cmp);
	/* Keep the first line for each id, as getpwuid() does. */
	for (size_t i = 0; i < t->n; i++) {
		if (k && t->v[k - 1].id == t->v[i].id) {
			free(t->v[i].name);
			continue;
		}
		t->v[k++] = t->v[i];
	}
	t->n = k;
}

static void load_names(struct probe *p)
{
	int rootfd;

	p->names_loaded = true;
	rootfd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	load_idfile(rootfd, "etc/passwd", &p->users);
	load_idfile(rootfd, "etc/group", &p->groups);
	close(rootfd);
}

static const char *id_lookup(const struct idtable *t, uint32_t id)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].id == id)
			return t->v[mid].name;
		if (t->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void idtable_release(struct idtable *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* ---- extended attributes ------------------------------------------------ */

static ssize_t xs_list(const struct xsrc *s, char *buf, size_t n)
{
	return s->fd >= 0 ? flistxattr(s->fd, buf, n) : llistxattr(s->path, buf, n);
}

static ssize_t xs_get(const struct xsrc *s, const char *name, void *buf, size_t n)
{
	return s->fd >= 0 ? fgetxattr(s->fd, name, buf, n) : lgetxattr(s->path, name, buf, n);
}

/* The names of s into p->list; returns their total length or -1. */
static ssize_t list_xattrs(struct probe *p, const struct xsrc *s)
{
	for (;;) {
		ssize_t n = xs_list(s, p->list, p->listcap);

		if (n >= 0)
			return n;
		if (errno != ERANGE)
			return -1;
		n = xs_list(s, NULL, 0);
		if (n < 0)
			return -1;
		p->listcap = (size_t)n + 256;
		p->list = xrealloc(p->list, p->listcap);
	}
}

/* The value of name into p->val; returns its length or -1. */
static ssize_t get_xattr(struct probe *p, const struct xsrc *s, const char *name)
{
	for (;;) {
		ssize_t n = xs_get(s, name, p->val, p->valcap);

		if (n >= 0)
			return n;
		if (errno != ERANGE)
			return -1;
		n = xs_get(s, name, NULL, 0);
		if (n < 0)
			return -1;
		p->valcap = (size_t)n + 256;
		p->val = xrealloc(p->val, p->valcap);
	}
}

static bool xattr_not_there(int err)
{
	return err == ENODATA || err == ENOTSUP || err == EOPNOTSUPP;
}

static void set_error(struct record *rec, int err)
{
	if (!record_has(rec, ATTR_ERROR))
		record_set_str(rec, ATTR_ERROR, strerror(err));
}

static int strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_own_attribute(const char *name)
{
	return !strcmp(name, XA_CAPS) || !strcmp(name, XA_SELINUX) ||
	       !strcmp(name, XA_ACL_ACCESS) || !strcmp(name, XA_ACL_DEFAULT);
}

/* True if name is in the list of len bytes that list_xattrs() left in p->list. */
static bool xattr_listed(const struct probe *p, ssize_t len, const char *name)
{
	for (const char *q = p->list; q < p->list + len; q += strlen(q) + 1)
		if (!strcmp(q, name))
			return true;
	return false;
}

/* ATTR_XATTRS: name NUL digest, sorted by name (attr.h), from the list
 * of len bytes that list_xattrs() left in p->list. */
static void probe_xattrs(struct probe *p, const struct xsrc *s, ssize_t len, struct record *rec)
{
	const char **names = NULL;
	size_t nnames = 0;
	char *copy = NULL;

	if (len == 0) {
		record_set_bytes(rec, ATTR_XATTRS, "", 0);
		return;
	}
	/* The names must outlive the value reads below. */
	copy = xmalloc((size_t)len + 1);
	memcpy(copy, p->list, (size_t)len);
	copy[len] = '\0';
	for (char *q = copy; q < copy + len; q += strlen(q) + 1) {
		if (!*q || has_own_attribute(q))
			continue;
		names = xreallocarray(names, nnames + 1, sizeof(*names));
		names[nnames++] = q;
	}
	if (nnames > 1)
		qsort(names, nnames, sizeof(*names), strptr_cmp);
	strbuf_reset(&p->sb);
	for (size_t i = 0; i < nnames; i++) {
		unsigned char dig[ATTR_XATTR_DIGEST_LEN];
		ssize_t vlen = get_xattr(p, s, names[i]);

		if (vlen < 0) {
			if (errno == ENODATA)
				continue;	/* removed since the listing */
			set_error(rec, errno);
			goto cleanup;
		}
		digest_blake2b(p->val, (size_t)vlen, dig, sizeof(dig));
		strbuf_add(&p->sb, names[i], strlen(names[i]) + 1);
		strbuf_add(&p->sb, dig, sizeof(dig));
	}
	record_set_bytes(rec, ATTR_XATTRS, p->sb.buf, p->sb.len);
cleanup:
	free(names);
	free(copy);
}

static void add_perm(struct strbuf *out, unsigned perm)
{
	strbuf_addc(out, perm & 4 ? 'r' : '-');
	strbuf_addc(out, perm & 2 ? 'w' : '-');
	strbuf_addc(out, perm & 1 ? 'x' : '-');
}

/* Appends one ACL xattr as getfacl's entries, comma-separated. */
static int acl_to_text(struct strbuf *out, const unsigned char *v, size_t n, const char *prefix)
{
	if (n < 4 || (n - 4) % 8 || le32(v) != PACL_VERSION)
		return -1;
	for (size_t off = 4; off < n; off += 8) {
		unsigned tag = le16(v + off), perm = le16(v + off + 2);
		uint32_t id = le32(v + off + 4);

		if (out->len)
			strbuf_addc(out, ',');
		strbuf_adds(out, prefix);
		switch (tag) {
		case PACL_USER_OBJ:	strbuf_adds(out, "user::"); break;
		case PACL_USER:		strbuf_addf(out, "user:%u:", id); break;
		case PACL_GROUP_OBJ:	strbuf_adds(out, "group::"); break;
		case PACL_GROUP:	strbuf_addf(out, "group:%u:", id); break;
		case PACL_MASK:		strbuf_adds(out, "mask::"); break;
		case PACL_OTHER:	strbuf_adds(out, "other::"); break;
		default:		return -1;
		}
		add_perm(out, perm);
	}
	return 0;
}

static void probe_acl(struct probe *p, const struct xsrc *s, struct record *rec)
{
	static const struct { const char *xattr, *prefix; } kinds[] = {
		{ XA_ACL_ACCESS, "" },
		{ XA_ACL_DEFAULT, "default:" },
	};

	strbuf_reset(&p->sb);
	for (size_t i = 0; i < 2; i++) {
		ssize_t n = get_xattr(p, s, kinds[i].xattr);

		if (n < 0) {
			if (xattr_not_there(errno) || errno == ENOENT)
				continue;
			set_error(rec, errno);
			return;
		}
		if (acl_to_text(&p->sb, (unsigned char *)p->val, (size_t)n, kinds[i].prefix) < 0) {
			if (!record_has(rec, ATTR_ERROR))
				record_set_str(rec, ATTR_ERROR, "invalid POSIX ACL");
			return;
		}
	}
	if (p->sb.len)
		record_set_bytes(rec, ATTR_ACL, p->sb.buf, p->sb.len);
}

/* A capability's state, valued as libcap's LIBCAP_EFF/INH/PER, whose
 * order decides the order of clauses in the text. */
#define CF_E 1
#define CF_P 2
#define CF_I 4

static void cap_flags(struct strbuf *out, unsigned f)
{
	if (f & CF_E)
		strbuf_addc(out, 'e');
	if (f & CF_I)
		strbuf_addc(out, 'i');
	if (f & CF_P)
		strbuf_addc(out, 'p');
}

static void cap_name(struct strbuf *out, unsigned n)
{
	if (n < NCAP_NAMES)
		strbuf_adds(out, cap_names[n]);
	else
		strbuf_addf(out, "%u", n);
}

/*
 * libcap's cap_to_text(): the most common state among the named bits is
 * the "=" base, then one clause per other state, from "eip" down. Bits
 * past the named ones follow as "+" clauses. Known bits are fixed at this
 * table's size rather than the running kernel's, so the text does not
 * depend on the host that scanned.
 */
static void caps_to_text(struct strbuf *out, const uint64_t set[3])
{
	int histo[8] = { 0 };
	unsigned st[64], m = 7;
	size_t start = out->len;
	bool lead_eq;

	for (unsigned n = 0; n < 64; n++) {
		uint64_t bit = (uint64_t)1 << n;

		st[n] = (set[0] & bit ? CF_E : 0) | (set[1] & bit ? CF_I : 0) |
			(set[2] & bit ? CF_P : 0);
		if (n < NCAP_NAMES)
			histo[st[n]]++;
	}
	for (int t = 7; t--;)
		if (histo[t] >= histo[m])
			m = (unsigned)t;
	strbuf_addc(out, '=');
	cap_flags(out, m);
	lead_eq = !m;
	for (unsigned t = 8; t--;) {
		const char *sep = "";

		if (t == m || !histo[t])
			continue;
		strbuf_addc(out, ' ');
		for (unsigned n = 0; n < NCAP_NAMES; n++) {
			if (st[n] != t)
				continue;
			strbuf_adds(out, sep);
			cap_name(out, n);
			sep = ",";
		}
		if (t & ~m) {
			char op = '+';

			/* "= a,b+ep" is said "a,b=ep", as libcap does. */
			if (lead_eq) {
				memmove(out->buf + start, out->buf + start + 2, out->len - start - 2);
				strbuf_setlen(out, out->len - 2);
				op = '=';
			}
			strbuf_addc(out, op);
			cap_flags(out, t & ~m);
		}
		if (~t & m) {
			strbuf_addc(out, '-');
			cap_flags(out, ~t & m);
		}
		lead_eq = false;
	}
	memset(histo, 0, sizeof(histo));
	for (unsigned n = NCAP_NAMES; n < 64; n++)
		histo[st[n]]++;
	for (unsigned t = 8; t-- > 1;) {
		const char *sep = "";

		if (!histo[t])
			continue;
		strbuf_addc(out, ' ');
		for (unsigned n = NCAP_NAMES; n < 64; n++) {
			if (st[n] != t)
				continue;
			strbuf_adds(out, sep);
			cap_name(out, n);
			sep = ",";
		}
		strbuf_addc(out, '+');
		cap_flags(out, t);
	}
}

/*
 * security.capability as getcap -n prints it: "cap_net_raw=ep", and for a
 * user-namespaced (v3) capability " [rootid=N]" after it.
 */
static int caps_decode(struct strbuf *out, const unsigned char *v, size_t n)
{
	uint64_t set[3] = { 0, 0, 0 };	/* effective, inheritable, permitted */
	uint32_t magic, rev, words, rootid = 0;

	if (n < 4)
		return -1;
	magic = le32(v);
	rev = magic & VCAP_REV_MASK;
	if (rev == VCAP_REV1 && n == 12)
		words = 1;
	else if (rev == VCAP_REV2 && n == 20)
		words = 2;
	else if (rev == VCAP_REV3 && n == 24)
		words = 2;
	else
		return -1;
	for (uint32_t i = 0; i < words; i++) {
		set[2] |= (uint64_t)le32(v + 4 + 8 * i) << (32 * i);
		set[1] |= (uint64_t)le32(v + 8 + 8 * i) << (32 * i);
	}
	/* One effective bit in the file: it raises everything permitted or
	 * inherited, which is how libcap presents it. */
	if (magic & VCAP_EFFECTIVE)
		set[0] = set[1] | set[2];
	if (rev == VCAP_REV3)
		rootid = le32(v + 20);
	caps_to_text(out, set);
	if (rootid)
		strbuf_addf(out, " [rootid=%u]", rootid);
	return 0;
}

static void probe_caps(struct probe *p, const struct xsrc *s, struct record *rec)
{
	ssize_t n = get_xattr(p, s, XA_CAPS);

	if (n < 0) {
		if (!xattr_not_there(errno) && errno != ENOENT)
			set_error(rec, errno);
		return;
	}
	strbuf_reset(&p->sb);
	if (caps_decode(&p->sb, (unsigned char *)p->val, (size_t)n) < 0) {
		if (!record_has(rec, ATTR_ERROR))
			record_set_str(rec, ATTR_ERROR, "invalid security.capability");
		return;
	}
	record_set_bytes(rec, ATTR_CAPS, p->sb.buf, p->sb.len);
}

static void probe_selinux(struct probe *p, const struct xsrc *s, struct record *rec)
{
	ssize_t n = get_xattr(p, s, XA_SELINUX);

	if (n < 0) {
		if (!xattr_not_there(errno) && errno != ENOENT)
			set_error(rec, errno);
		return;
	}
	/* The kernel stores the label with its NUL; the text is without. */
	while (n > 0 && p->val[n - 1] == '\0')
		n--;
	record_set_bytes(rec, ATTR_SELINUX, p->val, (size_t)n);
}

/*
 * One listing serves all xattr-based attributes: most files have none,
 * and asking for each by name would cost a failing syscall apiece.
 */
static void probe_all_xattrs(struct probe *p, const struct xsrc *s,
			     const struct attrset *allowed, struct record *rec)
{
	ssize_t len = list_xattrs(p, s);

	if (len < 0) {
		if (xattr_not_there(errno))
			len = 0;
		else {
			if (errno != ENOENT)
				set_error(rec, errno);
			return;
		}
	}
	if (attrset_has(allowed, ATTR_XATTRS))
		probe_xattrs(p, s, len, rec);
	if (attrset_has(allowed, ATTR_ACL) &&
	    (xattr_listed(p, len, XA_ACL_ACCESS) || xattr_listed(p, len, XA_ACL_DEFAULT)))
		probe_acl(p, s, rec);
	if (attrset_has(allowed, ATTR_CAPS) && xattr_listed(p, len, XA_CAPS))
		probe_caps(p, s, rec);
	if (attrset_has(allowed, ATTR_SELINUX) && xattr_listed(p, len, XA_SELINUX))
		probe_selinux(p, s, rec);
}

static void probe_flags(int fd, struct record *rec)
{
	int flags = 0;	/* the kernel reads and writes an int, whatever the macro says */

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0)
		record_set_int(rec, ATTR_FLAGS, (unsigned)flags);
	/* ENOTTY, EOPNOTSUPP, EINVAL: no such flags here; leave it absent. */
}

/* ---- the probe ---------------------------------------------------------- */

struct probe *probe_new(const char *root)
{
	struct probe *p = xcalloc(1, sizeof(*p));

	p->root = xstrdup(root && *root ? root : "/");
	/* Never 0: a size of 0 asks the kernel for the length instead. */
	p->listcap = p->valcap = 1024;
	p->list = xmalloc(p->listcap);
	p->val = xmalloc(p->valcap);
	strbuf_init(&p->sb);
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
	free(p->list);
	free(p->val);
	strbuf_release(&p->sb);
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
	if ((stx->stx_mask & STATX_UID) && attrset_has(want, ATTR_OWNER)) {
		if (!p->names_loaded)
			load_names(p);
		if ((name = id_lookup(&p->users, stx->stx_uid)))
			record_set_str(rec, ATTR_OWNER, name);
	}
	if ((stx->stx_mask & STATX_GID) && attrset_has(want, ATTR_GROUP)) {
		if (!p->names_loaded)
			load_names(p);
		if ((name = id_lookup(&p->groups, stx->stx_gid)))
			record_set_str(rec, ATTR_GROUP, name);
	}
	if ((stx->stx_mask & STATX_SIZE) && attrset_has(want, ATTR_SIZE))
		record_set_int(rec, ATTR_SIZE, (int64_t)stx->stx_size);
	if ((stx->stx_mask & STATX_MTIME) && attrset_has(want, ATTR_MTIME))
		record_set_int(rec, ATTR_MTIME, ts_ns(&stx->stx_mtime));
	if ((stx->stx_mask & STATX_CTIME) && attrset_has(want, ATTR_CTIME))
		record_set_int(rec, ATTR_CTIME, ts_ns(&stx->stx_ctime));
	if ((stx->stx_mask & STATX_ATIME) && attrset_has(want, ATTR_ATIME))
		record_set_int(rec, ATTR_ATIME, ts_ns(&stx->stx_atime));
	if ((stx->stx_mask & STATX_BTIME) && attrset_has(want, ATTR_BTIME))
		record_set_int(rec, ATTR_BTIME, ts_ns(&stx->stx_btime));
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

		strbuf_reset(&p->sb);
		strbuf_grow(&p->sb, cap);
		n = readlinkat(e->dirfd, e->name, p->sb.buf, cap);
		if (n < 0) {
			set_error(rec, errno);
			return;
		}
		if ((size_t)n < cap) {
			record_set_bytes(rec, ATTR_TARGET, p->sb.buf, (size_t)n);
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
static const enum attr_id hash_ids[] = { ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128 };
static const enum attr_id fd_ids[] = {
	ATTR_XATTRS, ATTR_ACL, ATTR_CAPS, ATTR_SELINUX, ATTR_FLAGS,
	ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128,
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

/* What the content hash needs of the descriptor's statx. */
#define CONTENT_MASK (STATX_SIZE | STATX_MTIME | STATX_CTIME | STATX_BLOCKS)

int probe_file_meta(struct probe *p, const struct walk_entry *e, int dirfd_self,
		    const struct attrset *want, struct record *rec, struct probe_fd *out)
{
	struct statx stx = e->stx;
	struct attrset allowed;
	struct xsrc xs = { -1, NULL };
	bool is_root = e->namelen == 1 && e->name[0] == '/';
	bool hashing = wants_any(want, hash_ids, N(hash_ids));
	unsigned mask = probe_statx_mask(want) | (hashing ? CONTENT_MASK : 0);
	int ft, fd = -1, flagfd = -1;

	out->fd = -1;
	if (e->err) {
		set_error(rec, e->err);
		/* A directory that cannot be opened still has its stat: its
		 * mode going to 000 is worth recording. */
		if (!(stx.stx_mask & STATX_TYPE))
			return 0;
	}
	ft = ftype_from_mode(stx.stx_mode);
	if (ft == FT_REGULAR && wants_any(want, fd_ids, N(fd_ids))) {
		fd = open_regular(e);
		if (fd < 0 && errno == ELOOP) {
			/* A symlink now: record it as what it is. */
			if (statx(e->dirfd, e->name, AT_SYMLINK_NOFOLLOW, mask, &stx) < 0) {
				set_error(rec, errno);
				return 0;
			}
			ft = ftype_from_mode(stx.stx_mode);
		} else if (fd < 0) {
			set_error(rec, errno);
		} else if (statx(fd, "", AT_EMPTY_PATH, mask, &stx) < 0) {
			set_error(rec, errno);
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
		probe_all_xattrs(p, &xs, &allowed, rec);
	if (flagfd >= 0 && attrset_has(&allowed, ATTR_FLAGS))
		probe_flags(flagfd, rec);

	if (fd >= 0 && wants_any(&allowed, hash_ids, N(hash_ids))) {
		out->fd = fd;
		out->stx = stx;
	} else if (fd >= 0) {
		close(fd);
	}
	return 0;
}

/* ---- content ------------------------------------------------------------ */

/*
 * Zero runs. A file's content hash is the hash of its bytes, what
 * sha256sum prints, unless at least PROBE_ZERO_RUN_MIN of them lie in
 * zero chunks: PROBE_CHUNK-sized, PROBE_CHUNK-aligned pieces of the file
 * that are all zero. Then it is the hash of the zero-run encoding of the
 * content (imscan(1), HARDENING): ZR_MAGIC, then for each chunk in order
 * 'D' and its bytes (the last chunk may be shorter), except that each
 * maximal run of N zero chunks is 'Z' and N as 8 bytes little-endian.
 *
 * Holes (SEEK_DATA/SEEK_HOLE) are zero chunks that need no reading, so a
 * 1 TiB sparse file hashes in the time of its data, not in the ten minutes
 * that hashing a TiB of zeros takes: a user who may create files in a
 * monitored tree must not be able to stall the scan for free. Since the
 * encoding depends on the bytes alone, never on which of them are holes, a
 * file copied sparse or dense keeps its hash; and below the threshold,
 * where feeding holes as zeros costs at most a fraction of a second, the
 * hash stays comparable with the usual tools.
 */
#define ZR_MAGIC "imscan zero-run digest 1\n"

static const unsigned char zeros[PROBE_CHUNK];

struct hasher {
	int fd;
	struct digest_ctx *d;
	unsigned char *buf;
	size_t bufsize;		/* a multiple of PROBE_CHUNK */
	uint64_t size;		/* as statx said before reading */
	bool sparse;		/* look for holes */
	bool zr;		/* the zero-run encoding */
	uint64_t zbytes;	/* plain: bytes in zero chunks so far */
	uint64_t run;		/* zr: zero chunks not yet written */
};

static bool all_zero(const unsigned char *p, size_t n)
{
	return !p[0] && !memcmp(p, p + 1, n - 1);
}

static void flush_run(struct hasher *h)
{
	unsigned char z[9] = { 'Z' };

	if (!h->run)
		return;
	for (int i = 0; i < 8; i++)
		z[1 + i] = (unsigned char)(h->run >> (8 * i));
	digest_update(h->d, z, sizeof(z));
	h->run = 0;
}

/*
 * n zero chunks; p holds their bytes, or is NULL for a hole. 1 when the
 * plain hash reaches the threshold: start over with the encoding.
 */
static int zero_chunks(struct hasher *h, const unsigned char *p, uint64_t n)
{
	if (h->zr) {
		h->run += n;
		return 0;
	}
	if (h->zbytes + n * PROBE_CHUNK >= PROBE_ZERO_RUN_MIN)
		return 1;
	h->zbytes += n * PROBE_CHUNK;
	for (; n; n--, p = p ? p + PROBE_CHUNK : NULL)
		digest_update(h->d, p ? p : zeros, PROBE_CHUNK);
	return 0;
}

static void data_chunk(struct hasher *h, const unsigned char *p, size_t n)
{
	if (h->zr) {
		flush_run(h);
		digest_update(h->d, "D", 1);
	}
	digest_update(h->d, p, n);
}

/*
 * Reads up to n bytes at off, fewer only at the end of the file; stops at
 * a short read once it has the `enough` bytes statx promised, since that
 * is the end, and asking again only to hear 0 doubles the reads of small
 * files. -1 with errno.
 */
static ssize_t pread_full(int fd, unsigned char *p, size_t n, off_t off, size_t enough)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, p + got, n - got, off + (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
		if (got >= enough)
			break;
	}
	return (ssize_t)got;
}

/* The start of the data at or after off; the end of the file if none. -1 with errno. */
static off_t next_data(int fd, off_t off)
{
	off_t d = lseek(fd, off, SEEK_DATA);

	if (d < 0 && errno == ENXIO)
		d = lseek(fd, 0, SEEK_END);
	return d;
}

/*
 * Feeds the content of h->fd to h->d, to its end. 0 when done, 1 when the
 * plain hash must give way to the zero-run encoding, -1 with errno.
 */
static int hash_pass(struct hasher *h)
{
	off_t off = 0;

	for (;;) {
		size_t want = h->bufsize;
		uint64_t rest = (uint64_t)off < h->size ? h->size - (uint64_t)off : 0;
		ssize_t n;

		if (h->sparse) {
			off_t data = next_data(h->fd, off), end;

			if (data < 0) {
				h->sparse = false;	/* not supported here: read it all */
				continue;
			}
			if (data - off >= (off_t)PROBE_CHUNK) {
				uint64_t k = (uint64_t)(data - off) / PROBE_CHUNK;

				if (zero_chunks(h, NULL, k))
					return 1;
				off += (off_t)(k * PROBE_CHUNK);
				continue;
			}
			/* Read to the end of this data, in whole chunks. */
			end = lseek(h->fd, data > off ? data : off, SEEK_HOLE);
			if (end < 0) {
				h->sparse = false;
				continue;
			}
			if (end > off && (uint64_t)(end - off) < want)
				want = (size_t)((uint64_t)(end - off + PROBE_CHUNK - 1) /
						PROBE_CHUNK * PROBE_CHUNK);
		} else if ((uint64_t)off <= h->size && rest < want) {
			/*
			 * Ask for more than statx said is left: the short read
			 * that comes back is the end of the file, with no
			 * further read to find it. A whole number of chunks
			 * keeps later reads aligned if the file is longer
			 * than said (it grew; or a /proc file, size 0).
			 */
			want = (size_t)((rest + PROBE_CHUNK) / PROBE_CHUNK * PROBE_CHUNK);
		}
		n = pread_full(h->fd, h->buf, want, off, rest && rest < want ? (size_t)rest : want);
		if (n < 0)
			return -1;
		for (size_t i = 0; i < (size_t)n; i += PROBE_CHUNK) {
			size_t len = (size_t)n - i < PROBE_CHUNK ? (size_t)n - i : PROBE_CHUNK;

			if (len == PROBE_CHUNK && all_zero(h->buf + i, len)) {
				if (zero_chunks(h, h->buf + i, 1))
					return 1;
			} else {
				data_chunk(h, h->buf + i, len);
			}
		}
		off += n;
		if ((size_t)n < want)
			break;
	}
	if (h->zr)
		flush_run(h);
	return 0;
}

/*
 * True if the holes of fd alone hold PROBE_ZERO_RUN_MIN bytes of zero
 * chunks, so that the plain pass need not hash them as zeros first. Looks
 * at no more than 4096 holes; the plain pass finds out for the rest.
 */
static bool holes_reach_threshold(int fd)
{
	uint64_t found = 0;
	off_t off = 0, eof = lseek(fd, 0, SEEK_END);

	if (eof < 0)
		return false;
	for (int i = 0; i < 4096 && off < eof; i++) {
		off_t data = next_data(fd, off);
		uint64_t first = ((uint64_t)off + PROBE_CHUNK - 1) / PROBE_CHUNK;
		uint64_t last;

		if (data < 0)
			return false;
		if (data > eof)
			data = eof;
		last = (uint64_t)data / PROBE_CHUNK;
		if (last > first)
			found += (last - first) * PROBE_CHUNK;
		if (found >= PROBE_ZERO_RUN_MIN)
			return true;
		if (data >= eof || (off = lseek(fd, data, SEEK_HOLE)) < 0)
			return false;
	}
	return false;
}

/*
 * Feeds the whole content of fd to d: its bytes, or their zero-run
 * encoding (above). buf/bufsize: the caller's read buffer. -1 with errno.
 */
static int hash_fd(int fd, struct digest_ctx *d, unsigned char *buf, size_t bufsize,
		   uint64_t size, bool sparse)
{
	struct hasher h = { fd, d, buf, bufsize - bufsize % PROBE_CHUNK, size, sparse, false, 0, 0 };
	unsigned char *own = NULL;
	int rc;

	if (!h.bufsize) {
		own = h.buf = xmalloc(PROBE_CHUNK);
		h.bufsize = PROBE_CHUNK;
	}
	h.zr = sparse && holes_reach_threshold(fd);
	if (h.zr)
		digest_update(d, ZR_MAGIC, sizeof(ZR_MAGIC) - 1);
	rc = hash_pass(&h);
	if (rc == 1) {
		digest_reset(d);
		h.zr = true;
		h.sparse = sparse;
		digest_update(d, ZR_MAGIC, sizeof(ZR_MAGIC) - 1);
		rc = hash_pass(&h);
	}
	free(own);
	return rc < 0 ? -1 : 0;
}

static bool same_content_stat(const struct statx *a, const struct statx *b)
{
	return a->stx_size == b->stx_size &&
	       a->stx_mtime.tv_sec == b->stx_mtime.tv_sec &&
	       a->stx_mtime.tv_nsec == b->stx_mtime.tv_nsec &&
	       a->stx_ctime.tv_sec == b->stx_ctime.tv_sec &&
	       a->stx_ctime.tv_nsec == b->stx_ctime.tv_nsec;
}

/*
 * One digest context per thread, reused from file to file: creating the
 * libcrypto and libsodium states for each of 100k files is measurable.
 */
static _Thread_local struct digest_ctx *tl_digest;
static _Thread_local struct attrset tl_digest_want;

static struct digest_ctx *thread_digest(const struct attrset *want)
{
	struct attrset hashes = ATTRSET_EMPTY;

	for (size_t i = 0; i < N(hash_ids); i++)
		if (attrset_has(want, hash_ids[i]))
			attrset_add(&hashes, hash_ids[i]);
	if (tl_digest && attrset_eq(&hashes, &tl_digest_want)) {
		digest_reset(tl_digest);
		return tl_digest;
	}
	digest_free(tl_digest);
	tl_digest = digest_new(&hashes);
	tl_digest_want = hashes;
	return tl_digest;
}

void probe_thread_release(void)
{
	digest_free(tl_digest);
	tl_digest = NULL;
}

int probe_file_content(struct probe_fd *f, const struct attrset *want,
		       struct record *rec, unsigned char *buf, size_t bufsize)
{
	struct digest_ctx *d = thread_digest(want);
	struct statx before = f->stx, after;
	bool stable = false;
	int err = 0;

	/* Readahead already covers what one read asks for. */
	if (before.stx_size > bufsize)
		posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (int attempt = 0; attempt <= MAX_REREADS && !stable && !err; attempt++) {
		bool sparse;

		if (attempt) {
			digest_reset(d);	/* a torn read: start over */
			before = after;
		}
		sparse = (before.stx_mask & STATX_BLOCKS) && before.stx_blocks * 512 < before.stx_size;
		if (hash_fd(f->fd, d, buf, bufsize, before.stx_size, sparse) < 0 ||
		    statx(f->fd, "", AT_EMPTY_PATH, CONTENT_MASK, &after) < 0) {
			err = errno;
			break;
		}
		stable = same_content_stat(&before, &after);
	}
	if (err) {
		set_error(rec, err);
	} else if (!stable) {
		record_set_str(rec, ATTR_ERROR, "file changed while being hashed");
	} else {
		/* The stat that goes with the hashed bytes, which may be newer
		 * than the walker's: a record must not pair an old size with a
		 * new hash. */
		if (record_has(rec, ATTR_SIZE))
			record_set_int(rec, ATTR_SIZE, (int64_t)after.stx_size);
		if (record_has(rec, ATTR_MTIME))
			record_set_int(rec, ATTR_MTIME, ts_ns(&after.stx_mtime));
		if (record_has(rec, ATTR_CTIME))
			record_set_int(rec, ATTR_CTIME, ts_ns(&after.stx_ctime));
		if (record_has(rec, ATTR_BLOCKS) && (after.stx_mask & STATX_BLOCKS))
			record_set_int(rec, ATTR_BLOCKS, (int64_t)after.stx_blocks);
		for (size_t i = 0; i < N(hash_ids); i++) {
			unsigned char out[DIGEST_MAX];

			if (!attrset_has(want, hash_ids[i]))
				continue;
			digest_final(d, hash_ids[i], out);
			record_set_bytes(rec, hash_ids[i], out, digest_len(hash_ids[i]));
		}
		f->stx = after;
	}
	close(f->fd);
	f->fd = -1;
	return 0;
}

int probe_is_script(int fd)
{
	char b[2];
	ssize_t n;

	do
		n = pread(fd, b, 2, 0);
	while (n < 0 && errno == EINTR);
	return n == 2 && b[0] == '#' && b[1] == '!';
}
