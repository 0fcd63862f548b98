/* procinfo.c - a process's identity from /proc, verified by its pidfd. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/watch_procinfo.h"

/* Reads a small /proc file below dirfd; returns its length or -1. */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static int name_of(uid_t uid, char *out, size_t cap)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -1;
	if (strlen(pw.pw_name) >= cap)
		return -1;
	strcpy(out, pw.pw_name);
	return 0;
}

/* "Uid:\t<real>\t<effective>\t..." */
static int parse_uids(const char *status, uid_t *uid, uid_t *euid)
{
	const char *p = strstr(status, "\nUid:");
	unsigned long r, e;
	char *end;

	if (!p)
		return -1;
	p += 5;
	r = strtoul(p, &end, 10);
	if (end == p)
		return -1;
	p = end;
	e = strtoul(p, &end, 10);
	if (end == p)
		return -1;
	*uid = (uid_t)r;
	*euid = (uid_t)e;
	return 0;
}

static void read_ids(struct procinfo *p, int dirfd)
{
	char buf[4096];
	char *end;
	unsigned long v;

	if (read_small(dirfd, "status", buf, sizeof(buf)) > 0 &&
	    parse_uids(buf, &p->uid, &p->euid) == 0) {
		p->have |= PROCINFO_UID;
		if (name_of(p->uid, p->user, sizeof(p->user)) == 0)
			p->have |= PROCINFO_USER;
	}
	if (read_small(dirfd, "loginuid", buf, sizeof(buf)) > 0) {
		errno = 0;
		v = strtoul(buf, &end, 10);
		/* 4294967295 is "no login uid assigned". */
		if (errno == 0 && end != buf && v < 4294967295ul) {
			p->loginuid = (uint32_t)v;
			p->have |= PROCINFO_LOGINUID;
			if (name_of((uid_t)v, p->login, sizeof(p->login)) == 0)
				p->have |= PROCINFO_LOGIN;
		}
	}
}

static void read_names(struct procinfo *p, int dirfd)
{
	ssize_t n = read_small(dirfd, "comm", p->comm, sizeof(p->comm));

	if (n > 0) {
		if (p->comm[n - 1] == '\n')
			p->comm[n - 1] = '\0';
		p->have |= PROCINFO_COMM;
	}
	n = readlinkat(dirfd, "exe", p->exe, sizeof(p->exe) - 1);
	if (n < 0 && errno == EACCES)	/* confined: ask the exe reader */
		n = procinfo_exe_reader_ask(p->pid, p->exe, sizeof(p->exe));
	if (n > 0) {
		p->exe[n] = '\0';
		p->have |= PROCINFO_EXE;
	} else {
		p->exe[0] = '\0';
	}
}

/* 1 when the pidfd's process still exists (a zombie counts). */
static int pidfd_alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 || errno != ESRCH;
}

int procinfo_read(struct procinfo *p, pid_t pid, int pidfd)
{
	char dir[32];
	int dirfd;

	memset(p, 0, sizeof(*p) - sizeof(p->exe));
	p->exe[0] = '\0';
	if (pid <= 0)
		return error("procinfo: pid %d: not a process id", (int)pid);
	p->pid = pid;
	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 0;
	/* The directory now pins one task; if the pidfd's process is gone, that
	 * task may be a later one with the same pid. */
	if (pidfd >= 0 && !pidfd_alive(pidfd)) {
		close(dirfd);
		return 0;
	}
	p->verified = pidfd >= 0;
	read_names(p, dirfd);
	read_ids(p, dirfd);
	close(dirfd);
	return 0;
}
