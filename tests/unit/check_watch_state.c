/* The watch state store: round trips, replacement, removal, subtrees, size. */
#include <stdio.h>
#include <string.h>

#include "imscan/record.h"
#include "imscan/watch_state.h"
#include "unit.h"

static void assert_same(const struct record *a, const struct record *b)
{
	unsigned id;

	ck_assert_int_eq(a->kind, b->kind);
	ck_assert_uint_eq(a->keylen, b->keylen);
	ck_assert_mem_eq(record_key(a), record_key(b), a->keylen);
	ck_assert(attrset_eq(&a->present, &b->present));
	ATTRSET_FOREACH(id, &a->present) {
		if (attr_table[id].type == ATTR_T_INT) {
			ck_assert_int_eq(record_int(a, id), record_int(b, id));
		} else {
			size_t la, lb;
			const unsigned char *pa = record_bytes(a, id, &la), *pb = record_bytes(b, id, &lb);

			ck_assert_uint_eq(la, lb);
			ck_assert_mem_eq(pa, pb, la);
		}
	}
	ck_assert_uint_eq(a->nents, b->nents);
	for (uint32_t i = 0; i < a->nents; i++)
		ck_assert_uint_eq(a->ents[i], b->ents[i]);
}

/* A file record like the scanner's, varied by n. */
static void file_rec(struct record *r, const char *key, int64_t n)
{
	unsigned char sha[32];

	record_reset(r);
	record_set_key(r, KIND_FILE, key, strlen(key));
	record_set_int(r, ATTR_TYPE, 1);
	record_set_int(r, ATTR_MODE, 0644);
	record_set_int(r, ATTR_UID, n % 3 ? 0 : 1000);
	record_set_int(r, ATTR_GID, 0);
	record_set_str(r, ATTR_OWNER, n % 3 ? "root" : "alice");
	record_set_str(r, ATTR_GROUP, "root");
	record_set_int(r, ATTR_SIZE, 1000 + n * 7);
	record_set_int(r, ATTR_MTIME, 1764000000123456789ll + n * 1000003);
	record_set_int(r, ATTR_CTIME, 1764000000123456789ll + n * 1000003 + (n % 5));
	record_set_int(r, ATTR_INODE, 131072 + n);
	record_set_int(r, ATTR_DEVICE, 2049);
	record_set_int(r, ATTR_NLINK, 1);
	record_set_int(r, ATTR_BLOCKS, 8);
	for (size_t i = 0; i < sizeof(sha); i++)
		sha[i] = (unsigned char)(n * 31 + (int64_t)i * 7);
	record_set_bytes(r, ATTR_SHA256, sha, sizeof(sha));
	record_add_entity(r, (uint32_t)(n % 4));
}

START_TEST(test_round_trip)
{
	struct state *st = state_new();
	struct record r, got;
	static const unsigned char xa[] = "user.a\0\x01\x02";

	record_init(&r);
	record_init(&got);
	file_rec(&r, "/etc/passwd", 5);
	record_set_int(&r, ATTR_ATIME, -5);	/* before the epoch, after a later time */
	record_set_bytes(&r, ATTR_XATTRS, xa, sizeof(xa) - 1);
	record_set_str(&r, ATTR_SELINUX, "system_u:object_r:etc_t:s0");
	record_add_entity(&r, 70000);
	ck_assert_int_eq(state_put(st, &r), 0);
	ck_assert_int_eq(state_get(st, KIND_FILE, "/etc/passwd", 11, &got), 1);
	assert_same(&r, &got);
	/* Same key, other kind; a key without '/'; the root. */
	ck_assert_int_eq(state_get(st, KIND_USER, "/etc/passwd", 11, &got), 0);
	record_reset(&r);
	record_set_key(&r, KIND_USER, "alice", 5);
	record_set_int(&r, ATTR_UID, 1000);
	ck_assert_int_eq(state_put(st, &r), 0);
	ck_assert_int_eq(state_get(st, KIND_USER, "alice", 5, &got), 1);
	assert_same(&r, &got);
	file_rec(&r, "/", 0);
	ck_assert_int_eq(state_put(st, &r), 0);
	ck_assert_int_eq(state_get(st, KIND_FILE, "/", 1, &got), 1);
	assert_same(&r, &got);
	ck_assert_int_eq(state_get(st, KIND_FILE, "/etc/shadow", 11, &got), 0);
	ck_assert_int_eq(state_get(st, KIND_FILE, "/nodir/x", 8, &got), 0);
	ck_assert_uint_eq(state_count(st), 3);
	record_release(&r);
	record_release(&got);
	state_free(st);
}
END_TEST

START_TEST(test_replace_remove)
{
	struct state *st = state_new();
	struct record r, got;

	record_init(&r);
	record_init(&got);
	file_rec(&r, "/etc/hosts", 1);
	ck_assert_int_eq(state_put(st, &r), 0);
	/* Shorter: rewritten in place. */
	record_unset(&r, ATTR_SHA256);
	ck_assert_int_eq(state_put(st, &r), 0);
	ck_assert_int_eq(state_get(st, KIND_FILE, "/etc/hosts", 10, &got), 1);
	assert_same(&r, &got);
	/* Longer: moved. */
	record_set_str(&r, ATTR_TARGET, "/a/much/longer/value/than/before/it/was/here");
	ck_assert_int_eq(state_put(st, &r), 0);
	ck_assert_int_eq(state_get(st, KIND_FILE, "/etc/hosts", 10, &got), 1);
	assert_same(&r, &got);
	ck_assert_uint_eq(state_count(st), 1);
	ck_assert_int_eq(state_remove(st, KIND_FILE, "/etc/hosts", 10), 1);
	ck_assert_int_eq(state_remove(st, KIND_FILE, "/etc/hosts", 10), 0);
	ck_assert_int_eq(state_get(st, KIND_FILE, "/etc/hosts", 10, &got), 0);
	ck_assert_uint_eq(state_count(st), 0);
	ck_assert_int_eq(state_put(st, &r), 0);
	ck_assert_int_eq(state_get(st, KIND_FILE, "/etc/hosts", 10, &got), 1);
	record_release(&r);
	record_release(&got);
	state_free(st);
}
END_TEST

