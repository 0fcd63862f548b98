#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <sodium.h>

#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/event.h"
#include "imscan/record.h"
#include "imscan/rules.h"
#include "unit.h"

static char id_etc[] = "1003513";
static char name_etc[] = "Unix - File attributes changes in /etc location";
static char tag_config[] = "config", tag_quote[] = "a\"b";
static char *tags_etc[] = { tag_config, tag_quote };
static char id_bare[] = "42";
static char name_bare[] = "bare";

static struct rule rule_etc = {
	.id = id_etc, .name = name_etc, .severity = SEV_MEDIUM,
	.tags = tags_etc, .ntags = 2,
};
static struct rule rule_bare = { .id = id_bare, .name = name_bare, .severity = SEV_HIGH };

#define T_EVENT 1795634400123456789LL	/* 2026-11-25T19:20:00.123456789Z */
#define T_OLD 1795161600000000001LL	/* 2026-11-20T08:00:00.000000001Z */
#define T_NEW 1795633199999999999LL	/* 2026-11-25T18:59:59.999999999Z */

#define HEAD "{\"time\":\"2026-11-25T19:20:00.123Z\",\"host\":\"web1\",\"source\":\"check\","
#define RULE_ETC_OBJ "{\"id\":\"1003513\"," \
	"\"name\":\"Unix - File attributes changes in /etc location\",\"severity\":\"medium\"}"
#define RULE_ETC "\"rule\":" RULE_ETC_OBJ ",\"rules\":[" RULE_ETC_OBJ "]"
#define TAGS_ETC "\"tags\":[\"config\",\"a\\\"b\"]}"

static void set_hash(struct record *r, unsigned char base, int step)
{
	unsigned char h[32];

	for (int i = 0; i < 32; i++)
		h[i] = (unsigned char)(base + step * i);
	record_set_bytes(r, ATTR_SHA256, h, sizeof(h));
}

/* xattrs in the ATTR_PR_XATTRS encoding: name NUL digest, sorted by name. */
static void set_xattrs(struct record *r, const char *const *names, const unsigned char *fill,
		       size_t n)
{
	unsigned char buf[256];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(names[i]) + 1;

		memcpy(buf + len, names[i], nl);
		len += nl;
		memset(buf + len, fill[i], ATTR_XATTR_DIGEST_LEN);
		len += ATTR_XATTR_DIGEST_LEN;
	}
	record_set_bytes(r, ATTR_XATTRS, buf, len);
}

static struct event make_event(enum action act, const struct record *old,
			       const struct record *new, const struct attrset *attrs)
{
	struct event ev = {
		.time = T_EVENT, .host = "web1", .source = "check", .action = act,
		.rule = &rule_etc, .old = old, .new = new, .attrs = *attrs,
	};

	return ev;
}

static struct attrset set_of(const enum attr_id *ids, size_t n)
{
	struct attrset s = ATTRSET_EMPTY;

	for (size_t i = 0; i < n; i++)
		attrset_add(&s, ids[i]);
	return s;
}

#define SET(...) set_of((const enum attr_id[]){ __VA_ARGS__ }, \
	sizeof((const enum attr_id[]){ __VA_ARGS__ }) / sizeof(enum attr_id))

static void check_json(const struct event *ev, const char *want)
{
	struct strbuf sb;
	cJSON *j;

	strbuf_init(&sb);
	event_to_json(&sb, ev);
	ck_assert_str_eq(sb.buf, want);
	j = cJSON_Parse(sb.buf);
	ck_assert_msg(j != NULL, "not JSON: %s", sb.buf);
	cJSON_Delete(j);
	strbuf_release(&sb);
}

static void check_text(const struct event *ev, const char *want)
{
	struct strbuf sb;

	strbuf_init(&sb);
	event_to_text(&sb, ev);
	ck_assert_str_eq(sb.buf, want);
	strbuf_release(&sb);
}

/* watch: "process" is the last member and holds only what was read;
 * overflow has no rule and no attributes. */
