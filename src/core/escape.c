#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "imscan/escape.h"

size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are invalid */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

bool utf8_valid(const void *s, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq_len(p + i, n - i);

		if (!l)
			return false;
		i += l;
	}
	return true;
}

/* U+0080-U+009F, the C1 controls: 0xc2 0x80 to 0xc2 0x9f in UTF-8. */
static bool is_c1(const unsigned char *p, size_t l)
{
	return l == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

static const char hex_digits[] = "0123456789abcdef";

static void json_add_u00(struct strbuf *out, unsigned c)
{
	char u[6] = { '\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15] };

	strbuf_add(out, u, sizeof(u));
}

/*
 * The length of the run at the start of p that JSON takes as it is:
 * printable ASCII but '"' and '\\', and valid UTF-8 but the C1
 * controls. Names and values are mostly such runs, and one strbuf_add a
 * run costs far less than one a byte.
 */
static size_t json_plain_run(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t l;

		if (c < 0x80) {
			if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f)
				break;
			i++;
			continue;
		}
		l = utf8_seq_len(p + i, n - i);
		if (!l || is_c1(p + i, l))
			break;
		i += l;
	}
	return i;
}

bool json_add_string(struct strbuf *out, const void *s, size_t n)
{
	const unsigned char *p = s;
	bool lossy = false;

	strbuf_grow(out, n + 2);
	strbuf_addc(out, '"');
	for (size_t i = 0; i < n;) {
		size_t run = json_plain_run(p + i, n - i);
		unsigned c;
		size_t l;

		strbuf_add(out, p + i, run);
		i += run;
		if (i == n)
			break;
		/* what the run stopped at: one byte or sequence to escape */
		c = p[i];
		l = utf8_seq_len(p + i, n - i);
		if (!l) {
			strbuf_add(out, "\xef\xbf\xbd", 3);	/* U+FFFD */
			lossy = true;
			i++;
			continue;
		}
		if (is_c1(p + i, l)) {
			/* valid UTF-8, but a terminal may act on it, as on C0 */
			json_add_u00(out, p[i + 1]);
		} else if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			strbuf_add(out, esc, 2);
		} else if (c == '\n') {
			strbuf_add(out, "\\n", 2);
		} else if (c == '\t') {
			strbuf_add(out, "\\t", 2);
		} else if (c == '\r') {
			strbuf_add(out, "\\r", 2);
		} else {
			json_add_u00(out, c);
			/* "\u0000" is valid JSON, but most readers keep strings as C
			 * strings and would cut it short there: give them the _b64. */
			if (!c)
				lossy = true;
		}
		i += l;
	}
	strbuf_addc(out, '"');
	return lossy;
}

void json_add_member_bytes(struct strbuf *out, const char *name, const void *p, size_t n)
{
	json_add_string(out, name, strlen(name));
	strbuf_addc(out, ':');
	if (!json_add_string(out, p, n))
		return;
	strbuf_addc(out, ',');
	strbuf_addc(out, '"');
	strbuf_adds(out, name);
	strbuf_adds(out, "_b64\":\"");
	base64_add(out, p, n);
	strbuf_addc(out, '"');
}

void json_add_json(struct strbuf *out, const char *json)
{
	const unsigned char *p = (const unsigned char *)json, *run = p;

	for (; *p; p++) {
		if (p[0] != 0xc2 || p[1] < 0x80 || p[1] > 0x9f)
			continue;
		strbuf_add(out, run, (size_t)(p - run));
		json_add_u00(out, p[1]);
		run = ++p + 1;
	}
	strbuf_add(out, run, (size_t)(p - run));
}

void base64_add(struct strbuf *out, const void *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);

	strbuf_grow(out, len);
	sodium_bin2base64(out->buf + out->len, len, p, n, sodium_base64_VARIANT_ORIGINAL);
	strbuf_setlen(out, out->len + len - 1);
}

/*
 * Valid UTF-8 that a terminal would still act on: the C1 controls
 * (U+0080-U+009F), and the characters that reorder or break the line
 * around them, with which a name can make a text line read differently
 * from what it holds ("Trojan Source"): U+061C, U+200E, U+200F, U+2028,
 * U+2029, U+202A-U+202E and U+2066-U+2069.
 */
static bool text_hazard(const unsigned char *p, size_t l)
{
	if (l == 2)
		return is_c1(p, l) || (p[0] == 0xd8 && p[1] == 0x9c);
	if (l != 3 || p[0] != 0xe2)
		return false;
	if (p[1] == 0x80)
		return p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae);
	return p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9;
}

/* "\\xHH" for each of the n bytes at p. */
static void text_add_hex_bytes(struct strbuf *out, const unsigned char *p, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		char x[4] = { '\\', 'x', hex_digits[p[k] >> 4], hex_digits[p[k] & 15] };

		strbuf_add(out, x, sizeof(x));
	}
}

/* As json_plain_run, for text: printable ASCII but '\\', and valid
 * UTF-8 that is no hazard. */
static size_t text_plain_run(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t l;

		if (c < 0x80) {
			if (c < 0x20 || c == '\\' || c == 0x7f)
				break;
			i++;
			continue;
		}
		l = utf8_seq_len(p + i, n - i);
		if (!l || text_hazard(p + i, l))
			break;
		i += l;
	}
	return i;
}

void text_add_escaped(struct strbuf *out, const void *s, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n;) {
		size_t run = text_plain_run(p + i, n - i);
		unsigned c;
		size_t l;

		strbuf_add(out, p + i, run);
		i += run;
		if (i == n)
			break;
		c = p[i];
		l = utf8_seq_len(p + i, n - i);
		if (l > 1) {
			text_add_hex_bytes(out, p + i, l);	/* a hazard */
			i += l;
		} else if (c == '\\') {
			strbuf_add(out, "\\\\", 2);
			i++;
		} else if (c == '\n') {
			strbuf_add(out, "\\n", 2);
			i++;
		} else if (c == '\t') {
			strbuf_add(out, "\\t", 2);
			i++;
		} else {
			text_add_hex_bytes(out, p + i, 1);
			i++;
		}
	}
}
