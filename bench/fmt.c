/*
 * bench/fmt.c - the cost of formatting one event line, and a dump to
 * show that a change to the formatters keeps every byte.
 *
 *   fmt [N]          formats a watch-like added event (file, STANDARD and
 *                    sha256, process) and a modified one N times each
 *                    (default 1000000) as JSON and as text; prints CPU ns
 *                    per event, the best of 5 rounds
 *   fmt -d [COUNT]   prints COUNT (default 20000) pseudo-random events and
 *                    records (hostile keys and strings, edge integers and
 *                    times) in JSON, text and `imscan show` form: the same
 *                    output from two builds means the same bytes
 *
 * Built by `make bench-fmt` against the project's objects; no Check.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imscan/escape.h"
#include "imscan/event.h"
#include "imscan/strbuf.h"

static char tag_files[] = "files", tag_integrity[] = "integrity";
static char *tags[] = { tag_files, tag_integrity };
static char rule_id[] = "1003513", rule_name[] = "system binaries";
static struct rule rule = {
	.id = rule_id, .name = rule_name, .severity = SEV_MEDIUM,
	.tags = tags, .ntags = 2,
};

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void set_file(struct record *r, const char *key, int64_t t, int64_t size)
{
	static const unsigned char digest[32] = { 0x3a, 0x4f, 0x0c, 0x1e, 0x99, 0xa1, 0xb2, 0xe1 };

	record_reset(r);
	record_set_key(r, KIND_FILE, key, strlen(key));
	record_set_int(r, ATTR_TYPE, FT_REGULAR);
	record_set_int(r, ATTR_MODE, 0100644);
	record_set_int(r, ATTR_UID, 1000);
	record_set_int(r, ATTR_GID, 1000);
	record_set_int(r, ATTR_SIZE, size);
	record_set_int(r, ATTR_MTIME, t);
	record_set_int(r, ATTR_CTIME, t + 1234567);
	record_set_int(r, ATTR_INODE, 1234567);
	record_set_int(r, ATTR_NLINK, 1);
	record_set_bytes(r, ATTR_SHA256, digest, sizeof(digest));
}

static double time_rounds(void (*line)(struct strbuf *, const struct event *),
			  const struct event *ev, long n)
{
	struct strbuf sb;
	double best = 0;

	strbuf_init(&sb);
	for (int round = 0; round < 5; round++) {
		double t0 = cpu_ns();

		for (long i = 0; i < n; i++) {
			strbuf_reset(&sb);
			line(&sb, ev);
		}
		t0 = (cpu_ns() - t0) / (double)n;
		if (!round || t0 < best)
			best = t0;
	}
	strbuf_release(&sb);
	return best;
}

static int bench(long n)
{
	struct record old, new;
	struct procinfo p = { .pid = 4242, .have = PROCINFO_COMM | PROCINFO_EXE | PROCINFO_UID |
				PROCINFO_USER, .uid = 1000, .comm = "cp", .user = "alice",
				.exe = "/usr/bin/cp" };
	const int64_t t = 1795634400123456789LL;
	struct event add = { .time = t + 500000000, .host = "web-01", .source = "watch",
			     .action = ACT_ADDED, .rule = &rule, .process = &p };
	struct event mod = add;
	struct strbuf sb;

	record_init(&old);
	record_init(&new);
	set_file(&old, "/srv/data/d017/file-012345.txt", t - 86400000000000LL, 158);
	set_file(&new, "/srv/data/d017/file-012345.txt", t, 190);
	add.new = &new;
	add.attrs = new.present;
	mod.action = ACT_MODIFIED;
	mod.old = &old;
	mod.new = &new;
	mod.attrs = attr_changed(&old, &new, &new.present);
	strbuf_init(&sb);
	event_to_json(&sb, &add);
	printf("%s\n", sb.buf);
	printf("json added     %7.1f ns/event\n", time_rounds(event_to_json, &add, n));
	printf("json modified  %7.1f ns/event\n", time_rounds(event_to_json, &mod, n));
	printf("text added     %7.1f ns/event\n", time_rounds(event_to_text, &add, n));
	printf("text modified  %7.1f ns/event\n", time_rounds(event_to_text, &mod, n));
	strbuf_release(&sb);
	record_release(&old);
	record_release(&new);
	return 0;
}

/* xorshift64*: the same sequence from every build. */
static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

