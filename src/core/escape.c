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

static void json_add_u00(struct strbuf *out, unsigned c)
{
	static const char hex[] = "0123456789abcdef";
	char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

	strbuf_adds(out, u);
}

bool json_add_string(struct strbuf *out, const void *s, size_t n)
{
	const unsigned char *p = s;
	bool lossy = false;

	strbuf_grow(out, n + 2);
	strbuf_addc(out, '"');
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t l = utf8_seq_len(p + i, n - i);

		if (!l) {
			strbuf_adds(out, "\xef\xbf\xbd");	/* U+FFFD */
			lossy = true;
			i++;
			continue;
		}
		if (is_c1(p + i, l)) {
			/* valid UTF-8, but a terminal may act on it, as on C0 */
			json_add_u00(out, p[i + 1]);
		} else if (l > 1 || (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)) {
			strbuf_add(out, p + i, l);
		} else if (c == '"' || c == '\\') {
			strbuf_addc(out, '\\');
			strbuf_addc(out, (char)c);
		} else if (c == '\n') {
			strbuf_adds(out, "\\n");
		} else if (c == '\t') {
			strbuf_adds(out, "\\t");
		} else if (c == '\r') {
			strbuf_adds(out, "\\r");
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
		strbuf_addf(out, "\\u%04x", p[1]);
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

void text_add_escaped(struct strbuf *out, const void *s, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t l = utf8_seq_len(p + i, n - i);

		if (l > 1) {
			if (text_hazard(p + i, l)) {
				for (size_t k = 0; k < l; k++)
					strbuf_addf(out, "\\x%02x", p[i + k]);
			} else {
				strbuf_add(out, p + i, l);
			}
			i += l;
			continue;
		}
		if (c == '\\')
			strbuf_adds(out, "\\\\");
		else if (c == '\n')
			strbuf_adds(out, "\\n");
		else if (c == '\t')
			strbuf_adds(out, "\\t");
		else if (l == 1 && c >= 0x20 && c != 0x7f)
			strbuf_addc(out, (char)c);
		else
			strbuf_addf(out, "\\x%02x", c);
		i++;
	}
}
