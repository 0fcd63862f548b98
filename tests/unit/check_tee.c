/*
 * The tee: the main reader gets every record whatever the side reader
 * does; the side reader gets records in order, is told to wait when it
 * is max ahead, and skips what was dropped when it falls behind.
 */
#include <stdio.h>
#include <string.h>

#include "imscan/tee.h"
#include "unit.h"

struct counter {
	int n, limit, fail_at;
	struct record rec;
};

static int counter_next(void *self, const struct record **out)
{
	struct counter *c = self;
	char key[16];

	if (c->fail_at && c->n == c->fail_at)
		return -1;
	if (c->n == c->limit)
		return 0;
	snprintf(key, sizeof(key), "/k%06d", c->n++);
	record_reset(&c->rec);
	record_set_key(&c->rec, KIND_FILE, key, strlen(key));
	*out = &c->rec;
	return 1;
}

static int num(const struct record *r)
{
	int n;

	ck_assert_int_eq(sscanf(record_key(r), "/k%d", &n), 1);
	return n;
}

/* 3 kept beyond main's record: the side reader, 4 ahead of a main reader
 * that has read nothing, waits, then goes on once main catches up. */
START_TEST(test_tee_side_ahead_waits)
{
	struct counter c = { 0, 100, 0, { 0 } };
	struct recstream src = { counter_next, &c };
	struct tee *t;
	struct recstream m, s;
	const struct record *r, *held;
	int expect = 0;

	record_init(&c.rec);
	t = tee_new(&src, 3);
	m = tee_main(t);
	s = tee_side(t);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(s.next(s.self, &r), 1);
		ck_assert_int_eq(num(r), i);
	}
	held = r;
	ck_assert_int_eq(s.next(s.self, &r), TEE_LATER);
	ck_assert_int_eq(num(held), 3);	/* still valid */
	ck_assert_int_eq(m.next(m.self, &r), 1);
	ck_assert_int_eq(num(r), expect++);
	ck_assert_int_eq(s.next(s.self, &r), TEE_LATER);	/* main holds 0 */
	ck_assert_int_eq(m.next(m.self, &r), 1);
	ck_assert_int_eq(num(r), expect++);
	ck_assert_int_eq(s.next(s.self, &r), 1);
	ck_assert_int_eq(num(r), 4);
	while (m.next(m.self, &r) == 1)
		ck_assert_int_eq(num(r), expect++);
	ck_assert_int_eq(expect, 100);
	/* Side behind at the end: it skipped what was dropped, in order. */
	ck_assert_int_eq(s.next(s.self, &r), 1);
	ck_assert_int_ge(num(r), 4);
	ck_assert_int_eq(m.next(m.self, &r), 0);
	tee_free(t);
	record_release(&c.rec);
}
END_TEST

/* Random interleavings: main sees all 5000, side an increasing subsequence. */
START_TEST(test_tee_interleavings)
{
	unsigned seed = 12345u + (unsigned)_i;
	struct counter c = { 0, 5000, 0, { 0 } };
	struct recstream src = { counter_next, &c };
	struct tee *t;
	struct recstream m, s;
	const struct record *r;
	int expect = 0, last_side = -1, rc = 1;

	record_init(&c.rec);
	t = tee_new(&src, (size_t)(1 + _i * 7));
	m = tee_main(t);
	s = tee_side(t);
	while (rc == 1) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 3 == 0) {
			rc = m.next(m.self, &r);
			if (rc == 1)
				ck_assert_int_eq(num(r), expect++);
		} else if (s.next(s.self, &r) == 1) {
			ck_assert_int_gt(num(r), last_side);
			last_side = num(r);
		}
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(expect, 5000);
	tee_free(t);
	record_release(&c.rec);
}
END_TEST

/* An error of the source reaches the main reader. */
START_TEST(test_tee_error)
{
	struct counter c = { 0, 100, 10, { 0 } };
	struct recstream src = { counter_next, &c };
	struct tee *t;
	struct recstream m, s;
	const struct record *r;
	int n = 0, rc;

	record_init(&c.rec);
	t = tee_new(&src, 50);
	m = tee_main(t);
	s = tee_side(t);
	while (s.next(s.self, &r) == 1)
		;
	while ((rc = m.next(m.self, &r)) == 1)
		n++;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(n, 10);
	tee_free(t);
	record_release(&c.rec);
}
END_TEST

Suite *make_tee_suite(void)
{
	Suite *s = suite_create("tee");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tee_side_ahead_waits);
	tcase_add_loop_test(tc, test_tee_interleavings, 0, 8);
	tcase_add_test(tc, test_tee_error);
	suite_add_tcase(s, tc);
	return s;
}
