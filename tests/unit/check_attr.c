/*
 * The attribute registry (attr.h): the invariants every list derived from
 * attr_table[] relies on, then lookup, STANDARD, formatting and comparison
 * on known values.
 */
#include <ctype.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "imscan/attr.h"
#include "imscan/record.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The names of a set, for messages: "type,mode". Caller frees. */
static char *names_of(const struct attrset *s)
{
	struct strbuf sb;
	int a;

	strbuf_init(&sb);
	ATTRSET_FOREACH(a, s)
		strbuf_addf(&sb, "%s%s", sb.len ? "," : "", attr_name((enum attr_id)a));
	return strbuf_detach(&sb, NULL);
}

static void assert_set_eq(struct attrset got, struct attrset want)
{
	char *g = names_of(&got), *w = names_of(&want);

	ck_assert_msg(attrset_eq(&got, &want), "got {%s}, expected {%s}", g, w);
	free(g);
	free(w);
}

/* ---- registry invariants ------------------------------------------------- */

/* Every row is filled in: a name of lower-case letters, digits and '_'
 * (never ending in "_b64", the suffix of JSON's exact-bytes members), a type,
 * a printer, the kinds that have it, a help line. */
START_TEST(test_row_complete)
{
	const struct attr_info *ai = &attr_table[_i];

	ck_assert_msg(ai->name && *ai->name, "attribute %d has no name", _i);
	for (const char *p = ai->name; *p; p++)
		ck_assert_msg(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_',
			      "'%s': not lower-case letters, digits and '_'", ai->name);
	ck_assert_msg(strlen(ai->name) < 4 || strcmp(ai->name + strlen(ai->name) - 4, "_b64"),
		      "'%s': ends in _b64", ai->name);
	ck_assert_msg(ai->type == ATTR_T_INT || ai->type == ATTR_T_BYTES, "'%s': type", ai->name);
	ck_assert_msg(ai->print <= ATTR_PR_XATTRS, "'%s': printer", ai->name);
	ck_assert_msg(ai->kinds != 0, "'%s': no kind has it", ai->name);
	ck_assert_msg(ai->help && *ai->help, "'%s': no help", ai->name);
	ck_assert_msg(!(ai->flags & ~(ATTRF_STANDARD | ATTRF_NOT_DIR | ATTRF_HASH | ATTRF_INTERNAL |
				    ATTRF_PORTABLE)),
		      "'%s': unknown flag", ai->name);
	/* NOT_DIR narrows STANDARD; alone it would mean nothing. */
	if (ai->flags & ATTRF_NOT_DIR)
		ck_assert_msg(ai->flags & ATTRF_STANDARD, "'%s': NOT_DIR without STANDARD", ai->name);
}
END_TEST

START_TEST(test_names_unique)
{
	for (int a = 0; a < ATTR__COUNT; a++)
		for (int b = a + 1; b < ATTR__COUNT; b++)
			ck_assert_msg(strcmp(attr_table[a].name, attr_table[b].name) != 0,
				      "attributes %d and %d are both '%s'", a, b, attr_table[a].name);
}
END_TEST

/* The content hashes, and nothing else, carry ATTRF_HASH: every list of
 * hashes is derived from that flag. */
START_TEST(test_hash_rows)
{
	struct attrset hashes = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR__COUNT; a++) {
		if (!(attr_table[a].flags & ATTRF_HASH))
			continue;
		attrset_add(&hashes, (enum attr_id)a);
		ck_assert(attr_is_hash((enum attr_id)a));
		ck_assert_int_eq(attr_table[a].type, ATTR_T_BYTES);
		ck_assert_int_eq(attr_table[a].print, ATTR_PR_HEX);
		/* files, and the executables of processes and modules */
		ck_assert_uint_eq(attr_table[a].kinds,
				  KINDBIT(KIND_FILE) | KINDBIT(KIND_PROCESS) | KINDBIT(KIND_MODULE));
		/* a copy keeps the content */
		ck_assert_uint_eq(attr_table[a].flags, ATTRF_HASH | ATTRF_PORTABLE);
	}
	assert_set_eq(hashes, UNIT_ATTRS(ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128));
	ck_assert(!attr_is_hash(ATTR_SIZE));
	ck_assert(!attr_is_hash(ATTR_XATTRS));
}
END_TEST

