/*
 * watch_procinfo.h - who made a change: a process's identity read at once.
 *
 * procinfo_read() reads /proc/<pid> right when the event is read, so the
 * process is usually still there. With a pidfd (fanotify FAN_REPORT_PIDFD)
 * the reading is verified: the /proc directory is opened first, then the
 * pidfd is asked whether its process still exists; if it is gone, the /proc
 * entry may already belong to a reused pid, so nothing but the pid is kept.
 * Without a pidfd the pid may in rare cases have been reused between the
 * event and the reading; `verified` is then false. A field is valid only
 * when its PROCINFO_* bit is set in `have`: an exited process gives what
 * could be read, never a guess.
 *
 * Names (user, login) come from the live system's passwd database through
 * getpwuid_r(): a live watch runs on the system whose processes it names,
 * unlike a --root scan whose owners come from the scanned root's files.
 */
#ifndef IMSCAN_WATCH_PROCINFO_H
#define IMSCAN_WATCH_PROCINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PROCINFO_COMM		0x01u
#define PROCINFO_EXE		0x02u
#define PROCINFO_UID		0x04u	/* uid and euid */
#define PROCINFO_USER		0x08u
#define PROCINFO_LOGINUID	0x10u	/* set only when a login uid is assigned */
#define PROCINFO_LOGIN		0x20u

#define PROCINFO_NAME_MAX 64

struct procinfo {
	pid_t pid;		/* 0: unknown (then have == 0) */
	unsigned have;		/* PROCINFO_* */
	bool verified;		/* read while a pidfd showed the process alive */
	uid_t uid, euid;	/* real and effective, from /proc/<pid>/status */
	uint32_t loginuid;
	char comm[17];
	char user[PROCINFO_NAME_MAX];
	char login[PROCINFO_NAME_MAX];
	char exe[4096];		/* readlink of /proc/<pid>/exe, "" if unreadable */
};

/*
 * Fills *p for pid; pidfd is -1 when none (it is not closed). Returns 0,
 * also when the process is gone (then only p->pid is set); -1 only for a
 * pid <= 0 (message left).
 */
int procinfo_read(struct procinfo *p, pid_t pid, int pidfd);

/*
 * A confined watcher reads no other process's /proc/PID/exe (Landlock):
 * procinfo_exe_reader_start forks, before the watcher confines itself, a
 * process that answers only that (src/watch/exe_reader.c); confine (may
 * be NULL) confines that process with seccomp. procinfo_read asks it when
 * its own read is refused. start: 0, or -1 with a message. ask: the
 * length of the path put in out, or -1. stop: ends it (NULL-safe).
 */
int procinfo_exe_reader_start(void (*confine)(void));
ssize_t procinfo_exe_reader_ask(pid_t pid, char *out, size_t size);
void procinfo_exe_reader_stop(void);

#endif
