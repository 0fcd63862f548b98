/*
 * scan.h - what the rules select, as a sorted stream of records.
 *
 * Ties the walker, the rules and the probes together: one walk over the
 * union of all file entities' bases, each entry matched against the
 * entities whose base contains it, probed once for the union of the
 * selecting entities' attributes, and yielded in record_cmp order with
 * its entity indexes. Content hashing runs on `jobs` worker threads (pool.h)
 * while the walk goes on; records still come out in order.
 */
#ifndef IMSCAN_SCAN_H
#define IMSCAN_SCAN_H

#include <stdint.h>

#include "imscan/record.h"
#include "imscan/rules.h"

struct scan_opts {
	const char *root;		/* "/" or --root */
	const struct ruleset *rules;
	unsigned jobs;			/* hashing threads; 0 = online CPUs */
	/*
	 * check --quick: the baseline, looked up with tee_find (tee.h). An
	 * entry whose type, size, mtime, ctime, inode and device equal its
	 * baseline record's is not opened: its content hashes and its
	 * xattr, ACL, capability, SELinux and chattr attributes are taken
	 * from the baseline (all of them change ctime). NULL: read
	 * everything.
	 */
	struct tee *reuse;
};

struct scan_stats {
	uint64_t entries;	/* records yielded */
	uint64_t bytes_hashed;
	uint64_t errors;	/* records with ATTR_ERROR */
	uint64_t reused;	/* --quick: entries taken from the baseline */
	uint64_t linked;	/* hashes taken from another hard link's */
};

struct scan;

/* Online CPUs: the default number of hashing threads. */
unsigned scan_default_jobs(void);

struct scan *scan_open(const struct scan_opts *o);	/* NULL + message; caller frees */
int scan_next(struct scan *s, const struct record **out);	/* 1, 0 at end, -1 */
void scan_free(struct scan *s);
const struct scan_stats *scan_stats(struct scan *s);

/* The scan as a recstream (for diff_run). */
struct recstream scan_stream(struct scan *s);

#endif
