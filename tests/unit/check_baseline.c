#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "imscan/baseline.h"
#include "imscan/error.h"
#include "imscan/imdb.h"
#include "imscan/xalloc.h"
#include "unit.h"

#define T0 1764098400123456789LL	/* 2025-11-25T19:20:00.123456789Z */

static const unsigned char gzip_head[10] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03
};

/* ---- helpers ------------------------------------------------------------- */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static char *path_in(const char *dir, const char *rel)
{
	char *p = xmalloc(strlen(dir) + strlen(rel) + 2);

	sprintf(p, "%s/%s", dir, rel);
	return p;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, k;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = xrealloc(buf, cap);
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k);
	fclose(f);
	*len = n;
	return buf;
}

static void spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* gzip exactly as imscan does; name (FNAME) only to build a bad file. */
static void gzip_to(const char *path, const void *p, size_t n, const char *name)
{
	z_stream zs;
	gz_header gz;
	unsigned char *out;
	uLong bound;

	memset(&zs, 0, sizeof(zs));
	memset(&gz, 0, sizeof(gz));
	gz.os = 3;
	gz.name = (Bytef *)name;
	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	ck_assert_int_eq(deflateSetHeader(&zs, &gz), Z_OK);
	bound = deflateBound(&zs, n) + 64;
	out = xmalloc(bound);
	zs.next_in = (Bytef *)p;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)bound;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	spit(path, out, zs.total_out);
	deflateEnd(&zs);
	free(out);
}

static void gunzip(const char *path, struct strbuf *out)
{
	size_t n;
	unsigned char *in = slurp(path, &n), buf[4096];
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = in;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		ret = inflate(&zs, Z_NO_FLUSH);
		ck_assert(ret == Z_OK || ret == Z_STREAM_END);
		strbuf_add(out, buf, sizeof(buf) - zs.avail_out);
	} while (ret != Z_STREAM_END);
	inflateEnd(&zs);
	free(in);
}

static const char good_json[] =
	"{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	"\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\","
	"\"rules\":[{\"entities\":[{},{},{},{},{},{},{},{}]}]}";

/* A payload built by hand: preamble with any version and header. */
static void pl_begin(struct strbuf *sb, uint32_t version, const char *json, uint32_t hlen)
{
	unsigned char le[4];

	strbuf_add(sb, "\x89IMDB\r\n\x1a\n", 9);
	for (int i = 0; i < 4; i++)
		le[i] = (unsigned char)(version >> (8 * i));
	strbuf_add(sb, le, 4);
	for (int i = 0; i < 4; i++)
		le[i] = (unsigned char)(hlen >> (8 * i));
	strbuf_add(sb, le, 4);
	strbuf_adds(sb, json);
}

/* 'E', count and the right digest (or a wrong one). */
static void pl_end(struct strbuf *sb, uint64_t count, int bad_digest)
{
	unsigned char d[32];

	strbuf_addc(sb, 'E');
	for (int i = 0; i < 8; i++)
		strbuf_addc(sb, (char)(count >> (8 * i)));
	crypto_generichash(d, sizeof(d), (const unsigned char *)sb->buf, sb->len, NULL, 0);
	if (bad_digest)
		d[7] ^= 0x10;
	strbuf_add(sb, d, sizeof(d));
}

static void set_file(struct record *r, const char *key, int i)
{
	unsigned char h[32];

	record_reset(r);
	record_set_key(r, KIND_FILE, key, strlen(key));
	record_set_int(r, ATTR_TYPE, FT_REGULAR);
	record_set_int(r, ATTR_MODE, 0644);
	record_set_int(r, ATTR_UID, 0);
	record_set_int(r, ATTR_GID, i % 3);
	record_set_int(r, ATTR_SIZE, 1000 + i * 37);
	record_set_int(r, ATTR_MTIME, T0 - i * 1000003LL);
	record_set_int(r, ATTR_CTIME, T0 + i);
	record_set_int(r, ATTR_INODE, 131072 + i);
	record_set_int(r, ATTR_NLINK, 1);
	for (size_t k = 0; k < sizeof(h); k++)
		h[k] = (unsigned char)(i * 31 + k * 7);
	record_set_bytes(r, ATTR_SHA256, h, sizeof(h));
	record_add_entity(r, 0);
	if (i % 5 == 0)
		record_add_entity(r, 3);
}

static void check_same(const struct record *a, const struct record *b)
{
	int id;

	ck_assert_int_eq(a->kind, b->kind);
	ck_assert_uint_eq(a->keylen, b->keylen);
	ck_assert(!memcmp(record_key(a), record_key(b), a->keylen));
	ck_assert(attrset_eq(&a->present, &b->present));
	ATTRSET_FOREACH(id, &a->present)
		ck_assert_msg(attr_equal(a, b, (enum attr_id)id), "attribute %s differs",
			      attr_name((enum attr_id)id));
	ck_assert_uint_eq(a->nents, b->nents);
	for (uint32_t i = 0; i < a->nents; i++)
		ck_assert_uint_eq(a->ents[i], b->ents[i]);
}

static struct baseline_spec test_header(void)
{
	struct baseline_spec h = { 0 };

	h.created = T0;
	h.host = "web1";
	h.root = "/";
	h.hash = ATTR_SHA256;
	h.tool = "imscan 0.1.0";
	/* Eight entities: the records below name indexes 0 to 7. */
	h.rules_json = "[{\"id\": \"1\", \"entities\": [ {\"type\":\"file\"} ] },"
		       " {\"id\": \"2\", \"entities\": [ {}, {}, {}, {}, {}, {}, {} ] }]";
	return h;
}

/* A small baseline of n files, optionally signed. */
static void write_small(const char *path, int n, const unsigned char *sk)
{
	struct baseline_spec h = test_header();
	struct baseline_writer *w;
	struct record r;
	char key[64];

	record_init(&r);
	ck_assert_msg(baseline_writer_open(&w, path, &h) == 0, "%s", error_last());
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "/etc/f%03d", i);
		set_file(&r, key, i);
		ck_assert_msg(baseline_writer_add(w, &r) == 0, "%s", error_last());
	}
	ck_assert_msg(baseline_writer_commit(w, sk) == 0, "%s", error_last());
	record_release(&r);
}

/* Opening path fails with exactly "'<path>': <what>". */
static void expect_refused(const char *path, const unsigned char *pk, const char *what)
{
	struct baseline_reader *br = (struct baseline_reader *)&br;
	struct baseline_header h;
	char want[4096];

	error_clear();
	ck_assert_int_eq(baseline_reader_open(&br, path, pk, &h), -1);
	ck_assert_ptr_null(br);
	ck_assert_ptr_null(h.host);
	ck_assert_ptr_null(h.rules_json);
	snprintf(want, sizeof(want), "'%s': %s", path, what);
	ck_assert_str_eq(error_last(), want);
}

