/* The user and group sources on temp roots (issue 12). */
#include <stdio.h>

#include "src_helpers.h"

static const unsigned char key1[32] = { 1, 2, 3 };
static const unsigned char key2[32] = { 9 };

#define PASSWD \
	"root:x:0:0:root:/root:/bin/bash\n" \
	"alice:x:1000:1000:Alice,,,:/home/alice:/bin/sh\n" \
	"broken line\n" \
	"bob:x:1001:1001::/home/bob:/bin/sh\n" \
	"carol:x:abc:1002::/:/bin/false\n" \
	"nopw:x:1003:1003::/:/bin/false\n" \
	"old:plainhash:1004:1004::/:/bin/false\n"
#define SHADOW \
	"root:$6$salt$secrethash:19000:0:99999:7:::\n" \
	"alice:!$6$x$y:19001::::::\n" \
	"bob::19002:0:99999:7::20000:\n" \
	"short:x\n"
#define GROUP \
	"root:x:0:\n" \
	"sudo:x:27:bob,alice\n" \
	"adm:x:4:alice\n" \
	"bad:x:notanumber:\n"
#define GSHADOW "sudo:!:carol,bob:bob,alice\n"

static char *user_root(void)
{
	char *root = unit_tmpdir();

	src_write(root, "etc/passwd", PASSWD);
	src_write(root, "etc/shadow", SHADOW);
	src_write(root, "etc/group", GROUP);
	src_write(root, "etc/gshadow", GSHADOW);
	return root;
}

