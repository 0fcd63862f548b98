/*
 * baseline.h - the .imdb baseline file (format: imscan-baseline(5)).
 *
 * One gzip stream whose 10-byte header is exactly what imscan writes (no
 * name, zero mtime, OS 3), so that no byte of the file is outside the
 * checks. Inside:
 *   magic "\x89IMDB\r\n\x1a\n" (9 bytes), u32le version (1),
 *   u32le header length, JSON header,
 *   records in record_cmp order (see the man page for their encoding),
 *   'E', u64le record count, 32-byte BLAKE2b-256 of every byte before it,
 *   optionally 'S' and a 64-byte Ed25519 signature of that digest,
 *   then the end of the stream (and of the file).
 * The reader verifies the whole file before anything acts on a record
 * (baseline_reader_open waits for it; check, which opens asynchronously,
 * emits nothing before the wait), so check never reports from a tampered
 * baseline. No length read from the
 * file is trusted for an allocation beyond the BASELINE_MAX_* bounds.
 * The writer refuses whatever the reader would refuse (a key too long, an
 * empty key, records out of order), so a baseline that was written can
 * always be read back.
 */
#ifndef IMSCAN_BASELINE_H
#define IMSCAN_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imscan/attr.h"
#include "imscan/record.h"
#include "imscan/strbuf.h"

#define BASELINE_VERSION	1
#define BASELINE_MAX_HEADER	(16u << 20)	/* JSON header incl. embedded rules */
#define BASELINE_MAX_FIELD	(1u << 20)	/* one key or value */
#define BASELINE_MAX_ENTS	65536u		/* entity indexes per record */

/*
 * How the rules of a baseline were chosen (imscan baseline's -r and
 * --param), so that a re-baseline can repeat the choice: the -r paths as
 * given and as made absolute when the baseline was written (none: the
 * recommended rules of the installed library), and the --param values.
 * Header member "origin" (imscan-baseline(5)); baselines written before
 * it existed have none (recorded false).
 */
struct baseline_origin {
	bool recorded;		/* reader: the header has one */
	size_t npaths;		/* 0: the recommended library */
	char **paths;		/* -r PATH as given */
	char **abs_paths;	/* the same, absolute */
	size_t nparams;
	char **params;		/* --param "NAME=VALUE" */
};

/* Frees what the reader filled and zeroes o; safe on a zeroed one. */
void baseline_origin_release(struct baseline_origin *o);

/*
 * The JSON header as the reader gives it: every field filled and owned
 * (baseline_header_release frees them); rules_json is the embedded
 * ruleset as compact JSON text.
 */
struct baseline_header {
	int64_t created;	/* ns since the epoch */
	char *host;
	char *root;
	enum attr_id hash;	/* STANDARD's content hash */
	char *tool;		/* "imscan 0.1.0" */
	char *rules_json;	/* the embedded ruleset (ruleset_to_json) */
	/*
	 * The entities of rules_json, counted as ruleset_load_json numbers
	 * them (each rule's "entities" in order). Every record names at least
	 * one entity, and only indexes below this: the reader refuses any
	 * other record ("corrupted record 3: no entity index", "corrupted
	 * record 3: entity index 7 out of range (the rules have 2 entities)"),
	 * and the writer refuses to write one.
	 */
	uint32_t nentities;
	struct baseline_origin origin;
};

/* Frees the strings and zeroes h; safe on a zeroed header. */
void baseline_header_release(struct baseline_header *h);

/*
 * The header as the writer is told it, borrowed for the call to
 * baseline_writer_open only. NULL host or root is written as "", NULL
 * tool as "imscan <version>"; rules_json, which must be a JSON array
 * (NULL is written as []), is embedded as JSON, not as a string.
 */
struct baseline_spec {
	int64_t created;
	const char *host;
	const char *root;
	enum attr_id hash;
	const char *tool;
	const char *rules_json;
	/* NULL: no "origin" member. Written only if every path, absolute
	 * path and param is a string (paths and abs_paths of npaths each). */
	const struct baseline_origin *origin;
};

