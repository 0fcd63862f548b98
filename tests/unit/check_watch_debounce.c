/* Debounce on a fake clock: bursts, separate edits, the cap, attribution. */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "imscan/watch_backend.h"
#include "imscan/watch_debounce.h"
#include "unit.h"

static struct procinfo proc_of(pid_t pid, const char *comm)
{
	struct procinfo p;

	memset(&p, 0, sizeof(p));
	p.pid = pid;
	p.have = PROCINFO_COMM;
	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	return p;
}

START_TEST(test_burst_is_one)
{
	struct debounce *d = debounce_new(200, 10000);
	struct debounce_item it;

	ck_assert_int_eq(debounce_timeout(d, 0), -1);
	debounce_add(d, "/etc/a", WEV_CREATE, false, NULL, 1000);
	debounce_add(d, "/etc/a", WEV_MODIFY, false, NULL, 1050);
	debounce_add(d, "/etc/a", WEV_MODIFY, false, NULL, 1100);
	debounce_add(d, "/etc/a", WEV_CLOSE_WRITE, false, NULL, 1150);
	ck_assert_uint_eq(debounce_pending(d), 1);
	ck_assert_int_eq(debounce_timeout(d, 1150), 200);
	ck_assert_int_eq(debounce_timeout(d, 1300), 50);
	ck_assert_int_eq(debounce_pop(d, 1349, &it), 0);
	ck_assert_int_eq(debounce_pop(d, 1350, &it), 1);
	ck_assert_str_eq(it.path, "/etc/a");
	ck_assert_uint_eq(it.what, WEV_CREATE | WEV_MODIFY | WEV_CLOSE_WRITE);
	ck_assert_uint_eq(it.count, 4);
	ck_assert_uint_eq(it.first_ms, 1000);
	ck_assert_uint_eq(it.last_ms, 1150);
	ck_assert_uint_eq(it.nprocs, 0);
	ck_assert_int_eq(debounce_pop(d, 5000, &it), 0);
	ck_assert_int_eq(debounce_timeout(d, 5000), -1);
	debounce_free(d);
}
END_TEST

START_TEST(test_apart_is_two)
{
	struct debounce *d = debounce_new(200, 10000);
	struct debounce_item it;

	debounce_add(d, "/etc/a", WEV_MODIFY, false, NULL, 0);
	ck_assert_int_eq(debounce_pop(d, 200, &it), 1);
	ck_assert_uint_eq(it.count, 1);
	debounce_add(d, "/etc/a", WEV_ATTRIB, false, NULL, 1000);
	ck_assert_int_eq(debounce_pop(d, 1199, &it), 0);
	ck_assert_int_eq(debounce_pop(d, 1200, &it), 1);
	ck_assert_uint_eq(it.what, WEV_ATTRIB);
	ck_assert_uint_eq(it.first_ms, 1000);
	debounce_free(d);
}
END_TEST

/* Writes every 100 ms never go quiet; max_ms still lets the entry out. */
START_TEST(test_max_wait)
{
	struct debounce *d = debounce_new(200, 1000);
	struct debounce_item it;
	int popped = 0;

	for (uint64_t t = 0; t <= 1500; t += 100) {
		if (debounce_pop(d, t, &it)) {
			popped++;
			ck_assert_uint_eq(t, 1000);
			ck_assert_uint_eq(it.first_ms, 0);
			ck_assert_uint_eq(it.last_ms, 900);
			ck_assert_uint_eq(it.count, 10);
		}
		debounce_add(d, "/log", WEV_MODIFY, false, NULL, t);
	}
	ck_assert_int_eq(popped, 1);
	ck_assert_int_eq(debounce_timeout(d, 1500), 200);
	debounce_free(d);
}
END_TEST

/* Due order follows the last event; each path is its own entry. */
START_TEST(test_order)
{
	struct debounce *d = debounce_new(100, 1000);
	struct debounce_item it;

	debounce_add(d, "/a", WEV_MODIFY, false, NULL, 0);
	debounce_add(d, "/b", WEV_CREATE, true, NULL, 10);
	debounce_add(d, "/a", WEV_MODIFY, false, NULL, 20);
	ck_assert_int_eq(debounce_timeout(d, 20), 90);
	ck_assert_int_eq(debounce_pop(d, 110, &it), 1);
	ck_assert_str_eq(it.path, "/b");
	ck_assert(it.isdir);
	ck_assert_int_eq(debounce_pop(d, 110, &it), 0);
	ck_assert_int_eq(debounce_pop(d, 120, &it), 1);
	ck_assert_str_eq(it.path, "/a");
	ck_assert_uint_eq(debounce_pending(d), 0);
	debounce_free(d);
}
END_TEST

