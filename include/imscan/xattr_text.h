/*
 * xattr_text.h - text forms of the ACL and capability xattrs.
 *
 * acl: getfacl's short form with numeric ids ("user::rw-,user:1000:r--,
 * group::r--,mask::r--,other::r--"); caps: getcap -n's ("cap_net_raw=ep",
 * v3 adds " [rootid=N]"), over the 41 capabilities known today whatever
 * the running kernel knows. Both return 0, or -1 for a malformed value
 * (out may then hold part of the text).
 */
#ifndef IMSCAN_XATTR_TEXT_H
#define IMSCAN_XATTR_TEXT_H

#include <stddef.h>

#include "imscan/strbuf.h"

/* Appends one system.posix_acl_* value, each entry preceded by prefix
 * ("" or "default:"), comma-separated from what out already holds. */
int xattr_acl_text(struct strbuf *out, const unsigned char *v, size_t n, const char *prefix);
/* Appends a security.capability value. */
int xattr_caps_text(struct strbuf *out, const unsigned char *v, size_t n);

#endif
