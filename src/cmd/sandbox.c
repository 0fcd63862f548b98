/* sandbox.c - no_new_privs, Landlock and a seccomp filter per profile, best effort. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/fsverity.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

#include "imscan/error.h"
#include "imscan/sandbox.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* Rights newer than the installed kernel headers may know. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif

/* How one step went, and why, for the report. */
enum step_state { STEP_DONE, STEP_UNAVAILABLE, STEP_FAILED };

struct step {
	enum step_state state;
	char why[160];
};

static void step_set(struct step *st, enum step_state state, const char *fmt, ...)
	IMSCAN_PRINTF(3, 4);

static void step_set(struct step *st, enum step_state state, const char *fmt, ...)
{
	va_list ap;

	st->state = state;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
}

/* ---- Landlock ------------------------------------------------------------ */

#ifdef __NR_landlock_create_ruleset
/* The write-type rights and the ABI version that brought each. */
static const struct {
	uint64_t right;
	int abi;
} write_rights[] = {
	{ LANDLOCK_ACCESS_FS_WRITE_FILE, 1 },
	{ LANDLOCK_ACCESS_FS_REMOVE_DIR, 1 },
	{ LANDLOCK_ACCESS_FS_REMOVE_FILE, 1 },
	{ LANDLOCK_ACCESS_FS_MAKE_CHAR, 1 },
	{ LANDLOCK_ACCESS_FS_MAKE_DIR, 1 },
	{ LANDLOCK_ACCESS_FS_MAKE_REG, 1 },
	{ LANDLOCK_ACCESS_FS_MAKE_SOCK, 1 },
	{ LANDLOCK_ACCESS_FS_MAKE_FIFO, 1 },
	{ LANDLOCK_ACCESS_FS_MAKE_BLOCK, 1 },
	{ LANDLOCK_ACCESS_FS_MAKE_SYM, 1 },
	{ LANDLOCK_ACCESS_FS_REFER, 2 },
	{ LANDLOCK_ACCESS_FS_TRUNCATE, 3 },
	{ LANDLOCK_ACCESS_FS_IOCTL_DEV, 5 },
};

/* Only the rights this kernel knows: it refuses a ruleset with others. */
static uint64_t handled_rights(long abi)
{
	uint64_t all = 0;

	for (size_t i = 0; i < sizeof(write_rights) / sizeof(write_rights[0]); i++)
		if (write_rights[i].abi <= abi)
			all |= write_rights[i].right;
	return all;
}

static long landlock_abi(void)
{
	return syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
}

/* Grants every handled right beneath dir. -1 with st set. */
static int allow_beneath(int ruleset, const char *dir, uint64_t rights, struct step *st)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = rights };
	int rc;

	pb.parent_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pb.parent_fd < 0) {
		step_set(st, STEP_FAILED, "cannot open '%s': %s", dir, strerror(errno));
		return -1;
	}
	rc = (int)syscall(__NR_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	if (rc < 0)
		step_set(st, STEP_FAILED, "cannot allow writes beneath '%s': %s",
			 dir, strerror(errno));
	close(pb.parent_fd);
	return rc;
}

/* The version query costs nothing and fails only when Landlock is not
 * there for us (compiled out, disabled at boot, filtered by a container). */
static long apply_landlock(const char *dir, struct step *st)
{
	struct landlock_ruleset_attr attr = { 0 };
	long abi = landlock_abi();
	int fd;

	if (abi < 0) {
		step_set(st, STEP_UNAVAILABLE, "%s", strerror(errno));
		return 0;
	}
	attr.handled_access_fs = handled_rights(abi);
	fd = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0) {
		step_set(st, STEP_FAILED, "cannot create a ruleset: %s", strerror(errno));
		return 0;
	}
	if ((!dir || allow_beneath(fd, dir, attr.handled_access_fs, st) == 0) &&
	    syscall(__NR_landlock_restrict_self, fd, 0) < 0)
		step_set(st, STEP_FAILED, "cannot enforce the ruleset: %s", strerror(errno));
	close(fd);
	return st->state == STEP_DONE ? abi : 0;
}
#else
static long apply_landlock(const char *dir, struct step *st)
{
	(void)dir;
	step_set(st, STEP_UNAVAILABLE, "not built in");
	return 0;
}
#endif

