/* Entity selection: relative paths, include/exclude down the tree,
 * executables only, and the single-path query watch will make. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/rules.h"
#include "imscan/select.h"
#include "imscan/strbuf.h"
#include "unit.h"

static const struct {
	const char *base, *path, *rel;	/* rel NULL: not below base */
} rels[] = {
	{ "/", "/", "" },
	{ "/", "/etc/hosts", "etc/hosts" },
	{ "/etc", "/etc", "" },
	{ "/etc", "/etc/hosts", "hosts" },
	{ "/etc", "/etcetera", NULL },
	{ "/etc", "/et", NULL },
	{ "/etc", "/usr/etc", NULL },
	{ "/etc/ssh", "/etc/ssh/sshd_config", "sshd_config" },
};

START_TEST(test_select_relative)
{
	size_t rlen = 99;
	const char *rel = select_relative(rels[_i].base, strlen(rels[_i].base), rels[_i].path,
					  strlen(rels[_i].path), &rlen);

	if (!rels[_i].rel) {
		ck_assert_ptr_null(rel);
		return;
	}
	ck_assert_ptr_nonnull(rel);
	ck_assert_uint_eq(rlen, strlen(rels[_i].rel));
	ck_assert_int_eq(memcmp(rel, rels[_i].rel, rlen), 0);
}
END_TEST

/* 0: /etc minus *.swp and skip/; 1: /etc/ssh; 2: *.conf under /var;
 * 3: executables under /usr/bin; 4: a user entity (never a path's);
 * 5: /opt itself only (include "."). */
static const char rules_json[] =
	"[{\"id\":\"1\",\"name\":\"etc\",\"entities\":[{\"type\":\"file\",\"base\":\"/etc\","
	"  \"exclude\":[\"*.swp\",\"skip/\"]}]},"
	" {\"id\":\"2\",\"name\":\"ssh\",\"entities\":[{\"type\":\"file\",\"base\":\"/etc/ssh\"}]},"
	" {\"id\":\"3\",\"name\":\"conf\",\"entities\":[{\"type\":\"file\",\"base\":\"/var\","
	"  \"include\":[\"*.conf\"]}]},"
	" {\"id\":\"4\",\"name\":\"bin\",\"entities\":[{\"type\":\"file\",\"base\":\"/usr/bin\","
	"  \"executables_only\":true}]},"
	" {\"id\":\"5\",\"name\":\"users\",\"entities\":[{\"type\":\"user\"}]},"
	" {\"id\":\"6\",\"name\":\"opt\",\"entities\":[{\"type\":\"file\",\"base\":\"/opt\","
	"  \"include\":[\".\"]}]}]";

static const struct {
	const char *path;
	bool is_dir, exec;
	const char *want;	/* entity indexes */
} paths[] = {
	{ "/etc", true, false, "0" },
	{ "/etc/hosts", false, false, "0" },
	{ "/etc/.x.swp", false, false, "" },
	{ "/etc/skip", true, false, "" },
	{ "/etc/skip/below", false, false, "" },	/* under an excluded directory */
	{ "/etc/ssh", true, false, "0,1" },
	{ "/etc/ssh/sshd_config", false, false, "0,1" },
	{ "/etc/ssh/x.swp", false, false, "1" },
	{ "/var", true, false, "" },	/* a base is selected only with no include or "." */
	{ "/opt", true, false, "5" },
	{ "/opt/x", false, false, "" },
	{ "/var/lib", true, false, "" },		/* only passed through */
	{ "/var/lib/deep/a.conf", false, false, "2" },
	{ "/var/lib/deep/b.txt", false, false, "" },
	{ "/usr/bin/ls", false, true, "3" },
	{ "/usr/bin/README", false, false, "" },
	{ "/usr", true, false, "" },
	{ "/", true, false, "" },
};

static int exec_calls;

static bool fake_exec(void *ctx)
{
	exec_calls++;
	return *(const bool *)ctx;
}

START_TEST(test_select_path)
{
	struct ruleset rs;
	uint32_t out[8];
	struct strbuf got;
	bool exec = paths[_i].exec;
	size_t n;

	strbuf_init(&got);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_msg(ruleset_load_json(&rs, rules_json, strlen(rules_json), "t") == 0, "%s",
		      error_last());
	exec_calls = 0;
	n = select_path(&rs, paths[_i].path, strlen(paths[_i].path), paths[_i].is_dir,
			fake_exec, &exec, out);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&got, "%s%u", i ? "," : "", out[i]);
	ck_assert_str_eq(got.buf, paths[_i].want);
	/* Only an executables_only entity's candidates make it look. */
	ck_assert_int_eq(exec_calls, !strncmp(paths[_i].path, "/usr/bin/", 9));
	ruleset_release(&rs);
	strbuf_release(&got);
}
END_TEST

static void write_mode(const char *dir, const char *rel, const char *content, mode_t mode)
{
	struct strbuf p;

	strbuf_init(&p);
	strbuf_addf(&p, "%s/%s", dir, rel);
	unit_write(dir, rel, content);
	ck_assert_int_eq(chmod(p.buf, mode), 0);
	strbuf_release(&p);
}

static bool is_exec(int dirfd, const char *name)
{
	struct statx stx;

	ck_assert_int_eq(statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE, &stx), 0);
	return select_is_executable(dirfd, name, &stx);
}

START_TEST(test_select_is_executable)
{
	char *dir = unit_tmpdir();
	int fd;

	write_mode(dir, "bin", "\177ELF", 0755);
	write_mode(dir, "script", "#!/bin/sh\n", 0644);
	write_mode(dir, "text", "#not\n", 0644);
	write_mode(dir, "short", "#", 0644);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert(is_exec(fd, "bin"));
	ck_assert(is_exec(fd, "script"));
	ck_assert(!is_exec(fd, "text"));
	ck_assert(!is_exec(fd, "short"));
	ck_assert(!is_exec(fd, "."));	/* a directory, x bits or not */
	close(fd);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

Suite *make_select_suite(void)
{
	Suite *s = suite_create("select");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_select_relative, 0, sizeof(rels) / sizeof(rels[0]));
	tcase_add_loop_test(tc, test_select_path, 0, sizeof(paths) / sizeof(paths[0]));
	tcase_add_test(tc, test_select_is_executable);
	suite_add_tcase(s, tc);
	return s;
}