struct arr_stream {
	const char *const *keys;
	size_t n, pos;
	struct record r;
};

static int arr_next(void *self, const struct record **out)
{
	struct arr_stream *a = self;

	if (a->pos == a->n)
		return 0;
	file_rec(&a->r, a->keys[a->pos], (int64_t)a->pos);
	a->pos++;
	*out = &a->r;
	return 1;
}

static const char *const tree[] = {
	"/", "/a", "/a/b", "/a/b/c", "/a.b", "/ab", "/b", "/a/z",
};

static void expect_subtree(struct state *st, const char *base, const char *const *want, size_t n)
{
	struct state_iter *it = state_subtree(st, KIND_FILE, base);
	struct recstream rs = state_iter_stream(it);
	const struct record *r;
	size_t i = 0;

	while (rs.next(rs.self, &r) == 1) {
		ck_assert_uint_lt(i, n);
		ck_assert_str_eq(record_key(r), want[i]);
		i++;
	}
	ck_assert_uint_eq(i, n);
	state_iter_free(it);
}

START_TEST(test_build_subtree)
{
	struct state *st = state_new();
	struct arr_stream a = { .keys = tree, .n = 8 };
	struct recstream rs = { arr_next, &a };
	static const char *const under_a[] = { "/a", "/a/b", "/a/b/c", "/a/z" };
	static const char *const all[] = { "/", "/a", "/a/b", "/a/b/c", "/a/z", "/a.b", "/ab", "/b" };
	static const char *const under_ab[] = { "/a/b", "/a/b/c" };
	struct record u;

	record_init(&a.r);
	record_init(&u);
	ck_assert_int_eq(state_build(st, &rs), 0);
	ck_assert_uint_eq(state_count(st), 8);
	record_set_key(&u, KIND_USER, "/a/x", 4);
	ck_assert_int_eq(state_put(st, &u), 0);
	expect_subtree(st, "/a", under_a, 4);
	expect_subtree(st, "/", all, 8);
	expect_subtree(st, "/a/b", under_ab, 2);
	expect_subtree(st, "/nothing", NULL, 0);
	/* A snapshot: changing the store does not disturb a running iterator. */
	{
		struct state_iter *it = state_subtree(st, KIND_FILE, "/a");
		struct recstream s = state_iter_stream(it);
		const struct record *r;
		size_t n = 0;

		while (s.next(s.self, &r) == 1) {
			ck_assert_int_eq(state_remove(st, KIND_FILE, record_key(r), r->keylen), 1);
			n++;
		}
		ck_assert_uint_eq(n, 4);
		state_iter_free(it);
	}
	expect_subtree(st, "/a", NULL, 0);
	ck_assert_uint_eq(state_count(st), 5);
	record_release(&a.r);
	record_release(&u);
	state_free(st);
}
END_TEST

/* The bench corpus size: goal <= 150 bytes per entry beyond 16 MB. */
START_TEST(test_memory_and_churn)
{
	enum { N = 155000 };
	struct state *st = state_new();
	struct record r, got;
	char key[128];
	size_t mem;

	record_init(&r);
	record_init(&got);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "/usr/share/package-%03d/subdir-%02d/file-name-%06d.data",
			 i / 1000, (i / 50) % 20, i);
		file_rec(&r, key, i);
		ck_assert_int_eq(state_put(st, &r), 0);
	}
	ck_assert_uint_eq(state_count(st), N);
	mem = state_memory(st);
	printf("check_watch_state: %d entries, %zu bytes, %.1f bytes/entry\n", N, mem,
	       (double)mem / N);
	ck_assert_uint_le(mem, 16u * 1024 * 1024 + 150u * N);
	/* Every entry replaced by a longer one, twice: compaction keeps it bounded. */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++) {
			snprintf(key, sizeof(key),
				 "/usr/share/package-%03d/subdir-%02d/file-name-%06d.data",
				 i / 1000, (i / 50) % 20, i);
			file_rec(&r, key, i + 1000000 * (round + 1));
			record_set_str(&r, ATTR_TARGET, round ? "longer target" : "target");
			ck_assert_int_eq(state_put(st, &r), 0);
		}
	ck_assert_uint_eq(state_count(st), N);
	ck_assert_uint_le(state_memory(st), 16u * 1024 * 1024 + 2 * 150u * N);
	snprintf(key, sizeof(key), "/usr/share/package-%03d/subdir-%02d/file-name-%06d.data", 77,
		 (77777 / 50) % 20, 77777);
	file_rec(&r, key, 77777 + 2000000);
	record_set_str(&r, ATTR_TARGET, "longer target");
	ck_assert_int_eq(state_get(st, KIND_FILE, key, strlen(key), &got), 1);
	assert_same(&r, &got);
	record_release(&r);
	record_release(&got);
	state_free(st);
}
END_TEST

Suite *make_watch_state_suite(void)
{
	Suite *s = suite_create("watch_state");
	TCase *tc = tcase_create("state");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_replace_remove);
	tcase_add_test(tc, test_build_subtree);
	tcase_add_test(tc, test_memory_and_churn);
	suite_add_tcase(s, tc);
	return s;
}
