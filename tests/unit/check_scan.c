/* The scan: rules applied to a walk, records in order, hashing in parallel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imscan/error.h"
#include "imscan/file.h"
#include "imscan/rules.h"
#include "imscan/select.h"
#include "imscan/source.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "unit.h"

/* /etc with STANDARD, /etc/ssh (nested base) with sha512 too, /var/log
 * only *.conf files (not /var itself), walked through directories nobody
 * selects. */
static const char rules_json[] =
	"[{\"id\":\"1\",\"name\":\"etc\",\"entities\":[{\"type\":\"file\",\"base\":\"/etc\","
	"  \"exclude\":[\"*.swp\",\"skip/\"]}]},"
	" {\"id\":\"2\",\"name\":\"ssh\",\"entities\":[{\"type\":\"file\",\"base\":\"/etc/ssh\","
	"  \"attributes\":[\"sha512\",\"size\"]}]},"
	" {\"id\":\"3\",\"name\":\"conf\",\"entities\":[{\"type\":\"file\",\"base\":\"/var\","
	"  \"include\":[\"*.conf\"]}]}]";

/* key, entity indexes as a string ("0" or "0,1"), has sha256, has sha512 */
static const struct want {
	const char *key, *ents;
	int sha256, sha512;
} expected[] = {
	{ "/etc", "0", 0, 0 },
	{ "/etc/hosts", "0", 1, 0 },
	{ "/etc/ssh", "0,1", 0, 0 },
	{ "/etc/ssh/sshd_config", "0,1", 1, 1 },
	{ "/etc/x.conf", "0", 1, 0 },
	{ "/var/lib/deep/a.conf", "2", 1, 0 },
};

static char *mkroot(void)
{
	char *dir = unit_tmpdir();
	const char *dirs[] = { "etc", "etc/ssh", "etc/skip", "var", "var/lib", "var/lib/deep" };
	struct strbuf sb;

	strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s", dir, dirs[i]);
		ck_assert_int_eq(mkdir(sb.buf, 0755), 0);
	}
	strbuf_release(&sb);
	unit_write(dir, "etc/hosts", "127.0.0.1 localhost\n");
	unit_write(dir, "etc/ssh/sshd_config", "PermitRootLogin no\n");
	unit_write(dir, "etc/x.conf", "x\n");
	unit_write(dir, "etc/.x.swp", "swap\n");
	unit_write(dir, "etc/skip/ignored", "i\n");
	unit_write(dir, "var/lib/deep/a.conf", "a\n");
	unit_write(dir, "var/lib/deep/b.txt", "b\n");
	return dir;
}

/* The sources driver, read the way baseline reads it. */
static int run_next(struct source_run *s, const struct record **out)
{
	struct recstream st = sources_stream(s);

	return st.next(st.self, out);
}

static struct source_stats run_stats(struct source_run *s)
{
	struct source_stats st;

	sources_stats(s, &st);
	return st;
}

static void ents_str(const struct record *r, struct strbuf *sb)
{
	strbuf_reset(sb);
	for (uint32_t i = 0; i < r->nents; i++)
		strbuf_addf(sb, "%s%u", i ? "," : "", r->ents[i]);
}

