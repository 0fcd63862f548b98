/*
 * The live-only sources (issue 12): ports, processes and mounts against a
 * listener, a process and a tmpfs the test itself starts and stops, never
 * depending on what else runs; the /proc parsers on captured input.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imscan/digest.h"
#include "src_helpers.h"

/* "user" as the sources name the test's own uid. */
static const char *my_user(void)
{
	struct passwd *pw = getpwuid(getuid());
	static char num[32];

	if (pw)
		return pw->pw_name;
	snprintf(num, sizeof(num), "%u", (unsigned)getuid());
	return num;
}

/* One rule of one entity; attrs is the JSON list's inside. */
static char *entity_rules(const char *type, const char *include, const char *attrs)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf),
		 "{\"id\":\"1\",\"name\":\"t\",\"entities\":[{\"type\":\"%s\","
		 "\"include\":[\"%s\"],\"attributes\":[%s]}]}",
		 type, include, attrs);
	return buf;
}

/* A socket of type on 127.0.0.1, on a free port (listening for TCP). */
static int bound_socket(int type, unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

START_TEST(test_ports)
{
	static const struct { int type; const char *proto; } t[] = {
		{ SOCK_STREAM, "tcp" }, { SOCK_DGRAM, "udp" },
	};
	char exe[4096], key[64], want[8192], *got;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	unsigned port;
	int fd = bound_socket(t[_i].type, &port);

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	snprintf(key, sizeof(key), "%s/127.0.0.1/%u", t[_i].proto, port);
	got = src_dump(&source_port, "/", entity_rules("port", key, "\"STANDARD\", \"user\""), NULL);
	snprintf(want, sizeof(want), "%s exe=%s user=%s @0\n", key, exe, my_user());
	ck_assert_str_eq(got, want);
	free(got);
	close(fd);
	got = src_dump(&source_port, "/", entity_rules("port", key, "\"STANDARD\", \"user\""), NULL);
	ck_assert_str_eq(got, "");
	free(got);
}
END_TEST

static void sha256_hex(const char *path, char out[65])
{
	struct attrset want = ATTRSET_EMPTY;
	unsigned char buf[65536], d[DIGEST_MAX];
	struct digest_ctx *ctx;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	attrset_add(&want, ATTR_SHA256);
	ctx = digest_new(&want);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		digest_update(ctx, buf, (size_t)n);
	digest_final(ctx, ATTR_SHA256, d);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	digest_free(ctx);
	close(fd);
}

static pid_t start_sleeper(const char *path)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		execl(path, path, "60", (char *)NULL);
		_exit(127);
	}
	/* Until exec is done, /proc/PID/exe is the test runner. */
	for (int i = 0; i < 500; i++) {
		char exe[4096], proc[64];
		ssize_t n;

		snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)pid);
		n = readlink(proc, exe, sizeof(exe) - 1);
		if (n > 0 && !strncmp(exe, path, (size_t)n))
			break;
		usleep(10000);
	}
	return pid;
}