/* Only the error is internal; it is on every kind and never STANDARD. */
START_TEST(test_internal_rows)
{
	struct attrset internal = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR__COUNT; a++)
		if (attr_table[a].flags & ATTRF_INTERNAL)
			attrset_add(&internal, (enum attr_id)a);
	assert_set_eq(internal, UNIT_ATTRS(ATTR_ERROR));
	ck_assert_uint_eq(attr_table[ATTR_ERROR].flags, ATTRF_INTERNAL);
	for (int k = 0; k < KIND__COUNT; k++)
		ck_assert(attr_table[ATTR_ERROR].kinds & KINDBIT(k));
}
END_TEST

/* ---- lookup --------------------------------------------------------------- */

START_TEST(test_lookup_round_trip)
{
	enum attr_id got = ATTR__COUNT;

	ck_assert_int_eq(attr_lookup(attr_name((enum attr_id)_i), &got), 0);
	ck_assert_int_eq(got, _i);
}
END_TEST

START_TEST(test_lookup_unknown)
{
	static const char *const bad[] = {
		"", "SHA256", "Sha256", "sha257", "sha", "sha2566", " type", "type ",
		"STANDARD", "-mtime", "mtim", "size\n",
	};
	enum attr_id got = ATTR_MODE;

	for (size_t i = 0; i < N(bad); i++) {
		ck_assert_msg(attr_lookup(bad[i], &got) == -1, "'%s' found", bad[i]);
		ck_assert_int_eq(got, ATTR_MODE);	/* untouched */
	}
}
END_TEST

START_TEST(test_kind_names)
{
	static const char *const names[KIND__COUNT] = {
		"file", "user", "group", "package", "port", "process", "service", "module", "mount",
	};
	enum kind k = KIND_FILE;

	for (int i = 0; i < KIND__COUNT; i++) {
		ck_assert_str_eq(kind_name((enum kind)i), names[i]);
		ck_assert_int_eq(kind_parse(names[i], &k), 0);
		ck_assert_int_eq(k, i);
	}
	ck_assert_str_eq(kind_name(KIND__COUNT), "unknown");
	ck_assert_int_eq(kind_parse("files", &k), -1);
	ck_assert_int_eq(kind_parse("File", &k), -1);
	ck_assert_int_eq(kind_parse("", &k), -1);
}
END_TEST

/* ---- STANDARD and the attributes of each file type ------------------------ */

#define FILE_STANDARD ATTR_TYPE, ATTR_MODE, ATTR_UID, ATTR_GID, ATTR_SIZE, ATTR_MTIME, \
	ATTR_CTIME, ATTR_INODE, ATTR_NLINK, ATTR_RDEV, ATTR_TARGET, ATTR_XATTRS, ATTR_ACL, \
	ATTR_CAPS, ATTR_FLAGS

static const enum attr_id hashes[] = { ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128 };

/* STANDARD for files with each hash: the STANDARD rows plus that hash. */
START_TEST(test_standard_file)
{
	struct attrset want = UNIT_ATTRS(FILE_STANDARD);

	attrset_add(&want, hashes[_i]);
	assert_set_eq(attr_standard(KIND_FILE, hashes[_i]), want);
}
END_TEST

/* Anything that is not a hash adds nothing. */
START_TEST(test_standard_file_no_hash)
{
	assert_set_eq(attr_standard(KIND_FILE, ATTR_SIZE), UNIT_ATTRS(FILE_STANDARD));
	assert_set_eq(attr_standard(KIND_FILE, ATTR_ERROR), UNIT_ATTRS(FILE_STANDARD));
}
END_TEST

/* No other kind has attributes in STANDARD yet, nor takes a hash. */
/* What each other kind compares by default: quiet on a healthy machine
 * (no pids, counts, logins or live state). */
