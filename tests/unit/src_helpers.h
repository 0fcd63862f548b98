/* src_helpers.h - shared by the check_src_*.c suites: run one source and
 * dump its records as text, catch warnings, write files in a temp root. */
#ifndef IMSCAN_SRC_HELPERS_H
#define IMSCAN_SRC_HELPERS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "imscan/error.h"
#include "imscan/rules.h"
#include "imscan/source_parse.h"
#include "imscan/strbuf.h"
#include "imscan/xalloc.h"
#include "unit.h"

static struct strbuf src_warned;

static inline void src_catch(void *ctx, const char *msg)
{
	(void)ctx;
	strbuf_adds(&src_warned, msg);
	strbuf_addc(&src_warned, '\n');
}

static inline void src_catch_start(void)
{
	strbuf_init(&src_warned);
	warning_set_handler(src_catch, NULL);
}

/* Stops catching; returns what was warned (caller frees). */
static inline char *src_catch_stop(void)
{
	warning_set_handler(NULL, NULL);
	return strbuf_detach(&src_warned, NULL);
}

static inline void src_record_line(struct strbuf *sb, const struct record *r, bool ents)
{
	unsigned a;

	strbuf_adds(sb, record_key(r));
	ATTRSET_FOREACH(a, &r->present) {
		strbuf_addf(sb, " %s=", attr_name((enum attr_id)a));
		attr_format(sb, r, (enum attr_id)a, ATTR_STYLE_TEXT);
	}
	for (uint32_t i = 0; ents && i < r->nents; i++)
		strbuf_addf(sb, " @%u", r->ents[i]);
	strbuf_addc(sb, '\n');
}

/* Every record of source s under root, one line each; caller frees. With
 * rules_json, a ruleset of it selects (and entity indexes are listed). */
static inline char *src_dump(const struct source *s, const char *root, const char *rules_json,
		      const unsigned char *key)
{
	struct source_opts o = { .root = root, .digest_key = key };
	struct ruleset rs;
	const struct record *r;
	struct strbuf sb;
	void *st;
	int ret;

	ruleset_init(&rs, ATTR_SHA256);
	if (rules_json) {
		ck_assert_msg(ruleset_load_json(&rs, rules_json, strlen(rules_json), "t") == 0,
			      "%s", error_last());
		o.rules = &rs;
	}
	strbuf_init(&sb);
	ck_assert_msg(s->open(&st, &o) == 0, "%s", error_last());
	while ((ret = s->next(st, &r)) > 0)
		src_record_line(&sb, r, rules_json != NULL);
	ck_assert_int_eq(ret, 0);
	s->close(st);
	ruleset_release(&rs);
	return strbuf_detach(&sb, NULL);
}

/* Writes root/rel, creating the directories on the way. */
static inline void src_write(const char *root, const char *rel, const char *content)
{
	char *path = xmalloc(strlen(root) + strlen(rel) + 2);

	sprintf(path, "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		ck_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	free(path);
	unit_write(root, rel, content);
}

/* The lower-case hex of a source_digest of s (keyed when key). */
static inline void src_hex_digest(const char *s, const unsigned char *key, char out[65])
{
	unsigned char d[SOURCE_DIGEST_LEN];

	source_digest(s, strlen(s), key, d);
	for (int i = 0; i < SOURCE_DIGEST_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

#endif
