#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "imscan/digest.h"
#include "imscan/error.h"
#include "imscan/probe_file.h"
#include "imscan/record.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define BUFSIZE (256 * 1024)

/* ---- helpers ------------------------------------------------------------ */

static char *join(const char *dir, const char *rel)
{
	char *p = xmalloc(strlen(dir) + strlen(rel) + 2);

	sprintf(p, "%s/%s", dir, rel);
	return p;
}

static struct attrset all_attrs(void)
{
	struct attrset s = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR_ERROR; a++)
		attrset_add(&s, (enum attr_id)a);
	return s;
}

static struct attrset only(enum attr_id a, enum attr_id b)
{
	struct attrset s = ATTRSET_EMPTY;

	attrset_add(&s, a);
	attrset_add(&s, b);
	return s;
}

/* Probes root's path as the scanner would: walk to it, then probe. */
/* What the last probe_path() opened, for probe_file_content(). */
static struct probe_fd last_pf;

static void probe_path(const char *root, const char *probe_root, const char *path,
		       const struct attrset *want, struct record *rec, int *fdp)
{
	static struct probe_fd pf;
	const char *bases[] = { path };
	struct walk *w = walk_open(root, bases, 1, probe_statx_mask(want));
	struct probe *p = probe_new(probe_root);
	const struct walk_entry *e;

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(walk_next(w, &e), 1);
	record_reset(rec);
	record_set_key(rec, KIND_FILE, e->path, e->pathlen);
	ck_assert_int_eq(probe_file_meta(p, e, walk_entry_fd(w), want, rec, &pf), 0);
	*fdp = pf.fd;
	last_pf = pf;
	probe_free(p);
	walk_free(w);
}

/* Meta and content, the whole record. */
static void probe_full(const char *root, const char *path, const struct attrset *want,
		       struct record *rec)
{
	static unsigned char buf[BUFSIZE];
	int fd;

	probe_path(root, root, path, want, rec, &fd);
	if (fd >= 0)
		ck_assert_int_eq(probe_file_content(&last_pf, want, rec, buf, sizeof(buf)), 0);
}

static const char *str(const struct record *r, enum attr_id a)
{
	size_t n;

	ck_assert_msg(record_has(r, a), "no %s", attr_name(a));
	return (const char *)record_bytes(r, a, &n);
}

static char *hex_of(const struct record *r, enum attr_id a)
{
	size_t n;
	const unsigned char *p;
	char *out;

	ck_assert_msg(record_has(r, a), "no %s", attr_name(a));
	p = record_bytes(r, a, &n);
	out = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	return out;
}

/* First word printed by a command, or NULL if it failed. Caller frees. */
static char *run_word(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char line[512];
	char *sp;

	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f)) {
		pclose(f);
		return NULL;
	}
	if (pclose(f) != 0)
		return NULL;
	sp = strpbrk(line, " \n");
	if (sp)
		*sp = '\0';
	return xstrdup(line);
}