/* ---- seccomp ------------------------------------------------------------- */

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#endif

#ifdef SANDBOX_ARCH
/* Numbers newer than the installed headers may know: from 424 on, x86_64
 * and aarch64 share them. */
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd	438
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise	440
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr	442
#endif
#ifndef __NR_quotactl_fd
#define __NR_quotactl_fd	443
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2		452
#endif
#ifndef __NR_setxattrat
#define __NR_setxattrat		463
#endif
#ifndef __NR_removexattrat
#define __NR_removexattrat	466
#endif
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr	467
#endif
#ifndef __NR_file_setattr
#define __NR_file_setattr	469
#endif

/* The profiles an entry applies to. */
#define IN_CHECK	(1u << SANDBOX_CHECK)
#define IN_WRITE	(1u << SANDBOX_WRITE)
#define IN_WATCH	(1u << SANDBOX_WATCH)
#define IN_WATCH_WRITE	(1u << SANDBOX_WATCH_WRITE)
#define IN_ALL		(IN_CHECK | IN_WRITE | IN_WATCH | IN_WATCH_WRITE)
#define NOT_WRITE	(IN_CHECK | IN_WATCH)	/* what the baseline writer calls */
#define NOT_WATCH	(IN_CHECK | IN_WRITE)	/* what a watcher calls */

/*
 * Syscalls denied outright, by profile: those an attacker in the process
 * would want and a scan never makes, and the metadata writes that
 * Landlock does not cover (mode, owner, times, xattrs, attributes).
 */
