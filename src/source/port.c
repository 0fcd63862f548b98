/*
 * port.c - the port source (live only): listening sockets from
 * /proc/net/{tcp,tcp6,udp,udp6,raw,raw6}, keyed "tcp/0.0.0.0/22".
 *
 * TCP sockets count in state LISTEN, UDP and raw ones when unconnected
 * (no remote address). The owners' executables and users come from the
 * socket inodes in /proc/PID/fd; what cannot be read is left out, never
 * guessed, so exe and user may be empty (another user's processes without
 * CAP_SYS_PTRACE).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/source_parse.h"
#include "imscan/xalloc.h"

struct owner {
	uint64_t inode;
	int pid;
};

struct port_owners {
	struct owner *v;
	size_t n, cap;
};

static int owner_cmp(const void *pa, const void *pb)
{
	const struct owner *a = pa, *b = pb;

	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

static void owners_scan_pid(struct port_owners *o, int pid)
{
	char path[64], link[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char fd[64 + 256];
		ssize_t n;
		unsigned long long ino;

		if (de->d_name[0] == '.')
			continue;
		snprintf(fd, sizeof(fd), "%s/%s", path, de->d_name);
		n = readlink(fd, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%llu]", &ino) != 1)
			continue;
		if (o->n == o->cap) {
			o->cap = o->cap ? 2 * o->cap : 256;
			o->v = xreallocarray(o->v, o->cap, sizeof(*o->v));
		}
		o->v[o->n++] = (struct owner){ ino, pid };
	}
	closedir(d);
}

/* Every socket inode of every process we may look at. */
static void owners_scan(struct port_owners *o)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			owners_scan_pid(o, atoi(de->d_name));
	closedir(d);
	if (o->n)
		qsort(o->v, o->n, sizeof(*o->v), owner_cmp);
}

void source_add_user_name(struct record *r, enum attr_id a, long uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024], num[32];

	if (!getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) && res) {
		source_append_item(r, a, res->pw_name, strlen(res->pw_name));
		return;
	}
	snprintf(num, sizeof(num), "%ld", uid);
	source_append_item(r, a, num, strlen(num));
}

long source_pid_uid(int pid)
{
	char path[64], buf[4096], *p;
	FILE *f;
	long uid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "Uid:", 4)) {
			uid = strtol(buf + 4, &p, 10);
			if (p == buf + 4)
				uid = -1;
			break;
		}
	fclose(f);
	return uid;
}

