/* Attribution: the process behind a fanotify event, and procinfo_read. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/watch_backend.h"
#include "imscan/watch_procinfo.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define WRITER "imscan-writer-test"

static bool need_root(void)
{
	if (geteuid() != 0) {
		printf("check_watch_procinfo: fanotify case skipped: needs root\n");
		return false;
	}
	return true;
}

/* Starts the renamed shell writing <dir>/w/out; it then waits on stdin. */
static pid_t start_writer(const char *dir, int *hold, bool wait_stdin)
{
	char cmd[1024], exe[512];
	int p[2];
	pid_t pid;

	snprintf(exe, sizeof(exe), "%s/" WRITER, dir);
	snprintf(cmd, sizeof(cmd), "echo x > '%s/w/out'%s", dir, wait_stdin ? "; read x || :" : "");
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[0], 0);
		close(p[0]);
		close(p[1]);
		execl(exe, WRITER, "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	*hold = p[1];
	return pid;
}

/* The first event naming path, with its attribution copied out. */
static bool wait_event(struct watch_backend *w, const char *path, pid_t *pid,
		       struct procinfo *pi, bool *has)
{
	struct watch_batch b;
	struct pollfd pf = { .fd = watch_fd(w), .events = POLLIN };
	bool found = false;

	watch_batch_init(&b);
	while (!found && poll(&pf, 1, 2000) > 0) {
		int n = watch_read(w, &b);

		ck_assert_int_ge(n, 0);
		for (int i = 0; i < n && !found; i++) {
			if (!b.ev[i].path || strcmp(b.ev[i].path, path) != 0)
				continue;
			found = true;
			*pid = b.ev[i].pid;
			*has = b.ev[i].proc != NULL;
			if (*has)
				*pi = *b.ev[i].proc;
		}
	}
	watch_batch_release(&b);
	return found;
}

static struct watch_backend *watch_w(const char *dir)
{
	struct watch_opts o = { .attribute = true };
	struct watch_backend *w = NULL;
	const char *bases[] = { "/w" };

	ck_assert_msg(watch_open(&w, WATCH_FANOTIFY, dir, bases, 1, &o) == 0, "%s", error_last());
	return w;
}

/* The renamed shell beside <dir>/w, which is watched. */
static struct watch_backend *setup(const char *dir)
{
	char cmd[1024], w[512];

	snprintf(cmd, sizeof(cmd), "cp /bin/sh '%s/" WRITER "'", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(w, sizeof(w), "%s/w", dir);
	ck_assert_int_eq(mkdir(w, 0755), 0);
	return watch_w(dir);
}

static struct procinfo pi_buf;

START_TEST(test_writer_named)
{
	char *dir = unit_tmpdir(), exe[512];
	struct procinfo *pi = &pi_buf, self;
	struct watch_stats st;
	struct watch_backend *w;
	bool has = false;
	pid_t evpid = 0, pid;
	int status, hold;

	if (!need_root())
		goto out;
	w = setup(dir);
	pid = start_writer(dir, &hold, true);
	ck_assert(wait_event(w, "/w/out", &evpid, pi, &has));
	ck_assert_int_eq(evpid, pid);
	ck_assert(has);
	snprintf(exe, sizeof(exe), "%s/" WRITER, dir);
	ck_assert_int_eq(pi->pid, pid);
	ck_assert_uint_eq(pi->have & (PROCINFO_COMM | PROCINFO_EXE | PROCINFO_UID | PROCINFO_USER),
			  PROCINFO_COMM | PROCINFO_EXE | PROCINFO_UID | PROCINFO_USER);
	ck_assert_str_eq(pi->comm, "imscan-writer-t");
	ck_assert_str_eq(pi->exe, exe);
	ck_assert_uint_eq(pi->uid, 0);
	ck_assert_uint_eq(pi->euid, 0);
	ck_assert_str_eq(pi->user, "root");
	watch_get_stats(w, &st);
	ck_assert_int_eq(pi->verified, st.pidfd);
	/* The writer inherited our login uid, whatever it is. */
	ck_assert_int_eq(procinfo_read(&self, getpid(), -1), 0);
	ck_assert_uint_eq(pi->have & PROCINFO_LOGINUID, self.have & PROCINFO_LOGINUID);
	if (self.have & PROCINFO_LOGINUID)
		ck_assert_uint_eq(pi->loginuid, self.loginuid);
	close(hold);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	watch_close(w);
out:
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* A writer reaped before its event is read: its pid, and nothing guessed. */
START_TEST(test_writer_gone)
{
	char *dir = unit_tmpdir();
	struct procinfo *pi = &pi_buf;
	struct watch_backend *w;
	int hold, status;
	bool has = false;
	pid_t pid, evpid = 0;

	if (!need_root())
		goto out;
	w = setup(dir);
	pid = start_writer(dir, &hold, false);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(hold);
	ck_assert(wait_event(w, "/w/out", &evpid, pi, &has));
	ck_assert_int_eq(evpid, pid);
	ck_assert(has);
	ck_assert_int_eq(pi->pid, pid);
	ck_assert_uint_eq(pi->have, 0);
	ck_assert_str_eq(pi->exe, "");
	watch_close(w);
out:
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_read_self)
{
	struct procinfo *pi = &pi_buf;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	ck_assert_int_eq(procinfo_read(pi, getpid(), pidfd), 0);
	ck_assert_int_eq(pi->verified, pidfd >= 0);
	ck_assert_str_eq(pi->exe, exe);
	ck_assert_uint_eq(pi->uid, getuid());
	ck_assert_uint_eq(pi->euid, geteuid());
	ck_assert(pi->have & PROCINFO_COMM);
	if (pidfd >= 0)
		close(pidfd);
	ck_assert_int_eq(procinfo_read(pi, 0, -1), -1);
	ck_assert_str_eq(error_last(), "procinfo: pid 0: not a process id");
}
END_TEST

/* A pidfd whose process is reaped: only the pid, even if /proc/<pid> exists. */
START_TEST(test_read_reaped)
{
	struct procinfo *pi = &pi_buf;
	pid_t pid = fork();
	int pidfd, status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_int_ge(pidfd, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(procinfo_read(pi, pid, pidfd), 0);
	ck_assert_int_eq(pi->pid, pid);
	ck_assert_uint_eq(pi->have, 0);
	ck_assert(!pi->verified);
	close(pidfd);
}
END_TEST

Suite *make_watch_procinfo_suite(void)
{
	Suite *s = suite_create("watch_procinfo");
	TCase *tc = tcase_create("procinfo");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_writer_named);
	tcase_add_test(tc, test_writer_gone);
	tcase_add_test(tc, test_read_self);
	tcase_add_test(tc, test_read_reaped);
	suite_add_tcase(s, tc);
	return s;
}
