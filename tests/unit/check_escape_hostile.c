/*
 * check_escape_hostile.c - names built to fool a reader of the output.
 *
 * JSON: a NUL byte brings the _b64 sibling, as invalid UTF-8 does (most
 * JSON readers keep strings as C strings); C1 controls are escaped as C0
 * ones are (\u009b), so a JSON line cannot drive a terminal either. Text:
 * C1 controls and the bidirectional and line-breaking format characters
 * are escaped byte by byte, so that "/etc/\u202Egnp.exe" cannot show as
 * "/etc/exe.png".
 */
#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "imscan/escape.h"
#include "unit.h"

static const struct {
	const char *in;
	size_t len;
	const char *json;	/* json_add_member_bytes("k", ...) */
	const char *text;
} cases[] = {
	{ "a\0b", 3, "\"k\":\"a\\u0000b\",\"k_b64\":\"YQBi\"", "a\\x00b" },
	{ "\0", 1, "\"k\":\"\\u0000\",\"k_b64\":\"AA==\"", "\\x00" },
	/* U+202E RIGHT-TO-LEFT OVERRIDE */
	{ "/etc/\xe2\x80\xaegnp.exe", 15, "\"k\":\"/etc/\xe2\x80\xaegnp.exe\"",
	  "/etc/\\xe2\\x80\\xaegnp.exe" },
	/* U+2066 LEFT-TO-RIGHT ISOLATE ... U+2069 POP DIRECTIONAL ISOLATE */
	{ "\xe2\x81\xa6x\xe2\x81\xa9", 7, "\"k\":\"\xe2\x81\xa6x\xe2\x81\xa9\"",
	  "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9" },
	/* U+200E, U+200F marks, U+061C ARABIC LETTER MARK */
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", 8, "\"k\":\"\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c\"",
	  "\\xe2\\x80\\x8e\\xe2\\x80\\x8f\\xd8\\x9c" },
	/* U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR */
	{ "a\xe2\x80\xa8" "b\xe2\x80\xa9", 8, "\"k\":\"a\xe2\x80\xa8" "b\xe2\x80\xa9\"",
	  "a\\xe2\\x80\\xa8b\\xe2\\x80\\xa9" },
	/* C1 CSI (U+009B) and NEL (U+0085) */
	{ "\xc2\x9b" "31m\xc2\x85", 7, "\"k\":\"\\u009b31m\\u0085\"", "\\xc2\\x9b31m\\xc2\\x85" },
	/* neighbours that are harmless stay as they are */
	{ "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xaa\xd8\x9b", 11,
	  "\"k\":\"\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xaa\xd8\x9b\"",
	  "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xaa\xd8\x9b" },
	/* cut short: invalid, so escaped as bytes anyway */
	{ "\xe2\x80", 2, "\"k\":\"\xef\xbf\xbd\xef\xbf\xbd\",\"k_b64\":\"4oA=\"", "\\xe2\\x80" },
};

START_TEST(test_hostile_names)
{
	struct strbuf sb;

	strbuf_init(&sb);
	json_add_member_bytes(&sb, "k", cases[_i].in, cases[_i].len);
	ck_assert_str_eq(sb.buf, cases[_i].json);
	strbuf_reset(&sb);
	text_add_escaped(&sb, cases[_i].in, cases[_i].len);
	ck_assert_str_eq(sb.buf, cases[_i].text);
	strbuf_release(&sb);
}
END_TEST

/* Every C1 control is \u0080..\u009f in JSON, and a JSON reader gets it back. */
START_TEST(test_c1_json_roundtrip)
{
	unsigned char in[3] = { 'x', 0xc2, (unsigned char)(0x80 + _i) };
	char want[16];
	struct strbuf sb;
	cJSON *j;

	strbuf_init(&sb);
	ck_assert(!json_add_string(&sb, in, sizeof(in)));
	snprintf(want, sizeof(want), "\"x\\u%04x\"", 0x80 + _i);
	ck_assert_str_eq(sb.buf, want);
	j = cJSON_Parse(sb.buf);
	ck_assert(cJSON_IsString(j));
	ck_assert_uint_eq(strlen(j->valuestring), sizeof(in));
	ck_assert(!memcmp(j->valuestring, in, sizeof(in)));
	cJSON_Delete(j);
	strbuf_release(&sb);
}
END_TEST

/* JSON from another writer (cJSON, a baseline header) gets the same C1
 * escaping as imscan's own strings; nothing else changes. */
START_TEST(test_json_add_json)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "{\"a\":\"x\xc2\x85y\"}", "{\"a\":\"x\\u0085y\"}" },
		{ "[\"\xc2\x80\xc2\x9f\"]", "[\"\\u0080\\u009f\"]" },
		{ "[\"\xc2\xa0\xc2\x7f\"]", "[\"\xc2\xa0\xc2\x7f\"]" },	/* U+00A0 and a stray byte stay */
		{ "[\"\xc3\x85\"]", "[\"\xc3\x85\"]" },			/* U+00C5 stays */
		{ "[1,2]", "[1,2]" },
		{ "", "" },
		{ "\xc2", "\xc2" },						/* cut short: copied */
	};
	struct strbuf sb;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_init(&sb);
		json_add_json(&sb, cases[i].in);
		ck_assert_str_eq(sb.buf, cases[i].out);
		strbuf_release(&sb);
	}
}
END_TEST

Suite *make_escape_hostile_suite(void)
{
	Suite *s = suite_create("escape_hostile");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_hostile_names, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(tc, test_c1_json_roundtrip, 0, 32);
	tcase_add_test(tc, test_json_add_json);
	suite_add_tcase(s, tc);
	return s;
}