START_TEST(test_users)
{
	char *root = user_root(), *got, *warned, want[2048], d_root[65], d_alice[65], d_bob[65],
	     d_old[65];

	src_hex_digest("$6$salt$secrethash", key1, d_root);
	src_hex_digest("!$6$x$y", key1, d_alice);
	src_hex_digest("", key1, d_bob);
	src_hex_digest("plainhash", key1, d_old);
	src_catch_start();
	got = src_dump(&source_user, root, NULL, key1);
	warned = src_catch_stop();
	snprintf(want, sizeof(want),
		 "alice uid=1000 gid=1000 gecos=Alice,,, home=/home/alice shell=/bin/sh "
		 "password=%s password_state=locked last_change=19001 groups=adm,sudo\n"
		 "bob uid=1001 gid=1001 gecos= home=/home/bob shell=/bin/sh password=%s "
		 "password_state=empty last_change=19002 min_days=0 max_days=99999 warn_days=7 "
		 "expire=20000 groups=sudo\n"
		 "nopw uid=1003 gid=1003 gecos= home=/ shell=/bin/false password_state=none\n"
		 "old uid=1004 gid=1004 gecos= home=/ shell=/bin/false password=%s "
		 "password_state=set\n"
		 "root uid=0 gid=0 gecos=root home=/root shell=/bin/bash password=%s "
		 "password_state=set last_change=19000 min_days=0 max_days=99999 warn_days=7\n",
		 d_alice, d_bob, d_old, d_root);
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(warned, "/etc/passwd:3: expected 7 fields, found 1\n"
				 "/etc/passwd:5: uid or gid is not a number\n"
				 "/etc/shadow:4: expected 9 fields, found 2\n");
	ck_assert_ptr_null(strstr(got, "secrethash"));
	free(got);
	free(warned);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* A password change changes the keyed digest, never shows the hash; the
 * same hash under another baseline's key gives another digest. */
START_TEST(test_password_change)
{
	char *root = user_root(), *a, *b, *c;

	src_catch_start();
	a = src_dump(&source_user, root, NULL, key1);
	src_write(root, "etc/shadow", "root:$6$salt$otherhash:19000:0:99999:7:::\n");
	b = src_dump(&source_user, root, NULL, key1);
	c = src_dump(&source_user, root, NULL, key2);
	free(src_catch_stop());
	ck_assert_str_ne(strstr(a, "\nroot "), strstr(b, "\nroot "));
	ck_assert_str_ne(strstr(b, "\nroot "), strstr(c, "\nroot "));
	ck_assert_ptr_null(strstr(b, "otherhash"));
	ck_assert_ptr_nonnull(strstr(b, "password_state=set last_change=19000"));
	free(a);
	free(b);
	free(c);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* Without a key the digest is left out, not computed unkeyed. */
START_TEST(test_no_key)
{
	char *root = user_root(), *got;

	src_catch_start();
	got = src_dump(&source_user, root, NULL, NULL);
	free(src_catch_stop());
	ck_assert_ptr_null(strstr(got, "password="));
	ck_assert_ptr_nonnull(strstr(got, "root uid=0 gid=0 gecos=root home=/root shell=/bin/bash "
					  "password_state=set"));
	free(got);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_user_selection)
{
	static const char rules[] =
		"[{\"id\":\"1\",\"name\":\"a\",\"entities\":[{\"type\":\"user\","
		"\"include\":[\"[ab]*\"],\"exclude\":[\"bob\"],\"attributes\":[\"uid\"]}]},"
		"{\"id\":\"2\",\"name\":\"b\",\"entities\":[{\"type\":\"file\",\"base\":\"/etc\"},"
		"{\"type\":\"user\",\"include\":[\"alice\",\"root\"],\"attributes\":[\"shell\"]}]}]";
	char *root = user_root(), *got;

	src_catch_start();
	got = src_dump(&source_user, root, rules, key1);
	free(src_catch_stop());
	/* Attributes are collected for the union; the diff narrows per rule. */
	ck_assert_ptr_nonnull(strstr(got, "alice uid=1000"));
	ck_assert_ptr_nonnull(strstr(got, " @0 @2\n"));
	ck_assert_ptr_null(strstr(got, "bob "));
	ck_assert_ptr_null(strstr(got, "nopw "));
	ck_assert_ptr_nonnull(strstr(got, "root uid=0"));
	ck_assert_int_eq((int)(strstr(got, "root uid=0") - got) > 0, 1);
	ck_assert_ptr_nonnull(strstr(strstr(got, "root uid=0"), " @2\n"));
	free(got);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_groups)
{
	char *root = user_root(), *got, *warned;

	src_catch_start();
	got = src_dump(&source_group, root, NULL, NULL);
	warned = src_catch_stop();
	ck_assert_str_eq(got, "adm gid=4 members=alice admins=\n"
			      "root gid=0 members= admins=\n"
			      "sudo gid=27 members=alice,bob admins=bob,carol\n");
	ck_assert_str_eq(warned, "/etc/group:4: gid is not a number\n");
	free(got);
	free(warned);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* No account databases at all: no users, no error. */
START_TEST(test_empty_root)
{
	char *root = unit_tmpdir(), *got = src_dump(&source_user, root, NULL, key1);

	ck_assert_str_eq(got, "");
	free(got);
	got = src_dump(&source_group, root, NULL, NULL);
	ck_assert_str_eq(got, "");
	free(got);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* Hostile input: control characters and invalid UTF-8 in a name, a
 * 10 MB line, a duplicate: warned with file and line, the rest read. */
START_TEST(test_hostile)
{
	char *root = unit_tmpdir(), *got, *warned;
	size_t big = 10u << 20;
	char *text = xmalloc(big + 256);

	memset(text, 'a', big);
	strcpy(text + big, "\nev\x01il\xff:x:0:0::/:/bin/sh\nroot:x:0:0::/:/bin/sh\n"
			   "root:x:5:5::/:/bin/sh\n");
	src_write(root, "etc/passwd", text);
	src_catch_start();
	got = src_dump(&source_user, root, NULL, NULL);
	warned = src_catch_stop();
	ck_assert_str_eq(got, "ev\x01il\xff uid=0 gid=0 gecos= home=/ shell=/bin/sh "
			      "password_state=none\n"
			      "root uid=0 gid=0 gecos= home=/ shell=/bin/sh password_state=none\n");
	ck_assert_str_eq(warned, "/etc/passwd:1: line of 10485760 bytes is too long: skipped\n"
				 "/etc/passwd:2: name has control characters or invalid UTF-8\n"
				 "user \"root\" is listed more than once: the first entry counts\n");
	free(text);
	free(got);
	free(warned);
	unit_rmtree(root);
	free(root);
}
END_TEST

Suite *make_src_user_suite(void)
{
	Suite *s = suite_create("src_user");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_users);
	tcase_add_test(tc, test_password_change);
	tcase_add_test(tc, test_no_key);
	tcase_add_test(tc, test_user_selection);
	tcase_add_test(tc, test_groups);
	tcase_add_test(tc, test_empty_root);
	tcase_add_test(tc, test_hostile);
	suite_add_tcase(s, tc);
	return s;
}