static void expect_ok(const char *path, const unsigned char *pk, uint64_t count)
{
	struct baseline_reader *br;
	struct baseline_header h;
	const struct record *r;
	uint64_t n = 0;
	int rc;

	ck_assert_msg(baseline_reader_open(&br, path, pk, &h) == 0, "%s", error_last());
	while ((rc = baseline_reader_next(br, &r)) > 0)
		n++;
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(n, count);
	ck_assert_uint_eq(baseline_reader_count(br), count);
	baseline_reader_close(br);
	baseline_header_release(&h);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* ---- record encoding ----------------------------------------------------- */

/* A sequence that exercises every attribute, odd keys and entities. */
static void make_odd_records(struct record *rs, size_t n)
{
	static char longkey[6000];

	ck_assert_uint_ge(n, 6);
	for (size_t i = 0; i < n; i++)
		record_init(&rs[i]);
	/* 1: every attribute, extreme integers, binary values */
	record_set_key(&rs[0], KIND_FILE, "/", 1);
	for (int a = 0; a < ATTR__COUNT; a++) {
		enum attr_id id = (enum attr_id)a;

		if (attr_table[id].type == ATTR_T_INT)
			record_set_int(&rs[0], id, a % 2 ? INT64_MIN + a : INT64_MAX - a);
		else
			record_set_bytes(&rs[0], id, "\0\xff\x01 v", (size_t)(a % 6));
	}
	for (uint32_t e = 0; e < 40; e++)
		record_add_entity(&rs[0], e * e * 1000);
	/* 2: every byte 0x01..0xff in the key */
	{
		char k[256];

		k[0] = '/';
		for (int b = 1; b < 256; b++)
			k[b] = (char)b;
		record_set_key(&rs[1], KIND_FILE, k, 256);
		record_set_int(&rs[1], ATTR_MTIME, -1);
		record_set_int(&rs[1], ATTR_CTIME, 0);
		record_add_entity(&rs[1], UINT32_MAX);
	}
	/* 3: a key longer than PATH_MAX that shares a prefix with 2 */
	memset(longkey, 'z', sizeof(longkey));
	memcpy(longkey, "/\x01\x02\x03", 4);
	record_set_key(&rs[2], KIND_FILE, longkey, sizeof(longkey));
	record_set_str(&rs[2], ATTR_TARGET, "../x");
	/* 4: an embedded NUL, and no attributes or entities at all */
	record_set_key(&rs[3], KIND_FILE, "/\x02\0x", 4);
	/* 5, 6: other kinds, with attributes the previous record lacks */
	record_set_key(&rs[4], KIND_USER, "root", 4);
	record_set_int(&rs[4], ATTR_UID, 0);
	record_add_entity(&rs[4], 0);
	record_set_key(&rs[5], KIND_USER, "rootless", 8);
	record_set_int(&rs[5], ATTR_UID, 1000);
	record_set_str(&rs[5], ATTR_ERROR, "");
	for (size_t i = 6; i < n; i++) {
		char k[32];

		snprintf(k, sizeof(k), "tcp/0.0.0.0/%zu", 1000 + i);
		record_set_key(&rs[i], KIND_PORT, k, strlen(k));
		record_set_int(&rs[i], ATTR_INODE, (int64_t)(rnd() >> (rnd() % 64)));
	}
}

START_TEST(test_record_roundtrip)
{
	struct record rs[12], got[2];
	size_t n = sizeof(rs) / sizeof(rs[0]);
	struct strbuf sb;

	rnd_state = 88172645463325252ULL;
	make_odd_records(rs, n);
	record_init(&got[0]);
	record_init(&got[1]);
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++) {
		const struct record *prev = i ? &rs[i - 1] : NULL;
		struct record *g = &got[i % 2];
		long k;

		strbuf_reset(&sb);
		record_encode(&sb, &rs[i], prev);
		ck_assert_int_eq(sb.buf[0], 'R');
		k = record_decode((const unsigned char *)sb.buf, sb.len, prev, g);
		ck_assert_msg(k == (long)sb.len, "record %zu: %ld of %zu: %s", i, k, sb.len,
			      error_last());
		check_same(&rs[i], g);
		/* Every proper prefix asks for more input. */
		for (size_t cut = 0; cut < sb.len; cut += 1 + cut / 64)
			ck_assert_int_eq(record_decode((const unsigned char *)sb.buf, cut,
						       prev, g), 0);
	}
	for (size_t i = 0; i < n; i++)
		record_release(&rs[i]);
	record_release(&got[0]);
	record_release(&got[1]);
	strbuf_release(&sb);
}
END_TEST

static const struct {
	const char *name;
	const char *bytes;
	size_t len;
	int with_prev;		/* prev = file "/m" */
	const char *msg;
} bad_records[] = {
	{ "tag", "X\x00\x00\x01/\x00\x00\x00", 8, 0, "unknown tag 0x58" },
	{ "kind", "R\x09\x00\x01/\x00\x00\x00", 8, 0, "unknown kind 9" },
	{ "overlong varint", "R\x80\x00\x00\x01/\x00\x00\x00", 9, 0, "overlong varint" },
	{ "11-byte varint", "R\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 14, 0,
	  "varint longer than 64 bits" },
	{ "largest varint", "R\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 13, 0,
	  "key length 18446744073709551615 exceeds the limit of 1048576 bytes" },
	{ "varint overflow", "R\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 13, 0,
	  "varint longer than 64 bits" },
	{ "prefix", "R\x00\x01\x01/\x00\x00\x00", 8, 0,
	  "key prefix of 1 bytes is longer than the previous key (0 bytes)" },
	{ "empty key", "R\x00\x00\x00\x00\x00\x00", 7, 0, "empty key" },
	{ "huge key", "R\x00\x00\x80\x80\x80\x80\x80\x80\x01", 10, 0,
	  "key length 4398046511104 exceeds the limit of 1048576 bytes" },
	{ "key just over", "R\x00\x00\x81\x80\x40", 6, 0,
	  "key length 1048577 exceeds the limit of 1048576 bytes" },
	{ "entities", "R\x00\x00\x01/\x03\x05\x01\x00\x00\x00", 11, 0,
	  "entity indexes not ascending" },
	{ "entity range", "R\x00\x00\x01/\x02\x05\xff\xff\xff\xff\x0f\x00\x00", 14, 0,
	  "entity index out of range" },
	{ "entity count", "R\x00\x00\x01/\x81\x80\x04", 8, 0,
	  "65537 entity indexes exceed the limit of 65536" },
	{ "attribute id", "R\x00\x00\x01/\x00\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01\x00",
	  17, 0, "unknown attribute id 63" },
	{ "attribute id high", "R\x00\x00\x01/\x00\x00\x01", 8, 0, "unknown attribute id 64" },
	{ "value length", "R\x00\x00\x01/\x00\x80\x80\x04\x00\x81\x80\x40", 13, 0,
	  "attribute \"target\": length 1048577 exceeds the limit of 1048576 bytes" },
	{ "out of order", "R\x00\x01\x01" "a\x00\x00\x00", 8, 1, "out of order" },
	{ "duplicate", "R\x00\x02\x00\x00\x00\x00", 7, 1, "out of order" },
	{ "kind goes back", "R\x00\x01\x01z\x00\x00\x00", 8, 2, "out of order" },
	{ "short prefix", "R\x00\x01\x01m\x00\x00\x00", 8, 1,
	  "key prefix is not the longest shared one" },
};

