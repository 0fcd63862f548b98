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
	{ "\xc2\x9b", 2, "\"\xc2\x9b\"", "\\xc2\\x9b" },
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
	tcase_add_test(tc, test_record_values_survive_growth);
	tcase_add_loop_test(tc, test_escape, 0, sizeof(esc) / sizeof(esc[0]));
	tcase_add_test(tc, test_member_b64);
	suite_add_tcase(s, tc);
	return s;
}
