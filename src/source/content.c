/*
 * content.c - content hashes of regular files, with zero runs.
 *
 * Runs on the pool's worker threads (pool.h); each thread keeps its own
 * digest context. A file that changes while it is read is read again, up
 * to MAX_REREADS times, so a record never pairs a hash with a stat it
 * does not belong to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imscan/digest.h"
#include "imscan/probe_file.h"
#include "imscan/xalloc.h"

#define MAX_REREADS 3

/*
 * Zero runs. A file's content hash is the hash of its bytes, what
 * sha256sum prints, unless at least PROBE_ZERO_RUN_MIN of them lie in
 * zero chunks: PROBE_CHUNK-sized, PROBE_CHUNK-aligned pieces of the file
 * that are all zero. Then it is the hash of the zero-run encoding of the
 * content (imscan(1), HARDENING): ZR_MAGIC, then for each chunk in order
 * 'D' and its bytes (the last chunk may be shorter), except that each
 * maximal run of N zero chunks is 'Z' and N as 8 bytes little-endian.
 *
 * Holes (SEEK_DATA/SEEK_HOLE) are zero chunks that need no reading, so a
 * 1 TiB sparse file hashes in the time of its data, not in the ten minutes
 * that hashing a TiB of zeros takes: a user who may create files in a
 * monitored tree must not be able to stall the scan for free. Since the
 * encoding depends on the bytes alone, never on which of them are holes, a
 * file copied sparse or dense keeps its hash; and below the threshold,
 * where feeding holes as zeros costs at most a fraction of a second, the
 * hash stays comparable with the usual tools.
 */
#define ZR_MAGIC "imscan zero-run digest 1\n"

static const unsigned char zeros[PROBE_CHUNK];

struct hasher {
	int fd;
	struct digest_ctx *d;
	unsigned char *buf;
	size_t bufsize;		/* a multiple of PROBE_CHUNK */
	uint64_t size;		/* as statx said before reading */
	bool sparse;		/* look for holes */
	bool zr;		/* the zero-run encoding */
	uint64_t zbytes;	/* plain: bytes in zero chunks so far */
	uint64_t run;		/* zr: zero chunks not yet written */
};

static bool all_zero(const unsigned char *p, size_t n)
{
	return !p[0] && !memcmp(p, p + 1, n - 1);
}

static void flush_run(struct hasher *h)
{
	unsigned char z[9] = { 'Z' };

	if (!h->run)
		return;
	for (int i = 0; i < 8; i++)
		z[1 + i] = (unsigned char)(h->run >> (8 * i));
	digest_update(h->d, z, sizeof(z));
	h->run = 0;
}

/*
 * n zero chunks; p holds their bytes, or is NULL for a hole. 1 when the
 * plain hash reaches the threshold: start over with the encoding.
 */
static int zero_chunks(struct hasher *h, const unsigned char *p, uint64_t n)
{
	if (h->zr) {
		h->run += n;
		return 0;
	}
	if (h->zbytes + n * PROBE_CHUNK >= PROBE_ZERO_RUN_MIN)
		return 1;
	h->zbytes += n * PROBE_CHUNK;
	for (; n; n--, p = p ? p + PROBE_CHUNK : NULL)
		digest_update(h->d, p ? p : zeros, PROBE_CHUNK);
	return 0;
}

static void data_chunk(struct hasher *h, const unsigned char *p, size_t n)
{
	if (h->zr) {
		flush_run(h);
		digest_update(h->d, "D", 1);
	}
	digest_update(h->d, p, n);
}

/*
 * Reads up to n bytes at off, fewer only at the end of the file; stops at
 * a short read once it has the `enough` bytes statx promised, since that
 * is the end, and asking again only to hear 0 doubles the reads of small
 * files. -1 with errno.
 */
static ssize_t pread_full(int fd, unsigned char *p, size_t n, off_t off, size_t enough)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, p + got, n - got, off + (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
		if (got >= enough)
			break;
	}
	return (ssize_t)got;
}

/* The start of the data at or after off; the end of the file if none. -1 with errno. */
static off_t next_data(int fd, off_t off)
{
	off_t d = lseek(fd, off, SEEK_DATA);

	if (d < 0 && errno == ENXIO)
		d = lseek(fd, 0, SEEK_END);
	return d;
}

