/* check_cmd.c - the command layer's option parsing helpers (cmd.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/cmd.h"
#include "imscan/error.h"
#include "imscan/rules.h"
#include "imscan/xalloc.h"
#include "unit.h"

static const struct {
	const char *in;
	unsigned min, max;
	int ret;
	unsigned out;
	const char *err;
} uints[] = {
	{ "5", 1, 10, 0, 5, NULL },
	{ "1", 1, 10, 0, 1, NULL },
	{ "1024", 1, 1024, 0, 1024, NULL },
	{ "0", 1, 10, -1, 0, "--jobs '0': expected a number from 1 to 10" },
	{ "11", 1, 10, -1, 0, "--jobs '11': expected a number from 1 to 10" },
	{ "-1", 1, 10, -1, 0, "--jobs '-1': expected a number from 1 to 10" },
	{ "", 1, 10, -1, 0, "--jobs '': expected a number from 1 to 10" },
	{ "4x", 1, 10, -1, 0, "--jobs '4x': expected a number from 1 to 10" },
	{ " 4", 1, 10, 0, 4, NULL },	/* strtoul's leading blanks, as before */
	{ "18446744073709551617", 1, 10, -1, 0,
	  "--jobs '18446744073709551617': expected a number from 1 to 10" },
};

START_TEST(test_parse_uint)
{
	unsigned out = 0;

	ck_assert_int_eq(cmd_parse_uint("--jobs", uints[_i].in, uints[_i].min, uints[_i].max, &out),
			 uints[_i].ret);
	if (uints[_i].ret == 0)
		ck_assert_uint_eq(out, uints[_i].out);
	else
		ck_assert_str_eq(error_last(), uints[_i].err);
}
END_TEST

/* Choices are case-insensitive (issue 10 item 7); messages quote the input. */
START_TEST(test_parse_choices)
{
	enum sink_format f = SINK_TEXT;
	enum attr_id h = ATTR_SHA512;

	ck_assert_int_eq(cmd_parse_format("json", &f), 0);
	ck_assert_int_eq(f, SINK_JSON);
	ck_assert_int_eq(cmd_parse_format("Text", &f), 0);
	ck_assert_int_eq(f, SINK_TEXT);
	ck_assert_int_eq(cmd_parse_format("JSON", &f), 0);
	ck_assert_int_eq(f, SINK_JSON);
	ck_assert_int_eq(cmd_parse_format("XML", &f), -1);
	ck_assert_str_eq(error_last(), "--format 'XML': expected json or text");
	ck_assert_int_eq(cmd_parse_format("", &f), -1);
	ck_assert_str_eq(error_last(), "--format '': expected json or text");
	ck_assert_int_eq(cmd_parse_hash("SHA256", &h), 0);
	ck_assert_int_eq(h, ATTR_SHA256);
	ck_assert_int_eq(cmd_parse_hash("xxh128", &h), 0);
	ck_assert_int_eq(h, ATTR_XXH128);
	ck_assert_int_eq(cmd_parse_hash("MD5", &h), -1);
	ck_assert_str_eq(error_last(), "--hash 'MD5': expected sha256, sha512, blake2b or xxh128");
	ck_assert_int_eq(cmd_parse_hash("size", &h), -1);	/* an attribute, not a hash */
	ck_assert_str_eq(error_last(), "--hash 'size': expected sha256, sha512, blake2b or xxh128");
}
END_TEST

static const struct {
	const char *in;
	const char *err;	/* NULL: accepted */
} params[] = {
	{ "web_root=/srv/www", NULL },
	{ "x=", NULL },
	{ "a=b=c", NULL },
	{ "web_root", "--param 'web_root': expected NAME=VALUE" },
	{ "=/srv", "--param '=/srv': expected NAME=VALUE" },
	{ "1x=/srv", "--param '1x=/srv': a param name is letters, digits and '_', "
		     "not starting with a digit" },
	{ "a-b=c", "--param 'a-b=c': a param name is letters, digits and '_', "
		   "not starting with a digit" },
};

START_TEST(test_param_option)
{
	struct rule_opts o = { 0 };

	if (!params[_i].err) {
		ck_assert_int_eq(rule_opts_add_param(&o, params[_i].in), 0);
		ck_assert_uint_eq(o.nparams, 1);
		ck_assert_str_eq(o.params[0], params[_i].in);
	} else {
		ck_assert_int_eq(rule_opts_add_param(&o, params[_i].in), -1);
		ck_assert_str_eq(error_last(), params[_i].err);
		ck_assert_uint_eq(o.nparams, 0);
	}
	rule_opts_release(&o);
}
END_TEST