static void scan_tree(unsigned jobs)
{
	char *root = mkroot();
	struct ruleset rs;
	struct source_opts o = { 0 };
	struct source_run *s;
	const struct record *r;
	struct strbuf sb;
	size_t n = 0;
	int rc;

	strbuf_init(&sb);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_msg(ruleset_load_json(&rs, rules_json, strlen(rules_json), "t") == 0, "%s",
		      error_last());
	o.root = root;
	o.rules = &rs;
	o.jobs = jobs;
	s = sources_open(&o);
	ck_assert_msg(s != NULL, "%s", error_last());
	while ((rc = run_next(s, &r)) > 0) {
		ck_assert_uint_lt(n, sizeof(expected) / sizeof(expected[0]));
		ck_assert_str_eq(record_key(r), expected[n].key);
		ents_str(r, &sb);
		ck_assert_str_eq(sb.buf, expected[n].ents);
		ck_assert_int_eq(record_has(r, ATTR_SHA256), expected[n].sha256);
		ck_assert_int_eq(record_has(r, ATTR_SHA512), expected[n].sha512);
		ck_assert(record_has(r, ATTR_DEVICE));
		n++;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(n, sizeof(expected) / sizeof(expected[0]));
	ck_assert_uint_eq(run_stats(s).entries, n);
	sources_close(s);
	ruleset_release(&rs);
	strbuf_release(&sb);
	unit_rmtree(root);
	free(root);
}

START_TEST(test_scan_selects_in_order)
{
	scan_tree(1);
}
END_TEST

START_TEST(test_scan_parallel_same_result)
{
	scan_tree(4);
}
END_TEST

/* Many files of many sizes: four workers must hand back the same records,
 * in the same order, as hashing inline. */
START_TEST(test_scan_parallel_order)
{
	static const char one[] = "{\"id\":\"1\",\"name\":\"d\",\"entities\":"
				  "[{\"type\":\"file\",\"base\":\"/d\",\"attributes\":[\"STANDARD\",\"xxh128\"]}]}";
	char *root = unit_tmpdir();
	struct strbuf sb, a, b;
	struct ruleset rs;

	strbuf_init(&sb);
	strbuf_init(&a);
	strbuf_init(&b);
	strbuf_addf(&sb, "%s/d", root);
	ck_assert_int_eq(mkdir(sb.buf, 0755), 0);
	for (int i = 0; i < 600; i++) {
		char name[32], *content;
		size_t len = (size_t)(i % 7 == 0 ? 300000 + i : i * 13);

		content = xmalloc(len + 1);
		for (size_t k = 0; k < len; k++)
			content[k] = (char)('a' + (k * 31 + (size_t)i) % 26);
		content[len] = '\0';
		snprintf(name, sizeof(name), "d/f%04d", i);
		unit_write(root, name, content);
		free(content);
	}
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, one, strlen(one), "t"), 0);
	for (unsigned jobs = 1; jobs <= 4; jobs += 3) {
		struct source_opts o = { .root = root, .rules = &rs, .jobs = jobs };
		struct source_run *s = sources_open(&o);
		struct strbuf *out = jobs == 1 ? &a : &b;
		const struct record *r;
		int id;

		ck_assert_ptr_nonnull(s);
		while (run_next(s, &r) > 0) {
			strbuf_addf(out, "%s", record_key(r));
			ATTRSET_FOREACH(id, &r->present)
				if (attr_is_hash((enum attr_id)id))
					attr_format(out, r, (enum attr_id)id, ATTR_STYLE_TEXT);
			strbuf_addc(out, '\n');
		}
		sources_close(s);
	}
	ck_assert_uint_gt(a.len, 600 * 40);
	ck_assert_str_eq(a.buf, b.buf);
	ruleset_release(&rs);
	strbuf_release(&sb);
	strbuf_release(&a);
	strbuf_release(&b);
	unit_rmtree(root);
	free(root);
}
END_TEST

/*
 * A nested base the outer walk does not reach (its way is excluded) is
 * walked on its own; the outer walk must go on selecting after it.
 */
START_TEST(test_scan_nested_base_on_its_own)
{
	static const char json[] =
		"[{\"id\":\"r1\",\"name\":\"a\",\"entities\":[{\"type\":\"file\",\"base\":\"/a\","
		"  \"exclude\":[\"/x\"]}]},"
		" {\"id\":\"r2\",\"name\":\"y\",\"entities\":[{\"type\":\"file\",\"base\":\"/a/x/y\"}]}]";
	static const char *const want =
		"/a 0\n/a/b 0\n/a/b/f 0\n/a/x/y 1\n/a/x/y/g 1\n/a/z 0\n/a/z/h 0\n/a/zz 0\n";
	const char *dirs[] = { "a", "a/b", "a/x", "a/x/y", "a/z" };
	char *root = unit_tmpdir();
	struct strbuf sb, got;
	struct ruleset rs;
	struct source_opts o = { 0 };
	const struct record *r;
	struct source_run *s;

	strbuf_init(&sb);
	strbuf_init(&got);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s", root, dirs[i]);
		ck_assert_int_eq(mkdir(sb.buf, 0755), 0);
	}
	unit_write(root, "a/b/f", "1\n");
	unit_write(root, "a/x/y/g", "1\n");
	unit_write(root, "a/z/h", "1\n");
	unit_write(root, "a/zz", "1\n");
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, json, strlen(json), "t"), 0);
	o.root = root;
	o.rules = &rs;
	o.jobs = 1;
	s = sources_open(&o);
	ck_assert_ptr_nonnull(s);
	while (run_next(s, &r) > 0) {
		strbuf_addf(&got, "%s ", record_key(r));
		ents_str(r, &sb);
		strbuf_addf(&got, "%s\n", sb.buf);
	}
	ck_assert_str_eq(got.buf, want);
	sources_close(s);
	ruleset_release(&rs);
	strbuf_release(&sb);
	strbuf_release(&got);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* Scans root and returns 0 if /var/lib came out with no entities and an
 * error, 1 if it came out otherwise, 2 if it did not come out. */