START_TEST(test_record_decode_refuses)
{
	struct record prev, r;
	const struct record *p = NULL;
	long k;

	record_init(&prev);
	record_init(&r);
	if (bad_records[_i].with_prev) {
		record_set_key(&prev, bad_records[_i].with_prev == 2 ? KIND_USER : KIND_FILE,
			       "/m", 2);
		p = &prev;
	}
	error_clear();
	k = record_decode((const unsigned char *)bad_records[_i].bytes, bad_records[_i].len,
			  p, &r);
	ck_assert_msg(k == -1, "%s: got %ld", bad_records[_i].name, k);
	ck_assert_str_eq(error_last(), bad_records[_i].msg);
	record_release(&prev);
	record_release(&r);
}
END_TEST

/*
 * '/' sorts before NUL (record.h): "/a/b" then "/a\0b" reads back, the other
 * order and a repeated key are refused, by the reader as by the writer.
 */
static long decode_after(const char *prevkey, size_t plen, const char *key, size_t klen)
{
	struct record prev, r, got;
	struct strbuf sb;
	long k;

	record_init(&prev);
	record_init(&r);
	record_init(&got);
	strbuf_init(&sb);
	record_set_key(&prev, KIND_FILE, prevkey, plen);
	record_set_key(&r, KIND_FILE, key, klen);
	record_encode(&sb, &r, &prev);
	error_clear();
	k = record_decode((const unsigned char *)sb.buf, sb.len, &prev, &got);
	if (k > 0)
		ck_assert(got.keylen == klen && !memcmp(record_key(&got), key, klen));
	strbuf_release(&sb);
	record_release(&prev);
	record_release(&r);
	record_release(&got);
	return k;
}

START_TEST(test_order_slash_nul)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb");
	struct baseline_spec h = test_header();
	struct baseline_writer *w;
	struct record r;

	ck_assert_int_gt(decode_after("/a/b", 4, "/a\0b", 4), 0);
	ck_assert_int_eq(decode_after("/a\0b", 4, "/a/b", 4), -1);
	ck_assert_str_eq(error_last(), "out of order");
	ck_assert_int_eq(decode_after("/a\0b", 4, "/a\0b", 4), -1);
	ck_assert_str_eq(error_last(), "out of order");
	ck_assert_int_eq(decode_after("/a/b", 4, "/a/b", 4), -1);
	ck_assert_str_eq(error_last(), "out of order");

	record_init(&r);
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	set_file(&r, "/a", 1);
	record_set_key(&r, KIND_FILE, "/a\0b", 4);
	ck_assert_int_eq(baseline_writer_add(w, &r), 0);
	set_file(&r, "/a/b", 2);
	ck_assert_int_eq(baseline_writer_add(w, &r), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "records out of order"));
	baseline_writer_abort(w);
	record_release(&r);
	unit_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/* ---- write and read ------------------------------------------------------ */

static void make_many(struct record *r, int i)
{
	char key[64];

	if (i < 3000) {
		/* "/dNN" then its files: the order key_cmp wants. */
		if (i % 101 == 0) {
			snprintf(key, sizeof(key), "/d%02d", i / 101);
			record_reset(r);
			record_set_key(r, KIND_FILE, key, strlen(key));
			record_set_int(r, ATTR_TYPE, FT_DIR);
			record_set_int(r, ATTR_MODE, 0755);
			record_add_entity(r, 1);
			return;
		}
		snprintf(key, sizeof(key), "/d%02d/file-%03d", i / 101, i % 101);
		set_file(r, key, i);
		if (i % 7 == 0)
			record_set_str(r, ATTR_TARGET, "some/where");
		return;
	}
	snprintf(key, sizeof(key), "user%04d", i);
	record_reset(r);
	record_set_key(r, KIND_USER, key, strlen(key));
	record_set_int(r, ATTR_UID, i);
	record_add_entity(r, 7);
}

