/*
 * reader.c - reads a baseline in two passes over one file. The first
 * decodes and checks every byte (on a thread of its own, so that a check
 * can scan meanwhile); the second yields records and must see the same
 * bytes. Callers act on no record before baseline_reader_wait().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "imscan/error.h"
#include "imscan/imdb.h"
#include "imscan/xalloc.h"

#define WIN_START	(256u << 10)
#define WIN_ROOM	(4u << 10)
#define WIN_MAX		(IMDB_RECORD_MAX > IMDB_PREAMBLE + BASELINE_MAX_HEADER ? \
			 IMDB_RECORD_MAX : IMDB_PREAMBLE + BASELINE_MAX_HEADER)

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
	unsigned char *in;		/* IMDB_IOBUF bytes of compressed input */
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
	unsigned char digest[IMDB_DIGEST];	/* pass 1's */
	int io_error;			/* a read() failed */
	uint32_t nentities;		/* the header's: entity indexes below it */
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
	k = read_some(r, r->in, IMDB_IOBUF);
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
			ssize_t k = read_some(r, r->in, IMDB_IOBUF);

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
	crypto_generichash_init(&r->hs, NULL, 0, IMDB_DIGEST);

	while (got < sizeof(imdb_gzip_head)) {
		ssize_t k = read_some(r, r->in + got, IMDB_IOBUF - got);

		if (k < 0)
			return -1;
		if (!k)
			break;
		got += (size_t)k;
	}
	for (size_t i = 0; i < got && i < sizeof(imdb_gzip_head); i++)
		if (r->in[i] != imdb_gzip_head[i])
			return error(i < 2 ? "'%s': not an imscan baseline (not gzip)"
				     : "'%s': not an imscan baseline (unexpected gzip header)",
				     r->path);
	if (got < sizeof(imdb_gzip_head))
		return error("'%s': truncated", r->path);
	r->zs.next_in = r->in;
	r->zs.avail_in = (uInt)got;

	if (need(r, IMDB_MAGIC_LEN, "data ends inside the magic") < 0)
		return -1;
	if (memcmp(r->win + r->wpos, IMDB_MAGIC, IMDB_MAGIC_LEN))
		return error("'%s': not an imscan baseline", r->path);
	if (need(r, IMDB_PREAMBLE, "data ends before the header") < 0)
		return -1;
	version = (uint32_t)imdb_get_le(r->win + r->wpos + IMDB_MAGIC_LEN, 4);
	hlen = (uint32_t)imdb_get_le(r->win + r->wpos + IMDB_MAGIC_LEN + 4, 4);
	if (version != BASELINE_VERSION)
		return error("'%s': unsupported version %" PRIu32
			     " (this imscan reads version %d)",
			     r->path, version, BASELINE_VERSION);
	if (hlen > BASELINE_MAX_HEADER)
		return error("'%s': bad header: length %" PRIu32
			     " exceeds the limit of %u bytes",
			     r->path, hlen, BASELINE_MAX_HEADER);
	consume(r, IMDB_PREAMBLE, 1);
	if (need(r, hlen, "data ends inside the header") < 0)
		return -1;
	if (h && imdb_header_parse(r->path, r->win + r->wpos, hlen, h) < 0)
		return -1;
	if (h)
		r->nentities = h->nentities;
	consume(r, hlen, 1);
	return 0;
}

/* The trailer, the optional signature, and the end of the stream. */
static int finish_pass(struct baseline_reader *r)
{
	unsigned char digest[IMDB_DIGEST], sig[IMDB_SIG];
	int has_sig = 0, rc = 0;
	uint64_t count;

	if (need(r, 1 + 8, "data ends inside the trailer") < 0)
		return -1;
	count = imdb_get_le(r->win + r->wpos + 1, 8);
	consume(r, 1 + 8, 1);
	if (count != r->n)
		return error("'%s': corrupted (the trailer counts %" PRIu64
			     " records, the file holds %" PRIu64 ")",
			     r->path, count, r->n);
	crypto_generichash_final(&r->hs, digest, sizeof(digest));
	if (need(r, IMDB_DIGEST, "data ends inside the trailer") < 0)
		return -1;
	if (sodium_memcmp(digest, r->win + r->wpos, IMDB_DIGEST))
		return error("'%s': digest mismatch (corrupted or tampered)", r->path);
	consume(r, IMDB_DIGEST, 0);

	if (r->wpos == r->wlen && (rc = fill(r)) <= 0) {
		if (rc < 0)
			return -1;
	} else {
		if (r->win[r->wpos] != IMDB_TAG_SIG)
			return error("'%s': corrupted (unexpected data after the trailer)",
				     r->path);
		if (need(r, 1 + IMDB_SIG, "data ends inside the signature") < 0)
			return -1;
		/* Copied: fill() below may move the window. */
		memcpy(sig, r->win + r->wpos + 1, IMDB_SIG);
		has_sig = 1;
		consume(r, 1 + IMDB_SIG, 0);
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

/*
 * Entity indexes name the header's rules: a record that names none, or
 * one beyond them, would be checked by no rule (or crash a lookup).
 */
static int check_ents(const struct baseline_reader *r, const struct record *rec)
{
	if (!rec->nents)
		return error("'%s': corrupted record %" PRIu64 ": no entity index",
			     r->path, r->n + 1);
	if (rec->ents[rec->nents - 1] >= r->nentities)
		return error("'%s': corrupted record %" PRIu64 ": entity index %" PRIu32
			     " out of range (the rules have %" PRIu32 " %s)",
			     r->path, r->n + 1, rec->ents[rec->nents - 1], r->nentities,
			     r->nentities == 1 ? "entity" : "entities");
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
	if (r->win[r->wpos] == IMDB_TAG_END)
		return finish_pass(r) < 0 ? -1 : 0;
	for (;;) {
		int rc;

		if (atomic_load_explicit(&r->cancel, memory_order_relaxed))
			return error("'%s': verification cancelled", r->path);
		k = imdb_decode(r->win + r->wpos, r->wlen - r->wpos, prev, rec, &r->keybuf);
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
	if (check_ents(r, rec) < 0)
		return -1;
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
	struct baseline_reader *r = xaligned_alloc(64, sizeof(*r));	/* libsodium */

	memset(r, 0, sizeof(*r));
	r->path = xstrdup(path);
	r->fd = fd;
	r->pass = pass;
	r->in = xmalloc(IMDB_IOBUF);
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

/* Someone other than us (or root) who could replace what st describes. */
static int writable_by_others(const struct stat *st, int dir)
{
	if (st->st_uid != geteuid() && st->st_uid != 0)
		return 1;
	/* A sticky directory lets others add names, not replace ours. */
	return (st->st_mode & 022) && !(dir && (st->st_mode & S_ISVTX));
}

/*
 * A baseline that another user can rewrite (or whose directory lets one
 * rename another file over it) proves nothing until it is signed: say so
 * on every read.
 */
static void warn_if_writable(const char *path, const struct stat *st)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : xstrdup(".");
	struct stat ds;

	if (writable_by_others(st, 0))
		warning("baseline '%s' is writable by others (mode %04o, owner uid %ld)",
			path, (unsigned)(st->st_mode & 07777), (long)st->st_uid);
	else if (stat(dir, &ds) == 0 && writable_by_others(&ds, 1))
		warning("baseline '%s' is in a directory writable by others: '%s' "
			"(mode %04o, owner uid %ld)", path, dir,
			(unsigned)(ds.st_mode & 07777), (long)ds.st_uid);
	free(dir);
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
	warn_if_writable(path, &st);
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
	v->nentities = r->nentities;
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