static void fill_owners(struct record *r, const struct port_owners *o, uint64_t inode)
{
	struct owner key = { inode, 0 };
	size_t lo = 0, hi = o->n;

	record_set_str(r, ATTR_EXE, "");
	record_set_str(r, ATTR_USER, "");
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (owner_cmp(&o->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < o->n && o->v[lo].inode == inode; lo++) {
		char path[64], exe[4096];
		ssize_t n;
		long uid = source_pid_uid(o->v[lo].pid);

		snprintf(path, sizeof(path), "/proc/%d/exe", o->v[lo].pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0)
			source_append_item(r, ATTR_EXE, exe, (size_t)n);
		if (uid >= 0)
			source_add_user_name(r, ATTR_USER, uid);
	}
}

void source_sort_lists(struct record *r)
{
	static const enum attr_id lists[] = { ATTR_EXE, ATTR_USER };

	for (size_t i = 0; i < 2; i++) {
		size_t len;
		const unsigned char *p;
		char *copy;

		if (!record_has(r, lists[i]))
			continue;
		p = record_bytes(r, lists[i], &len);
		copy = xmemdup(p, len + 1);
		source_set_sorted_list(r, lists[i], copy, len);
		free(copy);
	}
}

/* "0100007F:0277" (IPv4) or 32 hex digits (IPv6): the kernel prints each
 * 32-bit word of the address in host order. */
static int parse_addr(struct span f, bool v6, char *out, size_t outlen, unsigned *port)
{
	size_t alen = v6 ? 32 : 8;
	unsigned char a[16];
	char hex[9];

	if (f.len != alen + 5 || f.p[alen] != ':')
		return -1;
	for (size_t i = 0; i < f.len; i++)
		if (i != alen && !isxdigit((unsigned char)f.p[i]))
			return -1;
	for (size_t w = 0; w < alen / 8; w++) {
		uint32_t word;

		memcpy(hex, f.p + 8 * w, 8);
		hex[8] = '\0';
		word = (uint32_t)strtoul(hex, NULL, 16);
		memcpy(a + 4 * w, &word, 4);
	}
	memcpy(hex, f.p + alen + 1, 4);
	hex[4] = '\0';
	*port = (unsigned)strtoul(hex, NULL, 16);
	return inet_ntop(v6 ? AF_INET6 : AF_INET, a, out, (socklen_t)outlen) ? 0 : -1;
}

static bool is_listening(const char *proto, struct span st, struct span remote)
{
	bool zero = true;

	for (size_t i = 0; i < remote.len && remote.p[i] != ':'; i++)
		zero = zero && remote.p[i] == '0';
	if (!strncmp(proto, "tcp", 3))
		return st.len == 2 && !memcmp(st.p, "0A", 2);
	return zero;
}

/* One socket per worker (SO_REUSEPORT): one port, all their owners. */
static void port_merge(struct record *keep, const struct record *dup)
{
	static const enum attr_id lists[] = { ATTR_EXE, ATTR_USER };

	for (size_t i = 0; i < 2; i++) {
		size_t len;
		const unsigned char *p;

		if (!record_has(dup, lists[i]))
			continue;
		p = record_bytes(dup, lists[i], &len);
		if (len)
			source_append_item(keep, lists[i], (const char *)p, len);
	}
}

void parse_proc_net(struct source_list *l, const char *proto, const char *file,
		    const char *buf, size_t len, const struct port_owners *owners)
{
	bool v6 = strchr(proto, '6') != NULL;
	struct source_fields sf;

	l->merge = port_merge;
	const char *header;
	size_t hlen;

	source_fields_init(&sf, file, buf, len, 0, 10, SIZE_MAX);
	source_lines_next(&sf.ln, file, &header, &hlen);
	while (source_fields_next(&sf)) {
		const struct span *f = sf.f;
		char addr[INET6_ADDRSTRLEN], key[128];
		unsigned port, rport;
		int64_t inode;
		struct record *r;

		if (parse_addr(f[1], v6, addr, sizeof(addr), &port) < 0 ||
		    parse_addr(f[2], v6, key, sizeof(key), &rport) < 0 ||
		    source_parse_u64(f[9], &inode) < 0) {
			warning("%s: malformed address or inode", sf.where);
			continue;
		}
		if (!is_listening(proto, f[3], f[2]))
			continue;
		snprintf(key, sizeof(key), "%s/%s/%u", proto, addr, port);
		r = source_list_add(l, key, strlen(key), sf.where);
		if (r && owners)
			fill_owners(r, owners, (uint64_t)inode);
	}
}

static int port_open(void **state, const struct source_opts *o)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6", "raw", "raw6" };
	struct source_list *l = source_list_new(KIND_PORT, o);
	struct port_owners owners = { NULL, 0, 0 };
	bool want = source_list_wants(l, ATTR_EXE) || source_list_wants(l, ATTR_USER);

	if (want)
		owners_scan(&owners);
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		char path[64], *buf;
		size_t len;

		snprintf(path, sizeof(path), "/proc/net/%s", protos[i]);
		if (source_read_opt("/", path, &buf, &len) < 0) {
			free(owners.v);
			source_list_close(l);
			return -1;
		}
		parse_proc_net(l, protos[i], path, buf ? buf : "", len, want ? &owners : NULL);
		free(buf);
	}
	free(owners.v);
	source_list_sort(l);
	for (size_t i = 0; want && i < l->n; i++)
		source_sort_lists(l->recs[i]);
	*state = l;
	return 0;
}

const struct source source_port = {
	.kind = KIND_PORT, .name = "port", .live_only = true, .open = port_open,
	SOURCE_LIST_OPS
};
