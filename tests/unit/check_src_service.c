/* The service source on temp roots (issue 12). */
#include <stdio.h>
#include <unistd.h>

#include "src_helpers.h"

#define LIB "usr/lib/systemd/system/"
#define ETC "etc/systemd/system/"

static void link_at(const char *root, const char *rel, const char *target)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

static char *svc_root(void)
{
	char *root = unit_tmpdir();

	src_write(root, LIB "ssh.service", "[Unit]\n[Service]\nExecStart=/usr/sbin/sshd\n"
			  "[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n");
	src_write(root, LIB "cron.service", "[Service]\n[Install]\nWantedBy=multi-user.target\n");
	src_write(root, LIB "static.service", "[Service]\nExecStart=/bin/true\n");
	src_write(root, LIB "also.socket", "[Install]\nAlso=static.service\n");
	src_write(root, LIB "getty@.service", "[Install]\nWantedBy=getty.target\n");
	src_write(root, LIB "multi-user.target", "[Unit]\n");
	src_write(root, LIB "README", "not a unit\n");
	src_write(root, ETC "multi-user.target.wants/.keep", "");
	link_at(root, ETC "multi-user.target.wants/ssh.service", "/usr/lib/systemd/system/ssh.service");
	link_at(root, ETC "sshd.service", "/usr/lib/systemd/system/ssh.service");
	src_write(root, ETC "getty.target.wants/.keep", "");
	link_at(root, ETC "getty.target.wants/getty@tty1.service", "/usr/lib/systemd/system/getty@.service");
	link_at(root, ETC "cron.service", "/dev/null");
	src_write(root, LIB "ssh.service.d/10-vendor.conf", "[Service]\nNice=1\n");
	src_write(root, ETC "ssh.service.d/20-local.conf", "[Service]\nNice=2\n");
	return root;
}

