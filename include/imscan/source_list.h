/*
 * source_list.h - what every non-file source shares: a sorted list of
 * records, selection of keys by the entities of one kind, and defensive
 * reading of small text files.
 *
 * A non-file source reads its whole set at open: for each entity it finds
 * it asks source_list_add() for a record (NULL when no entity of the kind
 * selects the key, so nothing is computed for it), fills it, then calls
 * source_list_sort() and hands the records out in record_cmp order with
 * source_list_next(). Duplicate keys keep the first record read and warn.
 *
 * Keys are selected the way a file entity selects paths below its base:
 * exclude wins, no include selects everything, an include pattern matches
 * the key as a path relative to the base ("tcp/0.0.0.0/22": "22" is every
 * port 22, "tcp/" "**" every TCP socket). A key that starts with '/' (mount
 * points, executables) is matched without it, and "/" itself is selected
 * by every entity of its kind, as a file base is.
 *
 * Parsers warn() about what they cannot use, naming the file and line,
 * and go on with the rest:  /etc/passwd:3: expected 7 fields, found 5
 */
#ifndef IMSCAN_SOURCE_LIST_H
#define IMSCAN_SOURCE_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "imscan/record.h"
#include "imscan/source.h"

/* The non-file sources, for the table in sources.c. */
extern const struct source source_user, source_group, source_package, source_port,
	source_process, source_service, source_module, source_mount;

/* Longer lines are skipped with a warning: no real entry needs more. */
#define SOURCE_MAX_LINE 65536
/* Larger files are refused: the databases read here stay far below. */
#define SOURCE_MAX_FILE (256u << 20)
/* Length of the digests sources record (keyed BLAKE2b-256, plain SHA-256). */
#define SOURCE_DIGEST_LEN 32

struct source_list {
	enum kind kind;
	const struct ruleset *rules;	/* NULL: every key is selected (tests, bench) */
	size_t max_key;			/* 0: no limit */
	struct attrset want;		/* union of the kind's entities' attributes */
	struct record **recs;
	size_t n, cap, pos;
	/* Called for each later record with the key of an earlier one
	 * instead of warning (ports shared by processes, mounts stacked on
	 * one point); the later record is then dropped. */
	void (*merge)(struct record *keep, const struct record *dup);
};

void source_list_init(struct source_list *l, enum kind k, const struct source_opts *o);
void source_list_release(struct source_list *l);

/*
 * A new record with key set and its selecting entities added, or NULL
 * when no entity selects the key or the key cannot be stored (empty, or
 * longer than max_key: warned with where, "file:line"). where is a file
 * name or "file:line" for the warnings.
 */
struct record *source_list_add(struct source_list *l, const char *key, size_t len,
			       const char *where);
/* Whether the entities of the list's kind select key. */
bool source_list_selects(const struct source_list *l, const char *key, size_t len);
/* Sorts by key and drops later duplicates with a warning (or merge()).
 * With rules, attributes no entity of the kind asked for are dropped. */
void source_list_sort(struct source_list *l);
/* After sort: the record with that key, or NULL. */
struct record *source_list_find(const struct source_list *l, const char *key, size_t len);
/* Whether the kind's entities asked for a (or nothing narrowed it). */
static inline bool source_list_wants(const struct source_list *l, enum attr_id a)
{
	return attrset_has(&l->want, a);
}

/* The shared source ops over a heap struct source_list as state:
 * const struct source source_x = { ..., .open = x_open, SOURCE_LIST_OPS }; */
#define SOURCE_LIST_OPS \
	.next = source_list_next, .stats = source_list_stats, .close = source_list_close
int source_list_next(void *state, const struct record **out);
void source_list_stats(void *state, struct source_stats *acc);
void source_list_close(void *state);
/* Allocates the state for an open(); caller frees with source_list_close. */
struct source_list *source_list_new(enum kind k, const struct source_opts *o);

