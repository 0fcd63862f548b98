/*
 * source.h - the producers of records: one source per entity kind.
 *
 * sources[] (src/source/sources.c) lists every source in kind order. The
 * driver (sources_open) opens each source whose kind the ruleset has
 * entities of and yields all their records as one stream in record_cmp
 * order: kind first, then key. baseline writes that stream, check merges
 * it with the baseline's (diff.h). The file source (src/source/file.c,
 * the walk with probes and parallel hashing) is one row; the others
 * (src/source/<kind>.c) read their whole, small, set at open, sort it
 * (source_list below) and hand it out.
 *
 * A source selects with the entities of its own kind only (select.h):
 * records carry the indexes of the entities that selected them, and
 * nothing that no entity selects is yielded.
 *
 * Sources never include the store or the command layer: what check has
 * to offer (the baseline's records, for --quick) comes in through
 * source_opts as a callback.
 */
#ifndef IMSCAN_SOURCE_H
#define IMSCAN_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imscan/record.h"
#include "imscan/rules.h"

/*
 * The baseline's record of (kind, key), for check --quick: 1 and the
 * record (borrowed until the next call), 0 if it has none, or
 * SOURCE_LOOKUP_LATER when it cannot tell yet (ask again later); -1 with
 * a message on error. Keys are asked for in increasing record_cmp order.
 */
#define SOURCE_LOOKUP_LATER 2
typedef int (*source_lookup_fn)(void *ctx, enum kind kind, const char *key, size_t keylen,
				const struct record **out);

struct source_opts {
	const char *root;		/* "/" or --root, absolute */
	const struct ruleset *rules;
	unsigned jobs;			/* file hashing threads; 0 = online CPUs */
	size_t max_key;			/* longest key a record may have (the store's limit) */
	source_lookup_fn lookup;	/* check --quick; NULL: read everything */
	void *lookup_ctx;
	/* Host paths (absolute, outside or inside root) that no source
	 * yields: the baseline being written, its lock and temp files. A
	 * name ending in "XXXXXX" stands for any name with 6 characters in
	 * their place (mkstemp(3)). Directories are resolved when the
	 * source opens; one that does not exist then is left out. */
	const char *const *skip;
	size_t nskip;
	/* baseline: warn() about each entity that finds nothing to read
	 * (a file base that does not exist under root), as a mistyped one
	 * would otherwise monitor nothing without a word. */
	bool warn_missing;
	/* The baseline's key for keyed digests of secrets (user password
	 * hashes), 32 bytes; NULL: such digests are left out. */
	const unsigned char *digest_key;
	/* Called once by sources_open() after the live-only sources read
	 * the running system and before the others open (the file source
	 * starts its hashing threads): the command confines itself there
	 * (sandbox.h), since Landlock keeps a confined process out of other
	 * processes' /proc/PID/exe and fd, and starts the threads that must
	 * run confined (check: the baseline's verifier and decoder, see
	 * src/cmd/cmd_check.c). NULL: none. */
	void (*confine)(void *ctx);
	void *confine_ctx;
	/* Files: record the owner and group names (from root's /etc/passwd
	 * and /etc/group) wherever uid and gid are recorded: what a
	 * baseline keeps for check --portable (attr.h). */
	bool names;
};

struct source_stats {
	uint64_t entries;	/* records yielded */
	uint64_t bytes_hashed;
	uint64_t errors;	/* records with ATTR_ERROR */
	uint64_t reused;	/* --quick: entries taken from the baseline */
	uint64_t linked;	/* hashes taken from another hard link's */
};

struct source {
	enum kind kind;
	const char *name;	/* "file", "user", ... as kind_name() */
	/* Reads the running system (/proc, /sys): skipped, with one line,
	 * when --root is not "/". */
	bool live_only;
	/* 0 and *state, or -1 with a message. */
	int (*open)(void **state, const struct source_opts *o);
	/* 1 and a borrowed record (valid until the next call), 0 at the
	 * end, -1 with a message. */
	int (*next)(void *state, const struct record **out);
	/* Adds this source's counts to *acc. */
	void (*stats)(void *state, struct source_stats *acc);
	void (*close)(void *state);	/* NULL state is fine */
};

/* The table, in kind order, NULL-terminated. */
extern const struct source *const sources[];
/* The source of kind k, or NULL if none exists yet. */
const struct source *source_for(enum kind k);

struct source_run;

/*
 * Opens the sources the ruleset needs, the live-only ones first, then
 * calls o->confine, then opens the others; NULL with a message. A
 * live-only source under another root is skipped with one warning()
 * naming the rules that wanted it. Caller frees with sources_close().
 */
struct source_run *sources_open(const struct source_opts *o);
/* All records of all opened sources, in record_cmp order. */
struct recstream sources_stream(struct source_run *r);
/* The counts so far, summed over the sources. */
void sources_stats(struct source_run *r, struct source_stats *out);
void sources_close(struct source_run *r);	/* NULL is fine */

#endif
