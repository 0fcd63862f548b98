/* The package source on temp roots (issue 12). */
#include <stdio.h>

#include "src_helpers.h"

#define STATUS \
	"Package: dpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.21.22\n\n" \
	"Package: libmagic1\nStatus: install ok installed\nMulti-Arch: same\n" \
	"Architecture: amd64\nVersion: 1:5.44-3\nDescription: x\n more\n .\n\n" \
	"Package: tree\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.1.0-1\n\n" \
	"Package: libfoo\nStatus: install ok installed\nArchitecture: i386\nVersion: 1\n\n" \
	"Package: gone\nStatus: purge ok not-installed\nArchitecture: amd64\n\n" \
	"Package: oldconf\nStatus: deinstall ok config-files\nArchitecture: all\nVersion: 3\n\n" \
	"Status: install ok installed\nVersion: 9\n\n" \
	"Package: nostatus\nArchitecture: all\n\n" \
	"Package: half\nStatus: install reinstreq half-installed\nArchitecture: all\nVersion: 2\n"

static char *pkg_root(void)
{
	char *root = unit_tmpdir();

	src_write(root, "var/lib/dpkg/status", STATUS);
	src_write(root, "var/lib/dpkg/info/tree.md5sums", "abc  usr/bin/tree\n");
	src_write(root, "var/lib/dpkg/info/libmagic1:amd64.md5sums", "def  usr/lib/x\n");
	return root;
}

START_TEST(test_packages)
{
	char *root = pkg_root(), *got, *warned, want[2048], d_tree[65], d_magic[65];

	src_hex_digest("abc  usr/bin/tree\n", NULL, d_tree);
	src_hex_digest("def  usr/lib/x\n", NULL, d_magic);
	src_catch_start();
	got = src_dump(&source_package, root, NULL, NULL);
	warned = src_catch_stop();
	snprintf(want, sizeof(want),
		 "dpkg version=1.21.22 arch=amd64 status=install ok installed\n"
		 "half version=2 arch=all status=install reinstreq half-installed\n"
		 "libfoo:i386 version=1 arch=i386 status=install ok installed\n"
		 "libmagic1:amd64 version=1:5.44-3 arch=amd64 status=install ok installed "
		 "md5sums=%s\n"
		 "oldconf version=3 arch=all status=deinstall ok config-files\n"
		 "tree version=2.1.0-1 arch=amd64 status=install ok installed md5sums=%s\n",
		 d_magic, d_tree);
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(warned, "/var/lib/dpkg/status:34: stanza without Package: skipped\n"
				 "/var/lib/dpkg/status:37: package \"nostatus\": Status is not "
				 "\"want flag status\": skipped\n");
	free(got);
	free(warned);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* Installed, removed, upgraded, reinstalled with other files. */
START_TEST(test_package_changes)
{
	char *root = pkg_root(), *a, *b, want[512], d[65];

	src_catch_start();
	a = src_dump(&source_package, root, NULL, NULL);
	src_write(root, "var/lib/dpkg/info/tree.md5sums", "abd  usr/bin/tree\n");
	b = src_dump(&source_package, root, NULL, NULL);
	free(src_catch_stop());
	ck_assert_str_ne(strstr(a, "\ntree "), strstr(b, "\ntree "));
	free(a);
	free(b);
	src_write(root, "var/lib/dpkg/status",
		  "Package: tree\nStatus: install ok installed\nArchitecture: amd64\n"
		  "Version: 2.2.0-1\n\nPackage: nc\nStatus: install ok installed\n"
		  "Architecture: amd64\nVersion: 1\n");
	a = src_dump(&source_package, root, NULL, NULL);
	/* No dpkg stanza: the native architecture is unknown, so nothing
	 * is qualified for being foreign. */
	src_hex_digest("abd  usr/bin/tree\n", NULL, d);
	snprintf(want, sizeof(want), "nc version=1 arch=amd64 status=install ok installed\n"
		 "tree version=2.2.0-1 arch=amd64 status=install ok installed md5sums=%s\n", d);
	ck_assert_str_eq(a, want);
	free(a);
	unit_rmtree(root);
	free(root);
}
END_TEST

START_TEST(test_package_selection)
{
	static const char rules[] =
		"{\"id\":\"1\",\"name\":\"a\",\"entities\":[{\"type\":\"package\","
		"\"include\":[\"lib*\"],\"exclude\":[\"*:i386\"],\"attributes\":[\"version\"]}]}";
	char *root = pkg_root(), *got;

	src_catch_start();
	got = src_dump(&source_package, root, rules, NULL);
	free(src_catch_stop());
	/* Only what the rule asks for is kept. */
	ck_assert_str_eq(got, "libmagic1:amd64 version=1:5.44-3 @0\n");
	free(got);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* The 5,000-package synthetic file of bench/entities.c, on the parser. */
START_TEST(test_parse_many)
{
	struct source_list l;
	struct strbuf sb;

	strbuf_init(&sb);
	for (int i = 0; i < 5000; i++)
		strbuf_addf(&sb, "Package: p%d\nStatus: install ok installed\nVersion: %d\n\n", i, i);
	source_list_init(&l, KIND_PACKAGE, NULL);
	parse_dpkg_status(&l, "status", sb.buf, sb.len);
	source_list_sort(&l);
	ck_assert_uint_eq(l.n, 5000);
	ck_assert_ptr_nonnull(source_list_find(&l, "p4999", 5));
	ck_assert_ptr_null(source_list_find(&l, "p5000", 5));
	source_list_release(&l);
	strbuf_release(&sb);
}
END_TEST

Suite *make_src_package_suite(void)
{
	Suite *s = suite_create("src_package");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_packages);
	tcase_add_test(tc, test_package_changes);
	tcase_add_test(tc, test_package_selection);
	tcase_add_test(tc, test_parse_many);
	suite_add_tcase(s, tc);
	return s;
}