/*
 * Feeds the content of h->fd to h->d, to its end. 0 when done, 1 when the
 * plain hash must give way to the zero-run encoding, -1 with errno.
 */
static int hash_pass(struct hasher *h)
{
	off_t off = 0;

	for (;;) {
		size_t want = h->bufsize;
		uint64_t rest = (uint64_t)off < h->size ? h->size - (uint64_t)off : 0;
		ssize_t n;

		if (h->sparse) {
			off_t data = next_data(h->fd, off), end;

			if (data < 0) {
				h->sparse = false;	/* not supported here: read it all */
				continue;
			}
			if (data - off >= (off_t)PROBE_CHUNK) {
				uint64_t k = (uint64_t)(data - off) / PROBE_CHUNK;

				if (zero_chunks(h, NULL, k))
					return 1;
				off += (off_t)(k * PROBE_CHUNK);
				continue;
			}
			/* Read to the end of this data, in whole chunks. */
			end = lseek(h->fd, data > off ? data : off, SEEK_HOLE);
			if (end < 0) {
				h->sparse = false;
				continue;
			}
			if (end > off && (uint64_t)(end - off) < want)
				want = (size_t)((uint64_t)(end - off + PROBE_CHUNK - 1) /
						PROBE_CHUNK * PROBE_CHUNK);
		} else if ((uint64_t)off <= h->size && rest < want) {
			/*
			 * Ask for more than statx said is left: the short read
			 * that comes back is the end of the file, with no
			 * further read to find it. A whole number of chunks
			 * keeps later reads aligned if the file is longer
			 * than said (it grew; or a /proc file, size 0).
			 */
			want = (size_t)((rest + PROBE_CHUNK) / PROBE_CHUNK * PROBE_CHUNK);
		}
		n = pread_full(h->fd, h->buf, want, off, rest && rest < want ? (size_t)rest : want);
		if (n < 0)
			return -1;
		for (size_t i = 0; i < (size_t)n; i += PROBE_CHUNK) {
			size_t len = (size_t)n - i < PROBE_CHUNK ? (size_t)n - i : PROBE_CHUNK;

			if (len == PROBE_CHUNK && all_zero(h->buf + i, len)) {
				if (zero_chunks(h, h->buf + i, 1))
					return 1;
			} else {
				data_chunk(h, h->buf + i, len);
			}
		}
		off += n;
		if ((size_t)n < want)
			break;
	}
	if (h->zr)
		flush_run(h);
	return 0;
}

/*
 * True if the holes of fd alone hold PROBE_ZERO_RUN_MIN bytes of zero
 * chunks, so that the plain pass need not hash them as zeros first. Looks
 * at no more than 4096 holes; the plain pass finds out for the rest.
 */
static bool holes_reach_threshold(int fd)
{
	uint64_t found = 0;
	off_t off = 0, eof = lseek(fd, 0, SEEK_END);

	if (eof < 0)
		return false;
	for (int i = 0; i < 4096 && off < eof; i++) {
		off_t data = next_data(fd, off);
		uint64_t first = ((uint64_t)off + PROBE_CHUNK - 1) / PROBE_CHUNK;
		uint64_t last;

		if (data < 0)
			return false;
		if (data > eof)
			data = eof;
		last = (uint64_t)data / PROBE_CHUNK;
		if (last > first)
			found += (last - first) * PROBE_CHUNK;
		if (found >= PROBE_ZERO_RUN_MIN)
			return true;
		if (data >= eof || (off = lseek(fd, data, SEEK_HOLE)) < 0)
			return false;
	}
	return false;
}

/*
 * Feeds the whole content of fd to d: its bytes, or their zero-run
 * encoding (above). buf/bufsize: the caller's read buffer. -1 with errno.
 */
static int hash_fd(int fd, struct digest_ctx *d, unsigned char *buf, size_t bufsize,
		   uint64_t size, bool sparse)
{
	struct hasher h = { fd, d, buf, bufsize - bufsize % PROBE_CHUNK, size, sparse, false, 0, 0 };
	unsigned char *own = NULL;
	int rc;

	if (!h.bufsize) {
		own = h.buf = xmalloc(PROBE_CHUNK);
		h.bufsize = PROBE_CHUNK;
	}
	h.zr = sparse && holes_reach_threshold(fd);
	if (h.zr)
		digest_update(d, ZR_MAGIC, sizeof(ZR_MAGIC) - 1);
	rc = hash_pass(&h);
	if (rc == 1) {
		digest_reset(d);
		h.zr = true;
		h.sparse = sparse;
		digest_update(d, ZR_MAGIC, sizeof(ZR_MAGIC) - 1);
		rc = hash_pass(&h);
	}
	free(own);
	return rc < 0 ? -1 : 0;
}

