/*
 * One runner for every Check suite; fails if any test fails. Besides
 * Check's own closing line ("100%: Checks: N, Failures: 0, Errors: 0") it
 * prints "unit: N passed, N failed, N skipped", where a test that called
 * UNIT_SKIP counts as skipped, not passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "unit.h"
#include "suites.h"

char *unit_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *dir;

	if (!t || !*t)
		t = "/tmp";
	dir = xmalloc(strlen(t) + 32);
	sprintf(dir, "%s/imscan-unit.XXXXXX", t);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

void unit_rmtree(const char *dir)
{
	char *cmd = xmalloc(strlen(dir) + 32);

	sprintf(cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "unit: could not remove %s\n", dir);
	free(cmd);
}

void unit_write(const char *dir, const char *rel, const char *content)
{
	char *path = xmalloc(strlen(dir) + strlen(rel) + 2);
	FILE *f;

	sprintf(path, "%s/%s", dir, rel);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
	free(path);
}

struct attrset unit_attrs(const enum attr_id *ids, size_t n)
{
	struct attrset s = ATTRSET_EMPTY;

	for (size_t i = 0; i < n; i++)
		attrset_add(&s, ids[i]);
	return s;
}

/*
 * Check runs each test in a process of its own, so skips reach the runner
 * through a file: one line per UNIT_SKIP, "PID skip SUITE/TEST: REASON".
 * The file is O_APPEND and each line one write(), so lines never mix.
 */
static int skip_fd = -1;

void unit_skip(const char *file, const char *func, const char *fmt, ...)
{
	const char *suite = strrchr(file, '/');
	size_t tlen = strlen(func);
	struct strbuf line;
	va_list ap;

	suite = suite ? suite + 1 : file;
	if (!strncmp(suite, "check_", 6))
		suite += 6;
	if (tlen > 3 && !strcmp(func + tlen - 3, "_fn"))	/* START_TEST's name */
		tlen -= 3;
	strbuf_init(&line);
	strbuf_addf(&line, "%ld skip %.*s/%.*s: ", (long)getpid(), (int)strcspn(suite, "."),
		    suite, (int)tlen, func);
	va_start(ap, fmt);
	strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	for (char *p = line.buf; (p = strchr(p, '\n')); )
		*p = ' ';
	strbuf_addc(&line, '\n');
	fputs(strchr(line.buf, ' ') + 1, stdout);
	fflush(stdout);
	if (skip_fd >= 0 && write(skip_fd, line.buf, line.len) != (ssize_t)line.len)
		fprintf(stderr, "unit: cannot record a skip: %s", line.buf);
	strbuf_release(&line);
}

/*
 * The tests that skipped: one per process that called UNIT_SKIP (one per
 * test, however often it skipped), or with CK_FORK=no, where every test
 * runs in this process, one per test function that did.
 */
static int count_skipped(bool forked)
{
	char **seen = NULL, line[4096];
	size_t n = 0;
	FILE *f;

	if (skip_fd < 0 || lseek(skip_fd, 0, SEEK_SET) != 0 || !(f = fdopen(dup(skip_fd), "r")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		size_t i;

		line[forked ? strcspn(line, " ") : strcspn(line, ":")] = '\0';
		for (i = 0; i < n && strcmp(seen[i], line); i++)
			;
		if (i == n) {
			seen = xrealloc(seen, (n + 1) * sizeof(*seen));
			seen[n++] = xstrdup(line);
		}
	}
	fclose(f);
	for (size_t i = 0; i < n; i++)
		free(seen[i]);
	free(seen);
	return (int)n;
}

static void open_skip_log(void)
{
	FILE *f = tmpfile();

	if (!f || fcntl(fileno(f), F_SETFL, O_APPEND) != 0) {
		fprintf(stderr, "unit: no file for skips, they count as passes: %s\n", strerror(errno));
		return;
	}
	skip_fd = fileno(f);	/* open until exit */
}

int main(void)
{
	SRunner *sr = NULL;
	int run, failed, skipped;

	open_skip_log();
	for (size_t i = 0; unit_suites[i]; i++) {
		if (!sr)
			sr = srunner_create(unit_suites[i]());
		else
			srunner_add_suite(sr, unit_suites[i]());
	}
	if (!sr) {
		fprintf(stderr, "unit: no suites\n");
		return 1;
	}
	srunner_run_all(sr, CK_NORMAL);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	skipped = count_skipped(srunner_fork_status(sr) != CK_NOFORK);
	/* A test that skipped a part and then failed is counted in both
	 * (Check does not say which process failed); passed stays >= 0. */
	if (skipped > run - failed)
		skipped = run - failed;
	printf("unit: %d passed, %d failed, %d skipped\n", run - failed - skipped, failed, skipped);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