static int passthrough_result(const char *root)
{
	struct ruleset rs;
	const struct record *r;
	struct source_run *s;
	struct source_opts o = { 0 };
	int result = 2;

	ruleset_init(&rs, ATTR_SHA256);
	if (ruleset_load_json(&rs, rules_json, strlen(rules_json), "t") < 0)
		return 3;
	o.root = root;
	o.rules = &rs;
	o.jobs = 1;
	if (!(s = sources_open(&o)))
		return 3;
	while (run_next(s, &r) > 0)
		if (!strcmp(record_key(r), "/var/lib"))
			result = r->nents == 0 && record_has(r, ATTR_ERROR) ? 0 : 1;
	sources_close(s);
	ruleset_release(&rs);
	return result;
}

/* An unreadable directory the scan only passes through is still yielded,
 * with its error, so that check does not report its contents removed.
 * As root, the scan runs in a child that has become nobody. */
START_TEST(test_scan_unreadable_passthrough)
{
	char *root = mkroot();
	struct strbuf p;
	int status = 0;
	pid_t pid;

	strbuf_init(&p);
	strbuf_addf(&p, "%s/var/lib", root);
	ck_assert_int_eq(chmod(p.buf, 0), 0);
	ck_assert_int_eq(chmod(root, 0755), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
				       setresuid(65534, 65534, 65534)))
			_exit(4);
		_exit(passthrough_result(root));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	chmod(p.buf, 0755);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	strbuf_release(&p);
	unit_rmtree(root);
	free(root);
}
END_TEST

/*
 * 300 links to one 4 MiB file among other files: hashed once, every link
 * with the right hash, with one worker or four (where later links wait
 * for the first in flight). A link whose file changed since is read again:
 * check_linkcache.c (LINKCACHE_STALE).
 */
START_TEST(test_scan_hard_links_hashed_once)
{
	static const char json[] = "{\"id\":\"1\",\"name\":\"d\",\"entities\":"
				   "[{\"type\":\"file\",\"base\":\"/d\"}]}";
	const size_t size = 4u << 20;
	char *root = unit_tmpdir(), *big = xmalloc(size + 1);
	struct strbuf a, b;
	struct ruleset rs;

	strbuf_init(&a);
	strbuf_init(&b);
	memset(big, 'q', size);
	big[size] = '\0';
	strbuf_addf(&a, "%s/d", root);
	ck_assert_int_eq(mkdir(a.buf, 0755), 0);
	unit_write(root, "d/big", big);
	unit_write(root, "d/other", "other\n");
	for (int i = 0; i < 300; i++) {
		strbuf_reset(&a);
		strbuf_reset(&b);
		strbuf_addf(&a, "%s/d/big", root);
		strbuf_addf(&b, "%s/d/l%03d", root, i);
		ck_assert_int_eq(link(a.buf, b.buf), 0);
	}
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, json, strlen(json), "t"), 0);
	for (unsigned jobs = 1; jobs <= 4; jobs += 3) {
		struct source_opts o = { .root = root, .rules = &rs, .jobs = jobs };
		struct source_run *s = sources_open(&o);
		const struct record *r;
		struct strbuf *hash = jobs == 1 ? &a : &b;
		int links = 0;

		ck_assert_ptr_nonnull(s);
		strbuf_reset(hash);
		while (run_next(s, &r) > 0) {
			size_t n = strlen(record_key(r));
			struct strbuf h;

			if (n < 5 || (strcmp(record_key(r) + n - 4, "/big") &&
				      strncmp(record_key(r) + n - 5, "/l", 2)))
				continue;
			strbuf_init(&h);
			attr_format(&h, r, ATTR_SHA256, ATTR_STYLE_TEXT);
			if (!hash->len)
				strbuf_addf(hash, "%s", h.buf);
			ck_assert_str_eq(h.buf, hash->buf);
			strbuf_release(&h);
			links++;
		}
		ck_assert_int_eq(links, 301);
		ck_assert_uint_eq(run_stats(s).linked, 300);
		ck_assert_uint_lt(run_stats(s).bytes_hashed, 2 * size);
		sources_close(s);
	}
	ck_assert_str_eq(a.buf, b.buf);
	ck_assert_str_eq(a.buf, "cf83d9e79fa234f1e6b6eaff9084ca8495008df6bbb80c71559d87db7fdb0521");
	ruleset_release(&rs);
	strbuf_release(&a);
	strbuf_release(&b);
	free(big);
	unit_rmtree(root);
	free(root);
}
END_TEST

