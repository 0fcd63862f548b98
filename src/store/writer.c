/*
 * writer.c - writes a baseline: records through deflate into a temporary
 * file next to it (lock.c names and records it), fsync, rename over the
 * old file, fsync of the directory. Nothing is renamed into place unless
 * the writer wrote every byte of it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "imscan/error.h"
#include "imscan/escape.h"
#include "imscan/imdb.h"
#include "imscan/xalloc.h"

struct baseline_writer {
	crypto_generichash_state hs;	/* first: needs 64-byte alignment */
	char *path, *tmp;
	struct baseline_lock *lock;
	int fd;
	z_stream zs;
	gz_header gz;			/* zlib reads it at the first deflate() */
	int zinit;
	unsigned char *out;		/* deflate output, IMDB_IOBUF bytes */
	size_t outlen;
	struct strbuf pend;		/* encoded bytes not yet deflated */
	struct record prev;
	int have_prev;
	uint64_t count;
	uint64_t written;		/* bytes this writer wrote to fd */
	uint32_t nentities;		/* of the header's rules */
	bool keep_prev;			/* baseline_writer_keep_prev */
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
	w->written += w->outlen;
	w->outlen = 0;
	return 0;
}

/*
 * A temporary file that holds more or less than this writer wrote was
 * written by something else too (a stray descriptor, another process):
 * it is never renamed into place.
 */
static int written_only_by_us(struct baseline_writer *w)
{
	struct stat st;

	if (fstat(w->fd, &st) < 0)
		return error("'%s': cannot stat '%s': %s", w->path, w->tmp, strerror(errno));
	if ((uint64_t)st.st_size != w->written)
		return error("'%s': '%s' holds %lld bytes but imscan wrote %llu: "
			     "something else wrote to it; not renamed into place", w->path, w->tmp,
			     (long long)st.st_size, (unsigned long long)w->written);
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
		w->zs.avail_out = (uInt)(IMDB_IOBUF - w->outlen);
		ret = deflate(&w->zs, flush);
		w->outlen = IMDB_IOBUF - w->zs.avail_out;
		if (ret == Z_STREAM_ERROR) {
			error("'%s': deflate failed", w->path);
			return writer_fail(w);
		}
		if (w->outlen == IMDB_IOBUF && flush_out(w) < 0)
			return -1;
		if (flush == Z_FINISH ? ret == Z_STREAM_END : !w->zs.avail_in)
			break;
	}
	strbuf_reset(&w->pend);
	if (flush == Z_FINISH && w->outlen && flush_out(w) < 0)
		return -1;
	return 0;
}

/*
 * Interruption: SIGINT, SIGTERM and SIGHUP while a temporary file exists
 * remove it, then end the process as the signal would have (the handler
 * re-raises it with its default action). The handlers are installed
 * while a writer has a temporary file, and the previous ones restored
 * after; a caller's own handler stays in charge if it ignored the signal.
 * Only async-signal-safe calls in the handler: unlink, sigaction, raise.
 */
#define TMP_SLOTS 4
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
static char *volatile tmp_slot[TMP_SLOTS];
static struct sigaction old_action[sizeof(stop_signals) / sizeof(stop_signals[0])];
static int tmp_in_use;

