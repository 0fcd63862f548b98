/*
 * fuzz_baseline.c - the .imdb reader, end to end.
 *
 * The low bits of the first input byte pick how the rest becomes a file
 * (its top bit also reads the records through a tee (tee.h), its side
 * reader interleaved with the main one as check --quick does):
 *   0: as is (gzip framing, header and padding checks);
 *   1: gzip-compressed with imscan's own gzip header (the payload parser:
 *      magic, version, JSON header, records, trailer);
 *   2: like 1, with the BLAKE2b-256 of the payload appended first, so that
 *      the digest holds and the reader goes on to yield records, and the
 *      embedded rules reach the rule loader as in `imscan check`.
 * The file is a memfd opened through /proc/self/fd/N, as a path.
 * Whatever the input: no crash, no leak, allocations within the format's
 * bounds (-malloc_limit_mb), and a file that opens yields exactly the
 * number of records its trailer claims.
 */
#include <sodium.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "imscan/baseline.h"
#include "imscan/event.h"
#include "imscan/rules.h"
#include "imscan/strbuf.h"
#include "imscan/tee.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	warning_set_handler(fuzz_no_warning, NULL);
	return 0;
}

/* gzip of p with the header imscan writes (no name, no mtime, OS 3). */
static void gzip_imscan(struct strbuf *out, const uint8_t *p, size_t n)
{
	z_stream zs;
	gz_header gz;
	unsigned char buf[16384];
	int ret;

	memset(&zs, 0, sizeof(zs));
	memset(&gz, 0, sizeof(gz));
	gz.os = 3;
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
	    deflateSetHeader(&zs, &gz) != Z_OK)
		abort();
	zs.next_in = (Bytef *)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		ret = deflate(&zs, Z_FINISH);
		strbuf_add(out, buf, sizeof(buf) - zs.avail_out);
	} while (ret == Z_OK);
	if (ret != Z_STREAM_END)
		abort();
	deflateEnd(&zs);
}

static void read_all(struct baseline_reader *r)
{
	const struct record *rec;
	struct strbuf sb;
	uint64_t n = 0;
	int rc;

	strbuf_init(&sb);
	while ((rc = baseline_reader_next(r, &rec)) > 0) {
		/* What `imscan show` and a removed event print of it. */
		struct event ev = { .action = ACT_REMOVED, .old = rec };

		ev.attrs = rec->present;
		strbuf_reset(&sb);
		event_to_json(&sb, &ev);
		strbuf_reset(&sb);
		event_to_text(&sb, &ev);
		n++;
	}
	FUZZ_ASSERT(rc == 0, "verified file fails on the second pass: %s", error_last());
	FUZZ_ASSERT(n == baseline_reader_count(r), "%llu records, the trailer says %llu",
		    (unsigned long long)n, (unsigned long long)baseline_reader_count(r));
	strbuf_release(&sb);
}

/*
 * Through a tee keeping 3 records, decoded on its own thread: the main
 * reader still gets them all, in order, and a lookup of the record the
 * main reader holds finds it, whatever the interleaving (picked by the
 * bits of the file's own bytes).
 */
static void read_teed(struct baseline_reader *r, const struct strbuf *file)
{
	struct recstream src = baseline_reader_stream(r);
	struct tee *t = tee_new(&src, 3);
	struct recstream m = tee_main(t);
	const struct record *rec = NULL, *found;
	struct strbuf key;
	uint64_t n = 0;
	int rc = 1;

	strbuf_init(&key);
	for (size_t i = 0; rc > 0; i++) {
		unsigned bit = file->len ? ((unsigned char)file->buf[(i / 8) % file->len] >> (i % 8)) & 1 : 0;

		if (bit && rec) {
			enum kind k = rec->kind;

			strbuf_reset(&key);
			strbuf_add(&key, record_key(rec), rec->keylen);
			FUZZ_ASSERT(tee_find(t, k, key.buf, key.len, &found) == 1 &&
				    found->kind == k && found->keylen == key.len &&
				    !memcmp(record_key(found), key.buf, key.len),
				    "tee: the main reader's record not found");
			rec = NULL;
			continue;
		}
		if ((rc = m.next(m.self, &rec)) > 0)
			n++;
	}
	FUZZ_ASSERT(rc == 0, "verified file fails through the tee: %s", error_last());
	FUZZ_ASSERT(n == baseline_reader_count(r), "tee: %llu records, the trailer says %llu",
		    (unsigned long long)n, (unsigned long long)baseline_reader_count(r));
	strbuf_release(&key);
	tee_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf file, payload;
	struct baseline_reader *r = NULL;
	struct baseline_header h;
	char path[64];
	int fd, mode, want_dup;

	if (!size)
		return 0;
	mode = (data[0] & 0x7f) % 3;
	want_dup = data[0] & 0x80;
	data++;
	size--;
	strbuf_init(&file);
	strbuf_init(&payload);
	if (mode == 0) {
		strbuf_add(&file, data, size);
	} else {
		strbuf_add(&payload, data, size);
		if (mode == 2) {
			unsigned char d[32];

			crypto_generichash(d, sizeof(d), data, size, NULL, 0);
			strbuf_add(&payload, d, sizeof(d));
		}
		gzip_imscan(&file, (const uint8_t *)payload.buf, payload.len);
	}
	fd = memfd_create("fuzz.imdb", MFD_CLOEXEC);
	FUZZ_ASSERT(fd >= 0, "memfd_create");
	FUZZ_ASSERT(write(fd, file.buf, file.len) == (ssize_t)file.len, "write");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	if (baseline_reader_open(&r, path, NULL, &h) < 0) {
		FUZZ_ASSERT(*error_last(), "refused without a message");
		FUZZ_ASSERT(!h.host && !h.rules_json, "header left filled on failure");
	} else {
		struct ruleset rs;

		FUZZ_ASSERT(h.rules_json && h.host && h.root && h.tool, "header incomplete");
		ruleset_init(&rs, h.hash);
		(void)ruleset_load_json(&rs, h.rules_json, strlen(h.rules_json), "baseline rules");
		ruleset_release(&rs);
		if (want_dup)
			read_teed(r, &file);
		else
			read_all(r);
		baseline_reader_close(r);
		baseline_header_release(&h);
	}
	close(fd);
	strbuf_release(&file);
	strbuf_release(&payload);
	return 0;
}
