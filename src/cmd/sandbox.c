/* sandbox.c - no_new_privs, Landlock and a seccomp deny-list, best effort. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

#include "imscan/error.h"
#include "imscan/sandbox.h"

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
/* Syscalls a scan never makes and an attacker in the process would want. */
static const unsigned denied[] = {
#ifdef __NR_execve
	__NR_execve,
#endif
#ifdef __NR_execveat
	__NR_execveat,
#endif
#if defined(__NR_ptrace) && !SANDBOX_ALLOWS_PTRACE
	__NR_ptrace,
#endif
#ifdef __NR_process_vm_readv
	__NR_process_vm_readv,
#endif
#ifdef __NR_process_vm_writev
	__NR_process_vm_writev,
#endif
#ifdef __NR_mount
	__NR_mount,
#endif
#ifdef __NR_umount2
	__NR_umount2,
#endif
#ifdef __NR_pivot_root
	__NR_pivot_root,
#endif
#ifdef __NR_chroot
	__NR_chroot,
#endif
#ifdef __NR_init_module
	__NR_init_module,
#endif
#ifdef __NR_finit_module
	__NR_finit_module,
#endif
#ifdef __NR_delete_module
	__NR_delete_module,
#endif
#ifdef __NR_kexec_load
	__NR_kexec_load,
#endif
#ifdef __NR_kexec_file_load
	__NR_kexec_file_load,
#endif
#ifdef __NR_bpf
	__NR_bpf,
#endif
#ifdef __NR_perf_event_open
	__NR_perf_event_open,
#endif
#ifdef __NR_setuid
	__NR_setuid,
#endif
#ifdef __NR_setgid
	__NR_setgid,
#endif
#ifdef __NR_setreuid
	__NR_setreuid,
#endif
#ifdef __NR_setregid
	__NR_setregid,
#endif
#ifdef __NR_setresuid
	__NR_setresuid,
#endif
#ifdef __NR_setresgid
	__NR_setresgid,
#endif
#ifdef __NR_setfsuid
	__NR_setfsuid,
#endif
#ifdef __NR_setfsgid
	__NR_setfsgid,
#endif
#ifdef __NR_setgroups
	__NR_setgroups,
#endif
#ifdef __NR_unshare
	__NR_unshare,
#endif
#ifdef __NR_setns
	__NR_setns,
#endif
#ifdef __NR_keyctl
	__NR_keyctl,
#endif
#ifdef __NR_add_key
	__NR_add_key,
#endif
#ifdef __NR_request_key
	__NR_request_key,
#endif
#ifdef __NR_reboot
	__NR_reboot,
#endif
#ifdef __NR_swapon
	__NR_swapon,
#endif
#ifdef __NR_swapoff
	__NR_swapoff,
#endif
#ifdef __NR_open_by_handle_at
	__NR_open_by_handle_at,
#endif
#ifdef __NR_userfaultfd
	__NR_userfaultfd,
#endif
	/* io_uring runs its operations without seccomp seeing them. */
#ifdef __NR_io_uring_setup
	__NR_io_uring_setup,
#endif
};

#define NDENIED		(sizeof(denied) / sizeof(denied[0]))
/* arch check (3), nr load, x32 check, the list, allow, deny */
#define FILTER_MAX	(3 + 1 + 1 + NDENIED + 2)
#define RET_EPERM	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/*
 * A foreign ABI (i386 through int 0x80, x32, arm32) numbers its syscalls
 * differently, so the list cannot hold there: all of it fails instead.
 * Each listed nr jumps to the final EPERM; the rest falls through to allow.
 */
static unsigned short build_filter(struct sock_filter *f)
{
	unsigned short n = 0;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	f[n++] = (struct sock_filter)RET_EPERM;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000u,
					      (unsigned char)(NDENIED + 1), 0);
#endif
	for (size_t i = 0; i < NDENIED; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, denied[i],
						      (unsigned char)(NDENIED - i), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)RET_EPERM;
	return n;
}

/*
 * prctl rather than seccomp(2): valgrind knows the first, and the filter
 * needs no TSYNC when it comes before the threads, as sandbox.h asks.
 * PR_GET_SECCOMP fails only on a kernel without seccomp.
 */
static bool apply_seccomp(struct step *st)
{
	struct sock_filter f[FILTER_MAX];
	struct sock_fprog prog = { .filter = f };

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
		step_set(st, STEP_UNAVAILABLE, "%s", strerror(errno));
		return false;
	}
	prog.len = build_filter(f);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		step_set(st, STEP_FAILED, "cannot install the filter: %s", strerror(errno));
		return false;
	}
	return true;
}
#else
static bool apply_seccomp(struct step *st)
{
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

static void describe(struct sandbox_report *r, const struct step *ll, const struct step *sc)
{
	if (ll->state == STEP_DONE)
		report_add(r, "landlock ABI %d", r->landlock_abi);
	else
		report_add(r, "landlock %s: %s", state_word(ll->state), ll->why);
	if (sc->state == STEP_DONE)
		report_add(r, ", seccomp");
	else
		report_add(r, ", seccomp %s: %s", state_word(sc->state), sc->why);
}

int sandbox_confine(const char *writable_dir, struct sandbox_report *out)
{
	struct sandbox_report r = { 0 };
	struct step ll = { STEP_DONE, "" }, sc = { STEP_DONE, "" };

	/* Both steps need it, unless we had CAP_SYS_ADMIN. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r.failed = true;
		report_add(&r, "no_new_privs failed: %s", strerror(errno));
	} else {
		r.landlock_abi = (int)apply_landlock(writable_dir, &ll);
		r.seccomp = apply_seccomp(&sc);
		r.failed = ll.state == STEP_FAILED || sc.state == STEP_FAILED;
		describe(&r, &ll, &sc);
	}
	if (out)
		*out = r;
	return r.failed ? error("sandbox: %s", r.text) : 0;
}