START_TEST(test_roundtrip_many)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb");
	struct baseline_spec h = test_header();
	struct baseline_header got;
	struct baseline_writer *w;
	struct baseline_reader *br;
	const struct record *r;
	struct record want;
	int n = 3500, i = 0, rc;

	record_init(&want);
	ck_assert_msg(baseline_writer_open(&w, path, &h) == 0, "%s", error_last());
	for (int k = 0; k < n; k++) {
		make_many(&want, k);
		ck_assert_msg(baseline_writer_add(w, &want) == 0, "%s", error_last());
	}
	ck_assert_msg(baseline_writer_commit(w, NULL) == 0, "%s", error_last());

	ck_assert_msg(baseline_reader_open(&br, path, NULL, &got) == 0, "%s", error_last());
	ck_assert_uint_eq(baseline_reader_count(br), (uint64_t)n);
	ck_assert_int_eq(baseline_reader_signed(br), 0);
	while ((rc = baseline_reader_next(br, &r)) > 0) {
		make_many(&want, i++);
		check_same(&want, r);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(i, n);
	ck_assert_int_eq(baseline_reader_next(br, &r), 0);
	baseline_reader_close(br);
	baseline_header_release(&got);

	/* The same through a recstream. */
	ck_assert_int_eq(baseline_reader_open(&br, path, NULL, &got), 0);
	{
		struct recstream s = baseline_reader_stream(br);

		i = 0;
		while ((rc = s.next(s.self, &r)) > 0)
			i++;
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(i, n);
	}
	baseline_reader_close(br);
	baseline_header_release(&got);
	record_release(&want);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_roundtrip_empty)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb");

	write_small(path, 0, NULL);
	expect_ok(path, NULL, 0);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_header_fields)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb");
	struct baseline_spec h = test_header();
	struct baseline_header got;
	struct baseline_writer *w;
	struct baseline_reader *br;
	struct strbuf raw;
	const char *json, *want;

	h.host = "h\xc3\xa9st\"";
	h.root = "/img/r\xff";
	h.hash = ATTR_BLAKE2B;
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	ck_assert_int_eq(baseline_writer_commit(w, NULL), 0);
	ck_assert_msg(baseline_reader_open(&br, path, NULL, &got) == 0, "%s", error_last());
	ck_assert(got.created == T0);
	ck_assert_str_eq(got.host, h.host);
	ck_assert_str_eq(got.root, h.root);
	ck_assert_int_eq(got.hash, ATTR_BLAKE2B);
	ck_assert_str_eq(got.tool, "imscan 0.1.0");
	ck_assert_str_eq(got.rules_json, "[{\"id\":\"1\",\"entities\":[{\"type\":\"file\"}]},"
			 "{\"id\":\"2\",\"entities\":[{},{},{},{},{},{},{}]}]");
	ck_assert_uint_eq(got.nentities, 8);
	baseline_reader_close(br);
	baseline_header_release(&got);
	ck_assert_ptr_null(got.host);

	/* The JSON as stored: rules embedded as an array, not a string. */
	strbuf_init(&raw);
	gunzip(path, &raw);
	ck_assert_uint_gt(raw.len, 17);
	ck_assert(!memcmp(raw.buf, "\x89IMDB\r\n\x1a\n\x01\0\0\0", 13));
	json = raw.buf + 17;
	want = "{\"format\":1,\"created\":\"2025-11-25T19:20:00.123456789Z\","
	       "\"host\":\"h\xc3\xa9st\\\"\",\"root\":\"/img/r\xff\",\"hash\":\"blake2b\","
	       "\"tool\":\"imscan 0.1.0\",\"rules\":[{\"id\":\"1\",\"entities\":"
	       "[{\"type\":\"file\"}]},{\"id\":\"2\",\"entities\":[{},{},{},{},{},{},{}]}]}";
	ck_assert_uint_eq(raw.len, 17 + strlen(want) + 1 + 8 + 32);
	ck_assert(!memcmp(json, want, strlen(want)));
	strbuf_release(&raw);

	/* Defaults: no tool, no rules, and a time before 1970. */
	h = test_header();
	h.tool = NULL;
	h.rules_json = NULL;
	h.host = NULL;
	h.created = -1;
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	ck_assert_int_eq(baseline_writer_commit(w, NULL), 0);
	ck_assert_int_eq(baseline_reader_open(&br, path, NULL, &got), 0);
	ck_assert_str_eq(got.tool, "imscan " IMSCAN_VERSION);
	ck_assert_str_eq(got.rules_json, "[]");
	ck_assert_str_eq(got.host, "");
	ck_assert(got.created == -1);
	baseline_reader_close(br);
	baseline_header_release(&got);

	/* What the writer refuses before touching anything. */
	h = test_header();
	h.rules_json = "{\"id\":1}";
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), -1);
	h = test_header();
	h.hash = ATTR_SIZE;
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), -1);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* The digest key: written in hex when there is one, read back as it was. */
START_TEST(test_header_key)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb");
	struct baseline_spec h = test_header();
	struct baseline_header got;
	unsigned char key[BASELINE_KEY_LEN];
	struct baseline_writer *w;
	struct baseline_reader *br;
	struct strbuf raw;
	const char *want = "\"tool\":\"imscan 0.1.0\",\"digest_key\":"
			   "\"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\","
			   "\"rules\":";

	for (int i = 0; i < BASELINE_KEY_LEN; i++)
		key[i] = (unsigned char)(0xa0 + i);
	h.digest_key = key;
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	ck_assert_int_eq(baseline_writer_commit(w, NULL), 0);
	ck_assert_msg(baseline_reader_open(&br, path, NULL, &got) == 0, "%s", error_last());
	ck_assert(got.has_digest_key);
	ck_assert(!memcmp(got.digest_key, key, BASELINE_KEY_LEN));
	baseline_reader_close(br);
	baseline_header_release(&got);
	ck_assert(!got.has_digest_key && !got.digest_key[0]);
	strbuf_init(&raw);
	gunzip(path, &raw);
	ck_assert_ptr_nonnull(memmem(raw.buf, raw.len, want, strlen(want)));
	strbuf_release(&raw);

	h.digest_key = NULL;
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	ck_assert_int_eq(baseline_writer_commit(w, NULL), 0);
	ck_assert_int_eq(baseline_reader_open(&br, path, NULL, &got), 0);
	ck_assert(!got.has_digest_key);
	baseline_reader_close(br);
	baseline_header_release(&got);
	strbuf_init(&raw);
	gunzip(path, &raw);
	ck_assert_ptr_null(memmem(raw.buf, raw.len, "digest_key", 10));
	strbuf_release(&raw);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_gzip_header)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), cmd[4096];
	unsigned char *buf;
	size_t n;
	struct stat st;

	umask(022);
	write_small(path, 5, NULL);
	buf = slurp(path, &n);
	ck_assert_uint_gt(n, 18);
	ck_assert(!memcmp(buf, gzip_head, sizeof(gzip_head)));
	free(buf);
	snprintf(cmd, sizeof(cmd), "zcat '%s' > /dev/null", path);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* The result, the lock file and nothing else. */
	ck_assert_int_eq(count_entries(dir), 2);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_creates_directories)
{
	char *dir = unit_tmpdir(), *sub = path_in(dir, "a/b"), *path = path_in(dir, "a/b/c.imdb");
	struct stat st;

	write_small(path, 1, NULL);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	expect_ok(path, NULL, 1);
	free(sub);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_lock)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), want[4096];
	struct baseline_spec h = test_header();
	struct baseline_writer *w1, *w2;

	ck_assert_int_eq(baseline_writer_open(&w1, path, &h), 0);
	ck_assert_int_eq(baseline_writer_open(&w2, path, &h), -1);
	ck_assert_ptr_null(w2);
	snprintf(want, sizeof(want),
		 "'%s' is locked by another process (pid %ld, lock file '%s.lock')",
		 path, (long)getpid(), path);
	ck_assert_str_eq(error_last(), want);
	ck_assert_int_eq(baseline_writer_commit(w1, NULL), 0);
	/* Released on commit; the lock file stays, stale pid and all. */
	ck_assert_int_eq(baseline_writer_open(&w2, path, &h), 0);
	baseline_writer_abort(w2);
	ck_assert_int_eq(baseline_writer_open(&w2, path, &h), 0);
	baseline_writer_abort(w2);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* The 3-record baseline at path is byte for byte before (freed here),
 * and beside its lock nothing is left in dir: no temporary file. */
static void assert_left_as_it_was(const char *dir, const char *path, unsigned char *before,
				  size_t n1)
{
	size_t n2;
	unsigned char *after = slurp(path, &n2);

	ck_assert_uint_eq(n1, n2);
	ck_assert(!memcmp(before, after, n1));
	ck_assert_int_eq(count_entries(dir), 2);
	expect_ok(path, NULL, 3);
	free(before);
	free(after);
}

START_TEST(test_abort_keeps_old)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb");
	struct baseline_spec h = test_header();
	struct baseline_writer *w;
	struct record r;
	unsigned char *before;
	size_t n1;

	write_small(path, 3, NULL);
	before = slurp(path, &n1);
	record_init(&r);
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	set_file(&r, "/x", 1);
	ck_assert_int_eq(baseline_writer_add(w, &r), 0);
	ck_assert_int_eq(count_entries(dir), 3);	/* with the temporary file */
	baseline_writer_abort(w);
	assert_left_as_it_was(dir, path, before, n1);
	record_release(&r);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* A temporary file that something else wrote to (a stray descriptor on
 * it, as fd 2 once was when imscan ran with fds 0-2 closed) is never
 * renamed into place: the commit fails and the old baseline stays. */
