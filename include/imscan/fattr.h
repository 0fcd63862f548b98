/*
 * fattr.h - what a file has beyond stat: the digests of its extended
 * attributes, its POSIX ACL, capabilities, SELinux label (xattr_text.h
 * gives their text) and chattr flags.
 *
 * One listing of the names serves every xattr-based attribute: most files
 * have none, and asking for each by name would cost a failing syscall
 * apiece. Trouble is recorded in the record's ATTR_ERROR, never returned.
 */
#ifndef IMSCAN_FATTR_H
#define IMSCAN_FATTR_H

#include <stddef.h>

#include "imscan/attr.h"
#include "imscan/record.h"
#include "imscan/strbuf.h"

/* Scratch buffers reused from file to file; one per thread. */
struct fattr {
	char *list;		/* listxattr buffer */
	size_t listcap;
	char *val;		/* getxattr buffer */
	size_t valcap;
	struct strbuf sb;
};

/* Where extended attributes are read from: a descriptor, or a path
 * (not followed if it is a symlink). */
struct xsrc {
	int fd;
	const char *path;
};

void fattr_init(struct fattr *p);
void fattr_release(struct fattr *p);

/* Sets the xattr-based attributes of allowed (ATTR_XATTRS, ATTR_ACL,
 * ATTR_CAPS, ATTR_SELINUX) that s has. */
void fattr_read_xattrs(struct fattr *p, const struct xsrc *s,
		       const struct attrset *allowed, struct record *rec);
/* ATTR_FLAGS (FS_IOC_GETFLAGS) of fd, if its file system has them. */
void fattr_read_flags(int fd, struct record *rec);

#endif