static bool have_tool(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static struct record rec;

static void setup(void)
{
	record_init(&rec);
}

static void teardown(void)
{
	record_release(&rec);
}

/* ---- stat attributes ---------------------------------------------------- */

START_TEST(test_stat_attrs)
{
	char *root = unit_tmpdir(), *f = join(root, "f"), *h = join(root, "h");
	struct attrset want = all_attrs();
	struct stat st;
	struct statx sx;

	unit_write(root, "f", "hello");
	ck_assert_int_eq(chmod(f, 04755), 0);
	ck_assert_int_eq(link(f, h), 0);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(statx(AT_FDCWD, f, 0, STATX_BTIME, &sx), 0);
	probe_full(root, "/f", &want, &rec);

	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_REGULAR);
	ck_assert_int_eq(record_int(&rec, ATTR_MODE), 04755);
	ck_assert_int_eq(record_int(&rec, ATTR_UID), st.st_uid);
	ck_assert_int_eq(record_int(&rec, ATTR_GID), st.st_gid);
	ck_assert_int_eq(record_int(&rec, ATTR_SIZE), 5);
	ck_assert_int_eq(record_int(&rec, ATTR_NLINK), 2);
	ck_assert_int_eq(record_int(&rec, ATTR_INODE), (int64_t)st.st_ino);
	ck_assert_int_eq(record_int(&rec, ATTR_DEVICE), (int64_t)st.st_dev);
	ck_assert_int_eq(record_int(&rec, ATTR_BLOCKS), (int64_t)st.st_blocks);
	ck_assert_int_eq(record_int(&rec, ATTR_MTIME),
			 (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
	ck_assert_int_eq(record_int(&rec, ATTR_CTIME),
			 (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec);
	ck_assert(record_has(&rec, ATTR_ATIME));
	ck_assert_int_eq(record_has(&rec, ATTR_BTIME), !!(sx.stx_mask & STATX_BTIME));
	ck_assert(!record_has(&rec, ATTR_RDEV));	/* not a device */
	ck_assert(!record_has(&rec, ATTR_TARGET));
	ck_assert(!record_has(&rec, ATTR_ERROR));
	ck_assert(!record_has(&rec, ATTR_ACL));		/* none set */
	ck_assert(!record_has(&rec, ATTR_CAPS));
	ck_assert(record_has(&rec, ATTR_SHA256));
	free(f);
	free(h);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* Only what is asked; a file is not opened for stat attributes. */
START_TEST(test_only_wanted)
{
	char *root = unit_tmpdir();
	struct attrset want = only(ATTR_TYPE, ATTR_SIZE);
	int fd;

	unit_write(root, "f", "hello");
	probe_path(root, root, "/f", &want, &rec, &fd);
	ck_assert_int_eq(fd, -1);
	ck_assert(record_has(&rec, ATTR_TYPE));
	ck_assert(record_has(&rec, ATTR_SIZE));
	for (int a = 0; a < ATTR__COUNT; a++)
		if (a != ATTR_TYPE && a != ATTR_SIZE)
			ck_assert_msg(!record_has(&rec, (enum attr_id)a), "%s present",
				      attr_name((enum attr_id)a));
	/* A hash alone hands back a descriptor. */
	want = only(ATTR_XXH128, ATTR_XXH128);
	probe_path(root, root, "/f", &want, &rec, &fd);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(probe_is_script(fd), 0);
	close(fd);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_dir_attrs)
{
	char *root = unit_tmpdir(), *d = join(root, "d");
	struct attrset want = all_attrs();
	int fd;

	ck_assert_int_eq(mkdir(d, 0750), 0);
	ck_assert_int_eq(chmod(d, 0750), 0);
	free(d);
	probe_path(root, root, "/d", &want, &rec, &fd);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_DIR);
	ck_assert_int_eq(record_int(&rec, ATTR_MODE), 0750);
	/* These change with every entry added; the entry reports itself. */
	ck_assert(!record_has(&rec, ATTR_SIZE));
	ck_assert(!record_has(&rec, ATTR_MTIME));
	ck_assert(!record_has(&rec, ATTR_NLINK));
	ck_assert(!record_has(&rec, ATTR_SHA256));
	ck_assert(record_has(&rec, ATTR_XATTRS));
	/* The root itself is probed through its descriptor too. */
	probe_path(root, root, "/", &want, &rec, &fd);
	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_DIR);
	ck_assert(record_has(&rec, ATTR_XATTRS));
	ck_assert(!record_has(&rec, ATTR_ERROR));
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_symlink_target)
{
	char *root = unit_tmpdir(), *l = join(root, "lnk"), *l2 = join(root, "long");
	struct attrset want = all_attrs();
	char target[4000];
	size_t n;
	int fd;

	ck_assert_int_eq(symlink("some/where\nelse", l), 0);
	memset(target, 'x', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	for (size_t i = 100; i < sizeof(target) - 1; i += 100)
		target[i] = '/';
	ck_assert_int_eq(symlink(target, l2), 0);
	probe_path(root, root, "/lnk", &want, &rec, &fd);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_SYMLINK);
	ck_assert_str_eq(str(&rec, ATTR_TARGET), "some/where\nelse");
	ck_assert(!record_has(&rec, ATTR_SHA256));
	probe_path(root, root, "/long", &want, &rec, &fd);
	ck_assert_str_eq(str(&rec, ATTR_TARGET), target);
	record_bytes(&rec, ATTR_TARGET, &n);
	ck_assert_uint_eq(n, sizeof(target) - 1);
	free(l);
	free(l2);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_fifo_and_device_not_opened)
{
	char *root = unit_tmpdir(), *p = join(root, "fifo"), *d = join(root, "null");
	struct attrset want = all_attrs();
	int fd;

	ck_assert_int_eq(mkfifo(p, 0600), 0);
	/* Opening the FIFO for reading would block: Check's timeout. */
	probe_path(root, root, "/fifo", &want, &rec, &fd);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_FIFO);
	ck_assert(!record_has(&rec, ATTR_ERROR));
	ck_assert(!record_has(&rec, ATTR_FLAGS));
	if (mknod(d, S_IFCHR | 0600, makedev(1, 3)) == 0) {
		probe_path(root, root, "/null", &want, &rec, &fd);
		ck_assert_int_eq(fd, -1);
		ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_CHARDEV);
		ck_assert_int_eq(record_int(&rec, ATTR_RDEV), (int64_t)makedev(1, 3));
	} else {
		UNIT_SKIP("device node: mknod: %s", strerror(errno));
	}
	free(p);
	free(d);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* A file swapped between readdir and open is recorded as what it is now. */
START_TEST(test_swapped_file)
{
	char *root = unit_tmpdir(), *f = join(root, "f"), *g = join(root, "g");
	struct attrset want = all_attrs();
	const char *bases[] = { "/f", "/g" };
	struct walk *w = NULL;
	struct probe *p = probe_new(root);
	const struct walk_entry *e;

	unit_write(root, "f", "content");
	unit_write(root, "g", "content");
	w = walk_open(root, bases, 2, probe_statx_mask(&want));
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(walk_next(w, &e), 1);
	ck_assert(S_ISREG(e->stx.stx_mode));
	ck_assert_int_eq(unlink(f), 0);
	ck_assert_int_eq(mkfifo(f, 0600), 0);
	record_reset(&rec);
	ck_assert_int_eq(probe_file_meta(p, e, -1, &want, &rec, &last_pf), 0);
	ck_assert_int_eq(last_pf.fd, -1);
	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_FIFO);
	ck_assert(!record_has(&rec, ATTR_SHA256));

	ck_assert_int_eq(walk_next(w, &e), 1);
	ck_assert_int_eq(unlink(g), 0);
	ck_assert_int_eq(symlink("elsewhere", g), 0);
	record_reset(&rec);
	ck_assert_int_eq(probe_file_meta(p, e, -1, &want, &rec, &last_pf), 0);
	ck_assert_int_eq(last_pf.fd, -1);
	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_SYMLINK);
	ck_assert_str_eq(str(&rec, ATTR_TARGET), "elsewhere");
	walk_free(w);
	probe_free(p);
	free(f);
	free(g);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* ---- owner and group names ---------------------------------------------- */