static void on_stop_signal(int sig)
{
	struct sigaction dfl;

	for (int i = 0; i < TMP_SLOTS; i++)
		if (tmp_slot[i])
			unlink(tmp_slot[i]);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void guard_tmp(struct baseline_writer *w)
{
	struct sigaction sa;
	int i = 0;

	while (i < TMP_SLOTS && tmp_slot[i])
		i++;
	if (i == TMP_SLOTS)
		return;	/* the next writer's clean-up (lock.c) still applies */
	tmp_slot[i] = w->tmp;
	if (tmp_in_use++)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigfillset(&sa.sa_mask);
	for (size_t k = 0; k < sizeof(stop_signals) / sizeof(stop_signals[0]); k++) {
		sigaction(stop_signals[k], NULL, &old_action[k]);
		if (old_action[k].sa_handler != SIG_IGN)
			sigaction(stop_signals[k], &sa, NULL);
	}
}

/* Before w->tmp is renamed, unlinked or freed. */
static void unguard_tmp(struct baseline_writer *w)
{
	int i = 0;

	while (i < TMP_SLOTS && (!w->tmp || tmp_slot[i] != w->tmp))
		i++;
	if (i == TMP_SLOTS)
		return;
	tmp_slot[i] = NULL;
	if (--tmp_in_use)
		return;
	for (size_t k = 0; k < sizeof(stop_signals) / sizeof(stop_signals[0]); k++)
		if (old_action[k].sa_handler != SIG_IGN)
			sigaction(stop_signals[k], &old_action[k], NULL);
}

static void writer_free(struct baseline_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp) {
		unlink(w->tmp);
		unguard_tmp(w);
	}
	baseline_lock_release(w->lock);
	if (w->zinit)
		deflateEnd(&w->zs);
	free(w->out);
	strbuf_release(&w->pend);
	record_release(&w->prev);
	free(w->failed);
	free(w->path);
	free(w->tmp);
	free(w);
}

/* The temporary file, mode 0600 whatever the umask. */
static int open_tmp(struct baseline_writer *w)
{
	w->fd = imdb_lock_create_tmp(w->lock, &w->tmp);
	if (w->fd < 0) {
		error("'%s': cannot create temporary file '%s': %s",
		      w->path, w->tmp, strerror(errno));
		free(w->tmp);
		w->tmp = NULL;
		return -1;
	}
	guard_tmp(w);
	if (fchmod(w->fd, 0600) < 0)
		return error("'%s': cannot set the mode of '%s': %s",
			     w->path, w->tmp, strerror(errno));
	return 0;
}

