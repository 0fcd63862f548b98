/*
 * pattern.c - include/exclude patterns (see pattern.h, imscan-rules(5)).
 *
 * A pattern compiles to a list of path sections. Matching runs the classic
 * greedy wildcard algorithm on two levels: bytes against '*' inside one
 * section, and path components against "**" across sections. Each level
 * keeps only its last backtrack point. That is enough because every other
 * token consumes exactly one byte (one component), and it bounds the work
 * by O(len(pattern) * len(path)): no pattern can make matching explode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imscan/error.h"
#include "imscan/pattern.h"
#include "imscan/xalloc.h"

enum sec_kind {
	SEC_GLOB,	/* one component matching pat */
	SEC_ANY,	/* any one component: the first one a trailing "**" needs */
	SEC_DSTAR	/* any number of components, zero included */
};

struct section {
	enum sec_kind kind;
	const char *pat;	/* SEC_GLOB: NUL-terminated, inside pattern.buf */
	size_t len;
	bool literal;		/* no wildcard and no '\': a plain compare */
};

struct pattern {
	char *text;		/* as given */
	char *buf;		/* the sections, '/' replaced by NUL */
	struct section *sec;
	size_t nsec;
	bool anchored;		/* matches the whole relative path, else the name */
	bool dir_only;		/* trailing '/' */
};

#define NONE SIZE_MAX

/*
 * The class starting at p[i] == '['. Returns the index just past its ']',
 * or NONE if it is not terminated. If c >= 0, *hit says whether byte c is
 * in the class. Only ever called on a NUL-terminated section.
 */
static size_t class_scan(const char *p, size_t i, int c, bool *hit)
{
	const unsigned char *u = (const unsigned char *)p;
	bool neg = false, in = false;
	size_t k = i + 1;

	if (u[k] == '!' || u[k] == '^') {
		neg = true;
		k++;
	}
	/* A ']' right after the opening (and negation) is a member. */
	for (bool first = true; first || u[k] != ']'; first = false) {
		unsigned lo, hi;

		if (u[k] == '\\' && u[k + 1])
			k++;
		if (!u[k])
			return NONE;
		lo = hi = u[k++];
		if (u[k] == '-' && u[k + 1] && u[k + 1] != ']') {
			k++;
			if (u[k] == '\\' && u[k + 1])
				k++;
			hi = u[k++];
		}
		if (c >= 0 && lo <= (unsigned)c && (unsigned)c <= hi)
			in = true;
	}
	if (hit)
		*hit = in != neg;
	return k + 1;
}

/* Matches one pattern token at p[*pi] against byte c, advancing *pi. */
static bool token_match(const char *p, size_t *pi, unsigned char c)
{
	bool hit = false;

	switch (p[*pi]) {
	case '?':
		(*pi)++;
		return true;
	case '[':
		*pi = class_scan(p, *pi, c, &hit);
		return hit;
	case '\\':
		(*pi)++;
		/* fall through */
	default:
		return (unsigned char)p[(*pi)++] == c;
	}
}