START_TEST(test_process_and_overflow)
{
	struct record r;
	struct attrset a = SET(ATTR_MODE);
	struct procinfo p = { .pid = 4242, .have = PROCINFO_COMM | PROCINFO_EXE | PROCINFO_UID |
			      PROCINFO_USER | PROCINFO_LOGINUID | PROCINFO_LOGIN,
			      .uid = 0, .loginuid = 1000 };
	struct event ev;

	strcpy(p.comm, "vi");
	strcpy(p.exe, "/usr/bin/vim.basic");
	strcpy(p.user, "root");
	strcpy(p.login, "alice");
	record_init(&r);
	record_set_key(&r, KIND_FILE, "/etc/hosts", 10);
	record_set_int(&r, ATTR_MODE, 0100600);
	ev = make_event(ACT_ADDED, NULL, &r, &a);
	ev.source = "watch";
	ev.process = &p;
	check_json(&ev, "{\"time\":\"2026-11-25T19:20:00.123Z\",\"host\":\"web1\",\"source\":\"watch\","
		   "\"action\":\"added\",\"kind\":\"file\",\"key\":\"/etc/hosts\","
		   RULE_ETC ",\"new\":{\"mode\":\"0600\"},\"tags\":[\"config\",\"a\\\"b\"],"
		   "\"process\":{\"pid\":4242,\"comm\":\"vi\",\"exe\":\"/usr/bin/vim.basic\","
		   "\"uid\":0,\"user\":\"root\",\"loginuid\":1000,\"login\":\"alice\"}}");
	check_text(&ev, "added  /etc/hosts  [1003513 medium]  by vi[4242] uid 0 (root)");
	p.have = 0;		/* gone before it could be read: the pid alone */
	check_json(&ev, "{\"time\":\"2026-11-25T19:20:00.123Z\",\"host\":\"web1\",\"source\":\"watch\","
		   "\"action\":\"added\",\"kind\":\"file\",\"key\":\"/etc/hosts\","
		   RULE_ETC ",\"new\":{\"mode\":\"0600\"},\"tags\":[\"config\",\"a\\\"b\"],"
		   "\"process\":{\"pid\":4242}}");
	record_reset(&r);
	record_set_key(&r, KIND_FILE, "/", 1);
	ev = make_event(ACT_OVERFLOW, NULL, &r, &(struct attrset){ { 0, 0 } });
	ev.rule = NULL;
	ev.source = "watch";
	check_json(&ev, "{\"time\":\"2026-11-25T19:20:00.123Z\",\"host\":\"web1\",\"source\":\"watch\","
		   "\"action\":\"overflow\",\"kind\":\"file\",\"key\":\"/\",\"rule\":null,"
		   "\"rules\":[],\"tags\":[]}");
	check_text(&ev, "overflow  /");
	record_release(&r);
}
END_TEST

START_TEST(test_added)
{
	struct record r;
	struct attrset a = SET(ATTR_TYPE, ATTR_MODE, ATTR_UID, ATTR_SIZE, ATTR_MTIME, ATTR_SHA256,
			       ATTR_TARGET);
	struct event ev;

	record_init(&r);
	record_set_key(&r, KIND_FILE, "/etc/new.conf", 13);
	record_set_int(&r, ATTR_TYPE, FT_REGULAR);
	record_set_int(&r, ATTR_MODE, 0100644);
	record_set_int(&r, ATTR_UID, 0);
	record_set_int(&r, ATTR_GID, 7);	/* not the rule's: not shown */
	record_set_int(&r, ATTR_SIZE, 190);
	record_set_int(&r, ATTR_MTIME, T_NEW);
	set_hash(&r, 0, 1);
	ev = make_event(ACT_ADDED, NULL, &r, &a);
	check_json(&ev, HEAD "\"action\":\"added\",\"kind\":\"file\",\"key\":\"/etc/new.conf\","
		   RULE_ETC ",\"new\":{\"type\":\"regular\",\"mode\":\"0644\",\"uid\":0,"
		   "\"size\":190,\"mtime\":\"2026-11-25T18:59:59.999999999Z\","
		   "\"sha256\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"},"
		   TAGS_ETC);
	check_text(&ev, "added  /etc/new.conf  [1003513 medium]");
	record_release(&r);
}
END_TEST