START_TEST(test_procs_merged)
{
	struct debounce *d = debounce_new(100, 1000);
	struct debounce_item it;
	struct procinfo p[6];

	for (int i = 0; i < 6; i++)
		p[i] = proc_of(100 + i, i < 3 ? "vi" : "sed");
	debounce_add(d, "/a", WEV_MODIFY, false, &p[0], 0);
	debounce_add(d, "/a", WEV_MODIFY, false, &p[0], 1);
	debounce_add(d, "/a", WEV_MODIFY, false, NULL, 2);
	debounce_add(d, "/a", WEV_MODIFY, false, &p[1], 3);
	debounce_add(d, "/b", WEV_MODIFY, false, &p[0], 3);
	ck_assert_int_eq(debounce_pop(d, 103, &it), 1);
	ck_assert_str_eq(it.path, "/a");
	ck_assert_uint_eq(it.nprocs, 2);
	ck_assert_int_eq(it.procs[0]->pid, 100);
	ck_assert_int_eq(it.procs[1]->pid, 101);
	ck_assert(!it.more_procs);
	for (int i = 0; i < 6; i++)
		debounce_add(d, "/c", WEV_MODIFY, false, &p[i], 200);
	ck_assert_int_eq(debounce_pop(d, 300, &it), 1);
	ck_assert_str_eq(it.path, "/b");
	ck_assert_int_eq(it.procs[0]->pid, 100);
	ck_assert_int_eq(debounce_pop(d, 300, &it), 1);
	ck_assert_str_eq(it.path, "/c");
	ck_assert_uint_eq(it.nprocs, DEBOUNCE_PROCS);
	ck_assert_str_eq(it.procs[3]->comm, "sed");
	ck_assert(it.more_procs);
	debounce_free(d);
}
END_TEST

/* Many paths (the table grows), then drained in arrival order. */
START_TEST(test_many_and_drain)
{
	struct debounce *d = debounce_new(100, 1000);
	struct debounce_item it;
	char path[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(path, sizeof(path), "/f%d", i);
		debounce_add(d, path, WEV_CREATE, false, NULL, (uint64_t)i);
		debounce_add(d, path, WEV_CLOSE_WRITE, false, NULL, (uint64_t)i);
	}
	ck_assert_uint_eq(debounce_pending(d), 5000);
	for (int i = 0; i < 5000; i++) {
		ck_assert_int_eq(debounce_drain(d, &it), 1);
		snprintf(path, sizeof(path), "/f%d", i);
		ck_assert_str_eq(it.path, path);
		ck_assert_uint_eq(it.count, 2);
	}
	ck_assert_int_eq(debounce_drain(d, &it), 0);
	debounce_free(d);
}
END_TEST

/* On the real clock, poll() sleeps the timeout and the entry is then due. */
START_TEST(test_real_clock)
{
	struct debounce *d = debounce_new(50, 1000);
	struct debounce_item it;
	uint64_t t0 = debounce_now_ms();
	int to;

	debounce_add(d, "/a", WEV_MODIFY, false, NULL, t0);
	to = debounce_timeout(d, debounce_now_ms());
	ck_assert_int_gt(to, 0);
	ck_assert_int_le(to, 50);
	ck_assert_int_eq(poll(NULL, 0, to), 0);
	ck_assert_int_eq(debounce_pop(d, debounce_now_ms(), &it), 1);
	ck_assert_uint_ge(debounce_now_ms() - t0, 50);
	debounce_free(d);
}
END_TEST

/* A chain of moves is one entry from the first name; what the old name
 * was pending for moves with it; an overwritten target's first source is
 * an entry of its own. */
START_TEST(test_rename_chain)
{
	struct debounce *d = debounce_new(200, 10000);
	struct procinfo p = proc_of(7, "mv");
	struct debounce_item it;

	debounce_add(d, "/d/a", WEV_MODIFY, false, NULL, 0);
	debounce_rename(d, "/d/a", "/d/b", WEV_RENAME, &p, 10);
	debounce_rename(d, "/d/b", "/d/c", WEV_RENAME, NULL, 20);
	ck_assert_uint_eq(debounce_pending(d), 1);
	ck_assert_int_eq(debounce_pop(d, 220, &it), 1);
	ck_assert_str_eq(it.path, "/d/c");
	ck_assert_str_eq(it.from, "/d/a");
	ck_assert_uint_eq(it.what, WEV_MODIFY | WEV_RENAME);
	ck_assert_uint_eq(it.nprocs, 1);
	ck_assert_int_eq(it.procs[0]->pid, 7);

	debounce_rename(d, "/d/x", "/d/t", WEV_RENAME, NULL, 1000);
	debounce_rename(d, "/d/y", "/d/t", WEV_RENAME, NULL, 1010);
	ck_assert_uint_eq(debounce_pending(d), 2);
	ck_assert_int_eq(debounce_pop(d, 1210, &it), 1);
	ck_assert_str_eq(it.path, "/d/t");
	ck_assert_str_eq(it.from, "/d/y");
	ck_assert_int_eq(debounce_pop(d, 1210, &it), 1);
	ck_assert_str_eq(it.path, "/d/x");
	ck_assert_ptr_null(it.from);
	ck_assert_uint_eq(it.what, WEV_RENAME);
	/* a plain entry has no old name */
	debounce_add(d, "/d/z", WEV_CREATE, false, NULL, 2000);
	ck_assert_int_eq(debounce_drain(d, &it), 1);
	ck_assert_ptr_null(it.from);
	debounce_free(d);
}
END_TEST

Suite *make_watch_debounce_suite(void)
{
	Suite *s = suite_create("watch_debounce");
	TCase *tc = tcase_create("debounce");

	tcase_add_test(tc, test_burst_is_one);
	tcase_add_test(tc, test_apart_is_two);
	tcase_add_test(tc, test_rename_chain);
	tcase_add_test(tc, test_max_wait);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_procs_merged);
	tcase_add_test(tc, test_many_and_drain);
	tcase_add_test(tc, test_real_clock);
	suite_add_tcase(s, tc);
	return s;
}