START_TEST(test_foreign_bytes_refused)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), want[4096];
	struct baseline_spec h = test_header();
	struct baseline_writer *w;
	struct record r;
	unsigned char *before;
	size_t n1;
	struct dirent *de;
	DIR *d;
	int fd = -1;

	write_small(path, 3, NULL);
	before = slurp(path, &n1);
	record_init(&r);
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	set_file(&r, "/x", 1);
	ck_assert_int_eq(baseline_writer_add(w, &r), 0);
	/* The writer's own descriptor, as a stray fd 2 would share it. */
	ck_assert_ptr_nonnull(d = opendir("/proc/self/fd"));
	while ((de = readdir(d))) {
		char link[4096];
		ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);

		if (n > 0 && (link[n] = '\0', !strncmp(link, path, strlen(path))) &&
		    link[strlen(path)] == '.' && !strstr(link, ".lock"))
			fd = atoi(de->d_name);
	}
	closedir(d);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "imscan: warning: x\n", 19), 19);
	ck_assert_int_eq(baseline_writer_commit(w, NULL), -1);
	snprintf(want, sizeof(want), "'%s': '%s.", path, path);
	ck_assert_msg(!strncmp(error_last(), want, strlen(want)), "%s", error_last());
	ck_assert_msg(strstr(error_last(), "something else wrote to it; not renamed into place"),
		      "%s", error_last());
	assert_left_as_it_was(dir, path, before, n1);
	record_release(&r);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_writer_refuses)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), want[4096];
	struct baseline_spec h = test_header();
	struct baseline_writer *w;
	struct record r;
	char *big = xmalloc(BASELINE_MAX_FIELD + 1);

	record_init(&r);
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	set_file(&r, "/b", 1);
	ck_assert_int_eq(baseline_writer_add(w, &r), 0);
	set_file(&r, "/a", 2);
	ck_assert_int_eq(baseline_writer_add(w, &r), -1);
	snprintf(want, sizeof(want),
		 "'%s': records out of order: file \"/a\" after file \"/b\"", path);
	ck_assert_str_eq(error_last(), want);
	/* The writer is dead now: commit fails the same way, nothing lands. */
	ck_assert_int_eq(baseline_writer_commit(w, NULL), -1);
	ck_assert_str_eq(error_last(), want);
	ck_assert_int_eq(count_entries(dir), 1);

	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	memset(big, 'k', BASELINE_MAX_FIELD + 1);
	big[0] = '/';
	record_reset(&r);
	record_set_key(&r, KIND_FILE, big, BASELINE_MAX_FIELD + 1);
	ck_assert_int_eq(baseline_writer_add(w, &r), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), ": key too long"));
	baseline_writer_abort(w);

	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	record_reset(&r);
	record_set_key(&r, KIND_FILE, "", 0);
	ck_assert_int_eq(baseline_writer_add(w, &r), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), ": empty key"));
	baseline_writer_abort(w);
	ck_assert_int_eq(count_entries(dir), 1);
	record_release(&r);
	free(big);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* A write error (EFBIG here, ENOSPC on a full disk) leaves the old file. */
START_TEST(test_write_error)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), want[4096];
	struct baseline_spec h = test_header();
	struct baseline_writer *w;
	struct record r;
	unsigned char *before, *after, hash[32];
	size_t n1, n2;
	struct rlimit old, lim;
	int rc = 0, i;

	write_small(path, 3, NULL);
	before = slurp(path, &n1);
	record_init(&r);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 8192;
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	rnd_state = 1;
	for (i = 0; i < 20000 && rc == 0; i++) {
		char key[32];

		snprintf(key, sizeof(key), "/f%06d", i);
		set_file(&r, key, i);
		for (size_t k = 0; k < sizeof(hash); k++)
			hash[k] = (unsigned char)rnd();
		record_set_bytes(&r, ATTR_SHA256, hash, sizeof(hash));
		rc = baseline_writer_add(w, &r);
	}
	if (rc == 0)
		rc = baseline_writer_commit(w, NULL);
	else
		baseline_writer_abort(w);
	ck_assert_int_eq(rc, -1);
	snprintf(want, sizeof(want), "'%s': write failed: %s", path, strerror(EFBIG));
	ck_assert_str_eq(error_last(), want);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	after = slurp(path, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert(!memcmp(before, after, n1));
	ck_assert_int_eq(count_entries(dir), 2);
	record_release(&r);
	free(before);
	free(after);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* check --update: a reader keeps its file while a writer replaces it. */
START_TEST(test_replace_while_reading)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb");
	struct baseline_reader *br;
	struct baseline_header h;
	const struct record *r;
	int n = 0, rc;

	write_small(path, 4, NULL);
	ck_assert_int_eq(baseline_reader_open(&br, path, NULL, &h), 0);
	write_small(path, 9, NULL);
	while ((rc = baseline_reader_next(br, &r)) > 0)
		n++;
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(n, 4);
	baseline_reader_close(br);
	baseline_header_release(&h);
	expect_ok(path, NULL, 9);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* n files with random (incompressible) hashes from seed. */
static void write_random(const char *path, int n, uint64_t seed)
{
	struct baseline_spec h = test_header();
	struct baseline_writer *w;
	struct record r;
	unsigned char hash[32];
	char key[32];

	record_init(&r);
	rnd_state = seed;
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "/f%06d", i);
		set_file(&r, key, i);
		for (size_t k = 0; k < sizeof(hash); k++)
			hash[k] = (unsigned char)rnd();
		record_set_bytes(&r, ATTR_SHA256, hash, sizeof(hash));
		ck_assert_int_eq(baseline_writer_add(w, &r), 0);
	}
	ck_assert_int_eq(baseline_writer_commit(w, NULL), 0);
	record_release(&r);
}

/* Rewritten in place after verification: the second pass must notice. */
START_TEST(test_changed_in_place)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), *other = path_in(dir, "o.imdb");
	char want[4096];
	struct baseline_reader *br;
	struct baseline_header h;
	const struct record *r;
	unsigned char *buf;
	size_t n;
	int rc, fd;

	write_random(path, 4000, 1);
	write_random(other, 4000, 2);
	buf = slurp(other, &n);
	ck_assert_uint_gt(n, 2 * 65536);	/* more than one read() of it */
	ck_assert_int_eq(baseline_reader_open(&br, path, NULL, &h), 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
	while ((rc = baseline_reader_next(br, &r)) > 0)
		;
	ck_assert_int_eq(rc, -1);
	snprintf(want, sizeof(want), "'%s': changed while being read", path);
	ck_assert_str_eq(error_last(), want);
	/* And it stays failed. */
	error_clear();
	ck_assert_int_eq(baseline_reader_next(br, &r), -1);
	ck_assert_str_eq(error_last(), want);
	baseline_reader_close(br);
	baseline_header_release(&h);
	free(buf);
	free(other);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * Opened asynchronously: a good file yields every record and verifies; a
 * file whose last byte of digest was flipped fails the wait and the
 * stream with the verifier's message, not "changed while being read";
 * so does one with a record broken half-way; and a reader closed early
 * stops its verifier (leak and thread checkers watch that one).
 */
static void async_expect(const char *path, uint64_t count, const char *what)
{
	struct baseline_reader *br;
	struct baseline_header h;
	const struct record *r;
	char want[4096];
	uint64_t n = 0;
	int rc;

	ck_assert_msg(baseline_reader_open_async(&br, path, NULL, &h) == 0, "%s", error_last());
	ck_assert_ptr_nonnull(h.rules_json);
	while ((rc = baseline_reader_next(br, &r)) > 0)
		n++;
	if (!what) {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(n, count);
		ck_assert_int_eq(baseline_reader_wait(br), 0);
		ck_assert_uint_eq(baseline_reader_count(br), count);
	} else {
		snprintf(want, sizeof(want), "'%s': %s", path, what);
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(error_last(), want);
		ck_assert_uint_lt(n, count + 1);
		error_clear();
		ck_assert_int_eq(baseline_reader_wait(br), -1);
		ck_assert_str_eq(error_last(), want);
		ck_assert_int_eq(baseline_reader_next(br, &r), -1);
	}
	baseline_reader_close(br);
	baseline_header_release(&h);
}

START_TEST(test_async)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), *bad = path_in(dir, "bad");
	char want[4096];
	struct baseline_reader *br;
	struct baseline_header h;
	const struct record *r;
	struct strbuf pl;

	write_random(path, 4000, 3);
	async_expect(path, 4000, NULL);

	strbuf_init(&pl);
	gunzip(path, &pl);
	pl.buf[pl.len - 1] ^= 1;
	gzip_to(bad, pl.buf, pl.len, NULL);
	async_expect(bad, 4000, "digest mismatch (corrupted or tampered)");
	pl.buf[pl.len - 1] ^= 1;
	/* Cut in the middle of the records. */
	gzip_to(bad, pl.buf, pl.len / 2, NULL);
	async_expect(bad, 4000, "corrupted record 1999: data ends inside it");
	strbuf_release(&pl);

	ck_assert_int_eq(baseline_reader_open_async(&br, path, NULL, &h), 0);
	ck_assert_int_eq(baseline_reader_next(br, &r), 1);
	baseline_reader_close(br);
	baseline_header_release(&h);

	/* In two steps (check confines itself in between): a reader whose
	 * verifier never started is never taken as verified. */
	ck_assert_int_eq(baseline_reader_open_header(&br, path, &h), 0);
	ck_assert_str_eq(h.host, "web1");
	ck_assert_int_eq(baseline_reader_wait(br), -1);
	snprintf(want, sizeof(want), "'%s': not verified", path);
	ck_assert_str_eq(error_last(), want);
	baseline_reader_close(br);	/* closing an unstarted reader is fine */
	baseline_header_release(&h);
	ck_assert_int_eq(baseline_reader_open_header(&br, path, &h), 0);
	ck_assert_int_eq(baseline_reader_start(br, NULL), 0);
	ck_assert_int_eq(baseline_reader_next(br, &r), 1);
	ck_assert_int_eq(baseline_reader_wait(br), 0);
	ck_assert_uint_eq(baseline_reader_count(br), 4000);
	baseline_reader_close(br);
	baseline_header_release(&h);
	free(bad);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* ---- what the reader refuses --------------------------------------------- */