START_TEST(test_owner_group_names)
{
	char *img = unit_tmpdir(), *f1 = join(img, "f1"), *f2 = join(img, "f2"), *f3 = join(img, "f3");
	char *etc = join(img, "etc"), *grp = join(img, "etc/group");
	struct attrset want = all_attrs();
	int fd;

	if (geteuid() != 0) {
		UNIT_SKIP("chown needs root");
		goto out;
	}
	ck_assert_int_eq(mkdir(etc, 0755), 0);
	unit_write(img, "etc/passwd",
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "toor:x:0:0:second root:/:/bin/sh\n"
		   "#alice:x:4243:1::/:/bin/sh\n"
		   "+nis::::::\n"
		   "broken line\n"
		   "bad:x:12x:1::/:/bin/sh\n"
		   "alice:x:4242:4243:Alice:/home/alice:/bin/sh");	/* no final newline */
	/* An absolute symlink inside the image resolves inside the image. */
	unit_write(img, "etc/group.real", "wheel:x:0:\nstaff:x:4243:alice\n");
	ck_assert_int_eq(symlink("/etc/group.real", grp), 0);
	unit_write(img, "f1", "");
	unit_write(img, "f2", "");
	unit_write(img, "f3", "");
	ck_assert_int_eq(chown(f1, 0, 0), 0);
	ck_assert_int_eq(chown(f2, 4242, 4243), 0);
	ck_assert_int_eq(chown(f3, 5555, 5556), 0);

	probe_path(img, img, "/f1", &want, &rec, &fd);
	if (fd >= 0)
		close(fd);
	ck_assert_str_eq(str(&rec, ATTR_OWNER), "root");
	ck_assert_str_eq(str(&rec, ATTR_GROUP), "wheel");
	probe_path(img, img, "/f2", &want, &rec, &fd);
	if (fd >= 0)
		close(fd);
	ck_assert_str_eq(str(&rec, ATTR_OWNER), "alice");
	ck_assert_str_eq(str(&rec, ATTR_GROUP), "staff");
	probe_path(img, img, "/f3", &want, &rec, &fd);
	if (fd >= 0)
		close(fd);
	ck_assert_int_eq(record_int(&rec, ATTR_UID), 5555);
	ck_assert(!record_has(&rec, ATTR_OWNER));
	ck_assert(!record_has(&rec, ATTR_GROUP));
	ck_assert(!record_has(&rec, ATTR_ERROR));

	/* No passwd at all: no names, no error. */
	probe_path(img, "/nonexistent-imscan-root", "/f2", &want, &rec, &fd);
	if (fd >= 0)
		close(fd);
	ck_assert(!record_has(&rec, ATTR_OWNER));
	ck_assert(!record_has(&rec, ATTR_ERROR));
out:
	free(f1);
	free(f2);
	free(f3);
	free(etc);
	free(grp);
	unit_rmtree(img);
	free(img);
}
END_TEST