/* Sets or (value NULL) unsets an environment variable. */
static void env(const char *name, const char *value)
{
	if (value)
		ck_assert_int_eq(setenv(name, value, 1), 0);
	else
		ck_assert_int_eq(unsetenv(name), 0);
}

START_TEST(test_default_baseline)
{
	char *saved[3];
	const char *names[3] = { "IMSCAN_BASELINE", "XDG_STATE_HOME", "HOME" };
	const char *from = NULL;
	struct baseline_path bp;
	char *f;

	for (int i = 0; i < 3; i++)
		saved[i] = getenv(names[i]) ? xstrdup(getenv(names[i])) : NULL;
	env("IMSCAN_BASELINE", "/e/b.imdb");
	f = cmd_default_baseline(&from);
	ck_assert_str_eq(f, "/e/b.imdb");
	ck_assert_str_eq(from, "$IMSCAN_BASELINE");
	free(f);
	env("IMSCAN_BASELINE", "");	/* empty is unset */
	env("XDG_STATE_HOME", "/state");
	env("HOME", "/home/u");
	f = cmd_default_baseline(&from);
	ck_assert_str_eq(from, "the default");
	ck_assert_str_eq(f, geteuid() == 0 ? "/var/lib/imscan/baseline.imdb"
					   : "/state/imscan/baseline.imdb");
	free(f);
	if (geteuid() != 0) {
		env("XDG_STATE_HOME", "relative");	/* not absolute: ignored */
		f = cmd_default_baseline(NULL);
		ck_assert_str_eq(f, "/home/u/.local/state/imscan/baseline.imdb");
		free(f);
		env("HOME", NULL);
		ck_assert_ptr_null(cmd_default_baseline(NULL));
		ck_assert_str_eq(error_last(), "no baseline file: set HOME, XDG_STATE_HOME or "
				 "IMSCAN_BASELINE, or use -b FILE");
	}
	ck_assert_int_eq(baseline_path_init(&bp, "/opt/b.imdb"), 0);
	ck_assert_str_eq(bp.file, "/opt/b.imdb");
	ck_assert_str_eq(bp.from, "-b");
	baseline_path_release(&bp);
	for (int i = 0; i < 3; i++) {
		env(names[i], saved[i]);
		free(saved[i]);
	}
}
END_TEST

static const struct {
	const char *a, *b;
	size_t d;
} dists[] = {
	{ "", "", 0 }, { "check", "check", 0 }, { "baselin", "baseline", 1 },
	{ "formt", "format", 1 }, { "chekc", "check", 2 }, { "", "abc", 3 },
	{ "kitten", "sitting", 3 }, { "lnt", "lint", 1 },
};

START_TEST(test_edit_distance)
{
	ck_assert_uint_eq(cmd_edit_distance(dists[_i].a, dists[_i].b), dists[_i].d);
	ck_assert_uint_eq(cmd_edit_distance(dists[_i].b, dists[_i].a), dists[_i].d);
}
END_TEST

START_TEST(test_closest)
{
	static const char *const cmds[] = { "rules", "baseline", "check", "show" };

	ck_assert_str_eq(cmd_closest("baselin", cmds, 4), "baseline");
	ck_assert_str_eq(cmd_closest("chek", cmds, 4), "check");
	ck_assert_str_eq(cmd_closest("shwo", cmds, 4), "show");
	ck_assert_str_eq(cmd_closest("rule", cmds, 4), "rules");
	ck_assert_ptr_null(cmd_closest("watch", cmds, 4));	/* 3 edits or more */
	ck_assert_ptr_null(cmd_closest("x", cmds, 4));
	ck_assert_ptr_null(cmd_closest("", cmds, 4));
}
END_TEST

#define REC(id, path) "{\"id\":\"" id "\",\"name\":\"n\",\"recommend\":{\"path_exists\":\"" \
	path "\"},\"entities\":[{\"type\":\"file\",\"base\":\"/etc\"}]}"

/*
 * Issue 11 item 5: an image whose /etc is a symlink to /etc must be judged
 * by its own files, never the host's; a link inside the image is followed
 * inside it.
 */
