/*
 * baseline.h - the .imdb baseline file (format: imscan-baseline(5)).
 *
 * One gzip stream whose 10-byte header is exactly what imscan writes (no
 * name, zero mtime, OS 3), so that no byte of the file is outside the
 * checks. Inside:
 *   magic "\x89IMDB\r\n\x1a\n", u32le version (1),
 *   u32le header length, JSON header,
 *   records in record_cmp order (see the man page for their encoding),
 *   'E', u64le record count, 32-byte BLAKE2b-256 of every byte before it,
 *   optionally 'S' and a 64-byte Ed25519 signature of that digest,
 *   then the end of the stream (and of the file).
 * The reader verifies the whole file before it yields the first record,
 * so check never reports from a tampered baseline. No length read from the
 * file is trusted for an allocation beyond the BASELINE_MAX_* bounds.
 */
#ifndef IMSCAN_BASELINE_H
#define IMSCAN_BASELINE_H

#include <stdint.h>

#include "imscan/attr.h"
#include "imscan/record.h"

#define BASELINE_VERSION	1
#define BASELINE_MAX_HEADER	(16u << 20)	/* JSON header incl. embedded rules */
#define BASELINE_MAX_FIELD	(1u << 20)	/* one key or value */
#define BASELINE_MAX_ENTS	65536u		/* entity indexes per record */

struct baseline_header {
	int64_t created;	/* ns since the epoch */
	char *host;
	char *root;
	enum attr_id hash;	/* STANDARD's content hash */
	char *tool;		/* "imscan 0.1.0" */
	char *rules_json;	/* the embedded ruleset (ruleset_to_json) */
};

void baseline_header_release(struct baseline_header *h);

struct baseline_writer;

/*
 * Starts writing path: takes an exclusive lock (path + ".lock"; a second
 * writer fails at once with "'<path>' is being written by another imscan
 * (pid N)"), creates the directory if missing (0700), opens a temporary
 * file in the same directory with mode 0600.
 */
int baseline_writer_open(struct baseline_writer **out, const char *path,
			 const struct baseline_header *h);
/* Appends r; records must come in strictly increasing record_cmp order. */
int baseline_writer_add(struct baseline_writer *w, const struct record *r);
/*
 * Writes the trailer (and signature, if seckey is not NULL: a 64-byte
 * libsodium Ed25519 secret key), fsyncs, renames over path, fsyncs the
 * directory, unlocks, frees w. On failure the old file is untouched.
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
 * "'<path>': digest mismatch (corrupted or tampered)".
 */
int baseline_reader_open(struct baseline_reader **out, const char *path,
			 const unsigned char *pubkey, struct baseline_header *h);
int baseline_reader_next(struct baseline_reader *r, const struct record **out);
uint64_t baseline_reader_count(const struct baseline_reader *r);
void baseline_reader_close(struct baseline_reader *r);
struct recstream baseline_reader_stream(struct baseline_reader *r);

/*
 * Record encoding, exposed for unit tests and fuzzing: encode appends r
 * (prefix-compressed against prev's key, prev may be NULL) to out; decode
 * parses one record from p (n bytes available) into r given the previous
 * key, and returns bytes consumed, 0 if more input is needed, -1 if invalid.
 */
void record_encode(struct strbuf *out, const struct record *r, const struct record *prev);
long record_decode(const unsigned char *p, size_t n, const struct record *prev,
		   struct record *r);

#endif