START_TEST(test_standard_other_kinds)
{
	assert_set_eq(attr_standard(KIND_USER, ATTR_SHA256),
		      UNIT_ATTRS(ATTR_UID, ATTR_GID, ATTR_GECOS, ATTR_HOME, ATTR_SHELL, ATTR_PASSWORD,
				 ATTR_PASSWORD_STATE, ATTR_LAST_CHANGE, ATTR_MIN_DAYS, ATTR_MAX_DAYS,
				 ATTR_WARN_DAYS, ATTR_INACTIVE_DAYS, ATTR_EXPIRE, ATTR_GROUPS));
	assert_set_eq(attr_standard(KIND_GROUP, ATTR_SHA256),
		      UNIT_ATTRS(ATTR_GID, ATTR_MEMBERS, ATTR_ADMINS));
	assert_set_eq(attr_standard(KIND_PACKAGE, ATTR_SHA256),
		      UNIT_ATTRS(ATTR_VERSION, ATTR_ARCH, ATTR_STATUS, ATTR_MD5SUMS));
	assert_set_eq(attr_standard(KIND_PORT, ATTR_SHA256), UNIT_ATTRS(ATTR_EXE));
	assert_set_eq(attr_standard(KIND_PROCESS, ATTR_SHA512), UNIT_ATTRS(ATTR_SHA512, ATTR_DELETED));
	assert_set_eq(attr_standard(KIND_SERVICE, ATTR_SHA256),
		      UNIT_ATTRS(ATTR_ENABLED, ATTR_UNIT, ATTR_DROPINS, ATTR_PATH));
	assert_set_eq(attr_standard(KIND_MODULE, ATTR_SHA256),
		      UNIT_ATTRS(ATTR_SIZE, ATTR_SHA256, ATTR_PATH, ATTR_STATE, ATTR_TAINT));
	assert_set_eq(attr_standard(KIND_MOUNT, ATTR_SHA256),
		      UNIT_ATTRS(ATTR_SOURCE, ATTR_FSTYPE, ATTR_OPTIONS));
}
END_TEST

#define FILE_ALL ATTR_TYPE, ATTR_MODE, ATTR_UID, ATTR_GID, ATTR_OWNER, ATTR_GROUP, \
	ATTR_ATIME, ATTR_BTIME, ATTR_INODE, ATTR_DEVICE, ATTR_BLOCKS, ATTR_XATTRS, ATTR_ACL, \
	ATTR_CAPS, ATTR_SELINUX, ATTR_FLAGS, ATTR_ERROR
#define NOT_DIR ATTR_SIZE, ATTR_MTIME, ATTR_CTIME, ATTR_NLINK

START_TEST(test_for_type)
{
	assert_set_eq(attr_for_type(FT_REGULAR), UNIT_ATTRS(FILE_ALL, NOT_DIR, ATTR_SHA256,
						      ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128));
	assert_set_eq(attr_for_type(FT_DIR), UNIT_ATTRS(FILE_ALL));
	assert_set_eq(attr_for_type(FT_SYMLINK), UNIT_ATTRS(FILE_ALL, NOT_DIR, ATTR_TARGET));
	assert_set_eq(attr_for_type(FT_CHARDEV), UNIT_ATTRS(FILE_ALL, NOT_DIR, ATTR_RDEV));
	assert_set_eq(attr_for_type(FT_BLOCKDEV), UNIT_ATTRS(FILE_ALL, NOT_DIR, ATTR_RDEV));
	assert_set_eq(attr_for_type(FT_FIFO), UNIT_ATTRS(FILE_ALL, NOT_DIR));
	assert_set_eq(attr_for_type(FT_SOCKET), UNIT_ATTRS(FILE_ALL, NOT_DIR));
}
END_TEST

/* ---- portable comparisons (check --portable) ------------------------------- */

#define PORTABLE ATTR_TYPE, ATTR_MODE, ATTR_OWNER, ATTR_GROUP, ATTR_SIZE, ATTR_RDEV, \
	ATTR_TARGET, ATTR_XATTRS, ATTR_ACL, ATTR_CAPS, ATTR_SELINUX, ATTR_FLAGS, \
	ATTR_SHA256, ATTR_SHA512, ATTR_BLAKE2B, ATTR_XXH128

