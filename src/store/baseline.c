/*
 * baseline.c - the .imdb reader and writer (format: imscan-baseline(5)).
 *
 * The writer streams records through deflate into a temporary file next to
 * the baseline and renames it over the old one only once everything is on
 * disk. The reader makes two passes over the same descriptor: the first
 * decodes and checks every byte, the second yields records and must see
 * the same bytes. The first runs on a thread of its own, so that a check
 * can scan while the file is verified; callers wait for it before they
 * act on a record (baseline_reader_wait).
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "imscan/baseline.h"
#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/xalloc.h"

#ifndef IMSCAN_VERSION
#define IMSCAN_VERSION "0.1.0"
#endif

_Static_assert(ATTR__COUNT <= 128, "the attribute set is stored as two 64-bit words");

#define MAGIC		"\x89IMDB\r\n\x1a\n"
#define MAGIC_LEN	9
#define PREAMBLE_LEN	(MAGIC_LEN + 4 + 4)
#define DIGEST_LEN	32
#define SIG_LEN		64
#define TAG_RECORD	'R'
#define TAG_END		'E'
#define TAG_SIG		'S'
#define IOBUF		(64u << 10)
#define WIN_START	(256u << 10)
#define WIN_ROOM	(4u << 10)
#define VARINT_MAX	10

/*
 * The largest record the bounds allow: a key, every attribute at its
 * longest, every entity index at ten bytes. The reader's window never
 * grows past this (or the largest header), whatever the file claims.
 */
#define RECORD_MAX	(1 + 5 * VARINT_MAX + (size_t)BASELINE_MAX_FIELD + \
			 (size_t)BASELINE_MAX_ENTS * VARINT_MAX + \
			 (size_t)ATTR__COUNT * (VARINT_MAX + BASELINE_MAX_FIELD))
#define WIN_MAX		(RECORD_MAX > PREAMBLE_LEN + BASELINE_MAX_HEADER ? \
			 RECORD_MAX : PREAMBLE_LEN + BASELINE_MAX_HEADER)

/*
 * The 10 bytes zlib writes for a gz_header that is all zero but os = 3
 * at level 6: no flags, no mtime, XFL 0 (zlib sets 2 only for level 9 and
 * 4 only for levels below 2). The reader accepts nothing else.
 */
static const unsigned char gzip_head[10] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03
};

static const char *const header_fields[] = {
	"format", "created", "host", "root", "hash", "tool", "digest_key", "rules",
};

/* ---- shared helpers ------------------------------------------------------ */

/*
 * libsodium declares its hash state 64-byte aligned; the structs that
 * embed one must be allocated with that alignment.
 */
static void *alloc_aligned(size_t size)
{
	void *p;

	if (posix_memalign(&p, 64, size)) {
		fprintf(stderr, "imscan: out of memory allocating %zu bytes\n", size);
		abort();
	}
	memset(p, 0, size);
	return p;
}

static void put_varint(struct strbuf *sb, uint64_t v)
{
	unsigned char b[VARINT_MAX];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (unsigned char)v;
	strbuf_add(sb, b, n);
}

