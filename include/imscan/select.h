/*
 * select.h - which entities of a ruleset select a file, shared by the file
 * source's walk (src/source/file.c) and by a single-path query (watch).
 *
 * An entity selects the key P (an absolute path inside root) when P is
 * its base or below it, every directory between the base and P is one the
 * entity descends (entity_match() in rules.c: include and exclude
 * patterns), P itself matches (select_match), and, for an
 * executables_only entity, P is a regular file with an execute bit or a
 * "#!" script. The base itself matches when the entity has no include
 * patterns, or has the include pattern "." (imscan-rules(5)).
 */
#ifndef IMSCAN_SELECT_H
#define IMSCAN_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "imscan/rules.h"

/*
 * path[0..len) relative to base (absolute, normalised, baselen = its
 * strlen): the part after "base/" (empty for base itself), or NULL if
 * path is neither base nor below it. *rlen gets its length.
 */
const char *select_relative(const char *base, size_t baselen, const char *path, size_t len,
			    size_t *rlen);

/* entity_match() (rules.h) but for the base itself (len 0), which is
 * descended always and selected as above: RULES_SELECT, RULES_DESCEND. */
int select_match(const struct entity *e, const char *rel, size_t len, bool is_dir);

/* True if the first two bytes of the regular file fd are "#!". */
bool select_is_script(int fd);

/* An executable or a script: a regular file (stx from statx with
 * AT_SYMLINK_NOFOLLOW) with an execute bit, or whose first bytes, read
 * from name in dirfd without following or blocking, are "#!". */
bool select_is_executable(int dirfd, const char *name, const struct statx *stx);

/* Says whether path is an executable (select_is_executable), when an
 * executables_only entity needs to know; asked at most once per query. */
typedef bool (*select_exec_fn)(void *ctx);

/*
 * The file entities of rs that select path[0..len) (is_dir: it is a
 * directory), by index into rs->ents, in increasing order, into out (room
 * for rs->nents); returns their number. For one path at a time: it
 * matches every directory between each base and path.
 */
size_t select_path(const struct ruleset *rs, const char *path, size_t len, bool is_dir,
		   select_exec_fn is_exec, void *ctx, uint32_t *out);

#endif