START_TEST(test_removed)
{
	struct record r;
	struct attrset a = SET(ATTR_TYPE, ATTR_MODE, ATTR_OWNER, ATTR_TARGET);
	struct event ev;

	record_init(&r);
	record_set_key(&r, KIND_FILE, "/etc/alt", 8);
	record_set_int(&r, ATTR_TYPE, FT_SYMLINK);
	record_set_int(&r, ATTR_MODE, 0120777);
	record_set_str(&r, ATTR_OWNER, "root");
	record_set_bytes(&r, ATTR_TARGET, "../x\xff", 5);
	ev = make_event(ACT_REMOVED, &r, NULL, &a);
	ev.rule = &rule_bare;
	check_json(&ev, HEAD "\"action\":\"removed\",\"kind\":\"file\",\"key\":\"/etc/alt\","
		   "\"rule\":{\"id\":\"42\",\"name\":\"bare\",\"severity\":\"high\"},"
		   "\"rules\":[{\"id\":\"42\",\"name\":\"bare\",\"severity\":\"high\"}],"
		   "\"old\":{\"type\":\"symlink\",\"mode\":\"0777\",\"owner\":\"root\","
		   "\"target\":\"../x\xef\xbf\xbd\",\"target_b64\":\"Li4veP8=\"},\"tags\":[]}");
	check_text(&ev, "removed  /etc/alt  [42 high]");
	record_release(&r);
}
END_TEST

START_TEST(test_modified)
{
	struct record o, n;
	struct attrset a = SET(ATTR_MODE, ATTR_SIZE, ATTR_MTIME, ATTR_SHA256);
	struct event ev;

	record_init(&o);
	record_init(&n);
	record_set_key(&o, KIND_FILE, "/etc/hosts", 10);
	record_set_key(&n, KIND_FILE, "/etc/hosts", 10);
	record_set_int(&o, ATTR_TYPE, FT_REGULAR);
	record_set_int(&n, ATTR_TYPE, FT_REGULAR);
	record_set_int(&o, ATTR_MODE, 0644);
	record_set_int(&n, ATTR_MODE, 04755);
	record_set_int(&o, ATTR_SIZE, 158);
	record_set_int(&n, ATTR_SIZE, 190);
	record_set_int(&o, ATTR_MTIME, T_OLD);
	record_set_int(&n, ATTR_MTIME, T_NEW);
	set_hash(&o, 0, 1);
	set_hash(&n, 0xff, -1);
	ev = make_event(ACT_MODIFIED, &o, &n, &a);
	check_json(&ev, HEAD "\"action\":\"modified\",\"kind\":\"file\",\"key\":\"/etc/hosts\","
		   RULE_ETC ",\"changed\":[\"mode\",\"size\",\"mtime\",\"sha256\"],"
		   "\"old\":{\"mode\":\"0644\",\"size\":158,\"mtime\":\"2026-11-20T08:00:00.000000001Z\","
		   "\"sha256\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"},"
		   "\"new\":{\"mode\":\"4755\",\"size\":190,\"mtime\":\"2026-11-25T18:59:59.999999999Z\","
		   "\"sha256\":\"fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0\"},"
		   TAGS_ETC);
	check_text(&ev, "modified  /etc/hosts  [1003513 medium]  mode: 0644 -> 4755, "
		   "size: 158 -> 190, mtime: 2026-11-20T08:00:00.000000001Z -> "
		   "2026-11-25T18:59:59.999999999Z, sha256: 00010203\xe2\x80\xa6" "1c1d1e1f -> "
		   "fffefdfc\xe2\x80\xa6" "e3e2e1e0");
	record_release(&o);
	record_release(&n);
}
END_TEST