static const struct {
	unsigned nr;
	unsigned char in;
} denied[] = {
	{ __NR_execve, IN_ALL }, { __NR_execveat, IN_ALL },
#if !SANDBOX_ALLOWS_PTRACE
	{ __NR_ptrace, IN_ALL },
#endif
	{ __NR_process_vm_readv, IN_ALL }, { __NR_process_vm_writev, IN_ALL },
	{ __NR_pidfd_getfd, IN_ALL }, { __NR_kcmp, IN_ALL },
	{ __NR_process_madvise, IN_ALL }, { __NR_migrate_pages, IN_ALL },
	{ __NR_move_pages, IN_ALL },
	{ __NR_mount, IN_ALL }, { __NR_umount2, IN_ALL }, { __NR_pivot_root, IN_ALL },
	{ __NR_chroot, IN_ALL }, { __NR_open_tree, IN_ALL }, { __NR_open_tree_attr, IN_ALL },
	{ __NR_move_mount, IN_ALL }, { __NR_fsopen, IN_ALL }, { __NR_fsconfig, IN_ALL },
	{ __NR_fsmount, IN_ALL }, { __NR_fspick, IN_ALL }, { __NR_mount_setattr, IN_ALL },
	{ __NR_init_module, IN_ALL }, { __NR_finit_module, IN_ALL },
	{ __NR_delete_module, IN_ALL }, { __NR_kexec_load, IN_ALL },
	{ __NR_kexec_file_load, IN_ALL }, { __NR_bpf, IN_ALL }, { __NR_perf_event_open, IN_ALL },
	{ __NR_setuid, IN_ALL }, { __NR_setgid, IN_ALL }, { __NR_setreuid, IN_ALL },
	{ __NR_setregid, IN_ALL }, { __NR_setresuid, IN_ALL }, { __NR_setresgid, IN_ALL },
	{ __NR_setfsuid, IN_ALL }, { __NR_setfsgid, IN_ALL }, { __NR_setgroups, IN_ALL },
	{ __NR_unshare, IN_ALL }, { __NR_setns, IN_ALL },
	{ __NR_keyctl, IN_ALL }, { __NR_add_key, IN_ALL }, { __NR_request_key, IN_ALL },
	{ __NR_reboot, IN_ALL }, { __NR_swapon, IN_ALL }, { __NR_swapoff, IN_ALL },
	{ __NR_syslog, IN_ALL }, { __NR_acct, IN_ALL }, { __NR_quotactl, IN_ALL },
	{ __NR_quotactl_fd, IN_ALL }, { __NR_vhangup, IN_ALL },
	{ __NR_settimeofday, IN_ALL }, { __NR_clock_settime, IN_ALL },
	{ __NR_clock_adjtime, IN_ALL }, { __NR_adjtimex, IN_ALL },
	{ __NR_sethostname, IN_ALL }, { __NR_setdomainname, IN_ALL },
	{ __NR_userfaultfd, IN_ALL },
	/* io_uring runs its operations without seccomp seeing them. */
	{ __NR_io_uring_setup, IN_ALL },
	/* Mode, owner, times, xattrs, file attributes (chattr by path). The
	 * writer's fchmod(0600) is let through by the argument checks. */
	{ __NR_fchmod, IN_ALL }, { __NR_fchmodat, IN_ALL }, { __NR_fchmodat2, IN_ALL },
	{ __NR_fchown, IN_ALL }, { __NR_fchownat, IN_ALL },
	{ __NR_setxattr, IN_ALL }, { __NR_lsetxattr, IN_ALL }, { __NR_fsetxattr, IN_ALL },
	{ __NR_setxattrat, IN_ALL }, { __NR_removexattr, IN_ALL },
	{ __NR_lremovexattr, IN_ALL }, { __NR_fremovexattr, IN_ALL },
	{ __NR_removexattrat, IN_ALL }, { __NR_utimensat, IN_ALL },
	{ __NR_file_setattr, IN_ALL }, { __NR_truncate, IN_ALL },
	/* Signals to others; to itself kill and tgkill pass the argument checks. */
	{ __NR_tkill, IN_ALL }, { __NR_pidfd_send_signal, IN_ALL },
	/* The writer's own: its lock file, rewritten; the rest needs a descriptor
	 * open for writing, which Landlock already limits. */
	{ __NR_ftruncate, NOT_WRITE }, { __NR_flock, NOT_WRITE }, { __NR_fallocate, NOT_WRITE },
	/* A watcher's own. */
	{ __NR_open_by_handle_at, NOT_WATCH }, { __NR_fanotify_init, NOT_WATCH },
	{ __NR_fanotify_mark, NOT_WATCH }, { __NR_pidfd_open, NOT_WATCH },
	{ __NR_inotify_init1, NOT_WATCH }, { __NR_inotify_add_watch, NOT_WATCH },
	{ __NR_inotify_rm_watch, NOT_WATCH },
#ifdef __x86_64__
	{ __NR_chmod, IN_ALL }, { __NR_chown, IN_ALL }, { __NR_lchown, IN_ALL },
	{ __NR_utime, IN_ALL }, { __NR_utimes, IN_ALL }, { __NR_futimesat, IN_ALL },
	{ __NR_ioperm, IN_ALL }, { __NR_iopl, IN_ALL }, { __NR_uselib, IN_ALL },
	{ __NR_inotify_init, NOT_WATCH },
#endif
};

/*
 * ioctls that change a file or a terminal through a descriptor open only
 * for reading: chattr (+i, -i, project ids), the inode version, the
 * encryption policy, fs-verity, the file system's label, and typing into
 * the terminal. The scan's own FS_IOC_GETFLAGS, once per file, comes
 * first and passes at once.
 */
static const uint32_t ioctl_denied[] = {
	FS_IOC_GETFLAGS,
	FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_SETVERSION, FS_IOC32_SETVERSION,
	FS_IOC_FSSETXATTR, FS_IOC_SET_ENCRYPTION_POLICY, FS_IOC_ENABLE_VERITY,
	FS_IOC_SETFSLABEL, TIOCSTI, TIOCLINUX,
};
static const uint32_t family_unix[] = { AF_UNIX };
static const uint32_t mode_0600[] = { 0600 };
static uint32_t self_pid[1];

