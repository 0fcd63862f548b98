/*
 * file.h - the file source (src/source/file.c): what the rules' file
 * entities select, as a sorted stream of records.
 *
 * One walk over the union of all file entities' bases, each entry matched
 * against the entities whose base contains it (select.h), probed once for
 * the union of the selecting entities' attributes, and yielded in
 * record_cmp order with its entity indexes. Content hashing runs on
 * `jobs` worker threads (pool.h) while the walk goes on; records still
 * come out in order.
 *
 * With source_opts.lookup (check --quick), an entry whose type, size,
 * mtime, ctime, inode and device equal its baseline record's is not
 * opened: its content hashes and its xattr, ACL, capability, SELinux and
 * chattr attributes are taken from the baseline (all of them change
 * ctime).
 */
#ifndef IMSCAN_FILE_H
#define IMSCAN_FILE_H

#include "imscan/record.h"
#include "imscan/source.h"

/* The row of sources[] (sources.c). */
extern const struct source file_source;

/* Online CPUs: the default number of hashing threads. */
unsigned file_default_jobs(void);

/*
 * Probes the one entry key (absolute, inside o->root, normalised) for the
 * entities of o->rules that select it (select_path), as the scan would,
 * hashing on the caller's thread: for watch. rec (initialised by the
 * caller) is reset and filled: key, entity indexes, attributes. Returns 1
 * (selected and filled), 0 (no entity selects it, or it does not exist),
 * -1 with a message (root cannot be opened).
 */
int file_probe_one(const struct source_opts *o, const char *key, struct record *rec);

/*
 * The same for many paths (watch): the root's descriptor, the id maps and
 * the buffers are made once. o must outlive the prober, which sees the
 * root's /etc/passwd and /etc/group as they were at its first name
 * lookup. new: NULL with a message if the root cannot be opened.
 */
struct file_prober;
struct file_prober *file_prober_new(const struct source_opts *o);
int file_prober_probe(struct file_prober *fp, const char *key, struct record *rec);
/*
 * A probe keeps its parent directory open for the next probe of a path in
 * the same directory: a burst opens it once. settle() closes it; call it
 * when a run of probes ends and before trusting a directory's path again
 * after it moved (the kept descriptor follows the directory, not the path).
 */
void file_prober_settle(struct file_prober *fp);
void file_prober_free(struct file_prober *fp);

#endif