static void put_le(unsigned char *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t zigzag(uint64_t d)
{
	return (d << 1) ^ (0 - (d >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

/* Two's complement without relying on implementation-defined conversion. */
static int64_t to_int64(uint64_t u)
{
	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/*
 * Integers are stored as differences from the previous record's value:
 * neighbours in a directory were mostly installed together, so their
 * times and inode numbers are close and the varints short (about 6%
 * smaller files on a real /usr than absolute values).
 */
static uint64_t int_base(const struct record *prev, enum attr_id a)
{
	return prev && record_has(prev, a) ? (uint64_t)record_int(prev, a) : 0;
}

static struct attrset known_attrs(void)
{
	struct attrset s = ATTRSET_EMPTY;

	for (int a = 0; a < ATTR__COUNT; a++)
		attrset_add(&s, (enum attr_id)a);
	return s;
}

/* ---- record encoding ----------------------------------------------------- */

void record_encode(struct strbuf *out, const struct record *r, const struct record *prev)
{
	const unsigned char *key = (const unsigned char *)record_key(r);
	size_t plen = 0;
	uint32_t last = 0;
	int a;

	if (prev) {
		const unsigned char *pk = (const unsigned char *)record_key(prev);
		size_t n = prev->keylen < r->keylen ? prev->keylen : r->keylen;

		while (plen < n && pk[plen] == key[plen])
			plen++;
	}
	strbuf_addc(out, TAG_RECORD);
	put_varint(out, (uint64_t)r->kind);
	put_varint(out, plen);
	put_varint(out, r->keylen - plen);
	strbuf_add(out, key + plen, r->keylen - plen);
	put_varint(out, r->nents);
	for (uint32_t i = 0; i < r->nents; i++) {
		put_varint(out, r->ents[i] - last);
		last = r->ents[i];
	}
	put_varint(out, r->present.w[0]);
	put_varint(out, r->present.w[1]);
	ATTRSET_FOREACH(a, &r->present) {
		enum attr_id id = (enum attr_id)a;

		if (attr_table[id].type == ATTR_T_INT) {
			put_varint(out, zigzag((uint64_t)record_int(r, id) - int_base(prev, id)));
		} else {
			size_t len;
			const unsigned char *p = record_bytes(r, id, &len);

			put_varint(out, len);
			strbuf_add(out, p, len);
		}
	}
}

struct cursor {
	const unsigned char *p, *end;
};

/* 1 and *v, 0 if the input ends inside the varint, -1 if it is invalid. */
static int get_varint(struct cursor *c, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < VARINT_MAX; i++) {
		unsigned b;

		if (c->p + i >= c->end)
			return 0;
		b = c->p[i];
		/* The tenth byte holds bit 63 only, and ends the varint. */
		if (i == VARINT_MAX - 1 && b > 1)
			return error("varint longer than 64 bits");
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			/* One encoding per value: no trailing zero groups. */
			if (!b && i)
				return error("overlong varint");
			c->p += i + 1;
			*v = x;
			return 1;
		}
	}
	return error("varint longer than 64 bits");	/* not reached */
}

static long decode(const unsigned char *p, size_t n, const struct record *prev,
		   struct record *r, struct strbuf *keybuf)
{
	struct cursor c = { p, p + n };
	struct attrset valid = known_attrs(), set;
	uint64_t kind, plen, slen, nents, v, last = 0;
	uint32_t pklen = prev ? prev->keylen : 0;
	const unsigned char *pk = prev ? (const unsigned char *)record_key(prev) : NULL;
	int rc, a;

#define GET(x) do { if ((rc = get_varint(&c, &(x))) <= 0) return rc; } while (0)
#define NEED(len) do { if ((size_t)(c.end - c.p) < (len)) return 0; } while (0)

	NEED(1);
	if (*c.p != TAG_RECORD)
		return error("unknown tag 0x%02x", *c.p);
	c.p++;
	GET(kind);
	if (kind >= KIND__COUNT)
		return error("unknown kind %" PRIu64, kind);
	GET(plen);
	if (plen > pklen)
		return error("key prefix of %" PRIu64 " bytes is longer than the previous key"
			     " (%" PRIu32 " bytes)", plen, pklen);
	GET(slen);
	if (plen > BASELINE_MAX_FIELD || slen > BASELINE_MAX_FIELD - plen)
		return error("key length %" PRIu64 " exceeds the limit of %u bytes",
			     slen > UINT64_MAX - plen ? UINT64_MAX : plen + slen,
			     BASELINE_MAX_FIELD);
	if (!plen && !slen)
		return error("empty key");
	NEED(slen);
	/* The writer always shares the longest prefix: one encoding per key. */
	if (plen < pklen && slen && c.p[0] == pk[plen])
		return error("key prefix is not the longest shared one");
	strbuf_reset(keybuf);
	if (plen)
		strbuf_add(keybuf, pk, plen);
	strbuf_add(keybuf, c.p, slen);
	c.p += slen;
	record_reset(r);
	record_set_key(r, (enum kind)kind, keybuf->buf, keybuf->len);
	if (prev && record_cmp(prev, r) >= 0)
		return error("out of order");

	GET(nents);
	if (nents > BASELINE_MAX_ENTS)
		return error("%" PRIu64 " entity indexes exceed the limit of %u",
			     nents, BASELINE_MAX_ENTS);
	for (uint64_t i = 0; i < nents; i++) {
		GET(v);
		if (i && !v)
			return error("entity indexes not ascending");
		if (v > UINT32_MAX - last)
			return error("entity index out of range");
		last += v;
		record_add_entity(r, (uint32_t)last);
	}

	GET(set.w[0]);
	GET(set.w[1]);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t bad = set.w[i] & ~valid.w[i];

		if (bad)
			return error("unknown attribute id %u",
				     64 * i + (unsigned)__builtin_ctzll(bad));
	}
	ATTRSET_FOREACH(a, &set) {
		enum attr_id id = (enum attr_id)a;

		GET(v);
		if (attr_table[id].type == ATTR_T_INT) {
			record_set_int(r, id, to_int64(int_base(prev, id) + unzigzag(v)));
			continue;
		}
		if (v > BASELINE_MAX_FIELD)
			return error("attribute \"%s\": length %" PRIu64
				     " exceeds the limit of %u bytes",
				     attr_name(id), v, BASELINE_MAX_FIELD);
		NEED(v);
		record_set_bytes(r, id, c.p, v);
		c.p += v;
	}
#undef GET
#undef NEED
	return (long)(c.p - p);
}

long record_decode(const unsigned char *p, size_t n, const struct record *prev,
		   struct record *r)
{
	struct strbuf kb;
	long k;

	strbuf_init(&kb);
	k = decode(p, n, prev, r, &kb);
	strbuf_release(&kb);
	return k;
}

/* ---- header -------------------------------------------------------------- */

void baseline_header_release(struct baseline_header *h)
{
	free(h->host);
	free(h->root);
	free(h->tool);
	free(h->rules_json);
	sodium_memzero(h, sizeof(*h));
}

/* "2026-11-25T19:20:00.123456789Z" into buf (at least 64 bytes). */
static int format_created(char *buf, size_t size, int64_t ns)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	time_t t;
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return -1;
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
	return 0;
}

static int parse_digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = 10 * v + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * Parses exactly what format_created() prints. The result is formatted
 * again and compared, which refuses Feb 30, leap seconds and any other
 * spelling of the same instant.
 */
static int parse_created(const char *s, int64_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";
	struct tm tm = { 0 };
	int year = 0, mon = 0, day = 0, frac = 0;
	char again[64];
	time_t t;
	int64_t ns;

	if (strlen(s) != sizeof(shape) - 1)
		return -1;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return -1;
	parse_digits(s, 4, &year);
	parse_digits(s + 5, 2, &mon);
	parse_digits(s + 8, 2, &day);
	parse_digits(s + 11, 2, &tm.tm_hour);
	parse_digits(s + 14, 2, &tm.tm_min);
	parse_digits(s + 17, 2, &tm.tm_sec);
	parse_digits(s + 20, 9, &frac);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	t = timegm(&tm);
	if (__builtin_mul_overflow((int64_t)t, (int64_t)1000000000, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)frac, &ns))
		return -1;
	if (format_created(again, sizeof(again), ns) < 0 || strcmp(again, s))
		return -1;
	*out = ns;
	return 0;
}

/* The header JSON for h, or NULL with a message (caller frees). */
static char *header_json(const char *path, const struct baseline_header *h)
{
	cJSON *o = NULL, *rules = NULL;
	char when[64], *text = NULL, key[2 * BASELINE_KEY_LEN + 1];
	const char *rj = h->rules_json ? h->rules_json : "[]";

	sodium_bin2hex(key, sizeof(key), h->digest_key, sizeof(h->digest_key));

	if (!((unsigned)h->hash < ATTR__COUNT && attr_is_hash(h->hash))) {
		error("'%s': cannot write: hash %d is not a content hash", path, (int)h->hash);
		return NULL;
	}
	if (format_created(when, sizeof(when), h->created) < 0) {
		error("'%s': cannot write: creation time %" PRId64 " out of range",
		      path, h->created);
		return NULL;
	}
	rules = cJSON_ParseWithOpts(rj, NULL, 1);
	if (!cJSON_IsArray(rules)) {
		error("'%s': cannot write: the rules are not a JSON array", path);
		goto cleanup;
	}
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddNumberToObject(o, "format", BASELINE_VERSION) ||
	    !cJSON_AddStringToObject(o, "created", when) ||
	    !cJSON_AddStringToObject(o, "host", h->host ? h->host : "") ||
	    !cJSON_AddStringToObject(o, "root", h->root ? h->root : "") ||
	    !cJSON_AddStringToObject(o, "hash", attr_name(h->hash)) ||
	    !cJSON_AddStringToObject(o, "tool", h->tool ? h->tool : "imscan " IMSCAN_VERSION) ||
	    (h->has_digest_key && !cJSON_AddStringToObject(o, "digest_key", key)) ||
	    !cJSON_AddItemToObject(o, "rules", rules)) {
		error("'%s': cannot write: out of memory", path);
		goto cleanup;
	}
	rules = NULL;	/* owned by o now */
	text = cJSON_PrintUnformatted(o);
	if (!text)
		error("'%s': cannot write: out of memory", path);
	else if (strlen(text) > BASELINE_MAX_HEADER) {
		error("'%s': cannot write: header of %zu bytes exceeds the limit of %u",
		      path, strlen(text), BASELINE_MAX_HEADER);
		free(text);
		text = NULL;
	}
