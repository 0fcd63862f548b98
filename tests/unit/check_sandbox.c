/*
 * check_sandbox.c - sandbox_confine(): what a confined process can still
 * do, and what it no longer can.
 *
 * Confinement lasts for the rest of a process, so each test confines a
 * child of its own and reads back what the child saw (0 or an errno per
 * operation) through a pipe. Where the kernel has no Landlock (or under
 * valgrind, which does not know its syscalls) the tests skip, saying so.
 * The profile tests make each call once unconfined, as the control that
 * shows the call works here, then under each profile's filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/fs.h>

#include "imscan/baseline.h"
#include "imscan/error.h"
#include "imscan/sandbox.h"
#include "imscan/xalloc.h"
#include "unit.h"

/* What the confined child saw: 0 for success, else the errno. */
struct seen {
	int rc;				/* sandbox_confine() */
	struct sandbox_report rep;
	int create_a, rename_a, sync_a, unlink_a;
	int create_b, unlink_b, mkdir_b, symlink_b, truncate_b, rename_ab, read_b;
	int ptrace, setuid;
	int exec;			/* -1: execve replaced the child */
};

static char *dir, *a, *b;

static char *join(const char *d, const char *name)
{
	char *p = xmalloc(strlen(d) + strlen(name) + 2);

	sprintf(p, "%s/%s", d, name);
	return p;
}

static void setup(void)
{
	dir = unit_tmpdir();
	a = join(dir, "a");
	b = join(dir, "b");
	ck_assert_int_eq(mkdir(a, 0755), 0);
	ck_assert_int_eq(mkdir(b, 0755), 0);
	unit_write(dir, "a/old", "old\n");
	unit_write(dir, "b/keep", "keep\n");
}

static void teardown(void)
{
	unit_rmtree(dir);
	free(dir);
	free(a);
	free(b);
}

static int err(int rc)
{
	return rc < 0 ? errno : 0;
}

static int create(const char *d, const char *name)
{
	char *p = join(d, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int e = fd < 0 ? errno : 0;

	if (fd >= 0)
		close(fd);
	free(p);
	return e;
}

static int at(int (*fn)(const char *), const char *d, const char *name)
{
	char *p = join(d, name);
	int e = err(fn(p));

	free(p);
	return e;
}

static int mkdir_0700(const char *p)
{
	return mkdir(p, 0700);
}

static int symlink_here(const char *p)
{
	return symlink("keep", p);
}

static int truncate_0(const char *p)
{
	return truncate(p, 0);
}

static int read_one(const char *p)
{
	char c;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, &c, 1);

	if (fd >= 0)
		close(fd);
	return n == 1 ? 0 : -1;
}

/* What the baseline writer does beside the baseline: create, rename over, fsync the dir. */
static void writer_steps(struct seen *s)
{
	char *tmp = join(a, "new.tmp"), *old = join(a, "old");
	int fd;

	s->create_a = create(a, "new.tmp");
	s->rename_a = err(rename(tmp, old));
	fd = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->sync_a = fd < 0 ? errno : err(fsync(fd));
	if (fd >= 0)
		close(fd);
	s->unlink_a = at(unlink, a, "old");
	free(tmp);
	free(old);
}

static void outside_steps(struct seen *s)
{
	char *from = join(a, "moved"), *to = join(b, "moved");

	s->create_b = create(b, "new");
	s->unlink_b = at(unlink, b, "keep");
	s->mkdir_b = at(mkdir_0700, b, "sub");
	s->symlink_b = at(symlink_here, b, "link");
	s->truncate_b = at(truncate_0, b, "keep");
	(void)create(a, "moved");
	s->rename_ab = err(rename(from, to));
	s->read_b = at(read_one, b, "keep");
	s->ptrace = err((int)ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	s->setuid = err(setuid(getuid()));
	free(from);
	free(to);
}

/* Forks fn(the pipe's write end, arg), which never returns; returns the
 * read end. */
static int fork_child(void (*fn)(int, const void *), const void *arg, pid_t *pid)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	*pid = fork();
	ck_assert_int_ge(*pid, 0);
	if (*pid == 0) {
		close(p[0]);
		fn(p[1], arg);
	}
	close(p[1]);
	return p[0];
}