/* One section against one component (which never holds '/'). */
static bool glob_match(const struct section *s, const char *str, size_t n)
{
	const char *p = s->pat;
	size_t plen = s->len, pi = 0, si = 0, star_pi = NONE, star_si = 0;

	if (s->literal)
		return plen == n && !memcmp(p, str, n);
	while (si < n) {
		size_t next = pi;

		if (pi < plen && p[pi] == '*') {
			star_pi = ++pi;
			star_si = si;
		} else if (pi < plen && token_match(p, &next, (unsigned char)str[si])) {
			pi = next;
			si++;
		} else if (star_pi != NONE) {
			pi = star_pi;
			si = ++star_si;
		} else {
			return false;
		}
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

static bool section_match(const struct section *s, const char *str, size_t n)
{
	switch (s->kind) {
	case SEC_GLOB:
		return glob_match(s, str, n);
	case SEC_ANY:
		return true;
	default:
		return false;
	}
}

/* End of the component of rel that starts at off: the next '/' or len. */
static size_t comp_end(const char *rel, size_t len, size_t off)
{
	const char *slash = off < len ? memchr(rel + off, '/', len - off) : NULL;

	return slash ? (size_t)(slash - rel) : len;
}

/* The section-level greedy match; off == len + 1 once all is consumed. */
static bool match_anchored(const struct pattern *p, const char *rel, size_t len)
{
	size_t i = 0, off = 0, star_i = NONE, star_off = 0;

	while (off <= len) {
		size_t end = comp_end(rel, len, off);

		if (i < p->nsec && p->sec[i].kind == SEC_DSTAR) {
			star_i = i++;
			star_off = off;
		} else if (i < p->nsec && section_match(&p->sec[i], rel + off, end - off)) {
			i++;
			off = end + 1;
		} else if (star_i != NONE) {
			/* Let the last "**" swallow one more component, retry after it. */
			i = star_i + 1;
			star_off = comp_end(rel, len, star_off) + 1;
			off = star_off;
		} else {
			return false;
		}
	}
	while (i < p->nsec && p->sec[i].kind == SEC_DSTAR)
		i++;
	return i == p->nsec;
}

bool pattern_match(const struct pattern *p, const char *rel, size_t len, bool is_dir)
{
	const char *slash;
	size_t off;

	if (!len || (p->dir_only && !is_dir))
		return false;
	if (p->anchored)
		return match_anchored(p, rel, len);
	slash = memrchr(rel, '/', len);
	off = slash ? (size_t)(slash - rel) + 1 : 0;
	if (p->sec[0].kind == SEC_DSTAR)
		return true;
	return glob_match(&p->sec[0], rel + off, len - off);
}

/* Adds the states reachable by letting a "**" match nothing. */
static void closure(const struct pattern *p, bool *st)
{
	for (size_t i = 0; i < p->nsec; i++)
		if (st[i] && p->sec[i].kind == SEC_DSTAR)
			st[i + 1] = true;
}

/*
 * Runs the sections as an NFA over rel's components; state i means
 * "sections before i are matched". Anything below can match only if some
 * state with sections left survives.
 */
bool pattern_may_match_below(const struct pattern *p, const char *rel, size_t len)
{
	bool small[2 * 16], *heap = NULL, *cur = small, *nxt, *tmp, alive = false;
	size_t m = p->nsec, off = 0;

	if (!p->anchored)
		return true;
	if (m + 1 > 16)
		cur = heap = xcalloc(2 * (m + 1), sizeof(bool));
	nxt = cur + m + 1;
	memset(cur, 0, (m + 1) * sizeof(bool));
	cur[0] = true;
	closure(p, cur);
	while (len && off <= len) {
		size_t end = comp_end(rel, len, off);

		memset(nxt, 0, (m + 1) * sizeof(bool));
		for (size_t i = 0; i < m; i++) {
			if (!cur[i])
				continue;
			if (p->sec[i].kind == SEC_DSTAR)
				nxt[i] = true;
			else if (section_match(&p->sec[i], rel + off, end - off))
				nxt[i + 1] = true;
		}
		closure(p, nxt);
		tmp = cur;
		cur = nxt;
		nxt = tmp;
		off = end + 1;
	}
	for (size_t i = 0; i < m; i++)
		alive = alive || cur[i];
	free(heap);
	return alive;
}

/*
 * Copies text without the quoting of '/' ("\/" is just a separator: no
 * name can hold one) and checks that no '\' is left dangling at the end.
 */
static int unquote_slashes(const char *text, char *out)
{
	size_t o = 0;

	for (size_t i = 0; text[i]; i++) {
		if (text[i] == '\\' && text[i + 1] == '/')
			continue;
		out[o++] = text[i];
		if (text[i] == '\\') {
			if (!text[i + 1])
				return error("trailing backslash");
			out[o++] = text[++i];
		}
	}
	out[o] = '\0';
	return 0;
}

/* Checks one section and fills in its kind. */
static int section_check(struct section *s)
{
	const char *p = s->pat;

	s->kind = SEC_GLOB;
	s->literal = true;
	for (size_t i = 0; i < s->len; ) {
		if (p[i] == '\\') {
			s->literal = false;
			i += 2;
		} else if (p[i] == '[') {
			size_t end = class_scan(p, i, -1, NULL);

			if (end == NONE)
				return error("unterminated '['");
			/* Refused rather than read as a set of ':', 'a', 'l', ... */
			for (size_t k = i + 1; k + 1 < end; k++) {
				if (p[k] == '\\')
					k++;
				else if (p[k] == '[' && p[k + 1] == ':')
					return error("'[:class:]' names are not supported");
			}
			i = end;
			s->literal = false;
		} else if (p[i] == '*' && i + 1 < s->len && p[i + 1] == '*') {
			if (s->len != 2)
				return error("'**' must be a whole path section");
			s->kind = SEC_DSTAR;
			return 0;
		} else {
			if (p[i] == '*' || p[i] == '?')
				s->literal = false;
			i++;
		}
	}
	return 0;
}

static void push(struct pattern *p, enum sec_kind kind, const char *pat, size_t len)
{
	p->sec = xreallocarray(p->sec, p->nsec + 1, sizeof(*p->sec));
	p->sec[p->nsec++] = (struct section){ kind, pat, len, false };
}

/* Splits the body (no leading or trailing '/') into checked sections. */
static int split(struct pattern *p, char *body)
{
	char *s = body;

	while (*s) {
		char *e = s + strcspn(s, "/");
		bool last = !*e;

		*e = '\0';
		if (e > s) {
			push(p, SEC_GLOB, s, (size_t)(e - s));
			if (section_check(&p->sec[p->nsec - 1]) < 0)
				return -1;
			/* Two "**" in a row are one: each takes any number already. */
			if (p->nsec > 1 && p->sec[p->nsec - 1].kind == SEC_DSTAR &&
			    p->sec[p->nsec - 2].kind == SEC_DSTAR)
				p->nsec--;
		}
		s = last ? e : e + 1;
	}
	return 0;
}

int pattern_compile(const char *text, struct pattern **out)
{
	struct pattern *p = xcalloc(1, sizeof(*p));
	char *body;
	size_t n;

	*out = NULL;
	p->text = xstrdup(text);
	p->buf = xmalloc(strlen(text) + 1);
	if (unquote_slashes(text, p->buf) < 0)
		goto fail;
	body = p->buf;
	n = strlen(body);
	for (; n && body[n - 1] == '/'; n--)
		p->dir_only = true;
	body[n] = '\0';
	for (; *body == '/'; body++)
		p->anchored = true;
	if (!*body) {
		error("empty pattern");
		goto fail;
	}
	if (strchr(body, '/'))
		p->anchored = true;
	if (split(p, body) < 0)
		goto fail;
	/*
	 * Like .gitignore, "a/" "**" is what is inside a, not a itself: a
	 * trailing "**" after something else needs at least one component.
	 */
	if (p->nsec > 1 && p->sec[p->nsec - 1].kind == SEC_DSTAR) {
		p->sec[p->nsec - 1].kind = SEC_ANY;
		push(p, SEC_DSTAR, NULL, 0);
	}
	*out = p;
	return 0;
fail:
	pattern_free(p);
	return -1;
}

void pattern_free(struct pattern *p)
{
	if (!p)
		return;
	free(p->text);
	free(p->buf);
	free(p->sec);
	free(p);
}

const char *pattern_text(const struct pattern *p)
{
	return p->text;
}