/* What a faithful copy keeps; never what a copy gets anew (inode, device,
 * ctime, ...), mtime only when asked, numbers only through names. */
START_TEST(test_portable_set)
{
	struct attrset p = attr_portable();
	int a;

	assert_set_eq(p, UNIT_ATTRS(PORTABLE));
	ATTRSET_FOREACH(a, &p) {
		ck_assert_msg(attr_table[a].kinds & KINDBIT(KIND_FILE), "'%s' is not of files",
			      attr_name((enum attr_id)a));
		ck_assert(!(attr_table[a].flags & ATTRF_INTERNAL));
	}
}
END_TEST

static void set_names(struct record *r, uint32_t uid, const char *owner, const char *group)
{
	record_set_int(r, ATTR_UID, uid);
	record_set_int(r, ATTR_GID, uid);
	if (owner)
		record_set_str(r, ATTR_OWNER, owner);
	if (group)
		record_set_str(r, ATTR_GROUP, group);
}

/* Each case: the names on each side (NULL: none), and whether the owner
 * and the group are compared by name (else by number). */
static const struct {
	const char *owner_a, *group_a, *owner_b, *group_b;
	bool by_owner, by_group;
} narrow_cases[] = {
	{ "alice", "staff", "alice", "staff", true, true },
	{ "alice", "staff", "bob", "staff", true, true },	/* compared, they differ */
	{ NULL, "staff", "alice", "staff", false, true },	/* no owner name on a side */
	{ "alice", "staff", "alice", NULL, true, false },
	{ NULL, NULL, NULL, NULL, false, false },
};

START_TEST(test_portable_narrow)
{
	struct record a, b;
	struct attrset which = attr_standard(KIND_FILE, ATTR_SHA256), p = attr_portable();
	/* no flags on either side: test_portable_flags */
	struct attrset want = UNIT_ATTRS(ATTR_TYPE, ATTR_MODE, ATTR_SIZE, ATTR_RDEV, ATTR_TARGET,
					 ATTR_XATTRS, ATTR_ACL, ATTR_CAPS, ATTR_SHA256);

	record_init(&a);
	record_init(&b);
	set_names(&a, 1000, narrow_cases[_i].owner_a, narrow_cases[_i].group_a);
	set_names(&b, 2000, narrow_cases[_i].owner_b, narrow_cases[_i].group_b);
	attrset_add(&want, narrow_cases[_i].by_owner ? ATTR_OWNER : ATTR_UID);
	attrset_add(&want, narrow_cases[_i].by_group ? ATTR_GROUP : ATTR_GID);
	assert_set_eq(attr_portable_narrow(&which, &p, &a, &b), want);
	assert_set_eq(attr_portable_narrow(&which, &p, &b, &a), want);
	record_release(&a);
	record_release(&b);
}
END_TEST

/* Flags compare as what a user can set: ext4's extents on one side only,
 * or no flags recorded on one side, is no difference; immutable is. */
START_TEST(test_portable_flags)
{
	struct record a, b;
	struct attrset which = UNIT_ATTRS(ATTR_MODE, ATTR_FLAGS), p = attr_portable();

	record_init(&a);
	record_init(&b);
	record_set_int(&a, ATTR_FLAGS, FS_EXTENT_FL | FS_INDEX_FL);
	assert_set_eq(attr_portable_narrow(&which, &p, &a, &b), UNIT_ATTRS(ATTR_MODE));
	record_set_int(&b, ATTR_FLAGS, 0);
	assert_set_eq(attr_portable_narrow(&which, &p, &a, &b), UNIT_ATTRS(ATTR_MODE));
	record_set_int(&b, ATTR_FLAGS, FS_IMMUTABLE_FL);
	assert_set_eq(attr_portable_narrow(&which, &p, &a, &b), UNIT_ATTRS(ATTR_MODE, ATTR_FLAGS));
	record_unset(&b, ATTR_FLAGS);
	record_set_int(&a, ATTR_FLAGS, FS_EXTENT_FL | FS_APPEND_FL);
	assert_set_eq(attr_portable_narrow(&which, &p, &a, &b), UNIT_ATTRS(ATTR_MODE, ATTR_FLAGS));
	record_release(&a);
	record_release(&b);
}
END_TEST