/* ---- xattrs, ACL, capabilities, flags ----------------------------------- */

START_TEST(test_xattrs)
{
	char *root = unit_tmpdir(), *f = join(root, "f");
	struct attrset want = all_attrs();
	unsigned char da[16], db[16];
	const unsigned char *v;
	size_t n;
	int fd;

	unit_write(root, "f", "");
	if (setxattr(f, "user.b", "value", 5, 0) != 0) {
		UNIT_SKIP("setxattr: %s", strerror(errno));
		goto out;
	}
	ck_assert_int_eq(setxattr(f, "user.a", "", 0, 0), 0);
	probe_path(root, root, "/f", &want, &rec, &fd);
	close(fd);
	digest_blake2b("", 0, da, sizeof(da));
	digest_blake2b("value", 5, db, sizeof(db));
	v = record_bytes(&rec, ATTR_XATTRS, &n);
	ck_assert_uint_eq(n, 2 * (7 + 16));
	ck_assert_mem_eq(v, "user.a\0", 7);
	ck_assert_mem_eq(v + 7, da, 16);
	ck_assert_mem_eq(v + 23, "user.b\0", 7);
	ck_assert_mem_eq(v + 30, db, 16);
	/* No xattrs: present and empty. */
	unit_write(root, "g", "");
	probe_path(root, root, "/g", &want, &rec, &fd);
	close(fd);
	ck_assert(record_has(&rec, ATTR_XATTRS));
	record_bytes(&rec, ATTR_XATTRS, &n);
	ck_assert_uint_eq(n, 0);
out:
	free(f);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* Symlinks are never opened: their xattrs come by path through the parent. */
START_TEST(test_symlink_xattrs)
{
	char *root = unit_tmpdir(), *l = join(root, "lnk");
	struct attrset want = all_attrs();
	const unsigned char *v;
	size_t n;
	int fd;

	ck_assert_int_eq(symlink("t", l), 0);
	if (lsetxattr(l, "trusted.t", "1", 1, 0) != 0) {
		UNIT_SKIP("lsetxattr trusted.*: %s", strerror(errno));
		goto out;
	}
	probe_path(root, root, "/lnk", &want, &rec, &fd);
	v = record_bytes(&rec, ATTR_XATTRS, &n);
	ck_assert_uint_eq(n, 10 + 16);
	ck_assert_mem_eq(v, "trusted.t\0", 10);
out:
	free(l);
	unit_rmtree(root);
	free(root);
}
END_TEST

static void put_acl_entry(unsigned char *p, unsigned tag, unsigned perm, uint32_t id)
{
	p[0] = tag & 0xff;
	p[1] = tag >> 8;
	p[2] = perm & 0xff;
	p[3] = perm >> 8;
	p[4] = id & 0xff;
	p[5] = (id >> 8) & 0xff;
	p[6] = (id >> 16) & 0xff;
	p[7] = id >> 24;
}

/* getfacl's lines for one kind, joined with ','; NULL without getfacl. */
static char *getfacl_text(const char *path, bool defaults)
{
	char cmd[4096], line[256];
	struct strbuf sb;
	FILE *f;

	if (!have_tool("getfacl"))
		return NULL;
	snprintf(cmd, sizeof(cmd),
		 "getfacl --omit-header --numeric --no-effective '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	strbuf_init(&sb);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line || defaults != !strncmp(line, "default:", 8))
			continue;
		if (sb.len)
			strbuf_addc(&sb, ',');
		strbuf_adds(&sb, line);
	}
	pclose(f);
	return strbuf_detach(&sb, NULL);
}

START_TEST(test_acl)
{
	char *root = unit_tmpdir(), *f = join(root, "f"), *d = join(root, "d");
	struct attrset want = all_attrs();
	unsigned char acl[4 + 6 * 8], dacl[4 + 3 * 8];
	char *tool;
	int fd;

	unit_write(root, "f", "");
	ck_assert_int_eq(mkdir(d, 0755), 0);
	memset(acl, 0, sizeof(acl));
	acl[0] = 2;
	put_acl_entry(acl + 4, 0x01, 6, 0xffffffff);
	put_acl_entry(acl + 12, 0x02, 4, 1000);
	put_acl_entry(acl + 20, 0x04, 4, 0xffffffff);
	put_acl_entry(acl + 28, 0x08, 5, 100);
	put_acl_entry(acl + 36, 0x10, 5, 0xffffffff);
	put_acl_entry(acl + 44, 0x20, 4, 0xffffffff);
	if (setxattr(f, "system.posix_acl_access", acl, sizeof(acl), 0) != 0) {
		UNIT_SKIP("no POSIX ACLs here: %s", strerror(errno));
		goto out;
	}
	memset(dacl, 0, sizeof(dacl));
	dacl[0] = 2;
	put_acl_entry(dacl + 4, 0x01, 7, 0xffffffff);
	put_acl_entry(dacl + 12, 0x04, 5, 0xffffffff);
	put_acl_entry(dacl + 20, 0x20, 0, 0xffffffff);
	ck_assert_int_eq(setxattr(d, "system.posix_acl_default", dacl, sizeof(dacl), 0), 0);

	probe_path(root, root, "/f", &want, &rec, &fd);
	close(fd);
	ck_assert_str_eq(str(&rec, ATTR_ACL),
			 "user::rw-,user:1000:r--,group::r--,group:100:r-x,mask::r-x,other::r--");
	/* ACL xattrs have their own attribute. */
	ck_assert(record_has(&rec, ATTR_XATTRS));
	ck_assert_uint_eq(rec.val[ATTR_XATTRS].len, 0);
	if ((tool = getfacl_text(f, false))) {
		ck_assert_str_eq(str(&rec, ATTR_ACL), tool);
		free(tool);
	}
	probe_path(root, root, "/d", &want, &rec, &fd);
	ck_assert_str_eq(str(&rec, ATTR_ACL),
			 "default:user::rwx,default:group::r-x,default:other::---");
	if ((tool = getfacl_text(d, true))) {
		ck_assert_str_eq(str(&rec, ATTR_ACL), tool);
		free(tool);
	}
out:
	free(f);
	free(d);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* setcap arguments; each result is also compared with getcap -n's. */
static const struct {
	const char *opts;
	const char *setcap;
	const char *want;
} caps[] = {
	{ "", "cap_net_raw+ep", "cap_net_raw=ep" },
	{ "", "cap_net_bind_service,cap_net_raw+ep", "cap_net_bind_service,cap_net_raw=ep" },
	{ "", "cap_net_raw+p cap_sys_admin+i", "cap_sys_admin=i cap_net_raw+p" },
	{ "", "cap_net_raw+ep cap_sys_admin+ei", "cap_sys_admin=ei cap_net_raw+ep" },
	{ "", "cap_setuid,cap_setgid=p", "cap_setgid,cap_setuid=p" },
	{ "", "cap_chown+i cap_kill+p", "cap_chown=i cap_kill+p" },
	{ "", "cap_bpf,cap_checkpoint_restore+eip", "cap_bpf,cap_checkpoint_restore=eip" },
	{ "", "all=ep", "=ep" },
	{ "", "all=p cap_net_raw-p", "=p cap_net_raw-p" },
	{ "-n 1000", "cap_net_raw+ep", "cap_net_raw=ep [rootid=1000]" },
};

START_TEST(test_caps)
{
	char *root = unit_tmpdir(), *f = join(root, "f"), *tool;
	char cmd[4096];
	struct attrset want = all_attrs();
	const char *got;
	int fd;

	if (geteuid() != 0 || !have_tool("setcap") || !have_tool("getcap")) {
		UNIT_SKIP("needs root and setcap/getcap (libcap2-bin)");
		goto out;
	}
	unit_write(root, "f", "");
	snprintf(cmd, sizeof(cmd), "setcap %s '%s' '%s' 2>/dev/null", caps[_i].opts, caps[_i].setcap, f);
	if (system(cmd) != 0) {
		UNIT_SKIP("caps '%s': setcap failed here", caps[_i].setcap);
		goto out;
	}
	probe_path(root, root, "/f", &want, &rec, &fd);
	close(fd);
	got = str(&rec, ATTR_CAPS);
	ck_assert_str_eq(got, caps[_i].want);
	/* And what getcap says, after its file name. */
	snprintf(cmd, sizeof(cmd), "getcap -n '%s'", f);
	{
		FILE *p = popen(cmd, "r");
		char line[1024];

		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
		pclose(p);
		line[strcspn(line, "\n")] = '\0';
		ck_assert_uint_gt(strlen(line), strlen(f) + 1);
		tool = line + strlen(f) + 1;
		ck_assert_str_eq(got, tool);
	}
	/* Capabilities have their own attribute. */
	ck_assert_uint_eq(rec.val[ATTR_XATTRS].len, 0);
out:
	free(f);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* The label as stored (with its NUL) and as recorded (without). */
START_TEST(test_selinux_label)
{
	char *root = unit_tmpdir(), *f = join(root, "f");
	static const char label[] = "system_u:object_r:etc_t:s0";
	struct attrset want = all_attrs();
	int fd;

	unit_write(root, "f", "");
	if (setxattr(f, "security.selinux", label, sizeof(label), 0) != 0) {
		UNIT_SKIP("cannot set security.selinux here: %s", strerror(errno));
		goto out;
	}
	probe_path(root, root, "/f", &want, &rec, &fd);
	close(fd);
	ck_assert_str_eq(str(&rec, ATTR_SELINUX), label);
	ck_assert_uint_eq(rec.val[ATTR_SELINUX].len, strlen(label));
	ck_assert_uint_eq(rec.val[ATTR_XATTRS].len, 0);
out:
	free(f);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_immutable_flag)
{
	char *root = unit_tmpdir(), *f = join(root, "f");
	struct attrset want = all_attrs();
	int fd;

	unit_write(root, "f", "");
	probe_path(root, root, "/f", &want, &rec, &fd);
	close(fd);
	if (!record_has(&rec, ATTR_FLAGS)) {
		UNIT_SKIP("no chattr flags on this file system");
		goto out;
	}
	ck_assert_int_eq(record_int(&rec, ATTR_FLAGS) & FS_IMMUTABLE_FL, 0);
	if (geteuid() != 0 || !have_tool("chattr")) {
		UNIT_SKIP("immutable: needs root and chattr (e2fsprogs)");
		goto out;
	}
	{
		char cmd[4096];

		snprintf(cmd, sizeof(cmd), "chattr +i '%s' 2>/dev/null", f);
		if (system(cmd) != 0) {
			UNIT_SKIP("immutable: chattr +i refused here");
			goto out;
		}
		probe_path(root, root, "/f", &want, &rec, &fd);
		close(fd);
		/* Undo before asserting: a failed assertion must not leave an
		 * immutable file that rm -rf cannot remove. */
		snprintf(cmd, sizeof(cmd), "chattr -i '%s'", f);
		ck_assert_int_eq(system(cmd), 0);
	}
	ck_assert_int_ne(record_int(&rec, ATTR_FLAGS) & FS_IMMUTABLE_FL, 0);
out:
	free(f);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* ---- content ------------------------------------------------------------ */

static void assert_hash_matches(const char *path, const char *tool, enum attr_id a)
{
	char cmd[4096], *want, *got;

	snprintf(cmd, sizeof(cmd), "%s '%s' 2>/dev/null", tool, path);
	want = run_word(cmd);
	if (!want) {
		UNIT_SKIP("%s: '%s' not available", attr_name(a), tool);
		return;
	}
	got = hex_of(&rec, a);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
}

static void assert_all_hashes(const char *path)
{
	ck_assert(!record_has(&rec, ATTR_ERROR));
	assert_hash_matches(path, "sha256sum", ATTR_SHA256);
	assert_hash_matches(path, "sha512sum", ATTR_SHA512);
	assert_hash_matches(path, "b2sum -l 256", ATTR_BLAKE2B);
	assert_hash_matches(path, "xxh128sum", ATTR_XXH128);
}

START_TEST(test_hashes_match_tools)
{
	char *root = unit_tmpdir(), *f = join(root, "f"), *e = join(root, "empty");
	struct attrset want = all_attrs();
	size_t n = 3 * BUFSIZE + 17;
	unsigned char *data = xmalloc(n);
	FILE *fp;

	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	fp = fopen(f, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(data, 1, n, fp), n);
	ck_assert_int_eq(fclose(fp), 0);
	probe_full(root, "/f", &want, &rec);
	assert_all_hashes(f);
	unit_write(root, "empty", "");
	probe_full(root, "/empty", &want, &rec);
	assert_all_hashes(e);
	free(data);
	free(f);
	free(e);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_sparse_hash)
{
	char *root = unit_tmpdir(), *f = join(root, "sparse"), *h = join(root, "hole");
	struct attrset want = all_attrs();
	struct stat st;
	int fd;

	fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 20 << 20), 0);
	ck_assert_int_eq(pwrite(fd, "data", 4, 5 << 20), 4);
	ck_assert_int_eq(pwrite(fd, "middle", 6, (9 << 20) + 4093), 6);
	ck_assert_int_eq(pwrite(fd, "end", 3, (20 << 20) - 3), 3);
	close(fd);
	fd = open(h, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (3 << 20) + 5), 0);
	close(fd);
	ck_assert_int_eq(stat(f, &st), 0);
	if (st.st_blocks * 512 >= st.st_size)
		UNIT_SKIP("holes: the file system did not keep them; hashed as data");
	probe_full(root, "/sparse", &want, &rec);
	assert_all_hashes(f);
	probe_full(root, "/hole", &want, &rec);
	assert_all_hashes(h);
	free(f);
	free(h);
	unit_rmtree(root);
	free(root);
}
END_TEST

static volatile int writer_stop;

static void *writer(void *arg)
{
	int fd = *(int *)arg;
	unsigned char c = 0;

	while (!writer_stop) {
		c++;
		if (pwrite(fd, &c, 1, 0) != 1)
			break;
		usleep(100);
	}
	return NULL;
}

START_TEST(test_changed_while_hashing)
{
	char *root = unit_tmpdir(), *f = join(root, "busy");
	struct attrset want = only(ATTR_SHA512, ATTR_SHA256);
	static unsigned char buf[BUFSIZE];
	pthread_t th;
	int wfd, fd;

	wfd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(wfd, 0);
	/* Data, not a hole, so that every pass takes a while. */
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 128; i++)
		ck_assert_int_eq(write(wfd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	probe_path(root, root, "/busy", &want, &rec, &fd);
	ck_assert_int_ge(fd, 0);
	writer_stop = 0;
	ck_assert_int_eq(pthread_create(&th, NULL, writer, &wfd), 0);
	ck_assert_int_eq(probe_file_content(&last_pf, &want, &rec, buf, sizeof(buf)), 0);
	writer_stop = 1;
	pthread_join(th, NULL);
	close(wfd);
	ck_assert_str_eq(str(&rec, ATTR_ERROR), "file changed while being hashed");
	ck_assert(!record_has(&rec, ATTR_SHA256));
	ck_assert(!record_has(&rec, ATTR_SHA512));
	free(f);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_permission_denied)
{
	char *root = unit_tmpdir(), *f = join(root, "secret"), *d = join(root, "closed");
	struct attrset want = all_attrs(), statonly = only(ATTR_MODE, ATTR_SIZE);
	bool dropped = false;
	int fd;

	unit_write(root, "secret", "x");
	ck_assert_int_eq(chmod(f, 0), 0);
	ck_assert_int_eq(mkdir(d, 0), 0);
	if (geteuid() == 0) {
		ck_assert_int_eq(chmod(root, 0755), 0);
		if (seteuid(65534) != 0) {
			UNIT_SKIP("cannot drop root: %s", strerror(errno));
			goto out;
		}
		dropped = true;
	}
	probe_path(root, root, "/secret", &want, &rec, &fd);
	ck_assert_int_eq(fd, -1);
	ck_assert_str_eq(str(&rec, ATTR_ERROR), "Permission denied");
	ck_assert_int_eq(record_int(&rec, ATTR_MODE), 0);
	ck_assert_int_eq(record_int(&rec, ATTR_SIZE), 1);
	ck_assert(!record_has(&rec, ATTR_SHA256));
	/* Stat attributes alone never open the file: no error. */
	probe_path(root, root, "/secret", &statonly, &rec, &fd);
	ck_assert(!record_has(&rec, ATTR_ERROR));
	ck_assert_int_eq(record_int(&rec, ATTR_SIZE), 1);
	/* A directory the walker could not open keeps its stat. */
	probe_path(root, root, "/closed", &want, &rec, &fd);
	ck_assert_str_eq(str(&rec, ATTR_ERROR), "Permission denied");
	ck_assert_int_eq(record_int(&rec, ATTR_TYPE), FT_DIR);
	ck_assert_int_eq(record_int(&rec, ATTR_MODE), 0);
out:
	if (dropped)
		ck_assert_int_eq(seteuid(0), 0);
	free(f);
	free(d);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_is_script)
{
	char *root = unit_tmpdir();
	static const struct { const char *content; int want; } cases[] = {
		{ "#!/bin/sh\necho\n", 1 }, { "#!", 1 }, { "#", 0 }, { "", 0 }, { "\x7f" "ELF", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p;
		int fd;

		unit_write(root, "s", cases[i].content);
		p = join(root, "s");
		fd = open(p, O_RDONLY);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(probe_is_script(fd), cases[i].want);
		close(fd);
		free(p);
	}
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_statx_mask)
{
	struct attrset want = only(ATTR_OWNER, ATTR_BTIME);
	unsigned m = probe_statx_mask(&want);

	ck_assert(m & STATX_UID);
	ck_assert(m & STATX_BTIME);
	ck_assert(m & STATX_TYPE);
	ck_assert(!(m & STATX_SIZE));
	want = only(ATTR_SHA256, ATTR_GROUP);
	m = probe_statx_mask(&want);
	ck_assert(m & STATX_SIZE);
	ck_assert(m & STATX_MTIME);
	ck_assert(m & STATX_GID);
}
END_TEST

Suite *make_probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stat_attrs);
	tcase_add_test(tc, test_only_wanted);
	tcase_add_test(tc, test_dir_attrs);
	tcase_add_test(tc, test_symlink_target);
	tcase_add_test(tc, test_fifo_and_device_not_opened);
	tcase_add_test(tc, test_swapped_file);
	tcase_add_test(tc, test_owner_group_names);
	tcase_add_test(tc, test_xattrs);
	tcase_add_test(tc, test_symlink_xattrs);
	tcase_add_test(tc, test_acl);
	tcase_add_loop_test(tc, test_caps, 0, sizeof(caps) / sizeof(caps[0]));
	tcase_add_test(tc, test_selinux_label);
	tcase_add_test(tc, test_immutable_flag);
	tcase_add_test(tc, test_hashes_match_tools);
	tcase_add_test(tc, test_sparse_hash);
	tcase_add_test(tc, test_changed_while_hashing);
	tcase_add_test(tc, test_permission_denied);
	tcase_add_test(tc, test_is_script);
	tcase_add_test(tc, test_statx_mask);
	suite_add_tcase(s, tc);
	return s;
}