START_TEST(test_services)
{
	char *root = svc_root(), *got;
	char want[4096], u_ssh[65], u_static[65], u_also[65], u_getty[65], u_mu[65];

	src_hex_digest("[Unit]\n[Service]\nExecStart=/usr/sbin/sshd\n[Install]\n"
		       "WantedBy=multi-user.target\nAlias=sshd.service\n", NULL, u_ssh);
	src_hex_digest("[Service]\nExecStart=/bin/true\n", NULL, u_static);
	src_hex_digest("[Install]\nAlso=static.service\n", NULL, u_also);
	src_hex_digest("[Install]\nWantedBy=getty.target\n", NULL, u_getty);
	src_hex_digest("[Unit]\n", NULL, u_mu);
	got = src_dump(&source_service, root, NULL, NULL);
	/* ssh's drop-ins digest is checked by test_dropins. */
	ck_assert_ptr_nonnull(strstr(got, "dropins="));
	memmove(strstr(got, " dropins="), strstr(got, " dropins=") + 9 + 64,
		strlen(strstr(got, " dropins=") + 9 + 64) + 1);
	snprintf(want, sizeof(want),
		 "also.socket enabled=indirect unit=%s path=/usr/lib/systemd/system/also.socket\n"
		 "cron.service enabled=masked path=/dev/null\n"
		 "getty@.service enabled=enabled unit=%s path=/usr/lib/systemd/system/getty@.service\n"
		 "multi-user.target enabled=static unit=%s path=/usr/lib/systemd/system/multi-user.target\n"
		 "ssh.service enabled=enabled unit=%s path=/usr/lib/systemd/system/ssh.service\n"
		 "sshd.service enabled=alias unit=%s path=/usr/lib/systemd/system/ssh.service\n"
		 "static.service enabled=static unit=%s path=/usr/lib/systemd/system/static.service\n",
		 u_also, u_getty, u_mu, u_ssh, u_ssh, u_static);
	ck_assert_str_eq(got, want);
	free(got);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* Disabling, a changed unit file, a new drop-in: each changes its attribute. */
START_TEST(test_service_changes)
{
	char *root = svc_root(), *a, *b, path[4096];

	a = src_dump(&source_service, root, NULL, NULL);
	snprintf(path, sizeof(path), "%s/" ETC "multi-user.target.wants/ssh.service", root);
	ck_assert_int_eq(unlink(path), 0);
	b = src_dump(&source_service, root, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(a, "ssh.service enabled=enabled unit="));
	/* sshd.service still links to it: as systemd says, it stays enabled. */
	ck_assert_ptr_nonnull(strstr(b, "ssh.service enabled=enabled unit="));
	snprintf(path, sizeof(path), "%s/" ETC "sshd.service", root);
	ck_assert_int_eq(unlink(path), 0);
	free(b);
	b = src_dump(&source_service, root, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(b, "ssh.service enabled=disabled unit="));
	ck_assert_ptr_null(strstr(b, "sshd.service"));
	free(a);
	a = b;
	src_write(root, ETC "ssh.service.d/30-evil.conf", "[Service]\nExecStartPre=/tmp/x\n");
	b = src_dump(&source_service, root, NULL, NULL);
	ck_assert_str_ne(strstr(a, " dropins="), strstr(b, " dropins="));
	ck_assert_str_eq(strstr(a, "static.service"), strstr(b, "static.service"));
	free(a);
	free(b);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* Drop-ins: by name, /etc's over /usr/lib's of the same name. */
START_TEST(test_dropins)
{
	char *root = svc_root(), *a, *b;

	a = src_dump(&source_service, root, NULL, NULL);
	src_write(root, LIB "ssh.service.d/20-local.conf", "[Service]\nNice=3\n");
	b = src_dump(&source_service, root, NULL, NULL);
	ck_assert_str_eq(a, b);	/* shadowed by /etc's 20-local.conf */
	free(b);
	src_write(root, ETC "ssh.service.d/20-local.conf", "[Service]\nNice=4\n");
	b = src_dump(&source_service, root, NULL, NULL);
	ck_assert_str_ne(a, b);
	free(a);
	free(b);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_service_selection)
{
	static const char rules[] =
		"{\"id\":\"1\",\"name\":\"a\",\"entities\":[{\"type\":\"service\","
		"\"include\":[\"*.service\"],\"exclude\":[\"s*\"],\"attributes\":[\"enabled\"]}]}";
	char *root = svc_root(), *got = src_dump(&source_service, root, rules, NULL);

	ck_assert_ptr_nonnull(strstr(got, "cron.service enabled=masked @0\n"));
	ck_assert_ptr_nonnull(strstr(got, "\ngetty@.service enabled=enabled @0\n"));
	ck_assert_ptr_null(strstr(got, "ssh"));
	ck_assert_ptr_null(strstr(got, "socket"));
	free(got);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* A hostile unit name is kept, with a warning; a unit whose link points
 * nowhere records why. */
START_TEST(test_service_hostile)
{
	char *root = unit_tmpdir(), *got, *warned, want[1024], d[65];

	src_write(root, LIB "ev\x01l.service", "[Service]\n");
	src_write(root, ETC "keep", "");
	link_at(root, ETC "dangling.service", "/usr/lib/systemd/system/nothere.service");
	src_hex_digest("[Service]\n", NULL, d);
	src_catch_start();
	got = src_dump(&source_service, root, NULL, NULL);
	warned = src_catch_stop();
	snprintf(want, sizeof(want),
		 "dangling.service error=unit file does not exist enabled=alias "
		 "path=/usr/lib/systemd/system/nothere.service\n"
		 "ev\x01l.service enabled=static unit=%s path=/usr/lib/systemd/system/ev\\x01l.service\n",
		 d);
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(warned, "/usr/lib/systemd/system: unit name has control characters or "
				 "invalid UTF-8\n");
	free(got);
	free(warned);
	unit_rmtree(root);
	free(root);
}
END_TEST

Suite *make_src_service_suite(void)
{
	Suite *s = suite_create("src_service");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_services);
	tcase_add_test(tc, test_service_changes);
	tcase_add_test(tc, test_dropins);
	tcase_add_test(tc, test_service_selection);
	tcase_add_test(tc, test_service_hostile);
	suite_add_tcase(s, tc);
	return s;
}
