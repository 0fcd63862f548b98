/*
 * escape.h - putting arbitrary bytes into JSON and onto terminals.
 *
 * File names and symlink targets are arbitrary bytes. The JSON scheme
 * (documented in imscan(1), ENCODING): a string member "k" holds the value
 * as UTF-8, with each byte that is not part of valid UTF-8 replaced by
 * U+FFFD; whenever that replacement happened, a sibling member "k_b64"
 * holds the exact bytes in standard base64. Consumers that only need
 * readable text use "k"; those that need the exact bytes use "k_b64" when
 * present. Control characters are always escaped (\n, \u001b, ...).
 *
 * Text output never writes a control character or invalid UTF-8 raw: they
 * become \n, \t, \xHH, and a backslash becomes \\.
 */
#ifndef IMSCAN_ESCAPE_H
#define IMSCAN_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "imscan/strbuf.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid there. */
size_t utf8_seq_len(const unsigned char *p, size_t n);
bool utf8_valid(const void *p, size_t n);

/* Appends a quoted JSON string; returns true if any byte was replaced. */
bool json_add_string(struct strbuf *out, const void *p, size_t n);

/* Appends "name":"value" and, when lossy, ,"name_b64":"...". */
void json_add_member_bytes(struct strbuf *out, const char *name, const void *p, size_t n);

/* Appends standard base64 (with padding). */
void base64_add(struct strbuf *out, const void *p, size_t n);

/* Appends bytes with the text escaping described above. */
void text_add_escaped(struct strbuf *out, const void *p, size_t n);

#endif