static int start_gzip(struct baseline_writer *w)
{
	if (deflateInit2(&w->zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return error("'%s': cannot initialise zlib", w->path);
	w->zinit = 1;
	w->gz.os = 3;	/* the rest stays zero: no name, no mtime */
	if (deflateSetHeader(&w->zs, &w->gz) != Z_OK)
		return error("'%s': cannot initialise zlib", w->path);
	w->out = xmalloc(IMDB_IOBUF);
	return 0;
}

int baseline_writer_open_locked(struct baseline_writer **out, struct baseline_lock *lock,
				const struct baseline_spec *h)
{
	const char *path = imdb_lock_target(lock);
	struct baseline_writer *w;
	unsigned char pre[IMDB_PREAMBLE];
	char *json = NULL;
	int ret = -1;

	*out = NULL;
	if (sodium_init() < 0) {
		baseline_lock_release(lock);
		return error("cannot initialise libsodium");
	}
	w = xaligned_alloc(64, sizeof(*w));	/* libsodium's hash state */
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->lock = lock;
	w->path = xstrdup(path);
	strbuf_init(&w->pend);
	record_init(&w->prev);
	crypto_generichash_init(&w->hs, NULL, 0, IMDB_DIGEST);
	if (!(json = imdb_header_json(path, h, &w->nentities)) || open_tmp(w) < 0 || start_gzip(w) < 0)
		goto cleanup;
	memcpy(pre, IMDB_MAGIC, IMDB_MAGIC_LEN);
	imdb_put_le(pre + IMDB_MAGIC_LEN, BASELINE_VERSION, 4);
	imdb_put_le(pre + IMDB_MAGIC_LEN + 4, strlen(json), 4);
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

int baseline_writer_open(struct baseline_writer **out, const char *path,
			 const struct baseline_spec *h)
{
	struct baseline_lock *lock;
	uint32_t nents;
	char *json;

	*out = NULL;
	if (imdb_lock_path_check(path) < 0)
		return -1;
	/* A header that cannot be written is refused before the lock. */
	if (!(json = imdb_header_json(path, h, &nents)))
		return -1;
	free(json);
	if (!(lock = baseline_lock_acquire(path)))
		return -1;
	return baseline_writer_open_locked(out, lock, h);
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
	struct attrset valid = imdb_known_attrs();
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
	else if (!r->nents)
		what = "no entity index";
	else if (r->ents[r->nents - 1] >= w->nentities)
		what = "entity index out of range";
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
	if (w->pend.len >= IMDB_IOBUF)
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

void baseline_writer_keep_prev(struct baseline_writer *w)
{
	w->keep_prev = true;
}

/*
 * The file being replaced becomes path.prev: hard-linked as path.prev.new,
 * then renamed over path.prev, so that path.prev is always a whole
 * baseline (the older or the newer), and path itself is never missing.
 * Under the lock: no other writer uses these names meanwhile.
 */
static int keep_prev(struct baseline_writer *w)
{
	struct strbuf prev, tmp;
	int ret = -1;

	strbuf_init(&prev);
	strbuf_init(&tmp);
	strbuf_addf(&prev, "%s.prev", w->path);
	strbuf_addf(&tmp, "%s.prev.new", w->path);
	if (unlink(tmp.buf) < 0 && errno != ENOENT)
		error("'%s': cannot remove '%s': %s", w->path, tmp.buf, strerror(errno));
	else if (link(w->path, tmp.buf) < 0) {
		/* No old file; or no link allowed (another's file under
		 * fs.protected_hardlinks, a file system without links): the new
		 * baseline matters more than the copy of the old one. */
		if (errno != ENOENT)
			warning("'%s': not kept as '%s': %s", w->path, prev.buf, strerror(errno));
		ret = 0;
	}
	else if (rename(tmp.buf, prev.buf) < 0)
		error("'%s': cannot keep it as '%s': %s", w->path, prev.buf, strerror(errno));
	else
		ret = 0;
	/* rename(2) of a link onto another link of the same file does nothing
	 * and succeeds: so when path.prev already was path (a writer killed
	 * between keeping path and renaming its file in), path.prev.new stays. */
	if (ret == 0 && unlink(tmp.buf) < 0 && errno != ENOENT)
		ret = error("'%s': cannot remove '%s': %s", w->path, tmp.buf, strerror(errno));
	strbuf_release(&tmp);
	strbuf_release(&prev);
	return ret;
}

/* The rename, with the stop signals held back until the temporary file
 * is no longer ours to remove. */
static int rename_into_place(struct baseline_writer *w)
{
	sigset_t stop, old;
	int rc;

	sigemptyset(&stop);
	for (size_t k = 0; k < sizeof(stop_signals) / sizeof(stop_signals[0]); k++)
		sigaddset(&stop, stop_signals[k]);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	rc = rename(w->tmp, w->path);
	if (rc < 0) {
		error("'%s': cannot rename '%s' over it: %s", w->path, w->tmp, strerror(errno));
	} else {
		unguard_tmp(w);
		free(w->tmp);
		w->tmp = NULL;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int baseline_writer_commit(struct baseline_writer *w, const unsigned char *seckey)
{
	unsigned char end[1 + 8], digest[IMDB_DIGEST], sig[1 + IMDB_SIG];
	int rc, ret = -1;

	if (w->failed) {
		error("%s", w->failed);
		goto cleanup;
	}
	end[0] = IMDB_TAG_END;
	imdb_put_le(end + 1, w->count, 8);
	emit(w, end, sizeof(end), 1);
	crypto_generichash_final(&w->hs, digest, sizeof(digest));
	emit(w, digest, sizeof(digest), 0);
	if (seckey) {
		sig[0] = IMDB_TAG_SIG;
		if (crypto_sign_detached(sig + 1, NULL, digest, sizeof(digest), seckey) < 0) {
			error("'%s': signing failed", w->path);
			goto cleanup;
		}
		emit(w, sig, sizeof(sig), 0);
	}
	if (deflate_pending(w, Z_FINISH) < 0 || written_only_by_us(w) < 0)
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
	if ((w->keep_prev && keep_prev(w) < 0) || rename_into_place(w) < 0)
		goto cleanup;
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