START_TEST(test_truncated_everywhere)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), *cut = path_in(dir, "cut");
	unsigned char *buf;
	size_t n;

	write_small(path, 3, NULL);
	buf = slurp(path, &n);
	for (size_t len = 0; len < n; len++) {
		spit(cut, buf, len);
		expect_refused(cut, NULL, "truncated");
	}
	spit(cut, buf, n);
	expect_ok(cut, NULL, 3);
	free(buf);
	free(cut);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_bitflip_everywhere)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "b.imdb"), *bad = path_in(dir, "bad");
	unsigned char *buf, sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	size_t n, prefix = strlen(bad) + 4;
	struct baseline_reader *br;
	struct baseline_header h;
	int padding = 0;

	ck_assert_int_eq(sodium_init() < 0, 0);
	crypto_sign_keypair(pk, sk);
	/* Unsigned and signed: two different endings of the deflate stream. */
	for (int signd = 0; signd < 2; signd++) {
		write_small(path, 3, signd ? sk : NULL);
		buf = slurp(path, &n);
		for (size_t off = 0; off < n; off++) {
			for (int bit = 0; bit < 8; bit++) {
				buf[off] ^= (unsigned char)(1u << bit);
				spit(bad, buf, n);
				buf[off] ^= (unsigned char)(1u << bit);
				error_clear();
				ck_assert_msg(baseline_reader_open(&br, bad, NULL, &h) == -1,
					      "flip at %zu bit %d accepted", off, bit);
				ck_assert_msg(strlen(error_last()) > prefix &&
					      !strncmp(error_last(), "'", 1) &&
					      strstr(error_last(), bad) == error_last() + 1,
					      "flip at %zu bit %d: %s", off, bit, error_last());
				if (strstr(error_last(), "nonzero padding"))
					padding++;
			}
		}
		spit(bad, buf, n);
		expect_ok(bad, signd ? pk : NULL, 3);
		free(buf);
	}
	/* zlib itself ignores those bits: the reader's own check is tested. */
	ck_assert_int_gt(padding, 0);
	sodium_memzero(sk, sizeof(sk));
	free(bad);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * Records that name no entity, or one beyond the header's rules, are
 * refused by the reader (show printed "rules":[] for them, and check
 * accepted a record with none) and by the writer.
 */