static char warned[512];

static void catch_warning(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(warned, sizeof(warned), "%s", msg);
}

static void count_call(void *ctx)
{
	++*(int *)ctx;
}

/* Every kind has its source, in kind order; a live-only kind under
 * another root is skipped with one line naming its rules, and the file
 * entities are still scanned. The command's confine hook runs once. */
START_TEST(test_sources_live_only_skipped)
{
	static const char json[] =
		"[{\"id\":\"1009999\",\"name\":\"u\",\"entities\":["
		"  {\"type\":\"file\",\"base\":\"/etc\",\"include\":[\"hosts\"]},{\"type\":\"port\"}]}]";
	char *root = mkroot();
	struct ruleset rs;
	struct source_opts o = { 0 };
	struct source_run *s;
	const struct record *r;
	char want[600];
	int n = 0, confined = 0;

	for (int k = 0; k < KIND__COUNT; k++) {
		ck_assert_ptr_nonnull(source_for((enum kind)k));
		ck_assert_int_eq(sources[k]->kind, k);
	}
	ck_assert_ptr_null(sources[KIND__COUNT]);
	ck_assert_ptr_eq(source_for(KIND_FILE), &file_source);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, json, strlen(json), "t"), 0);
	o.root = root;
	o.rules = &rs;
	o.jobs = 1;
	o.confine = count_call;
	o.confine_ctx = &confined;
	warned[0] = '\0';
	warning_set_handler(catch_warning, NULL);
	s = sources_open(&o);
	warning_set_handler(NULL, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(confined, 1);	/* once, even with no live source open */
	snprintf(want, sizeof(want),
		 "type \"port\" reads the running system: not checked under root '%s' (rules 1009999)", root);
	ck_assert_str_eq(warned, want);
	while (run_next(s, &r) > 0)
		n++;
	ck_assert_int_eq(n, 1);	/* /etc/hosts: /etc is no "." of the include */
	sources_close(s);
	ruleset_release(&rs);
	unit_rmtree(root);
	free(root);
}
END_TEST

static void record_text(struct strbuf *sb, const struct record *r)
{
	int id;

	strbuf_reset(sb);
	strbuf_addf(sb, "%s ", record_key(r));
	for (uint32_t i = 0; i < r->nents; i++)
		strbuf_addf(sb, "%s%u", i ? "," : "", r->ents[i]);
	ATTRSET_FOREACH(id, &r->present) {
		strbuf_addf(sb, " %s=", attr_table[id].name);
		attr_format(sb, r, (enum attr_id)id, ATTR_STYLE_TEXT);
	}
}

struct exec_ctx {
	const char *root, *key;
};

static bool exec_of(void *ctx)
{
	const struct exec_ctx *x = ctx;
	struct strbuf p;
	struct stat st;
	bool r;

	strbuf_init(&p);
	strbuf_addf(&p, "%s%s", x->root, x->key);
	r = lstat(p.buf, &st) == 0 && (st.st_mode & 0111);
	strbuf_release(&p);
	return r;
}

