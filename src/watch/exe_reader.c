/*
 * exe_reader.c - other processes' executables, for a confined watcher
 * (watch_procinfo.h).
 *
 * Landlock keeps a confined process out of /proc/PID/exe of processes
 * outside its domain (a ptrace-mode check), so a confined watcher could
 * name who wrote but not with what program. Before it confines itself,
 * the watcher forks this reader: a process that holds no descriptor but
 * its end of a socket pair and answers one question, "pid -> the target
 * of /proc/PID/exe", under its own seccomp filter (the caller's confine
 * callback) but no Landlock. It ends when the watcher does (end of file,
 * or PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/watch_procinfo.h"

static int reader_fd = -1;
static pid_t reader_pid = -1;

static _Noreturn void serve(int fd)
{
	char link[32], path[PATH_MAX];
	int32_t pid;

	for (;;) {
		ssize_t n = recv(fd, &pid, sizeof(pid), 0);

		if (n != (ssize_t)sizeof(pid))
			_exit(0);
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		n = pid > 0 ? readlink(link, path, sizeof(path)) : -1;
		if (send(fd, path, n > 0 ? (size_t)n : 0, MSG_NOSIGNAL) < 0)
			_exit(0);
	}
}

int procinfo_exe_reader_start(void (*confine)(void))
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return error("exe reader: socketpair: %s", strerror(errno));
	reader_pid = fork();
	if (reader_pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return error("exe reader: fork: %s", strerror(errno));
	}
	if (reader_pid == 0) {
		/* Only _exit from here: the watcher's stdio buffers are not ours. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(sv[1], 3) < 0 || close_range(4, ~0U, 0) < 0)
			_exit(1);
		if (confine)
			confine();
		serve(3);
	}
	close(sv[1]);
	reader_fd = sv[0];
	return 0;
}

ssize_t procinfo_exe_reader_ask(pid_t pid, char *out, size_t size)
{
	int32_t p = (int32_t)pid;
	ssize_t n;

	if (reader_fd < 0 || size < 2)
		return -1;
	if (send(reader_fd, &p, sizeof(p), MSG_NOSIGNAL) != (ssize_t)sizeof(p))
		return -1;
	n = recv(reader_fd, out, size - 1, 0);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	return n;
}

void procinfo_exe_reader_stop(void)
{
	if (reader_fd < 0)
		return;
	close(reader_fd);	/* the reader sees the end and exits */
	reader_fd = -1;
	while (waitpid(reader_pid, NULL, 0) < 0 && errno == EINTR)
		;
	reader_pid = -1;
}