START_TEST(test_entity_index_refused)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "x.imdb"), want[4096];
	struct baseline_spec h = test_header();
	struct baseline_writer *w;
	struct strbuf sb;
	struct record a;

	strbuf_init(&sb);
	record_init(&a);
	set_file(&a, "/a", 1);
	record_reset(&a);
	record_set_key(&a, KIND_FILE, "/a", 2);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	record_encode(&sb, &a, NULL);
	pl_end(&sb, 1, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted record 1: no entity index");

	record_add_entity(&a, 8);	/* good_json's rules have 8 entities: 0-7 */
	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	record_encode(&sb, &a, NULL);
	pl_end(&sb, 1, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL,
		       "corrupted record 1: entity index 8 out of range (the rules have 8 entities)");

	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	ck_assert_int_eq(baseline_writer_add(w, &a), -1);
	snprintf(want, sizeof(want), "'%s': cannot write record file \"/a\": "
		 "entity index out of range", path);
	ck_assert_str_eq(error_last(), want);
	baseline_writer_abort(w);
	record_reset(&a);
	record_set_key(&a, KIND_FILE, "/a", 2);
	ck_assert_int_eq(baseline_writer_open(&w, path, &h), 0);
	ck_assert_int_eq(baseline_writer_add(w, &a), -1);
	snprintf(want, sizeof(want), "'%s': cannot write record file \"/a\": "
		 "no entity index", path);
	ck_assert_str_eq(error_last(), want);
	baseline_writer_abort(w);
	record_release(&a);
	strbuf_release(&sb);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* Hand-made files: each refused for its own reason, with its message. */
START_TEST(test_refused_cases)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "x.imdb"), json[512];
	struct strbuf sb;
	struct record a, b;

	strbuf_init(&sb);
	record_init(&a);
	record_init(&b);

	/* The reference: a hand-made file that is fine. */
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_ok(path, NULL, 0);

	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	sb.buf[4] = 'X';
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "not an imscan baseline");

	strbuf_reset(&sb);
	pl_begin(&sb, 7, good_json, sizeof(good_json) - 1);
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "unsupported version 7 (this imscan reads version 1)");

	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, 0xffffffffu);
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL,
		       "bad header: length 4294967295 exceeds the limit of 16777216 bytes");

	/* Declared longer than what follows: the stream ends inside it. */
	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, 1u << 20);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted (data ends inside the header)");

	/* A key of 2^40 bytes. */
	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	strbuf_add(&sb, "R\x00\x00\x80\x80\x80\x80\x80\x20", 9);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted record 1: key length 1099511627776 "
		       "exceeds the limit of 1048576 bytes");

	/* Out of order, but otherwise perfect (even the digest is right). */
	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	set_file(&a, "/b", 1);
	set_file(&b, "/a", 2);
	record_encode(&sb, &a, NULL);
	record_encode(&sb, &b, &a);
	pl_end(&sb, 2, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted record 2: out of order");

	/* A record changed and recompressed: only the digest can tell. */
	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	record_encode(&sb, &b, NULL);
	record_encode(&sb, &a, &b);
	pl_end(&sb, 2, 1);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "digest mismatch (corrupted or tampered)");

	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	record_encode(&sb, &b, NULL);
	pl_end(&sb, 2, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted (the trailer counts 2 records, the file holds 1)");

	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted (data ends before the trailer)");

	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	strbuf_adds(&sb, "Z");
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted record 1: unknown tag 0x5a");

	/* After the trailer: junk, a short signature, a long one. */
	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	pl_end(&sb, 0, 0);
	strbuf_adds(&sb, "x");
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted (unexpected data after the trailer)");
	strbuf_setlen(&sb, sb.len - 1);
	strbuf_addc(&sb, 'S');
	for (int i = 0; i < 63; i++)
		strbuf_addc(&sb, 's');
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted (data ends inside the signature)");
	strbuf_addc(&sb, 's');
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_ok(path, NULL, 0);	/* shape only: no key to verify it with */
	strbuf_addc(&sb, 's');
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "corrupted (unexpected data after the signature)");

	/* Not gzip at all, an empty file, a directory, a FIFO. */
	spit(path, "hello world, this is text", 25);
	expect_refused(path, NULL, "not an imscan baseline (not gzip)");
	spit(path, "", 0);
	expect_refused(path, NULL, "truncated");
	expect_refused(dir, NULL, "not a regular file");
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	expect_refused(path, NULL, "not a regular file");
	unlink(path);

	/* A gzip member with a file name in its header. */
	strbuf_reset(&sb);
	pl_begin(&sb, 1, good_json, sizeof(good_json) - 1);
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, "baseline.imdb");
	expect_refused(path, NULL, "not an imscan baseline (unexpected gzip header)");

	/* Trailing garbage, and a second gzip member. */
	{
		size_t n;
		unsigned char *buf;

		gzip_to(path, sb.buf, sb.len, NULL);
		buf = slurp(path, &n);
		buf = xrealloc(buf, 2 * n);
		memcpy(buf + n, "\0", 1);
		spit(path, buf, n + 1);
		expect_refused(path, NULL, "trailing data after the gzip stream");
		memcpy(buf + n, buf, n);
		spit(path, buf, 2 * n);
		expect_refused(path, NULL, "trailing data after the gzip stream");
		free(buf);
	}

	/* A header that is not JSON, or not an object. */
	strbuf_reset(&sb);
	pl_begin(&sb, 1, "[1]", 3);
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "bad header: not a JSON object");
	snprintf(json, sizeof(json), "%s ", good_json);
	strbuf_reset(&sb);
	pl_begin(&sb, 1, json, (uint32_t)strlen(json));
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	expect_refused(path, NULL, "bad header: not a JSON object");

	record_release(&a);
	record_release(&b);
	strbuf_release(&sb);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

#define KEY64_SHORT "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
#define KEY64 KEY64_SHORT "ef"
#define KEY64_UPPER "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"

static const struct {
	const char *json;
	const char *msg;	/* NULL: accepted */
} headers[] = {
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha512\",\"tool\":\"t\",\"rules\":[],\"x-note\":{}}", NULL },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"tool\":\"t\",\"rules\":[]}", "field \"hash\": missing" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"md5\",\"tool\":\"t\",\"rules\":[]}",
	  "field \"hash\": unknown hash \"md5\"" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"size\",\"tool\":\"t\",\"rules\":[]}",
	  "field \"hash\": unknown hash \"size\"" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":256,\"tool\":\"t\",\"rules\":[]}",
	  "field \"hash\": not a string" },
	{ "{\"format\":2,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"rules\":[]}",
	  "field \"format\": not 1" },
	{ "{\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"rules\":[]}",
	  "field \"format\": missing" },
	{ "{\"format\":1,\"created\":\"2026-02-30T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"rules\":[]}",
	  "field \"created\": not a UTC time like 2026-11-25T19:20:00.123456789Z" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"rules\":[]}",
	  "field \"created\": not a UTC time like 2026-11-25T19:20:00.123456789Z" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":null,"
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"rules\":[]}",
	  "field \"host\": not a string" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"rules\":\"[]\"}",
	  "field \"rules\": not an array" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\"}",
	  "field \"rules\": missing" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"rules\":[],\"note\":1}",
	  "field \"note\": unknown field" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"host\":\"h2\",\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"rules\":[]}",
	  "field \"host\": duplicate field" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"digest_key\":\"" KEY64 "\","
	  "\"rules\":[]}", NULL },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"digest_key\":\"" KEY64 "0\","
	  "\"rules\":[]}", "field \"digest_key\": not 64 lower-case hex digits" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"digest_key\":\"" KEY64_SHORT "\","
	  "\"rules\":[]}", "field \"digest_key\": not 64 lower-case hex digits" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"digest_key\":\"" KEY64_UPPER "\","
	  "\"rules\":[]}", "field \"digest_key\": not 64 lower-case hex digits" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"digest_key\":\"" KEY64_SHORT "xy\","
	  "\"rules\":[]}", "field \"digest_key\": not 64 lower-case hex digits" },
	{ "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\",\"host\":\"h\","
	  "\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\",\"digest_key\":32,"
	  "\"rules\":[]}", "field \"digest_key\": not a string" },
};

START_TEST(test_header_refused)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "x.imdb"), want[256];
	struct strbuf sb;

	strbuf_init(&sb);
	pl_begin(&sb, 1, headers[_i].json, (uint32_t)strlen(headers[_i].json));
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	if (headers[_i].msg) {
		snprintf(want, sizeof(want), "bad header: %s", headers[_i].msg);
		expect_refused(path, NULL, want);
	} else {
		expect_ok(path, NULL, 0);
	}
	strbuf_release(&sb);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * A header of 160,000 members (about 2 MB): the duplicate test was
 * quadratic (43 s). Read in well under the tcase's timeout, both with the
 * duplicate at the very end and with none.
 */
static void many_members(const char *path, size_t n, const char *last)
{
	struct strbuf js, sb;

	strbuf_init(&js);
	strbuf_init(&sb);
	strbuf_adds(&js, "{\"format\":1,\"created\":\"2026-01-02T03:04:05.000000006Z\","
		    "\"host\":\"h\",\"root\":\"/\",\"hash\":\"sha256\",\"tool\":\"t\","
		    "\"rules\":[]");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&js, ",\"x-%zu\":0", i);
	strbuf_addf(&js, "%s}", last);
	pl_begin(&sb, 1, js.buf, (uint32_t)js.len);
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	strbuf_release(&sb);
	strbuf_release(&js);
}

START_TEST(test_header_many_members)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "m.imdb");

	many_members(path, 160000, ",\"x-7\":1");
	expect_refused(path, NULL, "bad header: field \"x-7\": duplicate field");
	many_members(path, 160000, "");
	expect_ok(path, NULL, 0);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