/*
 * The lock of a baseline path: path + ".lock", held with flock(2) by one
 * process at a time (a second one is refused at once, never waits). The
 * lock file (0600) holds the holder's pid and the name of its temporary
 * file while it has one; the next holder removes a temporary file that a
 * killed writer left behind, with a warning(). The lock file is never
 * removed.
 */
struct baseline_lock;

/*
 * Takes path's lock, creating path's directory if missing (0700). Take it
 * before reading a baseline that is to be rewritten (check --update), so
 * that no other writer can replace it in between. NULL with a message:
 * "'<path>' is locked by another process (pid N, lock file '<path>.lock')",
 * the pid the kernel gives for the lock (/proc/locks), left out when it
 * cannot be had. Refused at once, before anything is created: a path that
 * is no file name ("", "dir/"), a symlink ("'<path>' is a symbolic link;
 * refusing to replace it") or anything else but a regular file
 * ("'<path>': not a regular file").
 */
struct baseline_lock *baseline_lock_acquire(const char *path);
/* Releases and frees l; NULL is ignored. */
void baseline_lock_release(struct baseline_lock *l);

/*
 * The files of a baseline path, as absolute host paths, for a scan to
 * skip (source_opts' skip list) so that a baseline inside the scanned tree
 * never reports its own files: the baseline itself, its lock file, the
 * previous baseline kept (baseline_writer_keep_prev) and its link in the
 * making (prev + ".new"), and its temporary files, which are tmp_prefix followed by exactly
 * BASELINE_TMP_SUFFIX letters or digits. The directory part is resolved
 * (realpath) when it exists, so that a walk that reaches it by its
 * physical path matches; a relative path is taken from the current
 * directory. Fill with baseline_paths_get (0, or -1 with a message),
 * release with baseline_paths_release.
 */
#define BASELINE_TMP_SUFFIX 6
struct baseline_paths {
	char *file;		/* "/var/lib/imscan/baseline.imdb" */
	char *lock;		/* "/var/lib/imscan/baseline.imdb.lock" */
	char *tmp_prefix;	/* "/var/lib/imscan/baseline.imdb." */
	char *prev;		/* "/var/lib/imscan/baseline.imdb.prev" (and + ".new") */
};
int baseline_paths_get(struct baseline_paths *out, const char *path);
void baseline_paths_release(struct baseline_paths *p);
/* True if the host path p (len bytes, no NUL needed) is one of bp's files. */
bool baseline_paths_match(const struct baseline_paths *bp, const char *p, size_t len);

struct baseline_writer;

/*
 * Starts writing path: takes its lock (baseline_lock_acquire) and opens a
 * temporary file path.XXXXXX in the same directory with mode 0600. The
 * header is checked first: a hash that is no content hash, a creation
 * time outside years 1000-9999, rules that are no JSON array, a header
 * over BASELINE_MAX_HEADER are refused before anything is created.
 */
int baseline_writer_open(struct baseline_writer **out, const char *path,
			 const struct baseline_spec *h);
/* The same with a lock already held, which the writer takes over
 * (released with it, whatever the outcome). */
int baseline_writer_open_locked(struct baseline_writer **out, struct baseline_lock *lock,
				const struct baseline_spec *h);
/*
 * Appends r; records must come in strictly increasing record_cmp order.
 * After -1 (records out of order, a key or value too long, a write error)
 * the writer is dead: commit fails with the same message, abort cleans up.
 */
int baseline_writer_add(struct baseline_writer *w, const struct record *r);
/*
 * At commit, keep the file being replaced (if any) as path.prev: linked,
 * then renamed over path.prev before the new file is renamed in, so that
 * path and path.prev are each a whole baseline at every moment. When no
 * link can be made (a file of another user under fs.protected_hardlinks,
 * a file system without hard links) only a warning() says so ("'<path>':
 * not kept as '<path>.prev': Operation not permitted") and the commit goes
 * on; a failure to rename is an error that fails the commit ("'<path>':
 * cannot keep it as '<path>.prev': ..."), the old files untouched.
 */
