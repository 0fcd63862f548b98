/*
 * fuzz_entities.h - what every parser target of the non-file sources
 * checks: no crash, no leak, and a list that is strictly sorted, with
 * non-empty keys and only attributes of its kind.
 */
#ifndef IMSCAN_FUZZ_ENTITIES_H
#define IMSCAN_FUZZ_ENTITIES_H

#include "imscan/source_parse.h"
#include "fuzz.h"

static inline void fuzz_check_list(struct source_list *l)
{
	source_list_sort(l);
	for (size_t i = 0; i < l->n; i++) {
		const struct record *r = l->recs[i];
		unsigned a;

		FUZZ_ASSERT(r->keylen > 0, "empty key");
		FUZZ_ASSERT(r->kind == l->kind, "wrong kind");
		FUZZ_ASSERT(!i || record_cmp(l->recs[i - 1], r) < 0, "not strictly sorted at %zu", i);
		ATTRSET_FOREACH(a, &r->present)
			FUZZ_ASSERT(attr_table[a].kinds & KINDBIT(l->kind), "attribute %s", attr_name(a));
	}
	source_list_release(l);
}

/* Splits data at its first NUL: *rest and *restlen get what follows it
 * (nothing if there is no NUL). Returns the length before it. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, const uint8_t **rest,
				size_t *restlen)
{
	const uint8_t *nul = memchr(data, 0, size);

	if (!nul) {
		*rest = data + size;
		*restlen = 0;
		return size;
	}
	*rest = nul + 1;
	*restlen = size - (size_t)(nul - data) - 1;
	return (size_t)(nul - data);
}

#endif
