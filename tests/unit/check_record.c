#include <stdint.h>
#include <string.h>

#include "imscan/escape.h"
#include "imscan/record.h"
#include "unit.h"

static const char *const ordered[] = {
	"/", "/a", "/a/b", "/a/b/c", "/a/c", "/a.b", "/a0", "/b", "/b\xff",
};

START_TEST(test_key_order)
{
	size_t n = sizeof(ordered) / sizeof(ordered[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = key_cmp(ordered[i], strlen(ordered[i]), ordered[j], strlen(ordered[j]));

			ck_assert_int_eq(c < 0, i < j);
			ck_assert_int_eq(c == 0, i == j);
		}
}
END_TEST

/* Keys with NUL bytes, in order: '/' lowest, then NUL, then the rest. */
static const struct {
	const char *k;
	size_t len;
} ordered_nul[] = {
	{ "a", 1 }, { "a/", 2 }, { "a/b", 3 }, { "a\0", 2 }, { "a\0/", 3 }, { "a\0\0", 3 },
	{ "a\0b", 3 }, { "a\x01", 2 }, { "a.", 2 }, { "a0", 2 }, { "a\xff", 2 },
	{ "a\xff/", 3 }, { "a\xff\0", 3 },
};

START_TEST(test_key_order_nul)
{
	size_t n = sizeof(ordered_nul) / sizeof(ordered_nul[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = key_cmp(ordered_nul[i].k, ordered_nul[i].len,
					ordered_nul[j].k, ordered_nul[j].len);

			ck_assert_msg((c < 0) == (i < j) && (c == 0) == (i == j),
				      "key_cmp(#%zu, #%zu) = %d", i, j, c);
		}
}
END_TEST

/* The order key_cmp must give, one byte at a time. */
static int ref_cmp(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	for (size_t i = 0; i < alen && i < blen; i++) {
		unsigned x = a[i] == '/' ? 0 : a[i] + 1u, y = b[i] == '/' ? 0 : b[i] + 1u;

		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

#define NKEYS 300
#define KEYMAX 40

/*
 * Random keys over the bytes that matter ('/', NUL, '.', '0', 0xff, 'a'),
 * many sharing long prefixes (up to 40 bytes, so the word-at-a-time skip
 * runs and stops at every offset): key_cmp agrees with ref_cmp on every
 * pair, is antisymmetric, and 0 only for equal bytes.
 */
START_TEST(test_key_order_random)
{
	static const unsigned char alphabet[] = { '/', 0, 0x2e, 0xff, 0x30, 'a' };
	static unsigned char keys[NKEYS][KEYMAX];
	size_t len[NKEYS];
	uint32_t seed = 12345;

	for (size_t i = 0; i < NKEYS; i++) {
		size_t keep = 0;

		seed = seed * 1103515245u + 12345u;
		if (i && seed % 4) {	/* three in four start as a prefix of an earlier key */
			size_t from = (seed >> 8) % i;

			keep = (seed >> 16) % (len[from] + 1);
			memcpy(keys[i], keys[from], keep);
		}
		seed = seed * 1103515245u + 12345u;
		len[i] = keep + (seed >> 16) % (KEYMAX - keep + 1);
		for (size_t k = keep; k < len[i]; k++) {
			seed = seed * 1103515245u + 12345u;
			keys[i][k] = alphabet[(seed >> 16) % sizeof(alphabet)];
		}
	}
	/* No ck_assert per pair: they would make this slow under valgrind. */
	for (size_t i = 0; i < NKEYS; i++)
		for (size_t j = 0; j < NKEYS; j++) {
			int c = sign(key_cmp(keys[i], len[i], keys[j], len[j]));
			int same = len[i] == len[j] && !memcmp(keys[i], keys[j], len[i]);

			if (c != ref_cmp(keys[i], len[i], keys[j], len[j]) || (c == 0) != same ||
			    c != -sign(key_cmp(keys[j], len[j], keys[i], len[i])))
				ck_abort_msg("key_cmp(#%zu, #%zu) = %d", i, j, c);
		}
}
END_TEST

START_TEST(test_record_values_survive_growth)
{
	struct record r, c;
	char big[5000];
	size_t n;

	memset(big, 'x', sizeof(big));
	record_init(&r);
	record_init(&c);
	record_set_key(&r, KIND_FILE, "/etc/hosts", 10);
	record_set_str(&r, ATTR_TARGET, "short");
	record_set_bytes(&r, ATTR_SELINUX, big, sizeof(big));
	record_set_int(&r, ATTR_SIZE, 42);
	record_add_entity(&r, 5);
	record_add_entity(&r, 2);
	record_add_entity(&r, 5);
	ck_assert_str_eq(record_key(&r), "/etc/hosts");
	ck_assert_str_eq((const char *)record_bytes(&r, ATTR_TARGET, &n), "short");
	ck_assert_uint_eq(r.nents, 2);
	ck_assert_uint_eq(r.ents[0], 2);
	ck_assert_uint_eq(r.ents[1], 5);
	record_copy(&c, &r);
	record_reset(&r);
	ck_assert(!record_has(&r, ATTR_SIZE));
	ck_assert_int_eq(record_int(&c, ATTR_SIZE), 42);
	ck_assert(attr_equal(&c, &c, ATTR_SELINUX));
	ck_assert_str_eq(record_key(&c), "/etc/hosts");
	record_release(&r);
	record_release(&c);
}
END_TEST

/* A random value (or none) for each attribute, from a few choices so that
 * equal and unequal values both come up. */
static void random_values(struct record *r, unsigned *seed)
{
	static const char *const strs[] = { "", "a", "b", "ab" };

	record_reset(r);
	record_set_key(r, KIND_FILE, "/k", 2);
	for (int a = 0; a < ATTR__COUNT; a++) {
		unsigned v;

		*seed = *seed * 1103515245u + 12345u;
		v = (*seed >> 16) % 5;
		if (v == 4)
			continue;
		if (attr_table[a].type == ATTR_T_INT)
			record_set_int(r, (enum attr_id)a, v % 2);
		else
			record_set_str(r, (enum attr_id)a, strs[v]);
	}
}

/* attr_changed agrees with attr_equal on every attribute of `which`, and
 * reports none outside it. */
START_TEST(test_attr_changed)
{
	struct record a, b;
	unsigned seed = 7;

	record_init(&a);
	record_init(&b);
	for (int i = 0; i < 2000; i++) {
		struct attrset which = ATTRSET_EMPTY, got;

		random_values(&a, &seed);
		random_values(&b, &seed);
		for (int id = 0; id < ATTR__COUNT; id++)
			if ((seed >> (id % 16)) & 1)
				attrset_add(&which, (enum attr_id)id);
		got = attr_changed(&a, &b, &which);
		for (int id = 0; id < ATTR__COUNT; id++)
			ck_assert_int_eq(attrset_has(&got, (enum attr_id)id),
					 attrset_has(&which, (enum attr_id)id) &&
					 !attr_equal(&a, &b, (enum attr_id)id));
		ck_assert_uint_eq(got.w[1], 0);
	}
	record_release(&a);
	record_release(&b);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	const char *json;
	const char *text;
} esc[] = {
	{ "plain", 5, "\"plain\"", "plain" },
	{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"", "a\"b\\\\c" },
	{ "new\nline", 8, "\"new\\nline\"", "new\\nline" },
	{ "\x1b[31m", 5, "\"\\u001b[31m\"", "\\x1b[31m" },
	{ "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"", "caf\xc3\xa9" },
	{ "bad\xff", 4, "\"bad\xef\xbf\xbd\"", "bad\\xff" },
	{ "nul\0x", 5, "\"nul\\u0000x\"", "nul\\x00x" },
	{ "\xc2\x9b", 2, "\"\\u009b\"", "\\xc2\\x9b" },
	{ "\xc2\x80" "a\xc2\x9f", 5, "\"\\u0080a\\u009f\"", "\\xc2\\x80a\\xc2\\x9f" },
	{ "\xc2\xa0", 2, "\"\xc2\xa0\"", "\xc2\xa0" },
	{ "\xc2\x7f", 2, "\"\xef\xbf\xbd\\u007f\"", "\\xc2\\x7f" },
	{ "\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "\\xed\\xa0\\x80" },
};

START_TEST(test_escape)
{
	struct strbuf sb;

	strbuf_init(&sb);
	json_add_string(&sb, esc[_i].in, esc[_i].len);
	ck_assert_str_eq(sb.buf, esc[_i].json);
	strbuf_reset(&sb);
	text_add_escaped(&sb, esc[_i].in, esc[_i].len);
	ck_assert_str_eq(sb.buf, esc[_i].text);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_member_b64)
{
	struct strbuf sb;

	strbuf_init(&sb);
	json_add_member_bytes(&sb, "key", "/a\xff", 3);
	ck_assert_str_eq(sb.buf, "\"key\":\"/a\xef\xbf\xbd\",\"key_b64\":\"L2H/\"");
	strbuf_reset(&sb);
	json_add_member_bytes(&sb, "key", "/ok", 3);
	ck_assert_str_eq(sb.buf, "\"key\":\"/ok\"");
	strbuf_release(&sb);
}
END_TEST

Suite *make_record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_key_order);
	tcase_add_test(tc, test_key_order_nul);
	tcase_add_test(tc, test_key_order_random);
	tcase_add_test(tc, test_record_values_survive_growth);
	tcase_add_test(tc, test_attr_changed);
	tcase_add_loop_test(tc, test_escape, 0, sizeof(esc) / sizeof(esc[0]));
	tcase_add_test(tc, test_member_b64);
	suite_add_tcase(s, tc);
	return s;
}