void baseline_writer_keep_prev(struct baseline_writer *w);
/*
 * Writes the trailer (and signature, if seckey is not NULL: a 64-byte
 * libsodium Ed25519 secret key), fsyncs, renames over path, fsyncs the
 * directory, unlocks, frees w. w is freed whatever the outcome. On failure
 * ("'<path>': write failed: No space left on device") the temporary file
 * is removed and the old file is untouched. A failure to fsync the
 * directory after the rename is only a warning(): the new file is in place.
 */
int baseline_writer_commit(struct baseline_writer *w, const unsigned char *seckey);
/*
 * Removes the temporary file, unlocks, frees w. SIGINT, SIGTERM and SIGHUP
 * (unless ignored) also remove it while it exists, then end the process
 * by that signal as they would have.
 */
void baseline_writer_abort(struct baseline_writer *w);

struct baseline_reader;

/*
 * Opens and fully verifies path (gzip header, structure, count, digest;
 * the signature with pubkey if not NULL, a 32-byte Ed25519 public key),
 * fills *h, and positions at the first record. Errors name the file and
 * the problem: "'<path>': truncated", "'<path>': not an imscan baseline",
 * "'<path>': unsupported version 7 (this imscan reads version 1)",
 * "'<path>': digest mismatch (corrupted or tampered)",
 * "'<path>': corrupted record 12: out of order", "'<path>': not signed",
 * "'<path>': bad signature". On failure *h is left zeroed.
 * With pubkey NULL, a signature is checked for shape only. A file or
 * directory that another user could write is read with a warning():
 * "baseline '<path>' is writable by others (mode 0666, owner uid 0)",
 * "baseline '<path>' is in a directory writable by others: '<dir>'
 * (mode 0777, owner uid 0)".
 */
int baseline_reader_open(struct baseline_reader **out, const char *path,
			 const unsigned char *pubkey, struct baseline_header *h);
/*
 * The same, but returns once the header is read: the file is verified on a
 * thread of its own while the caller reads records, so that a check can
 * scan meanwhile. Records may then come from a file that will fail
 * verification: act on none (no event, no output) before
 * baseline_reader_wait() returned 0. A failed verification also fails the
 * next baseline_reader_next() with its message; a tampered file is not
 * read to its end.
 */
int baseline_reader_open_async(struct baseline_reader **out, const char *path,
			       const unsigned char *pubkey, struct baseline_header *h);
/* Waits for the verification: 0, or -1 and its message. Repeatable. */
int baseline_reader_wait(struct baseline_reader *r);
/*
 * 1 and a borrowed record (valid until the following call), 0 after the
 * last one, -1 if the file changed since it was verified ("'<path>':
 * changed while being read") or cannot be read any more.
 */
int baseline_reader_next(struct baseline_reader *r, const struct record **out);
/* The number of records (from the verified trailer; after the wait). */
uint64_t baseline_reader_count(const struct baseline_reader *r);
/* True if the file carries a signature (verified only if a key was given;
 * known after the wait). */
int baseline_reader_signed(const struct baseline_reader *r);
void baseline_reader_close(struct baseline_reader *r);
struct recstream baseline_reader_stream(struct baseline_reader *r);

/*
 * Record encoding, exposed for unit tests and fuzzing. encode appends r,
 * with its 'R' tag, to out; prev (NULL for the first record) is the
 * record before it: the key is stored as a prefix shared with prev's key
 * plus a suffix, and each integer attribute as the difference from prev's
 * value of it. decode parses one record from p (n bytes available) into r
 * given the same prev, checks it against the format's bounds and that it
 * sorts after prev, and returns bytes consumed, 0 if more input is needed,
 * -1 if invalid (message left: what is wrong, e.g. "out of order").
 * prev and r must be distinct records.
 */
void record_encode(struct strbuf *out, const struct record *r, const struct record *prev);
long record_decode(const unsigned char *p, size_t n, const struct record *prev,
		   struct record *r);

#endif
