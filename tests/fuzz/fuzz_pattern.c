/*
 * fuzz_pattern.c - pattern_compile, pattern_match, pattern_may_match_below.
 *
 * Input: the pattern text, a NUL, a flags byte, then the path (relative,
 * as the walker passes it). Beyond not crashing and not taking long
 * (-timeout), pruning must be sound: if the pattern matches a path, it
 * may match below every directory on the way there, or the walker would
 * skip what the rule asks for.
 */
#include "imscan/pattern.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct pattern *p = NULL;
	char *text;
	const char *rel;
	size_t tlen, len;
	bool is_dir, m;

	if (!nul || (size_t)(nul - data) + 2 > size)
		return 0;
	tlen = (size_t)(nul - data);
	text = malloc(tlen + 1);
	memcpy(text, data, tlen);
	text[tlen] = '\0';
	is_dir = nul[1] & 1;
	rel = (const char *)nul + 2;
	len = size - tlen - 2;

	if (pattern_compile(text, &p) < 0) {
		FUZZ_ASSERT(*error_last(), "compile failed without a message");
		free(text);
		return 0;
	}
	FUZZ_ASSERT(!strcmp(pattern_text(p), text), "pattern_text changed");
	m = pattern_match(p, rel, len, is_dir);
	(void)pattern_may_match_below(p, rel, len);
	/* Walker paths hold no empty component and no NUL: only then does
	 * the pruning promise apply. */
	if (m && len && rel[0] != '/' && rel[len - 1] != '/' && !memmem(rel, len, "//", 2) &&
	    !memchr(rel, 0, len)) {
		for (size_t i = 0; i < len; i++)
			if (rel[i] == '/')
				FUZZ_ASSERT(pattern_may_match_below(p, rel, i),
					    "'%s' matches '%.*s' but prunes '%.*s'",
					    text, (int)len, rel, (int)i, rel);
	}
	pattern_free(p);
	free(text);
	return 0;
}
