/*
 * sandbox.h - least privilege for a scan, best effort.
 *
 * A scan reads everything the rules select, and so reads whatever other
 * users put there. Once the command has opened what it must open with its
 * full rights (the baseline to read, the baseline writer's lock and
 * temporary file), sandbox_confine() takes away what a scan never needs,
 * for the rest of the process and every thread it creates afterwards:
 *
 *   - PR_SET_NO_NEW_PRIVS: no exec can raise privileges again (and the
 *     two steps below need it).
 *   - Landlock (Linux 5.13+): every write-type file-system right is denied
 *     except beneath writable_dir: writing to a file, truncating it (ABI
 *     3, Linux 6.2+), creating, removing, linking or renaming an entry of
 *     any type, and ioctl on devices (ABI 5). Reading and executing stay
 *     allowed everywhere, as a scan must read the whole tree. Descriptors
 *     opened before keep their rights. Only the rights the running kernel
 *     knows are asked for.
 *   - seccomp (x86_64 and aarch64 only): a filter, by profile, under
 *     which what a scan never calls fails with EPERM. In every profile:
 *     exec, ptrace and reaching into other processes (process_vm_*,
 *     pidfd_getfd, kcmp, process_madvise, migrate/move_pages), mounts
 *     (old and new API) and namespaces, modules, kexec, bpf, perf,
 *     uid/gid changes, keyrings, reboot, swap, syslog, acct, quotas,
 *     clock and host-name changes, userfaultfd, io_uring; the metadata
 *     writes Landlock does not cover: every chmod, chown, utime*,
 *     setxattr and removexattr call, file_setattr, truncate by path, and
 *     the ioctls that set chattr flags, fsxattr, the inode version, an
 *     encryption policy, fs-verity or a label, or type into a terminal
 *     (TIOCSTI, TIOCLINUX); socket() and socketpair() of any family but
 *     AF_UNIX; kill, tgkill, rt_sigqueueinfo and rt_tgsigqueueinfo to any
 *     process but this one (compared with its pid when confined), tkill,
 *     pidfd_send_signal; and every syscall of a foreign ABI (i386, x32,
 *     arm32), through which the filter could be bypassed.
 *     SANDBOX_CHECK also denies ftruncate, flock, fallocate (the writer's
 *     calls), open_by_handle_at, fanotify, inotify and pidfd_open (a
 *     watcher's). SANDBOX_WRITE allows the first three and fchmod with
 *     mode 0600 exactly, for the baseline writer's lock and temporary
 *     file. SANDBOX_WATCH allows the watcher's calls and denies the
 *     writer's. A deny-list rather than an allow-list because glibc,
 *     libcrypto and libsodium pick their syscalls by version and CPU, and
 *     a scan killed by a missing entry would be worse than one confined
 *     slightly less.
 *
 * A step the kernel does not offer (ENOSYS, EOPNOTSUPP: Landlock compiled
 * out or disabled at boot, or a seccomp without filters) is skipped, and
 * is not an error. A step the kernel offers that fails anyway is skipped
 * too, because a scan without the sandbox is still correct; then
 * sandbox_confine() returns -1 with a message, and the caller warns.
 * Must be called before threads are created: Landlock confines only the
 * calling thread and the threads it creates later.
 */
#ifndef IMSCAN_SANDBOX_H
#define IMSCAN_SANDBOX_H

#include <stdbool.h>

/*
 * LeakSanitizer looks for leaks at exit from a helper thread that ptraces
 * the process: builds with AddressSanitizer (make sanitize) leave ptrace
 * off the deny-list, and only that.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ALLOWS_PTRACE	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ALLOWS_PTRACE	1
#endif
#endif
#ifndef SANDBOX_ALLOWS_PTRACE
#define SANDBOX_ALLOWS_PTRACE	0
#endif

/* What the confined process goes on to do. */
enum sandbox_profile {
	SANDBOX_CHECK,		/* scan and report; write nothing */
	SANDBOX_WRITE,		/* scan and write a baseline beneath writable_dir */
	SANDBOX_WATCH,		/* watch with fanotify/inotify; write nothing */
	SANDBOX_WATCH_WRITE,	/* watch --update: the watcher's calls and the
				 * writer's, beneath writable_dir */
};

struct sandbox_report {
	int landlock_abi;	/* the Landlock ABI applied; 0: none */
	bool seccomp;		/* the syscall filter is in place */
	bool failed;		/* a step that should have worked failed */
	/* What was applied, for people: "landlock ABI 7, seccomp",
	 * "landlock unavailable: Function not implemented, seccomp". */
	char text[256];
};

/*
 * Confines the calling process as above, with the seccomp filter of
 * profile. The process must not fork afterwards: the filter knows its pid
 * as it was here. writable_dir: the only directory
 * (with everything beneath it) where files may be created, written,
 * renamed and removed; NULL for none at all. out may be NULL.
 * 0 when every step the kernel offers was applied; -1 with a message
 * ("sandbox: landlock failed: ...") when one failed; both go on unconfined
 * by that step.
 */
int sandbox_confine(enum sandbox_profile profile, const char *writable_dir,
		    struct sandbox_report *out);

/*
 * The same, one step at a time, for a command that must read other
 * processes' /proc/PID/exe and fd after it confined itself against a
 * hostile input: Landlock denies a confined process those (its ptrace
 * restriction), seccomp does not. Threads created between the two calls
 * get only the first step.
 */
#define SANDBOX_SECCOMP		1u	/* no_new_privs and the seccomp filter */
#define SANDBOX_LANDLOCK	2u	/* no_new_privs and Landlock */
#define SANDBOX_ALL		(SANDBOX_SECCOMP | SANDBOX_LANDLOCK)
int sandbox_confine_steps(enum sandbox_profile profile, const char *writable_dir,
			  unsigned steps, struct sandbox_report *out);

#endif