cleanup:
	cJSON_Delete(rules);
	cJSON_Delete(o);
	sodium_memzero(key, sizeof(key));
	return text;
}

static int header_field_error(const char *path, const char *field, const char *what)
{
	return error("'%s': bad header: field \"%s\": %s", path, field, what);
}

static int get_string(const char *path, const cJSON *o, const char *field, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);

	if (!v)
		return header_field_error(path, field, "missing");
	if (!cJSON_IsString(v))
		return header_field_error(path, field, "not a string");
	*out = xstrdup(v->valuestring);
	return 0;
}

/* The optional "digest_key": exactly 64 lower-case hex digits. */
static int get_digest_key(const char *path, const cJSON *o, struct baseline_header *h)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "digest_key");
	const char *s;
	size_t i;

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return header_field_error(path, "digest_key", "not a string");
	s = v->valuestring;
	for (i = 0; i < 2 * BASELINE_KEY_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			break;
	if (i != 2 * BASELINE_KEY_LEN || s[i] ||
	    sodium_hex2bin(h->digest_key, BASELINE_KEY_LEN, s, i, NULL, NULL, NULL) < 0)
		return header_field_error(path, "digest_key", "not 64 lower-case hex digits");
	h->has_digest_key = true;
	return 0;
}

/*
 * Strict, like the binary part: every known field present with its type
 * (but the optional digest_key),
 * no field twice, and no unknown field unless its name starts with "x-",
 * which is reserved for extensions that older readers may ignore.
 */
static int parse_header(const char *path, const unsigned char *p, size_t len,
			struct baseline_header *h)
{
	cJSON *o, *v;
	const char *end = NULL;
	char *created = NULL, *hash = NULL;
	enum attr_id id;
	int ret = -1;