static bool same_content_stat(const struct statx *a, const struct statx *b)
{
	return a->stx_size == b->stx_size &&
	       a->stx_mtime.tv_sec == b->stx_mtime.tv_sec &&
	       a->stx_mtime.tv_nsec == b->stx_mtime.tv_nsec &&
	       a->stx_ctime.tv_sec == b->stx_ctime.tv_sec &&
	       a->stx_ctime.tv_nsec == b->stx_ctime.tv_nsec;
}

/*
 * One digest context per thread, reused from file to file: creating the
 * libcrypto and libsodium states for each of 100k files is measurable.
 */
static _Thread_local struct digest_ctx *tl_digest;
static _Thread_local struct attrset tl_digest_want;

static struct digest_ctx *thread_digest(const struct attrset *want)
{
	struct attrset hashes = ATTRSET_EMPTY;
	const enum attr_id *ids;
	size_t n = digest_algs(&ids);

	for (size_t i = 0; i < n; i++)
		if (attrset_has(want, ids[i]))
			attrset_add(&hashes, ids[i]);
	if (tl_digest && attrset_eq(&hashes, &tl_digest_want)) {
		digest_reset(tl_digest);
		return tl_digest;
	}
	digest_free(tl_digest);
	tl_digest = digest_new(&hashes);
	tl_digest_want = hashes;
	return tl_digest;
}

void probe_thread_release(void)
{
	digest_free(tl_digest);
	tl_digest = NULL;
}

int probe_file_content(struct probe_fd *f, const struct attrset *want,
		       struct record *rec, unsigned char *buf, size_t bufsize)
{
	struct digest_ctx *d = thread_digest(want);
	struct statx before = f->stx, after;
	bool stable = false;
	int err = 0;

	/* Readahead already covers what one read asks for. */
	if (before.stx_size > bufsize)
		posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (int attempt = 0; attempt <= MAX_REREADS && !stable && !err; attempt++) {
		bool sparse;

		if (attempt) {
			digest_reset(d);	/* a torn read: start over */
			before = after;
		}
		sparse = (before.stx_mask & STATX_BLOCKS) && before.stx_blocks * 512 < before.stx_size;
		if (hash_fd(f->fd, d, buf, bufsize, before.stx_size, sparse) < 0 ||
		    statx(f->fd, "", AT_EMPTY_PATH, PROBE_CONTENT_MASK, &after) < 0) {
			err = errno;
			break;
		}
		stable = same_content_stat(&before, &after);
	}
	if (err) {
		probe_set_error(rec, err);
	} else if (!stable) {
		record_set_str(rec, ATTR_ERROR, "file changed while being hashed");
	} else {
		/* The stat that goes with the hashed bytes, which may be newer
		 * than the walker's: a record must not pair an old size with a
		 * new hash. */
		if (record_has(rec, ATTR_SIZE))
			record_set_int(rec, ATTR_SIZE, (int64_t)after.stx_size);
		if (record_has(rec, ATTR_MTIME))
			record_set_int(rec, ATTR_MTIME, statx_ns(&after.stx_mtime));
		if (record_has(rec, ATTR_CTIME))
			record_set_int(rec, ATTR_CTIME, statx_ns(&after.stx_ctime));
		if (record_has(rec, ATTR_BLOCKS) && (after.stx_mask & STATX_BLOCKS))
			record_set_int(rec, ATTR_BLOCKS, (int64_t)after.stx_blocks);
		const enum attr_id *ids;
		size_t n = digest_algs(&ids);

		for (size_t i = 0; i < n; i++) {
			unsigned char out[DIGEST_MAX];

			if (!attrset_has(want, ids[i]))
				continue;
			digest_final(d, ids[i], out);
			record_set_bytes(rec, ids[i], out, digest_len(ids[i]));
		}
		f->stx = after;
	}
	close(f->fd);
	f->fd = -1;
	return 0;
}