/* A regular file replaced by a symlink: attributes on one side only. */
START_TEST(test_modified_type)
{
	static const char *const on[] = { "user.a" };
	static const char *const nn[] = { "user.a", "user.b" };
	static const unsigned char of[] = { 0x11 }, nf[] = { 0x22, 0x33 };
	struct record o, n;
	struct attrset a = SET(ATTR_TYPE, ATTR_SIZE, ATTR_TARGET, ATTR_XATTRS, ATTR_SHA256);
	struct event ev;

	record_init(&o);
	record_init(&n);
	record_set_key(&o, KIND_FILE, "/etc/x", 6);
	record_set_key(&n, KIND_FILE, "/etc/x", 6);
	record_set_int(&o, ATTR_TYPE, FT_REGULAR);
	record_set_int(&n, ATTR_TYPE, FT_SYMLINK);
	record_set_int(&o, ATTR_SIZE, 3);
	record_set_int(&n, ATTR_SIZE, 5);
	record_set_str(&n, ATTR_TARGET, "/tmp/");
	set_xattrs(&o, on, of, 1);
	set_xattrs(&n, nn, nf, 2);
	set_hash(&o, 0x10, 1);
	ev = make_event(ACT_MODIFIED, &o, &n, &a);
	check_json(&ev, HEAD "\"action\":\"modified\",\"kind\":\"file\",\"key\":\"/etc/x\","
		   RULE_ETC ",\"changed\":[\"type\",\"size\",\"target\",\"xattrs\",\"sha256\"],"
		   "\"old\":{\"type\":\"regular\",\"size\":3,"
		   "\"xattrs\":{\"user.a\":\"11111111111111111111111111111111\"},"
		   "\"sha256\":\"101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\"},"
		   "\"new\":{\"type\":\"symlink\",\"size\":5,\"target\":\"/tmp/\","
		   "\"xattrs\":{\"user.a\":\"22222222222222222222222222222222\","
		   "\"user.b\":\"33333333333333333333333333333333\"}},"
		   TAGS_ETC);
	check_text(&ev, "modified  /etc/x  [1003513 medium]  type: regular -> symlink, "
		   "size: 3 -> 5, target: (none) -> /tmp/, "
		   "xattrs: user.a=11111111111111111111111111111111 -> "
		   "user.a=22222222222222222222222222222222,user.b=33333333333333333333333333333333, "
		   "sha256: 10111213\xe2\x80\xa6" "2c2d2e2f -> (none)");
	record_release(&o);
	record_release(&n);
}
END_TEST

/* Shortened hashes that would look equal are printed in full. */
START_TEST(test_text_hash_same_ends)
{
	struct record o, n;
	struct attrset a = SET(ATTR_XXH128);
	unsigned char h[16];
	struct event ev;

	record_init(&o);
	record_init(&n);
	record_set_key(&o, KIND_FILE, "/f", 2);
	record_set_key(&n, KIND_FILE, "/f", 2);
	memset(h, 0xaa, sizeof(h));
	record_set_bytes(&o, ATTR_XXH128, h, sizeof(h));
	h[8] = 0xab;
	record_set_bytes(&n, ATTR_XXH128, h, sizeof(h));
	ev = make_event(ACT_MODIFIED, &o, &n, &a);
	check_text(&ev, "modified  /f  [1003513 medium]  xxh128: "
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa -> aaaaaaaaaaaaaaaaabaaaaaaaaaaaaaa");
	record_release(&o);
	record_release(&n);
}
END_TEST

/*
 * Read only in part: what was read in "new" and the reason in "error",
 * for an entity that became unreadable and for a new one (added, so that
 * a filter on "added" sees it).
 */
static const struct {
	enum action act;
	const char *key;
	const char *json, *text;
} partly_read[] = {
	{ ACT_UNREADABLE, "/root/x",
	  HEAD "\"action\":\"unreadable\",\"kind\":\"file\",\"key\":\"/root/x\","
	  RULE_ETC ",\"new\":{\"type\":\"regular\",\"mode\":\"0600\"},"
	  "\"error\":\"Permission denied\"," TAGS_ETC,
	  "unreadable  /root/x  [1003513 medium]  Permission denied" },
	{ ACT_ADDED, "/root/new",
	  HEAD "\"action\":\"added\",\"kind\":\"file\",\"key\":\"/root/new\","
	  RULE_ETC ",\"new\":{\"type\":\"regular\",\"mode\":\"0600\"},"
	  "\"error\":\"Permission denied\"," TAGS_ETC,
	  "added  /root/new  [1003513 medium]  Permission denied" },
};

START_TEST(test_partly_read)
{
	struct record r;
	struct attrset a = SET(ATTR_TYPE, ATTR_MODE, ATTR_SIZE, ATTR_SHA256, ATTR_ERROR);
	struct event ev;

	record_init(&r);
	record_set_key(&r, KIND_FILE, partly_read[_i].key, strlen(partly_read[_i].key));
	record_set_int(&r, ATTR_TYPE, FT_REGULAR);
	record_set_int(&r, ATTR_MODE, 0600);
	record_set_str(&r, ATTR_ERROR, "Permission denied");
	ev = make_event(partly_read[_i].act, NULL, &r, &a);
	check_json(&ev, partly_read[_i].json);
	check_text(&ev, partly_read[_i].text);
	record_release(&r);
}
END_TEST

START_TEST(test_renamed_and_kind)
{
	struct record r;
	struct attrset a = SET(ATTR_UID);
	struct event ev;

	record_init(&r);
	record_set_key(&r, KIND_USER, "bob", 3);
	record_set_int(&r, ATTR_UID, 1001);
	ev = make_event(ACT_RENAMED, NULL, &r, &a);
	ev.old_key = "al\x1b" "ice";
	ev.old_keylen = 6;
	ev.rule = NULL;
	check_json(&ev, HEAD "\"action\":\"renamed\",\"kind\":\"user\",\"key\":\"bob\","
		   "\"old_key\":\"al\\u001bice\",\"rule\":null,\"rules\":[],\"changed\":[\"uid\"],\"new\":{\"uid\":1001},\"tags\":[]}");
	check_text(&ev, "renamed  user bob  from al\\x1bice");
	record_release(&r);
}
END_TEST

/* Event times before 1970 still round down to the millisecond. */
START_TEST(test_time)
{
	struct record r;
	struct attrset a = ATTRSET_EMPTY;
	struct event ev;
	struct strbuf sb;

	record_init(&r);
	record_set_key(&r, KIND_FILE, "/", 1);
	ev = make_event(ACT_ADDED, NULL, &r, &a);
	ev.time = -1;
	ev.host = NULL;
	strbuf_init(&sb);
	event_to_json(&sb, &ev);
	ck_assert_str_eq(sb.buf, "{\"time\":\"1969-12-31T23:59:59.999Z\",\"host\":\"\","
			 "\"source\":\"check\",\"action\":\"added\",\"kind\":\"file\",\"key\":\"/\","
			 RULE_ETC ",\"new\":{}," TAGS_ETC);
	strbuf_release(&sb);
	record_release(&r);
}
END_TEST

/* No byte that a terminal would act on: C0, DEL, C1, invalid UTF-8. */
static void assert_terminal_safe(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(p[i] >= 0x20 && p[i] != 0x7f, "raw control byte 0x%02x in '%s'", p[i], s);
		ck_assert_msg(!(p[i] == 0xc2 && i + 1 < n && p[i + 1] < 0xa0),
			      "raw C1 control in '%s'", s);
	}
	ck_assert_msg(utf8_valid(s, n), "invalid UTF-8 in '%s'", s);
}