	if (!len || p[0] != '{')
		return error("'%s': bad header: not a JSON object", path);
	o = cJSON_ParseWithLengthOpts((const char *)p, len, &end, 0);
	if (!o || end != (const char *)p + len || !cJSON_IsObject(o)) {
		error("'%s': bad header: not a JSON object", path);
		goto cleanup;
	}
	for (v = o->child; v; v = v->next) {
		size_t i, n = sizeof(header_fields) / sizeof(header_fields[0]);

		for (const cJSON *w = o->child; w != v; w = w->next)
			if (!strcmp(w->string, v->string)) {
				header_field_error(path, v->string, "duplicate field");
				goto cleanup;
			}
		for (i = 0; i < n; i++)
			if (!strcmp(v->string, header_fields[i]))
				break;
		if (i == n && strncmp(v->string, "x-", 2)) {
			header_field_error(path, v->string, "unknown field");
			goto cleanup;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "format");
	if (!v) {
		header_field_error(path, "format", "missing");
		goto cleanup;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != BASELINE_VERSION) {
		header_field_error(path, "format", "not 1");
		goto cleanup;
	}
	if (get_string(path, o, "created", &created) < 0)
		goto cleanup;
	if (parse_created(created, &h->created) < 0) {
		header_field_error(path, "created",
				   "not a UTC time like 2026-11-25T19:20:00.123456789Z");
		goto cleanup;
	}
	if (get_string(path, o, "host", &h->host) < 0 ||
	    get_string(path, o, "root", &h->root) < 0 ||
	    get_string(path, o, "hash", &hash) < 0 ||
	    get_string(path, o, "tool", &h->tool) < 0)
		goto cleanup;
	if (attr_lookup(hash, &id) < 0 || !attr_is_hash(id)) {
		error("'%s': bad header: field \"hash\": unknown hash \"%s\"", path, hash);
		goto cleanup;
	}
	h->hash = id;
	if (get_digest_key(path, o, h) < 0)
		goto cleanup;
	v = cJSON_GetObjectItemCaseSensitive(o, "rules");
	if (!v) {
		header_field_error(path, "rules", "missing");
		goto cleanup;
	}
	if (!cJSON_IsArray(v)) {
		header_field_error(path, "rules", "not an array");
		goto cleanup;
	}
	h->rules_json = cJSON_PrintUnformatted(v);
	if (!h->rules_json) {
		error("'%s': out of memory", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(created);
	free(hash);
	cJSON_Delete(o);
	return ret;
}

/* ---- writer -------------------------------------------------------------- */

struct baseline_writer {
	crypto_generichash_state hs;	/* first: needs 64-byte alignment */
	char *path, *tmp, *lockpath;
	int fd, lockfd;
	int locked;			/* lockfd holds the flock */
	z_stream zs;
	gz_header gz;			/* zlib reads it at the first deflate() */
	int zinit;
	unsigned char *out;		/* deflate output, IOBUF bytes */
	size_t outlen;
	struct strbuf pend;		/* encoded bytes not yet deflated */
	struct record prev;
	int have_prev;
	uint64_t count;
	char *failed;			/* the message of the error that killed w */
};

static int writer_fail(struct baseline_writer *w)
{
	free(w->failed);
	w->failed = xstrdup(error_last());
	return -1;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!k) {
			errno = EIO;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int flush_out(struct baseline_writer *w)
{
	if (write_all(w->fd, w->out, w->outlen) < 0) {
		error("'%s': write failed: %s", w->path, strerror(errno));
		return writer_fail(w);
	}
	w->outlen = 0;
	return 0;
}

/* Adds bytes to the payload; all but the digest and signature are hashed. */
static void emit(struct baseline_writer *w, const void *p, size_t n, int hashed)
{
	if (hashed)
		crypto_generichash_update(&w->hs, p, n);
	strbuf_add(&w->pend, p, n);
}

/* Deflates w->pend; with Z_FINISH, ends the stream and writes it all out. */
static int deflate_pending(struct baseline_writer *w, int flush)
{
	int ret;

	w->zs.next_in = (Bytef *)w->pend.buf;
	w->zs.avail_in = (uInt)w->pend.len;
	for (;;) {
		w->zs.next_out = w->out + w->outlen;
		w->zs.avail_out = (uInt)(IOBUF - w->outlen);
		ret = deflate(&w->zs, flush);
		w->outlen = IOBUF - w->zs.avail_out;
		if (ret == Z_STREAM_ERROR) {
			error("'%s': deflate failed", w->path);
			return writer_fail(w);
		}
		if (w->outlen == IOBUF && flush_out(w) < 0)
			return -1;
		if (flush == Z_FINISH ? ret == Z_STREAM_END : !w->zs.avail_in)
			break;
	}
	strbuf_reset(&w->pend);
	if (flush == Z_FINISH && w->outlen && flush_out(w) < 0)
		return -1;
	return 0;
}

/* mkdir -p of path's parent, creating only what is missing, 0700. */
static int make_parents(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	struct stat st;
	int ret = 0;

	if (!slash || slash == dir)
		goto cleanup;
	*slash = '\0';
	if (!stat(dir, &st))
		goto cleanup;
	for (char *p = dir + 1; ; p++) {
		char c = *p;

		if (c != '/' && c)
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			ret = error("cannot create directory '%s': %s", dir, strerror(errno));
			goto cleanup;
		}
		*p = c;
		if (!c)
			break;
	}
cleanup:
	free(dir);
	return ret;
}

/*
 * The lock file holds the writer's pid on its first line and, while the
 * writer has a temporary file, that file's name on the second:
 * "1234\nbaseline.imdb.k3J9aZ\n". The pid only informs a second writer's
 * message; the name lets the next writer remove a temporary file that a
 * writer killed with SIGKILL (or by a crash, or a power cut) left behind.
 * Nothing else is ever removed: only the one name that an imscan writer
 * recorded under this very lock before it created the file.
 */
#define LOCK_MAX 512
#define TMP_SUFFIX 6	/* ".XXXXXX", as mkstemp(3) */

/* The pid on the first line of the lock file, or 0 if it holds anything else. */
static long lock_owner(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	long pid = 0;
	ssize_t i;

	for (i = 0; i < n && buf[i] != '\n'; i++) {
		if (buf[i] < '0' || buf[i] > '9' || pid > 100000000)
			return 0;
		pid = 10 * pid + (buf[i] - '0');
	}
	return i > 0 && i < n ? pid : 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Rewrites the lock file: our pid, and tmp's name if not NULL. Best effort. */
static void lock_record(struct baseline_writer *w, const char *tmp)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addf(&sb, "%ld\n", (long)getpid());
	if (tmp)
		strbuf_addf(&sb, "%s\n", base_name(tmp));
	if (ftruncate(w->lockfd, 0) == 0 && pwrite(w->lockfd, sb.buf, sb.len, 0) != (ssize_t)sb.len)
		(void)ftruncate(w->lockfd, 0);
	strbuf_release(&sb);
}

/*
 * With the lock held: if the last writer recorded a temporary file and
 * died before removing or renaming it, remove it now. The recorded name
 * must be exactly this baseline's name, '.', and six letters or digits,
 * and the file a regular file of ours.
 */
static void remove_stale_tmp(struct baseline_writer *w)
{
	char buf[LOCK_MAX + 1];
	ssize_t n = pread(w->lockfd, buf, LOCK_MAX, 0);
	const char *base = base_name(w->path), *name, *end;
	size_t blen = strlen(base);
	struct stat st;
	char *stale;

	if (n <= 0)
		return;
	buf[n] = '\0';
	if (!(name = strchr(buf, '\n')) || !(end = strchr(++name, '\n')))
		return;
	if ((size_t)(end - name) != blen + 1 + TMP_SUFFIX || memcmp(name, base, blen) ||
	    name[blen] != '.')
		return;
	for (const char *c = name + blen + 1; c < end; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
			return;
	stale = xmalloc(strlen(w->path) + 1 + TMP_SUFFIX + 1);
	sprintf(stale, "%s.%.*s", w->path, TMP_SUFFIX, name + blen + 1);
	if (lstat(stale, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()) {
		if (unlink(stale) == 0)
			warning("removed '%s', left behind by an imscan that was stopped while "
				"writing '%s'", stale, w->path);
	}
	free(stale);
}

/*
 * flock() on path + ".lock". The lock file is never removed: unlinking it
 * would let a third writer lock a new inode while the second still holds
 * the old one.
 */
static int take_lock(struct baseline_writer *w)
{
	w->lockfd = open(w->lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->lockfd < 0)
		return error("cannot open lock file '%s': %s", w->lockpath, strerror(errno));
	if (flock(w->lockfd, LOCK_EX | LOCK_NB) < 0) {
		long pid;

		if (errno != EWOULDBLOCK)
			return error("cannot lock '%s': %s", w->lockpath, strerror(errno));
		pid = lock_owner(w->lockfd);
		if (pid)
			return error("'%s' is being written by another imscan (pid %ld)",
				     w->path, pid);
		return error("'%s' is being written by another imscan", w->path);
	}
	w->locked = 1;
	remove_stale_tmp(w);
	lock_record(w, NULL);
	return 0;
}

/*
 * Creates the temporary file path.XXXXXX (mode 0600), its name recorded
 * in the lock file first, so that a writer killed at any point leaves
 * nothing the next one cannot clean up. -1 with errno.
 */
static int create_tmp(struct baseline_writer *w)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(w->path);

	w->tmp = xmalloc(len + 1 + TMP_SUFFIX + 1);
	for (int tries = 0; tries < 100; tries++) {
		unsigned char r[TMP_SUFFIX];
		int fd;

		randombytes_buf(r, sizeof(r));
		memcpy(w->tmp, w->path, len);
		w->tmp[len] = '.';
		for (int i = 0; i < TMP_SUFFIX; i++)
			w->tmp[len + 1 + i] = set[r[i] % (sizeof(set) - 1)];
		w->tmp[len + 1 + TMP_SUFFIX] = '\0';
		lock_record(w, w->tmp);
		fd = open(w->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

static void writer_free(struct baseline_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	if (w->locked)
		lock_record(w, NULL);	/* nothing left to clean up */
	if (w->lockfd >= 0)
		close(w->lockfd);	/* releases the flock */
	if (w->zinit)
		deflateEnd(&w->zs);
	free(w->out);
	strbuf_release(&w->pend);
	record_release(&w->prev);
	free(w->failed);
	free(w->path);
	free(w->tmp);
	free(w->lockpath);
	free(w);
}

/*
 * Refuses, before any work is done, a path that could never be renamed
 * over: no file name at all ("", "dir/"), or something that is not a
 * regular file (a directory, a FIFO, a device). A symlink is replaced,
 * not followed, as rename(2) does.
 */
static int check_target(const char *path)
{
	size_t len = strlen(path);
	struct stat st;

	if (!len || path[len - 1] == '/')
		return error("'%s': not a file name", path);
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return error("'%s': not a regular file", path);
	return 0;
}

int baseline_writer_open(struct baseline_writer **out, const char *path,
			 const struct baseline_header *h)
{
	struct baseline_writer *w;
	unsigned char pre[PREAMBLE_LEN];
	char *json = NULL;
	size_t len;
	int ret = -1;

	*out = NULL;
	if (check_target(path) < 0)
		return -1;
	if (sodium_init() < 0)
		return error("cannot initialise libsodium");
	w = alloc_aligned(sizeof(*w));
	w->fd = w->lockfd = -1;
	w->path = xstrdup(path);
	len = strlen(path);
	w->lockpath = xmalloc(len + 6);
	memcpy(w->lockpath, path, len);
	memcpy(w->lockpath + len, ".lock", 6);
	strbuf_init(&w->pend);
	record_init(&w->prev);
	crypto_generichash_init(&w->hs, NULL, 0, DIGEST_LEN);

	if (!(json = header_json(path, h)))
		goto cleanup;
	if (make_parents(path) < 0 || take_lock(w) < 0)
		goto cleanup;
	w->fd = create_tmp(w);
	if (w->fd < 0) {
		error("'%s': cannot create temporary file '%s': %s",
		      path, w->tmp, strerror(errno));
		free(w->tmp);
		w->tmp = NULL;
		goto cleanup;
	}
	if (fchmod(w->fd, 0600) < 0) {
		error("'%s': cannot set the mode of '%s': %s", path, w->tmp, strerror(errno));
		goto cleanup;
	}

	if (deflateInit2(&w->zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		error("'%s': cannot initialise zlib", path);
		goto cleanup;
	}
	w->zinit = 1;
	w->gz.os = 3;	/* the rest stays zero: no name, no mtime */
	if (deflateSetHeader(&w->zs, &w->gz) != Z_OK) {
		error("'%s': cannot initialise zlib", path);
		goto cleanup;
	}
	w->out = xmalloc(IOBUF);

	memcpy(pre, MAGIC, MAGIC_LEN);
	put_le(pre + MAGIC_LEN, BASELINE_VERSION, 4);
	put_le(pre + MAGIC_LEN + 4, strlen(json), 4);
	emit(w, pre, sizeof(pre), 1);
	emit(w, json, strlen(json), 1);
	*out = w;
	w = NULL;
	ret = 0;
cleanup:
	free(json);
	if (w)
		writer_free(w);
	return ret;
}

static void describe(struct strbuf *sb, const struct record *r)
{
	strbuf_addf(sb, "%s \"", kind_name(r->kind));
	text_add_escaped(sb, record_key(r), r->keylen);
	strbuf_addc(sb, '"');
}

/* Refuses, in the writer, whatever the reader would refuse. */
static int check_record(struct baseline_writer *w, const struct record *r)
{
	struct strbuf sb;
	struct attrset valid = known_attrs();
	const char *what = NULL;
	int a;

	if ((unsigned)r->kind >= KIND__COUNT)
		what = "unknown kind";
	else if (!r->keylen)
		what = "empty key";
	else if (r->keylen > BASELINE_MAX_FIELD)
		what = "key too long";
	else if (r->nents > BASELINE_MAX_ENTS)
		what = "too many entity indexes";
	else if ((r->present.w[0] & ~valid.w[0]) || (r->present.w[1] & ~valid.w[1]))
		what = "unknown attribute id";
	for (uint32_t i = 1; !what && i < r->nents; i++)
		if (r->ents[i] <= r->ents[i - 1])
			what = "entity indexes not ascending";
	if (!what)
		ATTRSET_FOREACH(a, &r->present)
			if (attr_table[a].type == ATTR_T_BYTES &&
			    r->val[a].len > BASELINE_MAX_FIELD)
				what = "value too long";
	if (!what && w->have_prev && record_cmp(&w->prev, r) >= 0) {
		strbuf_init(&sb);
		describe(&sb, r);
		strbuf_adds(&sb, " after ");
		describe(&sb, &w->prev);
		error("'%s': records out of order: %s", w->path, sb.buf);
		strbuf_release(&sb);
		return -1;
	}
	if (!what)
		return 0;
	strbuf_init(&sb);
	if ((unsigned)r->kind < KIND__COUNT)
		describe(&sb, r);
	error("'%s': cannot write record %s: %s", w->path, sb.buf, what);
	strbuf_release(&sb);
	return -1;
}

int baseline_writer_add(struct baseline_writer *w, const struct record *r)
{
	size_t old = w->pend.len;

	if (w->failed)
		return error("%s", w->failed);
	if (check_record(w, r) < 0)
		return writer_fail(w);
	record_encode(&w->pend, r, w->have_prev ? &w->prev : NULL);
	crypto_generichash_update(&w->hs, (const unsigned char *)w->pend.buf + old,
				  w->pend.len - old);
	record_copy(&w->prev, r);
	w->have_prev = 1;
	w->count++;
	if (w->pend.len >= IOBUF)
		return deflate_pending(w, Z_NO_FLUSH);
	return 0;
}

/* The directory holding path, for the fsync that makes the rename durable. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
		warning("'%s' was written, but syncing '%s' failed: %s",
			path, dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
}

int baseline_writer_commit(struct baseline_writer *w, const unsigned char *seckey)
{
	unsigned char end[1 + 8], digest[DIGEST_LEN], sig[1 + SIG_LEN];
	int rc, ret = -1;

	if (w->failed) {
		error("%s", w->failed);
		goto cleanup;
	}
	end[0] = TAG_END;
	put_le(end + 1, w->count, 8);
	emit(w, end, sizeof(end), 1);
	crypto_generichash_final(&w->hs, digest, sizeof(digest));
	emit(w, digest, sizeof(digest), 0);
	if (seckey) {
		sig[0] = TAG_SIG;
		if (crypto_sign_detached(sig + 1, NULL, digest, sizeof(digest), seckey) < 0) {
			error("'%s': signing failed", w->path);
			goto cleanup;
		}
		emit(w, sig, sizeof(sig), 0);
	}
	if (deflate_pending(w, Z_FINISH) < 0)
		goto cleanup;
	if (fsync(w->fd) < 0) {
		error("'%s': write failed: %s", w->path, strerror(errno));
		goto cleanup;
	}
	rc = close(w->fd);
	w->fd = -1;
	if (rc < 0) {
		error("'%s': write failed: %s", w->path, strerror(errno));
		goto cleanup;
	}
	if (rename(w->tmp, w->path) < 0) {
		error("'%s': cannot rename '%s' over it: %s", w->path, w->tmp, strerror(errno));
		goto cleanup;
	}
	free(w->tmp);
	w->tmp = NULL;
	sync_dir(w->path);
	ret = 0;
cleanup:
	writer_free(w);
	return ret;
}

void baseline_writer_abort(struct baseline_writer *w)
{
	if (w)
		writer_free(w);
}

/* ---- reader -------------------------------------------------------------- */

enum { RD_RECORDS, RD_DONE, RD_FAILED };
enum { VERIFY_RUNNING, VERIFY_OK, VERIFY_FAILED };

struct baseline_reader {
	crypto_generichash_state hs;	/* first: needs 64-byte alignment */
	char *path;
	int fd;
	off_t off;			/* where this pass reads next (pread) */
	unsigned char pubkey[crypto_sign_PUBLICKEYBYTES];
	int verify;			/* a pubkey was given */
	z_stream zs;
	int zinit;
	unsigned char *in;		/* IOBUF bytes of compressed input */
	int zend;			/* inflate reached the end of the stream */
	unsigned char lastbyte;		/* last compressed byte inflate used */
	unsigned char *win;		/* decompressed bytes: [wpos, wlen) unread */
	size_t wcap, wpos, wlen;
	struct record rec[2];		/* the record being decoded and its prev */
	int cur, have_prev;
	struct strbuf keybuf;
	int pass;			/* 1: verifying, 2: yielding */
	int state;
	uint64_t n;			/* records decoded in this pass */
	uint64_t count;			/* from the trailer, pass 1 */
	int sig;			/* a signature is present */
	unsigned char digest[DIGEST_LEN];	/* pass 1's */
	int io_error;			/* a read() failed */
	char *failed;
	/*
	 * Pass 2's view of pass 1, which runs in `verifier` on `thread`.
	 * The wait may come from another thread than the records' (check
	 * decodes them on one, and reports on another): wait_mu orders it.
	 */
	struct baseline_reader *verifier;	/* set at open, freed at close */
	pthread_t thread;
	pthread_mutex_t wait_mu;
	int joined;			/* the thread was joined (or never ran) */
	int taken;			/* its outcome copied here */
	char *verify_failed;		/* pass 1's message, if it failed */
	/* in the verifier: its outcome, read by pass 2 without waiting */
	atomic_int verify_state;
	atomic_int cancel;		/* pass 2 gave up: stop early */
};

static ssize_t read_some(struct baseline_reader *r, unsigned char *p, size_t n)
{
	ssize_t k;

	do
		k = pread(r->fd, p, n, r->off);
	while (k < 0 && errno == EINTR);
	if (k < 0) {
		r->io_error = 1;
		error("'%s': read failed: %s", r->path, strerror(errno));
		return k;
	}
	r->off += k;
	return k;
}

/*
 * After the last deflate block, the bits left in its final byte are
 * padding that inflate ignores; deflate writes zeros there. Requiring them
 * keeps every bit of the file under a check (a flipped padding bit would
 * otherwise go unnoticed).
 */
static int check_padding(struct baseline_reader *r)
{
	int dt = r->zs.data_type;
	unsigned bits = (unsigned)dt & 63;

	if ((dt & 192) != 192 || !bits || bits > 7)
		return 0;
	if (r->lastbyte >> (8 - bits))
		return error("'%s': corrupted (nonzero padding after the last deflate block)",
			     r->path);
	return 0;
}

/* After the gzip stream the file must end: nothing else is allowed there. */
static int check_file_end(struct baseline_reader *r)
{
	ssize_t k;

	if (r->zs.avail_in)
		return error("'%s': trailing data after the gzip stream", r->path);
	k = read_some(r, r->in, IOBUF);
	if (k < 0)
		return -1;
	if (k)
		return error("'%s': trailing data after the gzip stream", r->path);
	return 0;
}

/* Makes room at the end of the window: compacts, or grows up to WIN_MAX. */
static int make_room(struct baseline_reader *r)
{
	if (r->wcap - r->wlen >= WIN_ROOM)
		return 0;
	if (r->wpos) {
		memmove(r->win, r->win + r->wpos, r->wlen - r->wpos);
		r->wlen -= r->wpos;
		r->wpos = 0;
		if (r->wcap - r->wlen >= WIN_ROOM)
			return 0;
	}
	if (r->wcap >= WIN_MAX) {
		if (r->wlen < r->wcap)
			return 0;
		return error("'%s': corrupted (record too large)", r->path);
	}
	r->wcap = r->wcap * 2 > WIN_MAX ? WIN_MAX : r->wcap * 2;
	r->win = xrealloc(r->win, r->wcap);
	return 0;
}

/*
 * Appends decompressed bytes to the window: 1 if some were added, 0 at
 * the end of the gzip stream (the file's end checked), -1 on error.
 */
static int fill(struct baseline_reader *r)
{
	if (r->zend)
		return 0;
	if (make_room(r) < 0)
		return -1;
	for (;;) {
		const Bytef *in0;
		size_t got;
		int ret;

		if (!r->zs.avail_in) {
			ssize_t k = read_some(r, r->in, IOBUF);

			if (k < 0)
				return -1;
			if (!k)
				return error("'%s': truncated", r->path);
			r->zs.next_in = r->in;
			r->zs.avail_in = (uInt)k;
		}
		in0 = r->zs.next_in;
		r->zs.next_out = r->win + r->wlen;
		r->zs.avail_out = (uInt)(r->wcap - r->wlen);
		/* Z_BLOCK stops after each block, where check_padding looks. */
		ret = inflate(&r->zs, Z_BLOCK);
		got = (r->wcap - r->wlen) - r->zs.avail_out;
		r->wlen += got;
		if (r->zs.next_in != in0)
			r->lastbyte = r->zs.next_in[-1];
		switch (ret) {
		case Z_OK:
			if (check_padding(r) < 0)
				return -1;
			break;
		case Z_STREAM_END:
			r->zend = 1;
			if (check_file_end(r) < 0)
				return -1;
			return got ? 1 : 0;
		case Z_BUF_ERROR:
			/* No progress: fine only if it wants more input. */
			if (!r->zs.avail_in)
				break;
			/* fallthrough */
		default:
			return error("'%s': corrupted (%s)", r->path,
				     r->zs.msg ? r->zs.msg : zError(ret));
		}
		if (got)
			return 1;
	}
}

/* Makes n bytes readable at win + wpos; early says what is cut short. */
static int need(struct baseline_reader *r, size_t n, const char *early)
{
	while (r->wlen - r->wpos < n) {
		int rc = fill(r);

		if (rc < 0)
			return -1;
		if (!rc)
			return error("'%s': corrupted (%s)", r->path, early);
	}
	return 0;
}

static void consume(struct baseline_reader *r, size_t n, int hashed)
{
	if (hashed)
		crypto_generichash_update(&r->hs, r->win + r->wpos, n);
	r->wpos += n;
}

/*
 * Starts a pass: gzip header, magic, version, and the JSON header, which
 * pass 2 parses into h and pass 1 only hashes (its bytes are under the
 * digest that pass 2 compares at the end).
 */
static int start_pass(struct baseline_reader *r, struct baseline_header *h)
{
	size_t got = 0;
	uint32_t version, hlen;

	r->off = 0;
	r->zs.avail_in = 0;
	r->zend = 0;
	r->wpos = r->wlen = 0;
	r->have_prev = 0;
	r->n = 0;
	crypto_generichash_init(&r->hs, NULL, 0, DIGEST_LEN);

	while (got < sizeof(gzip_head)) {
		ssize_t k = read_some(r, r->in + got, IOBUF - got);

		if (k < 0)
			return -1;
		if (!k)
			break;
		got += (size_t)k;
	}
	for (size_t i = 0; i < got && i < sizeof(gzip_head); i++)
		if (r->in[i] != gzip_head[i])
			return error(i < 2 ? "'%s': not an imscan baseline (not gzip)"
				     : "'%s': not an imscan baseline (unexpected gzip header)",
				     r->path);
	if (got < sizeof(gzip_head))
		return error("'%s': truncated", r->path);
	r->zs.next_in = r->in;
	r->zs.avail_in = (uInt)got;

	if (need(r, MAGIC_LEN, "data ends inside the magic") < 0)
		return -1;
	if (memcmp(r->win + r->wpos, MAGIC, MAGIC_LEN))
		return error("'%s': not an imscan baseline", r->path);
	if (need(r, PREAMBLE_LEN, "data ends before the header") < 0)
		return -1;
	version = (uint32_t)get_le(r->win + r->wpos + MAGIC_LEN, 4);
	hlen = (uint32_t)get_le(r->win + r->wpos + MAGIC_LEN + 4, 4);
	if (version != BASELINE_VERSION)
		return error("'%s': unsupported version %" PRIu32
			     " (this imscan reads version %d)",
			     r->path, version, BASELINE_VERSION);
	if (hlen > BASELINE_MAX_HEADER)
		return error("'%s': bad header: length %" PRIu32
			     " exceeds the limit of %u bytes",
			     r->path, hlen, BASELINE_MAX_HEADER);
	consume(r, PREAMBLE_LEN, 1);
	if (need(r, hlen, "data ends inside the header") < 0)
		return -1;
	if (h && parse_header(r->path, r->win + r->wpos, hlen, h) < 0)
		return -1;
	consume(r, hlen, 1);
	return 0;
}

/* The trailer, the optional signature, and the end of the stream. */
static int finish_pass(struct baseline_reader *r)
{
	unsigned char digest[DIGEST_LEN], sig[SIG_LEN];
	int has_sig = 0, rc = 0;
	uint64_t count;

	if (need(r, 1 + 8, "data ends inside the trailer") < 0)
		return -1;
	count = get_le(r->win + r->wpos + 1, 8);
	consume(r, 1 + 8, 1);
	if (count != r->n)
		return error("'%s': corrupted (the trailer counts %" PRIu64
			     " records, the file holds %" PRIu64 ")",
			     r->path, count, r->n);
	crypto_generichash_final(&r->hs, digest, sizeof(digest));
	if (need(r, DIGEST_LEN, "data ends inside the trailer") < 0)
		return -1;
	if (sodium_memcmp(digest, r->win + r->wpos, DIGEST_LEN))
		return error("'%s': digest mismatch (corrupted or tampered)", r->path);
	consume(r, DIGEST_LEN, 0);

	if (r->wpos == r->wlen && (rc = fill(r)) <= 0) {
		if (rc < 0)
			return -1;
	} else {
		if (r->win[r->wpos] != TAG_SIG)
			return error("'%s': corrupted (unexpected data after the trailer)",
				     r->path);
		if (need(r, 1 + SIG_LEN, "data ends inside the signature") < 0)
			return -1;
		/* Copied: fill() below may move the window. */
		memcpy(sig, r->win + r->wpos + 1, SIG_LEN);
		has_sig = 1;
		consume(r, 1 + SIG_LEN, 0);
		if (r->wpos < r->wlen || (rc = fill(r)) > 0)
			return error("'%s': corrupted (unexpected data after the signature)",
				     r->path);
		if (rc < 0)
			return -1;
	}
	if (r->verify) {
		if (!has_sig)
			return error("'%s': not signed", r->path);
		if (crypto_sign_verify_detached(sig, digest, sizeof(digest), r->pubkey))
			return error("'%s': bad signature", r->path);
	}
	if (r->pass == 1) {
		memcpy(r->digest, digest, sizeof(digest));
		r->count = count;
		r->sig = has_sig;
		return 0;
	}
	if (baseline_reader_wait(r) < 0)
		return -1;
	if (sodium_memcmp(digest, r->digest, sizeof(digest)) || count != r->count)
		return error("'%s': changed while being read", r->path);
	return 0;
}

/* 1 and a record, 0 after a verified trailer, -1 on error. */
static int step(struct baseline_reader *r, const struct record **out)
{
	struct record *rec = &r->rec[r->cur];
	const struct record *prev = r->have_prev ? &r->rec[r->cur ^ 1] : NULL;
	long k;

	if (need(r, 1, "data ends before the trailer") < 0)
		return -1;
	if (r->win[r->wpos] == TAG_END)
		return finish_pass(r) < 0 ? -1 : 0;
	for (;;) {
		int rc;

		if (atomic_load_explicit(&r->cancel, memory_order_relaxed))
			return error("'%s': verification cancelled", r->path);
		k = decode(r->win + r->wpos, r->wlen - r->wpos, prev, rec, &r->keybuf);
		if (k < 0)
			return error_prefix("'%s': corrupted record %" PRIu64, r->path, r->n + 1);
		if (k > 0)
			break;
		if ((rc = fill(r)) < 0)
			return -1;
		if (!rc)
			return error("'%s': corrupted record %" PRIu64 ": data ends inside it",
				     r->path, r->n + 1);
	}
	consume(r, (size_t)k, 1);
	r->n++;
	r->have_prev = 1;
	r->cur ^= 1;
	*out = rec;
	return 1;
}

/* Pass 1: its outcome in v->verify_state, its message in v->failed. */
static void verify_pass(struct baseline_reader *v)
{
	const struct record *rec;
	int rc = start_pass(v, NULL);

	if (rc == 0)
		while ((rc = step(v, &rec)) > 0)
			;
	if (rc < 0)
		v->failed = xstrdup(error_last());
	atomic_store(&v->verify_state, rc < 0 ? VERIFY_FAILED : VERIFY_OK);
}

static void *verify_main(void *arg)
{
	verify_pass(arg);
	error_thread_release();
	return NULL;
}

/*
 * Pass 1 verifies every byte, so whatever pass 2 trips over (a bad record,
 * a digest that differs from pass 1's) is pass 1's finding if it failed,
 * and otherwise means the file was rewritten in place since: say that, not
 * what the new bytes happen to look like.
 */
static void pass2_error(struct baseline_reader *r)
{
	if (!r->io_error && baseline_reader_wait(r) == 0)
		error("'%s': changed while being read", r->path);
}

static void reader_free(struct baseline_reader *r)
{
	if (r->verifier) {
		/* closed before pass 1 ended: stop it early */
		atomic_store(&r->verifier->cancel, 1);
		if (!r->joined)
			pthread_join(r->thread, NULL);
		reader_free(r->verifier);
	}
	pthread_mutex_destroy(&r->wait_mu);
	if (r->fd >= 0)
		close(r->fd);
	if (r->zinit)
		inflateEnd(&r->zs);
	free(r->in);
	free(r->win);
	record_release(&r->rec[0]);
	record_release(&r->rec[1]);
	strbuf_release(&r->keybuf);
	free(r->failed);
	free(r->verify_failed);
	free(r->path);
	free(r);
}

/* A reader of fd (taken) for pass `pass`, or NULL with a message. */
static struct baseline_reader *reader_new(const char *path, int fd, int pass)
{
	struct baseline_reader *r = alloc_aligned(sizeof(*r));

	r->path = xstrdup(path);
	r->fd = fd;
	r->pass = pass;
	r->in = xmalloc(IOBUF);
	r->wcap = WIN_START;
	r->win = xmalloc(r->wcap);
	record_init(&r->rec[0]);
	record_init(&r->rec[1]);
	strbuf_init(&r->keybuf);
	atomic_init(&r->verify_state, VERIFY_RUNNING);
	atomic_init(&r->cancel, 0);
	pthread_mutex_init(&r->wait_mu, NULL);
	if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {
		error("'%s': cannot initialise zlib", path);
		reader_free(r);
		return NULL;
	}
	r->zinit = 1;
	return r;
}

/* Opens path for reading; a descriptor, or -1 with a message. */
static int open_file(const char *path)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO planted at path must not hang us before fstat. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return error("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		error("cannot stat '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error("'%s': not a regular file", path);
	}
	return fd;
}

/* Starts pass 1 on its own descriptor of the same file (on this thread if
 * no thread can be had). */
static int verifier_start(struct baseline_reader *r, const unsigned char *pubkey)
{
	int fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
	struct baseline_reader *v;

	if (fd < 0)
		return error("'%s': cannot duplicate descriptor: %s", r->path, strerror(errno));
	if (!(v = reader_new(r->path, fd, 1)))
		return -1;
	if (pubkey) {
		memcpy(v->pubkey, pubkey, sizeof(v->pubkey));
		v->verify = 1;
	}
	r->verifier = v;
	if (pthread_create(&r->thread, NULL, verify_main, v) != 0) {
		verify_pass(v);
		r->joined = 1;
	}
	return 0;
}

int baseline_reader_open_async(struct baseline_reader **out, const char *path,
			       const unsigned char *pubkey, struct baseline_header *h)
{
	struct baseline_reader *r;
	int fd;

	*out = NULL;
	memset(h, 0, sizeof(*h));
	if (sodium_init() < 0)
		return error("cannot initialise libsodium");
	if ((fd = open_file(path)) < 0)
		return -1;
	if (!(r = reader_new(path, fd, 2)))
		return -1;
	if (start_pass(r, h) < 0 || verifier_start(r, pubkey) < 0) {
		baseline_header_release(h);
		reader_free(r);
		return -1;
	}
	r->state = RD_RECORDS;
	*out = r;
	return 0;
}

int baseline_reader_wait(struct baseline_reader *r)
{
	struct baseline_reader *v = r->verifier;
	int rc;

	pthread_mutex_lock(&r->wait_mu);
	if (v && !r->taken) {
		if (!r->joined)
			pthread_join(r->thread, NULL);
		r->joined = r->taken = 1;
		if (atomic_load(&v->verify_state) == VERIFY_FAILED) {
			r->verify_failed = v->failed;
			v->failed = NULL;
		}
		memcpy(r->digest, v->digest, sizeof(r->digest));
		r->count = v->count;
		r->sig = v->sig;
	}
	rc = r->verify_failed ? error("%s", r->verify_failed) : 0;
	pthread_mutex_unlock(&r->wait_mu);
	return rc;
}

int baseline_reader_open(struct baseline_reader **out, const char *path,
			 const unsigned char *pubkey, struct baseline_header *h)
{
	if (baseline_reader_open_async(out, path, pubkey, h) < 0)
		return -1;
	if (baseline_reader_wait(*out) < 0) {
		baseline_reader_close(*out);
		*out = NULL;
		baseline_header_release(h);
		return -1;
	}
	return 0;
}

int baseline_reader_next(struct baseline_reader *r, const struct record **out)
{
	int rc;

	if (r->state == RD_DONE)
		return 0;
	if (r->state == RD_FAILED)
		return error("%s", r->failed);
	/* A file that failed verification yields nothing more. */
	if (r->verifier && atomic_load_explicit(&r->verifier->verify_state,
						memory_order_acquire) == VERIFY_FAILED)
		rc = baseline_reader_wait(r);
	else
		rc = step(r, out);
	if (rc == 0)
		r->state = RD_DONE;
	if (rc < 0) {
		pass2_error(r);
		r->state = RD_FAILED;
		r->failed = xstrdup(error_last());
	}
	return rc;
}

uint64_t baseline_reader_count(const struct baseline_reader *r)
{
	return r->count;
}

int baseline_reader_signed(const struct baseline_reader *r)
{
	return r->sig;
}

void baseline_reader_close(struct baseline_reader *r)
{
	if (r)
		reader_free(r);
}

static int stream_next(void *self, const struct record **out)
{
	return baseline_reader_next(self, out);
}

struct recstream baseline_reader_stream(struct baseline_reader *r)
{
	return (struct recstream){ stream_next, r };
}