/* The work, not the time: comparisons stay within n log2 n bounds. */
START_TEST(test_first_duplicate_work)
{
	size_t n = 160000, cmps, lg = 0;
	char **names = xcalloc(n, sizeof(*names));
	static const char *const few[] = { "a", "b", "c", "b", "a" };

	for (size_t i = 0; i < n; i++) {
		names[i] = xmalloc(16);
		snprintf(names[i], 16, "x-%zu", (i * 7919) % n);
	}
	for (size_t k = n; k > 1; k >>= 1)
		lg++;
	ck_assert_uint_eq(imdb_first_duplicate((const char *const *)names, n, &cmps), n);
	ck_assert_msg(cmps <= 2 * n * (lg + 1), "%zu comparisons for %zu names", cmps, n);
	strcpy(names[n - 1], names[5]);
	ck_assert_uint_eq(imdb_first_duplicate((const char *const *)names, n, &cmps), n - 1);
	ck_assert_msg(cmps <= 2 * n * (lg + 1), "%zu comparisons for %zu names", cmps, n);
	/* The first member that repeats an earlier one, not the first name. */
	ck_assert_uint_eq(imdb_first_duplicate(few, 5, &cmps), 3);
	ck_assert_uint_eq(imdb_first_duplicate(few, 0, &cmps), 0);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
END_TEST

/* The optional header member "origin" and what the reader refuses in it. */
static const struct {
	const char *origin, *msg;
} origins[] = {
	{ "{\"rules\":\"recommended\",\"params\":[]}", NULL },
	{ "{\"rules\":\"paths\",\"paths\":[{\"given\":\"r\",\"absolute\":\"/r\"}],"
	  "\"params\":[\"a=b\"]}", NULL },
	{ "[]", "not an object" },
	{ "{\"rules\":\"all\",\"params\":[]}", "\"rules\" is not \"paths\" or \"recommended\"" },
	{ "{\"rules\":\"recommended\"}", "unexpected members" },
	{ "{\"rules\":\"recommended\",\"params\":[],\"x\":1}", "unexpected members" },
	{ "{\"rules\":\"recommended\",\"paths\":[],\"params\":[]}", "unexpected members" },
	{ "{\"rules\":\"paths\",\"params\":[],\"p\":[]}", "unexpected members" },
	{ "{\"rules\":\"paths\",\"paths\":[],\"params\":[]}",
	  "\"paths\" is not a non-empty array" },
	{ "{\"rules\":\"paths\",\"paths\":[{\"given\":\"r\",\"absolute\":\"r\"}],\"params\":[]}",
	  "a path is not {\"given\":...,\"absolute\":\"/...\"}" },
	{ "{\"rules\":\"paths\",\"paths\":[{\"given\":\"\",\"absolute\":\"/r\"}],\"params\":[]}",
	  "a path is not {\"given\":...,\"absolute\":\"/...\"}" },
	{ "{\"rules\":\"recommended\",\"params\":{}}", "\"params\" is not an array" },
	{ "{\"rules\":\"recommended\",\"params\":[\"ab\"]}", "a param is not \"NAME=VALUE\"" },
	{ "{\"rules\":\"recommended\",\"params\":[\"=b\"]}", "a param is not \"NAME=VALUE\"" },
	{ "{\"rules\":\"recommended\",\"params\":[1]}", "a param is not \"NAME=VALUE\"" },
};

START_TEST(test_origin_refused)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "o.imdb"), want[512];
	struct strbuf js, sb;

	strbuf_init(&js);
	strbuf_init(&sb);
	strbuf_add(&js, good_json, sizeof(good_json) - 2);	/* without the '}' */
	strbuf_addf(&js, ",\"origin\":%s}", origins[_i].origin);
	pl_begin(&sb, 1, js.buf, (uint32_t)js.len);
	pl_end(&sb, 0, 0);
	gzip_to(path, sb.buf, sb.len, NULL);
	if (origins[_i].msg) {
		snprintf(want, sizeof(want), "bad header: field \"origin\": %s", origins[_i].msg);
		expect_refused(path, NULL, want);
	} else {
		expect_ok(path, NULL, 0);
	}
	strbuf_release(&sb);
	strbuf_release(&js);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_signature)
{
	char *dir = unit_tmpdir(), *path = path_in(dir, "s.imdb"), *plain = path_in(dir, "p.imdb");
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk2[crypto_sign_SECRETKEYBYTES], pk2[crypto_sign_PUBLICKEYBYTES];
	struct baseline_reader *br;
	struct baseline_header h;

	ck_assert_int_eq(sodium_init() < 0, 0);
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	write_small(path, 4, sk);
	write_small(plain, 4, NULL);
	expect_ok(path, pk, 4);
	expect_ok(path, NULL, 4);
	ck_assert_int_eq(baseline_reader_open(&br, path, NULL, &h), 0);
	ck_assert_int_eq(baseline_reader_signed(br), 1);
	baseline_reader_close(br);
	baseline_header_release(&h);
	expect_refused(path, pk2, "bad signature");
	expect_refused(plain, pk, "not signed");
	expect_ok(plain, NULL, 4);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sk2, sizeof(sk2));
	free(plain);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

Suite *make_baseline_suite(void)
{
	Suite *s = suite_create("baseline");
	TCase *rec = tcase_create("record");
	TCase *file = tcase_create("file");
	TCase *bad = tcase_create("refused");
	TCase *big = tcase_create("large header");

	tcase_add_test(rec, test_record_roundtrip);
	tcase_add_loop_test(rec, test_record_decode_refuses, 0,
			    sizeof(bad_records) / sizeof(bad_records[0]));
	tcase_add_test(rec, test_order_slash_nul);
	suite_add_tcase(s, rec);

	tcase_add_test(file, test_roundtrip_many);
	tcase_add_test(file, test_roundtrip_empty);
	tcase_add_test(file, test_header_fields);
	tcase_add_test(file, test_header_key);
	tcase_add_test(file, test_gzip_header);
	tcase_add_test(file, test_creates_directories);
	tcase_add_test(file, test_lock);
	tcase_add_test(file, test_abort_keeps_old);
	tcase_add_test(file, test_foreign_bytes_refused);
	tcase_add_test(file, test_writer_refuses);
	tcase_add_test(file, test_write_error);
	tcase_add_test(file, test_replace_while_reading);
	tcase_add_test(file, test_changed_in_place);
	tcase_add_test(file, test_async);
	tcase_add_test(file, test_signature);
	suite_add_tcase(s, file);

	tcase_set_timeout(bad, 30);
	tcase_add_test(bad, test_truncated_everywhere);
	tcase_add_test(bad, test_bitflip_everywhere);
	tcase_add_test(bad, test_refused_cases);
	tcase_add_loop_test(bad, test_header_refused, 0, sizeof(headers) / sizeof(headers[0]));
	tcase_add_test(bad, test_first_duplicate_work);
	tcase_add_test(bad, test_entity_index_refused);
	tcase_add_loop_test(bad, test_origin_refused, 0, sizeof(origins) / sizeof(origins[0]));
	/* 43 s with the quadratic test; well under a second now. */
	tcase_set_timeout(big, 10);
	tcase_add_test(big, test_header_many_members);
	suite_add_tcase(s, big);
	suite_add_tcase(s, bad);
	return s;
}
