/*
 * pattern.h - include/exclude patterns of rule entities.
 *
 * They work like .gitignore (see imscan-rules(5)):
 *  - a pattern without '/' matches an entry's name at any depth below base;
 *  - a pattern with a leading or inner '/' matches the whole path relative
 *    to base from its start ("/proc" is only base/proc; "a/b" is base/a/b);
 *  - a trailing '/' makes it match directories only ("cache/");
 *  - '*' matches any run of bytes except '/' (a leading dot included),
 *    '?' one byte except '/', "[...]" one byte of a set ("[a-z]", "[!0-9]"
 *    or "[^0-9]" negated, "[]x]" a literal ']'), '\' quotes the next byte;
 *  - "**" as a whole path section matches any number (zero included) of
 *    sections: "**" is everything, "a/" "**" everything below a (not a
 *    itself, as in .gitignore), "**" "/x" any x at any depth, "a/" "**" "/b"
 *    b at any depth below a (a/b included);
 *  - "\/" is just '/', and repeated '/' count as one.
 * A pattern matches the one path it is given, not what is below it: the
 * caller decides what a matching directory means for its contents.
 * Matching is bytewise; names may hold any byte but NUL. It takes time
 * bounded by len(pattern) * len(path), whatever the pattern.
 */
#ifndef IMSCAN_PATTERN_H
#define IMSCAN_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

struct pattern;

/*
 * Compiles text. On error returns -1 with a message naming the problem
 * without the pattern itself; the caller adds which pattern. The messages:
 *   empty pattern                        ("", "/", "//")
 *   unterminated '['                     ("a[bc", "[]", "[!]")
 *   '**' must be a whole path section    ("a**", "a/" "**b", "***")
 *   trailing backslash                   ("a\")
 *   '[:class:]' names are not supported  ("[[:alpha:]]")
 * Caller frees *out with pattern_free().
 */
int pattern_compile(const char *text, struct pattern **out);
void pattern_free(struct pattern *p);

/* The text it was compiled from. */
const char *pattern_text(const struct pattern *p);

/*
 * rel: the entry's path relative to the entity's base, without a leading
 * '/' ("ssh/sshd_config"; "" for base itself, which no pattern matches);
 * its last component is the name. is_dir: the entry is a directory.
 */
bool pattern_match(const struct pattern *p, const char *rel, size_t len, bool is_dir);

/*
 * For pruning: false only if no path below directory rel (relative to base,
 * as above) can match p. Always true for unanchored patterns.
 */
bool pattern_may_match_below(const struct pattern *p, const char *rel, size_t len);

#endif