/* Closes the read end and reaps the child, which must have exited 0. */
static void child_done(int fd, pid_t pid)
{
	int status;

	close(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Never returns: confines, acts, writes what it saw to fd, then execs. */
static void child(int fd, const void *arg)
{
	const char *writable = arg;
	struct seen s = { 0 };
	char *argv[] = { (char *)"/bin/true", NULL };

	bool skip;

	s.rc = sandbox_confine(writable ? SANDBOX_WRITE : SANDBOX_CHECK, writable, &s.rep);
	skip = !s.rep.landlock_abi && !s.rep.failed;
	if (!skip) {
		writer_steps(&s);
		outside_steps(&s);
	}
	s.exec = -1;
	if (write(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
		_exit(1);
	if (!skip && s.rep.seccomp) {
		/* Reached only if the exec fails, which it must. */
		execve(argv[0], argv, NULL);
		s.exec = errno;
		if (write(fd, &s.exec, sizeof(s.exec)) != (ssize_t)sizeof(s.exec))
			_exit(1);
	}
	_exit(0);
}

/* Runs child() in a fork; false (and a printed reason) if there is no Landlock. */
static bool confined_run(const char *writable, struct seen *s, const char *test)
{
	pid_t pid;
	int fd = fork_child(child, writable, &pid), e = -1;

	ck_assert_int_eq(read(fd, s, sizeof(*s)), sizeof(*s));
	if (read(fd, &e, sizeof(e)) == sizeof(e))
		s->exec = e;
	child_done(fd, pid);
	if (!s->rep.landlock_abi && !s->rep.failed) {
		UNIT_SKIP("%s: %s", test, s->rep.text);
		return false;
	}
	return true;
}

START_TEST(test_confined_to_dir)
{
	struct seen s;

	if (!confined_run(a, &s, "confined to a directory"))
		return;
	ck_assert_msg(s.rc == 0 && !s.rep.failed, "%s", s.rep.text);
	ck_assert_int_eq(s.create_a, 0);
	ck_assert_int_eq(s.rename_a, 0);
	ck_assert_int_eq(s.sync_a, 0);
	ck_assert_int_eq(s.unlink_a, 0);
	ck_assert_int_eq(s.create_b, EACCES);
	ck_assert_int_eq(s.unlink_b, EACCES);
	ck_assert_int_eq(s.mkdir_b, EACCES);
	ck_assert_int_eq(s.symlink_b, EACCES);
	/* seccomp denies truncate by path before Landlock sees it. */
	if (s.rep.seccomp)
		ck_assert_int_eq(s.truncate_b, EPERM);
	else if (s.rep.landlock_abi >= 3)
		ck_assert_int_eq(s.truncate_b, EACCES);
	ck_assert_int_ne(s.rename_ab, 0);
	ck_assert_int_eq(s.read_b, 0);
	if (!s.rep.seccomp) {
		UNIT_SKIP("seccomp: %s", s.rep.text);
		return;
	}
	ck_assert_int_eq(s.exec, EPERM);
	if (!SANDBOX_ALLOWS_PTRACE)
		ck_assert_int_eq(s.ptrace, EPERM);
	ck_assert_int_eq(s.setuid, EPERM);
}
END_TEST

START_TEST(test_no_writes_at_all)
{
	struct seen s;

	if (!confined_run(NULL, &s, "read-only"))
		return;
	ck_assert_msg(s.rc == 0 && !s.rep.failed, "%s", s.rep.text);
	ck_assert_int_eq(s.create_a, EACCES);
	ck_assert_int_eq(s.unlink_a, EACCES);
	ck_assert_int_eq(s.create_b, EACCES);
	ck_assert_int_eq(s.read_b, 0);
}
END_TEST

/* A step that should have worked and did not: reported, and the rest still applied. */
START_TEST(test_failure_is_reported)
{
	char *missing = join(dir, "missing");
	struct seen s;
	bool ran = confined_run(missing, &s, "failure reported");

	free(missing);
	if (!ran)
		return;
	ck_assert_int_eq(s.rc, -1);
	ck_assert(s.rep.failed);
	ck_assert_int_eq(s.rep.landlock_abi, 0);
	ck_assert_msg(strstr(s.rep.text, "landlock failed: cannot open '") != NULL, "%s", s.rep.text);
	ck_assert_msg(strstr(s.rep.text, "/missing': No such file or directory") != NULL,
		      "%s", s.rep.text);
	/* Unconfined by Landlock: the writes outside go through. */
	ck_assert_int_eq(s.create_b, 0);
}
END_TEST

/* ---- the seccomp filter of each profile, call by call -------------------- */

/* What the calls act on: made before confinement, owned by the child. */
struct target {
	const char *name;	/* file's name in dir */
	const char *file;	/* has the xattrs user.y and user.z */
	int fd;			/* file, open for reading and writing */
	int dirfd;		/* the directory holding file */
	int flags;		/* file's chattr flags */
	int pidfd;		/* the child itself */
	int tty;		/* a pseudo-terminal's secondary side */
	struct fsxattr fsx;	/* file's FS_IOC_FSGETXATTR */
	struct file_handle *fh;	/* file's handle */
};

static int close_ok(int fd)
{
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int op_chmod(struct target *t) { return err(chmod(t->file, 04755)); }
static int op_fchmod(struct target *t) { return err(fchmod(t->fd, 04755)); }
static int op_fchmod_0600(struct target *t) { return err(fchmod(t->fd, 0600)); }
static int op_fchmodat(struct target *t) { return err(fchmodat(AT_FDCWD, t->file, 04755, 0)); }
static int op_fchmodat2(struct target *t)
{
	return err((int)syscall(452, AT_FDCWD, t->file, 04755, 0));
}
static int op_chown(struct target *t) { return err(chown(t->file, getuid(), getgid())); }
static int op_lchown(struct target *t) { return err(lchown(t->file, getuid(), getgid())); }
static int op_fchown(struct target *t) { return err(fchown(t->fd, getuid(), getgid())); }
static int op_fchownat(struct target *t)
{
	return err(fchownat(t->dirfd, t->name, getuid(), getgid(), AT_SYMLINK_NOFOLLOW));
}
static int op_utimensat(struct target *t) { return err(utimensat(AT_FDCWD, t->file, NULL, 0)); }
static int op_futimens(struct target *t) { return err(futimens(t->fd, NULL)); }
static int op_utimes(struct target *t) { return err(utimes(t->file, NULL)); }
static int op_setxattr(struct target *t)
{
	return err(setxattr(t->file, "user.x", "1", 1, 0));
}
static int op_lsetxattr(struct target *t)
{
	return err(lsetxattr(t->file, "user.x", "1", 1, 0));
}
static int op_fsetxattr(struct target *t) { return err(fsetxattr(t->fd, "user.x", "1", 1, 0)); }

/* File capabilities: cap_net_raw, effective. */
static int op_setcap(struct target *t)
{
	struct vfs_cap_data cap = { 0 };

	cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
	cap.data[0].permitted = 1u << CAP_NET_RAW;
	return err(setxattr(t->file, "security.capability", &cap, XATTR_CAPS_SZ_2, 0));
}
static int op_removexattr(struct target *t) { return err(removexattr(t->file, "user.y")); }
static int op_fremovexattr(struct target *t) { return err(fremovexattr(t->fd, "user.z")); }
static int op_setflags(struct target *t) { return err(ioctl(t->fd, FS_IOC_SETFLAGS, &t->flags)); }
static int op_fssetxattr(struct target *t) { return err(ioctl(t->fd, FS_IOC_FSSETXATTR, &t->fsx)); }
static int op_tiocsti(struct target *t) { return err(ioctl(t->tty, TIOCSTI, "x")); }
static int op_getflags(struct target *t)
{
	int flags;

	return err(ioctl(t->fd, FS_IOC_GETFLAGS, &flags));
}
static int op_truncate(struct target *t) { return err(truncate(t->file, 0)); }
static int op_ftruncate(struct target *t) { return err(ftruncate(t->fd, 0)); }
static int op_flock(struct target *t) { return err(flock(t->fd, LOCK_EX | LOCK_NB)); }
static int op_fallocate(struct target *t) { return err(fallocate(t->fd, 0, 0, 1)); }
static int op_kill_init(struct target *t) { (void)t; return err(kill(1, 0)); }
static int op_kill_self(struct target *t) { (void)t; return err(kill(getpid(), 0)); }
static int op_tgkill_init(struct target *t) { (void)t; return err((int)syscall(SYS_tgkill, 1, 1, 0)); }
static int op_tgkill_self(struct target *t)
{
	(void)t;
	return err((int)syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), 0));
}
static int op_tkill(struct target *t)
{
	(void)t;
	return err((int)syscall(SYS_tkill, (pid_t)syscall(SYS_gettid), 0));
}
static int op_pidfd_signal(struct target *t)
{
	return err((int)syscall(SYS_pidfd_send_signal, t->pidfd, 0, NULL, 0));
}
static int op_inet(struct target *t) { (void)t; return close_ok(socket(AF_INET, SOCK_STREAM, 0)); }
static int op_inet6(struct target *t) { (void)t; return close_ok(socket(AF_INET6, SOCK_DGRAM, 0)); }
static int op_netlink(struct target *t)
{
	(void)t;
	return close_ok(socket(AF_NETLINK, SOCK_RAW, 0));
}
static int op_packet(struct target *t) { (void)t; return close_ok(socket(AF_PACKET, SOCK_RAW, 0)); }
static int op_unix(struct target *t) { (void)t; return close_ok(socket(AF_UNIX, SOCK_DGRAM, 0)); }
static int op_unix_pair(struct target *t)
{
	int sv[2];

	(void)t;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return errno;
	close(sv[0]);
	close(sv[1]);
	return 0;
}
static int op_inet_pair(struct target *t)
{
	int sv[2];

	(void)t;
	/* Not supported by AF_INET at all: EOPNOTSUPP unconfined. */
	return socketpair(AF_INET, SOCK_STREAM, 0, sv) < 0 ? errno : 0;
}
static int op_inotify(struct target *t) { (void)t; return close_ok(inotify_init1(IN_CLOEXEC)); }
static int op_fanotify(struct target *t)
{
	(void)t;
	return close_ok(fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY));
}
static int op_pidfd_open(struct target *t)
{
	(void)t;
	return close_ok((int)syscall(SYS_pidfd_open, getpid(), 0));
}
static int op_by_handle(struct target *t)
{
	return t->fh ? close_ok(open_by_handle_at(t->dirfd, t->fh, O_RDONLY | O_CLOEXEC)) : EBADF;
}

#define CHECK		(1u << SANDBOX_CHECK)
#define WRITE		(1u << SANDBOX_WRITE)
#define WATCH		(1u << SANDBOX_WATCH)
#define WATCH_WRITE	(1u << SANDBOX_WATCH_WRITE)
#define EVERY		(CHECK | WRITE | WATCH | WATCH_WRITE)

/* Each call and the profiles that deny it; it must work unconfined. */
static const struct op {
	const char *name;
	int (*fn)(struct target *);
	unsigned denied_in;
	int unconfined;		/* what it gives unconfined: 0 mostly */
} ops[] = {
	{ "chmod 4755", op_chmod, EVERY, 0 },
	{ "fchmod 4755", op_fchmod, EVERY, 0 },
	{ "fchmod 0600", op_fchmod_0600, CHECK | WATCH, 0 },
	{ "fchmodat 4755", op_fchmodat, EVERY, 0 },
	{ "fchmodat2 4755", op_fchmodat2, EVERY, 0 },
	{ "chown", op_chown, EVERY, 0 },
	{ "lchown", op_lchown, EVERY, 0 },
	{ "fchown", op_fchown, EVERY, 0 },
	{ "fchownat", op_fchownat, EVERY, 0 },
	{ "utimensat", op_utimensat, EVERY, 0 },
	{ "futimens", op_futimens, EVERY, 0 },
	{ "utimes", op_utimes, EVERY, 0 },
	{ "setxattr user.x", op_setxattr, EVERY, 0 },
	{ "lsetxattr user.x", op_lsetxattr, EVERY, 0 },
	{ "fsetxattr user.x", op_fsetxattr, EVERY, 0 },
	{ "setxattr security.capability", op_setcap, EVERY, 0 },
	{ "removexattr", op_removexattr, EVERY, 0 },
	{ "fremovexattr", op_fremovexattr, EVERY, 0 },
	{ "ioctl FS_IOC_SETFLAGS", op_setflags, EVERY, 0 },
	{ "ioctl FS_IOC_FSSETXATTR", op_fssetxattr, EVERY, 0 },
	{ "ioctl TIOCSTI", op_tiocsti, EVERY, 0 },
	{ "ioctl FS_IOC_GETFLAGS", op_getflags, 0, 0 },
	{ "truncate", op_truncate, EVERY, 0 },
	{ "ftruncate", op_ftruncate, CHECK | WATCH, 0 },
	{ "flock", op_flock, CHECK | WATCH, 0 },
	{ "fallocate", op_fallocate, CHECK | WATCH, 0 },
	{ "kill(1, 0)", op_kill_init, EVERY, 0 },
	{ "kill(self, 0)", op_kill_self, 0, 0 },
	{ "tgkill(1, 1, 0)", op_tgkill_init, EVERY, 0 },
	{ "tgkill(self, tid, 0)", op_tgkill_self, 0, 0 },
	{ "tkill", op_tkill, EVERY, 0 },
	{ "pidfd_send_signal", op_pidfd_signal, EVERY, 0 },
	{ "socket(AF_INET)", op_inet, EVERY, 0 },
	{ "socket(AF_INET6)", op_inet6, EVERY, 0 },
	{ "socket(AF_NETLINK)", op_netlink, EVERY, 0 },
	{ "socket(AF_PACKET)", op_packet, EVERY, 0 },
	{ "socketpair(AF_INET)", op_inet_pair, EVERY, EOPNOTSUPP },
	{ "socket(AF_UNIX)", op_unix, 0, 0 },
	{ "socketpair(AF_UNIX)", op_unix_pair, 0, 0 },
	{ "inotify_init1", op_inotify, CHECK | WRITE, 0 },
	{ "fanotify_init", op_fanotify, CHECK | WRITE, 0 },
	{ "pidfd_open", op_pidfd_open, CHECK | WRITE, 0 },
	{ "open_by_handle_at", op_by_handle, CHECK | WRITE, 0 },
};

#define NOPS	(sizeof(ops) / sizeof(ops[0]))

struct op_results {
	struct sandbox_report rep;
	int rc[NOPS];
};

/* The file name in dir with its xattrs, descriptors and handle. */
static void target_init(struct target *t, const char *name)
{
	char *file = join(dir, name);
	int mount_id, pty;

	t->name = name;
	t->file = file;
	t->fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	t->pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	(void)setxattr(file, "user.y", "1", 1, 0);
	(void)setxattr(file, "user.z", "1", 1, 0);
	(void)ioctl(t->fd, FS_IOC_GETFLAGS, &t->flags);
	(void)ioctl(t->fd, FS_IOC_FSGETXATTR, &t->fsx);
	t->tty = -1;
	if ((pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) >= 0 && grantpt(pty) == 0 &&
	    unlockpt(pty) == 0)
		t->tty = open(ptsname(pty), O_RDWR | O_NOCTTY | O_CLOEXEC);
	t->fh = xmalloc(sizeof(*t->fh) + MAX_HANDLE_SZ);
	t->fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, file, t->fh, &mount_id, 0) < 0) {
		free(t->fh);
		t->fh = NULL;
	}
}

