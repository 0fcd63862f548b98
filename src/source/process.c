/*
 * process.c - the process source (live only): running processes keyed by
 * their executable's path, one record per executable.
 *
 * Attributes: the users running it, whether the executable was deleted
 * ("(deleted)" in /proc/PID/exe, an attacker's favourite after starting
 * an implant), the content hash of what runs (read through /proc/PID/exe,
 * so a deleted file is hashed too), the number of processes and, on
 * request, the distinct command lines. Pids are never recorded: they
 * change at every restart. Kernel threads have no executable and are left
 * out; a process whose executable cannot be read (another user's, without
 * CAP_SYS_PTRACE) too.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"

#define DELETED " (deleted)"

struct proc {
	char *exe;
	int pid;
	long uid;
	bool deleted;
	char *cmdline;	/* NULL unless asked for */
};

static int proc_cmp(const void *pa, const void *pb)
{
	const struct proc *a = pa, *b = pb;
	int c = strcmp(a->exe, b->exe);

	return c ? c : (a->pid > b->pid) - (a->pid < b->pid);
}

/* /proc/PID/cmdline with its NULs as blanks, or NULL. */
static char *read_cmdline(int pid)
{
	char path[64], *buf;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (source_read_file("/", path, &buf, &len) != 0) {
		error_clear();
		return NULL;
	}
	while (len && !buf[len - 1])
		len--;
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!buf[i] || buf[i] == '\n')
			buf[i] = ' ';
	return buf;
}

/* Reads pid's exe and, if l selects it, the rest; false to leave it out. */
static bool read_proc(const struct source_list *l, int pid, bool cmdline, struct proc *p)
{
	char path[64], exe[4096];
	ssize_t n;
	size_t dl = strlen(DELETED);

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	p->deleted = (size_t)n > dl && !strcmp(exe + n - dl, DELETED);
	if (p->deleted)
		exe[n - (ssize_t)dl] = '\0';
	if (!source_list_selects(l, exe, strlen(exe)))
		return false;
	p->exe = xstrdup(exe);
	p->pid = pid;
	p->uid = source_pid_uid(pid);
	p->cmdline = cmdline ? read_cmdline(pid) : NULL;
	return true;
}

static size_t list_procs(const struct source_list *l, struct proc **out, bool cmdline)
{
	struct proc *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	while (d && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		if (read_proc(l, atoi(de->d_name), cmdline, &v[n]))
			n++;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), proc_cmp);
	*out = v;
	return n;
}

/* The record of v[0..n), all with the same exe. */
static void add_exe(struct source_list *l, const struct proc *v, size_t n)
{
	struct record *r = source_list_add(l, v[0].exe, strlen(v[0].exe), "/proc");
	struct strbuf cmd;
	char path[64];
	bool deleted = false;

	if (!r)
		return;
	source_check_text("/proc", "executable path", v[0].exe, strlen(v[0].exe));
	strbuf_init(&cmd);
	record_set_str(r, ATTR_USER, "");
	for (size_t i = 0; i < n; i++) {
		deleted = deleted || v[i].deleted;
		if (v[i].uid >= 0)
			source_add_user_name(r, ATTR_USER, v[i].uid);
		if (v[i].cmdline) {
			if (cmd.len)
				strbuf_addc(&cmd, '\n');
			strbuf_adds(&cmd, v[i].cmdline);
		}
	}
	source_sort_lists(r);
	record_set_int(r, ATTR_DELETED, deleted);
	record_set_int(r, ATTR_COUNT, (int64_t)n);
	if (source_list_wants(l, ATTR_CMDLINE))
		source_set_sorted_items(r, ATTR_CMDLINE, cmd.buf, cmd.len, '\n');
	strbuf_release(&cmd);
	snprintf(path, sizeof(path), "/proc/%d/exe", v[0].pid);
	if (source_hash_file(l, r, path) < 0)
		record_set_str(r, ATTR_ERROR, error_last());
}

static int process_open(void **state, const struct source_opts *o)
{
	struct source_list *l = source_list_new(KIND_PROCESS, o);
	struct proc *v;
	size_t n = list_procs(l, &v, source_list_wants(l, ATTR_CMDLINE));

	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(v[i].exe, v[j].exe); j++)
			;
		add_exe(l, v + i, j - i);
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].exe);
		free(v[i].cmdline);
	}
	free(v);
	source_list_sort(l);
	*state = l;
	return 0;
}

const struct source source_process = {
	.kind = KIND_PROCESS, .name = "process", .live_only = true, .open = process_open,
	SOURCE_LIST_OPS
};
