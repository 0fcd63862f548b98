/*
 * fuzz_event.c - event_to_json and event_to_text on records built from
 * fuzz bytes: arbitrary key bytes, arbitrary string and integer values.
 *
 * JSON: the line is valid UTF-8 without a raw control character and
 * parses (cJSON) as one object; the key, old_key and every string
 * attribute come back exactly, from "name_b64" when present, else from
 * "name"; "rules" has one object per rule of the event and "tags" no tag
 * twice. Text: valid UTF-8, no byte below 0x20 and no 0x7f.
 */
#include <cJSON.h>
#include <sodium.h>

#include "imscan/event.h"
#include "imscan/record.h"
#include "imscan/rules.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

/* A NUL-terminated string of arbitrary non-NUL bytes (caller frees). */
static char *fuzz_cstr(struct fuzz_in *in)
{
	size_t n;
	const uint8_t *p = fuzz_bytes(in, 64, &n);
	char *s = malloc(n + 1);

	for (size_t i = 0; i < n; i++)
		s[i] = p[i] ? (char)p[i] : '?';
	s[n] = '\0';
	return s;
}

static void fuzz_record(struct fuzz_in *in, struct record *r, enum kind kind)
{
	uint64_t mask = fuzz_u64(in);
	size_t n;
	const uint8_t *key = fuzz_bytes(in, 255, &n);

	record_reset(r);
	record_set_key(r, kind, key, n);
	for (int a = 0; a < ATTR__COUNT; a++) {
		if (!(mask >> a & 1))
			continue;
		if (attr_table[a].type == ATTR_T_INT) {
			record_set_int(r, (enum attr_id)a, (int64_t)fuzz_u64(in));
		} else {
			const uint8_t *p = fuzz_bytes(in, 255, &n);

			record_set_bytes(r, (enum attr_id)a, p, n);
		}
	}
}

/* The exact bytes of member name of o: name_b64 if present, else name. */
static void expect_member(const cJSON *o, const char *name, const void *want, size_t wlen,
			  const char *line)
{
	char b64name[64];
	const cJSON *s, *b;
	unsigned char *bin;
	size_t binlen = 0;

	snprintf(b64name, sizeof(b64name), "%s_b64", name);
	s = cJSON_GetObjectItemCaseSensitive(o, name);
	b = cJSON_GetObjectItemCaseSensitive(o, b64name);
	FUZZ_ASSERT(cJSON_IsString(s), "no string \"%s\" in %s", name, line);
	if (!b) {
		FUZZ_ASSERT(strlen(s->valuestring) == wlen && !memcmp(s->valuestring, want, wlen),
			    "\"%s\" does not hold the exact bytes and there is no \"%s\": %s",
			    name, b64name, line);
		return;
	}
	FUZZ_ASSERT(cJSON_IsString(b), "\"%s\" is not a string: %s", b64name, line);
	bin = malloc(strlen(b->valuestring) + 1);
	FUZZ_ASSERT(sodium_base642bin(bin, strlen(b->valuestring) + 1, b->valuestring,
				      strlen(b->valuestring), NULL, &binlen, NULL,
				      sodium_base64_VARIANT_ORIGINAL) == 0,
		    "\"%s\" is not base64: %s", b64name, line);
	FUZZ_ASSERT(binlen == wlen && !memcmp(bin, want, wlen),
		    "\"%s\" does not decode to the exact bytes: %s", b64name, line);
	free(bin);
}

/* Every string attribute of r that the object o shows comes back exactly. */
static void expect_attrs(const cJSON *o, const struct record *r, const char *line)
{
	if (!o)
		return;
	FUZZ_ASSERT(cJSON_IsObject(o), "old/new is not an object: %s", line);
	for (int a = 0; a < ATTR__COUNT; a++) {
		const unsigned char *p;
		size_t n;

		if (attr_table[a].print != ATTR_PR_STR ||
		    !cJSON_GetObjectItemCaseSensitive(o, attr_table[a].name))
			continue;
		FUZZ_ASSERT(record_has(r, (enum attr_id)a), "\"%s\" shown but absent: %s",
			    attr_table[a].name, line);
		p = record_bytes(r, (enum attr_id)a, &n);
		expect_member(o, attr_table[a].name, p, n, line);
	}
}

static void check_rules_tags(const cJSON *j, const struct event *ev, const char *line)
{
	size_t n;
	const struct rule *const *rules = event_rules(ev, &n);
	int distinct = 0;

	FUZZ_ASSERT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "rules")) == (int)n,
		    "\"rules\" does not have %zu members: %s", n, line);
	/* each distinct tag once (two bad ones may print alike, so count bytes) */
	for (size_t r = 0; r < n; r++) {
		for (size_t t = 0; t < rules[r]->ntags; t++) {
			bool seen = false;

			for (size_t r2 = 0; r2 <= r && !seen; r2++)
				for (size_t t2 = 0; t2 < (r2 < r ? rules[r2]->ntags : t); t2++)
					seen |= !strcmp(rules[r2]->tags[t2], rules[r]->tags[t]);
			distinct += !seen;
		}
	}
	FUZZ_ASSERT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "tags")) == distinct,
		    "\"tags\" does not have %d members: %s", distinct, line);
}