/*
 * Reads path (absolute) resolved inside root ("/" or NULL: the live
 * system) as walk_open_in_root() does, without blocking on a FIFO or
 * device, at most SOURCE_MAX_FILE bytes. 0 and *buf (NUL-terminated,
 * caller frees), 1 when it does not exist, -1 with a message otherwise.
 */
int source_read_file(const char *root, const char *path, char **buf, size_t *len);
/* The same, but a missing file is empty: *buf NULL, *len 0, and 0. */
int source_read_opt(const char *root, const char *path, char **buf, size_t *len);

/* Line iteration over a buffer; lineno counts from 1. */
struct source_lines {
	const char *p, *end;
	size_t lineno;
};

static inline void source_lines_init(struct source_lines *ln, const char *buf, size_t len)
{
	ln->p = buf;
	ln->end = buf + len;
	ln->lineno = 0;
}

/*
 * The next line without its '\n'; false at the end. Lines longer than
 * SOURCE_MAX_LINE are skipped with a warning naming file and line.
 */
bool source_lines_next(struct source_lines *ln, const char *file, const char **s, size_t *len);

/* A field of a split line. */
struct span {
	const char *p;
	size_t len;
};

#define SOURCE_MAX_FIELDS 32

/*
 * The lines of a table file split into fields at sep (0: at runs of
 * blanks). Empty lines are skipped, and so are lines with fewer than min
 * or more than max fields, with a warning ("expected 7 fields, found 5")
 * unless quiet. where is "file:line" of the current line.
 */
struct source_fields {
	struct source_lines ln;
	const char *file;
	char sep;
	size_t min, max;
	bool quiet;
	struct span f[SOURCE_MAX_FIELDS];
	size_t n;
	char where[128];
};

void source_fields_init(struct source_fields *sf, const char *file, const char *buf, size_t len,
			char sep, size_t min, size_t max);
bool source_fields_next(struct source_fields *sf);

/* Splits s at every sep into at most max spans; returns the number of
 * fields there are (which may exceed max). */
size_t source_split(const char *s, size_t len, char sep, struct span *out, size_t max);
/* Splits at runs of blanks, ignoring leading and trailing ones. */
size_t source_split_ws(const char *s, size_t len, struct span *out, size_t max);
/* Parses a decimal number (no sign, no blanks, fits in int64); 0 or -1. */
int source_parse_u64(struct span f, int64_t *out);
/* Warns "where: <field> has control characters or invalid UTF-8" when so;
 * the value is kept (an attacker's odd name must still be seen). */
void source_check_text(const char *where, const char *field, const char *p, size_t n);

/* Sets a to the ','-separated items of p, sorted and without empty
 * ones or duplicates (so that reordering a list is no change). */
void source_set_sorted_list(struct record *r, enum attr_id a, const char *p, size_t n);
/* The same with items separated by sep. */
void source_set_sorted_items(struct record *r, enum attr_id a, const char *p, size_t n, char sep);
/* Appends ",item" (or "item") to the bytes of a. */
void source_append_item(struct record *r, enum attr_id a, const char *p, size_t n);

/*
 * SHA-256 of the file at path inside root (as source_read_file), read in
 * pieces: 0, 1 when it does not exist, -1 with a message.
 */
int source_digest_file(const char *root, const char *path, unsigned char out[SOURCE_DIGEST_LEN]);
/* BLAKE2b-256 of p keyed with key (32 bytes, for secrets), or SHA-256 of p
 * when key is NULL (SOURCE_DIGEST_LEN bytes). */
void source_digest(const void *p, size_t n, const unsigned char *key,
		   unsigned char out[SOURCE_DIGEST_LEN]);
/*
 * Sets the content hashes of l->want (sha256, ...) of the file at path
 * (a host path, /proc/PID/exe included) on r. -1 with a message when it
 * cannot be read; r is then left without them.
 */
int source_hash_file(const struct source_list *l, struct record *r, const char *path);

#endif
