#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/record.h"
#include "imscan/strbuf.h"
#include "imscan/walk.h"
#include "imscan/xalloc.h"
#include "unit.h"

struct item {
	char *path;
	size_t len;
	mode_t mode;
	int err;
	int is_base;
	unsigned depth;
	int fd_ok;		/* walk_entry_fd() was a directory matching the entry */
};

struct items {
	struct item *v;
	size_t n;
};

typedef bool (*prune_fn)(const char *path, void *ctx);

/* ---- building trees ----------------------------------------------------- */

static char *join(const char *dir, const char *rel)
{
	char *p = xmalloc(strlen(dir) + strlen(rel) + 2);

	sprintf(p, "%s/%s", dir, rel);
	return p;
}

static void mk_dir(const char *dir, const char *rel)
{
	char *p = join(dir, rel);

	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void mk_link(const char *dir, const char *rel, const char *target)
{
	char *p = join(dir, rel);

	ck_assert_msg(symlink(target, p) == 0, "symlink %s: %s", p, strerror(errno));
	free(p);
}

static void rm(const char *dir, const char *rel)
{
	char *p = join(dir, rel);

	ck_assert_msg(remove(p) == 0, "remove %s: %s", p, strerror(errno));
	free(p);
}

/* ---- walking ------------------------------------------------------------ */

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void items_free(struct items *it)
{
	for (size_t i = 0; i < it->n; i++)
		free(it->v[i].path);
	free(it->v);
	it->v = NULL;
	it->n = 0;
}

static void item_add(struct items *it, const struct walk_entry *e, int efd)
{
	struct item *x;
	struct stat st;

	it->v = xreallocarray(it->v, it->n + 1, sizeof(*it->v));
	x = &it->v[it->n++];
	x->path = xmemdup(e->path, e->pathlen + 1);
	x->len = e->pathlen;
	x->mode = e->stx.stx_mode;
	x->err = e->err;
	x->is_base = e->is_base;
	x->depth = e->depth;
	x->fd_ok = efd >= 0 && fstat(efd, &st) == 0 && S_ISDIR(st.st_mode) &&
		   st.st_ino == e->stx.stx_ino;
}

/* Walks everything; *maxfds: most descriptors seen open at once, if asked. */
static struct items walk_all(const char *root, const char *const *bases, size_t nbases,
			     prune_fn prune, void *ctx, int *maxfds)
{
	struct items it = { NULL, 0 };
	const struct walk_entry *e;
	struct walk *w = walk_open(root, bases, nbases, STATX_SIZE);
	int r;

	ck_assert_msg(w != NULL, "walk_open: %s", error_last());
	if (maxfds)
		*maxfds = 0;
	while ((r = walk_next(w, &e)) == 1) {
		int efd = walk_entry_fd(w);

		ck_assert_uint_eq(strlen(e->path) <= e->pathlen, 1);
		ck_assert(e->pathlen >= 1 && e->path[0] == '/');
		item_add(&it, e, efd);
		if (!S_ISDIR(e->stx.stx_mode))
			ck_assert_int_eq(efd, -1);
		if (prune && S_ISDIR(e->stx.stx_mode) && prune(e->path, ctx))
			walk_prune(w);
		if (maxfds && (it.n % 50 == 0 || e->depth > 1900)) {
			int n = fd_count();

			if (n > *maxfds)
				*maxfds = n;
		}
	}
	ck_assert_msg(r == 0, "walk_next: %s", error_last());
	walk_free(w);
	return it;
}

static long find(const struct items *it, const char *path)
{
	for (size_t i = 0; i < it->n; i++)
		if (it->v[i].len == strlen(path) && !memcmp(it->v[i].path, path, it->v[i].len))
			return (long)i;
	return -1;
}

static void assert_sorted_unique(const struct items *it)
{
	for (size_t i = 1; i < it->n; i++)
		ck_assert_msg(key_cmp(it->v[i - 1].path, it->v[i - 1].len,
				      it->v[i].path, it->v[i].len) < 0,
			      "out of order: '%s' then '%s'", it->v[i - 1].path, it->v[i].path);
}

/* The walk yielded exactly these paths, in this order. */
static void assert_paths(const struct items *it, const char *const *want, size_t n)
{
	for (size_t i = 0; i < it->n && i < n; i++)
		ck_assert_str_eq(it->v[i].path, want[i]);
	ck_assert_uint_eq(it->n, n);
}

static bool prune_list(const char *path, void *ctx)
{
	for (const char *const *p = ctx; *p; p++)
		if (!strcmp(path, *p))
			return true;
	return false;
}

/* Warnings are collected, not printed. */
static struct strbuf warnings;

static void collect_warning(void *ctx, const char *msg)
{
	(void)ctx;
	strbuf_adds(&warnings, msg);
	strbuf_addc(&warnings, '\n');
}

static void setup(void)
{
	strbuf_init(&warnings);
	warning_set_handler(collect_warning, NULL);
}

static void teardown(void)
{
	warning_set_handler(NULL, NULL);
	strbuf_release(&warnings);
}

static const char *const slash[] = { "/" };

/* ---- tests -------------------------------------------------------------- */

START_TEST(test_order_tricky_names)
{
	char *root = unit_tmpdir();
	char longname[256];
	struct items it;
	const char *names[] = {
		"a.b", "a0", "A", "~", "x\ny", "\x1b[31m", "bad\xff", "a\xc3\xa9", "-", " sp",
	};
	size_t nwant = 0;
	char *want[32];

	memset(longname, 'L', 255);
	longname[255] = '\0';
	mk_dir(root, "a");
	mk_dir(root, "a/b");
	unit_write(root, "a/b/c", "");
	unit_write(root, "a/b.c", "");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unit_write(root, names[i], "x");
	unit_write(root, longname, "x");

	want[nwant++] = xstrdup("/");
	want[nwant++] = xstrdup("/a");
	want[nwant++] = xstrdup("/a/b");
	want[nwant++] = xstrdup("/a/b/c");
	want[nwant++] = xstrdup("/a/b.c");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		want[nwant++] = join("", names[i]);
	want[nwant++] = join("", longname);
	/* The expected order is key_cmp's, whatever readdir returned. */
	for (size_t i = 1; i < nwant; i++)
		for (size_t j = i; j > 0 && key_cmp(want[j - 1], strlen(want[j - 1]),
						     want[j], strlen(want[j])) > 0; j--) {
			char *t = want[j];

			want[j] = want[j - 1];
			want[j - 1] = t;
		}

	it = walk_all(root, slash, 1, NULL, NULL, NULL);
	assert_sorted_unique(&it);
	assert_paths(&it, (const char *const *)want, nwant);
	ck_assert_int_eq(it.v[0].is_base, 1);
	ck_assert_uint_eq(it.v[0].depth, 0);
	ck_assert(S_ISDIR(it.v[0].mode));
	ck_assert_int_eq(it.v[0].fd_ok, 1);
	ck_assert_uint_eq(it.v[find(&it, "/a/b/c")].depth, 3);
	ck_assert_int_eq(it.v[find(&it, "/a/b")].is_base, 0);
	ck_assert_int_eq(it.v[find(&it, "/a/b")].fd_ok, 1);
	/* "/a/b" right after "/a", before "/a.b" and "/a0". */
	ck_assert_int_lt(find(&it, "/a/b/c"), find(&it, "/a.b"));
	ck_assert_int_lt(find(&it, "/a.b"), find(&it, "/a0"));
	for (size_t i = 0; i < nwant; i++)
		free(want[i]);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_root_entry)
{
	char *root = unit_tmpdir();
	struct walk *w = walk_open(root, slash, 1, 0);
	const struct walk_entry *e;
	struct stat st, rs;

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(walk_next(w, &e), 1);
	ck_assert_str_eq(e->path, "/");
	ck_assert_str_eq(e->name, "/");
	ck_assert_int_eq(e->is_base, 1);
	ck_assert_int_eq(stat(root, &rs), 0);
	ck_assert_int_eq(fstat(e->dirfd, &st), 0);
	ck_assert_uint_eq(st.st_ino, rs.st_ino);
	ck_assert_int_eq(fstat(walk_entry_fd(w), &st), 0);
	ck_assert_uint_eq(st.st_ino, rs.st_ino);
	ck_assert_uint_eq(e->stx.stx_ino, rs.st_ino);
	ck_assert_int_eq(walk_next(w, &e), 0);
	ck_assert_int_eq(walk_next(w, &e), 0);
	walk_free(w);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_symlinks_not_followed)
{
	char *root = unit_tmpdir();
	struct items it;
	static const char *const want[] = {
		"/", "/abs", "/d", "/d/f", "/ld", "/loop1", "/loop2",
	};

	mk_dir(root, "d");
	unit_write(root, "d/f", "x");
	mk_link(root, "ld", "d");
	mk_link(root, "loop1", "loop2");
	mk_link(root, "loop2", "loop1");
	mk_link(root, "abs", "/");
	it = walk_all(root, slash, 1, NULL, NULL, NULL);
	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	ck_assert(S_ISLNK(it.v[find(&it, "/ld")].mode));
	ck_assert(S_ISLNK(it.v[find(&it, "/loop1")].mode));
	ck_assert(S_ISLNK(it.v[find(&it, "/abs")].mode));
	ck_assert_int_eq(it.v[find(&it, "/ld")].fd_ok, 0);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_fifo_and_socket)
{
	char *root = unit_tmpdir();
	char *p = join(root, "fifo");
	struct sockaddr_un sa;
	struct items it;
	int s;

	ck_assert_int_eq(mkfifo(p, 0644), 0);
	free(p);
	p = join(root, "sock");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(p), sizeof(sa.sun_path));
	strcpy(sa.sun_path, p);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* A walker that opened the FIFO would block here (Check's timeout). */
	it = walk_all(root, slash, 1, NULL, NULL, NULL);
	ck_assert_uint_eq(it.n, 3);
	ck_assert(S_ISFIFO(it.v[find(&it, "/fifo")].mode));
	ck_assert(S_ISSOCK(it.v[find(&it, "/sock")].mode));
	close(s);
	free(p);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

/*
 * A chain of depth directories "d0001", ... (namelen bytes), every zz_every
 * level also holding a file "zz" that sorts after the subdirectory, so that
 * climbing back needs that level's descriptor again. Returns the number of
 * zz files. (Levels without one keep the test fast on slow disks.)
 */
static unsigned make_chain(const char *root, unsigned depth, size_t namelen, unsigned zz_every)
{
	unsigned zz = 0;

	int fd = open(root, O_RDONLY | O_DIRECTORY), nfd, f;
	char name[256];

	ck_assert_int_ge(fd, 0);
	for (unsigned i = 0; i < depth; i++) {
		snprintf(name, sizeof(name), "d%0*u", (int)namelen - 1, i);
		ck_assert_int_eq(mkdirat(fd, name, 0755), 0);
		if (i % zz_every == 0) {
			f = openat(fd, "zz", O_WRONLY | O_CREAT | O_EXCL, 0644);
			ck_assert_int_ge(f, 0);
			close(f);
			zz++;
		}
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(nfd, 0);
		close(fd);
		fd = nfd;
	}
	close(fd);
	return zz;
}

START_TEST(test_deep_long_path)
{
	char *root = unit_tmpdir();
	struct items it;
	size_t longest = 0, zz = 0;
	int base_fds = fd_count(), maxfds;
	unsigned nzz = make_chain(root, 300, 20, 3);

	it = walk_all(root, slash, 1, NULL, NULL, &maxfds);
	ck_assert_uint_eq(it.n, 1 + 300 + nzz);
	assert_sorted_unique(&it);
	for (size_t i = 0; i < it.n; i++) {
		if (it.v[i].len > longest)
			longest = it.v[i].len;
		if (it.v[i].len >= 3 && !strcmp(it.v[i].path + it.v[i].len - 3, "/zz"))
			zz++;
		ck_assert_int_eq(it.v[i].err, 0);
	}
	ck_assert_uint_eq(zz, nzz);
	ck_assert_uint_gt(longest, 4096);
	ck_assert_uint_eq(longest, 300 * 21);
	ck_assert_int_le(maxfds, base_fds + WALK_MAX_FDS);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_depth_2000_fd_limit)
{
	char *root = unit_tmpdir();
	struct items it;
	size_t zz = 0;
	unsigned deepest = 0;
	int base_fds = fd_count(), maxfds;
	unsigned nzz = make_chain(root, 2000, 2, 13);

	it = walk_all(root, slash, 1, NULL, NULL, &maxfds);
	ck_assert_uint_eq(it.n, 1 + 2000 + nzz);
	assert_sorted_unique(&it);
	for (size_t i = 0; i < it.n; i++) {
		if (it.v[i].len >= 3 && !strcmp(it.v[i].path + it.v[i].len - 3, "/zz"))
			zz++;
		if (it.v[i].depth > deepest)
			deepest = it.v[i].depth;
	}
	ck_assert_uint_eq(zz, nzz);
	ck_assert_uint_eq(deepest, 2000);
	ck_assert_int_gt(maxfds, 0);
	ck_assert_int_le(maxfds, base_fds + WALK_MAX_FDS);
	ck_assert_uint_eq(warnings.len, 0);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* True if some open descriptor of ours is the directory at path. */
static bool fd_open_on(const char *path)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char link[300], target[8192];
	bool found = false;

	ck_assert_ptr_nonnull(d);
	while (!found && (de = readdir(d))) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		found = !strcmp(target, path);
	}
	closedir(d);
	return found;
}

/*
 * A directory replaced while its descriptor was closed is detected when
 * the walk climbs back to it, and the rest of it is skipped.
 */
START_TEST(test_replaced_directory)
{
	char *tmp = unit_tmpdir(), *root = realpath(tmp, NULL);
	char *x = join(root, "x");
	struct strbuf level, key, want;
	struct walk *w;
	const struct walk_entry *e;
	bool swapped = false, saw_zz = false;
	int r;

	strbuf_init(&level);
	strbuf_init(&key);
	strbuf_init(&want);
	mk_dir(root, "x");
	make_chain(x, 100, 3, 1);	/* x/d00/d01/..., and zz beside each dNN */
	w = walk_open(root, slash, 1, 0);
	ck_assert_ptr_nonnull(w);
	while ((r = walk_next(w, &e)) == 1) {
		if (!swapped && e->depth == 100) {
			char *old;

			/* The shallowest level whose descriptor the walker closed. */
			strbuf_adds(&level, x);
			strbuf_adds(&key, "/x");
			for (unsigned k = 0; k < 90; k++) {
				strbuf_addf(&level, "/d%02u", k);
				strbuf_addf(&key, "/d%02u", k);
				if (!fd_open_on(level.buf))
					break;
			}
			ck_assert(!fd_open_on(level.buf));
			old = xmalloc(level.len + 8);
			sprintf(old, "%s.old", level.buf);
			ck_assert_int_eq(rename(level.buf, old), 0);
			ck_assert_int_eq(mkdir(level.buf, 0755), 0);
			unit_write(level.buf, "zz", "new");
			free(old);
			swapped = true;
		}
		if (swapped && e->pathlen == key.len + 3 && !memcmp(e->path, key.buf, key.len) &&
		    !strcmp(e->path + key.len, "/zz"))
			saw_zz = true;
	}
	ck_assert_int_eq(r, 0);
	ck_assert(swapped);
	ck_assert_msg(!saw_zz, "walked on in the replaced directory '%s'", key.buf);
	strbuf_addf(&want, "directory '%s' changed during the scan; the rest of it is skipped\n",
		    key.buf);
	ck_assert_str_eq(warnings.buf, want.buf);
	walk_free(w);
	strbuf_release(&level);
	strbuf_release(&key);
	strbuf_release(&want);
	unit_rmtree(root);
	free(root);
	free(tmp);
	free(x);
}
END_TEST

START_TEST(test_vanished_entries)
{
	char *root = unit_tmpdir();
	struct walk *w;
	const struct walk_entry *e;
	struct items it = { NULL, 0 };
	static const char *const want[] = { "/", "/d1", "/f1", "/f2", "/f4" };

	mk_dir(root, "d1");
	mk_dir(root, "d2");
	unit_write(root, "f1", "");
	unit_write(root, "f2", "");
	unit_write(root, "f3", "");
	unit_write(root, "f4", "");
	w = walk_open(root, slash, 1, 0);
	ck_assert_ptr_nonnull(w);
	while (walk_next(w, &e) == 1) {
		item_add(&it, e, -1);
		if (!strcmp(e->path, "/d1"))
			rm(root, "d2");
		if (!strcmp(e->path, "/f2"))
			rm(root, "f3");
	}
	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	ck_assert_uint_eq(warnings.len, 0);
	walk_free(w);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_prune)
{
	char *root = unit_tmpdir();
	static const char *const prune[] = { "/a", NULL };
	static const char *const want[] = { "/", "/a", "/b", "/b/z" };
	struct items it;

	mk_dir(root, "a");
	unit_write(root, "a/x", "");
	mk_dir(root, "a/y");
	mk_dir(root, "b");
	unit_write(root, "b/z", "");
	it = walk_all(root, slash, 1, prune_list, (void *)prune, NULL);
	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

static char *make_etc(void)
{
	char *root = unit_tmpdir();

	mk_dir(root, "etc");
	unit_write(root, "etc/hosts", "");
	mk_dir(root, "etc/ssh");
	unit_write(root, "etc/ssh/sshd_config", "");
	mk_dir(root, "etc/ssl");
	mk_dir(root, "etc/ssl/certs");
	unit_write(root, "etc/ssl/certs/ca", "");
	unit_write(root, "etc/sudoers", "");
	unit_write(root, "etc.bak", "");
	return root;
}

START_TEST(test_nested_bases_once)
{
	char *root = make_etc();
	static const char *const bases[] = { "/etc/ssh", "/etc", "//etc/./ssh/", "/etc" };
	static const char *const want[] = {
		"/etc", "/etc/hosts", "/etc/ssh", "/etc/ssh/sshd_config", "/etc/ssl",
		"/etc/ssl/certs", "/etc/ssl/certs/ca", "/etc/sudoers",
	};
	struct items it = walk_all(root, bases, 4, NULL, NULL, NULL);

	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	ck_assert_int_eq(it.v[0].is_base, 1);
	ck_assert_uint_eq(it.v[0].depth, 0);
	ck_assert_int_eq(it.v[2].is_base, 1);
	ck_assert_uint_eq(it.v[2].depth, 1);
	ck_assert_int_eq(it.v[1].is_base, 0);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_nested_bases_outer_pruned)
{
	char *root = make_etc();
	static const char *const bases[] = { "/etc", "/etc/ssh", "/etc/ssl/certs" };
	static const char *const prune[] = { "/etc", NULL };
	static const char *const want[] = {
		"/etc", "/etc/ssh", "/etc/ssh/sshd_config", "/etc/ssl/certs", "/etc/ssl/certs/ca",
	};
	struct items it = walk_all(root, bases, 3, prune_list, (void *)prune, NULL);

	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	ck_assert_int_eq(it.v[1].is_base, 1);
	ck_assert_uint_eq(it.v[1].depth, 0);
	ck_assert_int_eq(it.v[3].is_base, 1);
	ck_assert_uint_eq(it.v[4].depth, 1);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_nested_base_under_pruned_middle)
{
	char *root = make_etc();
	static const char *const bases[] = { "/etc", "/etc/ssl/certs" };
	static const char *const prune[] = { "/etc/ssl", NULL };
	static const char *const want[] = {
		"/etc", "/etc/hosts", "/etc/ssh", "/etc/ssh/sshd_config", "/etc/ssl",
		"/etc/ssl/certs", "/etc/ssl/certs/ca", "/etc/sudoers",
	};
	struct items it = walk_all(root, bases, 2, prune_list, (void *)prune, NULL);

	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	ck_assert_uint_eq(it.v[5].depth, 0);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* A nested base behind a symlink is resolved like any base. */
START_TEST(test_nested_base_through_symlink)
{
	char *root = make_etc();
	static const char *const bases[] = { "/etc", "/etc/lnk/certs" };
	static const char *const want[] = {
		"/etc", "/etc/hosts", "/etc/lnk", "/etc/lnk/certs", "/etc/lnk/certs/ca",
		"/etc/ssh", "/etc/ssh/sshd_config", "/etc/ssl", "/etc/ssl/certs",
		"/etc/ssl/certs/ca", "/etc/sudoers",
	};
	struct items it;

	mk_link(root, "etc/lnk", "ssl");
	it = walk_all(root, bases, 2, NULL, NULL, NULL);
	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	ck_assert(S_ISLNK(it.v[2].mode));
	ck_assert(S_ISDIR(it.v[3].mode));
	ck_assert_int_eq(it.v[3].is_base, 1);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_base_is_symlink)
{
	char *root = make_etc();
	static const char *const bases[] = { "/lnk" };
	struct items it;

	mk_link(root, "lnk", "etc");
	it = walk_all(root, bases, 1, NULL, NULL, NULL);
	ck_assert_uint_eq(it.n, 1);
	ck_assert_str_eq(it.v[0].path, "/lnk");
	ck_assert(S_ISLNK(it.v[0].mode));
	ck_assert_int_eq(it.v[0].is_base, 1);
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* "--root" must hold even against absolute symlinks and "..". */
START_TEST(test_base_stays_in_root)
{
	char *root = unit_tmpdir();
	static const char *const bases[] = { "/up/etc", "/esc/etc", "/../../etc" };
	static const char *const want[] = {
		"/esc/etc", "/esc/etc/marker", "/etc", "/etc/marker", "/up/etc", "/up/etc/marker",
	};
	struct items it;

	mk_dir(root, "etc");
	unit_write(root, "etc/marker", "");
	mk_link(root, "up", "/");
	mk_link(root, "esc", "/../../../../..");
	it = walk_all(root, bases, 3, NULL, NULL, NULL);
	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_missing_bases)
{
	char *root = make_etc();
	static const char *const bases[] = { "/nope", "/nope/deeper", "/etc/hosts/x", "/etc/hosts" };
	struct items it = walk_all(root, bases, 4, NULL, NULL, NULL);

	ck_assert_uint_eq(it.n, 1);
	ck_assert_str_eq(it.v[0].path, "/etc/hosts");
	ck_assert(S_ISREG(it.v[0].mode));
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_open_errors)
{
	static const char *const rel[] = { "etc" };
	struct walk *w = walk_open("/nonexistent/imscan-root", slash, 1, 0);

	ck_assert_ptr_null(w);
	ck_assert_str_eq(error_last(), "cannot open root '/nonexistent/imscan-root': "
			 "No such file or directory");
	w = walk_open(NULL, rel, 1, 0);
	ck_assert_ptr_null(w);
	ck_assert_str_eq(error_last(), "base 'etc': not an absolute path");
}
END_TEST

START_TEST(test_unreadable_dir)
{
	char *root = make_etc();
	static const char *const want[] = {
		"/", "/etc", "/etc/hosts", "/etc/ssh", "/etc/ssl", "/etc/ssl/certs",
		"/etc/ssl/certs/ca", "/etc/sudoers", "/etc.bak", "/noexec", "/noexec/f",
	};
	char *p = join(root, "etc/ssh"), *q = join(root, "noexec");
	struct items it;
	bool dropped = false;

	ck_assert_int_eq(chmod(p, 0), 0);
	/* Listable but not searchable: names without stat. */
	mk_dir(root, "noexec");
	unit_write(root, "noexec/f", "");
	ck_assert_int_eq(chmod(q, 0444), 0);
	if (geteuid() == 0) {
		/* Root reads anything: look as nobody (Check runs each test in
		 * its own process; the id is restored below all the same). */
		ck_assert_int_eq(chmod(root, 0755), 0);
		if (seteuid(65534) != 0) {
			UNIT_SKIP("cannot drop root: %s", strerror(errno));
			goto out;
		}
		dropped = true;
	}
	it = walk_all(root, slash, 1, NULL, NULL, NULL);
	if (dropped)
		ck_assert_int_eq(seteuid(0), 0);
	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	ck_assert_int_eq(it.v[3].err, EACCES);
	ck_assert_int_eq(it.v[3].fd_ok, 0);
	ck_assert(S_ISDIR(it.v[3].mode));
	ck_assert_int_eq(it.v[9].err, 0);
	ck_assert_int_eq(it.v[10].err, EACCES);
	ck_assert_uint_eq(it.v[10].mode, 0);
	items_free(&it);
out:
	chmod(p, 0755);
	chmod(q, 0755);
	free(p);
	free(q);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_system_dirs_not_descended)
{
	char *root = unit_tmpdir();
	static const char *const want1[] = {
		"/", "/dev", "/proc", "/procx", "/procx/y", "/run", "/sys", "/var", "/var/run",
		"/var/run/pid",
	};
	static const char *const bases2[] = { "/", "/proc/1" };
	static const char *const want2[] = {
		"/", "/dev", "/proc", "/proc/1", "/proc/1/x", "/procx", "/procx/y", "/run", "/sys",
		"/var", "/var/run", "/var/run/pid",
	};
	static const char *const bases3[] = { "/dev" };
	static const char *const want3[] = { "/dev", "/dev/null" };
	struct items it;

	mk_dir(root, "proc");
	mk_dir(root, "proc/1");
	unit_write(root, "proc/1/x", "");
	mk_dir(root, "sys");
	unit_write(root, "sys/k", "");
	mk_dir(root, "dev");
	unit_write(root, "dev/null", "");
	mk_dir(root, "run");
	unit_write(root, "run/r", "");
	mk_dir(root, "procx");
	unit_write(root, "procx/y", "");
	mk_dir(root, "var");
	mk_dir(root, "var/run");
	unit_write(root, "var/run/pid", "");

	it = walk_all(root, slash, 1, NULL, NULL, NULL);
	assert_paths(&it, want1, sizeof(want1) / sizeof(want1[0]));
	ck_assert_int_eq(it.v[2].fd_ok, 1);	/* yielded with its descriptor */
	items_free(&it);
	it = walk_all(root, bases2, 2, NULL, NULL, NULL);
	assert_paths(&it, want2, sizeof(want2) / sizeof(want2[0]));
	items_free(&it);
	it = walk_all(root, bases3, 1, NULL, NULL, NULL);
	assert_paths(&it, want3, sizeof(want3) / sizeof(want3[0]));
	items_free(&it);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_pseudo_fs_not_descended)
{
	char *root = unit_tmpdir();
	char *mnt = join(root, "kernel");
	static const char *const want[] = { "/", "/kernel", "/z" };
	struct items it;

	mk_dir(root, "kernel");
	unit_write(root, "z", "");
	if (mount("proc", mnt, "proc", 0, NULL) != 0) {
		UNIT_SKIP("cannot mount proc: %s", strerror(errno));
		goto out;
	}
	it = walk_all(root, slash, 1, NULL, NULL, NULL);
	umount2(mnt, MNT_DETACH);
	assert_paths(&it, want, sizeof(want) / sizeof(want[0]));
	items_free(&it);
out:
	free(mnt);
	unit_rmtree(root);
	free(root);
}
END_TEST

Suite *make_walk_suite(void)
{
	Suite *s = suite_create("walk");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_order_tricky_names);
	tcase_add_test(tc, test_root_entry);
	tcase_add_test(tc, test_symlinks_not_followed);
	tcase_add_test(tc, test_fifo_and_socket);
	tcase_add_test(tc, test_deep_long_path);
	tcase_add_test(tc, test_depth_2000_fd_limit);
	tcase_add_test(tc, test_replaced_directory);
	tcase_add_test(tc, test_vanished_entries);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_nested_bases_once);
	tcase_add_test(tc, test_nested_bases_outer_pruned);
	tcase_add_test(tc, test_nested_base_under_pruned_middle);
	tcase_add_test(tc, test_nested_base_through_symlink);
	tcase_add_test(tc, test_base_is_symlink);
	tcase_add_test(tc, test_base_stays_in_root);
	tcase_add_test(tc, test_missing_bases);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_unreadable_dir);
	tcase_add_test(tc, test_system_dirs_not_descended);
	tcase_add_test(tc, test_pseudo_fs_not_descended);
	suite_add_tcase(s, tc);
	return s;
}