/* A rule without uid and gid compares no owner at all; one that asks for
 * mtime (--portable=mtime) gets it; a number asked for is kept beside its
 * name. */
START_TEST(test_portable_narrow_asked)
{
	struct record a, b;
	struct attrset which = UNIT_ATTRS(ATTR_MODE, ATTR_MTIME, ATTR_INODE);
	struct attrset p = attr_portable();

	record_init(&a);
	record_init(&b);
	set_names(&a, 1, "alice", "staff");
	set_names(&b, 1, "alice", "staff");
	assert_set_eq(attr_portable_narrow(&which, &p, &a, &b), UNIT_ATTRS(ATTR_MODE));
	attrset_add(&p, ATTR_MTIME);
	assert_set_eq(attr_portable_narrow(&which, &p, &a, &b), UNIT_ATTRS(ATTR_MODE, ATTR_MTIME));
	attrset_add(&which, ATTR_UID);
	attrset_add(&p, ATTR_UID);
	assert_set_eq(attr_portable_narrow(&which, &p, &a, &b),
		      UNIT_ATTRS(ATTR_MODE, ATTR_MTIME, ATTR_UID, ATTR_OWNER));
	record_release(&a);
	record_release(&b);
}
END_TEST

/* ---- formatting ------------------------------------------------------------ */

static struct record rec;

static void setup(void)
{
	record_init(&rec);
	record_set_key(&rec, KIND_FILE, "/x", 2);
}

static void teardown(void)
{
	record_release(&rec);
}

static void assert_format(enum attr_id id, const char *json, const char *text)
{
	struct strbuf sb;

	strbuf_init(&sb);
	attr_format(&sb, &rec, id, ATTR_STYLE_JSON);
	ck_assert_str_eq(sb.buf, json);
	strbuf_reset(&sb);
	attr_format(&sb, &rec, id, ATTR_STYLE_TEXT);
	ck_assert_str_eq(sb.buf, text);
	strbuf_release(&sb);
}

/* Known values of the integer attributes, one per print style and edge. */
static const struct {
	enum attr_id id;
	int64_t v;
	const char *json, *text;
} int_values[] = {
	{ ATTR_SIZE, 1234567890123LL, "1234567890123", "1234567890123" },
	{ ATTR_UID, 0, "0", "0" },
	{ ATTR_SIZE, INT64_MAX, "9223372036854775807", "9223372036854775807" },
	{ ATTR_EXPIRE, INT64_MIN, "-9223372036854775808", "-9223372036854775808" },
	{ ATTR_EXPIRE, -1, "-1", "-1" },
	{ ATTR_MODE, -1, "\"7777\"", "7777" },
	{ ATTR_MODE, 01, "\"0001\"", "0001" },
	{ ATTR_MODE, 0104755, "\"4755\"", "4755" },	/* type bits are not the mode's */
	{ ATTR_MODE, 0, "\"0000\"", "0000" },
	{ ATTR_MTIME, 1795634400123456789LL, "\"2026-11-25T19:20:00.123456789Z\"",
	  "2026-11-25T19:20:00.123456789Z" },
	{ ATTR_MTIME, 0, "\"1970-01-01T00:00:00.000000000Z\"", "1970-01-01T00:00:00.000000000Z" },
	/* Before the epoch the fraction still counts forward from the second. */
	{ ATTR_CTIME, -1, "\"1969-12-31T23:59:59.999999999Z\"", "1969-12-31T23:59:59.999999999Z" },
	{ ATTR_TYPE, FT_UNKNOWN, "\"unknown\"", "unknown" },
	{ ATTR_TYPE, FT_REGULAR, "\"regular\"", "regular" },
	{ ATTR_TYPE, FT_DIR, "\"dir\"", "dir" },
	{ ATTR_TYPE, FT_SYMLINK, "\"symlink\"", "symlink" },
	{ ATTR_TYPE, FT_FIFO, "\"fifo\"", "fifo" },
	{ ATTR_TYPE, FT_SOCKET, "\"socket\"", "socket" },
	{ ATTR_TYPE, FT_CHARDEV, "\"chardev\"", "chardev" },
	{ ATTR_TYPE, FT_BLOCKDEV, "\"blockdev\"", "blockdev" },
	{ ATTR_TYPE, 99, "\"unknown\"", "unknown" },
	{ ATTR_TYPE, -1, "\"unknown\"", "unknown" },
	{ ATTR_FLAGS, FS_IMMUTABLE_FL | FS_APPEND_FL, "\"immutable,append\"", "immutable,append" },
	{ ATTR_FLAGS, 0, "\"\"", "" },
	/* 0x100 (FS_DIRTY_FL) has no name: it is kept as a number. */
	{ ATTR_FLAGS, FS_EXTENT_FL | 0x100, "\"extents,0x100\"", "extents,0x100" },
};

