/* One runner for every Check suite; fails if any test fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int main(void)
{
	SRunner *sr = NULL;
	int failed;

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
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
