/*
 * imdb.h - the .imdb format's internals, shared by the files of src/store/
 * only (codec.c, header.c, lock.c, writer.c, reader.c). Nothing outside
 * the store includes it: the contract is baseline.h.
 */
#ifndef IMSCAN_IMDB_H
#define IMSCAN_IMDB_H

#include <stddef.h>
#include <stdint.h>

#include "imscan/baseline.h"
#include "imscan/strbuf.h"

_Static_assert(ATTR__COUNT <= 128, "the attribute set is stored as two 64-bit words");

#define IMDB_MAGIC	"\x89IMDB\r\n\x1a\n"
#define IMDB_MAGIC_LEN	9
#define IMDB_PREAMBLE	(IMDB_MAGIC_LEN + 4 + 4)
#define IMDB_DIGEST	32
#define IMDB_SIG	64
#define IMDB_TAG_RECORD	'R'
#define IMDB_TAG_END	'E'
#define IMDB_TAG_SIG	'S'
#define IMDB_IOBUF	(64u << 10)
#define IMDB_VARINT_MAX	10
/* Temporary files are path + "." + six letters or digits, as mkstemp(3). */
#define IMDB_TMP_SUFFIX	BASELINE_TMP_SUFFIX

/*
 * The largest record the bounds allow: a key, every attribute at its
 * longest, every entity index at ten bytes. The reader's window never
 * grows past this (or the largest header), whatever the file claims.
 */
#define IMDB_RECORD_MAX	(1 + 5 * IMDB_VARINT_MAX + (size_t)BASELINE_MAX_FIELD + \
			 (size_t)BASELINE_MAX_ENTS * IMDB_VARINT_MAX + \
			 (size_t)ATTR__COUNT * (IMDB_VARINT_MAX + BASELINE_MAX_FIELD))

/* The gzip header imscan writes, and the only one the reader accepts. */
extern const unsigned char imdb_gzip_head[10];

static inline void imdb_put_le(unsigned char *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t imdb_get_le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Every attribute id this build knows (codec.c). */
struct attrset imdb_known_attrs(void);
/* record_decode with the caller's key buffer, reused across records. */
long imdb_decode(const unsigned char *p, size_t n, const struct record *prev,
		 struct record *r, struct strbuf *keybuf);

/* header.c: the header JSON for h, or NULL with a message (caller
 * frees); *nents, the entities of its rules (baseline_header.nentities). */
char *imdb_header_json(const char *path, const struct baseline_spec *h, uint32_t *nents);
/*
 * header.c: the index of the first of names[0..n) that repeats an
 * earlier one, or n if none does; *compares counts the string
 * comparisons made (at most about n log2 n: tests bound it).
 */
size_t imdb_first_duplicate(const char *const *names, size_t n, size_t *compares);
/* header.c: parses len bytes at p into h (released on failure). */
int imdb_header_parse(const char *path, const unsigned char *p, size_t len,
		      struct baseline_header *h);

/* origin.c: the "origin" member for o (NULL if out of memory), and o
 * from it (-1 with a message; the caller releases o either way). */
struct cJSON;
struct cJSON *imdb_origin_json(const struct baseline_origin *o);
int imdb_origin_parse(const char *path, const struct cJSON *v, struct baseline_origin *o);

/* lock.c: refuses a path that could never be renamed over. */
int imdb_lock_path_check(const char *path);
/* lock.c: the baseline path the lock is for. */
const char *imdb_lock_target(const struct baseline_lock *l);
/* lock.c: creates path.XXXXXX (0600), recorded in the lock first;
 * the descriptor and *tmp (caller frees), or -1 with errno. */
int imdb_lock_create_tmp(struct baseline_lock *l, char **tmp);

#endif