START_TEST(test_format_int)
{
	record_set_int(&rec, int_values[_i].id, int_values[_i].v);
	assert_format(int_values[_i].id, int_values[_i].json, int_values[_i].text);
}
END_TEST

/* makedev() is no constant: not in the table. */
START_TEST(test_format_devno)
{
	record_set_int(&rec, ATTR_DEVICE, (int64_t)makedev(8, 1));
	assert_format(ATTR_DEVICE, "\"8:1\"", "8:1");
	record_set_int(&rec, ATTR_RDEV, (int64_t)makedev(259, 1048575));
	assert_format(ATTR_RDEV, "\"259:1048575\"", "259:1048575");
	record_set_int(&rec, ATTR_RDEV, (int64_t)makedev(4294967295u, 4294967295u));
	assert_format(ATTR_RDEV, "\"4294967295:4294967295\"", "4294967295:4294967295");
	record_set_int(&rec, ATTR_RDEV, 0);
	assert_format(ATTR_RDEV, "\"0:0\"", "0:0");
}
END_TEST

START_TEST(test_format_time_prec)
{
	struct strbuf sb;

	strbuf_init(&sb);
	attr_format_time_prec(&sb, 1795634400123456789LL, 3);
	ck_assert_str_eq(sb.buf, "2026-11-25T19:20:00.123Z");
	strbuf_reset(&sb);
	attr_format_time_prec(&sb, 1795634400123456789LL, 0);
	ck_assert_str_eq(sb.buf, "2026-11-25T19:20:00Z");
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_format_hex)
{
	static const unsigned char d[] = { 0x00, 0x01, 0xab, 0xff };

	record_set_bytes(&rec, ATTR_SHA256, d, sizeof(d));
	assert_format(ATTR_SHA256, "\"0001abff\"", "0001abff");
}
END_TEST

START_TEST(test_format_str)
{
	record_set_str(&rec, ATTR_TARGET, "../a b");
	assert_format(ATTR_TARGET, "\"../a b\"", "../a b");
	record_set_bytes(&rec, ATTR_TARGET, "q\"\\\n\033\377", 6);
	assert_format(ATTR_TARGET, "\"q\\\"\\\\\\n\\u001b\xef\xbf\xbd\"", "q\"\\\\\\n\\x1b\\xff");
}
END_TEST

