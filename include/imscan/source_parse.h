/*
 * source_parse.h - the parsers of the non-file sources, on text already
 * read, for the sources themselves, the unit tests and the fuzzers.
 *
 * Each adds the records the list's entities select (source_list.h) and
 * fills their attributes; file names the text for warnings ("/etc/passwd"
 * gives "/etc/passwd:3: ..."). None fails: what cannot be used is warned
 * about and skipped, and the rest is read. Those that fill records added
 * by an earlier one (shadow, group memberships) need the list sorted.
 */
#ifndef IMSCAN_SOURCE_PARSE_H
#define IMSCAN_SOURCE_PARSE_H

#include <stddef.h>

#include "imscan/source_list.h"

/* user: /etc/passwd lines, then (sorted) /etc/shadow with the digest key
 * (32 bytes or NULL), then /etc/group for supplementary groups. */
void parse_passwd(struct source_list *l, const char *file, const char *buf, size_t len,
		  const unsigned char *key);
void parse_shadow(struct source_list *l, const char *file, const char *buf, size_t len,
		  const unsigned char *key);
void parse_user_groups(struct source_list *l, const char *file, const char *buf, size_t len);
/* Users that have no shadow entry get password_state "none". */
void finish_users(struct source_list *l);

/* group: /etc/group, then (sorted) /etc/gshadow. */
void parse_group(struct source_list *l, const char *file, const char *buf, size_t len);
void parse_gshadow(struct source_list *l, const char *file, const char *buf, size_t len);

/* package: /var/lib/dpkg/status. md5sums are not read here. */
void parse_dpkg_status(struct source_list *l, const char *file, const char *buf, size_t len);

/* port: one /proc/net/<proto> table (proto "tcp", "udp6", "raw", ...);
 * exe and user are filled later from the socket inodes. */
struct port_owners;
void parse_proc_net(struct source_list *l, const char *proto, const char *file,
		    const char *buf, size_t len, const struct port_owners *owners);

/* module: /proc/modules; sysroot is the /sys to look the files up in
 * (NULL: none). */
void parse_proc_modules(struct source_list *l, const char *file, const char *buf, size_t len);

/* mount: /proc/self/mountinfo. */
void parse_mountinfo(struct source_list *l, const char *file, const char *buf, size_t len);

/* /proc helpers: the real uid of a process (-1 if unreadable); appends
 * the user name of uid (its number if it has none) to the list a. */
long source_pid_uid(int pid);
void source_add_user_name(struct record *r, enum attr_id a, long uid);
/* Sorts the ','-lists exe and user of r, where present. */
void source_sort_lists(struct record *r);

#endif
