/* The hard-link cache: states, stat matching, algorithms, the bound. */
#include <string.h>
#include <sys/sysmacros.h>

#include "imscan/digest.h"
#include "imscan/linkcache.h"
#include "unit.h"

static struct statx file(uint64_t ino, uint64_t size, int64_t mtime, int64_t ctime)
{
	struct statx x;

	memset(&x, 0, sizeof(x));
	x.stx_ino = ino;
	x.stx_size = size;
	x.stx_dev_major = 8;
	x.stx_dev_minor = 1;
	x.stx_mtime.tv_sec = mtime;
	x.stx_ctime.tv_sec = ctime;
	x.stx_nlink = 2;
	return x;
}

static void hashed(struct record *r, unsigned char fill)
{
	unsigned char d[32];

	memset(d, fill, sizeof(d));
	record_reset(r);
	record_set_key(r, KIND_FILE, "/a", 2);
	record_set_bytes(r, ATTR_SHA256, d, sizeof(d));
}

START_TEST(test_linkcache_states)
{
	struct linkcache *c = linkcache_new();
	struct statx a = file(10, 100, 5, 6), moved = file(10, 100, 5, 7), other = a;
	struct attrset want = ATTRSET_EMPTY;
	struct record r, out;
	size_t n;

	other.stx_dev_minor = 2;	/* same inode number, another device */
	record_init(&r);
	record_init(&out);
	attrset_add(&want, ATTR_SHA256);
	ck_assert_int_eq(linkcache_state(c, &a), LINKCACHE_UNKNOWN);
	linkcache_pend(c, &a);
	ck_assert_int_eq(linkcache_state(c, &a), LINKCACHE_PENDING);
	ck_assert(!linkcache_fill(c, &a, &want, &out));
	hashed(&r, 0xab);
	linkcache_put(c, &a, &r);
	ck_assert_int_eq(linkcache_state(c, &a), LINKCACHE_READY);
	ck_assert_int_eq(linkcache_state(c, &moved), LINKCACHE_STALE);
	ck_assert_int_eq(linkcache_state(c, &other), LINKCACHE_UNKNOWN);
	ck_assert(!linkcache_fill(c, &moved, &want, &out));
	ck_assert(!record_has(&out, ATTR_SHA256));
	ck_assert(linkcache_fill(c, &a, &want, &out));
	ck_assert_mem_eq(record_bytes(&out, ATTR_SHA256, &n), record_bytes(&r, ATTR_SHA256, &n), 32);

	/* A hash it does not have: not filled, nothing set. */
	record_reset(&out);
	attrset_add(&want, ATTR_SHA512);
	ck_assert(!linkcache_fill(c, &a, &want, &out));
	ck_assert(!record_has(&out, ATTR_SHA256));

	/* An error: known, but nothing to hand out. */
	record_set_str(&r, ATTR_ERROR, "file changed while being hashed");
	linkcache_put(c, &a, &r);
	attrset_del(&want, ATTR_SHA512);
	ck_assert(!linkcache_fill(c, &a, &want, &out));
	record_release(&r);
	record_release(&out);
	linkcache_free(c);
}
END_TEST

/* At LINKCACHE_MAX entries it starts over instead of growing. */
START_TEST(test_linkcache_bound)
{
	struct linkcache *c = linkcache_new();
	struct statx first = file(1, 1, 1, 1);
	struct record r;

	record_init(&r);
	hashed(&r, 1);
	linkcache_put(c, &first, &r);
	for (uint64_t i = 2; i <= LINKCACHE_MAX; i++) {
		struct statx x = file(i, 1, 1, 1);

		linkcache_put(c, &x, &r);
	}
	ck_assert_int_eq(linkcache_state(c, &first), LINKCACHE_READY);
	{
		struct statx x = file(LINKCACHE_MAX + 1, 1, 1, 1);

		linkcache_put(c, &x, &r);
		ck_assert_int_eq(linkcache_state(c, &x), LINKCACHE_READY);
	}
	ck_assert_int_eq(linkcache_state(c, &first), LINKCACHE_UNKNOWN);
	record_release(&r);
	linkcache_free(c);
}
END_TEST

Suite *make_linkcache_suite(void)
{
	Suite *s = suite_create("linkcache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_linkcache_states);
	tcase_add_test(tc, test_linkcache_bound);
	suite_add_tcase(s, tc);
	return s;
}