START_TEST(test_processes)
{
	char *dir = unit_tmpdir(), path[1024], cmd[4096], sum[65], want[8192], *got, *rules;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/imscan-sleeper-%d", dir, (int)getpid());
	snprintf(cmd, sizeof(cmd), "cp /usr/bin/sleep '%s' || cp /bin/sleep '%s'", path, path);
	ck_assert_int_eq(system(cmd), 0);
	sha256_hex(path, sum);
	pid = start_sleeper(path);
	rules = xstrdup(entity_rules("process", path, "\"STANDARD\", \"user\", \"count\""));
	got = src_dump(&source_process, "/", rules, NULL);
	snprintf(want, sizeof(want), "%s sha256=%s user=%s deleted=0 count=1 @0\n", path, sum,
		 my_user());
	ck_assert_str_eq(got, want);
	free(got);
	/* On request, the command line; never the pid. */
	got = src_dump(&source_process, "/", entity_rules("process", path, "\"cmdline\""), NULL);
	snprintf(want, sizeof(want), "%s cmdline=%s 60 @0\n", path, path);
	ck_assert_str_eq(got, want);
	free(got);
	/* Deleted while it runs: still hashed, through /proc/PID/exe. */
	ck_assert_int_eq(unlink(path), 0);
	got = src_dump(&source_process, "/", rules, NULL);
	snprintf(want, sizeof(want), "%s sha256=%s user=%s deleted=1 count=1 @0\n", path, sum,
		 my_user());
	ck_assert_str_eq(got, want);
	free(got);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	got = src_dump(&source_process, "/", rules, NULL);
	ck_assert_str_eq(got, "");
	free(got);
	free(rules);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* The root mount is selected by every mount entity (as a file base is):
 * skip its line, whatever the machine's root is. */
static const char *past_root(const char *dump)
{
	return strncmp(dump, "/ ", 2) ? dump : strchr(dump, '\n') + 1;
}

START_TEST(test_mounts)
{
	char *dir = unit_tmpdir(), mnt[1024], want[8192], *got, *rules;

	if (geteuid() != 0) {
		printf("test_mounts: skipped: not root\n");
		unit_rmtree(dir);
		free(dir);
		return;
	}
	snprintf(mnt, sizeof(mnt), "%s/m nt", dir);
	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	if (mount("imscan-test", mnt, "tmpfs", MS_NOEXEC, "size=1m") < 0) {
		printf("test_mounts: skipped: cannot mount a tmpfs: %s\n", strerror(errno));
		unit_rmtree(dir);
		free(dir);
		return;
	}
	rules = xstrdup(entity_rules("mount", mnt, "\"STANDARD\""));
	got = src_dump(&source_mount, "/", rules, NULL);
	snprintf(want, sizeof(want), "%s source=imscan-test fstype=tmpfs "
		 "options=noexec,relatime,rw,size=1024k @0\n", mnt);
	ck_assert_str_eq(past_root(got), want);
	free(got);
	ck_assert_int_eq(mount(NULL, mnt, NULL, MS_REMOUNT, "size=1m"), 0);
	got = src_dump(&source_mount, "/", rules, NULL);
	snprintf(want, sizeof(want), "%s source=imscan-test fstype=tmpfs "
		 "options=relatime,rw,size=1024k @0\n", mnt);
	ck_assert_str_eq(past_root(got), want);
	free(got);
	ck_assert_int_eq(umount(mnt), 0);
	got = src_dump(&source_mount, "/", rules, NULL);
	ck_assert_str_eq(past_root(got), "");
	free(got);
	free(rules);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* Dumps what a parser made of text, with the warnings after "--\n". */
static char *parsed(enum kind k, void (*fn)(struct source_list *, const char *, const char *,
					  size_t), const char *file, const char *text)
{
	struct source_list l;
	struct strbuf sb;
	char *w;

	source_list_init(&l, k, NULL);
	src_catch_start();
	fn(&l, file, text, strlen(text));
	source_list_sort(&l);
	w = src_catch_stop();
	strbuf_init(&sb);
	for (size_t i = 0; i < l.n; i++)
		src_record_line(&sb, l.recs[i], false);
	strbuf_addf(&sb, "--\n%s", w);
	free(w);
	source_list_release(&l);
	return strbuf_detach(&sb, NULL);
}

START_TEST(test_parse_modules)
{
	char *got = parsed(KIND_MODULE, parse_proc_modules, "/proc/modules",
			   "nf_tables 229376 0 - Live 0x0000000000000000\n"
			   "xt_conntrack 16384 1 nf_tables, Live 0xffffffffc0a00000 (OE)\n"
			   "odd 1 2 3\n"
			   "big notanumber 0 - Live 0x0\n"
			   "loading 4096 0 - Loading 0x0 (P) extra\n");

	ck_assert_str_eq(got, "nf_tables size=229376 state=Live taint=\n"
			      "xt_conntrack size=16384 state=Live taint=OE\n"
			      "--\n"
			      "/proc/modules:3: expected 6 or 7 fields, found 4\n"
			      "/proc/modules:4: size is not a number\n"
			      "/proc/modules:5: expected 6 or 7 fields, found 8\n");
	free(got);
}
END_TEST

/* With /proc/modules the live source lists modules; without, one line. */
START_TEST(test_modules_live)
{
	char *got, *warned;

	src_catch_start();
	got = src_dump(&source_module, "/", NULL, NULL);
	warned = src_catch_stop();
	if (access("/proc/modules", F_OK) == 0) {
		ck_assert_str_eq(warned, "");
	} else {
		ck_assert_str_eq(got, "");
		ck_assert_str_eq(warned, "/proc/modules does not exist: this kernel has no "
					 "loadable modules\n");
	}
	free(got);
	free(warned);
}
END_TEST

static void parse_tcp(struct source_list *l, const char *file, const char *text, size_t len)
{
	parse_proc_net(l, "tcp", file, text, len, NULL);
}

static void parse_udp6(struct source_list *l, const char *file, const char *text, size_t len)
{
	parse_proc_net(l, "udp6", file, text, len, NULL);
}

START_TEST(test_parse_net)
{
	char *got = parsed(KIND_PORT, parse_tcp, "/proc/net/tcp",
			   "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			   "retrnsmt   uid  timeout inode\n"
			   "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 "
			   "00000000     0        0 1001 1 0 100 0 0 10 0\n"
			   "   1: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 "
			   "00000000   101        0 1002 1 0 100 0 0 10 0\n"
			   "   2: 0100007F:9C40 0100007F:0016 01 00000000:00000000 00:00000000 "
			   "00000000     0        0 1003 1 0 100 0 0 10 0\n"
			   "   3: 0100007F:0035 00000000:0000\n"
			   "   4: 0100007G:0035 00000000:0000 0A 0:0 0:0 0 0 0 1004\n");

	ck_assert_str_eq(got, "tcp/0.0.0.0/22\ntcp/127.0.0.1/53\n--\n"
			      "/proc/net/tcp:5: expected at least 10 fields\n"
			      "/proc/net/tcp:6: malformed address or inode\n");
	free(got);
	got = parsed(KIND_PORT, parse_udp6, "/proc/net/udp6",
		     "  sl  local_address                         remote_address st\n"
		     "  0: 00000000000000000000000000000000:0223 "
		     "00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 "
		     "00000000     0        0 2001 2 0 0\n"
		     "  1: 0000000000000000FFFF00000100007F:0035 "
		     "00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 "
		     "00000000     0        0 2002 2 0 0\n");
	ck_assert_str_eq(got, "udp6/::/547\nudp6/::ffff:127.0.0.1/53\n--\n");
	free(got);
}
END_TEST

START_TEST(test_parse_mountinfo)
{
	char *got = parsed(KIND_MOUNT, parse_mountinfo, "/proc/self/mountinfo",
			   "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
			   "30 22 0:26 / /tmp rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=10k\n"
			   "31 22 0:27 / /mnt/a\\040b rw master:1 shared:2 - tmpfs x\\134y rw\n"
			   "32 30 0:28 / /tmp rw,nosuid,nodev,noexec - tmpfs over rw\n"
			   "33 22 0:29 / /bad rw -\n"
			   "garbage\n");

	ck_assert_str_eq(got, "/ source=/dev/sda1 fstype=ext4 options=errors=remount-ro,relatime,rw\n"
			      "/mnt/a b source=x\\\\y fstype=tmpfs options=rw\n"
			      "/tmp source=over fstype=tmpfs options=nodev,noexec,nosuid,rw\n"
			      "--\n"
			      "/proc/self/mountinfo:5: not a mountinfo line\n"
			      "/proc/self/mountinfo:6: not a mountinfo line\n");
	free(got);
}
END_TEST

Suite *make_src_live_suite(void)
{
	Suite *s = suite_create("src_live");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_ports, 0, 2);
	tcase_add_test(tc, test_processes);
	tcase_add_test(tc, test_mounts);
	tcase_add_test(tc, test_parse_modules);
	tcase_add_test(tc, test_modules_live);
	tcase_add_test(tc, test_parse_net);
	tcase_add_test(tc, test_parse_mountinfo);
	suite_add_tcase(s, tc);
	return s;
}