START_TEST(test_format_xattrs)
{
	unsigned char v[2 * (7 + ATTR_XATTR_DIGEST_LEN)];
	size_t n = 0;

	memcpy(v + n, "user.a", 7);
	n += 7;
	for (int i = 0; i < ATTR_XATTR_DIGEST_LEN; i++)
		v[n++] = (unsigned char)i;
	memcpy(v + n, "user.b", 7);
	n += 7;
	memset(v + n, 0xff, ATTR_XATTR_DIGEST_LEN);
	n += ATTR_XATTR_DIGEST_LEN;
	record_set_bytes(&rec, ATTR_XATTRS, v, n);
	assert_format(ATTR_XATTRS,
		      "{\"user.a\":\"000102030405060708090a0b0c0d0e0f\","
		      "\"user.b\":\"ffffffffffffffffffffffffffffffff\"}",
		      "user.a=000102030405060708090a0b0c0d0e0f,"
		      "user.b=ffffffffffffffffffffffffffffffff");
	record_set_bytes(&rec, ATTR_XATTRS, "", 0);
	assert_format(ATTR_XATTRS, "{}", "");
}
END_TEST

/* A member: "name":value, and name_b64 beside a lossy string. */
START_TEST(test_json_member)
{
	struct strbuf sb;

	strbuf_init(&sb);
	record_set_int(&rec, ATTR_MODE, 0644);
	attr_json_member(&sb, &rec, ATTR_MODE);
	ck_assert_str_eq(sb.buf, "\"mode\":\"0644\"");
	strbuf_reset(&sb);
	record_set_str(&rec, ATTR_OWNER, "root");
	attr_json_member(&sb, &rec, ATTR_OWNER);
	ck_assert_str_eq(sb.buf, "\"owner\":\"root\"");
	strbuf_reset(&sb);
	record_set_bytes(&rec, ATTR_TARGET, "a\377", 2);
	attr_json_member(&sb, &rec, ATTR_TARGET);
	ck_assert_str_eq(sb.buf, "\"target\":\"a\xef\xbf\xbd\",\"target_b64\":\"Yf8=\"");
	strbuf_release(&sb);
}
END_TEST

/* ---- comparison ------------------------------------------------------------- */

START_TEST(test_equal)
{
	struct record b;

	record_init(&b);
	record_set_key(&b, KIND_FILE, "/x", 2);
	ck_assert(attr_equal(&rec, &b, ATTR_SIZE));		/* both lack it */
	record_set_int(&rec, ATTR_SIZE, 5);
	ck_assert(!attr_equal(&rec, &b, ATTR_SIZE));		/* one has it */
	ck_assert(!attr_equal(&b, &rec, ATTR_SIZE));
	record_set_int(&b, ATTR_SIZE, 5);
	ck_assert(attr_equal(&rec, &b, ATTR_SIZE));
	record_set_int(&b, ATTR_SIZE, 6);
	ck_assert(!attr_equal(&rec, &b, ATTR_SIZE));
	record_set_int(&rec, ATTR_SIZE, 0);
	record_unset(&b, ATTR_SIZE);
	ck_assert(!attr_equal(&rec, &b, ATTR_SIZE));		/* 0 is not absent */
	record_set_bytes(&rec, ATTR_TARGET, "ab", 2);
	record_set_bytes(&b, ATTR_TARGET, "ab", 2);
	ck_assert(attr_equal(&rec, &b, ATTR_TARGET));
	record_set_bytes(&b, ATTR_TARGET, "ab\0", 3);		/* a prefix is not equal */
	ck_assert(!attr_equal(&rec, &b, ATTR_TARGET));
	record_set_bytes(&b, ATTR_TARGET, "ac", 2);
	ck_assert(!attr_equal(&rec, &b, ATTR_TARGET));
	record_set_bytes(&rec, ATTR_ACL, "", 0);		/* empty is not absent */
	ck_assert(!attr_equal(&rec, &b, ATTR_ACL));
	record_release(&b);
}
END_TEST

/* attr_changed gives exactly the attributes of `which` where attr_equal is
 * false: different values, present on one side only; not those outside
 * `which`, nor those equal or absent on both. */
