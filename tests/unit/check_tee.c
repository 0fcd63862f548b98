/*
 * The tee: the main reader gets every record, in order, whatever the side
 * reader does and however the decoding thread runs; the side reader finds
 * records by key among those in the ring, is told to try later beyond it,
 * and finds nothing the main reader has passed. Errors of the source
 * reach both; freeing stops a thread blocked on a full ring.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "imscan/error.h"
#include "imscan/tee.h"
#include "unit.h"

/* Keys "/k000000".. in order; fails at fail_at; slow: a pause per record. */
struct counter {
	int n, limit, fail_at, slow;
	struct record rec;
};

static int counter_next(void *self, const struct record **out)
{
	struct counter *c = self;
	char key[16];

	if (c->slow && c->n % 64 == 0)
		nanosleep(&(struct timespec){ 0, 200000 }, NULL);
	if (c->fail_at && c->n == c->fail_at)
		return error("source failed at %d", c->n);
	if (c->n == c->limit)
		return 0;
	snprintf(key, sizeof(key), "/k%06d", c->n++);
	record_reset(&c->rec);
	record_set_key(&c->rec, KIND_FILE, key, strlen(key));
	record_set_int(&c->rec, ATTR_SIZE, c->n - 1);
	*out = &c->rec;
	return 1;
}

static int num(const struct record *r)
{
	int n;

	ck_assert_int_eq(sscanf(record_key(r), "/k%d", &n), 1);
	ck_assert_int_eq(record_int(r, ATTR_SIZE), n);
	return n;
}

static int find(struct tee *t, int n, const struct record **r)
{
	char key[16];

	snprintf(key, sizeof(key), "/k%06d", n);
	return tee_find(t, KIND_FILE, key, strlen(key), r);
}

/* Ring of 3 beyond main's record: the side reader finds 0..3 before main
 * read anything, is told to wait for 4, and finds it once main read 0
 * and 1; what main passed is gone; absent keys are none. */
START_TEST(test_tee_find)
{
	struct counter c = { 0, 100, 0, 0, { 0 } };
	struct recstream src = { counter_next, &c };
	struct tee *t;
	struct recstream m;
	const struct record *r, *held;
	int expect = 0;

	record_init(&c.rec);
	t = tee_new(&src, 3);
	m = tee_main(t);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(find(t, i, &r), 1);
		ck_assert_int_eq(num(r), i);
	}
	held = r;
	ck_assert_int_eq(find(t, 4, &r), TEE_LATER);
	ck_assert_int_eq(num(held), 3);	/* still valid */
	ck_assert_int_eq(m.next(m.self, &r), 1);
	ck_assert_int_eq(num(r), expect++);
	ck_assert_int_eq(find(t, 4, &r), TEE_LATER);	/* main holds 0 */
	ck_assert_int_eq(m.next(m.self, &r), 1);
	ck_assert_int_eq(num(r), expect++);
	ck_assert_int_eq(find(t, 4, &r), 1);
	ck_assert_int_eq(num(r), 4);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(m.next(m.self, &r), 1);
		ck_assert_int_eq(num(r), expect++);
	}
	ck_assert_int_eq(tee_find(t, KIND_FILE, "/k000004a", 9, &r), 0);
	ck_assert_int_eq(find(t, 5, &r), 1);
	while (expect < 50) {
		ck_assert_int_eq(m.next(m.self, &r), 1);
		ck_assert_int_eq(num(r), expect++);
	}
	/* Passed by main (main holds 49): none, then on from there. */
	ck_assert_int_eq(find(t, 40, &r), 0);
	ck_assert_int_eq(find(t, 49, &r), 1);
	ck_assert_int_eq(find(t, 50, &r), 1);
	ck_assert_int_eq(num(r), 50);
	/* A kind after every file record: past the end of the stream. */
	while (m.next(m.self, &r) == 1)
		ck_assert_int_eq(num(r), expect++);
	ck_assert_int_eq(expect, 100);
	ck_assert_int_eq(tee_find(t, KIND_FILE + 1, "u", 1, &r), 0);
	ck_assert_int_eq(m.next(m.self, &r), 0);
	tee_free(t);
	record_release(&c.rec);
}
END_TEST

/* Random interleavings with rings of 1..50 and a fast or slow source:
 * main sees all 5000 in order, every lookup that succeeds is right. */
START_TEST(test_tee_interleavings)
{
	unsigned seed = 12345u + (unsigned)_i;
	struct counter c = { 0, 5000, 0, _i % 2, { 0 } };
	struct recstream src = { counter_next, &c };
	struct tee *t;
	struct recstream m;
	const struct record *r;
	int expect = 0, side = 0, rc = 1, found = 0;

	record_init(&c.rec);
	t = tee_new(&src, (size_t)(1 + _i * 7));
	m = tee_main(t);
	while (rc == 1) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 3 == 0) {
			rc = m.next(m.self, &r);
			if (rc == 1)
				ck_assert_int_eq(num(r), expect++);
		} else if (side < 5000) {
			side += 1 + (int)((seed >> 20) % 3);
			if (side < expect)
				side = expect;
			if (find(t, side, &r) == 1) {
				ck_assert_int_eq(num(r), side);
				found++;
			}
		}
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(expect, 5000);
	ck_assert_int_gt(found, 0);
	tee_free(t);
	record_release(&c.rec);
}
END_TEST

/* An error of the source reaches both readers, after every good record. */
START_TEST(test_tee_error)
{
	struct counter c = { 0, 100, 10, 0, { 0 } };
	struct recstream src = { counter_next, &c };
	struct tee *t;
	struct recstream m;
	const struct record *r;
	int n = 0, rc;

	record_init(&c.rec);
	t = tee_new(&src, 50);
	m = tee_main(t);
	ck_assert_int_eq(find(t, 9, &r), 1);
	error_clear();
	ck_assert_int_eq(find(t, 10, &r), -1);
	ck_assert_str_eq(error_last(), "source failed at 10");
	while ((rc = m.next(m.self, &r)) == 1)
		ck_assert_int_eq(num(r), n++);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(n, 10);
	ck_assert_str_eq(error_last(), "source failed at 10");
	tee_free(t);
	record_release(&c.rec);
}
END_TEST

/* Freed with the thread blocked on a full ring, or while still reading,
 * or before anything was read: no hang, nothing left behind. */
START_TEST(test_tee_free_early)
{
	for (int slow = 0; slow < 2; slow++) {
		struct counter c = { 0, 100000, 0, slow, { 0 } };
		struct recstream src = { counter_next, &c };
		struct tee *t;
		struct recstream m;
		const struct record *r;

		record_init(&c.rec);
		t = tee_new(&src, 16);
		m = tee_main(t);
		ck_assert_int_eq(m.next(m.self, &r), 1);
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
		tee_free(t);
		ck_assert_int_lt(c.n, 100000);
		record_release(&c.rec);
	}
	{
		struct counter c = { 0, 10, 0, 0, { 0 } };
		struct recstream src = { counter_next, &c };

		record_init(&c.rec);
		tee_free(tee_new(&src, 1));
		record_release(&c.rec);
	}
}
END_TEST

Suite *make_tee_suite(void)
{
	Suite *s = suite_create("tee");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tee_find);
	tcase_add_loop_test(tc, test_tee_interleavings, 0, 8);
	tcase_add_test(tc, test_tee_error);
	tcase_add_test(tc, test_tee_free_early);
	suite_add_tcase(s, tc);
	return s;
}