/*
 * Syscalls decided on one argument (its low 32 bits, all the kernel reads
 * of an int, mode_t or ioctl number): listed values get `listed`, others
 * the opposite, and so do the first npass listed, to end the comparisons
 * early for a frequent call. ioctl first: the scan makes it once per file, and the
 * syscalls below it are decided by their number alone, which a kernel
 * with the seccomp action cache (5.11+) then never runs the filter for.
 */
static const struct arg_rule {
	unsigned nr;
	unsigned char in, arg;
	bool listed_allowed;
	const uint32_t *vals;
	unsigned char nvals, npass;
} arg_rules[] = {
	{ __NR_ioctl, IN_ALL, 1, false, ioctl_denied, ARRAY_LEN(ioctl_denied), 1 },
	/* AF_UNIX only: for syslog(3) and name services; no network. */
	{ __NR_socket, IN_ALL, 0, true, family_unix, 1, 0 },
	{ __NR_socketpair, IN_ALL, 0, true, family_unix, 1, 0 },
	/* raise() and abort() signal the process itself. */
	{ __NR_kill, IN_ALL, 0, true, self_pid, 1, 0 },
	{ __NR_tgkill, IN_ALL, 0, true, self_pid, 1, 0 },
	{ __NR_rt_sigqueueinfo, IN_ALL, 0, true, self_pid, 1, 0 },
	{ __NR_rt_tgsigqueueinfo, IN_ALL, 0, true, self_pid, 1, 0 },
	/* The writer makes its temporary file 0600 whatever the umask. */
	{ __NR_fchmod, IN_WRITE | IN_WATCH_WRITE, 1, true, mode_0600, 1, 0 },
};

#define NDENIED		ARRAY_LEN(denied)
#define NIOCTL		ARRAY_LEN(ioctl_denied)
/* arch check (3), nr load, x32 check, the argument rules (4 + values
 * each), the list, allow, deny */
#define FILTER_MAX	(3 + 1 + 1 + (4 + NIOCTL) + 7 * (4 + 1) + NDENIED + 2)
#define RET_EPERM	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define RET_ALLOW	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LOW(i)	(offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LOW(i)	(offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

/*
 * if (nr == r->nr) { load the argument; return listed or not; } else skip
 * the block, with nr still loaded. The unlisted return comes first, the
 * listed one last.
 */
static unsigned short emit_arg_rule(struct sock_filter *f, unsigned short n,
				    const struct arg_rule *r)
{
	struct sock_filter allow = RET_ALLOW, eperm = RET_EPERM;

	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->nr, 0,
					      (unsigned char)(r->nvals + 3));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(r->arg));
	for (unsigned i = 0; i < r->nvals; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->vals[i],
						      (unsigned char)(r->nvals - i - (i < r->npass)),
						      0);
	f[n++] = r->listed_allowed ? eperm : allow;
	f[n++] = r->listed_allowed ? allow : eperm;
	return n;
}

/*
 * A foreign ABI (i386 through int 0x80, x32, arm32) numbers its syscalls
 * differently, so the lists cannot hold there: all of it fails instead.
 * Then the argument rules; then each listed nr jumps to the final EPERM
 * and the rest falls through to allow.
 */
static unsigned short build_filter(struct sock_filter *f, enum sandbox_profile p)
{
	unsigned mask = 1u << p;
	unsigned short n = 0, ndeny = 0, at;

	self_pid[0] = (uint32_t)getpid();
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	f[n++] = (struct sock_filter)RET_EPERM;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < ARRAY_LEN(arg_rules); i++)
		if (arg_rules[i].in & mask)
			n = emit_arg_rule(f, n, &arg_rules[i]);
	for (size_t i = 0; i < NDENIED; i++)
		ndeny += (denied[i].in & mask) != 0;