START_TEST(test_changed)
{
	struct record b;
	struct attrset which = UNIT_ATTRS(ATTR_TYPE, ATTR_MODE, ATTR_SIZE, ATTR_MTIME, ATTR_TARGET,
				   ATTR_XATTRS, ATTR_ACL, ATTR_SHA256, ATTR_XXH128, ATTR_ERROR);
	struct attrset none = ATTRSET_EMPTY;

	record_init(&b);
	record_set_key(&b, KIND_FILE, "/x", 2);
	assert_set_eq(attr_changed(&rec, &b, &which), none);
	record_set_int(&rec, ATTR_TYPE, FT_REGULAR);		/* equal */
	record_set_int(&b, ATTR_TYPE, FT_REGULAR);
	record_set_int(&rec, ATTR_MODE, 0644);			/* differs */
	record_set_int(&b, ATTR_MODE, 0600);
	record_set_int(&rec, ATTR_SIZE, 1);			/* old side only */
	record_set_int(&b, ATTR_MTIME, 2);			/* new side only */
	record_set_str(&rec, ATTR_TARGET, "t");			/* equal bytes */
	record_set_str(&b, ATTR_TARGET, "t");
	record_set_str(&rec, ATTR_SHA256, "aaaa");		/* differing bytes */
	record_set_str(&b, ATTR_SHA256, "aaab");
	record_set_str(&rec, ATTR_XXH128, "x");			/* differing lengths */
	record_set_str(&b, ATTR_XXH128, "xx");
	record_set_int(&rec, ATTR_UID, 0);			/* differs, not in which */
	record_set_int(&b, ATTR_UID, 1);
	assert_set_eq(attr_changed(&rec, &b, &which),
		      UNIT_ATTRS(ATTR_MODE, ATTR_SIZE, ATTR_MTIME, ATTR_SHA256, ATTR_XXH128));
	assert_set_eq(attr_changed(&b, &rec, &which),
		      UNIT_ATTRS(ATTR_MODE, ATTR_SIZE, ATTR_MTIME, ATTR_SHA256, ATTR_XXH128));
	for (int a = 0; a < ATTR__COUNT; a++) {
		struct attrset one = ATTRSET_EMPTY, got;

		attrset_add(&one, (enum attr_id)a);
		got = attr_changed(&rec, &b, &one);
		ck_assert_msg(attrset_has(&got, (enum attr_id)a) == !attr_equal(&rec, &b, (enum attr_id)a),
			      "'%s': attr_changed and attr_equal disagree", attr_name((enum attr_id)a));
	}
	assert_set_eq(attr_changed(&rec, &b, &none), none);
	record_release(&b);
}
END_TEST

Suite *make_attr_suite(void)
{
	Suite *s = suite_create("attr");
	TCase *reg = tcase_create("registry");
	TCase *fmt = tcase_create("format");

	tcase_add_loop_test(reg, test_row_complete, 0, ATTR__COUNT);
	tcase_add_test(reg, test_names_unique);
	tcase_add_test(reg, test_hash_rows);
	tcase_add_test(reg, test_internal_rows);
	tcase_add_loop_test(reg, test_lookup_round_trip, 0, ATTR__COUNT);
	tcase_add_test(reg, test_lookup_unknown);
	tcase_add_test(reg, test_kind_names);
	tcase_add_loop_test(reg, test_standard_file, 0, N(hashes));
	tcase_add_test(reg, test_standard_file_no_hash);
	tcase_add_test(reg, test_standard_other_kinds);
	tcase_add_test(reg, test_for_type);
	tcase_add_test(reg, test_portable_set);
	tcase_add_loop_test(reg, test_portable_narrow, 0, N(narrow_cases));
	tcase_add_test(reg, test_portable_narrow_asked);
	tcase_add_test(reg, test_portable_flags);
	suite_add_tcase(s, reg);
	tcase_add_checked_fixture(fmt, setup, teardown);
	tcase_add_loop_test(fmt, test_format_int, 0, N(int_values));
	tcase_add_test(fmt, test_format_devno);
	tcase_add_test(fmt, test_format_time_prec);
	tcase_add_test(fmt, test_format_hex);
	tcase_add_test(fmt, test_format_str);
	tcase_add_test(fmt, test_format_xattrs);
	tcase_add_test(fmt, test_json_member);
	tcase_add_test(fmt, test_equal);
	tcase_add_test(fmt, test_changed);
	suite_add_tcase(s, fmt);
	return s;
}
