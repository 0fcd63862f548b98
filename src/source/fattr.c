/*
 * fattr.c - what a file has beyond stat: extended attributes (their
 * digests), POSIX ACL, capabilities, SELinux label, chattr flags.
 *
 * Read from a descriptor, or for types that are never opened by path
 * (l*xattr) through /proc/self/fd/<parent>, which names the already
 * verified parent and so cannot be redirected.
 */
#include <errno.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>

#include "imscan/digest.h"
#include "imscan/fattr.h"
#include "imscan/probe_file.h"
#include "imscan/xalloc.h"
#include "imscan/xattr_text.h"

#define XA_ACL_ACCESS	"system.posix_acl_access"
#define XA_ACL_DEFAULT	"system.posix_acl_default"
#define XA_CAPS		"security.capability"
#define XA_SELINUX	"security.selinux"

static ssize_t xs_list(const struct xsrc *s, char *buf, size_t n)
{
	return s->fd >= 0 ? flistxattr(s->fd, buf, n) : llistxattr(s->path, buf, n);
}

static ssize_t xs_get(const struct xsrc *s, const char *name, void *buf, size_t n)
{
	return s->fd >= 0 ? fgetxattr(s->fd, name, buf, n) : lgetxattr(s->path, name, buf, n);
}

/* The names of s into p->list; returns their total length or -1. */
static ssize_t list_xattrs(struct fattr *p, const struct xsrc *s)
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
static ssize_t get_xattr(struct fattr *p, const struct xsrc *s, const char *name)
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
static bool xattr_listed(const struct fattr *p, ssize_t len, const char *name)
{
	for (const char *q = p->list; q < p->list + len; q += strlen(q) + 1)
		if (!strcmp(q, name))
			return true;
	return false;
}

/* ATTR_XATTRS: name NUL digest, sorted by name (attr.h), from the list
 * of len bytes that list_xattrs() left in p->list. */
static void probe_xattrs(struct fattr *p, const struct xsrc *s, ssize_t len, struct record *rec)
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
			probe_set_error(rec, errno);
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

static void probe_acl(struct fattr *p, const struct xsrc *s, struct record *rec)
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
			probe_set_error(rec, errno);
			return;
		}
		if (xattr_acl_text(&p->sb, (unsigned char *)p->val, (size_t)n, kinds[i].prefix) < 0) {
			if (!record_has(rec, ATTR_ERROR))
				record_set_str(rec, ATTR_ERROR, "invalid POSIX ACL");
			return;
		}
	}
	if (p->sb.len)
		record_set_bytes(rec, ATTR_ACL, p->sb.buf, p->sb.len);
}

/* The value of name into p->val, its length; -1 if it has none (trouble
 * reading it recorded in rec). */
static ssize_t own_xattr(struct fattr *p, const struct xsrc *s, const char *name,
			 struct record *rec)
{
	ssize_t n = get_xattr(p, s, name);

	if (n < 0 && !xattr_not_there(errno) && errno != ENOENT)
		probe_set_error(rec, errno);
	return n;
}

static void probe_caps(struct fattr *p, const struct xsrc *s, struct record *rec)
{
	ssize_t n = own_xattr(p, s, XA_CAPS, rec);

	if (n < 0)
		return;
	strbuf_reset(&p->sb);
	if (xattr_caps_text(&p->sb, (unsigned char *)p->val, (size_t)n) < 0) {
		if (!record_has(rec, ATTR_ERROR))
			record_set_str(rec, ATTR_ERROR, "invalid security.capability");
		return;
	}
	record_set_bytes(rec, ATTR_CAPS, p->sb.buf, p->sb.len);
}

static void probe_selinux(struct fattr *p, const struct xsrc *s, struct record *rec)
{
	ssize_t n = own_xattr(p, s, XA_SELINUX, rec);

	if (n < 0)
		return;
	/* The kernel stores the label with its NUL; the text is without. */
	while (n > 0 && p->val[n - 1] == '\0')
		n--;
	record_set_bytes(rec, ATTR_SELINUX, p->val, (size_t)n);
}

/*
 * One listing serves all xattr-based attributes: most files have none,
 * and asking for each by name would cost a failing syscall apiece.
 */
void fattr_read_xattrs(struct fattr *p, const struct xsrc *s,
			     const struct attrset *allowed, struct record *rec)
{
	ssize_t len = list_xattrs(p, s);

	if (len < 0) {
		if (xattr_not_there(errno))
			len = 0;
		else {
			if (errno != ENOENT)
				probe_set_error(rec, errno);
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

void fattr_read_flags(int fd, struct record *rec)
{
	int flags = 0;	/* the kernel reads and writes an int, whatever the macro says */

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0)
		record_set_int(rec, ATTR_FLAGS, (unsigned)flags);
	/* ENOTTY, EOPNOTSUPP, EINVAL: no such flags here; leave it absent. */
}

void fattr_init(struct fattr *p)
{
	/* Never 0: a size of 0 asks the kernel for the length instead. */
	p->listcap = p->valcap = 1024;
	p->list = xmalloc(p->listcap);
	p->val = xmalloc(p->valcap);
	strbuf_init(&p->sb);
}

void fattr_release(struct fattr *p)
{
	free(p->list);
	free(p->val);
	strbuf_release(&p->sb);
}