#ifdef __x86_64__
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000u,
					      (unsigned char)(ndeny + 1), 0);
#endif
	at = 0;
	for (size_t i = 0; i < NDENIED; i++)
		if (denied[i].in & mask) {
			f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							      denied[i].nr,
							      (unsigned char)(ndeny - at), 0);
			at++;
		}
	f[n++] = (struct sock_filter)RET_ALLOW;
	f[n++] = (struct sock_filter)RET_EPERM;
	return n;
}

/*
 * prctl rather than seccomp(2): valgrind knows the first, and the filter
 * needs no TSYNC when it comes before the threads, as sandbox.h asks.
 * PR_GET_SECCOMP fails only on a kernel without seccomp.
 */
static bool apply_seccomp(enum sandbox_profile p, struct step *st)
{
	struct sock_filter f[FILTER_MAX];
	struct sock_fprog prog = { .filter = f };

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
		step_set(st, STEP_UNAVAILABLE, "%s", strerror(errno));
		return false;
	}
	prog.len = build_filter(f, p);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		step_set(st, STEP_FAILED, "cannot install the filter: %s", strerror(errno));
		return false;
	}
	return true;
}
#else
static bool apply_seccomp(enum sandbox_profile p, struct step *st)
{
	(void)p;
	step_set(st, STEP_UNAVAILABLE, "no filter for this architecture");
	return false;
}
#endif

/* ---- both ---------------------------------------------------------------- */

static const char *state_word(enum step_state s)
{
	return s == STEP_UNAVAILABLE ? "unavailable" : "failed";
}

static void report_add(struct sandbox_report *r, const char *fmt, ...) IMSCAN_PRINTF(2, 3);

/* Appends to r->text, cutting what does not fit. */
static void report_add(struct sandbox_report *r, const char *fmt, ...)
{
	size_t len = strlen(r->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->text + len, sizeof(r->text) - len, fmt, ap);
	va_end(ap);
}

/* The steps taken (NULL: not asked for), for people. */
static void describe(struct sandbox_report *r, const struct step *ll, const struct step *sc)
{
	if (ll && ll->state == STEP_DONE)
		report_add(r, "landlock ABI %d", r->landlock_abi);
	else if (ll)
		report_add(r, "landlock %s: %s", state_word(ll->state), ll->why);
	if (sc)
		report_add(r, "%s", ll ? ", " : "");
	if (sc && sc->state == STEP_DONE)
		report_add(r, "seccomp");
	else if (sc)
		report_add(r, "seccomp %s: %s", state_word(sc->state), sc->why);
}

int sandbox_confine_steps(enum sandbox_profile profile, const char *writable_dir,
			  unsigned steps, struct sandbox_report *out)
{
	struct sandbox_report r = { 0 };
	struct step ll = { STEP_DONE, "" }, sc = { STEP_DONE, "" };

	/* Both steps need it, unless we had CAP_SYS_ADMIN. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r.failed = true;
		report_add(&r, "no_new_privs failed: %s", strerror(errno));
	} else {
		if (steps & SANDBOX_LANDLOCK)
			r.landlock_abi = (int)apply_landlock(writable_dir, &ll);
		if (steps & SANDBOX_SECCOMP)
			r.seccomp = apply_seccomp(profile, &sc);
		r.failed = ll.state == STEP_FAILED || sc.state == STEP_FAILED;
		describe(&r, steps & SANDBOX_LANDLOCK ? &ll : NULL,
			 steps & SANDBOX_SECCOMP ? &sc : NULL);
	}
	if (out)
		*out = r;
	return r.failed ? error("sandbox: %s", r.text) : 0;
}

int sandbox_confine(enum sandbox_profile profile, const char *writable_dir,
		    struct sandbox_report *out)
{
	return sandbox_confine_steps(profile, writable_dir, SANDBOX_ALL, out);
}
