/*
 * check_escape_runs.c - escaping copies runs of plain bytes at once:
 * the bytes must be those of escaping one byte (or sequence) at a time.
 *
 * The oracles below are the escapers as they were before runs, kept
 * here as the definition; every string of up to two bytes, strings of
 * the awkward pieces (escapes, C1, bidi marks, cut sequences) at the
 * start, middle and end of runs, and long runs past the buffer's first
 * size must come out the same, lossy flag included.
 */
#include <stdio.h>
#include <string.h>

#include "imscan/escape.h"
#include "unit.h"

static bool is_c1(const unsigned char *p, size_t l)
{
	return l == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

static bool oracle_json(struct strbuf *out, const unsigned char *p, size_t n)
{
	bool lossy = false;

	strbuf_addc(out, '"');
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t l = utf8_seq_len(p + i, n - i);

		if (!l) {
			strbuf_adds(out, "\xef\xbf\xbd");
			lossy = true;
			i++;
			continue;
		}
		if (is_c1(p + i, l))
			strbuf_addf(out, "\\u%04x", p[i + 1]);
		else if (l > 1 || (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f))
			strbuf_add(out, p + i, l);
		else if (c == '"' || c == '\\')
			strbuf_addf(out, "\\%c", c);
		else if (c == '\n')
			strbuf_adds(out, "\\n");
		else if (c == '\t')
			strbuf_adds(out, "\\t");
		else if (c == '\r')
			strbuf_adds(out, "\\r");
		else {
			strbuf_addf(out, "\\u%04x", c);
			lossy |= !c;
		}
		i += l;
	}
	strbuf_addc(out, '"');
	return lossy;
}

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

static void oracle_text(struct strbuf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t l = utf8_seq_len(p + i, n - i);

		if (l > 1) {
			for (size_t k = 0; k < l; k++) {
				if (text_hazard(p + i, l))
					strbuf_addf(out, "\\x%02x", p[i + k]);
				else
					strbuf_addc(out, (char)p[i + k]);
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

/* Escapes p both ways and compares with the oracles; 0 if all agree. */
static int differs(const unsigned char *p, size_t n)
{
	struct strbuf got, want;
	bool lg, lw;
	int bad;

	strbuf_init(&got);
	strbuf_init(&want);
	strbuf_adds(&got, "k=");	/* appends after what is there */
	strbuf_adds(&want, "k=");
	lg = json_add_string(&got, p, n);
	lw = oracle_json(&want, p, n);
	bad = lg != lw || got.len != want.len || memcmp(got.buf, want.buf, got.len);
	strbuf_reset(&got);
	strbuf_reset(&want);
	text_add_escaped(&got, p, n);
	oracle_text(&want, p, n);
	bad |= got.len != want.len || memcmp(got.buf, want.buf, got.len);
	strbuf_release(&got);
	strbuf_release(&want);
	return bad;
}

/* Every string of one and two bytes. */
START_TEST(test_short_strings)
{
	unsigned char p[2];
	long bad = 0;

	for (unsigned a = 0; a < 256; a++) {
		p[0] = (unsigned char)a;
		bad += differs(p, 1);
		for (unsigned b = 0; b < 256; b++) {
			p[1] = (unsigned char)b;
			bad += differs(p, 2);
		}
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

static const char *const pieces[] = {
	"a", "plain/run.txt", " ", "\"", "\\", "\n", "\t", "\r", "\x01", "\x1b", "\x7f",
	"~", "\xc2\x80", "\xc2\x9b", "\xc2\x9f", "\xc2\xa0", "\xc3\xa9", "\xd8\x9c", "\xd8\x9b",
	"\xe2\x80\x8e", "\xe2\x80\xa8", "\xe2\x80\xae", "\xe2\x80\xaf", "\xe2\x81\xa6",
	"\xe2\x81\xa9", "\xe2\x81\xaa", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
	"\xff", "\xc0\xaf", "\xc2", "\xe2\x80", "\xf0\x9f\x98", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xe0\x80\xaf", "\x80",
};
#define NPIECES (sizeof(pieces) / sizeof(pieces[0]))

/* Every sequence of three pieces, and each with a NUL after it: what
 * stops a run next to what starts one. */
START_TEST(test_piece_triples)
{
	unsigned char buf[64];
	long bad = 0;

	for (size_t i = 0; i < NPIECES; i++)
		for (size_t j = 0; j < NPIECES; j++)
			for (size_t k = 0; k < NPIECES; k++) {
				size_t n = 0;

				n += (size_t)sprintf((char *)buf + n, "%s", pieces[i]);
				n += (size_t)sprintf((char *)buf + n, "%s", pieces[j]);
				n += (size_t)sprintf((char *)buf + n, "%s", pieces[k]);
				bad += differs(buf, n);
				buf[n] = '\0';
				bad += differs(buf, n + 1);
			}
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* Runs far longer than a new buffer's 64 bytes, with an escape between. */
START_TEST(test_long_runs)
{
	static unsigned char buf[20000];
	struct strbuf sb;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)('a' + i % 26);
	ck_assert_int_eq(differs(buf, sizeof(buf)), 0);
	buf[10000] = '\n';
	memcpy(buf + 15000, "\xe2\x80\xae", 3);
	ck_assert_int_eq(differs(buf, sizeof(buf)), 0);
	buf[sizeof(buf) - 1] = 0xff;
	ck_assert_int_eq(differs(buf, sizeof(buf)), 0);
	strbuf_init(&sb);
	ck_assert(json_add_string(&sb, buf, sizeof(buf)));
	/* quotes, "\\n" for the newline, U+FFFD for 0xff */
	ck_assert_uint_eq(sb.len, sizeof(buf) + 2 + 1 + 2);
	strbuf_release(&sb);
}
END_TEST

Suite *make_escape_runs_suite(void)
{
	Suite *s = suite_create("escape_runs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_short_strings);
	tcase_add_test(tc, test_piece_triples);
	tcase_add_test(tc, test_long_runs);
	suite_add_tcase(s, tc);
	return s;
}
