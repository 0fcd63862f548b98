/*
 * fuzz_record.c - record_decode, the baseline's record parser, on its own
 * (the baseline target reaches it only through gzip and the digest).
 *
 * Decodes records one after another, each with the previous one as prev,
 * as the reader does. Every record that decodes must re-encode to exactly
 * the bytes it was decoded from (the format has one encoding per record,
 * which is what lets the digest cover meaning, not just bytes), and must
 * sort strictly after its predecessor.
 */
#include "imscan/baseline.h"
#include "imscan/strbuf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record rec[2];
	struct strbuf sb;
	int cur = 0, have_prev = 0;

	record_init(&rec[0]);
	record_init(&rec[1]);
	strbuf_init(&sb);
	while (size) {
		const struct record *prev = have_prev ? &rec[cur ^ 1] : NULL;
		long k = record_decode(data, size, prev, &rec[cur]);

		if (k < 0) {
			FUZZ_ASSERT(*error_last(), "refused without a message");
			break;
		}
		if (k == 0)
			break;
		FUZZ_ASSERT((size_t)k <= size, "consumed %ld of %zu bytes", k, size);
		FUZZ_ASSERT(rec[cur].keylen > 0, "empty key accepted");
		if (prev)
			FUZZ_ASSERT(record_cmp(prev, &rec[cur]) < 0 && record_cmp(&rec[cur], prev) > 0,
				    "record order not strict");
		strbuf_reset(&sb);
		record_encode(&sb, &rec[cur], prev);
		FUZZ_ASSERT(sb.len == (size_t)k && !memcmp(sb.buf, data, sb.len),
			    "re-encoding gives %zu bytes, decoded from %ld", sb.len, k);
		data += k;
		size -= (size_t)k;
		have_prev = 1;
		cur ^= 1;
	}
	strbuf_release(&sb);
	record_release(&rec[0]);
	record_release(&rec[1]);
	return 0;
}
