/*
 * check_sandbox.c - sandbox_confine(): what a confined process can still
 * do, and what it no longer can.
 *
 * Confinement lasts for the rest of a process, so each test confines a
 * child of its own and reads back what the child saw (0 or an errno per
 * operation) through a pipe. Where the kernel has no Landlock (or under
 * valgrind, which does not know its syscalls) the tests skip, saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Never returns: confines, acts, writes what it saw to fd, then execs. */
static void child(int fd, const char *writable)
{
	struct seen s = { 0 };
	char *argv[] = { (char *)"/bin/true", NULL };

	bool skip;

	s.rc = sandbox_confine(writable, &s.rep);
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
	int p[2], status, e = -1;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		child(p[1], writable);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], s, sizeof(*s)), sizeof(*s));
	if (read(p[0], &e, sizeof(e)) == sizeof(e))
		s->exec = e;
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
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
	if (s.rep.landlock_abi >= 3)
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

Suite *make_sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_confined_to_dir);
	tcase_add_test(tc, test_no_writes_at_all);
	tcase_add_test(tc, test_failure_is_reported);
	suite_add_tcase(s, tc);
	return s;
}