/*
 * What watch will ask of one path agrees with the scan: for every record
 * the scan yields, select_path names the same entities and file_probe_one
 * gives the same record; paths the scan does not yield give 0.
 */
START_TEST(test_probe_one_agrees_with_scan)
{
	static const char *const not_selected[] = {
		"/etc/.x.swp", "/etc/skip", "/etc/skip/ignored", "/var/lib",
		"/var/lib/deep/b.txt", "/etc/missing", "/nonexistent/x", "/var",
	};
	char *root = mkroot();
	struct ruleset rs;
	struct source_opts o = { 0 };
	struct source_run *s;
	const struct record *r;
	struct record one;
	struct strbuf a, b;
	uint32_t ents[8];
	int n = 0;

	strbuf_init(&a);
	strbuf_init(&b);
	record_init(&one);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, rules_json, strlen(rules_json), "t"), 0);
	o.root = root;
	o.rules = &rs;
	o.jobs = 2;
	s = sources_open(&o);
	ck_assert_ptr_nonnull(s);
	while (run_next(s, &r) > 0) {
		struct exec_ctx x = { root, record_key(r) };
		size_t k = select_path(&rs, record_key(r), strlen(record_key(r)),
				       record_int(r, ATTR_TYPE) == FT_DIR, exec_of, &x, ents);

		ck_assert_uint_eq(k, r->nents);
		ck_assert_int_eq(memcmp(ents, r->ents, k * sizeof(*ents)), 0);
		ck_assert_int_eq(file_probe_one(&o, record_key(r), &one), 1);
		record_text(&a, r);
		record_text(&b, &one);
		ck_assert_str_eq(b.buf, a.buf);
		n++;
	}
	ck_assert_int_eq(n, 6);
	for (size_t i = 0; i < sizeof(not_selected) / sizeof(not_selected[0]); i++)
		ck_assert_int_eq(file_probe_one(&o, not_selected[i], &one), 0);
	o.root = "/nonexistent-root";
	ck_assert_int_eq(file_probe_one(&o, "/etc/hosts", &one), -1);
	ck_assert_str_eq(error_last(), "cannot open root '/nonexistent-root': No such file or directory");
	sources_close(s);
	record_release(&one);
	ruleset_release(&rs);
	strbuf_release(&a);
	strbuf_release(&b);
	unit_rmtree(root);
	free(root);
}
END_TEST

/* The root itself, as watch may ask for it: selected only by its "." here. */
START_TEST(test_probe_one_root)
{
	static const char json[] =
		"[{\"id\":\"1\",\"name\":\"r\",\"entities\":[{\"type\":\"file\",\"base\":\"/\","
		"  \"include\":[\".\"],\"attributes\":[\"type\",\"mode\"]}]}]";
	char *root = mkroot();
	struct ruleset rs;
	struct source_opts o = { 0 };
	struct record one;

	record_init(&one);
	ruleset_init(&rs, ATTR_SHA256);
	ck_assert_int_eq(ruleset_load_json(&rs, json, strlen(json), "t"), 0);
	o.root = root;
	o.rules = &rs;
	ck_assert_int_eq(file_probe_one(&o, "/", &one), 1);
	ck_assert_str_eq(record_key(&one), "/");
	ck_assert_int_eq(record_int(&one, ATTR_TYPE), FT_DIR);
	ck_assert(record_has(&one, ATTR_MODE));
	ck_assert_uint_eq(one.nents, 1);
	ck_assert_int_eq(file_probe_one(&o, "/etc/hosts", &one), 0);
	record_release(&one);
	ruleset_release(&rs);
	unit_rmtree(root);
	free(root);
}
END_TEST

Suite *make_scan_suite(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_scan_selects_in_order);
	tcase_add_test(tc, test_scan_parallel_same_result);
	tcase_add_test(tc, test_scan_parallel_order);
	tcase_add_test(tc, test_scan_unreadable_passthrough);
	tcase_add_test(tc, test_scan_nested_base_on_its_own);
	tcase_add_test(tc, test_scan_hard_links_hashed_once);
	tcase_add_test(tc, test_sources_live_only_skipped);
	tcase_add_test(tc, test_probe_one_agrees_with_scan);
	tcase_add_test(tc, test_probe_one_root);
	suite_add_tcase(s, tc);
	return s;
}
