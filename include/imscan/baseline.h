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
#define BASELINE_KEY_LEN	32		/* digest_key */

/*
 * The JSON header. The writer takes host, root and tool as given (NULL
 * host or root is written as "", NULL tool as "imscan <version>") and
 * rules_json, which must be a JSON array (NULL is written as []), is
 * embedded as JSON, not as a string. The reader fills every field (caller
 * releases); rules_json is then the array as compact JSON text.
 */
struct baseline_header {
	int64_t created;	/* ns since the epoch */
	char *host;
	char *root;
	enum attr_id hash;	/* STANDARD's content hash */
	char *tool;		/* "imscan 0.1.0" */
	char *rules_json;	/* the embedded ruleset (ruleset_to_json) */
	/* The random per-baseline key of the keyed digests of secrets
	 * (source_opts.digest_key), "digest_key" in hex. A secret of the
	 * baseline: nothing prints it. Optional: without it
	 * (has_digest_key false) no such digest is recorded. */
	bool has_digest_key;
	unsigned char digest_key[BASELINE_KEY_LEN];
};

/* Frees the strings and wipes h; safe on a zeroed header. */
void baseline_header_release(struct baseline_header *h);

struct baseline_writer;

/*
 * Starts writing path: takes an exclusive lock (path + ".lock"; a second
 * writer fails at once with "'<path>' is being written by another imscan
 * (pid N)"), creates the directory if missing (0700), opens a temporary
 * file path.XXXXXX in the same directory with mode 0600. The lock file
 * (0600) holds the writer's pid and the temporary file's name; a writer
 * that finds there the name of a temporary file a killed writer left
 * behind removes it, with a warning(). Refused at once: a path that is no
 * file name ("", "dir/") or names something other than a regular file or
 * a symlink ("'<path>': not a regular file").
 */
int baseline_writer_open(struct baseline_writer **out, const char *path,
			 const struct baseline_header *h);
/*
 * Appends r; records must come in strictly increasing record_cmp order.
 * After -1 (records out of order, a key or value too long, a write error)
 * the writer is dead: commit fails with the same message, abort cleans up.
 */
int baseline_writer_add(struct baseline_writer *w, const struct record *r);
/*
 * Writes the trailer (and signature, if seckey is not NULL: a 64-byte
 * libsodium Ed25519 secret key), fsyncs, renames over path, fsyncs the
 * directory, unlocks, frees w. w is freed whatever the outcome. On failure
 * ("'<path>': write failed: No space left on device") the temporary file
 * is removed and the old file is untouched. A failure to fsync the
 * directory after the rename is only a warning(): the new file is in place.
 */
int baseline_writer_commit(struct baseline_writer *w, const unsigned char *seckey);
/* Removes the temporary file, unlocks, frees w. */
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
 * With pubkey NULL, a signature is checked for shape only.
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