static const struct {
	const char *key;
	size_t len;
	bool b64;
} keys[] = {
	{ "/tmp/bad\xff\n\x1b[31m", 15, true },
	{ "/etc/caf\xc3\xa9", 10, false },
	{ "/a\nb\tc\x7f", 7, false },
	{ "/\xc2\x9b" "2J", 5, false },
	{ "/\xed\xa0\x80", 4, true },
	{ "/\xef\xbf\xbd", 4, false },
};

/* The key survives JSON losslessly and reaches text escaped. */
START_TEST(test_key_roundtrip)
{
	struct record r;
	struct attrset a = SET(ATTR_TARGET, ATTR_ERROR);
	struct event ev;
	struct strbuf sb;
	cJSON *j, *k, *b;
	unsigned char bin[64];
	size_t binlen;

	record_init(&r);
	record_set_key(&r, KIND_FILE, keys[_i].key, keys[_i].len);
	record_set_bytes(&r, ATTR_TARGET, keys[_i].key, keys[_i].len);
	record_set_bytes(&r, ATTR_ERROR, keys[_i].key, keys[_i].len);
	ev = make_event(ACT_UNREADABLE, NULL, &r, &a);

	strbuf_init(&sb);
	event_to_json(&sb, &ev);
	ck_assert_msg(!memchr(sb.buf, '\n', sb.len), "newline in a JSON line");
	assert_terminal_safe(sb.buf, sb.len);
	j = cJSON_Parse(sb.buf);
	ck_assert_msg(j != NULL, "not JSON: %s", sb.buf);
	k = cJSON_GetObjectItemCaseSensitive(j, "key");
	b = cJSON_GetObjectItemCaseSensitive(j, "key_b64");
	ck_assert(cJSON_IsString(k));
	ck_assert_int_eq(b != NULL, keys[_i].b64);
	if (b) {
		ck_assert(cJSON_IsString(b));
		ck_assert_int_eq(sodium_base642bin(bin, sizeof(bin), b->valuestring,
						   strlen(b->valuestring), NULL, &binlen, NULL,
						   sodium_base64_VARIANT_ORIGINAL), 0);
	} else {
		binlen = strlen(k->valuestring);
		memcpy(bin, k->valuestring, binlen);
	}
	ck_assert_uint_eq(binlen, keys[_i].len);
	ck_assert(!memcmp(bin, keys[_i].key, binlen));
	/* the same scheme for values, and for the error member */
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "new"), "target_b64") != NULL, keys[_i].b64);
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "error_b64") != NULL, keys[_i].b64);
	cJSON_Delete(j);

	strbuf_reset(&sb);
	event_to_text(&sb, &ev);
	assert_terminal_safe(sb.buf, sb.len);
	strbuf_release(&sb);
	record_release(&r);
}
END_TEST