START_TEST(test_recommend_in_root)
{
	static const char json[] = "[" REC("host", "/etc/passwd") "," REC("inside", "/cfg/hosts")
		"," REC("dangling", "/dangle") "," REC("missing", "/cfg/nope") ","
		REC("root", "/") "," REC("up", "/up/hosts") "]";
	char *root = unit_tmpdir(), *p = xmalloc(strlen(root) + 16);
	struct ruleset rs;

	ck_assert_int_eq(access("/etc/passwd", F_OK), 0);
	sprintf(p, "%s/etc", root);
	ck_assert_int_eq(symlink("/etc", p), 0);
	sprintf(p, "%s/srv", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	sprintf(p, "%s/srv/etc", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	unit_write(root, "srv/etc/hosts", "x");
	sprintf(p, "%s/cfg", root);
	ck_assert_int_eq(symlink("/srv/etc", p), 0);
	sprintf(p, "%s/dangle", root);
	ck_assert_int_eq(symlink("/nonexistent", p), 0);
	sprintf(p, "%s/up", root);
	ck_assert_int_eq(symlink("../../../../../../srv/etc", p), 0);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, json, strlen(json), "t.json"), 0);
	cmd_recommend(&rs, root);
	ck_assert(!rs.rules[0]->recommended);	/* the host's /etc/passwd */
	ck_assert(rs.rules[1]->recommended);
	ck_assert(rs.rules[2]->recommended);	/* lstat sees the link */
	ck_assert(!rs.rules[3]->recommended);
	ck_assert(rs.rules[4]->recommended);
	ck_assert(rs.rules[5]->recommended);	/* ".." stops at the root */
	cmd_recommend(&rs, "/nonexistent-root");
	for (size_t i = 0; i < rs.nrules; i++)
		ck_assert(!rs.rules[i]->recommended);
	ruleset_release(&rs);
	unit_rmtree(root);
	free(root);
	free(p);
}
END_TEST

/* Issue 11 item 8: a --param that no loaded rule declares is an error. */
START_TEST(test_undeclared_param)
{
	char *dir = unit_tmpdir(), *file = xmalloc(strlen(dir) + 16);
	struct rule_opts o = { 0 };
	struct ruleset rs;

	unit_write(dir, "r.json", "{\"id\":\"1\",\"name\":\"n\",\"params\":{\"dir\":"
		   "{\"description\":\"d\",\"default\":\"/x\"}},\"entities\":[{\"type\":\"file\","
		   "\"base\":\"${dir}\"}]}");
	sprintf(file, "%s/r.json", dir);
	ck_assert_int_eq(rule_opts_add_path(&o, file), 0);
	ck_assert_int_eq(rule_opts_add_param(&o, "dri=/srv"), 0);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(cmd_load_rules(&rs, &o, "/", false), -1);
	ck_assert_str_eq(error_last(), "--param dri: no loaded rule declares a param named \"dri\"");
	ruleset_release(&rs);
	o.params_elsewhere = true;	/* rules lint, one file of several */
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(cmd_load_rules(&rs, &o, "/", false), 0);
	ruleset_release(&rs);
	o.params_elsewhere = false;
	o.params[0] = "dir=/srv";
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(cmd_load_rules(&rs, &o, "/", false), 0);
	ck_assert_str_eq(rs.ents[0]->base, "/srv");
	ruleset_release(&rs);
	rule_opts_release(&o);
	unit_rmtree(dir);
	free(dir);
	free(file);
}
END_TEST

extern Suite *make_cmd_suite(void);

Suite *make_cmd_suite(void)
{
	Suite *s = suite_create("cmd");
	TCase *tc = tcase_create("options");

	tcase_add_loop_test(tc, test_parse_uint, 0, sizeof(uints) / sizeof(uints[0]));
	tcase_add_test(tc, test_parse_choices);
	tcase_add_loop_test(tc, test_param_option, 0, sizeof(params) / sizeof(params[0]));
	tcase_add_test(tc, test_default_baseline);
	tcase_add_loop_test(tc, test_edit_distance, 0, sizeof(dists) / sizeof(dists[0]));
	tcase_add_test(tc, test_closest);
	tcase_add_test(tc, test_recommend_in_root);
	tcase_add_test(tc, test_undeclared_param);
	suite_add_tcase(s, tc);
	return s;
}