static void check_json(const struct event *ev, const struct record *ent)
{
	struct strbuf sb;
	const char *end = NULL;
	cJSON *j;

	strbuf_init(&sb);
	event_to_json(&sb, ev);
	FUZZ_ASSERT(fuzz_utf8_valid((const unsigned char *)sb.buf, sb.len),
		    "JSON is not UTF-8: %s", sb.buf);
	for (size_t i = 0; i < sb.len; i++)
		FUZZ_ASSERT((unsigned char)sb.buf[i] >= 0x20, "raw control byte in JSON: %s", sb.buf);
	j = cJSON_ParseWithLengthOpts(sb.buf, sb.len, &end, 0);
	FUZZ_ASSERT(j && cJSON_IsObject(j) && end == sb.buf + sb.len, "not one JSON object: %s",
		    sb.buf);
	expect_member(j, "key", record_key(ent), ent->keylen, sb.buf);
	if (ev->action == ACT_RENAMED && ev->old_key)
		expect_member(j, "old_key", ev->old_key, ev->old_keylen, sb.buf);
	if (ev->action == ACT_UNREADABLE && record_has(ent, ATTR_ERROR)) {
		size_t n;
		const unsigned char *p = record_bytes(ent, ATTR_ERROR, &n);

		expect_member(j, "error", p, n, sb.buf);
	}
	check_rules_tags(j, ev, sb.buf);
	expect_attrs(cJSON_GetObjectItemCaseSensitive(j, "old"),
		     ev->action == ACT_REMOVED ? ent : ev->old, sb.buf);
	expect_attrs(cJSON_GetObjectItemCaseSensitive(j, "new"),
		     ev->action == ACT_MODIFIED || ev->action == ACT_RENAMED ? ev->new : ent,
		     sb.buf);
	cJSON_Delete(j);
	strbuf_release(&sb);
}

static void check_text(const struct event *ev)
{
	struct strbuf sb;

	strbuf_init(&sb);
	event_to_text(&sb, ev);
	for (size_t i = 0; i < sb.len; i++) {
		unsigned char c = (unsigned char)sb.buf[i];

		FUZZ_ASSERT(c >= 0x20 && c != 0x7f, "control byte 0x%02x at %zu in text", c, i);
	}
	FUZZ_ASSERT(fuzz_utf8_valid((const unsigned char *)sb.buf, sb.len), "text is not UTF-8");
	strbuf_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct record old, new;
	struct rule rule = { 0 }, rule2;
	const struct rule *rules[2];
	char *tags2[2];
	struct event ev = { 0 };
	char *host, *source, *tags[2] = { NULL, NULL };
	uint8_t flags = fuzz_u8(&in);
	enum kind kind = (enum kind)(fuzz_u8(&in) % KIND__COUNT);
	uint64_t set = fuzz_u64(&in);
	size_t n;
	const uint8_t *old_key;

	record_init(&old);
	record_init(&new);
	ev.action = (enum action)(flags % 5);
	ev.time = (int64_t)fuzz_u64(&in);
	host = fuzz_cstr(&in);
	source = fuzz_cstr(&in);
	ev.host = (flags & 0x08) ? NULL : host;
	ev.source = source;
	rule.id = fuzz_cstr(&in);
	rule.name = fuzz_cstr(&in);
	rule.severity = (enum severity)(fuzz_u8(&in) % 6);	/* 4, 5: out of range */
	tags[0] = fuzz_cstr(&in);
	tags[1] = fuzz_cstr(&in);
	rule.tags = tags;
	rule.ntags = (flags >> 4) % 3;
	ev.rule = (flags & 0x40) ? NULL : &rule;
	/* a second rule with the same tags in the other order */
	rule2 = rule;
	rule2.tags = tags2;
	tags2[0] = tags[1];
	tags2[1] = tags[0];
	if (flags & 0x04) {
		rules[0] = &rule;
		rules[1] = &rule2;
		ev.rules = rules;
		ev.nrules = 2;
	}
	for (int a = 0; a < ATTR__COUNT; a++)
		if (set >> a & 1)
			attrset_add(&ev.attrs, (enum attr_id)a);
	old_key = fuzz_bytes(&in, 255, &n);
	ev.old_key = (const char *)old_key;
	ev.old_keylen = n;
	fuzz_record(&in, &new, kind);
	fuzz_record(&in, &old, kind);
	/* The entity's record must exist; modified needs both. */
	ev.new = (ev.action == ACT_REMOVED && (flags & 0x80)) ? NULL : &new;
	ev.old = (ev.action != ACT_REMOVED && ev.action != ACT_MODIFIED && (flags & 0x80)) ?
		 NULL : &old;

	check_json(&ev, ev.action == ACT_REMOVED ? (ev.old ? ev.old : ev.new) :
			(ev.new ? ev.new : ev.old));
	check_text(&ev);

	free(host);
	free(source);
	free(rule.id);
	free(rule.name);
	free(tags[0]);
	free(tags[1]);
	record_release(&old);
	record_release(&new);
	return 0;
}