START_TEST(test_key_escaped)
{
	struct record r;
	struct attrset a = ATTRSET_EMPTY;
	struct event ev;

	record_init(&r);
	record_set_key(&r, KIND_FILE, keys[0].key, keys[0].len);
	ev = make_event(ACT_ADDED, NULL, &r, &a);
	check_json(&ev, HEAD "\"action\":\"added\",\"kind\":\"file\","
		   "\"key\":\"/tmp/bad\xef\xbf\xbd\\n\\u001b[31m\",\"key_b64\":\"L3RtcC9iYWT/ChtbMzFt\","
		   RULE_ETC ",\"new\":{}," TAGS_ETC);
	check_text(&ev, "added  /tmp/bad\\xff\\n\\x1b[31m  [1003513 medium]");
	record_release(&r);
}
END_TEST

static const struct {
	struct event_summary sum;
	const char *want;
} summaries[] = {
	{ { .modified = 1, .entries = 5323, .not_read = 14, .still_not_read = 13, .seconds = 0.44 },
	  "1 modified; 5323 entries, 5309 read, 14 not read (13 as at baseline); 1 event in 0.4s" },
	{ { .entries = 5323, .not_read = 14, .still_not_read = 14, .seconds = 2 },
	  "no changes; 5323 entries, 5309 read, 14 not read (14 as at baseline); 0 events in 2.0s" },
	{ { .added = 3, .removed = 1, .modified = 2, .renamed = 5, .unreadable = 1,
	    .entries = 1, .seconds = 0.04 },
	  "3 added, 1 removed, 2 modified, 5 renamed, 1 unreadable; "
	  "1 entry, 1 read, 0 not read; 12 events in 0.0s" },
	{ { .unreadable = 2, .entries = 2, .not_read = 2, .seconds = 1.25 },
	  "2 unreadable; 2 entries, 0 read, 2 not read (0 as at baseline); 2 events in 1.2s" },
	{ { .entries = 0 }, "no changes; 0 entries, 0 read, 0 not read; 0 events in 0.0s" },
};

START_TEST(test_summary)
{
	struct strbuf l;

	strbuf_init(&l);
	event_summary_format(&l, &summaries[_i].sum);
	ck_assert_str_eq(l.buf, summaries[_i].want);
	ck_assert_ptr_null(strchr(l.buf, '\n'));
	strbuf_release(&l);
}
END_TEST

/*
 * One event for three rules: "rule" is the one given, "rules" lists all
 * in order, "tags" is their union with each tag once, in first-seen order;
 * the text names the rule and how many more.
 */