/* Bytes from a pool that is mostly harmless and partly hostile. */
static size_t rnd_bytes(unsigned char *buf, size_t max)
{
	static const char *const bits[] = {
		"a", "file", "/", ".conf", " ", "\"", "\\", "\n", "\t", "\r", "\x1b[31m",
		"\x7f", "\xc2\x85", "\xc2\x9f", "\xc2\xa0", "\xe2\x80\xae", "\xe2\x81\xa6",
		"\xd8\x9c", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xe2\x82",
		"\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xc3\xa9t\xc3\xa9", "\xe6\x97\xa5",
	};
	size_t n = 0, parts = rnd() % 12;

	for (size_t i = 0; i < parts; i++) {
		const char *b = bits[rnd() % (sizeof(bits) / sizeof(bits[0]))];
		size_t l = strlen(b);

		if (n + l + 1 > max)
			break;
		memcpy(buf + n, b, l);
		n += l;
	}
	if (rnd() % 16 == 0 && n < max)
		buf[n++] = '\0';	/* a NUL inside */
	return n;
}

static int64_t rnd_int(void)
{
	static const int64_t edges[] = {
		0, 1, -1, 9, 10, 99, 100, 999999999, 1000000000, -999999999, -1000000000,
		INT64_MIN, INT64_MAX, INT64_MIN + 1, INT32_MIN, INT32_MAX, UINT32_MAX,
		-9223372036854775807LL / 1000000000 * 1000000000, 253402300799LL, 1795634399999999999LL,
		1795634400000000000LL, -86400000000000LL, -1000000001LL,
	};

	switch (rnd() % 5) {
	case 0:
		return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return (int64_t)rnd();
	case 2:
		return (int64_t)(rnd() % 100000);
	case 3:
		return 1795634400000000000LL + (int64_t)(rnd() % 4000000000ULL) - 2000000000;
	default:
		return (int64_t)(rnd() % 4000000000000000000ULL) - 2000000000000000000LL;
	}
}

static void rnd_record(struct record *r)
{
	unsigned char buf[256];
	size_t n = rnd_bytes(buf, sizeof(buf));

	record_reset(r);
	record_set_key(r, (enum kind)(rnd() % KIND__COUNT), buf, n);
	for (int a = 0; a < ATTR__COUNT; a++) {
		if (rnd() % 2)
			continue;
		if (attr_table[a].type == ATTR_T_INT) {
			record_set_int(r, (enum attr_id)a, rnd_int());
		} else {
			n = rnd_bytes(buf, sizeof(buf));
			record_set_bytes(r, (enum attr_id)a, buf, n);
		}
	}
}

static int dump(long count)
{
	static const enum action acts[] = { ACT_ADDED, ACT_REMOVED, ACT_MODIFIED, ACT_RENAMED,
					    ACT_UNREADABLE, ACT_OVERFLOW };
	struct record old, new;
	struct procinfo p = { .pid = 77, .have = 0x3f, .uid = 4294967295u, .loginuid = 7,
			      .comm = "a\033b", .user = "root", .login = "\xff" };
	unsigned char key[256];
	struct strbuf sb;
	int a;

	record_init(&old);
	record_init(&new);
	strbuf_init(&sb);
	for (long i = 0; i < count; i++) {
		struct event ev = { .time = rnd_int(), .host = "h\xc2\x9b", .source = "check",
				    .action = acts[rnd() % 6], .rule = rnd() % 4 ? &rule : NULL,
				    .old = &old, .new = &new, .process = rnd() % 2 ? &p : NULL };

		rnd_record(&old);
		rnd_record(&new);
		ev.attrs = attr_changed(&old, &new, &new.present);
		ev.old_keylen = rnd_bytes(key, sizeof(key));
		ev.old_key = (const char *)key;
		strbuf_reset(&sb);
		event_to_json(&sb, &ev);
		strbuf_addc(&sb, '\n');
		event_to_text(&sb, &ev);
		strbuf_addc(&sb, '\n');
		ATTRSET_FOREACH(a, &new.present) {
			attr_json_member(&sb, &new, (enum attr_id)a);
			strbuf_addc(&sb, ' ');
			attr_format(&sb, &new, (enum attr_id)a, ATTR_STYLE_TEXT);
			strbuf_addc(&sb, '\n');
		}
		attr_format_time_prec(&sb, ev.time, (int)(rnd() % 12));
		strbuf_addc(&sb, '\n');
		fwrite(sb.buf, 1, sb.len, stdout);
	}
	strbuf_release(&sb);
	record_release(&old);
	record_release(&new);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "-d"))
		return dump(argc > 2 ? atol(argv[2]) : 20000);
	return bench(argc > 1 ? atol(argv[1]) : 1000000);
}