/* Never returns: makes its own file, confines itself with the profile
 * (none if < 0), makes every call and writes what each gave to fd. */
static void ops_child(int fd, const void *arg)
{
	int profile = *(const int *)arg;
	struct op_results res = { 0 };
	struct target t;

	target_init(&t, profile < 0 ? "free" : "confined");
	if (profile >= 0)
		(void)sandbox_confine((enum sandbox_profile)profile, NULL, &res.rep);
	for (size_t i = 0; i < NOPS; i++)
		res.rc[i] = ops[i].fn(&t);
	_exit(write(fd, &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
}

static void ops_run(int profile, struct op_results *res)
{
	pid_t pid;
	int fd = fork_child(ops_child, &profile, &pid);

	ck_assert_int_eq(read(fd, res, sizeof(*res)), sizeof(*res));
	child_done(fd, pid);
}

static const char *const profile_name[] = { "check", "write", "watch", "watch --update" };

/*
 * Each call, made unconfined first (a call this kernel or file system
 * does not offer there is skipped, saying why), then under the profile:
 * EPERM where the profile denies it, what it gave unconfined elsewhere
 * (or at least neither EPERM nor EACCES).
 */
START_TEST(test_profile_calls)
{
	struct op_results free_run, confined;
	const char *pn = profile_name[_i];

	ops_run(-1, &free_run);
	ops_run(_i, &confined);
	if (!confined.rep.seccomp) {
		printf("check_sandbox: %s calls: skipped, %s\n", pn, confined.rep.text);
		return;
	}
	for (size_t i = 0; i < NOPS; i++) {
		const struct op *op = &ops[i];
		int want = op->denied_in & (1u << _i) ? EPERM : op->unconfined;

		if (free_run.rc[i] != op->unconfined) {
			printf("check_sandbox: %s: %s: skipped, unconfined it gives: %s\n",
			       pn, op->name, strerror(free_run.rc[i]));
			continue;
		}
		/* An allowed call may meet a shared limit (inotify instances,
		 * fanotify groups) that the run before it did not: only a denial
		 * is wrong then. */
		if (want != EPERM && confined.rc[i] != want &&
		    confined.rc[i] != EPERM && confined.rc[i] != EACCES) {
			printf("check_sandbox: %s: %s: allowed, but gave: %s\n",
			       pn, op->name, strerror(confined.rc[i]));
			continue;
		}
		ck_assert_msg(confined.rc[i] == want, "%s: %s: got \"%s\", want \"%s\"", pn,
			      op->name, strerror(confined.rc[i]), strerror(want));
	}
}
END_TEST

struct writer_arg {
	enum sandbox_profile profile;
	const char *writable;
};

/* Confined first, as check --update is: the writer still writes. */
static void writer_child(int fd, const void *arg)
{
	const struct writer_arg *wa = arg;
	struct baseline_spec h = { 0 };
	struct baseline_writer *w;
	struct sandbox_report rep;
	char *path = join(a, "b.imdb");
	int rc[2];

	h.created = 1764000000000000000;
	h.host = "web1";
	h.root = "/";
	h.hash = ATTR_SHA256;
	h.tool = "imscan 0.1.0";
	h.rules_json = "[{\"id\": \"1\", \"entities\": [ {\"type\":\"file\"} ] }]";
	(void)sandbox_confine(wa->profile, wa->writable, &rep);
	rc[0] = baseline_writer_open(&w, path, &h);
	if (rc[0] == 0)
		rc[0] = baseline_writer_commit(w, NULL);
	rc[1] = rep.landlock_abi;
	free(path);
	_exit(write(fd, rc, sizeof(rc)) == (ssize_t)sizeof(rc) ? 0 : 1);
}

/* What the writer gave; *abi: the Landlock ABI it ran under. */
static int writer_run(enum sandbox_profile profile, const char *writable, int *abi)
{
	struct writer_arg wa = { profile, writable };
	int rc[2] = { 1, 0 };
	pid_t pid;
	int fd = fork_child(writer_child, &wa, &pid);

	ck_assert_int_eq(read(fd, rc, sizeof(rc)), sizeof(rc));
	child_done(fd, pid);
	*abi = rc[1];
	return rc[0];
}

START_TEST(test_write_profile_writes_baseline)
{
	struct baseline_reader *br = NULL;
	struct baseline_header h = { 0 };
	char *path = join(a, "b.imdb");
	struct stat st;
	int abi;

	ck_assert_int_eq(writer_run(SANDBOX_WRITE, a, &abi), 0);
	ck_assert_msg(baseline_reader_open(&br, path, NULL, &h) == 0, "%s", error_last());
	ck_assert_str_eq(h.host, "web1");
	baseline_reader_close(br);
	baseline_header_release(&h);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	free(path);
}
END_TEST

/* Under the check profile the same writer fails (where Landlock is). */
START_TEST(test_check_profile_writes_nothing)
{
	char *path = join(a, "b.imdb");
	int abi, rc = writer_run(SANDBOX_CHECK, NULL, &abi);

	if (!abi) {
		printf("check_sandbox: writer under check: skipped, no landlock\n");
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(access(path, F_OK), -1);
	}
	free(path);
}
END_TEST

/* What a check sees between its two steps (sandbox_confine_steps). */
struct steps_seen {
	struct sandbox_report first, second;
	int exe_first, exe_second;	/* readlink of a parent's /proc/PID/exe: 0 or errno */
};

static int read_exe(pid_t pid)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return readlink(path, buf, sizeof(buf)) > 0 ? 0 : errno;
}

static void steps_child(int fd, const void *arg)
{
	struct steps_seen s = { 0 };

	(void)arg;
	(void)sandbox_confine_steps(SANDBOX_CHECK, NULL, SANDBOX_SECCOMP, &s.first);
	s.exe_first = read_exe(getppid());
	(void)sandbox_confine_steps(SANDBOX_CHECK, NULL, SANDBOX_LANDLOCK, &s.second);
	s.exe_second = read_exe(getppid());
	_exit(write(fd, &s, sizeof(s)) == (ssize_t)sizeof(s) ? 0 : 1);
}

/* The seccomp step alone still lets a check read another process's
 * executable (live sources); Landlock, the second step, does not. */
START_TEST(test_steps)
{
	struct steps_seen s;
	pid_t pid;
	int fd = fork_child(steps_child, NULL, &pid);

	ck_assert_int_eq(read(fd, &s, sizeof(s)), sizeof(s));
	child_done(fd, pid);
	ck_assert_int_eq(s.first.landlock_abi, 0);
	ck_assert(!strstr(s.first.text, "landlock"));
	ck_assert_int_eq(s.exe_first, 0);
	ck_assert(!strstr(s.second.text, "seccomp"));
	if (!s.second.landlock_abi) {
		UNIT_SKIP("test_steps: %s", s.second.text);
		return;
	}
	ck_assert_int_eq(s.exe_second, EACCES);
}
END_TEST

Suite *make_sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_confined_to_dir);
	tcase_add_test(tc, test_no_writes_at_all);
	tcase_add_test(tc, test_failure_is_reported);
	tcase_add_loop_test(tc, test_profile_calls, SANDBOX_CHECK, SANDBOX_WATCH_WRITE + 1);
	tcase_add_test(tc, test_write_profile_writes_baseline);
	tcase_add_test(tc, test_check_profile_writes_nothing);
	tcase_add_test(tc, test_steps);
	suite_add_tcase(s, tc);
	return s;
}