START_TEST(test_several_rules)
{
	static char id_a[] = "1", id_c[] = "3", nm[] = "n";
	static char t_x[] = "x", t_y[] = "y", t_x2[] = "x", t_z[] = "z";
	static char *tags_a[] = { t_x, t_y, t_x2 }, *tags_c[] = { t_z, t_x2 };
	static struct rule ra = { .id = id_a, .name = nm, .severity = SEV_LOW,
				  .tags = tags_a, .ntags = 3 };
	static struct rule rc = { .id = id_c, .name = nm, .severity = SEV_LOW,
				  .tags = tags_c, .ntags = 2 };
	const struct rule *rules[] = { &ra, &rule_etc, &rc };
	struct record o, n;
	struct attrset a = SET(ATTR_MODE);
	struct event ev;

	record_init(&o);
	record_init(&n);
	record_set_key(&o, KIND_FILE, "/etc", 4);
	record_set_key(&n, KIND_FILE, "/etc", 4);
	record_set_int(&o, ATTR_MODE, 040755);
	record_set_int(&n, ATTR_MODE, 040700);
	ev = make_event(ACT_MODIFIED, &o, &n, &a);
	ev.rules = rules;
	ev.nrules = 3;
	check_json(&ev, HEAD "\"action\":\"modified\",\"kind\":\"file\",\"key\":\"/etc\","
		   "\"rule\":" RULE_ETC_OBJ ",\"rules\":["
		   "{\"id\":\"1\",\"name\":\"n\",\"severity\":\"low\"}," RULE_ETC_OBJ ","
		   "{\"id\":\"3\",\"name\":\"n\",\"severity\":\"low\"}],"
		   "\"changed\":[\"mode\"],\"old\":{\"mode\":\"0755\"},\"new\":{\"mode\":\"0700\"},"
		   "\"tags\":[\"x\",\"y\",\"config\",\"a\\\"b\",\"z\"]}");
	check_text(&ev, "modified  /etc  [1003513 medium +2]  mode: 0755 -> 0700");
	/* no list: the rule alone */
	ev.nrules = 0;
	check_text(&ev, "modified  /etc  [1003513 medium]  mode: 0755 -> 0700");
	record_release(&o);
	record_release(&n);
}
END_TEST

/* Many tags: still each once (a hash set, not a scan of what came before). */
START_TEST(test_many_tags)
{
	enum { NT = 3000 };
	static char bufs[NT][8];
	static char *tags[NT];
	static struct rule r1, r2;
	const struct rule *rules[] = { &r1, &r2 };
	struct record rec;
	struct attrset a = ATTRSET_EMPTY;
	struct event ev;
	struct strbuf sb;
	cJSON *j, *t;

	for (int i = 0; i < NT; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "t%d", i % 1000);
		tags[i] = bufs[i];
	}
	r1 = (struct rule){ .id = id_bare, .name = name_bare, .tags = tags, .ntags = NT };
	r2 = r1;
	record_init(&rec);
	record_set_key(&rec, KIND_FILE, "/x", 2);
	ev = make_event(ACT_ADDED, NULL, &rec, &a);
	ev.rules = rules;
	ev.nrules = 2;
	strbuf_init(&sb);
	event_to_json(&sb, &ev);
	j = cJSON_Parse(sb.buf);
	t = cJSON_GetObjectItemCaseSensitive(j, "tags");
	ck_assert_int_eq(cJSON_GetArraySize(t), 1000);
	ck_assert_str_eq(cJSON_GetArrayItem(t, 0)->valuestring, "t0");
	ck_assert_str_eq(cJSON_GetArrayItem(t, 999)->valuestring, "t999");
	cJSON_Delete(j);
	strbuf_release(&sb);
	record_release(&rec);
}
END_TEST

/* the runner finds suites by this line; the declaration keeps
 * -Wmissing-prototypes quiet without a second match */
extern Suite *make_event_suite(void);

Suite *make_event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_added);
	tcase_add_test(tc, test_removed);
	tcase_add_test(tc, test_modified);
	tcase_add_test(tc, test_modified_type);
	tcase_add_test(tc, test_text_hash_same_ends);
	tcase_add_loop_test(tc, test_partly_read, 0, sizeof(partly_read) / sizeof(partly_read[0]));
	tcase_add_test(tc, test_renamed_and_kind);
	tcase_add_test(tc, test_time);
	tcase_add_loop_test(tc, test_key_roundtrip, 0, sizeof(keys) / sizeof(keys[0]));
	tcase_add_test(tc, test_key_escaped);
	tcase_add_loop_test(tc, test_summary, 0, sizeof(summaries) / sizeof(summaries[0]));
	tcase_add_test(tc, test_several_rules);
	tcase_add_test(tc, test_many_tags);
	tcase_add_test(tc, test_process_and_overflow);
	suite_add_tcase(s, tc);
	return s;
}
