/*
 * escape.h - putting arbitrary bytes into JSON and onto terminals.
 *
 * File names and symlink targets are arbitrary bytes. The JSON scheme
 * (documented in imscan(1), ENCODING): a string member "k" holds the value
 * as UTF-8, with each byte that is not part of valid UTF-8 replaced by
 * U+FFFD; whenever that replacement happened, a sibling member "k_b64"
 * holds the exact bytes in standard base64. Consumers that only need
 * readable text use "k"; those that need the exact bytes use "k_b64" when
 * present. Control characters are always escaped (\n, \u001b, ...), the
 * C1 controls (U+0080-U+009F, valid UTF-8) too: \u009b.
 *
 * A NUL byte, valid UTF-8 as it is, also brings the "k_b64" sibling
 * ("\u0000" is exact JSON, but most readers would cut the string there).
 *
 * Text output never writes a control character or invalid UTF-8 raw: they
 * become \n, \t, \xHH, and a backslash becomes \\. Neither does it write
 * the C1 controls (U+0080-U+009F) or the bidirectional and line-breaking
 * format characters (U+061C, U+200E, U+200F, U+2028, U+2029, U+202A-U+202E,
 * U+2066-U+2069), with which a name could make a line read as something
 * else: each of their bytes becomes \xHH.
 */
#ifndef IMSCAN_ESCAPE_H
#define IMSCAN_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "imscan/strbuf.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid there. */
size_t utf8_seq_len(const unsigned char *p, size_t n);
bool utf8_valid(const void *p, size_t n);

/* Appends a quoted JSON string; returns true if any byte was replaced, or the
 * string holds a NUL (then it needs the base64 sibling, see above). */
bool json_add_string(struct strbuf *out, const void *p, size_t n);

/* Appends "name":"value" and, when lossy, ,"name_b64":"...". */
void json_add_member_bytes(struct strbuf *out, const char *name, const void *p, size_t n);

/*
 * Appends JSON text from another writer (cJSON, a baseline header) with
 * the C1 controls U+0080..U+009F escaped as \u0080..\u009f, as
 * json_add_string writes them: one escaping for every JSON imscan
 * prints. In valid JSON (UTF-8) their bytes, C2 80..C2 9F, can stand only
 * inside strings, so nothing else changes.
 */
void json_add_json(struct strbuf *out, const char *json);

/* Appends standard base64 (with padding). */
void base64_add(struct strbuf *out, const void *p, size_t n);

/* Appends bytes with the text escaping described above. */
void text_add_escaped(struct strbuf *out, const void *p, size_t n);

#endif
